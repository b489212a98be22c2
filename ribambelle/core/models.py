from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what, when, with the values before and after. Written by services only; never
    updated or deleted by the application."""

    class Action(models.TextChoices):
        CREATE = "create", _("création")
        UPDATE = "update", _("modification")
        DELETE = "delete", _("suppression")
        SUBMIT = "submit", _("demande de modification")
        ACCEPT = "accept", _("modification acceptée")
        REFUSE = "refuse", _("modification refusée")
        READ_HEALTH = "read_health", _("consultation des informations médicales")
        UPLOAD = "upload", _("dépôt de document")
        IMPORT = "import", _("import")
        INVITE = "invite", _("invitation envoyée")
        OVERRIDE = "override", _("dérogation du personnel")

    municipality = models.ForeignKey(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.CharField(max_length=50)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    household_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=False)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["municipality", "-created_at"], name="audit_muni_created"),
            models.Index(fields=["municipality", "household_id"], name="audit_muni_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_type}:{self.target_id}"
