from typing import Any, NamedTuple, Self, TypeVar

from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.core.files import validate_image
from ribambelle.tenants.rules import RESERVED_SLUGS

PASSWORD_FLOOR_CHOICES = [
    (80, _("80 bits (recommandation CNIL, cas général)")),
    (50, _("50 bits (connexions limitées par blocage, cas 2 de la CNIL)")),
]


def validate_slug_not_reserved(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value in RESERVED_SLUGS:
        raise ValidationError(_("Cet identifiant est réservé ; choisissez-en un autre."))


class Municipality(models.Model):
    """The tenant: every family and staff page lives under /<slug>/."""

    slug = models.SlugField(
        _("identifiant dans l'adresse web"),
        max_length=60,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Lettres minuscules, chiffres, tirets.")
            ),
            validate_slug_not_reserved,
        ],
    )
    name = models.CharField(_("nom"), max_length=150)
    address = models.TextField(_("adresse postale"), blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"]), validate_image],
        help_text=_("PNG ou JPEG, vérifié par son contenu."),
    )
    timezone = models.CharField(_("fuseau horaire"), max_length=50, default="Europe/Paris")
    password_min_entropy = models.PositiveSmallIntegerField(
        _("force minimale des mots de passe"), choices=PASSWORD_FLOOR_CHOICES, default=80
    )
    news = models.TextField(
        _("actualité de l'accueil"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Affichée en haut de l'accueil du portail famille (texte simple, 2 000 caractères "
            "au plus). Laissez vide pour ne rien afficher."
        ),
    )
    is_active = models.BooleanField(_("portail ouvert"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the configuration (activities, closures, requirements...) last changed: moved on by
    # database triggers, never by the application (tenants.configuration).
    config_version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("collectivité")
        verbose_name_plural = _("collectivités")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(password_min_entropy__gte=50),
                name="municipality_password_floor_min_50",
            )
        ]

    def __str__(self) -> str:
        return self.name


_Model = TypeVar("_Model", bound=models.Model)


class HouseholdKey(NamedTuple):
    """A household as for_household reads it, from its ids alone (a statement's values,
    core.statements)."""

    municipality_id: int
    pk: int


class TenantQuerySet(models.QuerySet[_Model]):
    """The one scoping helper: every tenant-owned read starts here."""

    def for_municipality(self, municipality: Municipality | int) -> Self:
        return self.filter(municipality=municipality)

    def for_household(self, household: Any) -> Self:
        """Rows of one household (a Household or its id with its municipality). The municipality
        is filtered too: the index starts with it, and a household id from another tenant can
        never match."""
        return self.filter(municipality_id=household.municipality_id, household_id=household.pk)


class Department(models.Model):
    """A municipal service (restauration scolaire, accueil périscolaire...)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("présentation"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    opening_hours = models.CharField(_("horaires d'accueil"), max_length=200, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="department_unique_name_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return self.name
