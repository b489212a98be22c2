"""The private calendar feed: it parses with `icalendar` and with an independent parser
(`vobject`), follows RFC 5545's structure, shows the household's bookings and nothing else, dies
with its token, and its page follows the usual access rules."""

import datetime

import pytest
import vobject
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from ribambelle.bookings.models import Booking, CalendarFeed
from ribambelle.bookings.tests.conftest import MONDAY, make_activity
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Household
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("bookings_feed:feed_settings", args=["ville-a"])


def feed_path(token: str, slug: str = "ville-a") -> str:
    return reverse("bookings_feed:feed", kwargs={"municipality_slug": slug, "token": token})


def book(child, activity, day) -> Booking:
    return BookingFactory(child=child, activity=activity, date=day)


def events(response) -> list:
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_feed_parses_and_lists_the_household_bookings(
    frozen, household_a, child_a, canteen, evening_care, dave
):
    tuesday = MONDAY + datetime.timedelta(days=1)
    thursday = MONDAY + datetime.timedelta(days=3)
    mine = [book(child_a, canteen, tuesday), book(child_a, evening_care, thursday)]
    # Outside the period: more than 30 days ago, more than a year ahead.
    book(child_a, canteen, MONDAY - datetime.timedelta(days=35))
    book(child_a, canteen, datetime.date(2028, 1, 4))
    other_child = Child.objects.get(household__guardians__user=dave)
    theirs = book(other_child, canteen, tuesday)
    child_a.allergies = "Arachide"
    child_a.save()
    token = CalendarFeed.objects.create(household=household_a).token

    response = Client().get(feed_path(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=3600"
    calendar = Calendar.from_ical(response.content)
    assert calendar["PRODID"]
    assert str(calendar["X-WR-CALNAME"]) == "Ville A – réservations"
    found = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(found) == {f"booking-{b.pk}@ville-a.ribambelle" for b in mine}
    assert f"booking-{theirs.pk}@ville-a.ribambelle" not in found
    first = found[f"booking-{mine[0].pk}@ville-a.ribambelle"]
    assert str(first["SUMMARY"]) == "Restauration scolaire – Léa"
    assert first.decoded("DTSTART") == tuesday
    assert first.decoded("DTEND") == tuesday + datetime.timedelta(days=1)
    assert "DTSTAMP" in first
    assert str(first["DESCRIPTION"]) == "Service : Restauration scolaire"
    second = found[f"booking-{mine[1].pk}@ville-a.ribambelle"]
    assert str(second["SUMMARY"]) == "Garderie du soir – Léa"
    assert "Périscolaire" in str(second["DESCRIPTION"])
    assert b"Arachide" not in response.content
    assert b"Tom" not in response.content


def test_feed_passes_an_independent_parser_and_the_rfc_structure(
    frozen, household_a, child_a, canteen, department_a
):
    """vobject, not the library that wrote the feed, reads it back; long accented names make
    lines that must be folded at 75 octets without cutting a character in two."""
    child_a.first_name = "Éloïse-Bérénice-Françoise"
    child_a.save()
    long_name = "Accueil périscolaire du soir – école élémentaire Jean-Jaurès (étude surveillée)"
    study = make_activity(household_a.municipality, department_a, long_name)
    tuesday = MONDAY + datetime.timedelta(days=1)
    mine = [book(child_a, canteen, tuesday), book(child_a, study, tuesday)]
    token = CalendarFeed.objects.create(household=household_a).token

    response = Client().get(feed_path(token))
    body = response.content

    # RFC 5545 3.1: CRLF line breaks only, lines of at most 75 octets, folded lines start with
    # a space, and no UTF-8 character is cut across a fold.
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long names should be folded"
    for line in lines:
        line.decode("utf-8")
    # An iTIP METHOD needs an ORGANIZER: a subscribed feed has neither.
    assert not any(line.startswith((b"METHOD", b"ORGANIZER")) for line in lines)

    calendar = vobject.readOne(body.decode("utf-8"), validate=True)
    assert calendar.version.value == "2.0"
    assert calendar.prodid.value
    parsed = {event.uid.value: event for event in calendar.vevent_list}
    assert set(parsed) == {f"booking-{b.pk}@ville-a.ribambelle" for b in mine}
    for event in parsed.values():
        assert event.dtstart.value == tuesday
        assert event.dtend.value == tuesday + datetime.timedelta(days=1)
        assert event.dtstamp.value.utcoffset() == datetime.timedelta(0)
    study_event = parsed[f"booking-{mine[1].pk}@ville-a.ribambelle"]
    assert study_event.summary.value == f"{long_name} – Éloïse-Bérénice-Françoise"

    # One refresh interval, said three ways that agree.
    ttl = calendar.contents["refresh-interval"][0]
    assert ttl.params == {"VALUE": ["DURATION"]} and ttl.value == "PT1H"
    assert calendar.contents["x-published-ttl"][0].value == "PT1H"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_uids_are_stable_across_fetches(frozen, household_a, child_a, canteen):
    book(child_a, canteen, MONDAY + datetime.timedelta(days=1))
    token = CalendarFeed.objects.create(household=household_a).token
    client = Client()
    first = [str(e["UID"]) for e in events(client.get(feed_path(token)))]
    assert first == [str(e["UID"]) for e in events(client.get(feed_path(token)))]


def test_unknown_token_is_404(household_a):
    CalendarFeed.objects.create(household=household_a)
    assert Client().get(feed_path("not-a-token")).status_code == 404


def test_token_under_another_municipality_slug_is_404(household_a, household_b):
    token = CalendarFeed.objects.create(household=household_a).token
    assert Client().get(feed_path(token, "ville-b")).status_code == 404
    feed = Client().get(feed_path(token, "ville-a"))
    assert feed.status_code == 200
    assert "X-WR-CALNAME:Ville A" in feed.content.decode()


def test_feed_query_count_does_not_grow(frozen, household_a, child_a, canteen, evening_care):
    token = CalendarFeed.objects.create(household=household_a).token
    client = Client()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(feed_path(token))
        assert response.status_code == 200
        return len(queries)

    book(child_a, canteen, MONDAY + datetime.timedelta(days=1))
    small = count()
    sister = ChildFactory(
        household=household_a,
        first_name="Inès",
        last_name="Martin",
        birth_date=datetime.date(2020, 6, 1),
    )
    days = [MONDAY + datetime.timedelta(days=7 * week + 1) for week in range(1, 11)]
    for day in days:
        book(sister, canteen, day)
        book(sister, evening_care, day)
    assert len(events(client.get(feed_path(token)))) == 21
    assert count() == small


# The page that gives the address.


def test_page_creates_the_feed_and_shows_its_address(alice_client, household_a):
    assert not CalendarFeed.objects.exists()
    response = alice_client.get(SETTINGS_URL)
    assert response.status_code == 200
    feed = CalendarFeed.objects.get(household=household_a)
    content = response.content.decode()
    assert f"https://portail.example.fr{feed_path(feed.token)}" in content
    assert f"webcal://portail.example.fr{feed_path(feed.token)}" in content
    assert 'data-copy="feed-url"' in content
    assert "iPhone" in content
    assert "Android" in content
    # Seen again (by the other parent too), the same address.
    alice_client.get(SETTINGS_URL)
    other_parent = logged_in(household_a.guardians.last().user).get(SETTINGS_URL)
    assert other_parent.status_code == 200
    assert feed.token in other_parent.content.decode()
    assert CalendarFeed.objects.get().token == feed.token


def test_changing_the_address_revokes_the_old_one(alice_client, alice, household_a):
    alice_client.get(SETTINGS_URL)
    old = CalendarFeed.objects.get().token
    response = alice_client.post(SETTINGS_URL, follow=True)
    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    new = CalendarFeed.objects.get().token
    assert new != old
    assert "Nouvelle adresse créée" in response.content.decode()
    assert new in response.content.decode()
    assert Client().get(feed_path(old)).status_code == 404
    calendar = Client().get(feed_path(new))
    assert calendar.status_code == 200
    assert "BEGIN:VCALENDAR" in calendar.content.decode()
    entry = AuditEntry.objects.get(household_id=household_a.pk)
    assert entry.actor == alice
    assert entry.action == AuditEntry.Action.UPDATE


def test_page_other_household_sees_its_own_address(household_a, dave):
    alice_token = logged_in(household_a.guardians.first().user).get(SETTINGS_URL)
    assert alice_token.status_code == 200
    response = logged_in(dave).get(SETTINGS_URL)
    assert response.status_code == 200
    dave_feed = CalendarFeed.objects.get(household__guardians__user=dave)
    alice_feed = CalendarFeed.objects.get(household=household_a)
    assert dave_feed.token in response.content.decode()
    assert alice_feed.token not in response.content.decode()
    # Changing his address leaves alice's alone.
    logged_in(dave).post(SETTINGS_URL)
    assert CalendarFeed.objects.get(household=household_a).token == alice_feed.token


def test_page_other_municipality_gets_404(household_a, household_b, charlie):
    client = logged_in(charlie)
    assert client.get(SETTINGS_URL).status_code == 404
    assert client.post(SETTINGS_URL).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_page_staff_get_403(agent_client, household_a):
    assert agent_client.get(SETTINGS_URL).status_code == 403
    assert agent_client.post(SETTINGS_URL).status_code == 403


def test_page_parent_without_household_gets_404(alice_client, municipality_a):
    assert not Household.objects.exists()
    assert alice_client.get(SETTINGS_URL).status_code == 404


def test_page_anonymous_goes_to_login(municipality_a):
    response = Client().get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login", args=["ville-a"]))
