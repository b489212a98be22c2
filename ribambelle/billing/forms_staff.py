"""Staff forms for billing: billing offices, tariffs with their brackets, the monthly run, manual
payments and credit notes. Amounts accept a comma ("2,50"), as people type them in France."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import ZERO, BillingOffice, Payment, Tariff
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
    class Meta:
        model = BillingOffice
        fields = ["name", "departments", "due_days", "payment_instructions"]
        widgets = {
            "departments": CheckboxGroup,
            "payment_instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, municipality: Municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["departments"].queryset = departments_of(municipality)
        self.fields["departments"].error_messages["invalid_choice"] = _("Ce service n'existe pas.")
        self.fields["departments"].error_messages["required"] = _("Cochez au moins un service.")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = BillingOffice.objects.for_municipality(self.municipality).filter(name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Une régie porte déjà ce nom."))
        return name


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

    def clean(self):
        cleaned = super().clean()
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
        self.fields["office"].queryset = BillingOffice.objects.for_municipality(municipality)
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

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise ValidationError(_("La fin de la période est avant son début."))
        return cleaned
