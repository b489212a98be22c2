from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "ribambelle.treasury"
    label = "treasury"
    verbose_name = _("Trésor public")
    default_auto_field = "django.db.models.BigAutoField"
