"""The session store reads its row in SQL: the same sessions as Django's database store, on the
same conditions (the key, not expired), on SQLite and PostgreSQL."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from ribambelle.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_a_saved_session_is_read_back_as_django_reads_it():
    key = saved(user="42", page="grille", accents="Léa, Zoé")
    assert dict(SessionStore(key).items()) == {
        "user": "42",
        "page": "grille",
        "accents": "Léa, Zoé",
    }
    assert dict(SessionStore(key).items()) == dict(DjangoStore(key).items())


def test_an_expired_session_reads_as_empty_and_is_never_taken_over():
    key = saved(user="42")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert dict(store.items()) == {}
    # Saved again, it gets a key of its own: the expired one is not written over.
    store["user"] = "43"
    store.save()
    assert store.session_key != key
    assert SessionStore(key).get("user") is None


def test_an_unknown_key_reads_as_empty():
    saved(user="42")
    store = SessionStore("x" * 32)
    assert dict(store.items()) == {}
    assert store.session_key is None


def test_a_session_about_to_expire_is_still_read():
    key = saved(user="42")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=5)
    )
    assert SessionStore(key).get("user") == "42"
