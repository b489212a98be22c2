from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ribambelle.families.categories import CATEGORIES
from ribambelle.families.models import Consent, Requirement
from ribambelle.tenants.models import Department

TARGET_LABELS = {
    "household": _("Foyer"),
    "guardian": _("Responsable légal"),
    "child": _("Enfant"),
}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Nom du foyer, d'un enfant ou d'un responsable, ou adresse e-mail"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    """The message that goes with accepting or refusing a family's request (each decision
    has its own button and URL); a refusal must say why."""

    message = forms.CharField(
        label=_("Message à la famille"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Envoyé par e-mail avec la décision. Obligatoire en cas de refus."),
    )

    def __init__(
        self, *args: Any, prefix_pk: int | str = "", refusal: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = refusal
        # Unique ids when a page shows one form per request.
        self.auto_id = f"id_{prefix_pk}_%s" if prefix_pk else "id_%s"

    def clean_message(self) -> str:
        message: str = self.cleaned_data["message"].strip()
        if self.refusal and not message:
            raise forms.ValidationError(
                _("Expliquez à la famille pourquoi sa demande est refusée.")
            )
        return message


def category_choices():
    return [
        (code, f"{TARGET_LABELS[category.target]} – {category.label}")
        for code, category in CATEGORIES.items()
    ]


class FamilySettingsForm(forms.Form):
    signup_enabled = forms.BooleanField(
        label=_("Les nouvelles familles peuvent créer leur compte depuis la page de connexion"),
        required=False,
    )
    validated_categories = forms.MultipleChoiceField(
        label=_("Catégories dont les modifications par les familles attendent une validation"),
        help_text=_(
            "Dans les autres catégories, une modification faite par une famille s'applique "
            "aussitôt."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=category_choices,
    )


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RequirementForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Service"), queryset=Department.objects.none(), empty_label=None
    )
    item = forms.ChoiceField(label=_("Élément obligatoire"), choices=Requirement.Item.choices)
    consent = forms.ModelChoiceField(
        label=_("Autorisation (si l'élément est une réponse à une autorisation)"),
        queryset=Consent.objects.none(),
        required=False,
    )

    def __init__(self, municipality, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        department, consent = self.fields["department"], self.fields["consent"]
        assert isinstance(department, forms.ModelChoiceField)
        assert isinstance(consent, forms.ModelChoiceField)
        department.queryset = Department.objects.for_municipality(municipality)
        consent.queryset = Consent.objects.for_municipality(municipality)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item, consent = data.get("item"), data.get("consent")
        if item == Requirement.Item.CONSENT and consent is None:
            self.add_error("consent", _("Choisissez l'autorisation à laquelle répondre."))
        elif item and item != Requirement.Item.CONSENT and consent is not None:
            self.add_error(
                "consent",
                _(
                    "Ne choisissez une autorisation que pour l'élément « réponse à une "
                    "autorisation »."
                ),
            )
        return data
