"""The weekly grid ("Réservations"), for the family and, with deadlines lifted, for staff on a
household's behalf. Ticking a cell saves it at once with htmx; without JavaScript the grid is a
plain form per child. Refusals are shown next to their cell in both cases. What a form posts
is read by grid_post; how a week is drawn is decided by presenters."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import (
    parent_required,
    returns_to,
    staff_required,
    staff_writer_required,
)
from ribambelle.bookings import grid_post, presenters, selectors, services
from ribambelle.bookings.models import Booking
from ribambelle.families import selectors as family_selectors
from ribambelle.families.models import Household
from ribambelle.tenants.shortcuts import tenant_reverse

REFUSALS_KEY = "booking_refusals"


@dataclass(frozen=True)
class GridMode:
    """Where the grid's forms post and whether deadlines are lifted (staff)."""

    staff: bool
    household: Household

    def url(self, request: Any, name: str) -> str:
        if self.staff:
            return tenant_reverse(
                request.municipality, f"bookings_staff:{name}", pk=self.household.pk
            )
        return tenant_reverse(request.municipality, f"bookings:{name}")


def _grid_context(
    request: Any,
    mode: GridMode,
    week: selectors.Week,
    *,
    refusals: dict[str, str],
    notice: str = "",
    only_child: int | None = None,
) -> dict[str, Any]:
    return {
        "deadlines": presenters.week_deadlines(week),
        "week": presenters.grid_week(week, refusals, only_child),
        "mode": mode,
        "notice": notice,
        "grid_url": mode.url(request, "grid"),
        "save_url": mode.url(request, "save"),
        "mass_url": "" if mode.staff else tenant_reverse(request.municipality, "bookings:mass"),
        "week_label": presenters.week_label(week.monday, week.days[-1]),
        "week_label_short": presenters.week_label_short(week.monday, week.days[-1]),
    }


def _grid_page(request, mode: GridMode) -> HttpResponse:
    context = selectors.grid_context(request.municipality, mode.household)
    monday = grid_post.parse_monday(request.GET.get("semaine"))
    state, week = None, None
    if monday is None:
        monday, state, week = selectors.opening_week(context, timezone.localdate(), timezone.now())
    refusals = request.session.pop(REFUSALS_KEY, {})
    if week is None or mode.staff:
        # Staff see the week with the deadlines lifted: drawn again from what was read.
        week = selectors.build_week(
            context,
            monday,
            keys=set(state.bookings) if state else None,
            counts=state.counts if state else None,
            override=mode.staff,
        )
    page = _grid_context(request, mode, week, refusals=refusals)
    template = "bookings/staff/grid.html" if mode.staff else "bookings/portal/grid.html"
    return render(request, template, page)


@parent_required
def grid(request) -> HttpResponse:
    return _grid_page(request, GridMode(False, family_selectors.household_of(request)))


def _apply(
    request, staff: bool, household: Household | None, post: grid_post.GridPost
) -> services.GridApplied:
    """Saves the posted changes; the service checks that the child is the household's and
    returns the grid as it read and wrote it. 404 for a forged child or activity. Without a
    household (a parent's toggle), the service reads the parent's with its children."""
    changes = post.changes
    if post.whole_week is not None:
        changes = selectors.whole_week_changes(
            request.municipality, post.child_id, post.whole_week, post.monday
        )
    try:
        applied = services.bookings_grid_apply(
            municipality=request.municipality,
            household=household,
            actor=request.user,
            changes=changes,
            monday=post.monday,
            source=Booking.Source.STAFF if staff else Booking.Source.FAMILY,
            override=staff,
        )
    except services.BookingError:
        raise Http404 from None
    if post.child_id not in {child.pk for child in applied.context.children}:
        raise Http404
    return applied


def _save(request, household: Household | None, *, staff: bool) -> HttpResponse:
    try:
        post = grid_post.parse(request.POST)
    except grid_post.GridPostError:
        raise Http404 from None
    applied = _apply(request, staff, household, post)
    mode = GridMode(staff, applied.household)
    result = presenters.save_result(applied.outcomes)
    if request.htmx:
        # The whole household's week, drawn from what the service read: the deadline banner
        # above the grid is redrawn too.
        week = selectors.build_week(
            applied.context,
            post.monday,
            keys=applied.keys,
            counts=applied.counts,
            override=mode.staff,
        )
        page = _grid_context(
            request,
            mode,
            week,
            refusals=result.refusals,
            notice=result.notice,
            only_child=post.child_id,
        )
        page["child_week"] = page["week"].child_week(post.child_id)
        return render(request, "bookings/portal/_child_week.html", page)
    if result.notice:
        (messages.warning if result.refusals else messages.success)(request, result.notice)
    request.session[REFUSALS_KEY] = result.refusals
    grid_url = mode.url(request, "grid")
    return redirect(f"{grid_url}?semaine={post.monday.isoformat()}#enfant-{post.child_id}")


def _posted_week(request) -> str | None:
    """The grid week a save was posted from: where a poster whose session expired comes back
    to after logging in (the save URL itself only takes posts)."""
    monday = grid_post.parse_monday(request.POST.get("semaine"))
    if monday is None:
        return None
    name = "bookings:grid"
    kwargs = {}
    if "pk" in request.resolver_match.kwargs:
        name, kwargs = "bookings_staff:grid", {"pk": request.resolver_match.kwargs["pk"]}
    return f"{tenant_reverse(request.municipality, name, **kwargs)}?semaine={monday.isoformat()}"


@parent_required
@returns_to(_posted_week)
@require_POST
def save(request) -> HttpResponse:
    # The parent's household is read by the service, with its children (as household_of).
    return _save(request, None, staff=False)


# Staff: the same grid for one household, deadlines lifted (each late change is logged).


def _staff_mode(request, pk: int) -> GridMode:
    return GridMode(True, family_selectors.household_get(request.municipality, pk))


@staff_required
def staff_grid(request, pk: int) -> HttpResponse:
    return _grid_page(request, _staff_mode(request, pk))


@staff_writer_required
@returns_to(_posted_week)
@require_POST
def staff_save(request, pk: int) -> HttpResponse:
    return _save(request, family_selectors.household_get(request.municipality, pk), staff=True)
