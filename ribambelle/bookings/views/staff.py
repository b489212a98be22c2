"""The staff side of bookings: the attendance register ("pointage") taken on a tablet, and the
daily counts for the kitchen ("effectifs"), as a page and a CSV file.

Every page reads a constant number of queries whatever the number of children. Read-only staff
see everything but never write: any POST answers 403."""

import csv
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from ribambelle.accounts.access import staff_view
from ribambelle.bookings import rules, selectors, services
from ribambelle.bookings.models import Activity, Attendance, Booking
from ribambelle.core.spreadsheet import safe_cell
from ribambelle.families.models import Child, Household
from ribambelle.families.services.staff import health_reads_record
from ribambelle.tenants.shortcuts import tenant_reverse

MAX_WEEKS = 6
DEFAULT_WEEKS = 2


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _activity_in(activities: list[Activity], value) -> Activity:
    """The activity among the municipality's: any other id answers 404 (invariant 1)."""
    wanted = _int(value)
    for activity in activities:
        if activity.pk == wanted:
            return activity
    raise Http404


def _activity_label(activity: Activity) -> str:
    if activity.name.casefold() == activity.department.name.casefold():
        return activity.name
    return f"{activity.name} ({activity.department.name})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegisterForm(forms.Form):
    activite = forms.ChoiceField(label=gettext_lazy("Activité"))
    date = forms.DateField(
        label=gettext_lazy("Jour"),
        widget=DateInput(),
        error_messages={
            "required": gettext_lazy("Indiquez le jour."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 23/11/2026."),
        },
    )

    ecole = forms.ChoiceField(label=gettext_lazy("École"), required=False)

    def __init__(self, *args, activities: list[Activity], schools: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activite"].choices = [(a.pk, _activity_label(a)) for a in activities]
        self.fields["ecole"].choices = [("", gettext_lazy("Toutes les écoles"))] + [
            (school, school) for school in schools
        ]


class CountsForm(forms.Form):
    du = forms.DateField(
        label=gettext_lazy("À partir du"),
        widget=DateInput(),
        error_messages={
            "required": gettext_lazy("Indiquez le premier jour."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 23/11/2026."),
        },
    )
    semaines = forms.TypedChoiceField(
        label=gettext_lazy("Sur"),
        coerce=int,
        choices=[
            (n, ngettext_lazy("%(n)s semaine", "%(n)s semaines", "n") % {"n": n})
            for n in range(1, MAX_WEEKS + 1)
        ],
        error_messages={"invalid_choice": gettext_lazy("Choisissez entre 1 et 6 semaines.")},
    )


# Attendance register


@dataclass
class RegisterRow:
    child: Child
    booked: bool
    attendance: Attendance | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance else ""


@dataclass
class Register:
    activity: Activity
    day: date
    rows: list[RegisterRow]
    closed: str | None

    @property
    def booked(self) -> int:
        return sum(row.booked for row in self.rows)

    @property
    def present(self) -> int:
        return sum(row.status == Attendance.Status.PRESENT for row in self.rows)

    @property
    def absent(self) -> int:
        return sum(row.status == Attendance.Status.ABSENT for row in self.rows)

    @property
    def unmarked(self) -> int:
        return sum(not row.status for row in self.rows)


def _sort_key(name: str) -> str:
    """Alphabetical order as on a paper register: "Élodie" between "Eden" and "Fanny"."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name.casefold())
        if not unicodedata.combining(char)
    )


def _schools(municipality) -> list[str]:
    """The schools the children attend: a register is taken at one site (one query)."""
    return sorted(
        set(
            Child.objects.for_municipality(municipality)
            .exclude(school="")
            .values_list("school", flat=True)
            .distinct()
        ),
        key=_sort_key,
    )


def _at_school(queryset, field: str, school: str):
    return queryset.filter(**{field: school}) if school else queryset


def _register(
    municipality, activity: Activity, day: date, closed: str | None, school: str = ""
) -> Register:
    """The booked children and those with an attendance row (two queries), at one school when
    one is chosen."""
    children: dict[int, Child] = {}
    booked: set[int] = set()
    for booking in _at_school(
        Booking.objects.for_municipality(municipality)
        .filter(activity=activity, date=day)
        .select_related("child"),
        "child__school",
        school,
    ):
        children[booking.child_id] = booking.child
        booked.add(booking.child_id)
    attendances = {}
    for attendance in _at_school(
        Attendance.objects.for_municipality(municipality)
        .filter(activity=activity, date=day)
        .select_related("child"),
        "child__school",
        school,
    ):
        children.setdefault(attendance.child_id, attendance.child)
        attendances[attendance.child_id] = attendance
    rows = [
        RegisterRow(child, child.pk in booked, attendances.get(child.pk))
        for child in children.values()
    ]
    rows.sort(
        key=lambda row: (
            _sort_key(row.child.last_name),
            _sort_key(row.child.first_name),
            row.child.pk,
        )
    )
    return Register(activity, day, rows, closed)


def _candidates(
    municipality,
    spec: rules.ActivitySpec,
    activity: Activity,
    day: date,
    exclude: set[int],
    school: str = "",
) -> list[Child]:
    """Children of the municipality who may attend the activity that day and are not on the
    register yet: school, class, enrolment and age (one query, two for enrolment only)."""
    children = list(
        _at_school(
            Child.objects.for_municipality(municipality)
            .exclude(pk__in=exclude)
            .exclude(household__status=Household.Status.REFUSED)
            .only("pk", "first_name", "last_name", "birth_date", "school", "school_class"),
            "school",
            school,
        )
    )
    children.sort(key=lambda child: (_sort_key(child.last_name), _sort_key(child.first_name)))
    return _eligible(municipality, spec, activity, day, children)


def _eligible(
    municipality, spec: rules.ActivitySpec, activity: Activity, day: date, children: list[Child]
) -> list[Child]:
    child_specs = selectors.child_specs(municipality, children, [activity], with_records=False)
    return [
        child
        for child in children
        if rules.may_book_row(spec, child_specs[child.pk])
        and rules.age_refusal(spec, child_specs[child.pk], day) is None
    ]


def _register_url(
    request, activity: Activity, day: date, anchor: str = "", school: str | None = None
) -> str:
    url = tenant_reverse(request.municipality, "bookings_staff:register")
    if school is None:
        school = (request.POST if request.method == "POST" else request.GET).get("ecole", "")
    params = {"activite": activity.pk, "date": day.isoformat()}
    if school:
        params["ecole"] = school
    query = urlencode(params)
    return f"{url}?{query}" + (f"#{anchor}" if anchor else "")


def _default_activity(activities, specs, day: date) -> Activity | None:
    for activity in activities:
        if rules.closure_of(specs[activity.pk], day) is None:
            return activity
    return activities[0] if activities else None


@staff_view
def register(request):
    municipality = request.municipality
    today = timezone.localdate()
    activities = list(selectors.activities_of(municipality))
    specs = selectors.activity_specs(municipality, activities)
    schools = _schools(municipality)
    data = {
        "activite": request.GET.get("activite", ""),
        "date": request.GET.get("date") or today.isoformat(),
        "ecole": request.GET.get("ecole", ""),
    }
    if data["activite"]:
        _activity_in(activities, data["activite"])
    form = RegisterForm(data, activities=activities, schools=schools)
    context = {"form": form, "activities": activities, "today": today}
    if not activities:
        return render(request, "bookings/staff/register.html", context)
    if not data["activite"]:
        # No activity chosen yet: the first one that runs that day (or the first one at all).
        try:
            day = date.fromisoformat(data["date"])
        except ValueError:
            day = today
        data["activite"] = str(_default_activity(activities, specs, day).pk)
        form = RegisterForm(data, activities=activities, schools=schools)
        context["form"] = form
    if not form.is_valid():
        return render(request, "bookings/staff/register.html", context, status=400)
    activity = _activity_in(activities, form.cleaned_data["activite"])
    day = form.cleaned_data["date"]
    school = form.cleaned_data["ecole"]
    sheet = _register(
        municipality, activity, day, rules.closure_of(specs[activity.pk], day), school
    )
    listed = {row.child.pk for row in sheet.rows}
    writable = request.user.can_write and day <= today
    candidates = (
        _candidates(municipality, specs[activity.pk], activity, day, listed, school)
        if writable and not sheet.closed
        else []
    )
    # The page shows every listed child's allergies, diet and PAI: each reading is logged.
    health_reads_record(actor=request.user, children=[row.child for row in sheet.rows])
    context.update(
        {
            "register": sheet,
            "activity": activity,
            "day": day,
            "school": school,
            "candidates": candidates,
            "writable": writable,
            "future": day > today,
            "previous_url": _register_url(request, activity, day - timedelta(days=1)),
            "next_url": _register_url(request, activity, day + timedelta(days=1)),
            "today_url": _register_url(request, activity, today),
        }
    )
    return render(request, "bookings/staff/register.html", context)


def _posted(request):
    """The activity, day and child a register form names, all scoped to the municipality."""
    municipality = request.municipality
    activity = selectors.activity_get(municipality, _int(request.POST.get("activite")))
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise Http404 from None
    child = get_object_or_404(
        Child.objects.for_municipality(municipality), pk=_int(request.POST.get("enfant"))
    )
    return activity, day, child


def _refuse(request, activity: Activity, day: date, message: str):
    if request.htmx:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(_register_url(request, activity, day))


def _spec(municipality, activity: Activity) -> rules.ActivitySpec:
    return selectors.activity_specs(municipality, [activity])[activity.pk]


def _refusal(spec: rules.ActivitySpec, day: date) -> str:
    if day > timezone.localdate():
        return _("Le pointage d'un jour à venir n'est pas possible.")
    closed = rules.closure_of(spec, day)
    if closed:
        return _("Cette activité n'a pas lieu ce jour-là : %(reason)s.") % {"reason": closed}
    return ""


STATUS_DONE = {
    Attendance.Status.PRESENT: gettext_lazy("%(name)s : présence enregistrée."),
    Attendance.Status.ABSENT: gettext_lazy("%(name)s : absence enregistrée."),
    "": gettext_lazy("%(name)s : pointage retiré."),
}


@require_POST
@staff_view
def register_mark(request):
    """Present, absent, or back to unmarked (the pressed button again). With htmx only the
    child's presence buttons and the counters come back: no health data is sent again."""
    municipality = request.municipality
    activity, day, child = _posted(request)
    status = request.POST.get("statut", "")
    if status not in {Attendance.Status.PRESENT, Attendance.Status.ABSENT, ""}:
        raise Http404
    if day > timezone.localdate():
        return _refuse(
            request, activity, day, _("Le pointage d'un jour à venir n'est pas possible.")
        )
    listed = (
        Booking.objects.filter(child=child, activity=activity, date=day).exists()
        or Attendance.objects.filter(child=child, activity=activity, date=day).exists()
    )
    if not listed and not _eligible(
        municipality, _spec(municipality, activity), activity, day, [child]
    ):
        raise Http404
    if status:
        services.attendance_set(
            municipality=municipality,
            actor=request.user,
            activity=activity,
            child=child,
            day=day,
            status=status,
        )
    else:
        services.attendance_clear(activity=activity, child=child, day=day)
    done = STATUS_DONE[status] % {"name": child}
    if request.htmx:
        school = request.POST.get("ecole", "")
        sheet = _register(municipality, activity, day, None, school)
        row = next(
            (row for row in sheet.rows if row.child.pk == child.pk),
            RegisterRow(child, False, None),
        )
        return render(
            request,
            "bookings/staff/_presence.html",
            {
                "register": sheet,
                "row": row,
                "activity": activity,
                "day": day,
                "writable": True,
                "school": school,
                "done": done,
                "oob": True,
            },
        )
    messages.success(request, done)
    return redirect(_register_url(request, activity, day, f"enfant-{child.pk}"))


@require_POST
@staff_view
def register_add(request):
    """An unbooked child who came all the same: marked present (was_booked stays False)."""
    municipality = request.municipality
    activity, day, child = _posted(request)
    spec = _spec(municipality, activity)
    refusal = _refusal(spec, day)
    if refusal:
        return _refuse(request, activity, day, refusal)
    if not _eligible(municipality, spec, activity, day, [child]):
        return _refuse(
            request,
            activity,
            day,
            _("%(name)s ne peut pas participer à cette activité.") % {"name": child},
        )
    services.attendance_set(
        municipality=municipality,
        actor=request.user,
        activity=activity,
        child=child,
        day=day,
        status=Attendance.Status.PRESENT,
    )
    messages.success(
        request, _("%(name)s : présence enregistrée (enfant non réservé).") % {"name": child}
    )
    return redirect(_register_url(request, activity, day, f"enfant-{child.pk}"))


# Daily counts for the kitchen


SITE_UNKNOWN = gettext_lazy("Sans école")
NO_BOOKING = gettext_lazy("Aucune réservation")


@dataclass
class Tally:
    site: str
    total: int = 0
    standard: int = 0
    no_meat: int = 0
    medical: int = 0
    allergies: int = 0
    pai: int = 0

    def add(self, other: "Tally") -> None:
        self.total += other.total
        self.standard += other.standard
        self.no_meat += other.no_meat
        self.medical += other.medical
        self.allergies += other.allergies
        self.pai += other.pai

    @property
    def numbers(self) -> list[int]:
        return [
            self.total,
            self.standard,
            self.no_meat,
            self.medical,
            self.allergies,
            self.pai,
        ]


@dataclass
class DayCounts:
    day: date
    sites: list[Tally]
    total: Tally | None = None  # only when there are several sites


@dataclass
class ActivityCounts:
    activity: Activity
    days: list[DayCounts] = field(default_factory=list)


def _site_key(school: str) -> str:
    return rules.normalise(school)


def counts_of(municipality, start: date, end: date) -> list[ActivityCounts]:
    """Bookings per activity, day and school, with their diets: one aggregate query, plus the
    activities and their closures. Days the activity does not run are left out."""
    activities = list(
        selectors.activities_of(municipality).filter(starts_on__lte=end, ends_on__gte=start)
    )
    if not activities:
        return []
    specs = selectors.activity_specs(municipality, activities)
    diet = Child.Diet
    found: dict[tuple[int, date], dict[str, Tally]] = defaultdict(dict)
    # Schools typed differently ("École Pasteur", "ecole pasteur ") are one site, named as most
    # of its children have it.
    spellings: dict[tuple[int, date, str], list[tuple[int, str]]] = defaultdict(list)
    for entry in (
        Booking.objects.for_municipality(municipality)
        .filter(activity__in=activities, date__gte=start, date__lte=end)
        .values("activity_id", "date", "child__school")
        .annotate(
            total=Count("pk"),
            standard=Count("pk", filter=Q(child__diet=diet.STANDARD)),
            no_meat=Count("pk", filter=Q(child__diet=diet.NO_MEAT)),
            medical=Count("pk", filter=Q(child__diet=diet.MEDICAL)),
            allergies=Count("pk", filter=~Q(child__allergies="")),
            pai=Count("pk", filter=Q(child__has_pai=True)),
        )
        .order_by()
    ):
        school = entry["child__school"].strip()
        tally = Tally(
            school or str(SITE_UNKNOWN),
            entry["total"],
            entry["standard"],
            entry["no_meat"],
            entry["medical"],
            entry["allergies"],
            entry["pai"],
        )
        sites = found[(entry["activity_id"], entry["date"])]
        key = _site_key(school)
        spellings[(entry["activity_id"], entry["date"], key)].append((-tally.total, tally.site))
        if key in sites:
            sites[key].add(tally)
        else:
            sites[key] = tally
    for (activity_id, day, key), names in spellings.items():
        found[(activity_id, day)][key].site = min(names)[1]
    result = []
    for activity in activities:
        entry = ActivityCounts(activity)
        for day in rules.days_between(start, end):
            if rules.closure_of(specs[activity.pk], day) is not None:
                continue
            sites = found.get((activity.pk, day), {})
            # Named schools in alphabetical order, children without a school last.
            ordered = [sites[key] for key in sorted(sites, key=lambda key: (key == "", key))]
            total = None
            if len(ordered) > 1:
                total = Tally(str(_("Total du jour")))
                for tally in ordered:
                    total.add(tally)
            entry.days.append(DayCounts(day, ordered, total))
        result.append(entry)
    return result


def _counts_form(request) -> tuple[CountsForm, date | None, date | None]:
    data = {
        "du": request.GET.get("du") or timezone.localdate().isoformat(),
        "semaines": request.GET.get("semaines") or str(DEFAULT_WEEKS),
    }
    form = CountsForm(data)
    if not form.is_valid():
        return form, None, None
    start = form.cleaned_data["du"]
    return form, start, start + timedelta(days=7 * form.cleaned_data["semaines"] - 1)


@staff_view
def counts(request):
    form, start, end = _counts_form(request)
    context = {"form": form}
    if start is None:
        return render(request, "bookings/staff/counts.html", context, status=400)
    context.update(
        {
            "start": start,
            "end": end,
            "activities": counts_of(request.municipality, start, end),
            "csv_url": tenant_reverse(request.municipality, "bookings_staff:counts_csv")
            + "?"
            + urlencode({"du": start.isoformat(), "semaines": form.cleaned_data["semaines"]}),
        }
    )
    return render(request, "bookings/staff/counts.html", context)


CSV_HEADERS = [
    gettext_lazy("Activité"),
    gettext_lazy("Service"),
    gettext_lazy("Date"),
    gettext_lazy("Site"),
    gettext_lazy("Réservés"),
    gettext_lazy("Repas standard"),
    gettext_lazy("Sans viande"),
    gettext_lazy("Régime médical"),
    gettext_lazy("Avec allergies"),
    gettext_lazy("PAI"),
]


@staff_view
def counts_csv(request):
    _form, start, end = _counts_form(request)
    if start is None:
        return HttpResponseBadRequest(
            _("Période invalide : choisissez un premier jour et entre 1 et 6 semaines."),
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"effectifs-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte order mark tells spreadsheets the file is UTF-8 (accents in names and schools).
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header) for header in CSV_HEADERS])
    for entry in counts_of(request.municipality, start, end):
        activity = entry.activity
        for day in entry.days:
            for tally in day.sites or [Tally(str(NO_BOOKING))]:
                writer.writerow(
                    [
                        safe_cell(activity.name),
                        safe_cell(activity.department.name),
                        day.day.strftime("%d/%m/%Y"),
                        safe_cell(tally.site),
                        *tally.numbers,
                    ]
                )
    return response
