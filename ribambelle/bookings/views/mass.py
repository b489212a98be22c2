"""Mass booking ("Réserver en masse"): a three-step wizard (activities, children, parameters),
then one transaction, then a summary that says exactly what the database holds. In "replace"
mode, a fourth step lists the bookings it would cancel (and those it must keep) and nothing
changes until the family confirms that very list."""

import hashlib
from collections import defaultdict
from datetime import date

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ribambelle.accounts.access import parent_required
from ribambelle.bookings import rules, selectors, services
from ribambelle.bookings.forms import (
    MassActivitiesForm,
    MassChildrenForm,
    MassParametersForm,
    default_dates,
    offered_weekdays,
)
from ribambelle.core.dates import WEEKDAY_NAMES
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Household
from ribambelle.tenants.shortcuts import tenant_reverse

RESULT_KEY = "mass_booking_result"


def _eligible(request, household):
    """Active activities and the household's children, with which child may book which."""
    municipality = request.municipality
    children = list(family_selectors.children_of(household))
    activities = list(selectors.activities_of(municipality).filter(is_active=True))
    specs = selectors.activity_specs(municipality, activities)
    child_specs = selectors.child_specs(municipality, children, activities, with_records=False)
    pairs = {
        (child.pk, activity.pk)
        for child in children
        for activity in activities
        if rules.may_book_row(specs[activity.pk], child_specs[child.pk])
    }
    return children, pairs


@parent_required
def wizard(request):
    household = family_selectors.household_of(request)
    children, pairs = _eligible(request, household)
    data = request.POST if request.method == "POST" else request.GET
    step = data.get("etape", "1")
    bookable = selectors.activities_of(request.municipality).filter(
        pk__in={activity_id for _child, activity_id in pairs}
    )
    first = MassActivitiesForm(data if step != "1" else None, activities=bookable)
    context = {"step": 1, "first": first, "household": household}
    if step == "1" or not first.is_valid():
        return render(request, "bookings/portal/mass.html", context)

    chosen = list(first.cleaned_data["activites"])
    chosen_ids = {a.pk for a in chosen}
    allowed_children = [c.pk for c in children if any((c.pk, a) in pairs for a in chosen_ids)]
    second = MassChildrenForm(
        data if step != "2" else None,
        children=family_selectors.children_of(household).filter(pk__in=allowed_children),
    )
    context.update(step=2, second=second, chosen=chosen)
    if step == "2" or not second.is_valid():
        return render(request, "bookings/portal/mass.html", context)

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
        return render(request, "bookings/portal/mass.html", context)

    params = third.cleaned_data
    if data.get("modifier"):
        return render(request, "bookings/portal/mass.html", context)
    # Only the pairs that may book: a child is not refused an activity it was never offered.
    bookable = [(c, a) for a in chosen for c in kids if (c.pk, a.pk) in pairs]
    if params["mode"] == services.REPLACE and household.status == Household.Status.ACTIVE:
        preview = selectors.mass_replace_preview(
            request.municipality,
            bookable,
            set(params["jours"]),
            params["du"],
            params["au"],
            timezone.now(),
        )
        token = _preview_token(preview)
        if any(row.cancelled for row in preview) and data.get("confirmer") != token:
            context.update(
                step=4,
                preview=_preview_rows(preview),
                preview_token=token,
                cancelled_total=sum(len(row.cancelled) for row in preview),
                # Confirmed, but what would be cancelled changed since it was shown.
                changed=bool(data.get("confirmer")),
            )
            return render(request, "bookings/portal/mass.html", context)
    results = services.mass_booking(
        municipality=request.municipality,
        household=household,
        actor=request.user,
        pairs=bookable,
        weekdays=set(params["jours"]),
        start=params["du"],
        end=params["au"],
        mode=params["mode"],
    )
    request.session[RESULT_KEY] = _serialise(results, kids, chosen, params)
    return redirect(tenant_reverse(request.municipality, "bookings:mass_result"))


def _preview_token(preview: list[selectors.ReplacePreview]) -> str:
    """Names exactly the bookings the family was shown as cancelled: a confirmation counts only
    for that list (if a booking was added or cancelled meanwhile, the family sees it again)."""
    keys = sorted(
        f"{row.child.pk}:{row.activity.pk}:{day.isoformat()}"
        for row in preview
        for day in row.cancelled
    )
    return hashlib.sha256(",".join(keys).encode()).hexdigest()[:32]


def _preview_rows(preview: list[selectors.ReplacePreview]) -> list[dict]:
    rows = []
    for row in preview:
        kept_by_reason = defaultdict(list)
        for day, reason in row.kept:
            kept_by_reason[reason].append(_short(day))
        rows.append(
            {
                "child": row.child.first_name,
                "activity": row.activity.name,
                "cancelled_days": [_short(day) for day in row.cancelled],
                "kept_groups": sorted(kept_by_reason.items()),
            }
        )
    return rows


def _serialise(results, kids, activities, params) -> dict:
    names = {c.pk: c.first_name for c in kids}
    activity_names = {a.pk: a.name for a in activities}
    rows = []
    for (child_id, activity_id), result in results.items():
        rows.append(
            {
                "child": names[child_id],
                "activity": activity_names[activity_id],
                "booked": [d.isoformat() for d in result.booked],
                "already": [d.isoformat() for d in result.already],
                "cancelled": [d.isoformat() for d in result.cancelled],
                "refused": [[d.isoformat(), reason] for d, reason in result.refused],
            }
        )
    return {
        "mode": params["mode"],
        "start": params["du"].isoformat(),
        "end": params["au"].isoformat(),
        "rows": rows,
    }


def _short(day: date) -> str:
    return f"{str(WEEKDAY_NAMES[day.weekday()])[:3]}. {day:%d/%m/%Y}"


@parent_required
def result(request):
    family_selectors.household_of(request)
    summary = request.session.get(RESULT_KEY)
    if summary is None:
        return redirect(tenant_reverse(request.municipality, "bookings:mass"))
    rows = []
    for row in summary["rows"]:
        refused_by_reason = defaultdict(list)
        for day, reason in row["refused"]:
            refused_by_reason[reason].append(_short(date.fromisoformat(day)))
        rows.append(
            {
                **row,
                "booked_days": [_short(date.fromisoformat(d)) for d in row["booked"]],
                "cancelled_days": [_short(date.fromisoformat(d)) for d in row["cancelled"]],
                "refused_groups": sorted(refused_by_reason.items()),
            }
        )
    return render(
        request,
        "bookings/portal/mass_result.html",
        {
            "rows": rows,
            "mode": summary["mode"],
            "period": _("du %(start)s au %(end)s")
            % {
                "start": date.fromisoformat(summary["start"]).strftime("%d/%m/%Y"),
                "end": date.fromisoformat(summary["end"]).strftime("%d/%m/%Y"),
            },
            "first_week": summary["start"],
        },
    )
