"""The session store reads its row and its account in one statement: the same sessions as
Django's database store, on the same conditions (the key, not expired), on SQLite and
PostgreSQL; the user it read is taken only when it is the one the session's data names."""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ribambelle.accounts.backends import MunicipalityEmailBackend
from ribambelle.accounts.models import Session, User
from ribambelle.accounts.sessions import SessionStore, reading_store

pytestmark = pytest.mark.django_db
BACKEND = "ribambelle.accounts.backends.MunicipalityEmailBackend"


class ReferenceStore(db.SessionStore):
    """Django's own database store, reading the same table with the ORM (the same class name:
    a store's class name salts the signature of its data)."""

    __qualname__ = "SessionStore"

    @classmethod
    def get_model_class(cls):
        return Session


def saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def signed_in(user) -> str:
    return saved(
        **{
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: BACKEND,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )


def test_a_saved_session_is_read_back_as_django_reads_it():
    key = saved(user="42", page="grille", accents="Léa, Zoé")
    assert dict(SessionStore(key).items()) == {
        "user": "42",
        "page": "grille",
        "accents": "Léa, Zoé",
    }
    assert dict(SessionStore(key).items()) == dict(ReferenceStore(key).items())


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
    assert store.signed_in_user is None


def test_a_session_about_to_expire_is_still_read():
    key = saved(user="42")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=5)
    )
    assert SessionStore(key).get("user") == "42"


def test_the_account_is_written_from_the_data_at_each_save(alice, bob):
    key = signed_in(alice)
    assert Session.objects.get(session_key=key).user_id == alice.pk
    store = SessionStore(key)
    store[SESSION_KEY] = str(bob.pk)
    store.save()
    assert Session.objects.get(session_key=key).user_id == bob.pk
    del store[SESSION_KEY]
    store.save()
    assert Session.objects.get(session_key=key).user_id is None
    assert saved(page="accueil") and Session.objects.filter(user=None).count() == 2


def test_a_parent_is_read_with_municipality_guardian_and_household(alice, household_a):
    store = SessionStore(signed_in(alice))
    with CaptureQueriesContext(connection) as queries:
        assert store[SESSION_KEY] == str(alice.pk)
        user = store.signed_in_user
        assert user is not None and user.pk == alice.pk
        assert user.email == alice.email and user.password == alice.password
        assert user.last_login == alice.last_login and user.is_active is True
        assert user.municipality == alice.municipality
        assert user.municipality.slug == "ville-a"
        assert user.guardian.household == household_a
        assert user.guardian.household.name == "Foyer Martin"
        assert user.guardian.user is user
    assert len(queries) == 1
    assert "accounts_user" in queries[0]["sql"] and "families_household" in queries[0]["sql"]
    # Every field as the ORM reads it (dates, booleans, decimals, JSON: the converters).
    expected = User.objects.select_related("municipality", "guardian__household").get(pk=alice.pk)
    for read, orm in [
        (user, expected),
        (user.municipality, expected.municipality),
        (user.guardian, expected.guardian),
        (user.guardian.household, expected.guardian.household),
    ]:
        fields = type(orm)._meta.concrete_fields
        assert {f.attname: getattr(read, f.attname) for f in fields} == {
            f.attname: getattr(orm, f.attname) for f in fields
        }
        assert read._state.adding is False and read._state.db == "default"


def test_staff_have_no_guardian_and_reading_it_costs_nothing(agent_a):
    store = SessionStore(signed_in(agent_a))
    store.load()
    user = store.signed_in_user
    with CaptureQueriesContext(connection) as queries:
        assert user.municipality.slug == "ville-a"
        assert getattr(user, "guardian", None) is None
    assert len(queries) == 0


def test_the_backend_takes_the_read_user_only_when_the_session_names_it(alice, bob):
    store = SessionStore(signed_in(alice))
    store.load()
    backend = MunicipalityEmailBackend()
    token = reading_store.set(store)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert backend.get_user(alice.pk) is store.signed_in_user
        assert len(queries) == 0
        # Another id (a row whose account disagrees with its data): read as before.
        other = backend.get_user(bob.pk)
        assert other is not None and other.pk == bob.pk and other is not store.signed_in_user
    finally:
        reading_store.reset(token)
    # Outside the middleware's call, the store is not at hand: read as before.
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(alice.pk).pk == alice.pk
    assert len(queries) == 1


def test_an_inactive_account_read_with_its_session_is_refused(alice):
    store = SessionStore(signed_in(alice))
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    store.load()
    token = reading_store.set(store)
    try:
        assert MunicipalityEmailBackend().get_user(alice.pk) is None
    finally:
        reading_store.reset(token)


def test_a_family_page_reads_session_and_account_in_one_statement(alice, household_a):
    client = Client()
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ville-a/")
    assert response.status_code == 200
    assert response.context["user"].pk == alice.pk
    first = queries.captured_queries[0]["sql"]
    assert "accounts_session" in first and "accounts_user" in first
    assert not any(
        '"accounts_user"."password"' in query["sql"] for query in queries.captured_queries[1:]
    )


def test_a_session_whose_account_column_disagrees_signs_in_the_one_its_data_names(
    alice, bob, household_a
):
    """The column is a read-ahead, never what says who is signed in."""
    client = Client()
    client.force_login(alice)
    Session.objects.filter(session_key=client.session.session_key).update(user=bob)
    response = client.get("/ville-a/compte/")
    assert response.status_code == 200
    assert response.context["user"].pk == alice.pk


def test_a_changed_password_still_ends_the_other_sessions(alice, household_a):
    client = Client()
    client.force_login(alice)
    assert client.get("/ville-a/").status_code == 200
    alice.set_password("Un-autre-mot-de-passe-2026!")
    alice.save()
    response = client.get("/ville-a/")
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_deleting_an_account_deletes_its_sessions(alice, bob):
    signed_in(alice)
    kept = signed_in(bob)
    alice.delete()
    assert list(Session.objects.values_list("session_key", flat=True)) == [kept]


def test_the_upgrade_carries_live_sessions_over_with_their_account(alice):
    from importlib import import_module

    migration = import_module("ribambelle.accounts.migrations.0004_sessions_with_their_account")
    django_store = db.SessionStore()  # Django's own store and table
    django_store.update(
        {
            SESSION_KEY: str(alice.pk),
            BACKEND_SESSION_KEY: BACKEND,
            HASH_SESSION_KEY: alice.get_session_auth_hash(),
        }
    )
    django_store.save()
    anonymous = db.SessionStore()
    anonymous["page"] = "accueil"
    anonymous.save()
    expired = db.SessionStore()
    expired["page"] = "vieux"
    expired.save()
    DjangoSession.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    unknown = db.SessionStore()
    unknown[SESSION_KEY] = "999999"
    unknown.save()

    migration.carry_sessions_over(apps, SimpleNamespace(connection=connection))

    assert not DjangoSession.objects.exists()
    carried = dict(Session.objects.values_list("session_key", "user_id"))
    # The one naming an account that does not exist signs nobody in: dropped.
    assert carried == {django_store.session_key: alice.pk, anonymous.session_key: None}
    # Still signed in, read by Ribambelle's store.
    store = SessionStore(django_store.session_key)
    assert store[SESSION_KEY] == str(alice.pk)
    assert store.signed_in_user.pk == alice.pk


def test_clearsessions_deletes_the_expired_ones(alice):
    from django.core.management import call_command

    live = signed_in(alice)
    expired = saved(page="accueil")
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    call_command("clearsessions")
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


@pytest.mark.django_db(transaction=True)
def test_a_session_naming_a_deleted_account_still_saves_and_signs_nobody_in(alice):
    """No constraint in the database: Django's create() would retry for ever on a refused
    INSERT (a login or a password change racing the account's deletion). Committed for real:
    both databases check foreign keys at commit."""
    store = SessionStore()
    store.update({SESSION_KEY: "999999", BACKEND_SESSION_KEY: BACKEND})
    # One attempt of create()'s loop: a refused INSERT would raise CreateError here.
    store._session_key = store._get_new_session_key()
    store.save(must_create=True)
    store["page"] = "accueil"
    store.save()  # and an update
    read = SessionStore(store.session_key)
    assert read[SESSION_KEY] == "999999"
    assert read.signed_in_user is None
    token = reading_store.set(read)
    try:
        assert MunicipalityEmailBackend().get_user(999999) is None
    finally:
        reading_store.reset(token)


def test_a_session_never_shows_its_key(alice):
    key = signed_in(alice)
    session = Session.objects.get(session_key=key)
    assert key not in str(session)
    assert str(alice.pk) in str(session)


def test_the_async_store_writes_the_account_too(alice):
    from asgiref.sync import async_to_sync

    store = SessionStore()
    data = {SESSION_KEY: str(alice.pk)}
    session = async_to_sync(store.acreate_model_instance)(data)
    assert session.user_id == alice.pk
    assert async_to_sync(store.acreate_model_instance)({}).user_id is None
