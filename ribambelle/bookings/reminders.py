"""Reminder e-mails before a booking deadline, to the households that have booked nothing for
the coming week, in the municipalities that turned them on (BookingSettings).

Run every hour (management command `send_booking_reminders`). A household is reminded at most
once per week whatever how often it runs: the ReminderSent row is written in the same
transaction as the e-mail is queued, under a lock on the municipality's settings row, so that
two overlapping runs do not both send."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ribambelle.bookings import rules, selectors, tasks
from ribambelle.bookings.models import Activity, BookingSettings, ReminderSent
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse


def next_week(now: datetime) -> date:
    """The Monday after the current week, in the municipality's time."""
    return rules.week_of(now.astimezone(rules.PARIS).date()) + timedelta(days=7)


def first_deadline(
    activities: list[Activity], specs: dict[int, rules.ActivitySpec], week: date
) -> datetime | None:
    """The earliest booking deadline among the open days of the week: after it, the week can
    no longer be booked in full."""
    days = rules.days_between(week, week + timedelta(days=6))
    return min(
        (
            activity.booking_rule.deadline(day)
            for activity in activities
            for day in days
            if rules.closure_of(specs[activity.pk], day) is None
        ),
        default=None,
    )


def is_due(deadline: datetime | None, now: datetime, hours: int) -> bool:
    return deadline is not None and now < deadline <= now + timedelta(hours=hours)


def households_to_remind(municipality: Municipality, week: date) -> QuerySet[Household]:
    recipients = tasks.reminder_recipients(municipality.pk).filter(household=OuterRef("pk"))
    already = ReminderSent.objects.filter(household=OuterRef("pk"), week=week)
    return (
        selectors.households_without_bookings(municipality, week)
        .filter(Exists(recipients))
        .exclude(Exists(already))
    )


def bookings_link(municipality: Municipality, week: date) -> str:
    path = tenant_reverse(municipality, "bookings:grid")
    return f"{settings.SITE_URL}{path}?semaine={week.isoformat()}"


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Queue the reminders due now; returns how many households were reminded."""
    now = now or timezone.now()
    enabled = BookingSettings.objects.filter(
        reminders_enabled=True, municipality__is_active=True
    ).values_list("pk", flat=True)
    return sum(_remind(pk, now) for pk in list(enabled))


@transaction.atomic
def _remind(settings_pk: int, now: datetime) -> int:
    booking_settings = (
        BookingSettings.objects.select_for_update()
        .select_related("municipality")
        .get(pk=settings_pk)
    )
    if not booking_settings.reminders_enabled:
        return 0
    municipality = booking_settings.municipality
    week = next_week(now)
    activities = list(
        selectors.activities_of(municipality).filter(
            is_active=True, starts_on__lte=week + timedelta(days=6), ends_on__gte=week
        )
    )
    if not activities:
        return 0
    deadline = first_deadline(activities, selectors.activity_specs(municipality, activities), week)
    if deadline is None or not is_due(deadline, now, booking_settings.reminder_hours):
        return 0
    household_ids = list(households_to_remind(municipality, week).values_list("pk", flat=True))
    if not household_ids:
        return 0
    ReminderSent.objects.bulk_create(
        [ReminderSent(household_id=pk, week=week) for pk in household_ids],
        ignore_conflicts=True,
    )
    link = bookings_link(municipality, week)
    for pk in household_ids:
        # Queued inside the transaction: with the database queue, the task row and the
        # ReminderSent row are committed together or not at all.
        tasks.send_booking_reminder.enqueue(
            household_id=pk, week=week.isoformat(), deadline=deadline.isoformat(), link=link
        )
    return len(household_ids)
