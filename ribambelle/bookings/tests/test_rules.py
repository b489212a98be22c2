"""Table-driven tests of the pure booking rules.

Every expected value is worked out by hand from the calendar, never by calling the code under
test: Paris is UTC+1 in winter and UTC+2 in summer; clocks go forward on Sunday 28 March 2027
(02:00 -> 03:00) and back on Sunday 25 October 2026 (03:00 -> 02:00)."""

import unicodedata
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from ribambelle.bookings import rules
from ribambelle.bookings.rules import (
    BOOKED,
    CLOSED,
    DAYS_BEFORE,
    FULL,
    LOCKED,
    NOT_ALLOWED,
    OPEN,
    PARIS,
    WEEKLY,
    ActivitySpec,
    ChildSpec,
    DeadlineRule,
    Decision,
    Period,
)

SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def calendar(days: int, hour: int, minute: int) -> DeadlineRule:
    return DeadlineRule(DAYS_BEFORE, time(hour, minute), days=days)


def working(days: int, hour: int, minute: int) -> DeadlineRule:
    return DeadlineRule(DAYS_BEFORE, time(hour, minute), days=days, working_days=True)


def weekly(weekday: int, hour: int, minute: int) -> DeadlineRule:
    return DeadlineRule(WEEKLY, time(hour, minute), weekday=weekday)


# Later (the day itself) and earlier (a month before) than any deadline of the table: using the
# wrong one of the two rules flips one of the answers around the deadline.
LAST_MINUTE = calendar(0, 23, 59)
MONTH_BEFORE = calendar(30, 0, 0)


def make_activity(**extra) -> ActivitySpec:
    """Runs every day of 2026 and 2027 except public holidays; no other limit unless asked."""
    values = {
        "pk": 1,
        "department": "Restauration scolaire",
        "weekdays": frozenset(range(7)),
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2027, 12, 31),
        "booking_rule": calendar(2, 23, 59),
        "cancel_rule": calendar(2, 23, 59),
    }
    values.update(extra)
    return ActivitySpec(**values)


CHILD = ChildSpec(pk=1, birth_date=date(2020, 6, 15), school="École Jules Ferry", school_class="CP")

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
MONTHS = MONTHS.split()

# (rule, day, deadline in UTC, deadline on the Paris wall clock, deadline in French)
DEADLINES = [
    # Calendar days: week-ends and public holidays count like any day.
    pytest.param(calendar(2, 23, 59), date(2026, 12, 3), utc(2026, 12, 1, 22, 59),
                 "2026-12-01T23:59:00+01:00", "mardi 1er décembre 2026 à 23 h 59",
                 id="calendar-2d-23h59-winter"),
    pytest.param(calendar(2, 10, 0), date(2026, 11, 30), utc(2026, 11, 28, 9, 0),
                 "2026-11-28T10:00:00+01:00", "samedi 28 novembre 2026 à 10 h",
                 id="calendar-lands-on-saturday"),
    pytest.param(calendar(1, 12, 0), date(2026, 11, 12), utc(2026, 11, 11, 11, 0),
                 "2026-11-11T12:00:00+01:00", "mercredi 11 novembre 2026 à 12 h",
                 id="calendar-lands-on-11-november"),
    pytest.param(calendar(0, 0, 0), date(2026, 11, 30), utc(2026, 11, 29, 23, 0),
                 "2026-11-30T00:00:00+01:00", "lundi 30 novembre 2026 à 0 h",
                 id="calendar-same-day-00h00"),
    pytest.param(calendar(2, 10, 0), date(2027, 7, 15), utc(2027, 7, 13, 8, 0),
                 "2027-07-13T10:00:00+02:00", "mardi 13 juillet 2027 à 10 h",
                 id="calendar-over-14-july-summer"),
    pytest.param(calendar(2, 2, 30), date(2027, 3, 30), utc(2027, 3, 28, 1, 30),
                 "2027-03-28T03:30:00+02:00", "dimanche 28 mars 2027 à 3 h 30",
                 id="calendar-dst-forward-02h30-missing"),
    pytest.param(calendar(2, 0, 0), date(2027, 3, 30), utc(2027, 3, 27, 23, 0),
                 "2027-03-28T00:00:00+01:00", "dimanche 28 mars 2027 à 0 h",
                 id="calendar-dst-forward-00h00"),
    pytest.param(calendar(2, 23, 59), date(2027, 3, 30), utc(2027, 3, 28, 21, 59),
                 "2027-03-28T23:59:00+02:00", "dimanche 28 mars 2027 à 23 h 59",
                 id="calendar-dst-forward-23h59"),
    pytest.param(calendar(2, 2, 30), date(2026, 10, 27), utc(2026, 10, 25, 0, 30),
                 "2026-10-25T02:30:00+02:00", "dimanche 25 octobre 2026 à 2 h 30",
                 id="calendar-dst-back-02h30-first"),
    pytest.param(calendar(2, 23, 59), date(2026, 10, 27), utc(2026, 10, 25, 22, 59),
                 "2026-10-25T23:59:00+01:00", "dimanche 25 octobre 2026 à 23 h 59",
                 id="calendar-dst-back-23h59"),
    # Working days: week-ends and public holidays are skipped.
    pytest.param(working(2, 10, 0), date(2026, 11, 12), utc(2026, 11, 9, 9, 0),
                 "2026-11-09T10:00:00+01:00", "lundi 9 novembre 2026 à 10 h",
                 id="working-skips-11-november"),
    pytest.param(working(2, 23, 59), date(2026, 11, 30), utc(2026, 11, 26, 22, 59),
                 "2026-11-26T23:59:00+01:00", "jeudi 26 novembre 2026 à 23 h 59",
                 id="working-skips-week-end"),
    pytest.param(working(2, 23, 59), date(2026, 12, 28), utc(2026, 12, 23, 22, 59),
                 "2026-12-23T23:59:00+01:00", "mercredi 23 décembre 2026 à 23 h 59",
                 id="working-skips-christmas"),
    pytest.param(working(3, 12, 0), date(2027, 1, 4), utc(2026, 12, 29, 11, 0),
                 "2026-12-29T12:00:00+01:00", "mardi 29 décembre 2026 à 12 h",
                 id="working-skips-new-year"),
    pytest.param(working(1, 10, 0), date(2027, 3, 30), utc(2027, 3, 26, 9, 0),
                 "2027-03-26T10:00:00+01:00", "vendredi 26 mars 2027 à 10 h",
                 id="working-skips-easter-monday-across-dst"),
    pytest.param(working(1, 18, 0), date(2027, 5, 7), utc(2027, 5, 5, 16, 0),
                 "2027-05-05T18:00:00+02:00", "mercredi 5 mai 2027 à 18 h",
                 id="working-skips-ascension"),
    pytest.param(working(2, 10, 0), date(2026, 5, 4), utc(2026, 4, 29, 8, 0),
                 "2026-04-29T10:00:00+02:00", "mercredi 29 avril 2026 à 10 h",
                 id="working-skips-1-may"),
    pytest.param(working(1, 0, 0), date(2027, 7, 15), utc(2027, 7, 12, 22, 0),
                 "2027-07-13T00:00:00+02:00", "mardi 13 juillet 2027 à 0 h",
                 id="working-skips-14-july-00h00"),
    # Weekly: weekday D of the week before the day's week, whatever the day in that week.
    pytest.param(weekly(2, 12, 0), date(2026, 12, 3), utc(2026, 11, 25, 11, 0),
                 "2026-11-25T12:00:00+01:00", "mercredi 25 novembre 2026 à 12 h",
                 id="weekly-wednesday-for-thursday"),
    pytest.param(weekly(2, 12, 0), date(2026, 11, 30), utc(2026, 11, 25, 11, 0),
                 "2026-11-25T12:00:00+01:00", "mercredi 25 novembre 2026 à 12 h",
                 id="weekly-wednesday-for-monday"),
    pytest.param(weekly(2, 12, 0), date(2026, 12, 6), utc(2026, 11, 25, 11, 0),
                 "2026-11-25T12:00:00+01:00", "mercredi 25 novembre 2026 à 12 h",
                 id="weekly-wednesday-for-sunday"),
    pytest.param(weekly(0, 0, 0), date(2026, 11, 13), utc(2026, 11, 1, 23, 0),
                 "2026-11-02T00:00:00+01:00", "lundi 2 novembre 2026 à 0 h",
                 id="weekly-monday-00h00"),
    pytest.param(weekly(4, 23, 59), date(2026, 12, 30), utc(2026, 12, 25, 22, 59),
                 "2026-12-25T23:59:00+01:00", "vendredi 25 décembre 2026 à 23 h 59",
                 id="weekly-friday-23h59-on-christmas"),
    pytest.param(weekly(4, 23, 59), date(2027, 1, 4), utc(2027, 1, 1, 22, 59),
                 "2027-01-01T23:59:00+01:00", "vendredi 1er janvier 2027 à 23 h 59",
                 id="weekly-friday-across-new-year"),
    pytest.param(weekly(6, 2, 30), date(2027, 3, 31), utc(2027, 3, 28, 1, 30),
                 "2027-03-28T03:30:00+02:00", "dimanche 28 mars 2027 à 3 h 30",
                 id="weekly-sunday-dst-forward-02h30-missing"),
    pytest.param(weekly(6, 2, 30), date(2026, 10, 28), utc(2026, 10, 25, 0, 30),
                 "2026-10-25T02:30:00+02:00", "dimanche 25 octobre 2026 à 2 h 30",
                 id="weekly-sunday-dst-back-02h30-first"),
]  # fmt: skip
DEADLINE_FIELDS = ("rule", "day", "expected_utc", "expected_paris", "expected_text")


@pytest.mark.parametrize(DEADLINE_FIELDS, DEADLINES)
def test_deadline(rule, day, expected_utc, expected_paris, expected_text):
    deadline = rule.deadline(day)
    assert deadline.astimezone(UTC) == expected_utc
    assert deadline.astimezone(PARIS).isoformat() == expected_paris
    assert rules.format_instant(deadline) == expected_text


def around(instant: datetime, check):
    """`check(now)` one second before and one second after the instant, on a frozen clock."""
    results = []
    for moment in (instant - SECOND, instant + SECOND):
        with time_machine.travel(moment, tick=False):
            results.append(check(timezone.now()))
    return results


@pytest.mark.parametrize("book", [True, False], ids=["book", "cancel"])
@pytest.mark.parametrize(DEADLINE_FIELDS, DEADLINES)
def test_decide_one_second_around_deadline(
    rule, day, expected_utc, expected_paris, expected_text, book
):
    if book:
        activity = make_activity(booking_rule=rule, cancel_rule=LAST_MINUTE)
        what = "réservations"
    else:
        activity = make_activity(booking_rule=MONTH_BEFORE, cancel_rule=rule)
        what = "annulations"
    before, after = around(
        expected_utc,
        lambda now: rules.decide(activity, CHILD, day, book=book, now=now, booked_count=0),
    )
    assert before == Decision(True)
    assert after == Decision(
        False,
        f"Délai dépassé : les {what} pour ce jour étaient possibles jusqu'au {expected_text}.",
    )


@pytest.mark.parametrize("booked", [False, True], ids=["book", "cancel"])
@pytest.mark.parametrize(DEADLINE_FIELDS, DEADLINES)
def test_cell_one_second_around_deadline(
    rule, day, expected_utc, expected_paris, expected_text, booked
):
    # The cell says when the deadline was: no year, and no month when it is the day's month.
    paris = datetime.fromisoformat(expected_paris)
    when = expected_text.replace(f" {paris.year}", "")
    if (paris.year, paris.month) == (day.year, day.month):
        when = when.replace(f" {MONTHS[paris.month - 1]}", "")
    if booked:
        activity = make_activity(booking_rule=MONTH_BEFORE, cancel_rule=rule)
        locked = (BOOKED, True, False, f"annulation impossible, délai dépassé le {when}")
    else:
        activity = make_activity(booking_rule=rule, cancel_rule=LAST_MINUTE)
        locked = (LOCKED, False, False, f"délai dépassé le {when}")
    before, after = around(
        expected_utc,
        lambda now: rules.cell_state(activity, CHILD, day, booked=booked, now=now, booked_count=0),
    )
    assert (before.state, before.booked, before.editable, before.reason) == (
        BOOKED if booked else OPEN,
        booked,
        True,
        "",
    )
    assert (after.state, after.booked, after.editable, after.reason) == locked
    # Aware datetimes in a repeated hour never compare equal across zones (PEP 495): use UTC.
    assert before.deadline.astimezone(UTC) == after.deadline.astimezone(UTC) == expected_utc


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        pytest.param(date(2026, 11, 30), 0, date(2026, 11, 30), id="zero-is-the-day"),
        pytest.param(date(2026, 11, 30), 1, date(2026, 11, 27), id="monday-to-friday"),
        pytest.param(date(2026, 11, 12), 1, date(2026, 11, 10), id="11-november"),
        pytest.param(date(2026, 11, 16), 5, date(2026, 11, 6), id="week-end-and-11-november"),
        pytest.param(date(2026, 12, 28), 1, date(2026, 12, 24), id="christmas"),
        pytest.param(date(2027, 3, 30), 1, date(2027, 3, 26), id="easter-monday"),
        pytest.param(date(2027, 5, 7), 1, date(2027, 5, 5), id="ascension"),
        pytest.param(date(2027, 5, 18), 1, date(2027, 5, 14), id="whit-monday"),
        pytest.param(date(2026, 5, 4), 1, date(2026, 4, 30), id="1-may"),
        pytest.param(date(2027, 7, 15), 1, date(2027, 7, 13), id="14-july"),
    ],
)
def test_working_days_before(day, count, expected):
    assert rules.working_days_before(day, count) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 5, 1), True, id="1-may"),
        pytest.param(date(2026, 11, 1), True, id="all-saints"),
        pytest.param(date(2026, 11, 11), True, id="11-november"),
        pytest.param(date(2026, 12, 25), True, id="christmas"),
        pytest.param(date(2027, 1, 1), True, id="new-year"),
        pytest.param(date(2027, 3, 29), True, id="easter-monday"),
        pytest.param(date(2027, 5, 6), True, id="ascension"),
        pytest.param(date(2027, 5, 17), True, id="whit-monday"),
        pytest.param(date(2027, 7, 14), True, id="14-july"),
        pytest.param(date(2026, 12, 24), False, id="christmas-eve"),
        pytest.param(date(2026, 12, 26), False, id="26-december-alsace-only"),
        pytest.param(date(2027, 3, 26), False, id="good-friday-alsace-only"),
        pytest.param(date(2027, 3, 28), False, id="easter-sunday"),
        pytest.param(date(2026, 11, 28), False, id="plain-saturday"),
    ],
)
def test_is_public_holiday(day, expected):
    assert rules.is_public_holiday(day) is expected


SCHOOL_YEAR = make_activity(
    weekdays=frozenset({0, 1, 3, 4}),
    starts_on=date(2026, 9, 1),
    ends_on=date(2027, 7, 2),
    closures=(
        Period(date(2026, 12, 21), date(2027, 1, 1), "vacances de Noël"),
        Period(date(2027, 2, 15), date(2027, 2, 15)),
    ),
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 8, 31), "hors période d'ouverture", id="day-before-start"),
        pytest.param(date(2026, 9, 1), None, id="first-day"),
        pytest.param(date(2027, 7, 2), None, id="last-day"),
        pytest.param(date(2027, 7, 3), "hors période d'ouverture", id="day-after-end"),
        pytest.param(date(2026, 11, 25), "non proposé ce jour-là", id="wednesday-not-offered"),
        pytest.param(date(2026, 11, 28), "non proposé ce jour-là", id="saturday-not-offered"),
        pytest.param(date(2026, 11, 11), "non proposé ce jour-là", id="holiday-on-wednesday"),
        pytest.param(date(2027, 3, 29), "jour férié", id="easter-monday"),
        pytest.param(date(2027, 5, 6), "jour férié", id="ascension-thursday"),
        pytest.param(date(2026, 12, 18), None, id="day-before-closure"),
        pytest.param(date(2026, 12, 21), "vacances de Noël", id="closure-first-day"),
        pytest.param(date(2026, 12, 31), "vacances de Noël", id="closure-inside"),
        pytest.param(date(2027, 1, 1), "jour férié", id="holiday-inside-closure"),
        pytest.param(date(2027, 1, 4), None, id="day-after-closure"),
        pytest.param(date(2027, 2, 15), "fermé", id="closure-without-label"),
    ],
)
def test_closure_of(day, expected):
    assert rules.closure_of(SCHOOL_YEAR, day) == expected


@pytest.mark.parametrize(
    ("birth", "day", "min_age", "max_age", "expected"),
    [
        pytest.param(date(2020, 6, 15), date(2023, 6, 14), 3, 6,
                     "réservé aux enfants d'au moins 3 ans", id="day-before-3rd-birthday"),
        pytest.param(date(2020, 6, 15), date(2023, 6, 15), 3, 6, None, id="3rd-birthday"),
        pytest.param(date(2020, 6, 15), date(2027, 6, 14), 3, 6, None, id="day-before-7th"),
        pytest.param(date(2020, 6, 15), date(2027, 6, 15), 3, 6,
                     "réservé aux enfants de 6 ans au plus", id="7th-birthday"),
        pytest.param(date(2020, 2, 29), date(2023, 2, 28), 3, None,
                     "réservé aux enfants d'au moins 3 ans", id="leap-born-on-28-february"),
        pytest.param(date(2020, 2, 29), date(2023, 3, 1), 3, None, None,
                     id="leap-born-on-1-march"),
        pytest.param(date(2025, 1, 1), date(2026, 12, 3), None, None, None, id="no-limits"),
    ],
)  # fmt: skip
def test_age_refusal(birth, day, min_age, max_age, expected):
    activity = make_activity(min_age=min_age, max_age=max_age)
    child = ChildSpec(pk=1, birth_date=birth)
    assert rules.age_refusal(activity, child, day) == expected


# The selectors store schools and classes normalised (casefolded, single spaces).
FERRY_CP = {"schools": frozenset({"école jules ferry"}), "classes": frozenset({"cp", "ce1"})}


@pytest.mark.parametrize(
    ("activity_extra", "child_extra", "expected"),
    [
        pytest.param({}, {"school": "", "school_class": ""}, True, id="open-to-all"),
        pytest.param(FERRY_CP, {"school": "École Jules Ferry", "school_class": "CP"}, True,
                     id="exact"),
        pytest.param(FERRY_CP, {"school": "  ÉCOLE   jules\tFERRY ", "school_class": " Ce1"},
                     True, id="case-and-spaces"),
        pytest.param(FERRY_CP, {"school": "École Jean Jaurès", "school_class": "CP"}, False,
                     id="other-school"),
        pytest.param(FERRY_CP, {"school": "École Jules Ferry", "school_class": "CE2"}, False,
                     id="other-class"),
        pytest.param(FERRY_CP, {"school": "", "school_class": ""}, False, id="no-school"),
        pytest.param({"enrolment_only": True}, {}, False, id="enrolment-only-not-enrolled"),
        pytest.param({"enrolment_only": True}, {"enrolled": frozenset({1})}, True,
                     id="enrolment-only-enrolled"),
        pytest.param({"enrolment_only": True}, {"enrolled": frozenset({2})}, False,
                     id="enrolment-only-enrolled-elsewhere"),
    ],
)  # fmt: skip
def test_may_book_row(activity_extra, child_extra, expected):
    child = ChildSpec(pk=1, birth_date=date(2020, 6, 15), **child_extra)
    assert rules.may_book_row(make_activity(**activity_extra), child) is expected


# Thursday 3 December 2026: booking and cancelling close on Tuesday 1 December at 23:59 Paris.
THURSDAY = date(2026, 12, 3)
IN_TIME = utc(2026, 11, 23, 8, 0)
LATE = utc(2026, 12, 2, 8, 0)
TOO_LATE_BOOK = (
    "Délai dépassé : les réservations pour ce jour étaient possibles jusqu'au "
    "mardi 1er décembre 2026 à 23 h 59."
)
FULL_REASON = "Complet : plus aucune place ce jour-là."
TOO_YOUNG = ChildSpec(pk=1, birth_date=date(2024, 1, 10))  # two years old on THURSDAY
INCOMPLETE = ChildSpec(
    pk=1, birth_date=date(2020, 6, 15), blocked_departments=frozenset({"Restauration scolaire"})
)
STRIKE = {"closures": (Period(THURSDAY, THURSDAY, "grève"),)}


@pytest.mark.parametrize(
    ("extra", "child", "day", "book", "now", "count", "override", "expected"),
    [
        # Capacity
        pytest.param({"capacity": 20}, CHILD, THURSDAY, True, IN_TIME, 19, False,
                     Decision(True), id="capacity-one-left"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, True, IN_TIME, 20, False,
                     Decision(False, FULL_REASON), id="capacity-reached"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, True, IN_TIME, 21, False,
                     Decision(False, FULL_REASON), id="capacity-exceeded"),
        pytest.param({"capacity": 0}, CHILD, THURSDAY, True, IN_TIME, 0, False,
                     Decision(False, FULL_REASON), id="capacity-zero"),
        pytest.param({}, CHILD, THURSDAY, True, IN_TIME, 1000, False,
                     Decision(True), id="no-capacity"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, False, IN_TIME, 20, False,
                     Decision(True), id="cancel-when-full"),
        # Staff override lifts the deadline only, and says it was late.
        pytest.param({}, CHILD, THURSDAY, True, LATE, 0, False,
                     Decision(False, TOO_LATE_BOOK), id="late-without-override"),
        pytest.param({}, CHILD, THURSDAY, True, LATE, 0, True,
                     Decision(True, late=True), id="override-late-booking"),
        pytest.param({}, CHILD, THURSDAY, False, LATE, 0, True,
                     Decision(True, late=True), id="override-late-cancel"),
        pytest.param({}, CHILD, THURSDAY, True, IN_TIME, 0, True,
                     Decision(True), id="override-in-time-not-late"),
        pytest.param({}, CHILD, date(2026, 12, 25), True, LATE, 0, True,
                     Decision(False, "Fermé : jour férié."), id="override-holiday"),
        pytest.param(STRIKE, CHILD, THURSDAY, True, LATE, 0, True,
                     Decision(False, "Fermé : grève."), id="override-closure"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, True, LATE, 20, True,
                     Decision(False, FULL_REASON), id="override-capacity"),
        pytest.param({"min_age": 3}, TOO_YOUNG, THURSDAY, True, LATE, 0, True,
                     Decision(False, "Non autorisé : réservé aux enfants d'au moins 3 ans."),
                     id="override-age"),
        pytest.param(FERRY_CP, TOO_YOUNG, THURSDAY, True, LATE, 0, True,
                     Decision(False, "Cet enfant ne peut pas réserver cette activité."),
                     id="override-school"),
        pytest.param({}, INCOMPLETE, THURSDAY, True, LATE, 0, True,
                     Decision(False, "Dossier incomplet : complétez le dossier de l'enfant "
                              "pour réserver auprès du service Restauration scolaire."),
                     id="override-incomplete-file"),
    ],
)  # fmt: skip
def test_decide(extra, child, day, book, now, count, override, expected):
    activity = make_activity(**extra)
    decision = rules.decide(
        activity, child, day, book=book, now=now, booked_count=count, override=override
    )
    assert decision == expected


@pytest.mark.parametrize(
    ("extra", "child", "day", "booked", "now", "count", "override", "expected"),
    [
        pytest.param({"capacity": 20}, CHILD, THURSDAY, False, IN_TIME, 19, False,
                     (OPEN, True, ""), id="one-place-left"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, False, IN_TIME, 20, False,
                     (FULL, False, "complet"), id="full"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, True, IN_TIME, 20, False,
                     (BOOKED, True, ""), id="booked-when-full"),
        pytest.param({"capacity": 20}, CHILD, THURSDAY, False, LATE, 20, True,
                     (FULL, False, "complet"), id="override-keeps-full"),
        pytest.param({}, CHILD, THURSDAY, False, LATE, 0, True,
                     (OPEN, True, "hors délai"), id="override-late-open"),
        pytest.param({}, CHILD, THURSDAY, True, LATE, 0, True,
                     (BOOKED, True, "hors délai"), id="override-late-booked"),
        pytest.param({}, CHILD, date(2026, 12, 25), True, IN_TIME, 0, True,
                     (CLOSED, False, "jour férié"), id="holiday"),
        pytest.param({"min_age": 3}, TOO_YOUNG, THURSDAY, False, IN_TIME, 0, True,
                     (NOT_ALLOWED, False, "réservé aux enfants d'au moins 3 ans"), id="age"),
        pytest.param({}, INCOMPLETE, THURSDAY, False, IN_TIME, 0, True,
                     (NOT_ALLOWED, False, "dossier incomplet"), id="incomplete-file"),
    ],
)  # fmt: skip
def test_cell_state(extra, child, day, booked, now, count, override, expected):
    cell = rules.cell_state(
        make_activity(**extra), child, day, booked=booked, now=now, booked_count=count,
        override=override,
    )  # fmt: skip
    assert (cell.state, cell.editable, cell.reason) == expected
    assert cell.booked is booked


@pytest.mark.parametrize(
    ("start", "end", "weekdays", "expected"),
    [
        pytest.param(date(2026, 11, 23), date(2026, 11, 29), None,
                     [date(2026, 11, 23 + offset) for offset in range(7)], id="whole-week"),
        pytest.param(date(2026, 11, 23), date(2026, 11, 29), {0, 1, 3, 4},
                     [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26),
                      date(2026, 11, 27)], id="school-days"),
        pytest.param(date(2026, 11, 30), date(2026, 12, 2), [2], [date(2026, 12, 2)],
                     id="across-month"),
        pytest.param(date(2026, 12, 31), date(2027, 1, 1), None,
                     [date(2026, 12, 31), date(2027, 1, 1)], id="across-year"),
        pytest.param(date(2026, 11, 25), date(2026, 11, 25), None, [date(2026, 11, 25)],
                     id="single-day"),
        pytest.param(date(2026, 11, 25), date(2026, 11, 25), {0}, [], id="single-day-filtered"),
        pytest.param(date(2026, 11, 26), date(2026, 11, 25), None, [], id="end-before-start"),
    ],
)  # fmt: skip
def test_days_between(start, end, weekdays, expected):
    assert rules.days_between(start, end, weekdays) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 11, 23), date(2026, 11, 23), id="monday"),
        pytest.param(date(2026, 11, 29), date(2026, 11, 23), id="sunday"),
        pytest.param(date(2026, 12, 3), date(2026, 11, 30), id="across-month"),
        pytest.param(date(2027, 1, 1), date(2026, 12, 28), id="across-year"),
    ],
)
def test_week_of(day, expected):
    assert rules.week_of(day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(utc(2026, 12, 1, 22, 59), "mardi 1er décembre 2026 à 23 h 59", id="1er"),
        pytest.param(utc(2026, 11, 29, 23, 0), "lundi 30 novembre 2026 à 0 h",
                     id="next-day-in-paris"),
        pytest.param(utc(2027, 2, 28, 23, 30), "lundi 1er mars 2027 à 0 h 30",
                     id="next-month-in-paris"),
        pytest.param(utc(2027, 7, 14, 10, 5), "mercredi 14 juillet 2027 à 12 h 05", id="summer"),
        pytest.param(utc(2027, 8, 1, 6, 0), "dimanche 1er août 2027 à 8 h", id="august"),
        pytest.param(datetime(2027, 2, 3, 9, 7, tzinfo=PARIS), "mercredi 3 février 2027 à 9 h 07",
                     id="paris-aware"),
    ],
)  # fmt: skip
def test_format_instant(moment, expected):
    assert rules.format_instant(moment) == expected


@pytest.mark.parametrize(
    ("moment", "near", "expected"),
    [
        pytest.param(utc(2026, 12, 1, 9, 0), None, "mardi 1er décembre à 10 h", id="on-the-hour"),
        pytest.param(utc(2026, 12, 1, 9, 0), date(2026, 12, 3), "mardi 1er à 10 h",
                     id="same-month-as-the-day"),
        pytest.param(utc(2026, 11, 29, 22, 59), date(2026, 12, 1),
                     "dimanche 29 novembre à 23 h 59", id="month-before-the-day"),
        pytest.param(utc(2026, 12, 31, 22, 59), date(2027, 1, 4),
                     "jeudi 31 décembre à 23 h 59", id="year-before-the-day"),
        pytest.param(utc(2027, 1, 29, 22, 59), date(2026, 1, 29),
                     "vendredi 29 janvier à 23 h 59", id="same-month-another-year"),
        pytest.param(utc(2026, 11, 30, 23, 5), None, "mardi 1er décembre à 0 h 05",
                     id="paris-is-next-day"),
        pytest.param(utc(2027, 7, 13, 8, 30), date(2027, 7, 15), "mardi 13 à 10 h 30",
                     id="summer-time"),
    ],
)  # fmt: skip
def test_format_deadline(moment, near, expected):
    assert rules.format_deadline(moment, near) == expected


def test_cell_past_its_deadline_says_when():
    activity = make_activity(booking_rule=calendar(2, 10, 0), cancel_rule=calendar(2, 10, 0))
    now = utc(2026, 12, 2, 9, 0)
    locked = rules.cell_state(activity, CHILD, date(2026, 12, 3), booked=False, now=now,
                              booked_count=0)  # fmt: skip
    assert (locked.state, locked.reason) == (LOCKED, "délai dépassé le mardi 1er à 10 h")
    kept = rules.cell_state(activity, CHILD, date(2026, 12, 1), booked=True, now=now,
                            booked_count=0)  # fmt: skip
    assert (kept.state, kept.editable, kept.reason) == (
        BOOKED, False, "annulation impossible, délai dépassé le dimanche 29 novembre à 10 h"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Fabre", "Élie", "Eden", "de Luca"], ["de Luca", "Eden", "Élie", "Fabre"]),
        (["Zoé", "Ève", "Ézéchiel", "Eva"], ["Eva", "Ève", "Ézéchiel", "Zoé"]),
    ],
)
def test_paper_order(names, expected):
    assert sorted(names, key=rules.paper_order) == expected


@pytest.mark.parametrize("name", ["Eden", "DE LA FONTAINE", "o'Neil-Smith", "", "Zoé", "Straße"])
def test_paper_order_of_plain_names_is_the_same_without_accents_to_take_away(name):
    folded = unicodedata.normalize("NFKD", name.casefold())
    expected = "".join(char for char in folded if not unicodedata.combining(char))
    assert rules.paper_order(name) == expected


@pytest.mark.parametrize(
    "rule",
    [
        DeadlineRule(DAYS_BEFORE, time(10), days=2),
        DeadlineRule(DAYS_BEFORE, time(2, 30), days=0),
        DeadlineRule(DAYS_BEFORE, time(18), days=3, working_days=True),
        DeadlineRule(WEEKLY, time(23, 59), weekday=3),
        DeadlineRule(WEEKLY, time(2, 30), weekday=6),
    ],
)
def test_deadlines_follow_the_days(rule):
    """A later day never has an earlier deadline, through a whole year of weekends, public
    holidays and clock changes: the grid finds the first week a family can change by the last
    day of each week alone (selectors.may_be_open)."""
    day = date(2026, 1, 1)
    previous = rule.deadline(day)
    while day < date(2027, 1, 10):
        day += timedelta(days=1)
        deadline = rule.deadline(day)
        assert deadline >= previous, (rule, day)
        previous = deadline
