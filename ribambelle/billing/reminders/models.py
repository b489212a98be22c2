"""Reminders for unpaid invoices (relances): the levels of a billing office, what was sent,
the households whose reminders are paused."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.billing.models import BillingOffice, Invoice
from ribambelle.families.models import Household
from ribambelle.tenants.models import Municipality, TenantQuerySet


class ReminderLevel(models.Model):
    """One step of a billing office's reminders for unpaid invoices (relances), taken a number
    of days after the due date: an e-mail, or the last step, handing the invoice over to the
    public treasury (nothing is sent; the treasury export picks those invoices up)."""

    class Action(models.TextChoices):
        EMAIL = "email", _("e-mail de relance")
        TREASURY = "treasury", _("à transmettre au Trésor")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(
        BillingOffice, on_delete=models.CASCADE, related_name="reminder_levels"
    )
    days_after_due = models.PositiveSmallIntegerField(
        _("jours après la date limite de paiement"),
        validators=[MinValueValidator(1)],
    )
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.EMAIL
    )
    attach_invoice = models.BooleanField(
        _("joindre la facture en PDF"),
        default=False,
        help_text=_("Un courrier plus formel : la facture est jointe au message."),
    )
    subject = models.CharField(_("objet du message"), max_length=150, blank=True)
    text = models.TextField(
        _("texte du message"),
        blank=True,
        help_text=_(
            "Écrit sous « Bonjour, » ; le numéro de la facture, le reste à payer et le lien "
            "vers la facture sont ajoutés dessous."
        ),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("niveau de relance")
        verbose_name_plural = _("niveaux de relance")
        ordering = ["office", "days_after_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "days_after_due"], name="reminder_level_unique_days"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "office"], name="reminder_level_muni")]

    def __str__(self) -> str:
        return str(
            _("%(action)s à J+%(days)s")
            % {"action": self.get_action_display(), "days": self.days_after_due}
        )


class ReminderSent(models.Model):
    """A level taken for an invoice: at most once (the unique constraint), written in the same
    transaction as the e-mail is queued."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    level = models.ForeignKey(ReminderLevel, on_delete=models.PROTECT, related_name="sent")
    sent_on = models.DateField(_("envoyée le"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        ordering = ["sent_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="reminder_sent_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "level"], name="reminder_sent_muni")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.level}"


class ReminderPause(models.Model):
    """Reminders paused for a household (a payment plan agreed with the billing office)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="reminder_pause"
    )
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("relances suspendues")
        verbose_name_plural = _("relances suspendues")
        indexes = [models.Index(fields=["municipality", "household"], name="reminder_pause_muni")]

    def __str__(self) -> str:
        return str(self.household)
