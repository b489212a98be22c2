"""The household's private iCalendar feed: the period it covers and the calendar itself (its
token is created and replaced by services, read by selectors). Phones fetch the feed without
any session, so the token is the only key: it is long, random, scoped to one municipality, and
replacing it kills the old address. The feed holds what the parents need in their calendar and
nothing more: activity, child's first name, department. No health data, no surname, no
address."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from ribambelle.bookings import rules
from ribambelle.bookings.models import Booking
from ribambelle.tenants.models import Municipality

PAST_DAYS = 30
FUTURE_DAYS = 366
PRODID = "-//Ribambelle//Portail famille//FR"
# How often calendar apps should fetch the feed again, and how long any cache may keep an
# answer: one value, so that an app never refetches a copy older than it asked for.
FEED_TTL = timedelta(hours=1)


def feed_period(now: datetime) -> tuple[date, date]:
    today = now.astimezone(rules.PARIS).date()
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def build_calendar(
    municipality: Municipality, bookings: Iterable[Booking], now: datetime | None = None
) -> bytes:
    """One all-day event per booking. UIDs are stable, so that a calendar app updates its
    copy of an event rather than adding a new one at each refresh."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # No METHOD: a subscribed feed is not an iTIP message, and METHOD:PUBLISH would require an
    # ORGANIZER in each event (libical reports it as an error).
    calendar.add("name", _("%(name)s – réservations") % {"name": municipality.name})
    calendar.add("x-wr-calname", _("%(name)s – réservations") % {"name": municipality.name})
    calendar.add("x-wr-timezone", "Europe/Paris")
    # RFC 7986's property, and the older one that Outlook and others still read.
    calendar.add("refresh-interval", FEED_TTL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_TTL))
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@{municipality.slug}.ribambelle")
        event.add("dtstamp", booking.created_at or now)
        event.add("dtstart", booking.date)
        event.add("dtend", booking.date + timedelta(days=1))
        event.add(
            "summary",
            _("%(activity)s – %(child)s")
            % {"activity": booking.activity.name, "child": booking.child.first_name},
        )
        event.add(
            "description",
            _("Service : %(department)s") % {"department": booking.activity.department.name},
        )
        # An all-day booking does not make the parents busy in their calendar.
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
