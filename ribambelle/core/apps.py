from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ribambelle.core"
    verbose_name = "Ribambelle"

    def ready(self):
        from ribambelle.core import checks  # noqa: F401 - registers the system checks
