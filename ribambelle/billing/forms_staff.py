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
from ribambelle.billing.payments import config as payment_config
from ribambelle.billing.services import OfficeValues
from ribambelle.bookings.forms_config import CheckboxGroup, RadioGroup
from ribambelle.families.forms import DateInput
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.selectors import departments_of

MAX_BRACKETS = 12
PAYFIP_MODES = [("T", _("test")), ("X", _("activation")), ("W", _("production"))]
PAYZEN_MODES = [("TEST", _("test")), ("PRODUCTION", _("production"))]
# (form field, option, removal checkbox) of each Payzen / Systempay key.
PAYZEN_KEYS = (
    ("payzen_secret_test", "secret_test", "payzen_remove_test"),
    ("payzen_secret_production", "secret_production", "payzen_remove_production"),
)
# (form field, option, removal checkbox, mode) of each password of Payzen's REST API: optional,
# it lets Ribambelle ask Payzen where a payment stands when its notification is late.
PAYZEN_REST_PASSWORDS = (
    ("payzen_rest_test", "secret_rest_test", "payzen_rest_remove_test", "test"),
    (
        "payzen_rest_production",
        "secret_rest_production",
        "payzen_rest_remove_production",
        "production",
    ),
)


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
        choices=PAYFIP_MODES,
        initial="W",
        error_messages={"invalid_choice": _("Choisissez le mode activation ou production.")},
    )
    payzen_site_id = forms.CharField(
        label=_("Identifiant de boutique Payzen / Systempay"), required=False, max_length=8
    )
    payzen_ctx_mode = forms.ChoiceField(
        label=_("Mode Payzen / Systempay"),
        required=False,
        choices=PAYZEN_MODES,
        initial="PRODUCTION",
        error_messages={"invalid_choice": _("Seule une collectivité de test a un mode test.")},
    )
    payzen_service_url = forms.ChoiceField(
        label=_("Plateforme de paiement"),
        required=False,
        choices=[
            ("", _("Payzen (secure.payzen.eu)")),
            (payment_config.SYSTEMPAY_URL, _("Systempay (paiement.systempay.fr)")),
        ],
        error_messages={
            "invalid_choice": _(
                "Cette adresse n'est pas celle d'une page de paiement Payzen ou Systempay : "
                "choisissez la plateforme dans la liste."
            )
        },
    )
    payzen_secret_test = forms.CharField(
        label=_("Clé de test"),
        required=False,
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
    )
    payzen_secret_production = forms.CharField(
        label=_("Clé de production"),
        required=False,
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
    )
    payzen_remove_test = forms.BooleanField(label=_("Supprimer la clé de test"), required=False)
    payzen_remove_production = forms.BooleanField(
        label=_("Supprimer la clé de production"), required=False
    )
    payzen_rest_test = forms.CharField(
        label=_("Mot de passe de test de l'API REST (facultatif)"),
        required=False,
        max_length=150,
        widget=forms.PasswordInput(render_value=False),
    )
    payzen_rest_production = forms.CharField(
        label=_("Mot de passe de production de l'API REST (facultatif)"),
        required=False,
        max_length=150,
        widget=forms.PasswordInput(render_value=False),
    )
    payzen_rest_remove_test = forms.BooleanField(
        label=_("Supprimer le mot de passe de test de l'API REST"), required=False
    )
    payzen_rest_remove_production = forms.BooleanField(
        label=_("Supprimer le mot de passe de production de l'API REST"), required=False
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
        self._payment_fields_init()

    def _payment_fields_init(self) -> None:
        """Production by default; the test modes (and the test key) only for a test
        municipality's office."""
        options = self.instance.provider_options or {}
        self.test_allowed = payment_config.test_mode_allowed(self.instance)
        if not self.test_allowed:
            for name, modes, test in (
                ("payfip_saisie", PAYFIP_MODES, "T"),
                ("payzen_ctx_mode", PAYZEN_MODES, "TEST"),
            ):
                field = cast(forms.ChoiceField, self.fields[name])
                field.choices = [choice for choice in modes if choice[0] != test]
        # Left in a test mode by a test municipality gone live: it takes no payment until
        # production is chosen, which the form proposes (never "activation" by default).
        self.test_mode_left = not self.test_allowed and payment_config.office_test_mode(
            self.instance.provider, options
        )
        if not self.is_bound:
            url = options.get("service_url", "")
            saisie, ctx_mode = options.get("saisie", "W"), options.get("vads_ctx_mode")
            if not self.test_allowed:
                saisie = "W" if saisie == "T" else saisie
                ctx_mode = "PRODUCTION"
            self.initial.update(
                {
                    "payfip_numcli": options.get("numcli", ""),
                    "payfip_saisie": saisie,
                    "payzen_site_id": options.get("vads_site_id", ""),
                    "payzen_ctx_mode": ctx_mode or "PRODUCTION",
                    "payzen_service_url": "" if url == payment_config.PAYZEN_URL else url,
                }
            )
        for name, key, _remove in PAYZEN_KEYS:
            if options.get(key):
                self.fields[name].help_text = _(
                    "Une clé est enregistrée ; laissez vide pour la garder."
                )
        for name, key, _remove, _mode in PAYZEN_REST_PASSWORDS:
            if options.get(key):
                self.fields[name].help_text = _(
                    "Un mot de passe est enregistré ; laissez vide pour le garder."
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
            options.update(numcli=numcli, saisie=cleaned.get("payfip_saisie") or "W")
        elif provider == BillingOffice.Provider.PAYZEN:
            options.update(self._payzen_options(saved))
        self.provider_options = options
        return cleaned

    def _payzen_options(self, saved: dict[str, Any]) -> dict[str, Any]:
        """Shop, mode, platform and keys. A typed key replaces the saved one, a ticked box
        removes it, a blank keeps it; the test key is kept only where a test mode is allowed
        (in production it is never used)."""
        cleaned = self.cleaned_data
        site_id = (cleaned.get("payzen_site_id") or "").strip()
        if not (site_id.isdigit() and len(site_id) == 8):
            self.add_error("payzen_site_id", _("L'identifiant de boutique a huit chiffres."))
        mode = cleaned.get("payzen_ctx_mode") or "PRODUCTION"
        options: dict[str, Any] = {
            "vads_site_id": site_id,
            "vads_ctx_mode": mode,
            "signature_algo": "hmac_sha256",
        }
        if cleaned.get("payzen_service_url"):
            options["service_url"] = cleaned["payzen_service_url"]
        for name, key, remove in PAYZEN_KEYS:
            typed = (cleaned.get(name) or "").strip()
            if key == "secret_test" and not self.test_allowed:
                continue
            if typed and not payment_config.payzen_key_valid(typed):
                self.add_error(
                    name,
                    _(
                        "Une clé Payzen / Systempay compte au moins 16 lettres et chiffres, "
                        "sans espace ni autre signe : recopiez-la depuis l'outil de gestion "
                        "de la boutique."
                    ),
                )
            elif typed:
                options[key] = typed
            elif saved.get(key) and not cleaned.get(remove):
                options[key] = saved[key]
        needed = "secret_test" if mode == "TEST" else "secret_production"
        if not options.get(needed) and not self.errors.get(f"payzen_{needed}"):
            self.add_error(f"payzen_{needed}", _("Indiquez la clé de ce mode."))
        self._rest_passwords(options, saved)
        return options

    def _rest_passwords(self, options: dict[str, Any], saved: dict[str, Any]) -> None:
        """The REST API passwords, optional, kept, replaced or removed like the keys; the test
        one only where a test mode is allowed."""
        cleaned = self.cleaned_data
        for name, key, remove, mode in PAYZEN_REST_PASSWORDS:
            if mode == "test" and not self.test_allowed:
                continue
            typed = (cleaned.get(name) or "").strip()
            if typed and not payment_config.payzen_rest_password_valid(typed, mode):
                prefix = "testpassword_" if mode == "test" else "prodpassword_"
                self.add_error(
                    name,
                    _(
                        "Ce mot de passe commence par « %(prefix)s », suivi de lettres et "
                        "chiffres : recopiez-le depuis l'onglet « Clés d'API REST » de la "
                        "boutique."
                    )
                    % {"prefix": prefix},
                )
            elif typed:
                options[key] = typed
            elif saved.get(key) and not cleaned.get(remove):
                options[key] = saved[key]

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
