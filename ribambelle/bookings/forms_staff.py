"""Forms of the staff's daily pages: the attendance register and the kitchen counts."""

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from ribambelle.bookings.models import Activity, Attendance
from ribambelle.families.forms import DateInput

MAX_WEEKS = 6
DEFAULT_WEEKS = 2
ISO_DATE = ["%Y-%m-%d"]


def activity_label(activity: Activity) -> str:
    if activity.name.casefold() == activity.department.name.casefold():
        return activity.name
    return f"{activity.name} ({activity.department.name})"


class RegisterForm(forms.Form):
    """The register's filter. `activite` cleans to the Activity itself."""

    activite = forms.ChoiceField(label=_("Activité"))
    date = forms.DateField(
        label=_("Jour"),
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez le jour."),
            "invalid": _("Indiquez une date valide, par exemple 23/11/2026."),
        },
    )
    ecole = forms.ChoiceField(label=_("École"), required=False)

    def __init__(
        self, *args: Any, activities: list[Activity], schools: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.activities = {str(activity.pk): activity for activity in activities}
        cast(forms.ChoiceField, self.fields["activite"]).choices = [
            (a.pk, activity_label(a)) for a in activities
        ]
        cast(forms.ChoiceField, self.fields["ecole"]).choices = [
            ("", _("Toutes les écoles")),
            *((school, school) for school in schools),
        ]

    def clean_activite(self) -> Activity:
        return self.activities[self.cleaned_data["activite"]]


class RegisterEntryForm(forms.Form):
    """What a register button posts: the activity, day and child it is about, the status it
    sets ("" takes the mark away) and the school the register was filtered on. Anything
    malformed answers 404, as a forged id does."""

    activite = forms.IntegerField()
    date = forms.DateField(input_formats=ISO_DATE)
    enfant = forms.IntegerField()
    statut = forms.ChoiceField(
        choices=[(Attendance.Status.PRESENT, ""), (Attendance.Status.ABSENT, "")],
        required=False,
    )
    ecole = forms.CharField(required=False, strip=False)


class CountsForm(forms.Form):
    du = forms.DateField(
        label=_("À partir du"),
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez le premier jour."),
            "invalid": _("Indiquez une date valide, par exemple 23/11/2026."),
        },
    )
    semaines = forms.TypedChoiceField(
        label=_("Sur"),
        coerce=int,
        choices=[
            (n, ngettext_lazy("%(n)s semaine", "%(n)s semaines", "n") % {"n": n})
            for n in range(1, MAX_WEEKS + 1)
        ],
        error_messages={"invalid_choice": _("Choisissez entre 1 et 6 semaines.")},
    )

    @classmethod
    def from_query(cls, query: QueryDict, *, today: date) -> "CountsForm":
        """Bound to the page's query, two weeks from today by default."""
        return cls(
            {
                "du": query.get("du") or today.isoformat(),
                "semaines": query.get("semaines") or str(DEFAULT_WEEKS),
            }
        )

    def period(self) -> tuple[date, date]:
        start: date = self.cleaned_data["du"]
        return start, start + timedelta(days=7 * self.cleaned_data["semaines"] - 1)
