from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data and their commands. Registered last: it sits on top of every
    app, writes through them, and no other app imports it."""

    name = "ribambelle.demo"
