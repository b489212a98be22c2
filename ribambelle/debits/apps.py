from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebitsConfig(AppConfig):
    name = "ribambelle.debits"
    label = "debits"
    verbose_name = _("Prélèvements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ribambelle.billing import hooks
        from ribambelle.debits.mandates import sections

        hooks.INVOICE_PAGE_SECTIONS.append(sections.invoice_page_section)
        hooks.STAFF_HOUSEHOLD_SECTIONS.append(sections.staff_household_section)
