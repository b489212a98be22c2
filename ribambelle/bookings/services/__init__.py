"""Writes for bookings. Every booking change goes through `bookings_apply`, which re-checks the
calendar, the eligibility, the deadlines and the capacity inside one transaction, after locking
the per activity-and-day counters it touches (invariants 2 and 3). Every change a member of
staff makes is audited (invariant 8). The configuration's writes are in services.config."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.models import User
from ribambelle.bookings import rules, selectors
from ribambelle.bookings.models import (
    Activity,
    Booking,
    DayCount,
)
from ribambelle.bookings.rules import Change
from ribambelle.bookings.services import counters as counters_module
from ribambelle.bookings.services.feeds import (
    calendar_feed_get_or_create as calendar_feed_get_or_create,
)
from ribambelle.bookings.services.feeds import calendar_feed_reset as calendar_feed_reset
from ribambelle.bookings.services.staff_log import _log_staff_changes
from ribambelle.core.statements import Statement
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Child, Household
from ribambelle.families.rules import RequirementSpec
from ribambelle.tenants.models import HouseholdKey, Municipality

# Outcome kinds
BOOKED = "booked"
ALREADY = "already"
CANCELLED = "cancelled"
NOT_BOOKED = "not_booked"
REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    change: Change
    kind: str
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.kind == REFUSED


class BookingError(Exception):
    """A request that names a child or an activity outside what the caller may touch."""


def _household_refusal(household: Household) -> str:
    if household.status != Household.Status.ACTIVE:
        return _(
            "Votre inscription doit d'abord être validée par la mairie avant de pouvoir réserver."
        )
    return ""


@transaction.atomic
def bookings_apply(
    *,
    municipality: Municipality,
    household: Household,
    actor: User | None,
    changes: list[Change],
    source: str = Booking.Source.FAMILY,
    override: bool = False,
) -> list[Outcome]:
    """Book or cancel days for children of one household. Children and activities are looked up
    again inside the transaction, scoped to the household and the municipality: a forged id
    raises BookingError and nothing is written. `override` (staff only) lifts the deadlines,
    never the calendar, the eligibility or the capacity. Every change staff make is logged,
    the late ones as overrides. `actor` is None for writes no person made (benchmarks)."""
    return _apply(municipality, household, actor, changes, source, override).outcomes


@dataclass
class GridApplied:
    """What bookings_grid_apply did, and the household's grid once the changes are written (the
    context read in the transaction, the week's bookings and counters), to redraw the page."""

    outcomes: list[Outcome]
    household: Household
    context: selectors.GridContext
    keys: set[tuple[int, int, date]]
    counts: dict[tuple[int, date], int]


def bookings_grid_apply(
    *,
    municipality: Municipality,
    household: Household | None,
    actor: User | None,
    changes: list[Change],
    monday: date,
    source: str = Booking.Source.FAMILY,
    override: bool = False,
) -> GridApplied:
    """bookings_apply for the weekly grid: the same checks and writes, reading the whole
    household's grid context (all its children, all active activities) and the bookings of the
    week starting `monday`, which it returns with the counters of that week. A constant number
    of queries whatever the number of children, activities, bookings and changes. Without a
    household, the household is the parent's who acts (`actor`), as household_of finds it,
    read with its children (BookingError when the account has none).

    The municipality's configuration (activities, closures, requirements) is read before the
    transaction, from what this process keeps of it (tenants.configuration): as the transaction
    takes no lock on it, reading it a moment earlier changes nothing to what the rules see."""
    configuration = _Configuration(
        selectors.active_configuration(municipality),
        family_selectors.requirement_specs(municipality),
    )
    with transaction.atomic():
        applied = _apply(
            municipality,
            household,
            actor,
            changes,
            source,
            override,
            week=monday,
            configuration=configuration,
        )
    sunday = monday + timedelta(days=6)
    return GridApplied(
        applied.outcomes,
        applied.household,
        applied.context,
        {key for key in applied.keys if monday <= key[2] <= sunday},
        {key: n for key, n in applied.counts.items() if monday <= key[1] <= sunday},
    )


@dataclass(frozen=True)
class _Configuration:
    """The municipality's, as the grid reads it."""

    active: selectors.ActiveConfiguration
    requirements: list[RequirementSpec]


@dataclass
class _Applied:
    outcomes: list[Outcome]
    household: Household
    context: selectors.GridContext
    # Bookings and (with a week) capacity counters as read in the transaction, changes made.
    keys: set[tuple[int, int, date]]
    counts: dict[tuple[int, date], int]


def _lock(
    municipality: Municipality, household: Household | None, parent: User | None
) -> Household:
    households = Household.objects.select_for_update().filter(municipality=municipality)
    if household is not None:
        return households.get(pk=household.pk)
    try:
        return households.filter(status__in=Household.NOT_REFUSED).get(guardians__user=parent)
    except Household.DoesNotExist:
        raise BookingError from None


def _children_query(
    municipality: Municipality | int,
    household: Household | HouseholdKey | None,
    parent: User | int | None,
) -> QuerySet[Child]:
    if household is not None:
        return family_selectors.children_with_facts(household)
    if parent is None:
        raise BookingError
    return family_selectors.children_with_facts_of_parent(municipality, parent)


def _locking(children: QuerySet[Child]) -> QuerySet[Child]:
    """The children with their household, locked by the same query."""
    return children.select_related("household").select_for_update(of=("household",))


_household_children_locked = Statement(
    lambda municipality, household: _locking(
        _children_query(municipality, HouseholdKey(municipality, household), None)
    )
)
_parent_children_locked = Statement(
    lambda municipality, parent: _locking(_children_query(municipality, None, parent))
)


def _load(
    municipality: Municipality,
    household: Household | None,
    parent: User | None,
    changes: list[Change],
    configuration: _Configuration | None,
) -> tuple[Household, selectors.GridContext]:
    """The household, locked by its children's query, and the children and activities the
    changes name (with the `configuration`: all the household's children and the active
    activities it holds). Without a household, the parent's (`parent`, as
    family_selectors.household_of finds it), found by the same query."""
    if household is None and parent is None:
        raise BookingError
    requirements = None
    if configuration is not None:
        # The grid's case, at every tick: statements compiled once.
        if household is not None:
            children = _household_children_locked(
                municipality=household.municipality_id, household=household.pk
            )
        else:
            assert parent is not None
            children = _parent_children_locked(municipality=municipality.pk, parent=parent.pk)
        activities = configuration.active.activities
        activity_specs = configuration.active.activity_specs
        requirements = configuration.requirements
    else:
        children_query = _children_query(municipality, household, parent).filter(
            pk__in={c.child_id for c in changes}
        )
        children = list(_locking(children_query))
        activities = list(
            selectors.activities_of(municipality)
            .filter(is_active=True)
            .filter(pk__in={c.activity_id for c in changes})
        )
        activity_specs = selectors.activity_specs(municipality, activities)
    locked = children[0].household if children else _lock(municipality, household, parent)
    named = {(c.child_id, c.activity_id) for c in changes}
    if {c for c, _a in named} - {c.pk for c in children}:
        raise BookingError
    if {a for _c, a in named} - {a.pk for a in activities}:
        raise BookingError
    context = selectors.GridContext(
        municipality,
        children,
        activities,
        activity_specs,
        selectors.child_specs(municipality, children, activities, requirements=requirements),
    )
    return locked, context


def _apply(
    municipality: Municipality,
    household: Household | None,
    actor: User | None,
    changes: list[Change],
    source: str,
    override: bool,
    *,
    week: date | None = None,
    configuration: _Configuration | None = None,
) -> _Applied:
    """bookings_apply's work, inside the caller's transaction (a mass booking is one). With
    `week` (a Monday) and the municipality's `configuration`, the whole household's context is
    read, and its bookings of that week too, so that the grid can be redrawn from what is
    returned."""
    if not changes and week is None:
        assert household is not None  # bookings_grid_apply always gives a week
        return _Applied(
            [], household, selectors.GridContext(municipality, [], [], {}, {}), set(), {}
        )
    household, context = _load(municipality, household, actor, changes, configuration)
    activity_specs, child_specs = context.activity_specs, context.child_specs
    # What the changes name; with a week, the whole household's grid over that week too.
    child_ids = {c.pk for c in context.children}
    activity_ids = {a.pk for a in context.activities}
    days = {c.day for c in changes} | ({week, week + timedelta(days=6)} if week else set())
    first, last = min(days), max(days)

    # The counters of every open (activity, day) booked here exist, then are locked, always in
    # the same order so that two transactions never wait for each other.
    wanted = sorted(
        {
            (c.activity_id, c.day)
            for c in changes
            if c.book and rules.closure_of(activity_specs[c.activity_id], c.day) is None
        }
    )
    # A single tick on an open day, the toggle's: its counter is created or takes the place in
    # one conditional statement with its booking (counters.day_count_book), neither created nor
    # locked beforehand.
    taking = len(changes) == 1 and len(wanted) == 1
    if wanted and not taking:
        DayCount.objects.bulk_create(
            [DayCount(activity_id=a, date=d) for a, d in wanted], ignore_conflicts=True
        )
    changed = {(c.activity_id, c.day) for c in changes}
    # Cancelling on one (activity, day) only, a toggle's untick: no capacity to check, and the
    # household's lock (taken with its children) serializes its own changes, so the counter is
    # not locked beforehand: it is decremented where it stands, after the delete.
    relative = len(changed) == 1 and not any(c.book for c in changes)
    counters: dict[tuple[int, date], DayCount] = {}
    if changes and not relative and not taking:
        counters = {
            (counter.activity_id, counter.date): counter
            for counter in DayCount.objects.select_for_update()
            .defer("children")
            .filter(
                activity_id__in={a for a, _d in changed},
                date__gte=min(c.day for c in changes),
                date__lte=max(c.day for c in changes),
            )
            .order_by("pk")
        }
    # Read after the counters are locked: what concurrent changes to them committed is seen.
    state = selectors.week_state(
        child_ids,
        [a for a in context.activities if a.pk in activity_ids],
        first,
        last,
        only_activities=True,
        with_counts=week is not None,
    )
    existing: dict[tuple[int, int, date], int | None] = dict(state.bookings)
    now = timezone.now()
    blocked = _household_refusal(household)
    outcomes: list[Outcome] = []
    to_create: list[Booking] = []
    to_delete: list[int] = []
    done: list[tuple[Change, bool]] = []
    touched: set[tuple[int, date]] = set()
    # The places taken on the counter of a single tick, as its conditional update returned them.
    taken_counts: dict[tuple[int, date], int] = {}
    # Children cancelled on a counter left unlocked (a toggle's untick), per (activity, day).
    released: defaultdict[tuple[int, date], list[int]] = defaultdict(list)
    # The locked counters each child was booked on or cancelled from.
    listed: defaultdict[int, list[int]] = defaultdict(list)
    unlisted: defaultdict[int, list[int]] = defaultdict(list)
    for change in changes:
        key = (change.child_id, change.activity_id, change.day)
        counter = counters.get((change.activity_id, change.day))
        if change.book and key in existing:
            outcomes.append(Outcome(change, ALREADY))
            continue
        if not change.book and key not in existing:
            outcomes.append(Outcome(change, NOT_BOOKED))
            continue
        if blocked:
            outcomes.append(Outcome(change, REFUSED, blocked))
            continue
        decision = rules.decide(
            activity_specs[change.activity_id],
            child_specs[change.child_id],
            change.day,
            book=change.book,
            now=now,
            booked_count=counter.booked if counter else 0,
            override=override,
        )
        if not decision.allowed:
            outcomes.append(Outcome(change, REFUSED, decision.reason))
            continue
        if change.book:
            booking = Booking(
                municipality=municipality,
                child_id=change.child_id,
                activity_id=change.activity_id,
                date=change.day,
                source=source,
                late=decision.late,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            if taking:
                # The booking and its place on the counter in one statement.
                taken = counters_module.day_count_book(
                    booking=booking,
                    capacity=activity_specs[change.activity_id].capacity,
                    booked_before=state.counts.get((change.activity_id, change.day), 0),
                )
                if taken is None:
                    outcomes.append(Outcome(change, REFUSED, rules.full_refusal()))
                    continue
                taken_counts[(change.activity_id, change.day)] = taken
            else:
                to_create.append(booking)
            existing[key] = None
            if counter is not None:
                counter.booked += 1
                listed[change.child_id].append(counter.pk)
            outcomes.append(Outcome(change, BOOKED))
        else:
            booking_id = existing.pop(key)
            if relative and len(changes) == 1 and booking_id is not None:
                # A toggle's untick: the booking and its counter in one statement.
                counters_module.day_count_cancel(
                    booking_id=booking_id,
                    activity_id=change.activity_id,
                    day=change.day,
                    child_id=change.child_id,
                )
            elif booking_id is not None:
                to_delete.append(booking_id)
            if relative:
                released[(change.activity_id, change.day)].append(change.child_id)
            if counter is not None and counter.booked > 0:
                counter.booked -= 1
            if counter is not None:
                unlisted[change.child_id].append(counter.pk)
            outcomes.append(Outcome(change, CANCELLED))
        if counter is not None:
            touched.add((change.activity_id, change.day))
        done.append((change, decision.late))
    if to_create:
        Booking.objects.bulk_create(to_create, batch_size=1000)
    if to_delete:
        Booking.objects.filter(pk__in=to_delete).delete()
    counters_module.day_counts_move(listed=listed, unlisted=unlisted)
    if len(changes) > 1:  # a single untick released its counter with its booking
        counters_module.day_counts_release(released=released)
    if source == Booking.Source.STAFF or any(late for _change, late in done):
        _log_staff_changes(municipality, household, actor, context.children, done, source)
    counts = state.counts
    counts.update({key: counters[key].booked for key in touched if key in counts})
    if week is not None:
        capped = {
            key: n for key, n in taken_counts.items() if activity_specs[key[0]].capacity is not None
        }
        counts.update(capped)
    counts.update({k: max(counts[k] - len(n), 0) for k, n in released.items() if k in counts})
    return _Applied(outcomes, household, context, set(existing), counts)


@transaction.atomic
def bookings_mass_apply(
    *,
    municipality: Municipality,
    household: Household,
    actor: User | None,
    pairs: list[tuple[Child, Activity]],
    weekdays: set[int],
    start: date,
    end: date,
    mode: str,
) -> dict[tuple[int, int], rules.MassResult]:
    """Book the chosen weekdays between two dates for each (child, activity) pair. In "replace"
    mode (rules.MASS_REPLACE), within the range the booked days become exactly the chosen ones:
    other booked days are cancelled (where the cancelling deadline allows). One transaction for
    all the pairs, a constant number of queries whatever the length of the range."""
    chosen, others = rules.mass_days(start, end, weekdays)
    changes: list[Change] = []
    for child, activity in pairs:
        changes.extend(Change(child.pk, activity.pk, day, True) for day in chosen)
        if mode == rules.MASS_REPLACE:
            changes.extend(Change(child.pk, activity.pk, day, False) for day in others)
    outcomes = _apply(municipality, household, actor, changes, Booking.Source.MASS, False).outcomes
    results: dict[tuple[int, int], rules.MassResult] = {
        (child.pk, activity.pk): rules.MassResult() for child, activity in pairs
    }
    for outcome in outcomes:
        change = outcome.change
        result = results[(change.child_id, change.activity_id)]
        if outcome.kind == BOOKED:
            result.booked.append(change.day)
        elif outcome.kind == ALREADY:
            result.already.append(change.day)
        elif outcome.kind == CANCELLED:
            result.cancelled.append(change.day)
        elif outcome.kind == REFUSED:
            # In replace mode, a booked day that could not be cancelled stays booked: say so.
            result.refused.append((change.day, outcome.reason))
    return results
