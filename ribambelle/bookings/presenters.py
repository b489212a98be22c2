"""How the booking pages say things: the sentences, labels, links and cells the views hand to
the templates, built from what the selectors read and the services did. No query here."""

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ribambelle.bookings import rules
from ribambelle.bookings.grid_post import CellKey
from ribambelle.bookings.models import Activity, Attendance
from ribambelle.bookings.selectors import Week
from ribambelle.bookings.selectors.counts import ActivityCounts, Tally
from ribambelle.bookings.selectors.mass import ReplacePreview
from ribambelle.bookings.services import BOOKED, CANCELLED, Outcome
from ribambelle.core.dates import MONTH_NAMES, WEEKDAY_NAMES
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


# The weekly grid

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
    """One cell as the template draws it: a state in words and an icon, never a colour alone."""

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


@dataclass(frozen=True)
class GridRow:
    activity: Activity
    any_open: bool
    items: list[CellView]


@dataclass(frozen=True)
class GridChild:
    child: Child
    incomplete: bool
    rows: list[GridRow]


@dataclass(frozen=True)
class GridWeek:
    monday: date
    days: list[date]
    previous: date
    following: date
    children: list[GridChild]

    def child_week(self, child_id: int) -> GridChild:
        return next(entry for entry in self.children if entry.child.pk == child_id)


def cell_detail(cell: rules.Cell, label: str) -> str:
    """The visible text under a cell's label, where it says more than the label: for a passed
    deadline, when it was ("le mardi 1er à 10 h"), so that nobody needs the tooltip."""
    if cell.state == rules.LOCKED and cell.deadline is not None:
        return _("le %(when)s") % {"when": rules.format_deadline(cell.deadline, cell.day)}
    return "" if cell.reason.casefold() == label.casefold() else cell.reason


def cell_view(
    child: Child, activity: Activity, cell: rules.Cell, refusals: dict[str, str]
) -> CellView:
    key = str(CellKey(child.pk, activity.pk, cell.day))
    label, icon = STATE_LABELS[cell.state]
    return CellView(
        cell=cell,
        key=key,
        dom_id=f"case-{child.pk}-{activity.pk}-{cell.day:%Y%m%d}",
        label=str(label),
        icon=icon,
        context=f"{child.first_name}, {activity.name}, {rules.format_day(cell.day)}",
        refusal=refusals.get(key, ""),
        detail=cell_detail(cell, str(label)),
    )


def grid_week(week: Week, refusals: dict[str, str], only_child: int | None = None) -> GridWeek:
    """The week as the template draws it, each refusal next to its cell; with `only_child`,
    that child's alone (a toggle redraws one child's week)."""
    children = [
        GridChild(
            entry.child,
            entry.incomplete,
            [
                GridRow(
                    row.activity,
                    row.any_open,
                    [cell_view(entry.child, row.activity, cell, refusals) for cell in row.cells],
                )
                for row in entry.rows
            ],
        )
        for entry in week.children
        if only_child is None or entry.child.pk == only_child
    ]
    return GridWeek(week.monday, week.days, week.previous, week.following, children)


def week_label(first: date, last: date) -> str:
    return _("Semaine du %(first)s au %(last)s") % {
        "first": rules.format_day(first),
        "last": f"{rules.format_day(last)} {last.year}",
    }


def week_label_short(first: date, last: date) -> str:
    """The week's dates without the weekdays, for the narrow title of a phone (the month and
    year written once when the week does not straddle them; see the tests)."""
    end = f"{rules.day_number(last.day)} {MONTH_NAMES[last.month - 1]} {last.year}"
    start = rules.day_number(first.day)
    if (first.year, first.month) != (last.year, last.month):
        start = f"{start} {MONTH_NAMES[first.month - 1]}"
    if first.year != last.year:
        start = f"{start} {first.year}"
    return f"{start} – {end}"


def deadline_banner(
    booking: rules.NextDeadline | None,
    cancelling: rules.NextDeadline | None,
    *,
    has_bookings: bool,
) -> list[str]:
    """What the grid says above a week: the next booking deadline and the next cancelling
    deadline, each when there is one, and plainly what is no longer possible otherwise."""

    def ahead(message: str, deadline: rules.NextDeadline) -> str:
        return message % {
            "when": rules.format_deadline(deadline.moment),
            "day": rules.format_day(deadline.day),
            "activity": deadline.activity,
        }

    sentences = []
    if booking is not None:
        sentences.append(
            ahead(
                _("Réservations possibles jusqu'au %(when)s pour le %(day)s (%(activity)s)."),
                booking,
            )
        )
    elif cancelling is not None:
        sentences.append(_("Plus aucun jour ne peut être réservé cette semaine."))
    if cancelling is not None:
        sentences.append(
            ahead(
                _("Annulations possibles jusqu'au %(when)s pour le %(day)s (%(activity)s)."),
                cancelling,
            )
        )
    elif booking is not None and has_bookings:
        sentences.append(
            _("Les réservations déjà faites pour cette semaine ne peuvent plus être annulées.")
        )
    if booking is None and cancelling is None:
        if has_bookings:
            sentences.append(
                _("Plus aucune réservation ni annulation n'est possible pour cette semaine.")
            )
        else:
            sentences.append(_("Plus aucune réservation n'est possible pour cette semaine."))
    return sentences


def week_deadlines(week: Week) -> list[str]:
    if not week.has_rows:
        return []
    return deadline_banner(week.next_booking, week.next_cancelling, has_bookings=week.has_bookings)


@dataclass(frozen=True)
class SaveResult:
    """What a save says: a notice for the whole grid, and each refusal by its cell's key."""

    notice: str
    refusals: dict[str, str]


def _summary(outcomes: list[Outcome]) -> str:
    booked = sum(o.kind == BOOKED for o in outcomes)
    cancelled = sum(o.kind == CANCELLED for o in outcomes)
    parts = []
    if booked:
        parts.append(ngettext("%(n)s jour réservé", "%(n)s jours réservés", booked) % {"n": booked})
    if cancelled:
        parts.append(
            ngettext("%(n)s réservation annulée", "%(n)s réservations annulées", cancelled)
            % {"n": cancelled}
        )
    return " · ".join(parts)


def save_result(outcomes: list[Outcome]) -> SaveResult:
    refusals = {
        str(CellKey(o.change.child_id, o.change.activity_id, o.change.day)): o.reason
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
    return SaveResult(notice, refusals)


# Mass booking


def short_day(day: date) -> str:
    """ "lun. 07/09/2026": the lists of days of a mass booking."""
    return f"{str(WEEKDAY_NAMES[day.weekday()])[:3]}. {day:%d/%m/%Y}"


def preview_token(preview: list[ReplacePreview]) -> str:
    """Names exactly the bookings the family was shown as cancelled: a confirmation counts only
    for that list (if a booking was added or cancelled meanwhile, the family sees it again)."""
    keys = sorted(
        f"{row.child.pk}:{row.activity.pk}:{day.isoformat()}"
        for row in preview
        for day in row.cancelled
    )
    return hashlib.sha256(",".join(keys).encode()).hexdigest()[:32]


def _by_reason(days: list[tuple[date, str]]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for day, reason in days:
        grouped[reason].append(short_day(day))
    return sorted(grouped.items())


def preview_rows(preview: list[ReplacePreview]) -> list[dict[str, Any]]:
    return [
        {
            "child": row.child.first_name,
            "activity": row.activity.name,
            "cancelled_days": [short_day(day) for day in row.cancelled],
            "kept_groups": _by_reason(row.kept),
        }
        for row in preview
    ]


def mass_summary(
    results: dict[tuple[int, int], rules.MassResult],
    children: list[Child],
    activities: list[Activity],
    params: dict[str, Any],
) -> dict[str, Any]:
    """What a mass booking did, kept in the session (plain JSON) for the result page."""
    names = {c.pk: c.first_name for c in children}
    activity_names = {a.pk: a.name for a in activities}
    rows = [
        {
            "child": names[child_id],
            "activity": activity_names[activity_id],
            "booked": [d.isoformat() for d in result.booked],
            "already": [d.isoformat() for d in result.already],
            "cancelled": [d.isoformat() for d in result.cancelled],
            "refused": [[d.isoformat(), reason] for d, reason in result.refused],
        }
        for (child_id, activity_id), result in results.items()
    ]
    return {
        "mode": params["mode"],
        "start": params["du"].isoformat(),
        "end": params["au"].isoformat(),
        "rows": rows,
    }


def mass_result_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "booked_days": [short_day(date.fromisoformat(d)) for d in row["booked"]],
            "cancelled_days": [short_day(date.fromisoformat(d)) for d in row["cancelled"]],
            "refused_groups": _by_reason(
                [(date.fromisoformat(day), reason) for day, reason in row["refused"]]
            ),
        }
        for row in summary["rows"]
    ]


def mass_period(start: date, end: date) -> str:
    return _("du %(start)s au %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }
