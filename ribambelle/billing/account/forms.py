"""The staff's record of a refund of the family's credit."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.forms_staff import MoneyField
from ribambelle.billing.models import Payment
from ribambelle.families.forms import DateInput

REFUND_METHODS = [
    (Payment.Method.TRANSFER.value, Payment.Method.TRANSFER.label),
    (Payment.Method.CHEQUE.value, Payment.Method.CHEQUE.label),
    (Payment.Method.CASH.value, Payment.Method.CASH.label),
]


class RefundForm(forms.Form):
    amount = MoneyField(
        label=_("Montant remboursé (€)"),
        min_value=Decimal("0.01"),
        error_messages={
            "invalid": _("Saisissez un montant, par exemple 2,50."),
            "min_value": _("Le montant doit être d'au moins 0,01 €."),
        },
    )
    method = forms.ChoiceField(label=_("Remboursé par"), choices=REFUND_METHODS)
    refunded_on = forms.DateField(label=_("Le"), widget=DateInput)
    reference = forms.CharField(
        label=_("Référence"),
        max_length=250,
        required=False,
        help_text=_("Numéro du virement, du chèque, du mandat de paiement…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("refunded_on", timezone.localdate())


class FeePaymentForm(forms.Form):
    """Fees the family paid at the office (a returned debit's fee), at most what it owes."""

    amount = MoneyField(
        label=_("Montant reçu (€)"),
        min_value=Decimal("0.01"),
        error_messages={
            "invalid": _("Saisissez un montant, par exemple 2,50."),
            "min_value": _("Le montant doit être d'au moins 0,01 €."),
        },
    )
    method = forms.ChoiceField(label=_("Réglé par"), choices=REFUND_METHODS)
    received_on = forms.DateField(label=_("Le"), widget=DateInput)
    reference = forms.CharField(
        label=_("Référence"),
        max_length=250,
        required=False,
        help_text=_("Numéro du chèque, du reçu, du virement…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
