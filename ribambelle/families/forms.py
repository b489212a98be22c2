from django import forms
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from ribambelle.families.categories import Category
from ribambelle.families.models import AuthorizedPerson


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class YesNoUnknown(forms.Select):
    def __init__(self, attrs=None):
        choices = [("unknown", _("Je ne sais pas")), ("true", _("Oui")), ("false", _("Non"))]
        super().__init__(attrs, choices)

    def format_value(self, value):
        return {True: "true", False: "false", "True": "true", "False": "false"}.get(
            value, "unknown"
        )

    def value_from_datadict(self, data, files, name):
        return {"true": True, "false": False, True: True, False: False}.get(data.get(name))


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


def category_form_class(model, category: Category) -> type[forms.ModelForm]:
    widgets = {}
    for name in category.fields:
        field = model._meta.get_field(name)
        attrs = {"autocomplete": AUTOCOMPLETE.get(name, "off")}
        if field.get_internal_type() == "DateField":
            widgets[name] = DateInput(attrs)
        elif field.get_internal_type() == "BooleanField" and field.null:
            widgets[name] = YesNoUnknown(attrs)
        elif field.get_internal_type() == "TextField":
            widgets[name] = forms.Textarea(attrs={**attrs, "rows": 3})
        elif name.endswith("phone"):
            widgets[name] = forms.TextInput(attrs={**attrs, "type": "tel", "inputmode": "tel"})
        elif name == "email":
            widgets[name] = forms.EmailInput(attrs=attrs)
        else:
            widgets[name] = forms.TextInput(attrs=attrs) if not field.choices else None
    widgets = {name: widget for name, widget in widgets.items() if widget is not None}
    return modelform_factory(model, fields=category.fields, widgets=widgets)


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
                initial={True: "true", False: "false"}.get(answers.get(consent.pk)),
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

    def clean(self):
        data = super().clean()
        if not data.get("can_pick_up") and not data.get("emergency_contact"):
            raise forms.ValidationError(
                _(
                    "Cochez au moins une case : cette personne peut venir chercher l'enfant, "
                    "ou doit être appelée en cas d'urgence."
                )
            )
        return data
