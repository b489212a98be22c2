from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "ribambelle.documents"
    label = "documents"
    verbose_name = _("Documents publiés")
    default_auto_field = "django.db.models.BigAutoField"
