"""The demo and bench commands: safe to run again, and never into a database that holds other
municipalities."""

import io

import pytest
from django.core.management import CommandError, call_command

from ribambelle.accounts.models import Role, User
from ribambelle.tenants.models import Municipality

pytestmark = pytest.mark.django_db


def test_seed_demo_twice():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    demo = Municipality.objects.get(slug="demo")
    parents = User.objects.filter(municipality=demo, role=Role.PARENT)
    assert parents.count() >= 4
    assert User.objects.filter(municipality=demo).staff().count() >= 3
    assert demo.departments.count() >= 3


@pytest.mark.parametrize("command", ["seed_demo", "seed_bench"])
def test_seed_commands_refuse_a_database_with_other_municipalities(command, municipality_a):
    with pytest.raises(CommandError, match="other municipalities"):
        call_command(command, stdout=io.StringIO())
    assert not User.objects.exists()
