"""Filled in by the imports work."""

urlpatterns: list = []
