"""Pure booking rules: deadlines, open days, eligibility and cell states. No ORM here, so that
each rule is tested by tables of cases, with the clock frozen where it matters.

All deadlines are instants computed in the municipality's local time (Europe/Paris): a rule
"two days before at 10:00" means 10:00 on the wall clock of the town hall, summer or winter."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ribambelle.core.dates import MONTH_NAMES, WEEKDAY_NAMES

PARIS = ZoneInfo("Europe/Paris")

DAYS_BEFORE = "days_before"
WEEKLY = "weekly"


@dataclass(frozen=True)
class DeadlineRule:
    """Either `days` days before the day at `at` (calendar or working days), or on `weekday`
    (0 = Monday) of the week before the day's week at `at`."""

    kind: str
    at: time
    days: int = 0
    working_days: bool = False
    weekday: int = 0

    def deadline(self, day: date, tz: ZoneInfo = PARIS) -> datetime:
        return _deadline(self, day, tz)


@lru_cache(maxsize=4096)
def _deadline(rule: DeadlineRule, day: date, tz: ZoneInfo) -> datetime:
    """A pure function of its arguments, computed for every cell of every grid drawn: cached
    (a grid asks for the same few rules and days again and again)."""
    if rule.kind == DAYS_BEFORE:
        if rule.working_days:
            moment = working_days_before(day, rule.days)
        else:
            moment = day - timedelta(days=rule.days)
    elif rule.kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        moment = monday - timedelta(days=7) + timedelta(days=rule.weekday)
    else:
        raise ValueError(rule.kind)
    return local_instant(moment, rule.at, tz)


def local_instant(day: date, at: time, tz: ZoneInfo = PARIS) -> datetime:
    """The aware instant of a wall-clock time. On the night clocks go forward, 02:30 does not
    exist and means 03:30; on the night they go back, 02:30 happens twice and the first one
    counts (the earlier deadline: nobody gets an hour more than the rule says)."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A non-existent local time does not survive a round trip through UTC.
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        # fold=0 read the missing time with the winter offset: the round trip is 03:30 summer.
        return round_trip
    return aware


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year).keys())


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def working_days_before(day: date, count: int) -> date:
    """The date `count` working days before `day` (weekends and public holidays skipped)."""
    moment = day
    while count > 0:
        moment -= timedelta(days=1)
        if is_working_day(moment):
            count -= 1
    return moment


def describe_rule(rule: DeadlineRule) -> str:
    """The rule in one French sentence, for the staff and the families."""
    at = rule.at.strftime("%H:%M")
    if rule.kind == WEEKLY:
        return str(
            _("le %(weekday)s de la semaine précédente à %(time)s")
            % {"weekday": WEEKDAY_NAMES[rule.weekday], "time": at}
        )
    if rule.days == 0:
        return str(_("le jour même à %(time)s") % {"time": at})
    if rule.working_days:
        return str(
            _("%(days)s jour(s) ouvré(s) avant à %(time)s") % {"days": rule.days, "time": at}
        )
    return str(_("%(days)s jour(s) avant à %(time)s") % {"days": rule.days, "time": at})


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = ""

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ActivitySpec:
    """What the rules need to know about an activity."""

    pk: int
    department: str
    weekdays: frozenset[int]
    starts_on: date
    ends_on: date
    booking_rule: DeadlineRule
    cancel_rule: DeadlineRule
    capacity: int | None = None
    schools: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    enrolment_only: bool = False
    closures: tuple[Period, ...] = ()


@dataclass(frozen=True)
class ChildSpec:
    pk: int
    birth_date: date
    school: str = ""
    school_class: str = ""
    enrolled: frozenset[int] = frozenset()  # activities the child is enrolled in
    blocked_departments: frozenset[str] = frozenset()


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def paper_order(name: str) -> str:
    """Alphabetical order as on a paper register: "Élodie" between "Eden" and "Fanny"."""
    if name.isascii():  # no accent to take away (most names: a register sorts hundreds)
        return name.casefold()
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name.casefold())
        if not unicodedata.combining(char)
    )


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def may_book_row(activity: ActivitySpec, child: ChildSpec) -> bool:
    """Whether the activity is shown to the child at all: school, class and enrolment."""
    if activity.enrolment_only and activity.pk not in child.enrolled:
        return False
    if activity.schools and normalise(child.school) not in activity.schools:
        return False
    return not (activity.classes and normalise(child.school_class) not in activity.classes)


def closure_of(activity: ActivitySpec, day: date) -> str | None:
    """Why the activity does not run that day, or None when it does."""
    if day < activity.starts_on or day > activity.ends_on:
        return str(_("hors période d'ouverture"))
    if day.weekday() not in activity.weekdays:
        return str(_("non proposé ce jour-là"))
    if is_public_holiday(day):
        return str(_("jour férié"))
    for period in activity.closures:
        if day in period:
            return period.label or str(_("fermé"))
    return None


def age_refusal(activity: ActivitySpec, child: ChildSpec, day: date) -> str | None:
    if activity.min_age is None and activity.max_age is None:
        return None
    age = age_on(child.birth_date, day)
    if activity.min_age is not None and age < activity.min_age:
        return str(_("réservé aux enfants d'au moins %(age)s ans") % {"age": activity.min_age})
    if activity.max_age is not None and age > activity.max_age:
        return str(_("réservé aux enfants de %(age)s ans au plus") % {"age": activity.max_age})
    return None


# Cell states: each has a text and an icon in the grid, never a colour alone.
BOOKED = "booked"
OPEN = "open"
CLOSED = "closed"
LOCKED = "locked"  # deadline passed
FULL = "full"
NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Cell:
    day: date
    state: str
    booked: bool
    # Whether the family may change it now (book if not booked, cancel if booked).
    editable: bool
    reason: str = ""
    deadline: datetime | None = None


@dataclass(frozen=True)
class Change:
    """One day to book (or cancel) for a child and an activity."""

    child_id: int
    activity_id: int
    day: date
    book: bool


@dataclass
class Decision:
    allowed: bool
    reason: str = ""
    late: bool = False  # allowed only because staff overrode the deadline


def decide(
    activity: ActivitySpec,
    child: ChildSpec,
    day: date,
    *,
    book: bool,
    now: datetime,
    booked_count: int,
    override: bool = False,
) -> Decision:
    """Whether booking (or cancelling) one day is allowed now. Staff may override the deadline,
    never the calendar, the eligibility or the capacity."""
    closed = closure_of(activity, day)
    if closed:
        return Decision(False, str(_("Fermé : %(reason)s.") % {"reason": closed}))
    if not may_book_row(activity, child):
        return Decision(False, str(_("Cet enfant ne peut pas réserver cette activité.")))
    if book:
        refusal = age_refusal(activity, child, day)
        if refusal:
            return Decision(False, str(_("Non autorisé : %(reason)s.") % {"reason": refusal}))
        if activity.department in child.blocked_departments:
            return Decision(
                False,
                str(
                    _(
                        "Dossier incomplet : complétez le dossier de l'enfant pour réserver "
                        "auprès du service %(department)s."
                    )
                    % {"department": activity.department}
                ),
            )
    rule = activity.booking_rule if book else activity.cancel_rule
    deadline = rule.deadline(day)
    late = now > deadline
    if late and not override:
        when = format_instant(deadline)
        if book:
            message = _(
                "Délai dépassé : les réservations pour ce jour étaient possibles jusqu'au %(when)s."
            )
        else:
            message = _(
                "Délai dépassé : les annulations pour ce jour étaient possibles jusqu'au %(when)s."
            )
        return Decision(False, str(message % {"when": when}))
    if book and activity.capacity is not None and booked_count >= activity.capacity:
        return Decision(False, full_refusal())
    return Decision(True, late=late)


def full_refusal() -> str:
    """Why a day cannot be booked once its places are all taken."""
    return str(_("Complet : plus aucune place ce jour-là."))


def cell_state(
    activity: ActivitySpec,
    child: ChildSpec,
    day: date,
    *,
    booked: bool,
    now: datetime,
    booked_count: int,
    override: bool = False,
) -> Cell:
    """The state of one cell of the grid. With `override` (staff), a passed deadline leaves the
    cell editable and says so."""
    closed = closure_of(activity, day)
    if closed:
        return Cell(day, CLOSED, booked, False, closed)
    if not booked:
        refusal = age_refusal(activity, child, day)
        if refusal:
            return Cell(day, NOT_ALLOWED, False, False, refusal)
        if activity.department in child.blocked_departments:
            return Cell(day, NOT_ALLOWED, False, False, str(_("dossier incomplet")))
        deadline = activity.booking_rule.deadline(day)
        late = now > deadline
        if late and not override:
            reason = _("délai dépassé le %(when)s") % {"when": format_deadline(deadline, day)}
            return Cell(day, LOCKED, False, False, str(reason), deadline)
        if activity.capacity is not None and booked_count >= activity.capacity:
            return Cell(day, FULL, False, False, str(_("complet")), deadline)
        return Cell(day, OPEN, False, True, str(_("hors délai")) if late else "", deadline)
    deadline = activity.cancel_rule.deadline(day)
    late = now > deadline
    if late and not override:
        reason = _("annulation impossible, délai dépassé le %(when)s") % {
            "when": format_deadline(deadline, day)
        }
        return Cell(day, BOOKED, True, False, str(reason), deadline)
    return Cell(day, BOOKED, True, True, str(_("hors délai")) if late else "", deadline)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days_between(start: date, end: date, weekdays: Iterable[int] | None = None) -> list[date]:
    wanted = set(range(7)) if weekdays is None else set(weekdays)
    count = (end - start).days + 1
    return [
        start + timedelta(days=offset)
        for offset in range(max(count, 0))
        if (start + timedelta(days=offset)).weekday() in wanted
    ]


def format_time(at: time) -> str:
    """French clock time: "10 h", "23 h 59"."""
    if at.minute == 0:
        return str(_("%(hour)s h") % {"hour": at.hour})
    return str(_("%(hour)s h %(minute)02d") % {"hour": at.hour, "minute": at.minute})


def day_number(day: int) -> str:
    return str(_("1er")) if day == 1 else str(day)


def format_instant(moment: datetime) -> str:
    """ "mardi 1er décembre 2026 à 23 h 59" in the municipality's time."""
    local = moment.astimezone(PARIS)
    return str(
        _("%(weekday)s %(day)s %(month)s %(year)s à %(time)s")
        % {
            "weekday": WEEKDAY_NAMES[local.weekday()],
            "day": day_number(local.day),
            "month": MONTH_NAMES[local.month - 1],
            "year": local.year,
            "time": format_time(local.time()),
        }
    )


def format_deadline(moment: datetime, near: date | None = None) -> str:
    """A deadline close to the week it concerns, without its year: "mardi 1er décembre à 10 h",
    or "mardi 1er à 10 h" when it falls in the same month as the day `near` it is about."""
    same_month = near is not None and (near.year, near.month) == _month_of(moment)
    return _format_deadline(moment, same_month, get_language())


def _month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(PARIS)
    return local.year, local.month


# The words of a grid's cells are computed for every cell, from a handful of distinct deadlines
# and days: cached per language (the key), since the result is a translation.
@lru_cache(maxsize=4096)
def _format_deadline(moment: datetime, same_month: bool, language: str | None) -> str:
    local = moment.astimezone(PARIS)
    values = {
        "weekday": WEEKDAY_NAMES[local.weekday()],
        "day": day_number(local.day),
        "time": format_time(local.time()),
    }
    if same_month:
        return str(_("%(weekday)s %(day)s à %(time)s") % values)
    values["month"] = MONTH_NAMES[local.month - 1]
    return str(_("%(weekday)s %(day)s %(month)s à %(time)s") % values)


def format_day(day: date) -> str:
    return _format_day(day, get_language())


@lru_cache(maxsize=4096)
def _format_day(day: date, language: str | None) -> str:
    return str(
        _("%(weekday)s %(day)s %(month)s")
        % {
            "weekday": WEEKDAY_NAMES[day.weekday()],
            "day": day_number(day.day),
            "month": MONTH_NAMES[day.month - 1],
        }
    )


# Mass booking modes: add the chosen days, or make the booked days of the period exactly them.
MASS_ADD = "add"
MASS_REPLACE = "replace"


def mass_days(start: date, end: date, weekdays: Iterable[int]) -> tuple[list[date], list[date]]:
    """The days of a mass booking's period that it books (the chosen weekdays), and the other
    days, whose bookings "replace" mode cancels."""
    wanted = set(weekdays)
    days = days_between(start, end)
    return [d for d in days if d.weekday() in wanted], [
        d for d in days if d.weekday() not in wanted
    ]


@dataclass
class MassResult:
    """What a mass booking did for one child and one activity: exactly what the database holds
    afterwards."""

    booked: list[date] = field(default_factory=list)
    already: list[date] = field(default_factory=list)
    cancelled: list[date] = field(default_factory=list)
    refused: list[tuple[date, str]] = field(default_factory=list)


@dataclass(frozen=True)
class NextDeadline:
    """The earliest deadline still ahead in a week, and the day and activity it is for."""

    moment: datetime
    day: date
    activity: str
