from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts import rules, services
from ribambelle.accounts.backends import client_ip
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.rules import PasswordMethod
from ribambelle.accounts.validators import password_problems

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(
        label=_("Rester connecté sur cet appareil"),
        help_text=_(
            "Pendant 30 jours, sur ce navigateur seulement. Ne cochez pas sur un appareil "
            "partagé ou public."
        ),
        required=False,
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        self.throttled = False
        super().__init__(*args, **kwargs)

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            who = {
                "municipality": self.request.municipality,
                "email": email,
                "ip": client_ip(self.request) or "unknown",
            }
            if services.login_throttled(**who):
                self.throttled = True
                raise ValidationError(
                    _(
                        "Trop d'essais infructueux sur ce compte. Réessayez dans une heure, ou "
                        "choisissez un nouveau mot de passe avec « Première connexion ou mot "
                        "de passe oublié »."
                    ),
                    code="throttled",
                )
            self.user = authenticate(
                self.request,
                email=email,
                password=password,
                municipality=self.request.municipality,
            )
            if self.user is None:
                services.login_failure_record(**who)
            else:
                services.login_success_record(user=self.user)
            if self.user is None:
                raise ValidationError(
                    _(
                        "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie ; "
                        "si vous n'avez pas encore de mot de passe, utilisez « Première "
                        "connexion ou mot de passe oublié »."
                    ),
                    code="invalid_login",
                )
        return self.cleaned_data


class PasswordLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("L'adresse que vous avez donnée à la mairie."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordMethodForm(forms.Form):
    """One of the three ways to choose a password. The password that is stored is always
    computed or checked here, on the server: for a sentence it is derived again from the
    sentence, never taken from the preview."""

    method = forms.ChoiceField(
        choices=[(m, m) for m in PasswordMethod.ALL], widget=forms.HiddenInput
    )
    password = forms.CharField(
        label=_("Nouveau mot de passe"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )
    password_confirm = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )
    generated = forms.CharField(strip=False, required=False, widget=forms.HiddenInput)
    acknowledged = forms.BooleanField(
        label=_("J'ai noté ce mot de passe ou je l'ai enregistré dans mon gestionnaire."),
        required=False,
    )
    sentence = forms.CharField(
        label=_("Votre phrase"),
        help_text=_(
            "Une phrase facile à retenir pour vous, avec si possible un nombre et une "
            "ponctuation. Exemple : « Mon fils Léo a eu 7 ans le 3 mars ! »"
        ),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def candidate(self) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        method = data.get("method") or self.data.get("method")
        if method == PasswordMethod.SENTENCE:
            return rules.password_from_sentence(
                data.get("sentence") or self.data.get("sentence", "")
            )
        if method == PasswordMethod.GENERATED:
            return data.get("generated") or self.data.get("generated", "")
        return data.get("password") or self.data.get("password", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("method")
        if method == PasswordMethod.OWN:
            if not data.get("password"):
                self.add_error("password", _("Saisissez un mot de passe."))
                return data
            if data.get("password") != data.get("password_confirm"):
                self.add_error(
                    "password_confirm",
                    _("Les deux saisies sont différentes : retapez la confirmation."),
                )
                return data
        elif method == PasswordMethod.GENERATED:
            if not data.get("generated"):
                raise ValidationError(_("Générez d'abord un mot de passe."))
            if not data.get("acknowledged"):
                self.add_error(
                    "acknowledged",
                    _("Cochez la case pour confirmer que vous avez noté ce mot de passe."),
                )
                return data
        elif method == PasswordMethod.SENTENCE and not data.get("sentence", "").strip():
            self.add_error("sentence", _("Écrivez une phrase."))
            return data
        password = self.candidate()
        problems = password_problems(password, self.user, method or PasswordMethod.OWN)
        if problems:
            fields = {PasswordMethod.OWN: "password", PasswordMethod.SENTENCE: "sentence"}
            self.add_error(fields.get(method or ""), problems)
        self.cleaned_data["new_password"] = password
        return self.cleaned_data


class ReauthForm(forms.Form):
    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        user = authenticate(
            self.request,
            email=self.request.user.email,
            password=password,
            municipality=self.request.municipality,
        )
        if user is None or user.pk != self.request.user.pk:
            raise ValidationError(_("Mot de passe incorrect."))
        return password


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("Nouvelle adresse e-mail"),
        help_text=_(
            "Un lien de confirmation y sera envoyé : l'adresse change quand vous le suivez."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email:
            raise ValidationError(_("C'est déjà votre adresse de connexion."))
        return email


class StaffInviteForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom de famille"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[
            (Role.MANAGER, _("Responsable : tous les droits, dont la gestion du personnel")),
            (Role.AGENT, _("Agent : consulte et saisit")),
            (Role.READ_ONLY, _("Consultation seule")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, municipality, *args, **kwargs):
        self.municipality = municipality
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.for_municipality(self.municipality).filter(email=email).exists():
            raise ValidationError(self.duplicate_message())
        return email

    @staticmethod
    def duplicate_message() -> "StrOrPromise":
        return _("Un compte existe déjà avec cette adresse dans la collectivité.")
