"""The staff's refund of a household's credit by transfer to its mandate's account."""

from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.forms_staff import MoneyField
from ribambelle.billing.models import BillingOffice
from ribambelle.debits.returns import selectors as return_selectors
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality


class RefundTransferForm(forms.Form):
    household = forms.ModelChoiceField(
        label=_("Foyer"),
        queryset=Household.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Ce foyer n'existe pas.")},
    )
    office = forms.ModelChoiceField(
        label=_("Régie"),
        queryset=BillingOffice.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez une régie de la liste.")},
    )
    amount = MoneyField(
        label=_("Montant à rembourser (€)"),
        min_value=Decimal("0.01"),
        error_messages={
            "invalid": _("Saisissez un montant, par exemple 2,50."),
            "min_value": _("Le montant doit être d'au moins 0,01 €."),
            "required": _("Saisissez le montant à rembourser."),
        },
    )

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["household"]
        ).queryset = Household.objects.for_municipality(municipality)
        cast(
            forms.ModelChoiceField, self.fields["office"]
        ).queryset = return_selectors.creditor_offices(municipality)


class RefundFileForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Régie"),
        queryset=BillingOffice.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez une régie de la liste.")},
    )

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["office"]
        ).queryset = return_selectors.creditor_offices(municipality)
