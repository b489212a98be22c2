"""Filled in by the signup work."""

urlpatterns: list = []
