"""The family account's ledger (compte famille, invariant 10, docs/decisions/0015)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import CreditNote, Invoice, Payment
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality, TenantQuerySet


class AccountMovement(models.Model):
    """One line of a household's account (compte famille): what moved, when, on which invoice
    or payment. The balance is the sum of `amount_cents` (no stored total that could drift);
    the credit the family holds is the sum of `credit_cents`. Invoices and refunds debit the
    balance, payments and credit notes credit it; money received beyond an invoice becomes a
    credit (EXCESS), which later invoices use (CREDIT_APPLIED) or staff refund (REFUND)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("facture")
        PAYMENT = "payment", _("paiement")
        CREDIT_NOTE = "credit_note", _("avoir")
        EXCESS = "excess", _("trop-perçu mis en crédit")
        CREDIT_APPLIED = "applied", _("crédit utilisé")
        REFUND = "refund", _("remboursement")
        RETURN = "return", _("prélèvement rejeté")
        # A charge outside any invoice (a returned debit's bank fee) or its settlement: it
        # moves the balance and the credit together, so a fee not yet paid is a negative credit
        # that the next credit received covers first.
        FEE = "fee", _("frais de rejet")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="account_movements"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The payment's channel (Payment.Method), or a refund's.
    method = models.CharField(max_length=10, blank=True)
    on = models.DateField(_("date"))
    amount_cents = models.BigIntegerField(default=0)
    credit_cents = models.BigIntegerField(default=0)
    # DO_NOTHING: the database's foreign keys forbid deleting what a movement names, without
    # the extra query per delete that PROTECT costs (draft invoices are replaced in bulk).
    invoice = models.ForeignKey(
        Invoice, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="movements"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="movements"
    )
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="movements"
    )
    label = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("mouvement du compte famille")
        verbose_name_plural = _("mouvements du compte famille")
        ordering = ["-on", "-pk"]
        indexes = [
            models.Index(
                fields=["municipality", "household", "-on"], name="movement_muni_household"
            )
        ]
        # An invoice is debited once, a payment and a credit note credited once, whatever
        # retries or replays happen (payment_confirm is idempotent; this is the last guard).
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=models.Q(kind="invoice"), name="movement_one_invoice"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="payment"), name="movement_one_payment"
            ),
            models.UniqueConstraint(
                fields=["credit_note"],
                condition=models.Q(kind="credit_note"),
                name="movement_one_credit_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_cents}"

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.amount_cents) / 100).quantize(Decimal("0.01"))

    @property
    def credit(self) -> Decimal:
        return (Decimal(self.credit_cents) / 100).quantize(Decimal("0.01"))

    @property
    def credit_spent(self) -> Decimal:
        """What a CREDIT_APPLIED or REFUND movement took from the credit, positive."""
        return -self.credit
