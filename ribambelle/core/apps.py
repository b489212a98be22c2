from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ribambelle.core"
    verbose_name = "Ribambelle"
