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


class PesSequence(models.Model):
    """The last bordereau or pièce number given, per billing office and year: the row an export
    locks, so that numbers have no gap even when two exports run at once."""

    class Kind(models.TextChoices):
        BORDEREAU = "bordereau", _("bordereau")
        PIECE = "piece", _("pièce")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "kind", "year"], name="pes_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class PesExport(models.Model):
    """One PES V2 file sent to the treasury: one bordereau of titles, one pièce per invoice.
    Immutable once written (invariant 11)."""

    class Source(models.TextChoices):
        RUN = "run", _("facturation émise")
        UNPAID = "unpaid", _("factures impayées après relances")

    class Status(models.TextChoices):
        GENERATED = "generated", _("généré")
        ACKNOWLEDGED = "acknowledged", _("acquitté")
        REJECTED = "rejected", _("rejeté en partie")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        "billing.InvoiceRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("exercice"))
    bordereau = models.PositiveIntegerField(_("numéro de bordereau"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to="treasury/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(_("nombre de pièces"), default=0)
    total = models.DecimalField(_("montant"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.GENERATED)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("bordereau PES")
        verbose_name_plural = _("bordereaux PES")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "bordereau"], name="pes_export_unique_bordereau"
            )
        ]
        indexes = [models.Index(fields=["municipality", "office"], name="pes_export_muni")]

    def __str__(self) -> str:
        return f"{self.year}-{self.bordereau}"


class PesPiece(models.Model):
    """An invoice sent as a title: its pièce number, and what the treasury answered."""

    class Status(models.TextChoices):
        SENT = "sent", _("transmise")
        ACCEPTED = "accepted", _("acceptée")
        REJECTED = "rejected", _("rejetée")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    export = models.ForeignKey(PesExport, on_delete=models.CASCADE, related_name="pieces")
    # One pièce per invoice, ever: an invoice is never sent to the treasury twice.
    # DO_NOTHING: the database's foreign key forbids deleting a sent invoice, without the
    # extra query per delete that PROTECT costs (draft invoices are replaced in bulk).
    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.DO_NOTHING, related_name="pes_piece"
    )
    number = models.PositiveIntegerField(_("numéro de pièce"))
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    reference = models.CharField(_("référence de paiement"), max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    message = models.CharField(_("motif"), max_length=250, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["export", "number"], name="pes_piece_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="pes_piece_positive"),
        ]
        indexes = [models.Index(fields=["municipality", "export"], name="pes_piece_muni")]

    def __str__(self) -> str:
        return f"{self.export} / {self.number}"
