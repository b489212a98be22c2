"""Staff forms for the configuration of bookings: activities, closures, settings.

Querysets are always limited to the municipality, so that another municipality's department or
child posted by hand is refused with a French message (invariant 1)."""

from typing import Any, cast

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ribambelle.bookings.models import (
    WEEKDAY_CHOICES,
    Activity,
    BookingSettings,
    Closure,
    DeadlineKind,
)
from ribambelle.families.forms import DateInput
from ribambelle.families.models import Child
from ribambelle.tenants.models import Department, Municipality

MAX_PERIOD_DAYS = 400
RULE_PREFIXES = ("book", "cancel")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class _FirstOptionId:
    """Choice groups whose id points at their first option, so that the error summary links to
    the group (Django returns no id for them)."""

    def id_for_label(self, id_, index="0"):
        return f"{id_}_{index}" if id_ else id_


class CheckboxGroup(_FirstOptionId, forms.CheckboxSelectMultiple):
    pass


class RadioGroup(_FirstOptionId, forms.RadioSelect):
    pass


class ChildChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Child) -> str:
        details = ", ".join(part for part in (obj.school_class, obj.school) if part)
        name = f"{obj.last_name.upper()} {obj.first_name}"
        return f"{name} ({details})" if details else name


class ActivityForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        label=_("Jours proposés"),
        choices=[(str(index), label) for index, label in WEEKDAY_CHOICES],
        widget=CheckboxGroup,
        error_messages={"required": _("Cochez au moins un jour de la semaine.")},
    )
    enrolled = ChildChoiceField(
        label=_("Enfants inscrits"),
        queryset=Child.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Pris en compte seulement pour une activité sur inscription. Maintenez Ctrl (ou Cmd) "
            "pour en choisir plusieurs."
        ),
        error_messages={"invalid_choice": _("Choisissez des enfants de votre collectivité.")},
    )

    class Meta:
        model = Activity
        fields = [
            "department",
            "name",
            "unit",
            "weekdays",
            "starts_on",
            "ends_on",
            "capacity",
            "schools",
            "classes",
            "min_age",
            "max_age",
            "enrolment_only",
            "enrolled",
            "book_kind",
            "book_days",
            "book_working_days",
            "book_weekday",
            "book_time",
            "cancel_kind",
            "cancel_days",
            "cancel_working_days",
            "cancel_weekday",
            "cancel_time",
            "position",
            "is_active",
        ]
        labels = {
            "name": _("Nom de l'activité"),
            "book_kind": _("Type de règle"),
            "cancel_kind": _("Type de règle"),
            "book_days": _("Nombre de jours avant le jour réservé"),
            "cancel_days": _("Nombre de jours avant le jour réservé"),
            "book_weekday": _("Jour de la semaine précédente"),
            "cancel_weekday": _("Jour de la semaine précédente"),
            "book_time": _("Heure limite (heure de Paris)"),
            "cancel_time": _("Heure limite (heure de Paris)"),
        }
        help_texts = {
            "weekdays": "",
            "position": _("Les activités s'affichent dans l'ordre croissant de ce nombre."),
        }
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "schools": forms.Textarea(attrs={"rows": 3}),
            "classes": forms.Textarea(attrs={"rows": 3}),
            "book_kind": RadioGroup,
            "cancel_kind": RadioGroup,
            "book_time": TimeInput(),
            "cancel_time": TimeInput(),
        }
        error_messages = {
            "department": {"invalid_choice": _("Choisissez un service de votre collectivité.")},
        }

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = Department.objects.for_municipality(municipality).order_by("name")
        department.empty_label = _("Choisissez un service")
        enrolled = cast(forms.ModelMultipleChoiceField, self.fields["enrolled"])
        enrolled.queryset = Child.objects.for_municipality(municipality).order_by(
            "last_name", "first_name", "pk"
        )
        cast(forms.ChoiceField, self.fields["unit"]).choices = [
            (value, capfirst(label)) for value, label in Activity.Unit.choices
        ]
        kinds = [(value, capfirst(label)) for value, label in DeadlineKind.choices]
        for prefix in RULE_PREFIXES:
            cast(forms.ChoiceField, self.fields[f"{prefix}_kind"]).choices = kinds
        # A new activity starts with no day ticked: the manager chooses them.
        if not self.is_bound:
            self.initial["weekdays"] = list(self.instance.weekdays) if self.instance.pk else []

    def rule_fields(self, prefix: str) -> dict:
        """The bound fields of one deadline rule, for the template's fieldset."""
        names = ("kind", "days", "working_days", "weekday", "time")
        return {name: self[f"{prefix}_{name}"] for name in names}

    @property
    def booking_rule_fields(self) -> dict:
        return self.rule_fields("book")

    @property
    def cancel_rule_fields(self) -> dict:
        return self.rule_fields("cancel")

    def clean_weekdays(self) -> str:
        return "".join(sorted(set(self.cleaned_data["weekdays"])))

    def clean_enrolled(self):
        """Only an enrolment-only activity uses the list: otherwise the stored one is kept as
        it was, whatever was posted."""
        if not self.cleaned_data.get("enrolment_only"):
            if self.instance.pk:
                return self.instance.enrolled.all()
            return Child.objects.none()
        return self.cleaned_data["enrolled"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on:
            if ends_on < starts_on:
                self.add_error(
                    "ends_on", _("Le dernier jour doit être le premier jour ou une date après.")
                )
            elif (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "ends_on",
                    _(
                        "La période ne peut pas dépasser %(days)s jours : créez une activité par "
                        "année scolaire."
                    )
                    % {"days": MAX_PERIOD_DAYS},
                )
        min_age, max_age = data.get("min_age"), data.get("max_age")
        if min_age is not None and max_age is not None and min_age > max_age:
            self.add_error("max_age", _("L'âge maximum doit être au moins égal à l'âge minimum."))
        return data


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["label", "department", "starts_on", "ends_on"]
        labels = {"starts_on": _("Premier jour fermé"), "ends_on": _("Dernier jour fermé")}
        help_texts = {"label": _("Par exemple : vacances de Noël, grève, formation.")}
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        error_messages = {
            "department": {"invalid_choice": _("Choisissez un service de votre collectivité.")},
        }

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = Department.objects.for_municipality(municipality).order_by("name")
        department.empty_label = _("Tous les services")
        department.help_text = ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error(
                "ends_on", _("Le dernier jour doit être le premier jour ou une date après.")
            )
        return data


class BookingSettingsForm(forms.ModelForm):
    class Meta:
        model = BookingSettings
        fields = ["reminders_enabled", "reminder_hours"]
