from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice
from ribambelle.debits.collections import sepa
from ribambelle.tenants.models import Municipality

SCHEMES = [
    (sepa.PAIN_008_001_02, _("pain.008.001.02 (accepté par toutes les banques françaises)")),
    (sepa.PAIN_008_001_08, _("pain.008.001.08 (format ISO 20022 de 2019)")),
]


class GenerateForm(forms.Form):
    """The collection file of an office for a date (hidden fields of each upcoming row)."""

    office = forms.ModelChoiceField(queryset=BillingOffice.objects.none(), label=_("Régie"))
    collection_on = forms.DateField(label=_("Date de prélèvement"))
    scheme = forms.ChoiceField(
        label=_("Format du fichier"), choices=SCHEMES, initial=sepa.PAIN_008_001_02
    )

    def __init__(self, municipality: Municipality, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        office = self.fields["office"]
        assert isinstance(office, forms.ModelChoiceField)
        office.queryset = BillingOffice.objects.for_municipality(municipality)
