"""Refunds of families' credit by SEPA credit transfer: the transfers decided by staff and
the pain.001 files that carry them to the bank."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice, money
from ribambelle.debits.models import Mandate
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality, TenantQuerySet


class RefundFile(models.Model):
    """A credit transfer file (pain.001.001.03) of a billing office refunding families' credit
    to the accounts of their mandates: immutable once generated (the same bytes are served)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=35, unique=True)
    count = models.PositiveIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)
    file = models.FileField(upload_to="refund-transfers/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("fichier de remboursements")
        verbose_name_plural = _("fichiers de remboursements")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "office"], name="refund_file_muni_office")]

    def __str__(self) -> str:
        return self.message_id


class RefundTransfer(models.Model):
    """A refund of a household's credit by credit transfer to its mandate's account. The
    account's REFUND movement is posted when the refund is decided (the credit can no longer
    be spent meanwhile); the transfer waits for the office's next file."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à virer")
        IN_FILE = "in_file", _("dans un fichier de virements")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(BillingOffice, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="refunds")
    amount = money(_("montant"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    end_to_end_id = models.CharField(max_length=35, unique=True)
    movement = models.OneToOneField(
        "billing.AccountMovement", on_delete=models.PROTECT, related_name="refund_transfer"
    )
    file = models.ForeignKey(
        RefundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("remboursement par virement")
        verbose_name_plural = _("remboursements par virement")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "office", "status"], name="refund_muni_status")
        ]

    def __str__(self) -> str:
        return self.end_to_end_id
