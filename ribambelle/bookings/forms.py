"""Forms of the families' booking pages."""

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.bookings import rules
from ribambelle.bookings.models import WEEKDAY_CHOICES

MAX_RANGE_DAYS = 400


class ActivityChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.department.name})"


class ChildChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.first_name


class MassActivitiesForm(forms.Form):
    activites = ActivityChoice(
        label=_("Activités"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins une activité."),
            "invalid_choice": _("Cette activité n'est pas proposée à vos enfants."),
            "invalid_pk_value": _("Cette activité n'est pas proposée à vos enfants."),
        },
    )

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        cast(ActivityChoice, self.fields["activites"]).queryset = activities


class MassChildrenForm(forms.Form):
    enfants = ChildChoice(
        label=_("Enfants"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un enfant."),
            "invalid_choice": _("Cet enfant ne peut pas réserver ces activités."),
            "invalid_pk_value": _("Cet enfant ne peut pas réserver ces activités."),
        },
    )

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        cast(ChildChoice, self.fields["enfants"]).queryset = children


class MassParametersForm(forms.Form):
    jours = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un jour de la semaine.")},
    )
    du = forms.DateField(
        label=_("Du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de début."),
            "invalid": _("Indiquez une date valide, par exemple 07/09/2026."),
        },
    )
    au = forms.DateField(
        label=_("Au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de fin."),
            "invalid": _("Indiquez une date valide, par exemple 03/07/2027."),
        },
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[
            (rules.MASS_ADD, _("Ajouter : réserver ces jours, garder les autres réservations")),
            (
                rules.MASS_REPLACE,
                _(
                    "Remplacer : sur la période, les jours réservés deviennent exactement "
                    "ceux-ci (les autres sont annulés)"
                ),
            ),
        ],
        initial=rules.MASS_ADD,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez un mode.")},
    )

    def __init__(self, *args, weekdays: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["jours"]).choices = [
            (value, label) for value, label in WEEKDAY_CHOICES if value in weekdays
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end:
            if end < start:
                self.add_error("au", _("La date de fin doit suivre la date de début."))
            elif end - start > timedelta(days=MAX_RANGE_DAYS):
                self.add_error(
                    "au", _("La période ne peut pas dépasser une année scolaire (400 jours).")
                )
        return cleaned


def default_dates(activities, today):
    start = today + timedelta(days=1)
    end = max((a.ends_on for a in activities), default=start)
    return start, max(end, start)


def offered_weekdays(activities) -> set[int]:
    return set().union(*(a.weekday_set for a in activities)) if activities else set()
