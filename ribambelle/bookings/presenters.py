"""How the booking pages say things: the sentences, labels and links the views hand to the
templates, built from what the selectors read. No query here."""

import csv
from datetime import date, timedelta
from typing import Any, Protocol

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.bookings import rules
from ribambelle.bookings.models import Activity, Attendance
from ribambelle.bookings.selectors.counts import ActivityCounts, Tally
from ribambelle.core.spreadsheet import safe_cell
from ribambelle.families.models import Child
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse

# Attendance register


def register_url(
    municipality: Municipality, activity: Activity, day: date, *, school: str = "", anchor: str = ""
) -> str:
    params: dict[str, str | int] = {"activite": activity.pk, "date": day.isoformat()}
    if school:
        params["ecole"] = school
    url = tenant_reverse(municipality, "bookings_staff:register")
    return f"{url}?{urlencode(params)}" + (f"#{anchor}" if anchor else "")


def register_day_links(
    municipality: Municipality, activity: Activity, day: date, *, today: date, school: str
) -> dict[str, str]:
    def link(to: date) -> str:
        return register_url(municipality, activity, to, school=school)

    return {
        "previous_url": link(day - timedelta(days=1)),
        "next_url": link(day + timedelta(days=1)),
        "today_url": link(today),
    }


def future_refusal() -> str:
    return _("Le pointage d'un jour à venir n'est pas possible.")


def register_refusal(spec: rules.ActivitySpec, day: date, *, today: date) -> str:
    """Why nobody can be added to the register that day, or "" when they can."""
    if day > today:
        return future_refusal()
    closed = rules.closure_of(spec, day)
    if closed:
        return _("Cette activité n'a pas lieu ce jour-là : %(reason)s.") % {"reason": closed}
    return ""


def ineligible(child: Child) -> str:
    return _("%(name)s ne peut pas participer à cette activité.") % {"name": child}


STATUS_DONE = {
    Attendance.Status.PRESENT: gettext_lazy("%(name)s : présence enregistrée."),
    Attendance.Status.ABSENT: gettext_lazy("%(name)s : absence enregistrée."),
    "": gettext_lazy("%(name)s : pointage retiré."),
}


def mark_done(status: str, child: Child) -> str:
    return str(STATUS_DONE[status] % {"name": child})


def added(child: Child) -> str:
    return _("%(name)s : présence enregistrée (enfant non réservé).") % {"name": child}


# Daily counts for the kitchen

NO_BOOKING = gettext_lazy("Aucune réservation")
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


def counts_csv_url(municipality: Municipality, start: date, weeks: int) -> str:
    url = tenant_reverse(municipality, "bookings_staff:counts_csv")
    params: dict[str, str | int] = {"du": start.isoformat(), "semaines": weeks}
    return f"{url}?{urlencode(params)}"


def counts_filename(start: date, end: date) -> str:
    return f"effectifs-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"


def invalid_period() -> str:
    return _("Période invalide : choisissez un premier jour et entre 1 et 6 semaines.")


class Writable(Protocol):
    def write(self, content: str, /) -> Any: ...


def write_counts_csv(out: Writable, counts: list[ActivityCounts]) -> None:
    """A French spreadsheet: semicolons, day/month/year, a byte order mark so that
    spreadsheets read the accents, and cells that cannot be taken for formulas."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header) for header in CSV_HEADERS])
    for entry in counts:
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
