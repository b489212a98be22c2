"""Staff form of the tax certificates' settings."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.certificates import selectors
from ribambelle.billing.certificates.models import CertificateSettings
from ribambelle.billing.certificates.services import SettingsValues
from ribambelle.bookings.forms_config import CheckboxGroup
from ribambelle.tenants.models import Municipality


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CertificateSettings
        fields = ["activities", "age_limit", "signatory_name", "signatory_title"]
        widgets = {
            "activities": CheckboxGroup,
            "age_limit": forms.TextInput(attrs={"inputmode": "numeric", "size": 3}),
        }
        error_messages = {
            "age_limit": {
                "required": _("Indiquez l'âge limite, en années (6 pour le crédit d'impôt)."),
                "invalid": _("Saisissez un nombre d'années, par exemple 6."),
                "min_value": _("L'âge limite est d'au moins un an."),
                "max_value": _("L'âge limite est d'au plus 18 ans."),
            }
        }

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["activities"])
        field.queryset = selectors.activities_of(municipality)
        field.label_from_instance = lambda activity: (  # type: ignore[assignment]
            f"{activity.name} ({activity.department.name}, "
            f"{activity.starts_on:%d/%m/%Y} – {activity.ends_on:%d/%m/%Y})"
        )
        field.error_messages["invalid_choice"] = _("Cette activité n'existe pas.")

    def values(self) -> SettingsValues:
        data = self.cleaned_data
        return SettingsValues(
            activities=list(data["activities"]),
            age_limit=data["age_limit"],
            signatory_name=data["signatory_name"].strip(),
            signatory_title=data["signatory_title"].strip(),
        )
