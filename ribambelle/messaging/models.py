from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ribambelle.tenants.models import TenantQuerySet


class Conversation(models.Model):
    """A thread between a household and a department; both sides see all of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        CLOSED = "closed", _("Close")

    municipality = models.ForeignKey("tenants.Municipality", on_delete=models.CASCADE)
    household = models.ForeignKey(
        "families.Household", on_delete=models.CASCADE, related_name="conversations"
    )
    department = models.ForeignKey(
        "tenants.Department", on_delete=models.PROTECT, related_name="conversations"
    )
    subject = models.CharField(_("objet"), max_length=200)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("suivie par"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    family_read_at = models.DateTimeField(null=True, blank=True)
    staff_read_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(
                fields=["municipality", "household", "-last_message_at"],
                name="conversation_household",
            ),
            models.Index(
                fields=["municipality", "department", "status"], name="conversation_inbox"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def unread_for_family(self) -> bool:
        return self.family_read_at is None or self.family_read_at < self.last_message_at

    @property
    def unread_for_staff(self) -> bool:
        return self.staff_read_at is None or self.staff_read_at < self.last_message_at


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    # Sanitized on write by services.message_body (nh3); never edited afterwards.
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messaging/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
