"""Shared fixtures. Personas (DESIGN.md): alice and bob, parents of municipality A; charlie,

parent of municipality B; agent_a and manager_a, staff of A; agent_b, staff of B."""

import pytest
from django.test import Client

from ribambelle.accounts.models import Role, User
from ribambelle.tenants.models import Department, Municipality

pytest_plugins = ["ribambelle.testing.browser"]

PASSWORD = "Correct-Horse-Battery-42"  # noqa: S105


@pytest.fixture(autouse=True)
def _private_dirs(settings, tmp_path):
    settings.MAILBOX_DIR = tmp_path / "mailbox"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def municipality_a(db):
    return Municipality.objects.create(slug="ville-a", name="Ville A", email="enfance@ville-a.fr")


@pytest.fixture
def municipality_b(db):
    return Municipality.objects.create(slug="ville-b", name="Ville B")


@pytest.fixture
def department_a(municipality_a):
    return Department.objects.create(
        municipality=municipality_a, name="Restauration scolaire", phone="01 02 03 04 05"
    )


def make_user(municipality, email, role=Role.PARENT, password=PASSWORD, **extra):
    return User.objects.create_user(email, password, municipality=municipality, role=role, **extra)


@pytest.fixture
def alice(municipality_a):
    return make_user(municipality_a, "alice@example.org", first_name="Alice", last_name="Martin")


@pytest.fixture
def bob(municipality_a):
    return make_user(municipality_a, "bob@example.org", first_name="Bob", last_name="Martin")


@pytest.fixture
def charlie(municipality_b):
    return make_user(municipality_b, "charlie@example.org", first_name="Charlie")


@pytest.fixture
def agent_a(municipality_a):
    return make_user(municipality_a, "agent@ville-a.fr", Role.AGENT, first_name="Agnès")


@pytest.fixture
def manager_a(municipality_a):
    return make_user(municipality_a, "chef@ville-a.fr", Role.MANAGER, first_name="Maël")


@pytest.fixture
def agent_b(municipality_b):
    return make_user(municipality_b, "agent@ville-b.fr", Role.AGENT)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return logged_in(alice)


@pytest.fixture
def agent_client(agent_a):
    return logged_in(agent_a)


@pytest.fixture
def manager_client(manager_a):
    return logged_in(manager_a)
