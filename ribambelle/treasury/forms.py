"""Staff forms of the treasury: the PES V2 codes of a billing office, its imputation table,
the period of the accounting export, what to send to the treasury and its acknowledgement.
Codes are typed as they appear on a PES file or in the comptable public's letter; spaces are
dropped and letters upper-cased before checking."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import selectors as billing_selectors
from ribambelle.billing.forms_staff import PeriodForm
from ribambelle.billing.models import BillingOffice, InvoiceRun
from ribambelle.tenants.models import Municipality
from ribambelle.treasury import selectors
from ribambelle.treasury.models import PesExport
from ribambelle.treasury.selectors import GridRow
from ribambelle.treasury.services.settings import SettingsValues

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NOMENCLATURES = [
    ("M57", _("M57 (référentiel budgétaire et comptable des collectivités)")),
    ("M14", _("M14 (communes et établissements publics communaux)")),
    ("M4", _("M4 (services publics industriels et commerciaux)")),
    ("M49", _("M49 (eau et assainissement)")),
    ("M22", _("M22 (établissements sociaux et médico-sociaux)")),
]


def _compact(value: str) -> str:
    return "".join((value or "").split()).upper()


def _code(value: str, length: int, *, digits: bool, message: "StrOrPromise") -> str:
    code = _compact(value)
    valid = code.isdigit() if digits else code.isalnum() and code.isascii()
    if len(code) != length or not valid:
        raise ValidationError(message)
    return code


class TreasurySettingsForm(forms.Form):
    collectivity_code = forms.CharField(
        label=_("Code collectivité (CodCol)"),
        max_length=10,
        help_text=_(
            "Trois caractères donnés par la DGFiP à la collectivité. Vous le trouvez dans la "
            "balise CodCol d'un ancien fichier PES (bloc EnTetePES), ou auprès de votre "
            "comptable public (trésorerie ou service de gestion comptable)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 4}),
    )
    budget_code = forms.CharField(
        label=_("Code budget (CodBud)"),
        max_length=10,
        help_text=_(
            "Deux caractères qui désignent le budget qui encaisse les recettes (budget "
            "principal ou budget annexe). Balise CodBud d'un ancien fichier PES, ou demandez-le "
            "au comptable public."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 3}),
    )
    post_code = forms.CharField(
        label=_("Code du poste comptable (IdPost)"),
        max_length=12,
        help_text=_(
            "Les sept chiffres du poste comptable (la trésorerie) qui prend en charge les "
            "titres. Balise IdPost d'un ancien fichier PES, ou sur les courriers du comptable "
            "public."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "size": 8}),
    )
    nomenclature = forms.ChoiceField(
        label=_("Nomenclature budgétaire"),
        choices=NOMENCLATURES,
        initial="M57",
        help_text=_(
            "Celle du budget qui encaisse (M57 pour la plupart des communes depuis 2024). Elle "
            "figure en tête du budget voté."
        ),
        error_messages={"invalid_choice": _("Choisissez une nomenclature de la liste.")},
    )
    title_object = forms.CharField(
        label=_("Objet des titres"),
        max_length=160,
        help_text=_(
            "Le libellé imprimé sur les titres de recette, suivi du mois facturé. Par exemple : "
            "« Restauration scolaire et accueil périscolaire »."
        ),
    )
    payfip = forms.BooleanField(
        label=_("Le Trésor propose le paiement PayFiP sur les titres"),
        required=False,
        help_text=_(
            "Cochez si la collectivité a adhéré à PayFiP : les titres transmis portent alors "
            "la référence qui permet aux familles de payer en ligne auprès du Trésor."
        ),
    )

    def clean_collectivity_code(self) -> str:
        return _code(
            self.cleaned_data["collectivity_code"],
            3,
            digits=False,
            message=_("Le code collectivité compte trois caractères (chiffres ou lettres)."),
        )

    def clean_budget_code(self) -> str:
        return _code(
            self.cleaned_data["budget_code"],
            2,
            digits=False,
            message=_("Le code budget compte deux caractères (chiffres ou lettres)."),
        )

    def clean_post_code(self) -> str:
        return _code(
            self.cleaned_data["post_code"],
            7,
            digits=True,
            message=_("Le code du poste comptable compte sept chiffres."),
        )

    def clean_title_object(self) -> str:
        return " ".join(self.cleaned_data["title_object"].split())

    def values(self) -> SettingsValues:
        return SettingsValues(**self.cleaned_data)


# Natures comptables of revenue have three to ten digits (7067, 70632, 70688...); fonctions
# one to ten (213, 421, 4211...), and none where the budget is not voted by function.
NATURE_LENGTHS = (3, 10)
FUNCTION_LENGTHS = (1, 10)


class ImputationGrid(forms.Form):
    """One nature and one fonction per department and per activity of the office, all saved
    with one button. Fields are built from the office's own departments and activities: a
    posted name that is not one of them is ignored."""

    def __init__(self, grid: list[GridRow], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        for row in self._all_rows():
            context = {"name": row.name}
            self.fields[f"{row.key}_nature"] = forms.CharField(
                label=_("Nature comptable : %(name)s") % context,
                required=False,
                max_length=20,
                initial=row.nature,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8}
                ),
            )
            self.fields[f"{row.key}_function"] = forms.CharField(
                label=_("Fonction : %(name)s") % context,
                required=False,
                max_length=20,
                initial=row.function,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}
                ),
            )

    def _all_rows(self) -> Iterator[GridRow]:
        for department in self.grid:
            yield department
            yield from department.children

    def rows(self) -> list[tuple[GridRow, forms.BoundField, forms.BoundField]]:
        """Each row with its two fields, departments first and their activities under them."""
        return [
            (row, self[f"{row.key}_nature"], self[f"{row.key}_function"])
            for row in self._all_rows()
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for row in self._all_rows():
            nature_name, function_name = f"{row.key}_nature", f"{row.key}_function"
            nature = _compact(cleaned.get(nature_name, ""))
            function = _compact(cleaned.get(function_name, ""))
            low, high = NATURE_LENGTHS
            if nature and not (nature.isdigit() and low <= len(nature) <= high):
                self.add_error(
                    nature_name,
                    _("La nature comptable s'écrit en chiffres, de 3 à 10 (par exemple 7067)."),
                )
            low, high = FUNCTION_LENGTHS
            if function and not (function.isdigit() and low <= len(function) <= high):
                self.add_error(
                    function_name,
                    _("La fonction s'écrit en chiffres, de 1 à 10 (par exemple 213)."),
                )
            elif function and not nature:
                self.add_error(
                    nature_name, _("Indiquez la nature comptable qui va avec cette fonction.")
                )
            cleaned[nature_name], cleaned[function_name] = nature, function
        return cleaned

    def values(self, kind: str) -> dict[int, tuple[str, str]]:
        """pk -> (nature, function) of the departments or activities (`kind`) of the table."""
        return {
            row.pk: (
                self.cleaned_data[f"{row.key}_nature"],
                self.cleaned_data[f"{row.key}_function"],
            )
            for row in self._all_rows()
            if row.kind == kind
        }


class AccountingExportForm(PeriodForm):
    """The period, and optionally one billing office, of the accounting export."""

    regie = forms.ModelChoiceField(
        label=_("Régie"),
        queryset=BillingOffice.objects.none(),
        required=False,
        empty_label=_("Toutes les régies"),
        error_messages={"invalid_choice": _("Cette régie n'existe pas.")},
    )

    def __init__(self, offices: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regie"].queryset = offices  # type: ignore[attr-defined]


# The PES V2 exports

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
