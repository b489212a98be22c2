"""What the booking pages of `manage.py bench` (ribambelle/demo/bench/pages.py) send and reset
on the bench municipality: one cell unticked with htmx, a mass booking of the rest of the school
year for the parent's children and all four activities, the attendance register of one school."""

import itertools
from datetime import timedelta

from django.utils import timezone

from ribambelle.bookings import rules, selectors, services
from ribambelle.bookings.grid_post import CellKey
from ribambelle.bookings.models import Activity
from ribambelle.families.models import Child, Household


def _ids() -> tuple[int, int]:
    from ribambelle.demo.bench.pages import PERSONAS, TENANT

    household = Household.objects.get(
        municipality__slug=TENANT["municipality_slug"],
        guardians__user__email=PERSONAS["parent"],
    )
    child = Child.objects.for_household(household).earliest("pk")
    return household.pk, child.pk


def _household() -> Household:
    return Household.objects.select_related("municipality").get(pk=_ids()[0])


def _activities() -> list[Activity]:
    household = _household()
    return list(selectors.activities_of(household.municipality).filter(is_active=True))


def _canteen() -> Activity:
    return min(_activities(), key=lambda a: (a.position, a.pk))


def _toggle_day():
    """The first day, three weeks ahead or later, when the canteen runs."""
    canteen = _canteen()
    spec = selectors.activity_specs(canteen.municipality, [canteen])[canteen.pk]
    day = timezone.localdate() + timedelta(days=21)
    while rules.closure_of(spec, day) is not None:
        day += timedelta(days=1)
    return canteen, day


def book_toggle_day():
    canteen, day = _toggle_day()
    household = _household()
    services.bookings_apply(
        municipality=household.municipality,
        household=household,
        actor=None,
        changes=[rules.Change(_ids()[1], canteen.pk, day, True)],
    )


def untick_payload() -> dict:
    return _toggle_payload(tick=False)


def _toggle_payload(*, tick: bool) -> dict:
    """What htmx posts when the cell is ticked (`cell` sent, not booked when drawn) or
    unticked (booked when drawn, `cell` not sent)."""
    canteen, day = _toggle_day()
    child_id = _ids()[1]
    key = str(CellKey(child_id, canteen.pk, day))
    return {
        "child": child_id,
        "semaine": rules.week_of(day).isoformat(),
        "toggle": key,
        "shown": [key],
        **({"cell": [key]} if tick else {"booked": [key]}),
    }


# How many toggle payloads were asked for since start_toggling, and the two payloads (untick,
# tick), read once by start_toggling.
_toggles = itertools.count()
_payloads: tuple[dict, dict] | None = None


def start_toggling() -> None:
    """The toggle page's setup: the cell booked, the alternation started again, its two
    payloads read."""
    global _toggles, _payloads
    book_toggle_day()
    _toggles = itertools.count()
    _payloads = (_toggle_payload(tick=False), _toggle_payload(tick=True))


def toggle_payload() -> dict:
    """The cell unticked, then ticked, then unticked...: each request undoes the previous one,
    so that none waits for a reset (the server, idle while the bench resets the state, answers
    the next request slower). The payloads are read once, in the setup: reading them before
    each request (five queries) was such a reset too. Every request must succeed for the
    alternation to hold, and the bench fails on any that does not."""
    if _payloads is None:
        start_toggling()
    assert _payloads is not None
    return dict(_payloads[next(_toggles) % 2])


def _year_range():
    start = timezone.localdate() + timedelta(days=14)
    end = max(a.ends_on for a in _activities())
    return start, end


def clear_year():
    """Cancel the parent's bookings of the range, so that each mass booking writes them all."""
    household = _household()
    start, end = _year_range()
    children = list(Child.objects.for_household(household))
    services.bookings_mass_apply(
        municipality=household.municipality,
        household=household,
        actor=None,
        pairs=[(c, a) for c in children for a in _activities()],
        weekdays=set(),
        start=start,
        end=end,
        mode=rules.MASS_REPLACE,
    )


def mass_payload() -> dict:
    start, end = _year_range()
    return {
        "etape": "3",
        "activites": [a.pk for a in _activities()],
        "enfants": list(Child.objects.for_household(_household()).values_list("pk", flat=True)),
        "jours": [0, 1, 2, 3, 4],
        "du": start.isoformat(),
        "au": end.isoformat(),
        "mode": rules.MASS_ADD,
    }


def register_query() -> str:
    canteen = _canteen()
    day = timezone.localdate()
    spec = selectors.activity_specs(canteen.municipality, [canteen])[canteen.pk]
    while rules.closure_of(spec, day) is not None:
        day += timedelta(days=1)
    school = Child.objects.get(pk=_ids()[1]).school
    return f"activite={canteen.pk}&date={day.isoformat()}&ecole={school}"
