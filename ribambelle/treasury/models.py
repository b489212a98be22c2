"""The public treasury (Hélios): the PES V2 settings of a billing office and the revenue
imputations of its activities. The exports and the treasury's answers live beside them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.tenants.models import Department, Municipality, TenantQuerySet


class TreasurySettings(models.Model):
    """What the treasury needs to know of a billing office to take its titles (PES V2)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.OneToOneField(
        BillingOffice, on_delete=models.CASCADE, related_name="treasury_settings"
    )
    # The collectivity's SIRET is BillingOffice.siret (printed on invoices).
    collectivity_code = models.CharField(_("code collectivité (CodCol)"), max_length=3)
    budget_code = models.CharField(_("code budget (CodBud)"), max_length=2)
    post_code = models.CharField(_("code du poste comptable (IdPost)"), max_length=7)
    # Budget nomenclature (M57, M14...), written in the file's header.
    nomenclature = models.CharField(_("nomenclature budgétaire"), max_length=10, default="M57")
    title_object = models.CharField(
        _("objet des titres"),
        max_length=160,
        help_text=_("Par exemple : « Restauration scolaire et accueil périscolaire »."),
    )
    # The office lets the treasury offer PayFiP on its titles (ORMC fields filled).
    payfip = models.BooleanField(_("paiement PayFiP proposé sur les titres"), default=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("paramètres Trésor public")
        verbose_name_plural = _("paramètres Trésor public")

    def __str__(self) -> str:
        return str(self.office)


class Imputation(models.Model):
    """The budget imputation of revenue (nature comptable, fonction) of an activity, or of a
    department for all its activities that have none of their own."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    nature = models.CharField(_("nature comptable"), max_length=10)
    function = models.CharField(_("fonction"), max_length=10, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("imputation")
        verbose_name_plural = _("imputations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False) ^ models.Q(department__isnull=False),
                name="imputation_activity_xor_department",
            ),
            models.UniqueConstraint(
                fields=["office", "activity"],
                condition=models.Q(activity__isnull=False),
                name="imputation_unique_activity",
            ),
            models.UniqueConstraint(
                fields=["office", "department"],
                condition=models.Q(department__isnull=False),
                name="imputation_unique_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nature} / {self.function}"
