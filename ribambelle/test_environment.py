"""Pytest plugin loaded first (-p in pyproject): production settings (DEBUG off) with a test
secret and plain HTTP, set before pytest-django imports the settings."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("SITE_URL", "https://portail.example.fr")
