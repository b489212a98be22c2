from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebitsConfig(AppConfig):
    name = "ribambelle.debits"
    label = "debits"
    verbose_name = _("Prélèvements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ribambelle.billing import hooks
        from ribambelle.debits.collections.services import run_debits_schedule
        from ribambelle.debits.mandates import sections

        # Billing's extension points (billing never imports debits), one line each.
        registrations: list[tuple[list[Any], Any]] = [
            (hooks.RUN_ISSUED, run_debits_schedule),
            (hooks.INVOICE_PAGE_SECTIONS, sections.invoice_page_section),
            (hooks.STAFF_HOUSEHOLD_SECTIONS, sections.staff_household_section),
        ]
        for registry, hook in registrations:
            if hook not in registry:
                registry.append(hook)
