"""What the first review found: each test fails on the code before its fix."""

import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ribambelle.accounts import services
from ribambelle.accounts.models import Role, User
from ribambelle.conftest import PASSWORD, logged_in, make_user

pytestmark = pytest.mark.django_db

STRONG = "Kp4#vZ9!mQ2wXy"


def login(client, municipality, email, password, **extra):
    url = reverse("accounts:login", args=[municipality.slug])
    return client.post(url, {"email": email, "password": password}, **extra)


def normalised(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'[nN]once(": |=)"[^"]+"', "", html)
    return re.sub(r"[\w.]+@example\.org", "", html)


def test_with_the_database_queue_the_request_sends_nothing(client, alice, municipality_a, settings):
    """Outside DEBUG the e-mail leaves from the worker: the request does the same work for an
    existing and an unknown e-mail (no enumeration by timing)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    url = reverse("accounts:password_link_request", args=[municipality_a.slug])
    existing = client.post(url, {"email": alice.email})
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 2
    assert normalised(existing) == normalised(unknown)
    # What the worker will run: the same task for both; only the real account gets an e-mail.
    for result in DBTaskResult.objects.order_by("enqueued_at"):
        assert result.task_path == "ribambelle.accounts.tasks.send_password_link"
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    assert [message.to for message in mail.outbox] == [[alice.email]]


def test_unknown_and_wrong_password_pages_are_identical(client, alice, municipality_a):
    wrong = login(client, municipality_a, alice.email, "wrong")
    unknown = login(client, municipality_a, "nobody@example.org", "wrong")
    assert wrong.status_code == unknown.status_code == 400
    assert normalised(wrong) == normalised(unknown)


def test_typed_passwords_are_not_kept_in_the_access_log(alice_client, municipality_a):
    url = reverse("accounts:password_change", args=[municipality_a.slug])
    response = alice_client.post(url, {"current_password": "MySecretGuess-2026!"})
    assert response.status_code == 400
    attempt = AccessAttempt.objects.get()
    assert "MySecretGuess" not in attempt.post_data


def test_account_limit_from_many_addresses(client, alice, municipality_a, settings):
    settings.LOGIN_LIMIT_PER_ACCOUNT = 4
    for n in range(4):
        login(client, municipality_a, alice.email, "wrong", REMOTE_ADDR=f"10.0.0.{n}")
    response = login(client, municipality_a, alice.email, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    assert "infructueux sur ce compte" in response.content.decode()
    # Same answer for an e-mail without an account.
    for n in range(4):
        login(client, municipality_a, "ghost@example.org", "x", REMOTE_ADDR=f"10.0.2.{n}")
    assert login(client, municipality_a, "ghost@example.org", "x").status_code == 429


def test_address_limit_on_many_accounts(client, alice, municipality_a, settings):
    settings.LOGIN_LIMIT_PER_IP = 5
    for n in range(5):
        login(client, municipality_a, f"user{n}@example.org", "Summer2026!")
    assert login(client, municipality_a, alice.email, PASSWORD).status_code == 429
    other = login(client, municipality_a, alice.email, PASSWORD, REMOTE_ADDR="10.3.3.3")
    assert other.status_code == 302


def test_success_clears_the_account_count(client, alice, municipality_a, settings):
    settings.LOGIN_LIMIT_PER_ACCOUNT = 3
    for n in range(2):
        login(client, municipality_a, alice.email, "wrong", REMOTE_ADDR=f"10.0.0.{n}")
    assert login(client, municipality_a, alice.email, PASSWORD).status_code == 302
    client.logout()
    for n in range(2):
        login(client, municipality_a, alice.email, "wrong", REMOTE_ADDR=f"10.0.0.{n}")
    assert login(client, municipality_a, alice.email, PASSWORD).status_code == 302


def test_new_password_ends_the_lockout(client, alice, municipality_a, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, municipality_a, alice.email, "wrong")
    assert login(client, municipality_a, alice.email, PASSWORD).status_code == 429
    services.user_set_password(user=alice, password=STRONG)
    assert login(client, municipality_a, alice.email, STRONG).status_code == 302


def test_operator_lockout_on_admin_is_a_page_not_an_error(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    User.objects.create_superuser("root@example.org", STRONG)
    for _ in range(2):
        client.post("/admin/login/", {"username": "root@example.org", "password": "x"})
    response = client.post("/admin/login/", {"username": "root@example.org", "password": STRONG})
    assert response.status_code == 429
    assert "essais infructueux" in response.content.decode()


def test_sender_name_with_comma_stays_one_address(client, municipality_a):
    municipality_a.name = "Ville de Saint-Jean, Mairie (Isère)"
    municipality_a.save()
    make_user(municipality_a, "nina@example.org", password=None)
    client.post(
        reverse("accounts:password_link_request", args=[municipality_a.slug]),
        {"email": "nina@example.org"},
    )
    sender = mail.outbox[0].message()["From"]
    assert sender.addresses[0].display_name == "Ville de Saint-Jean, Mairie (Isère)"
    assert len(sender.addresses) == 1


def test_subject_is_french_whatever_the_request_language(client, municipality_a):
    make_user(municipality_a, "nina@example.org", password=None)
    client.post(
        reverse("accounts:password_link_request", args=[municipality_a.slug]),
        {"email": "nina@example.org"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert mail.outbox[0].subject.startswith("Créer votre mot de passe")


def test_emails_are_stored_lower_case(municipality_a, client):
    user = make_user(municipality_a, "Mixed.Case@Example.ORG")
    assert user.email == "mixed.case@example.org"
    assert login(client, municipality_a, "MIXED.case@example.org", PASSWORD).status_code == 302


def test_concurrent_duplicate_invite_is_a_form_error(manager_client, municipality_a, monkeypatch):
    """The form check passed, then another request created the account first."""
    make_user(municipality_a, "ines@ville-a.fr", Role.AGENT)
    from ribambelle.accounts import forms

    monkeypatch.setattr(forms.StaffInviteForm, "clean_email", lambda self: "ines@ville-a.fr")
    response = manager_client.post(
        reverse("backoffice:staff_invite", args=[municipality_a.slug]),
        {"first_name": "I", "last_name": "R", "email": "ines@ville-a.fr", "role": Role.AGENT},
    )
    assert response.status_code == 400
    assert "existe déjà" in response.content.decode()


def test_department_create_is_for_managers(agent_client, municipality_a):
    url = reverse("backoffice:department_create", args=[municipality_a.slug])
    assert agent_client.get(url).status_code == 403


def test_missing_logo_file_is_404(client, municipality_a):
    municipality_a.logo.name = "logos/gone.png"
    municipality_a.save()
    assert client.get(reverse("municipality_logo", args=[municipality_a.slug])).status_code == 404


def test_session_ends_after_its_age(alice, municipality_a, settings):
    client = logged_in(alice)
    home = reverse("portal:home", args=[municipality_a.slug])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.get(home).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(home)
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]
