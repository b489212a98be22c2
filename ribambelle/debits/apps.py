from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebitsConfig(AppConfig):
    name = "ribambelle.debits"
    label = "debits"
    verbose_name = _("Prélèvements")
    default_auto_field = "django.db.models.BigAutoField"
