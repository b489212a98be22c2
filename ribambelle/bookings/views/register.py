"""The attendance register ("pointage"), taken on a tablet: one page per activity, day and
school; a button per child marks it present or absent (with htmx only the child's buttons and
the counters come back, never health data). Read-only staff see everything but never write:
any POST answers 403."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import staff_view
from ribambelle.bookings import presenters, register_html, rules, selectors
from ribambelle.bookings.forms_staff import RegisterEntryForm, RegisterForm
from ribambelle.bookings.models import Activity, Attendance
from ribambelle.bookings.selectors import register as register_selectors
from ribambelle.bookings.services import attendance
from ribambelle.families.models import Child
from ribambelle.families.services.staff import health_reads_record
from ribambelle.tenants.shortcuts import tenant_reverse

PAGE = "bookings/staff/register.html"


def _filter_data(
    query: QueryDict, choices: register_selectors.RegisterChoices, today: date
) -> dict[str, str]:
    """The filter's values: today by default, and the first activity that runs that day when
    none is chosen. An activity that is not one of the municipality's answers 404."""
    data = {
        "activite": query.get("activite", ""),
        "date": query.get("date") or today.isoformat(),
        "ecole": query.get("ecole", ""),
    }
    if data["activite"] and data["activite"] not in {str(a.pk) for a in choices.activities}:
        raise Http404
    if not data["activite"]:
        try:
            day = date.fromisoformat(data["date"])
        except ValueError:
            day = today
        default = choices.default_activity(day)
        data["activite"] = str(default.pk) if default else ""
    return data


@staff_view
def register(request) -> HttpResponse:
    municipality, today = request.municipality, timezone.localdate()
    choices = register_selectors.register_choices(municipality)
    data = _filter_data(request.GET, choices, today)
    form = RegisterForm(data, activities=choices.activities, schools=choices.schools)
    context = {"form": form, "activities": choices.activities, "today": today}
    if not choices.activities:
        return render(request, PAGE, context)
    if not form.is_valid():
        return render(request, PAGE, context, status=400)
    activity, day, school = (form.cleaned_data[name] for name in ("activite", "date", "ecole"))
    spec = choices.specs[activity.pk]
    sheet = register_selectors.register_sheet(
        municipality, activity, day, school=school, closed=rules.closure_of(spec, day)
    )
    writable = request.user.can_write and day <= today
    candidates = []
    if writable and not sheet.closed:
        listed = {child.pk for child in sheet.children}
        candidates = register_selectors.register_candidates(
            municipality, spec, activity, day, exclude=listed, school=school
        )
    # The page shows every listed child's allergies, diet and PAI: each reading is logged.
    health_reads_record(actor=request.user, children=sheet.children)
    form_of_rows = _presence_form(request, activity, day, school) if writable else None
    rows = register_html.register_rows(sheet, form_of_rows)
    context.update(register=sheet, activity=activity, day=day, school=school, future=day > today)
    context.update(rows=rows)
    context.update(candidates=candidates, writable=writable)
    context.update(
        presenters.register_day_links(municipality, activity, day, today=today, school=school)
    )
    return render(request, PAGE, context)


def _presence_form(
    request, activity: Activity, day: date, school: str
) -> register_html.PresenceForm:
    return register_html.PresenceForm(
        tenant_reverse(request.municipality, "bookings_staff:register_mark"),
        get_token(request),
        activity,
        day,
        school,
    )


def _posted(request) -> tuple[Activity, date, Child, RegisterEntryForm]:
    """The activity, day and child a register button names, all scoped to the municipality."""
    form = RegisterEntryForm(request.POST)
    if not form.is_valid():
        raise Http404
    activity = selectors.activity_get(request.municipality, form.cleaned_data["activite"])
    child = register_selectors.register_child_get(request.municipality, form.cleaned_data["enfant"])
    return activity, form.cleaned_data["date"], child, form


def _refuse(request, url: str, message: str) -> HttpResponse:
    if request.htmx:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(url)


@require_POST
@staff_view
def register_mark(request) -> HttpResponse:
    """Present, absent, or back to unmarked (the pressed button again)."""
    municipality = request.municipality
    activity, day, child, form = _posted(request)
    status, school = form.cleaned_data["statut"], form.cleaned_data["ecole"]
    back = presenters.register_url(municipality, activity, day, school=school)
    if day > timezone.localdate():
        return _refuse(request, back, presenters.future_refusal())
    if not register_selectors.may_mark(municipality, activity, day, child):
        raise Http404
    if status:
        attendance.attendance_set(
            municipality=municipality,
            actor=request.user,
            activity=activity,
            child=child,
            day=day,
            status=status,
        )
    else:
        attendance.attendance_clear(
            municipality=municipality, actor=request.user, activity=activity, child=child, day=day
        )
    done = presenters.mark_done(status, child)
    if not request.htmx:
        messages.success(request, done)
        return redirect(f"{back}#enfant-{child.pk}")
    sheet = register_selectors.register_sheet(municipality, activity, day, school=school)
    row = sheet.row_of(child)
    context = {"register": sheet, "row": row, "activity": activity, "day": day}
    context.update(writable=True, school=school, done=done, oob=True)
    form_of_row = _presence_form(request, activity, day, school)
    context["presence"] = register_html.presence(row, form_of_row)
    return render(request, "bookings/staff/_presence.html", context)


@require_POST
@staff_view
def register_add(request) -> HttpResponse:
    """An unbooked child who came all the same: marked present (was_booked stays False)."""
    municipality = request.municipality
    activity, day, child, form = _posted(request)
    back = presenters.register_url(municipality, activity, day, school=form.cleaned_data["ecole"])
    spec = selectors.activity_specs(municipality, [activity])[activity.pk]
    refusal = presenters.register_refusal(spec, day, today=timezone.localdate())
    if refusal:
        return _refuse(request, back, refusal)
    if not register_selectors.eligible_children(municipality, spec, activity, day, [child]):
        return _refuse(request, back, presenters.ineligible(child))
    attendance.attendance_set(
        municipality=municipality,
        actor=request.user,
        activity=activity,
        child=child,
        day=day,
        status=Attendance.Status.PRESENT,
    )
    messages.success(request, presenters.added(child))
    return redirect(f"{back}#enfant-{child.pk}")
