"""Forms of mandates and creditor settings. Every identifier is checked by debits.rules, with
its French message under the field; an IBAN is never shown back in full (the field is a
password-like input that is not rendered again when the page comes back with errors)."""

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.forms_staff import MoneyField
from ribambelle.core.files import document_content_type
from ribambelle.debits import rules
from ribambelle.debits.mandates.services import CreditorValues, MandateValues
from ribambelle.debits.models import Creditor
from ribambelle.families.forms import DateInput

IBAN_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}


def iban_input() -> forms.TextInput:
    return forms.TextInput(attrs=IBAN_ATTRS)


class AccountFields(forms.Form):
    """The debtor's account, as on the rulebook's mandate form."""

    debtor_name = forms.CharField(
        label=_("Nom et prénom du titulaire du compte"),
        max_length=70,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        help_text=_("Il figure sur votre relevé d'identité bancaire (RIB)."),
        widget=iban_input(),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=20,
        required=False,
        help_text=_("Nécessaire seulement pour un compte hors de l'Espace économique européen."),
        widget=forms.TextInput(attrs={**IBAN_ATTRS}),
    )
    signed_at = forms.CharField(
        label=_("Lieu de signature"),
        max_length=100,
        help_text=_("La commune où vous êtes, par exemple Lyon."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )

    def clean_iban(self) -> str:
        return rules.iban_clean(self.cleaned_data["iban"])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        iban = cleaned.get("iban")
        if iban and "bic" in cleaned:
            try:
                cleaned["bic"] = rules.bic_clean(cleaned["bic"], required=rules.bic_needed(iban))
            except ValidationError as error:
                self.add_error("bic", error)
        return cleaned

    def values(self) -> MandateValues:
        data = self.cleaned_data
        return MandateValues(
            debtor_name=data["debtor_name"].strip(),
            iban=data["iban"],
            bic=data["bic"],
            signed_at=data["signed_at"].strip(),
        )


class MandateSignForm(AccountFields):
    """Signed online: the guardian confirms with the password of the account."""

    current_password = forms.CharField(
        label=_("Votre mot de passe, pour signer"),
        strip=False,
        help_text=_("En le saisissant, vous signez électroniquement le mandat ci-dessus."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        user = authenticate(
            self.request,
            email=self.request.user.email,
            password=password,
            municipality=self.request.municipality,
        )
        if user is None or user.pk != self.request.user.pk:
            raise ValidationError(_("Mot de passe incorrect : le mandat n'est pas signé."))
        return password


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=250,
        help_text=_("Par exemple : changement de mode de paiement."),
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la suspension"), required=False, max_length=250)


class OfficeChoiceField(forms.ModelChoiceField):
    """The offices that collect by direct debit, by their name."""

    def label_from_instance(self, obj: Creditor) -> str:
        return obj.office.name


class PaperMandateForm(AccountFields):
    """A mandate the family signed on paper, recorded by staff with its scan."""

    office = OfficeChoiceField(label=_("Régie"), queryset=Creditor.objects.none(), empty_label=None)
    reference = forms.CharField(
        label=_("Référence unique du mandat (RUM)"),
        required=False,
        max_length=35,
        help_text=_("Celle imprimée sur le formulaire ; laissez vide pour en attribuer une."),
    )
    signed_on = forms.DateField(label=_("Date de signature"), widget=DateInput)
    scan = forms.FileField(
        label=_("Formulaire signé (PDF, JPEG ou PNG, 10 Mo au plus)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    field_order = ["office", "reference", "debtor_name", "iban", "bic", "signed_on", "signed_at"]

    def __init__(self, creditors, *args, **kwargs):
        super().__init__(*args, **kwargs)
        office = self.fields["office"]
        assert isinstance(office, forms.ModelChoiceField)
        office.queryset = creditors
        self.fields["signed_at"].help_text = ""
        self.content_type = ""

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"]
        return rules.rum_clean(reference) if reference.strip() else ""

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise ValidationError(_("La date de signature ne peut pas être dans le futur."))
        return signed_on

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        self.content_type = document_content_type(scan)
        return scan


class CreditorForm(forms.Form):
    """The SEPA settings of a billing office. The saved IBAN is never shown: a blank IBAN keeps
    it."""

    name = forms.CharField(
        label=_("Nom du créancier"),
        max_length=70,
        help_text=_("Tel qu'il apparaît sur les relevés des familles, par exemple Régie enfance."),
    )
    ics = forms.CharField(
        label=_("Identifiant créancier SEPA (ICS)"),
        max_length=35,
        help_text=_("Attribué par la Banque de France, par exemple FR72ZZZ123456."),
    )
    iban = forms.CharField(
        label=_("IBAN du compte de la régie"), max_length=50, required=False, widget=iban_input()
    )
    bic = forms.CharField(
        label=_("BIC du compte de la régie"),
        max_length=20,
        help_text=_("Huit ou onze caractères, sur le relevé d'identité bancaire de la régie."),
        error_messages={"required": _("Indiquez le BIC du compte de la régie.")},
        widget=forms.TextInput(attrs=IBAN_ATTRS),
    )
    collection_day = forms.IntegerField(
        label=_("Jour de prélèvement dans le mois"),
        min_value=1,
        max_value=28,
        initial=10,
        help_text=_("De 1 à 28 : le même jour chaque mois, au moins 14 jours après la facture."),
    )
    return_fee = MoneyField(label=_("Frais facturés pour un prélèvement rejeté (€)"), initial=0)
    returns_before_suspension = forms.IntegerField(
        label=_("Rejets avant la suspension du mandat"), min_value=1, max_value=12, initial=2
    )

    def __init__(self, creditor: Creditor | None, *args, **kwargs):
        initial = {}
        if creditor is not None:
            initial = {
                "name": creditor.name,
                "ics": creditor.ics,
                "bic": creditor.bic,
                "collection_day": creditor.collection_day,
                "return_fee": creditor.return_fee,
                "returns_before_suspension": creditor.returns_before_suspension,
            }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.creditor = creditor
        if creditor is not None and creditor.iban_last4:
            self.fields["iban"].help_text = _(
                "Compte enregistré : •••• %(last4)s. Laissez vide pour le garder."
            ) % {"last4": creditor.iban_last4}
        else:
            self.fields["iban"].required = True

    def clean_ics(self) -> str:
        return rules.ics_clean(self.cleaned_data["ics"])

    def clean_iban(self) -> str:
        iban = self.cleaned_data["iban"]
        return rules.iban_clean(iban) if iban.strip() else ""

    def clean_bic(self) -> str:
        # The collection files name the creditor's bank: pain.008 requires its BIC.
        return rules.bic_clean(self.cleaned_data["bic"], required=True)

    def values(self) -> CreditorValues:
        data = self.cleaned_data
        return CreditorValues(
            name=data["name"].strip(),
            ics=data["ics"],
            iban=data["iban"],
            bic=data["bic"],
            collection_day=data["collection_day"],
            return_fee=data["return_fee"],
            returns_before_suspension=data["returns_before_suspension"],
        )
