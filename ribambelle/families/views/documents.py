"""Filled in by the documents work."""

urlpatterns: list = []
