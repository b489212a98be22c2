from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "ribambelle.tenants"
    verbose_name = _("Collectivités")

    def ready(self):
        # The triggers that move a municipality's configuration version (tenants.configuration).
        from ribambelle.tenants import configuration

        configuration.track("tenants.Department")
        pre_migrate.connect(configuration.uninstall, sender=self)
        post_migrate.connect(configuration.install, sender=self)
