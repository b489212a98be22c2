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

        # Billing's extension points (billing never imports debits), one line each.
        for registry, function in [(hooks.RUN_ISSUED, run_debits_schedule)]:
            if function not in registry:
                registry.append(function)
