"""SEPA direct debit (prélèvement, SDD Core): the creditor settings of a billing office, the
households' mandates, the collection batches and their debits, and what the banks returned.

The IBANs are kept encrypted (core.crypto) with their last four characters beside them, so that
pages and e-mails show "FR76 •••• 1234" without decrypting. Amounts of debits are in cents."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import ZERO, BillingOffice, Invoice, Payment, money
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality, TenantQuerySet


class Creditor(models.Model):
    """The SEPA creditor settings of a billing office (régie): who collects, on which account,
    on which day of the month; what a returned debit costs the family."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.OneToOneField(BillingOffice, on_delete=models.CASCADE, related_name="creditor")
    name = models.CharField(_("nom du créancier"), max_length=70)
    # Identifiant créancier SEPA (ICS), e.g. FR72ZZZ123456, checked with stdnum.eu.at_02.
    ics = models.CharField(_("identifiant créancier SEPA (ICS)"), max_length=35)
    iban = models.TextField(_("IBAN du compte de la régie"))  # encrypted
    iban_last4 = models.CharField(max_length=4)
    bic = models.CharField(_("BIC"), max_length=11)
    collection_day = models.PositiveSmallIntegerField(
        _("jour de prélèvement"),
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        default=10,
    )
    return_fee = money(_("frais de rejet"), default=ZERO)
    returns_before_suspension = models.PositiveSmallIntegerField(
        _("rejets avant suspension du mandat"), default=2, validators=[MinValueValidator(1)]
    )
    # Bumped by each batch: the message identifiers of the files (MsgId) never repeat.
    last_batch = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("créancier SEPA")
        verbose_name_plural = _("créanciers SEPA")

    def __str__(self) -> str:
        return f"{self.name} ({self.ics})"


class Mandate(models.Model):
    """A household's SEPA core mandate for one billing office. A change of account is a new
    version with the same reference (RUM) and `amended` set: the previous version is closed
    (status REPLACED) and points to its successor."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("actif")
        SUSPENDED = "suspended", _("suspendu")
        REVOKED = "revoked", _("révoqué")
        EXPIRED = "expired", _("expiré")
        REPLACED = "replaced", _("remplacé par une nouvelle version")

    class Origin(models.TextChoices):
        ONLINE = "online", _("signé en ligne")
        PAPER = "paper", _("formulaire papier")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="mandates")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="mandates")
    # Référence unique du mandat: at most 35 characters, unique per creditor (office).
    reference = models.CharField(_("référence unique du mandat (RUM)"), max_length=35)
    version = models.PositiveSmallIntegerField(default=1)
    amended = models.BooleanField(default=False)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    debtor_name = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.TextField(_("IBAN"))  # encrypted
    iban_last4 = models.CharField(max_length=4)
    iban_country = models.CharField(max_length=2)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    signed_on = models.DateField(_("date de signature"))
    signed_at = models.CharField(_("lieu de signature"), max_length=100)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The mandate as a PDF (online) or the scan of the signed form (paper), private.
    document = models.FileField(upload_to="mandates/%Y/%m/", blank=True)
    # The date of the last collection: a mandate unused for 36 months expires (rulebook).
    # Null: never collected, so the next debit is a first one (FRST) under the old rulebook;
    # under the current one every debit may be RCUR, see debits.rules.sequence_type.
    last_collected_on = models.DateField(null=True, blank=True)
    returns = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=250, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandat de prélèvement")
        verbose_name_plural = _("mandats de prélèvement")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "reference", "version"], name="mandate_unique_reference"
            ),
            # One mandate in force (active or suspended) per household and office.
            models.UniqueConstraint(
                fields=["office", "household"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="mandate_one_in_force",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "household"], name="mandate_muni_household"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_iban(self) -> str:
        """ "FR76 •••• 1234": what pages, PDFs and e-mails show of the account."""
        return f"{self.iban_country}•• •••• {self.iban_last4}"


class DebitBatch(models.Model):
    """One collection file of a billing office for one date: immutable once generated (the same
    bytes are served again), its invoices are "prélèvement en cours"."""

    class Scheme(models.TextChoices):
        PAIN_008_001_02 = "pain.008.001.02", "pain.008.001.02"
        PAIN_008_001_08 = "pain.008.001.08", "pain.008.001.08"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="+")
    collection_on = models.DateField(_("date de prélèvement"))
    message_id = models.CharField(max_length=35, unique=True)
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    count = models.PositiveIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)
    file = models.FileField(upload_to="debit-batches/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("remise de prélèvements")
        verbose_name_plural = _("remises de prélèvements")
        ordering = ["-collection_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "collection_on"], name="debit_batch_unique_date"
            )
        ]

    def __str__(self) -> str:
        return self.message_id

    @property
    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100


class Debit(models.Model):
    """One invoice to collect from one mandate: scheduled when the invoice is issued (batch
    empty), then placed in a batch, then possibly returned by the debtor's bank."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("prévu")
        SENT = "sent", _("transmis à la banque")
        RETURNED = "returned", _("rejeté")
        CANCELLED = "cancelled", _("annulé")

    class Sequence(models.TextChoices):
        FIRST = "FRST", _("premier")
        RECURRING = "RCUR", _("récurrent")
        FINAL = "FNAL", _("dernier")
        ONE_OFF = "OOFF", _("ponctuel")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    # DO_NOTHING: the database's foreign key forbids deleting an invoice that has a debit,
    # without the extra query per delete that PROTECT costs (drafts are replaced in bulk).
    invoice = models.ForeignKey(Invoice, on_delete=models.DO_NOTHING, related_name="debits")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="debits")
    batch = models.ForeignKey(
        DebitBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="debits"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    collection_on = models.DateField(_("date de prélèvement"))
    amount_cents = models.BigIntegerField()
    sequence = models.CharField(max_length=4, choices=Sequence.choices, blank=True)
    # EndToEndId: at most 35 characters, what the bank's return quotes.
    end_to_end_id = models.CharField(max_length=35, blank=True)
    # The billing payment recorded when the debit was sent (returned: status RETURNED).
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="debit"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["collection_on", "pk"]
        constraints = [
            # An invoice is collected once at a time (a returned debit may be followed by a new
            # one after the family fixed the account).
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status__in=["scheduled", "sent"]),
                name="debit_one_live_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["end_to_end_id"],
                condition=~models.Q(end_to_end_id=""),
                name="debit_unique_end_to_end",
            ),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "status", "collection_on"], name="debit_muni_status"
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id or f"debit {self.pk}"

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100


class ReturnFile(models.Model):
    """A bank file of returned debits (camt.054 or pain.002) as imported: its digest makes the
    second import of the same file a no-op."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="debit-returns/%Y/%m/")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "sha256"], name="return_file_unique_digest")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class DebitReturn(models.Model):
    """A debit the debtor's bank returned (R-transaction), from a file or typed by staff. One
    per debit: importing the same return again changes nothing."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    debit = models.OneToOneField(Debit, on_delete=models.PROTECT, related_name="return_record")
    reason_code = models.CharField(_("code motif"), max_length=4)
    returned_on = models.DateField(_("date du rejet"))
    fee = money(_("frais de rejet"), default=ZERO)
    source = models.ForeignKey(
        ReturnFile, on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("prélèvement rejeté")
        verbose_name_plural = _("prélèvements rejetés")
        ordering = ["-returned_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.reason_code} {self.returned_on}"


# The refunds' models live beside their services; imported here so that Django finds them.
from ribambelle.debits.refunds.models import RefundFile, RefundTransfer  # noqa: E402, F401
