"""Staff configuration of bookings: the activities and their deadline rules, the calendar of
closures and the reminder settings. Every member of the staff may look; only managers change.

Changing an activity's rules never touches the bookings already made: the rules are read when a
family books or cancels, not stored with the booking."""

from dataclasses import dataclass
from datetime import date

import holidays
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from ribambelle.accounts.access import manager_required, staff_required
from ribambelle.bookings import rules, selectors
from ribambelle.bookings.forms_config import ActivityForm, BookingSettingsForm, ClosureForm
from ribambelle.bookings.models import Activity, BookingSettings
from ribambelle.bookings.selectors import config as config_selectors
from ribambelle.bookings.services import config as config_services
from ribambelle.core.dates import WEEKDAY_NAMES
from ribambelle.tenants.selectors import departments_of
from ribambelle.tenants.shortcuts import tenant_reverse


def _url(request, name, **kwargs) -> str:
    return tenant_reverse(request.municipality, name, **kwargs)


# Display


def weekdays_text(activity: Activity) -> str:
    return ", ".join(str(WEEKDAY_NAMES[day]) for day in sorted(activity.weekday_set))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def eligibility_text(activity: Activity, enrolled_count: int) -> list[str]:
    """Who may book, one short phrase per condition; all the children when there is none."""
    parts = []
    schools = _lines(activity.schools)
    if schools:
        parts.append(_("écoles : %(names)s") % {"names": ", ".join(schools)})
    classes = _lines(activity.classes)
    if classes:
        parts.append(_("classes : %(names)s") % {"names": ", ".join(classes)})
    low, high = activity.min_age, activity.max_age
    if low is not None and high is not None:
        parts.append(_("de %(low)s à %(high)s ans") % {"low": low, "high": high})
    elif low is not None:
        parts.append(_("à partir de %(age)s ans") % {"age": low})
    elif high is not None:
        parts.append(_("jusqu'à %(age)s ans") % {"age": high})
    if activity.enrolment_only:
        parts.append(
            ngettext(
                "sur inscription (%(count)s enfant inscrit)",
                "sur inscription (%(count)s enfants inscrits)",
                enrolled_count,
            )
            % {"count": enrolled_count}
        )
    return parts or [_("tous les enfants")]


@dataclass
class ActivityRow:
    activity: Activity
    weekdays: str
    booking_rule: str
    cancel_rule: str
    eligibility: list[str]


@staff_required
def activities(request):
    found = config_selectors.activities_with_enrolments(request.municipality)
    rows = [
        ActivityRow(
            activity=activity,
            weekdays=weekdays_text(activity),
            booking_rule=rules.describe_rule(activity.booking_rule),
            cancel_rule=rules.describe_rule(activity.cancel_rule),
            eligibility=eligibility_text(activity, enrolled_count),
        )
        for activity, enrolled_count in found
    ]
    return render(request, "bookings/config/activities.html", {"rows": rows})


@manager_required
def activity_add(request):
    return _activity_form(request, Activity(municipality=request.municipality))


@manager_required
def activity_edit(request, pk: int):
    return _activity_form(request, selectors.activity_get(request.municipality, pk))


def _activity_form(request, activity: Activity):
    municipality = request.municipality
    title = activity.name  # the form writes the typed name into the instance
    creating = activity.pk is None
    form = ActivityForm(municipality, request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        values = config_services.ActivityValues.of(form.cleaned_data)
        enrolled = list(form.cleaned_data["enrolled"])
        if creating:
            saved = config_services.activity_create(
                municipality=municipality, actor=request.user, values=values, enrolled=enrolled
            )
        else:
            saved = config_services.activity_update(
                municipality=municipality,
                actor=request.user,
                activity=activity,
                values=values,
                enrolled=enrolled,
            )
        messages.success(request, _("L'activité « %(name)s » est enregistrée.") % {"name": saved})
        return redirect(_url(request, "bookings_config:activities") + f"#activite-{saved.pk}")
    return render(
        request,
        "bookings/config/activity_form.html",
        {
            "form": form,
            "activity": activity,
            "title": title,
            "has_departments": departments_of(municipality).exists(),
            "kinds": {"days_before": rules.DAYS_BEFORE, "weekly": rules.WEEKLY},
        },
        status=400 if form.errors else 200,
    )


# Calendar


def school_year_start(day: date) -> date:
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


@dataclass
class Holiday:
    day: date
    name: str

    @property
    def label(self) -> str:
        """ "Dimanche 1er novembre 2026", as the families' pages write dates."""
        return f"{capfirst(rules.format_day(self.day))} {self.day.year}"


def public_holidays_between(start: date, end: date) -> list[Holiday]:
    """The public holidays the booking rules close, with their names for the reader."""
    years = range(start.year, end.year + 1)
    language = "en_US" if (get_language() or "").startswith("en") else "fr"
    names = holidays.France(years=years, language=language)
    days = sorted(
        day for year in years for day in rules.public_holidays(year) if start <= day <= end
    )
    return [Holiday(day, names.get(day, "")) for day in days]


def _school_years(today: date) -> list[dict]:
    first = school_year_start(today)
    years = []
    for offset in (0, 1):
        start = date(first.year + offset, 9, 1)
        end = date(start.year + 1, 8, 31)
        years.append(
            {
                "label": f"{start.year}-{end.year}",
                "holidays": public_holidays_between(start, end),
            }
        )
    return years


def _closures_page(request, form=None, status=200):
    municipality = request.municipality
    today = timezone.localdate()
    closures = config_selectors.closures_of(municipality)
    can_manage = request.user.can_manage
    return render(
        request,
        "bookings/config/closures.html",
        {
            "upcoming": [c for c in closures if c.ends_on >= today],
            "past": [c for c in reversed(closures) if c.ends_on < today],
            "form": (form or ClosureForm(municipality)) if can_manage else None,
            "school_years": _school_years(today),
        },
        status=status,
    )


@staff_required
def closures(request):
    if request.method != "POST":
        return _closures_page(request)
    if not request.user.can_manage:
        raise PermissionDenied
    form = ClosureForm(request.municipality, request.POST)
    if not form.is_valid():
        return _closures_page(request, form, status=400)
    closure = config_services.closure_add(
        municipality=request.municipality,
        actor=request.user,
        label=form.cleaned_data["label"],
        department=form.cleaned_data["department"],
        starts_on=form.cleaned_data["starts_on"],
        ends_on=form.cleaned_data["ends_on"],
    )
    messages.success(request, _("La fermeture « %(label)s » est ajoutée.") % {"label": closure})
    return redirect(_url(request, "bookings_config:closures"))


@manager_required
def closure_delete_view(request, pk: int):
    """A page that says what deleting does, then the POST that deletes."""
    closure = config_selectors.closure_get(request.municipality, pk)
    if request.method == "POST":
        config_services.closure_delete(
            municipality=request.municipality, actor=request.user, closure=closure
        )
        messages.success(
            request, _("La fermeture « %(label)s » est supprimée.") % {"label": closure}
        )
        return redirect(_url(request, "bookings_config:closures"))
    return render(request, "bookings/config/closure_delete.html", {"closure": closure})


# Settings


@manager_required
def booking_settings(request):
    municipality = request.municipality
    current: BookingSettings = selectors.settings_of(municipality)
    form = BookingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        config_services.booking_settings_update(
            municipality=municipality,
            actor=request.user,
            reminders_enabled=form.cleaned_data["reminders_enabled"],
            reminder_hours=form.cleaned_data["reminder_hours"],
        )
        messages.success(request, _("Les réglages des réservations sont enregistrés."))
        return redirect(_url(request, "bookings_config:settings"))
    return render(
        request,
        "bookings/config/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
