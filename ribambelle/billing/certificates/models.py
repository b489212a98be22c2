"""Tax certificates (attestations fiscales de frais de garde): what a municipality counts as
childcare for the tax credit, and the certificates issued to households, one row per version."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.bookings.models import Activity
from ribambelle.families.models import FamilyDocument, Household
from ribambelle.tenants.models import Municipality, TenantQuerySet

DEFAULT_AGE_LIMIT = 6


class CertificateSettings(models.Model):
    """One row per municipality, written by its managers."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="certificate_settings"
    )
    activities = models.ManyToManyField(
        Activity,
        blank=True,
        related_name="+",
        verbose_name=_("activités de garde"),
        help_text=_(
            "Les activités qui comptent comme frais de garde pour le crédit d'impôt : accueil "
            "périscolaire, centre de loisirs… Les repas n'en font pas partie."
        ),
    )
    age_limit = models.PositiveSmallIntegerField(
        _("âge limite"),
        default=DEFAULT_AGE_LIMIT,
        validators=[MinValueValidator(1), MaxValueValidator(18)],
        help_text=_(
            "Un enfant compte s'il a moins de cet âge au 1er janvier de l'année : pour "
            "6 ans et l'année 2025, les enfants nés en 2019 ou après."
        ),
    )
    signatory_name = models.CharField(_("nom du signataire"), max_length=150, blank=True)
    signatory_title = models.CharField(
        _("qualité du signataire"),
        max_length=150,
        blank=True,
        help_text=_("Par exemple : « Le maire », « La régisseuse de recettes »."),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("réglages des attestations fiscales")
        verbose_name_plural = _("réglages des attestations fiscales")

    def __str__(self) -> str:
        return str(self.municipality)


class TaxCertificate(models.Model):
    """A version of a household's certificate for a calendar year: the amounts it states (as
    they were computed: `amounts` = {"children": [{"child", "name", "birth_date", "cents"}]})
    and the document published in "Mes documents". A correction adds a version; the previous
    ones stay, as their documents do."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="tax_certificates"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amounts = models.JSONField(default=dict)
    total_cents = models.BigIntegerField(default=0)
    document = models.ForeignKey(
        FamilyDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attestation fiscale")
        verbose_name_plural = _("attestations fiscales")
        ordering = ["household__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year", "version"], name="tax_certificate_unique_version"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "year"], name="tax_certificate_muni_year")]

    def __str__(self) -> str:
        return f"{self.household} {self.year} v{self.version}"

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100
