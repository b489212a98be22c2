"""Shared fixtures. Personas (DESIGN.md): alice and bob, parents of municipality A; charlie,
parent of municipality B; agent_a, manager_a and readonly_a, staff of A; agent_b, staff of B.
Objects come from the factories of each app (`<app>/tests/factories.py`)."""

import datetime

import pytest
from django.test import Client

from ribambelle.accounts.models import Role
from ribambelle.accounts.tests.factories import PASSWORD, UserFactory
from ribambelle.core import statements
from ribambelle.families.tests.factories import ChildFactory, GuardianFactory, HouseholdFactory
from ribambelle.tenants import configuration
from ribambelle.tenants.tests.factories import DepartmentFactory, MunicipalityFactory

pytest_plugins = ["ribambelle.testing.browser"]


@pytest.fixture(autouse=True, scope="session")
def _statements_checked():
    """Every call of a compiled statement (core.statements) is compared with a fresh build of
    its queryset: a builder that reads anything but its values fails the test that uses it."""
    statements.CHECK = True
    yield
    statements.CHECK = False


@pytest.fixture(autouse=True, scope="session")
def _configuration_checked():
    """Every value of a municipality's configuration given from memory (tenants.configuration)
    is compared with a fresh read: a change that did not move the version fails the test."""
    configuration.CHECK = True
    yield
    configuration.CHECK = False


@pytest.fixture(autouse=True)
def _configuration_forgotten():
    """Each test starts with nothing kept: a test's transaction is rolled back, and the next
    test may create a municipality with the same id."""
    configuration.ByConfiguration.forget_all()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs about 130 ms a hash by design; the suite creates thousands of accounts. Tests
    hash with MD5 unless marked `real_hasher` (what is asserted about Argon2 itself); the
    production setting and the rush benchmark keep Argon2."""
    if request.node.get_closest_marker("real_hasher") is None:
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.MD5PasswordHasher",
            *settings.PASSWORD_HASHERS,
        ]


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
    return MunicipalityFactory(slug="ville-a", name="Ville A", email="enfance@ville-a.fr")


@pytest.fixture
def municipality_b(db):
    return MunicipalityFactory(slug="ville-b", name="Ville B")


@pytest.fixture
def department_a(municipality_a):
    return DepartmentFactory(
        municipality=municipality_a, name="Restauration scolaire", phone="01 02 03 04 05"
    )


def make_user(municipality, email, role=Role.PARENT, password=PASSWORD, **extra):
    return UserFactory(
        municipality=municipality, email=email, role=role, password=password, **extra
    )


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
def readonly_a(municipality_a):
    return make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY)


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


@pytest.fixture
def readonly_client(readonly_a):
    return logged_in(readonly_a)


# Families: alice and bob share the Martin household of A; dave is another household of A;
# charlie has the Durand household of B.
@pytest.fixture
def household_a(municipality_a, alice, bob):
    return HouseholdFactory(
        municipality=municipality_a,
        name="Foyer Martin",
        address="1 rue des Écoles",
        guardians=[alice, bob],
        guardians__last_name="Martin",
        guardians__mobile_phone="06 11 22 33 44",
    )


@pytest.fixture
def child_a(household_a):
    return ChildFactory(
        household=household_a,
        first_name="Léa",
        last_name="Martin",
        sex="f",
        birth_date=datetime.date(2018, 3, 14),
        birth_city="Lyon",
        school="École Jules-Ferry",
        school_class="CE1",
    )


@pytest.fixture
def dave(municipality_a):
    """A parent of another household of municipality A."""
    user = make_user(municipality_a, "dave@example.org", first_name="Dave")
    household = HouseholdFactory(municipality=municipality_a, name="Foyer Petit")
    GuardianFactory(household=household, user=user, last_name="Petit")
    ChildFactory(
        household=household,
        first_name="Tom",
        last_name="Petit",
        birth_date=datetime.date(2016, 5, 2),
    )
    return user


@pytest.fixture
def household_b(municipality_b, charlie):
    household = HouseholdFactory(municipality=municipality_b, name="Foyer Durand")
    GuardianFactory(household=household, user=charlie, last_name="Durand")
    ChildFactory(
        household=household,
        first_name="Zoé",
        last_name="Durand",
        birth_date=datetime.date(2017, 1, 9),
    )
    return household
