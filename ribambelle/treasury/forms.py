"""Forms of the treasury pages: what to send to the treasury, and the acknowledgement file."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import selectors as billing_selectors
from ribambelle.billing.models import BillingOffice, InvoiceRun
from ribambelle.tenants.models import Municipality
from ribambelle.treasury import selectors
from ribambelle.treasury.models import PesExport

MAX_ACQUIT_SIZE = 5 * 1024 * 1024


class ExportForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Régie"), queryset=BillingOffice.objects.none(), empty_label=None
    )
    source = forms.ChoiceField(
        label=_("Factures à transmettre"),
        choices=PesExport.Source.choices,
        widget=forms.RadioSelect,
        initial=PesExport.Source.RUN,
    )
    run = forms.ModelChoiceField(
        label=_("Facturation émise"),
        queryset=InvoiceRun.objects.none(),
        required=False,
        empty_label=_("Choisir une facturation"),
    )

    def __init__(self, municipality: Municipality, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        office: Any = self.fields["office"]
        office.queryset = billing_selectors.offices_of(municipality)
        run: Any = self.fields["run"]
        run.queryset = selectors.issued_runs(municipality)
        run.label_from_instance = lambda found: f"{found.office.name} · {found}"

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        office, run = cleaned.get("office"), cleaned.get("run")
        if cleaned.get("source") == PesExport.Source.RUN:
            if run is None:
                self.add_error("run", _("Choisissez la facturation à transmettre."))
            elif office is not None and run.office_id != office.pk:
                self.add_error("run", _("Cette facturation est celle d'une autre régie."))
        else:
            cleaned["run"] = None
        return cleaned


class AcquitForm(forms.Form):
    file = forms.FileField(label=_("Fichier d'acquittement (PES_Acquit, XML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ACQUIT_SIZE:
            raise forms.ValidationError(_("Ce fichier est trop gros (5 Mo au plus)."))
        return upload.read()
