"""Mass booking ("Réserver en masse"): a three-step wizard (activities, children, parameters),
then one transaction, then a summary that says exactly what the database holds. In "replace"
mode, a fourth step lists the bookings it would cancel (and those it must keep) and nothing
changes until the family confirms that very list."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from ribambelle.accounts.access import parent_required
from ribambelle.bookings import presenters, rules, selectors, services
from ribambelle.bookings.forms import (
    MassActivitiesForm,
    MassChildrenForm,
    MassParametersForm,
    default_dates,
    offered_weekdays,
)
from ribambelle.bookings.models import Activity
from ribambelle.bookings.selectors import mass as mass_selectors
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Child, Household
from ribambelle.tenants.shortcuts import tenant_reverse

PAGE = "bookings/portal/mass.html"
RESULT_KEY = "mass_booking_result"


@dataclass(frozen=True)
class MassChoice:
    """What the three steps chose: the (child, activity) pairs that may book, the weekdays
    and the period, the mode."""

    activities: list[Activity]
    children: list[Child]
    pairs: list[tuple[Child, Activity]]
    params: dict[str, Any]

    @property
    def weekdays(self) -> set[int]:
        return set(self.params["jours"])


def _eligible(municipality: Any, household: Household) -> tuple[list[Child], set[tuple[int, int]]]:
    """Active activities and the household's children, with which child may book which."""
    children = family_selectors.children_listed(household)
    activities = selectors.active_activities(municipality)
    specs = selectors.activity_specs(municipality, activities)
    child_specs = selectors.child_specs(municipality, children, activities, with_records=False)
    pairs = {
        (child.pk, activity.pk)
        for child in children
        for activity in activities
        if rules.may_book_row(specs[activity.pk], child_specs[child.pk])
    }
    return children, pairs


def _steps(request: Any, household: Household, data: QueryDict) -> tuple[dict, MassChoice | None]:
    """Each step's form is bound once the family went past it: the context of the first step
    still to do, or the choice when the three are valid (a POST of the last one)."""
    children, pairs = _eligible(request.municipality, household)
    step = data.get("etape", "1")
    bookable = selectors.activities_of(request.municipality).filter(
        pk__in={activity_id for _child, activity_id in pairs}
    )
    first = MassActivitiesForm(data if step != "1" else None, activities=bookable)
    context: dict[str, Any] = {"step": 1, "first": first, "household": household}
    if step == "1" or not first.is_valid():
        return context, None
    chosen = list(first.cleaned_data["activites"])
    chosen_ids = {a.pk for a in chosen}
    allowed = [c.pk for c in children if any((c.pk, a) in pairs for a in chosen_ids)]
    second = MassChildrenForm(
        data if step != "2" else None,
        children=family_selectors.children_of(household).filter(pk__in=allowed),
    )
    context.update(step=2, second=second, chosen=chosen)
    if step == "2" or not second.is_valid():
        return context, None
    kids = list(second.cleaned_data["enfants"])
    weekdays = offered_weekdays(chosen)
    start, end = default_dates(chosen, timezone.localdate())
    third = MassParametersForm(
        data if request.method == "POST" else None,
        weekdays=weekdays,
        initial={"jours": sorted(weekdays), "du": start, "au": end},
    )
    context.update(step=3, third=third, kids=kids)
    if request.method != "POST" or not third.is_valid():
        return context, None
    # Only the pairs that may book: a child is not refused an activity it was never offered.
    may_book = [(c, a) for a in chosen for c in kids if (c.pk, a.pk) in pairs]
    return context, MassChoice(chosen, kids, may_book, third.cleaned_data)


def _preview(request: Any, choice: MassChoice) -> dict[str, Any] | None:
    """In "replace" mode, what would be cancelled, unless the family confirmed that very list
    (the confirmation carries a token of it)."""
    start, end = choice.params["du"], choice.params["au"]
    preview = mass_selectors.mass_replace_preview(
        request.municipality, choice.pairs, choice.weekdays, start, end, timezone.now()
    )
    token = presenters.preview_token(preview)
    confirmed = request.POST.get("confirmer")
    if not any(row.cancelled for row in preview) or confirmed == token:
        return None
    return {
        "step": 4,
        "preview": presenters.preview_rows(preview),
        "preview_token": token,
        "cancelled_total": sum(len(row.cancelled) for row in preview),
        # Confirmed, but what would be cancelled changed since it was shown.
        "changed": bool(confirmed),
    }


@parent_required
def wizard(request) -> HttpResponse:
    household = family_selectors.household_of(request)
    data = request.POST if request.method == "POST" else request.GET
    context, choice = _steps(request, household, data)
    if choice is None or data.get("modifier"):
        return render(request, PAGE, context)
    params = choice.params
    if params["mode"] == rules.MASS_REPLACE and household.status == Household.Status.ACTIVE:
        confirmation = _preview(request, choice)
        if confirmation is not None:
            return render(request, PAGE, {**context, **confirmation})
    results = services.bookings_mass_apply(
        municipality=request.municipality,
        household=household,
        actor=request.user,
        pairs=choice.pairs,
        weekdays=choice.weekdays,
        start=params["du"],
        end=params["au"],
        mode=params["mode"],
    )
    request.session[RESULT_KEY] = presenters.mass_summary(
        results, choice.children, choice.activities, params
    )
    return redirect(tenant_reverse(request.municipality, "bookings:mass_result"))


@parent_required
def result(request) -> HttpResponse:
    family_selectors.household_of(request)
    summary = request.session.get(RESULT_KEY)
    if summary is None:
        return redirect(tenant_reverse(request.municipality, "bookings:mass"))
    return render(
        request,
        "bookings/portal/mass_result.html",
        {
            "rows": presenters.mass_result_rows(summary),
            "mode": summary["mode"],
            "period": presenters.mass_period(
                date.fromisoformat(summary["start"]), date.fromisoformat(summary["end"])
            ),
            "first_week": summary["start"],
        },
    )
