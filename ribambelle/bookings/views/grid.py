"""The weekly grid ("Réservations"), for the family and, with deadlines lifted, for staff on a
household's behalf. Ticking a cell saves it at once with htmx; without JavaScript the grid is a
plain form per child. Refusals are shown next to their cell in both cases."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import (
    parent_required,
    returns_to,
    staff_required,
    staff_writer_required,
)
from ribambelle.bookings import rules, selectors, services
from ribambelle.bookings.models import Booking
from ribambelle.bookings.services import Change
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Household
from ribambelle.tenants.shortcuts import tenant_reverse

REFUSALS_KEY = "booking_refusals"


@dataclass(frozen=True)
class GridMode:
    """Where the grid's forms post and whether deadlines are lifted (staff)."""

    staff: bool
    household: Household

    def url(self, request, name: str) -> str:
        if self.staff:
            return tenant_reverse(
                request.municipality, f"bookings:staff_{name}", pk=self.household.pk
            )
        return tenant_reverse(request.municipality, f"bookings:{name}")


def cell_key(child_id: int, activity_id: int, day: date) -> str:
    return f"{child_id}:{activity_id}:{day.isoformat()}"


def parse_monday(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return rules.week_of(day)


STATE_LABELS = {
    rules.BOOKED: (gettext_lazy("Réservé"), "✓"),
    rules.OPEN: (gettext_lazy("Non réservé"), "○"),
    rules.CLOSED: (gettext_lazy("Fermé"), "–"),
    rules.LOCKED: (gettext_lazy("Délai dépassé"), "✕"),
    rules.FULL: (gettext_lazy("Complet"), "●"),
    rules.NOT_ALLOWED: (gettext_lazy("Non autorisé"), "⊘"),
}


@dataclass(frozen=True)
class CellView:
    cell: rules.Cell
    key: str
    dom_id: str
    label: str
    icon: str
    context: str
    refusal: str
    detail: str

    @property
    def title(self) -> str:
        if not self.detail:
            return self.label
        if self.cell.state == rules.LOCKED:
            return f"{self.label} {self.detail}"
        return f"{self.label} : {self.detail}"


def _detail(cell: rules.Cell, label: str) -> str:
    """The visible text under a cell's label, where it says more than the label: for a passed
    deadline, when it was ("le mardi 1er à 10 h"), so that nobody needs the tooltip."""
    if cell.state == rules.LOCKED and cell.deadline is not None:
        return _("le %(when)s") % {"when": rules.format_deadline(cell.deadline, cell.day)}
    return "" if cell.reason.casefold() == label.casefold() else cell.reason


def decorate(week: selectors.Week, refusals: dict[str, str]) -> None:
    """Attach to each row the cells as the template draws them."""
    for child_week in week.children:
        child = child_week.child
        for row in child_week.rows:
            items = []
            for cell in row.cells:
                key = f"{row.activity.pk}:{cell.day.isoformat()}"
                label, icon = STATE_LABELS[cell.state]
                items.append(
                    CellView(
                        cell=cell,
                        key=key,
                        dom_id=f"case-{child.pk}-{row.activity.pk}-{cell.day:%Y%m%d}",
                        label=str(label),
                        icon=icon,
                        context=f"{child.first_name}, {row.activity.name}, "
                        f"{rules.format_day(cell.day)}",
                        refusal=refusals.get(cell_key(child.pk, row.activity.pk, cell.day), ""),
                        detail=_detail(cell, str(label)),
                    )
                )
            row.items = items


def _grid_context(request, mode: GridMode, monday: date, *, refusals=None, notice="", context=None):
    if context is None:
        context = selectors.grid_context(request.municipality, mode.household)
    week = selectors.build_week(context, monday, override=mode.staff)
    decorate(week, refusals or {})
    return {
        "deadlines": rules.deadline_banner(
            week.next_booking, week.next_cancelling, has_bookings=week.has_bookings
        )
        if week.has_rows
        else [],
        "week": week,
        "mode": mode,
        "refusals": refusals or {},
        "notice": notice,
        "grid_url": mode.url(request, "grid"),
        "save_url": mode.url(request, "save"),
        "mass_url": "" if mode.staff else tenant_reverse(request.municipality, "bookings:mass"),
        "week_label": week_label(week.monday, week.days[-1]),
    }


def week_label(first: date, last: date) -> str:
    return _("Semaine du %(first)s au %(last)s") % {
        "first": rules.format_day(first),
        "last": f"{rules.format_day(last)} {last.year}",
    }


def _grid_page(request, mode: GridMode):
    context = selectors.grid_context(request.municipality, mode.household)
    monday = parse_monday(request.GET.get("semaine"))
    if monday is None:
        monday = selectors.opening_week(context, timezone.localdate(), timezone.now())
    refusals = request.session.pop(REFUSALS_KEY, {})
    page = _grid_context(request, mode, monday, refusals=refusals, context=context)
    template = "bookings/staff/grid.html" if mode.staff else "bookings/portal/grid.html"
    return render(request, template, page)


@parent_required
def grid(request):
    household = family_selectors.household_of(request)
    return _grid_page(request, GridMode(False, household))


def _changes_from_form(request, mode: GridMode):
    """The changes a grid form asks for, for one child: a whole week of an activity (its name
    was clicked), or the ticked cells against the editable cells it showed."""
    child = family_selectors.child_get(mode.household, _int(request.POST.get("child")))
    monday = parse_monday(request.POST.get("semaine"))
    if monday is None:
        raise Http404
    week = request.POST.get("week")
    if week:
        activity = selectors.activity_get(request.municipality, _int(week))
        days = [monday + timedelta(days=offset) for offset in range(7)]
        spec = selectors.activity_specs(request.municipality, [activity])[activity.pk]
        return (
            child,
            monday,
            [
                Change(child.pk, activity.pk, day, True)
                for day in days
                if rules.closure_of(spec, day) is None
            ],
        )
    checked = set(request.POST.getlist("cell"))
    shown = request.POST.getlist("shown")
    toggled = request.POST.get("toggle")
    changes = []
    for value in shown:
        if toggled and value != toggled:
            continue
        activity_id, day = _parse_cell(value)
        want = value in checked
        was = request.POST.get(f"was-{value}") == "1"
        if want != was:
            changes.append(Change(child.pk, activity_id, day, want))
    if toggled and not changes:
        # The page was stale: do what the tick says.
        activity_id, day = _parse_cell(toggled)
        changes.append(Change(child.pk, activity_id, day, toggled in checked))
    return child, monday, changes


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _parse_cell(value: str) -> tuple[int, date]:
    try:
        activity_id, day = value.split(":", 1)
        return int(activity_id), date.fromisoformat(day)
    except ValueError:
        raise Http404 from None


def _summary(outcomes) -> str:
    booked = sum(o.kind == services.BOOKED for o in outcomes)
    cancelled = sum(o.kind == services.CANCELLED for o in outcomes)
    parts = []
    if booked:
        parts.append(ngettext("%(n)s jour réservé", "%(n)s jours réservés", booked) % {"n": booked})
    if cancelled:
        parts.append(
            ngettext("%(n)s réservation annulée", "%(n)s réservations annulées", cancelled)
            % {"n": cancelled}
        )
    return " · ".join(parts)


def _save(request, mode: GridMode):
    child, monday, changes = _changes_from_form(request, mode)
    try:
        outcomes = services.bookings_apply(
            municipality=request.municipality,
            household=mode.household,
            actor=request.user,
            changes=changes,
            source=Booking.Source.STAFF if mode.staff else Booking.Source.FAMILY,
            override=mode.staff,
        )
    except services.BookingError:
        raise Http404 from None
    refusals = {
        cell_key(o.change.child_id, o.change.activity_id, o.change.day): o.reason
        for o in outcomes
        if o.refused
    }
    summary = _summary(outcomes)
    if refusals and not summary:
        notice = ngettext(
            "%(n)s demande refusée : voir l'explication dans le tableau.",
            "%(n)s demandes refusées : voir les explications dans le tableau.",
            len(refusals),
        ) % {"n": len(refusals)}
    elif refusals:
        notice = _("%(summary)s. Certaines demandes ont été refusées : voir le tableau.") % {
            "summary": summary
        }
    else:
        notice = (_("Enregistré : %(summary)s.") % {"summary": summary}) if summary else ""
    if request.htmx:
        # The whole household's week: the deadline banner above the grid is redrawn too.
        page = _grid_context(request, mode, monday, refusals=refusals, notice=notice)
        page["child_week"] = next(c for c in page["week"].children if c.child.pk == child.pk)
        return render(request, "bookings/portal/_child_week.html", page)
    if notice:
        (messages.warning if refusals else messages.success)(request, notice)
    request.session[REFUSALS_KEY] = refusals
    return redirect(f"{mode.url(request, 'grid')}?semaine={monday.isoformat()}#enfant-{child.pk}")


def _posted_week(request) -> str | None:
    """The grid week a save was posted from: where a poster whose session expired comes back
    to after logging in (the save URL itself only takes posts)."""
    monday = parse_monday(request.POST.get("semaine"))
    if monday is None:
        return None
    name = "bookings:grid"
    kwargs = {}
    if "pk" in request.resolver_match.kwargs:
        name, kwargs = "bookings:staff_grid", {"pk": request.resolver_match.kwargs["pk"]}
    return f"{tenant_reverse(request.municipality, name, **kwargs)}?semaine={monday.isoformat()}"


@parent_required
@returns_to(_posted_week)
@require_POST
def save(request):
    return _save(request, GridMode(False, family_selectors.household_of(request)))


# Staff: the same grid for one household, deadlines lifted (each late change is logged).


def _staff_mode(request, pk: int) -> GridMode:
    return GridMode(True, family_selectors.household_get(request.municipality, pk))


@staff_required
def staff_grid(request, pk: int):
    return _grid_page(request, _staff_mode(request, pk))


@staff_writer_required
@returns_to(_posted_week)
@require_POST
def staff_save(request, pk: int):
    return _save(request, _staff_mode(request, pk))
