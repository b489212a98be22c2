"""Passwords are hashed with Argon2id on one lane (accounts/hashers.py): Django's time and memory
costs, one core per check; an account hashed on eight lanes still logs in, and its hash is
rewritten on one lane at that login."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from ribambelle.accounts.hashers import Argon2PasswordHasher
from ribambelle.accounts.models import User
from ribambelle.accounts.tests.test_login import post_login
from ribambelle.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.real_hasher]


def test_new_passwords_are_argon2id_on_one_lane_with_djangos_costs():
    encoded = make_password("Un mot de passe assez long")
    assert encoded.startswith("argon2$argon2id$")
    params = identify_hasher(encoded).decode(encoded)["params"]
    django = DjangoArgon2()
    assert (params.parallelism, params.time_cost, params.memory_cost) == (
        1,
        django.time_cost,
        django.memory_cost,
    )
    assert isinstance(identify_hasher(encoded), Argon2PasswordHasher)
    assert check_password("Un mot de passe assez long", encoded)
    assert not check_password("un mot de passe assez long", encoded)


def test_an_eight_lane_hash_logs_in_and_is_rewritten_on_one_lane(client, alice, municipality_a):
    eight_lanes = DjangoArgon2().encode(PASSWORD, DjangoArgon2().salt())
    assert DjangoArgon2().decode(eight_lanes)["params"].parallelism == 8
    User.objects.filter(pk=alice.pk).update(password=eight_lanes)

    response = post_login(client, municipality_a, alice.email, PASSWORD)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.password != eight_lanes
    assert identify_hasher(alice.password).decode(alice.password)["params"].parallelism == 1
    assert check_password(PASSWORD, alice.password)
