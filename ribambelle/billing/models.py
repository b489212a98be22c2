"""Tariffs, invoices, credit notes and payments (invariants 4 and 5).

Money is Decimal with two places. An issued invoice never changes: its lines, totals and the
household's name and address are copied at issue time; a correction is a credit note. Invoice
and credit note numbers come from a per municipality, kind and year row locked with
select_for_update(), so that numbers have no gap even with concurrent runs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from ribambelle.billing import rules
from ribambelle.bookings.models import Activity
from ribambelle.families.models import Child, Household
from ribambelle.tenants.models import Department, Municipality, TenantQuerySet

ZERO = Decimal("0.00")


def money(verbose_name, **extra):
    extra.setdefault("validators", [MinValueValidator(ZERO)])
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **extra)


class BillingOffice(models.Model):
    """A régie: it bills the activities of its departments and receives the payments."""

    class Provider(models.TextChoices):
        NONE = "", _("pas de paiement en ligne")
        DEMO = "demo", _("banque de démonstration")
        PAYFIP = "payfip", _("PayFiP (DGFiP)")
        PAYZEN = "payzen", _("Payzen / Systempay")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=150)
    siret = models.CharField(
        _("SIRET de la collectivité"),
        max_length=14,
        blank=True,
        help_text=_(
            "Imprimé sur les factures : les 14 chiffres de la mairie (ou du CCAS) qui facture."
        ),
    )
    departments = models.ManyToManyField(
        Department, related_name="billing_offices", verbose_name=_("services facturés")
    )
    due_days = models.PositiveSmallIntegerField(_("délai de paiement (jours)"), default=15)
    payment_instructions = models.TextField(
        _("comment payer"),
        blank=True,
        help_text=_("Imprimé sur les factures : chèque à l'ordre de…, adresse, virement…"),
    )
    provider = models.CharField(
        _("paiement en ligne"), max_length=10, choices=Provider.choices, blank=True
    )
    provider_options = models.JSONField(_("paramètres du prestataire"), default=dict, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("régie")
        verbose_name_plural = _("régies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="billing_office_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Tariff(models.Model):
    """The price of one unit of an activity, by bracket of family quotient."""

    class Basis(models.TextChoices):
        BOOKINGS = "bookings", _("les réservations (annulées à temps : non facturées)")
        ATTENDANCE = "attendance", _("les présences pointées")

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="tariff")
    basis = models.CharField(
        _("ce qui est facturé"), max_length=12, choices=Basis.choices, default=Basis.BOOKINGS
    )
    default_price = money(
        _("prix par défaut"), help_text=_("Quand le quotient familial n'est pas connu.")
    )
    surcharge_price = money(
        _("prix majoré"),
        null=True,
        blank=True,
        help_text=_(
            "Pour une présence sans réservation ou une réservation faite par la mairie "
            "après la date limite. Vide : prix normal."
        ),
    )

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")

    def __str__(self) -> str:
        return str(self.activity)


class TariffBracket(models.Model):
    """Price for a family quotient below `up_to` (no bound on the last bracket)."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="brackets")
    up_to = money(_("quotient inférieur à"), null=True, blank=True)
    price = money(_("prix unitaire"))

    class Meta:
        ordering = [models.F("up_to").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "up_to"], name="bracket_unique_bound")
        ]

    def __str__(self) -> str:
        return f"< {self.up_to}: {self.price}"


class NumberSequence(models.Model):
    """The last number given, per municipality, kind and year: the row a numbering locks."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("facture")
        CREDIT = "credit", _("avoir")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "year"], name="sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class InvoiceRun(models.Model):
    """The invoices of one month for one billing office: drafts, then issued together."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        ISSUED = "issued", _("émise")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="runs")
    month = models.DateField(_("mois"))  # the first day of the month
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    computed_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("facturation mensuelle")
        verbose_name_plural = _("facturations mensuelles")
        ordering = ["-month", "office__name"]
        constraints = [models.UniqueConstraint(fields=["office", "month"], name="run_unique_month")]

    def __str__(self) -> str:
        return f"{self.office} {self.month:%m/%Y}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        ISSUED = "issued", _("émise")

    class Collection(models.TextChoices):
        """How an issued invoice is collected when it is not paid at the office or online.
        Written by the apps above billing (debits, treasury): billing only reads it, to
        withhold "Payer" and to tell the family."""

        NONE = "", _("à payer")
        DEBIT = "debit", _("prélèvement prévu")
        DEBIT_SENT = "debit_sent", _("prélèvement en cours")
        TREASURY = "treasury", _("transmise au Trésor public")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(InvoiceRun, on_delete=models.CASCADE, related_name="invoices")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(_("numéro"), max_length=30, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    total = money(_("montant"), default=ZERO)
    # What was paid and credited, kept in step by the payment and credit services.
    paid = money(_("payé"), default=ZERO)
    credited = money(_("avoirs"), default=ZERO)
    # The household as it was when the invoice was issued.
    household_name = models.CharField(max_length=150, blank=True)
    household_address = models.TextField(blank=True)
    quotient = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The document as issued, rendered once by the task that follows the issue (private).
    pdf = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    # Direct debit or treasury: the debit date (or the day it was handed to the treasury) and
    # what the family is told ("FR76 •••• 1234", the bordereau and PayFiP reference).
    collection = models.CharField(
        _("recouvrement"), max_length=10, choices=Collection.choices, blank=True, default=""
    )
    collection_on = models.DateField(null=True, blank=True)
    collection_detail = models.CharField(max_length=100, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "household"], name="invoice_unique_run_household"
            ),
            models.UniqueConstraint(
                fields=["municipality", "number"],
                condition=~models.Q(number=""),
                name="invoice_unique_number",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "household"], name="invoice_muni_household"),
            models.Index(fields=["municipality", "status", "due_on"], name="invoice_muni_status"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("brouillon"))

    @property
    def due(self) -> Decimal:
        return max(self.total - self.paid - self.credited, ZERO)

    @property
    def overpaid(self) -> Decimal:
        """Money received beyond the invoice (a late confirmation of an abandoned attempt, a
        credit note on a paid invoice): the billing office owes it to the family."""
        return max(self.paid + self.credited - self.total, ZERO)

    @property
    def household_reference(self) -> str:
        """What the family quotes with a cheque or a transfer: the household's number, which
        never changes, so that every invoice of the family carries the same one."""
        return f"{self.household_id:06d}"


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        NORMAL = "normal", _("tarif normal")
        SURCHARGE = "surcharge", _("tarif majoré")

    class Pricing(models.TextChoices):
        BRACKET = rules.BRACKET, _("tranche de quotient familial")
        DEFAULT = rules.DEFAULT, _("tarif de base")
        SURCHARGE = rules.SURCHARGE, _("tarif majoré")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    child = models.ForeignKey(Child, on_delete=models.SET_NULL, null=True, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, related_name="+")
    child_name = models.CharField(max_length=200)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NORMAL)
    dates = models.JSONField(default=list)
    quantity = models.PositiveIntegerField()
    unit_price = money(_("prix unitaire"))
    amount = money(_("montant"))
    # What set the unit price, as it was when the line was computed ("" before it was kept).
    pricing = models.CharField(max_length=10, choices=Pricing.choices, blank=True)
    bracket_floor = money(_("quotient à partir de"), null=True, blank=True)
    bracket_ceiling = money(_("quotient inférieur à"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.child_name} {self.label}: {self.amount}"

    @property
    def pricing_label(self) -> str:
        """ "QF de 500 à moins de 900", "tarif de base"... as printed on the invoice."""
        if self.pricing != self.Pricing.BRACKET:
            return str(self.Pricing(self.pricing).label) if self.pricing else ""
        floor, ceiling = self.bracket_floor, self.bracket_ceiling
        if floor is None and ceiling is None:
            return str(_("tarif unique"))
        if floor is None:
            return str(_("QF inférieur à %(ceiling)s") % {"ceiling": quotient_text(ceiling)})
        if ceiling is None:
            return str(_("QF de %(floor)s et plus") % {"floor": quotient_text(floor)})
        return str(
            _("QF de %(floor)s à moins de %(ceiling)s")
            % {"floor": quotient_text(floor), "ceiling": quotient_text(ceiling)}
        )


def quotient_text(value: Decimal) -> str:
    """ "650", "1 200", "512,50": a quotient as French people write it."""
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


class CreditNote(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("numéro"), max_length=30)
    amount = money(_("montant"), validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("motif"), max_length=250)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The document, rendered once by the task that follows its creation (private).
    pdf = models.FileField(upload_to="credit-notes/%Y/%m/", blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="credit_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    class Method(models.TextChoices):
        CHEQUE = "cheque", _("chèque")
        CASH = "cash", _("espèces")
        CESU = "cesu", _("CESU")
        TRANSFER = "transfer", _("virement")
        ONLINE = "online", _("paiement en ligne")
        DEBIT = "debit", _("prélèvement")

    class Status(models.TextChoices):
        PENDING = "pending", _("en cours")
        PAID = "paid", _("payé")
        REFUSED = "refused", _("refusé")
        ABANDONED = "abandoned", _("abandonné")
        # A direct debit the debtor's bank returned (R-transaction): no longer counts as paid.
        RETURNED = "returned", _("rejeté")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("moyen de paiement"), max_length=10, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    amount = money(_("montant"), validators=[MinValueValidator(Decimal("0.01"))])
    received_on = models.DateField(_("reçu le"), null=True, blank=True)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    # Online payments: the provider's name and transaction id, unique together (idempotence).
    provider = models.CharField(max_length=10, blank=True)
    transaction_id = models.CharField(max_length=100, blank=True)
    # The part of this payment beyond what the invoice still asked for when it was confirmed.
    excess = money(_("trop-perçu"), default=ZERO)
    # What the provider said about the transaction, for reconciliation with the bank and
    # disputes (PayFiP numauto/dattrans, Payzen trans id/uuid/auth number): see
    # payments.outcomes.TRACE_FIELDS.
    provider_data = models.JSONField(_("données du prestataire"), default=dict, blank=True)
    # When the provider was last asked about this pending attempt (the return page's throttled
    # query, the reconciliation's claim: two overlapping runs never ask twice).
    checked_at = models.DateTimeField(null=True, blank=True)
    # Closed by our own wait, the provider never having answered (Payzen without its REST
    # API password cannot be asked):
    # listed for staff, who check it in the provider's back office.
    unanswered = models.BooleanField(default=False)
    # When the municipality was e-mailed about this payment having no final answer (once).
    alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=~models.Q(transaction_id=""),
                name="payment_unique_transaction",
            ),
            # One live online attempt per invoice: a second tab, a double click or a restart
            # racing another cannot open two (the services also lock the invoice).
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(method="online", status="pending"),
                name="payment_one_live_attempt",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "invoice"], name="payment_muni_invoice")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


# The reminders' models live beside their services; imported here so that Django finds them.
from ribambelle.billing.account.models import AccountMovement  # noqa: E402, F401
from ribambelle.billing.certificates.models import (  # noqa: E402, F401
    CertificateSettings,
    TaxCertificate,
)
from ribambelle.billing.reminders.models import (  # noqa: E402, F401
    ReminderLevel,
    ReminderPause,
    ReminderSent,
)
