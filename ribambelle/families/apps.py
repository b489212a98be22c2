from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "ribambelle.families"
    verbose_name = _("Familles")

    def ready(self):
        from ribambelle.tenants import configuration

        # What the completeness check reads, kept per process (completeness.requirement_specs).
        configuration.track("families.Requirement", "families.Consent")
