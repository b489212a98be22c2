"""Filled in by the staff work."""

urlpatterns: list = []
