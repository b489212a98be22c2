"""The sign-up form of a new family: one page with the guardian, an optional second guardian,
the household's address and its children (a formset: three slots without JavaScript, more with
the "Ajouter un enfant" button)."""

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ribambelle.families.forms import AUTOCOMPLETE, DateInput
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.families.services.signup import AddressSignup, ChildSignup, GuardianSignup

MAX_CHILDREN = 10


def _text(name: str, **extra) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": AUTOCOMPLETE.get(name, "off"), **extra})


class GuardianSignupForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["civility", "last_name", "first_name", "email", "mobile_phone"]
        widgets = {
            "last_name": _text("last_name"),
            "first_name": _text("first_name"),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "mobile_phone": _text("mobile_phone", type="tel", inputmode="tel"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
        self.fields["email"].help_text = _(
            "Votre identifiant pour vous connecter ; la mairie y envoie le lien pour créer "
            "votre mot de passe."
        )
        self.fields["mobile_phone"].help_text = _("Par exemple 06 12 34 56 78.")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()


class SecondGuardianSignupForm(GuardianSignupForm):
    """Optional: left empty, it is ignored; started, it must be complete."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, empty_permitted=True, use_required_attribute=False, **kwargs)
        self.fields["email"].help_text = _(
            "Son identifiant pour se connecter : chaque parent a le sien."
        )

    @property
    def is_filled(self) -> bool:
        return self.is_bound and self.has_changed()


class HouseholdSignupForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["address", "postal_code", "city"]
        widgets = {
            "address": _text("address"),
            "postal_code": _text("postal_code", inputmode="numeric"),
            "city": _text("city"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = True
        self.fields["address"].label = _("Numéro et rue")


class ChildSignupForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = ["first_name", "last_name", "birth_date", "sex", "school", "school_class"]
        widgets = {
            "first_name": _text("off"),
            "last_name": _text("off"),
            "birth_date": DateInput(),
            "school": _text("off"),
            "school_class": _text("off"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].required = True
        self.fields["school_class"].help_text = _("Par exemple CP, CE1, moyenne section.")

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date > timezone.localdate():
            raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
        return birth_date


class BaseChildFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [form for form in self.forms if form.has_changed()]:
            raise forms.ValidationError(_("Indiquez au moins un enfant."))


ChildFormSet = formset_factory(
    ChildSignupForm,
    formset=BaseChildFormSet,
    extra=3,
    max_num=MAX_CHILDREN,
    validate_max=True,
)


class SignupForms:
    """The four parts of the page, validated together."""

    def __init__(self, data=None):
        self.guardian = GuardianSignupForm(data, prefix="parent1")
        self.second = SecondGuardianSignupForm(data, prefix="parent2")
        self.household = HouseholdSignupForm(data, prefix="foyer")
        self.children = ChildFormSet(data, prefix="enfant")

    @property
    def parts(self) -> list:
        return [self.guardian, self.second, self.household]

    def is_valid(self) -> bool:
        # Every part is validated (no short-circuit), so that all errors show at once.
        results = [form.is_valid() for form in self.parts] + [self.children.is_valid()]
        valid = all(results)
        same_email = (
            valid
            and self.second.is_filled
            and self.second.cleaned_data["email"] == self.guardian.cleaned_data["email"]
        )
        if same_email:
            self.second.add_error(
                "email",
                _("Chaque parent a sa propre adresse e-mail : indiquez-en une autre."),
            )
            valid = False
        return valid

    @property
    def has_errors(self) -> bool:
        return any(form.errors for form in self.parts) or bool(self.children.total_error_count())

    def guardians(self) -> list[GuardianSignup]:
        forms_ = [self.guardian] + ([self.second] if self.second.is_filled else [])
        return [GuardianSignup(**form.cleaned_data) for form in forms_]

    def address(self) -> AddressSignup:
        return AddressSignup(**self.household.cleaned_data)

    def children_data(self) -> list[ChildSignup]:
        return [
            ChildSignup(**form.cleaned_data)
            for form in self.children.forms
            if form.has_changed() and form.cleaned_data
        ]
