from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.forms import modelform_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ribambelle.families.categories import Category
from ribambelle.families.models import AuthorizedPerson, Child, phone_validator
from ribambelle.families.services.records import PersonValues


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ChoiceRadios(forms.RadioSelect):
    """Radio buttons whose label target is the first option, so that the error summary's link
    reaches the group (Django gives choice groups no id of their own)."""

    def id_for_label(self, id_, index="0"):
        return f"{id_}_{index}" if id_ else id_


class YesNoField(forms.TypedChoiceField):
    """A yes/no question as radio buttons; "Non renseigné" is offered only where the record may
    stay unanswered. Posted values are "true", "false" and "" (unanswered); anything else is
    refused rather than read as yes."""

    def __init__(self, *, nullable: bool, **kwargs):
        choices = [("true", _("Oui")), ("false", _("Non"))]
        if nullable:
            choices.insert(0, ("", _("Non renseigné")))
        answer = _("Répondez par oui ou par non.")
        kwargs["error_messages"] = {
            "required": answer,
            "invalid_choice": answer,
            **kwargs.get("error_messages", {}),
        }
        super().__init__(
            choices=choices,
            coerce=lambda value: value == "true",
            empty_value=None,
            required=not nullable,
            widget=ChoiceRadios,
            **kwargs,
        )

    def prepare_value(self, value):
        return {True: "true", False: "false", None: ""}.get(value, value)


AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "email": "email",
    "mobile_phone": "tel",
    "other_phone": "tel",
    "work_phone": "tel",
    "address": "address-line1",
    "postal_code": "postal-code",
    "city": "address-level2",
    "birth_date": "bday",
    "employer": "organization",
    "profession": "organization-title",
}


def _is_phone(model_field) -> bool:
    return phone_validator in model_field.validators


def _category_formfield(model_field, autocomplete: bool):
    """The form field of one record field: one control per kind of value, chosen here for every
    kind a category holds. An unforeseen kind is an error, not a silent text box."""
    name = model_field.name
    attrs = {"autocomplete": AUTOCOMPLETE.get(name, "off") if autocomplete else "off"}
    label = capfirst(model_field.verbose_name)
    kind = model_field.get_internal_type()
    if kind == "BooleanField":
        return YesNoField(nullable=model_field.null, label=label)
    if model_field.choices:
        choices = list(model_field.choices)
        if model_field.blank:
            choices.insert(0, ("", _("Non renseigné")))
        return forms.TypedChoiceField(
            label=label,
            choices=choices,
            coerce=model_field.to_python,
            empty_value="",
            required=not model_field.blank,
            initial=model_field.get_default() if model_field.has_default() else None,
            widget=ChoiceRadios,
        )
    if kind == "DateField":
        return model_field.formfield(widget=DateInput(attrs))
    if kind == "DecimalField":
        # French decimals ("812,50") are shown and accepted, as well as "812.50".
        return model_field.formfield(
            localize=True, widget=forms.TextInput(attrs={**attrs, "inputmode": "decimal"})
        )
    if kind == "TextField":
        return model_field.formfield(widget=forms.Textarea(attrs={**attrs, "rows": 3}))
    if isinstance(model_field, models.EmailField):
        return model_field.formfield(widget=forms.EmailInput(attrs=attrs))
    if kind == "CharField" and _is_phone(model_field):
        return model_field.formfield(
            widget=forms.TextInput(attrs={**attrs, "type": "tel", "inputmode": "tel"})
        )
    if kind == "CharField":
        return model_field.formfield(widget=forms.TextInput(attrs=attrs))
    raise ImproperlyConfigured(f"No control for {model_field!r} ({kind}) in a record category.")


def category_form_class(model, category: Category) -> type[forms.ModelForm]:
    # A child's details are not the signed-in parent's: the browser must not offer the
    # parent's own name or birthday for them.
    autocomplete = model is not Child

    def formfield(model_field, **kwargs):
        return _category_formfield(model_field, autocomplete)

    return modelform_factory(model, fields=category.fields, formfield_callback=formfield)


class ConsentsForm(forms.Form):
    """One yes/no question per consent the municipality defines."""

    def __init__(self, consents, answers: dict[int, bool], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consents = list(consents)
        for consent in self.consents:
            self.fields[f"consent_{consent.pk}"] = forms.TypedChoiceField(
                label=consent.label,
                help_text=consent.description,
                choices=[("true", _("Oui, j'autorise")), ("false", _("Non, je n'autorise pas"))],
                coerce=lambda value: value == "true",
                widget=forms.RadioSelect,
                required=False,
                initial={True: "true", False: "false", None: None}[answers.get(consent.pk)],
            )

    def answers(self) -> dict[int, bool]:
        return {
            consent.pk: self.cleaned_data[f"consent_{consent.pk}"]
            for consent in self.consents
            if self.cleaned_data.get(f"consent_{consent.pk}") in (True, False)
            and self.data.get(f"consent_{consent.pk}") in ("true", "false")
        }


class AuthorizedPersonForm(forms.ModelForm):
    class Meta:
        model = AuthorizedPerson
        fields = [
            "first_name",
            "last_name",
            "phone",
            "relationship",
            "can_pick_up",
            "emergency_contact",
        ]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
        }

    def values(self) -> PersonValues:
        return PersonValues(**{name: self.cleaned_data[name] for name in self.Meta.fields})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("can_pick_up") and not data.get("emergency_contact"):
            raise forms.ValidationError(
                _(
                    "Cochez au moins une case : cette personne peut venir chercher l'enfant, "
                    "ou doit être appelée en cas d'urgence."
                )
            )
        return data
