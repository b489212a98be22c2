"""The staff's forms for returned debits: a bank file to import, or one return typed by hand."""

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice
from ribambelle.debits.models import Debit
from ribambelle.debits.returns import selectors
from ribambelle.debits.returns.reasons import reason_choices
from ribambelle.families.forms import DateInput
from ribambelle.tenants.models import Municipality


class ReturnFileForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Régie"),
        queryset=BillingOffice.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez une régie de la liste.")},
    )
    file = forms.FileField(
        label=_("Fichier de la banque"),
        help_text=_("Avis camt.054 ou compte rendu pain.002 (XML), 10 Mo au plus."),
        error_messages={"required": _("Choisissez le fichier reçu de la banque.")},
    )

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = selectors.creditor_offices(
            municipality
        )


class DebitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Debit) -> str:
        amount = number_format(obj.amount_cents / 100, 2)
        return _("%(household)s, facture %(number)s, %(amount)s €, prélevée le %(day)s") % {
            "household": obj.invoice.household.name,
            "number": obj.invoice.number,
            "amount": amount,
            "day": obj.collection_on.strftime("%d/%m/%Y"),
        }


class ManualReturnForm(forms.Form):
    debit = DebitChoiceField(
        label=_("Prélèvement rejeté"),
        queryset=Debit.objects.none(),
        error_messages={
            "required": _("Choisissez le prélèvement rejeté."),
            "invalid_choice": _(
                "Ce prélèvement n'est pas en cours : choisissez-en un de la liste."
            ),
        },
    )
    reason_code = forms.ChoiceField(label=_("Motif du rejet"), choices=reason_choices)
    returned_on = forms.DateField(label=_("Date du rejet"), widget=DateInput)

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["debit"]).queryset = selectors.sent_debits(
            municipality
        )
        if not self.is_bound:
            self.initial.setdefault("returned_on", timezone.localdate())
