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
    """Accept or refuse a family's request; a refusal must say why."""

    ACCEPT = "accept"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(ACCEPT, _("Accepter")), (REFUSE, _("Refuser"))],
        widget=forms.HiddenInput,
    )
    message = forms.CharField(
        label=_("Message à la famille"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Envoyé par e-mail avec la décision. Obligatoire en cas de refus."),
    )

    def __init__(self, *args, prefix_pk: int | str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Unique ids when a page shows one form per request.
        self.auto_id = f"id_{prefix_pk}_%s" if prefix_pk else "id_%s"

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not data.get("message", "").strip():
            self.add_error("message", _("Expliquez à la famille pourquoi sa demande est refusée."))
        return data


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
        self.fields["department"].queryset = Department.objects.for_municipality(municipality)
        self.fields["consent"].queryset = Consent.objects.for_municipality(municipality)

    def clean(self):
        data = super().clean()
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
