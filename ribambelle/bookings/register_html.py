"""The rows of the attendance register, drawn here rather than in templates: a school's register
in a large town is hundreds of children, and the template engine's work per row (an include, a
few dozen variables and conditions) was most of the page's time. The markup is the one the
templates drew; every text in it is escaped here, the rest is constant markup."""

from dataclasses import dataclass
from datetime import date
from html import escape as escape_text  # what Django's escape does, without its wrappers per call

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ribambelle.bookings.models import Activity, Attendance
from ribambelle.bookings.selectors.register import Register, RegisterRow
from ribambelle.families.models import Child

PRESENT, ABSENT = Attendance.Status.PRESENT, Attendance.Status.ABSENT


@dataclass(frozen=True)
class PresenceForm:
    """What every row's buttons post, the same for the whole sheet (escaped once)."""

    mark_url: str
    csrf_token: str
    activity: Activity
    day: date
    school: str

    def hidden(self) -> str:
        school = (
            f'<input type="hidden" name="ecole" value="{escape(self.school)}">'
            if self.school
            else ""
        )
        return (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(self.csrf_token)}">\n'
            f'<input type="hidden" name="activite" value="{self.activity.pk}">\n'
            f'<input type="hidden" name="date" value="{self.day.isoformat()}">\n'
            f"{school}\n"
        )


def _labels() -> dict[str, str]:
    """The buttons' and states' words, translated and escaped once per page."""
    return {
        PRESENT: escape(_("Présent")),
        ABSENT: escape(_("Absent")),
        "": escape(_("Non pointé")),
    }


def _button(pk: int, status: str, pressed: str, icon: str, label: str) -> str:
    on = pressed == status
    return (
        f'<button type="submit" id="{status}-{pk}" name="statut" '
        f'value="{"" if on else status}" '
        f'class="presence__button presence__button--{status}" '
        f'aria-pressed="{"true" if on else "false"}"><span class="presence__icon" '
        f'aria-hidden="true">{icon if on else "○"}</span> {label}</button>'
    )


def _presence(
    row: RegisterRow, form: PresenceForm | None, hidden: str, labels: dict[str, str]
) -> str:
    pk, status = row.child.pk, row.status
    if form is None:
        if status == PRESENT:
            state = f'<span aria-hidden="true">✓ </span>{labels[PRESENT]}'
        elif status == ABSENT:
            state = f'<span aria-hidden="true">✕ </span>{labels[ABSENT]}'
        else:
            state = labels[""]
        return (
            f'<div class="presence" id="presence-{pk}">\n'
            f'<p class="presence__state">{state}</p>\n</div>'
        )
    url = escape(form.mark_url)
    return (
        f'<div class="presence" id="presence-{pk}">\n'
        f'<form method="post" action="{url}" data-hx-post="{url}" '
        f'data-hx-target="#presence-{pk}" data-hx-swap="outerHTML" data-hx-sync="this:drop">\n'
        f'{hidden}<input type="hidden" name="enfant" value="{pk}">\n'
        f'<div class="presence__buttons" role="group" aria-labelledby="nom-{pk}">\n'
        f"{_button(pk, PRESENT, status, '✓', labels[PRESENT])}\n"
        f"{_button(pk, ABSENT, status, '✕', labels[ABSENT])}\n"
        "</div>\n</form>\n</div>"
    )


def presence(row: RegisterRow, form: PresenceForm | None) -> SafeString:
    """A child's buttons (or, read-only, its state), as the register and htmx redraw them."""
    html = _presence(row, form, form.hidden() if form else "", _labels())
    return mark_safe(html)  # noqa: S308 - texts escaped above, the rest constant markup


def _school(child: Child) -> str:
    if not child.school and not child.school_class:
        return f'<span class="muted">{escape(_("école non renseignée"))}</span>'
    return " · ".join(escape_text(part) for part in (child.school_class, child.school) if part)


def _row(row: RegisterRow, presence_html: str, texts: dict[str, str]) -> str:
    child, pk = row.child, row.child.pk
    unbooked = "" if row.booked else texts["unbooked"]
    health = []
    if child.has_pai:
        health.append(texts["pai"])
    if child.diet != Child.Diet.STANDARD:
        diet = texts.get(f"diet:{child.diet}") or escape(capfirst(child.get_diet_display()))
        health.append(f'<p class="badge badge--diet">{diet}</p>')
    if child.allergies:
        health.append(
            f'<p class="register-row__allergies"><strong>{texts["allergies"]}</strong> '
            f"{escape_text(child.allergies)}</p>"
        )
    return (
        f'<li class="register-row" id="enfant-{pk}">\n<div class="register-row__who">\n'
        f'<h3 class="register-row__name" id="nom-{pk}">{escape_text(child.last_name)} '
        f"{escape_text(child.first_name)}</h3>\n"
        f'<p class="register-row__school">{_school(child)}</p>\n{unbooked}\n</div>\n'
        f'<div class="register-row__health">\n{"".join(health)}\n</div>\n'
        f"{presence_html}\n</li>"
    )


def register_rows(register: Register, form: PresenceForm | None) -> SafeString:
    """Every row of the sheet: the child, its health (each reading is logged by the view) and
    its buttons (`form`, when the member of staff may mark; None shows the state only)."""
    pai = escape(_("Projet d’accueil individualisé"))
    texts = {
        "unbooked": f'<p class="badge badge--unbooked">{escape(_("non réservé"))}</p>',
        "pai": (f'<p class="badge badge--pai"><abbr title="{pai}">{escape(_("PAI"))}</abbr></p>'),
        "allergies": escape(_("Allergies :")),
        # The diets' labels, translated and escaped once rather than per child.
        **{f"diet:{value}": escape(capfirst(label)) for value, label in Child.Diet.choices},
    }
    hidden, labels = form.hidden() if form else "", _labels()
    html = "\n".join(
        _row(row, _presence(row, form, hidden, labels), texts) for row in register.rows
    )
    return mark_safe(html)  # noqa: S308 - texts escaped above, the rest constant markup
