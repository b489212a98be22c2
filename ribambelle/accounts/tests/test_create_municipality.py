"""`manage.py create_municipality`: the operator's way to open a municipality and invite its
first manager."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from ribambelle.accounts.models import Role, User
from ribambelle.tenants.models import Municipality


def test_create_municipality_command(db):
    out = io.StringIO()
    call_command(
        "create_municipality",
        "villeneuve",
        "Ville de Villeneuve",
        "--manager-email",
        "chef@villeneuve.fr",
        "--password-floor",
        "50",
        stdout=out,
    )
    municipality = Municipality.objects.get(slug="villeneuve")
    assert municipality.password_min_entropy == 50
    manager = User.objects.get(municipality=municipality)
    assert manager.role == Role.MANAGER and not manager.has_usable_password()
    assert mail.outbox[0].to == ["chef@villeneuve.fr"]


@pytest.mark.parametrize("slug", ["admin", "Bad Slug", "static"])
def test_create_municipality_refuses_bad_slugs(db, slug):
    with pytest.raises(CommandError):
        call_command("create_municipality", slug, "X", stdout=io.StringIO())
    assert not Municipality.objects.exists()
