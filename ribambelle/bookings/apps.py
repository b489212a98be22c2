from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "ribambelle.bookings"
    label = "bookings"
    verbose_name = _("Réservations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # SQLite's view for the toggle's single statement (see sqlite_toggle): out of the way of
        # the migrations, which may rebuild the tables it names, and back after them.
        from ribambelle.bookings import sqlite_toggle
        from ribambelle.tenants import configuration

        # What every grid and tick reads, kept per process (selectors.active_configuration).
        configuration.track("bookings.Activity", "bookings.Closure")

        pre_migrate.connect(sqlite_toggle.uninstall, sender=self)
        post_migrate.connect(sqlite_toggle.install, sender=self)
