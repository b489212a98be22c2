"""Staff forms for billing: billing offices, tariffs with their brackets, the monthly run, manual
payments and credit notes. Amounts accept a comma ("2,50"), as people type them in France."""

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import rules
from ribambelle.billing.models import ZERO, BillingOffice, Payment, Tariff
from ribambelle.billing.services import OfficeValues
from ribambelle.bookings.forms_config import CheckboxGroup, RadioGroup
from ribambelle.families.forms import DateInput
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.selectors import departments_of

MAX_BRACKETS = 12


class MoneyField(forms.DecimalField):
    """Euros with a comma or a dot, spaces allowed: "1 234,50"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", ZERO)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.setdefault(
            "error_messages", {"invalid": _("Saisissez un montant, par exemple 2,50.")}
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
            value = value.replace("€", "").replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value


class OfficeForm(forms.ModelForm):
    """The office, and how families pay it online. Secrets are never shown again: a blank
    secret keeps the one already saved."""

    # Longer than the 14 digits, so that "213 800 000 00012" as printed is accepted.
    siret = forms.CharField(
        label=_("SIRET de la collectivité"),
        required=False,
        max_length=20,
        help_text=BillingOffice._meta.get_field("siret").help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    payfip_numcli = forms.CharField(
        label=_("Numéro client PayFiP"),
        required=False,
        max_length=6,
        help_text=_("Six chiffres, donnés par la DGFiP."),
    )
    payfip_saisie = forms.ChoiceField(
        label=_("Mode PayFiP"),
        required=False,
        choices=[
            ("T", _("test")),
            ("X", _("activation")),
            ("W", _("production")),
        ],
        initial="T",
    )
    payzen_site_id = forms.CharField(
        label=_("Identifiant de boutique Payzen / Systempay"), required=False, max_length=8
    )
    payzen_ctx_mode = forms.ChoiceField(
        label=_("Mode Payzen / Systempay"),
        required=False,
        choices=[("TEST", _("test")), ("PRODUCTION", _("production"))],
        initial="TEST",
    )
    payzen_service_url = forms.URLField(
        label=_("Adresse de la page de paiement"),
        required=False,
        assume_scheme="https",
        help_text=_("Pour Systempay seulement ; vide : Payzen."),
    )
    payzen_secret_test = forms.CharField(
        label=_("Clé de test"), required=False, widget=forms.PasswordInput(render_value=False)
    )
    payzen_secret_production = forms.CharField(
        label=_("Clé de production"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )

    # The provider's settings as clean() assembles them from the fields below.
    provider_options: dict[str, Any]

    class Meta:
        model = BillingOffice
        fields = ["name", "siret", "departments", "due_days", "payment_instructions", "provider"]
        widgets = {
            "departments": CheckboxGroup,
            "payment_instructions": forms.Textarea(attrs={"rows": 4}),
            "provider": RadioGroup,
        }

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        cast(forms.ModelMultipleChoiceField, self.fields["departments"]).queryset = departments_of(
            municipality
        )
        self.fields["departments"].error_messages["invalid_choice"] = _("Ce service n'existe pas.")
        self.fields["departments"].error_messages["required"] = _("Cochez au moins un service.")
        options = self.instance.provider_options or {}
        if not self.is_bound:
            self.initial.update(
                {
                    "payfip_numcli": options.get("numcli", ""),
                    "payfip_saisie": options.get("saisie", "T"),
                    "payzen_site_id": options.get("vads_site_id", ""),
                    "payzen_ctx_mode": options.get("vads_ctx_mode", "TEST"),
                    "payzen_service_url": options.get("service_url", ""),
                }
            )
        for name, key in (
            ("payzen_secret_test", "secret_test"),
            ("payzen_secret_production", "secret_production"),
        ):
            if options.get(key):
                self.fields[name].help_text = _(
                    "Une clé est enregistrée ; laissez vide pour la garder."
                )

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split()).replace(".", "")
        if siret and not rules.siret_is_valid(siret):
            raise ValidationError(
                _(
                    "Ce numéro SIRET n'est pas valable : il compte 14 chiffres et le dernier "
                    "est une clé de contrôle. Recopiez-le depuis l'avis de situation INSEE."
                )
            )
        return siret

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = BillingOffice.objects.for_municipality(self.municipality).filter(name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Une régie porte déjà ce nom."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        provider = cleaned.get("provider")
        saved = self.instance.provider_options or {}
        # Our own switches (the demo bank for a test municipality) are kept as they are.
        options = {key: value for key, value in saved.items() if key == "demo_enabled"}
        if provider == BillingOffice.Provider.PAYFIP:
            numcli = (cleaned.get("payfip_numcli") or "").strip()
            if not (numcli.isdigit() and len(numcli) == 6):
                self.add_error("payfip_numcli", _("Le numéro client PayFiP a six chiffres."))
            options.update(numcli=numcli, saisie=cleaned.get("payfip_saisie") or "T")
        elif provider == BillingOffice.Provider.PAYZEN:
            site_id = (cleaned.get("payzen_site_id") or "").strip()
            if not (site_id.isdigit() and len(site_id) == 8):
                self.add_error("payzen_site_id", _("L'identifiant de boutique a huit chiffres."))
            mode = cleaned.get("payzen_ctx_mode") or "TEST"
            options.update(vads_site_id=site_id, vads_ctx_mode=mode, signature_algo="hmac_sha256")
            if cleaned.get("payzen_service_url"):
                options["service_url"] = cleaned["payzen_service_url"]
            for name, key in (
                ("payzen_secret_test", "secret_test"),
                ("payzen_secret_production", "secret_production"),
            ):
                typed = (cleaned.get(name) or "").strip()
                if typed or saved.get(key):
                    options[key] = typed or saved[key]
            needed = "secret_test" if mode == "TEST" else "secret_production"
            if not options.get(needed):
                field = "payzen_secret_test" if mode == "TEST" else "payzen_secret_production"
                self.add_error(field, _("Indiquez la clé de ce mode."))
        self.provider_options = options
        return cleaned

    def values(self) -> OfficeValues:
        """The checked office for billing_office_save, once the form is valid."""
        data = self.cleaned_data
        return OfficeValues(
            name=data["name"],
            departments=list(data["departments"]),
            siret=data["siret"],
            due_days=data["due_days"],
            payment_instructions=data["payment_instructions"],
            provider=data["provider"],
            provider_options=self.provider_options,
        )


class TariffForm(forms.ModelForm):
    default_price = MoneyField(
        label=_("Prix par défaut (€)"),
        help_text=_("Quand le quotient familial n'est pas connu ou dépasse toutes les tranches."),
    )
    surcharge_price = MoneyField(
        label=_("Prix majoré (€)"),
        required=False,
        help_text=Tariff._meta.get_field("surcharge_price").help_text,
    )

    class Meta:
        model = Tariff
        fields = ["basis", "default_price", "surcharge_price"]
        widgets = {"basis": RadioGroup}
        labels = {"basis": _("Ce qui est facturé")}


class BracketForm(forms.Form):
    up_to = MoneyField(
        label=_("Quotient familial inférieur à"),
        required=False,
        help_text=_("Vide pour la dernière tranche : sans plafond."),
    )
    price = MoneyField(label=_("Prix unitaire (€)"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        missing = cleaned.get("up_to") is not None and cleaned.get("price") is None
        if missing and "price" not in self.errors:
            self.add_error("price", _("Indiquez le prix de cette tranche."))
        return cleaned


class BaseBracketFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        bounds = []
        for form in self.forms:
            if form.cleaned_data.get("price") is None:
                continue
            bounds.append(form.cleaned_data.get("up_to"))
        if None in bounds[:-1]:
            raise ValidationError(_("Seule la dernière tranche peut être sans plafond."))
        limited = [bound for bound in bounds if bound is not None]
        if len(set(limited)) != len(limited):
            raise ValidationError(_("Deux tranches ont le même plafond."))
        if limited != sorted(limited):
            raise ValidationError(_("Les plafonds doivent aller en croissant."))

    def brackets(self) -> list[tuple[Decimal | None, Decimal]]:
        return [
            (form.cleaned_data.get("up_to"), form.cleaned_data["price"])
            for form in self.forms
            if form.cleaned_data.get("price") is not None
        ]


BracketFormSet = forms.formset_factory(
    BracketForm, formset=BaseBracketFormSet, extra=2, max_num=MAX_BRACKETS, validate_max=True
)


def bracket_formset(
    data: QueryDict | None, brackets: list[tuple[Decimal | None, Decimal]]
) -> BaseBracketFormSet:
    """The brackets' rows, filled with the tariff's current ones."""
    initial = [{"up_to": up_to, "price": price} for up_to, price in brackets]
    return cast(BaseBracketFormSet, BracketFormSet(data, initial=initial, prefix="tranches"))


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class RunForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Régie"),
        queryset=BillingOffice.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Cette régie n'existe pas.")},
    )
    month = forms.DateField(
        label=_("Mois"),
        input_formats=["%Y-%m"],
        widget=MonthInput,
        error_messages={"invalid": _("Choisissez un mois, par exemple 2026-11.")},
    )

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        office = cast(forms.ModelChoiceField, self.fields["office"])
        office.queryset = BillingOffice.objects.for_municipality(municipality)
        if not self.is_bound:
            self.initial.setdefault("month", timezone.localdate().replace(day=1))


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Montant (€)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=_("Moyen de paiement"),
        choices=[(v, label) for v, label in Payment.Method.choices if v != Payment.Method.ONLINE],
    )
    received_on = forms.DateField(label=_("Reçu le"), widget=DateInput)
    reference = forms.CharField(
        label=_("Référence"),
        max_length=100,
        required=False,
        help_text=_("Numéro du chèque, de la remise, du virement…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())


class CreditNoteForm(forms.Form):
    amount = MoneyField(label=_("Montant de l'avoir (€)"), min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Motif"), max_length=250)


class PeriodForm(forms.Form):
    du = forms.DateField(label=_("Du"), widget=DateInput)
    au = forms.DateField(label=_("Au"), widget=DateInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("du"), cleaned.get("au")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise ValidationError(_("La fin de la période est avant son début."))
        return cleaned
