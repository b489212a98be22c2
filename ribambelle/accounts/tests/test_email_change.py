"""Changing the login e-mail from "Mon compte": the password is asked again (15 minutes after
login), a link confirms the new address, the old one is told; no one learns whose an address
is."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ribambelle.accounts.tests.test_devices import signed_in
from ribambelle.accounts.tests.test_hardening import normalised
from ribambelle.conftest import PASSWORD, logged_in, make_user

pytestmark = pytest.mark.django_db


def url(municipality):
    return reverse("accounts:email_change", args=[municipality.slug])


def link_in(message) -> str:
    return next(word for word in message.body.split() if "/compte/adresse-e-mail/" in word)


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_asks_the_password_when_the_login_is_old(alice, municipality_a):
    client = logged_in(alice)  # no login time in this session: as if long ago
    page = client.get(url(municipality_a)).content.decode()
    assert "Mot de passe actuel" in page and "Nouvelle adresse e-mail" not in page
    response = client.post(url(municipality_a), {"new_email": "alice@new.example"})
    assert "Mot de passe actuel" in response.content.decode()
    assert mail.outbox == []
    assert client.post(url(municipality_a), {"current_password": PASSWORD}).status_code == 302
    assert "Nouvelle adresse e-mail" in client.get(url(municipality_a)).content.decode()


def test_full_change_with_the_link(alice, municipality_a):
    client = signed_in(alice)
    response = client.post(url(municipality_a), {"new_email": " Alice@New.Example "})
    assert response.status_code == 200
    assert "alice@new.example" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"  # not before the link
    [message] = mail.outbox
    assert message.to == ["alice@new.example"]
    confirm = path_of(link_in(message))
    page = client.get(confirm)
    assert page.status_code == 200 and "alice@new.example" in page.content.decode()
    done = client.post(confirm)
    assert done["Location"] == reverse("accounts:account", args=[municipality_a.slug])
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    notice = mail.outbox[1]
    assert notice.to == ["alice@example.org"]
    assert "alice@new.example" in notice.body
    # Single use.
    assert client.post(confirm).status_code == 400
    client.logout()
    login = reverse("accounts:login", args=[municipality_a.slug])
    assert client.post(login, {"email": "alice@new.example", "password": PASSWORD})[
        "Location"
    ] == reverse("portal:home", args=[municipality_a.slug])


def test_an_address_in_use_gets_the_same_page_and_changes_nothing(alice, bob, municipality_a):
    client = signed_in(alice)
    taken = client.post(url(municipality_a), {"new_email": bob.email})
    free = client.post(url(municipality_a), {"new_email": "alice.new@example.org"})
    assert taken.status_code == free.status_code == 200
    assert normalised(taken) == normalised(free)
    notice, link = mail.outbox
    assert notice.to == [bob.email] and "/compte/adresse-e-mail/" not in notice.body
    assert link.to == ["alice.new@example.org"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_bad_input_keeps_it_and_says_why_in_french(alice, municipality_a):
    client = signed_in(alice)
    same = client.post(url(municipality_a), {"new_email": "ALICE@example.org"})
    assert same.status_code == 400
    assert "C&#x27;est déjà votre adresse de connexion." in same.content.decode()
    wrong = client.post(url(municipality_a), {"new_email": "pas-une-adresse"})
    assert wrong.status_code == 400 and 'value="pas-une-adresse"' in wrong.content.decode()
    assert mail.outbox == []


def test_link_expires_after_24_hours(alice, municipality_a):
    client = signed_in(alice, remember=True)
    client.post(url(municipality_a), {"new_email": "alice@new.example"})
    confirm = path_of(link_in(mail.outbox[0]))
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert client.post(confirm).status_code == 400
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_address_taken_between_the_link_and_the_click(alice, municipality_a):
    client = signed_in(alice)
    client.post(url(municipality_a), {"new_email": "alice@new.example"})
    confirm = path_of(link_in(mail.outbox[0]))
    make_user(municipality_a, "alice@new.example")
    assert client.post(confirm).status_code == 400
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"


def test_another_accounts_link_is_refused(alice, bob, municipality_a):
    client = signed_in(alice)
    client.post(url(municipality_a), {"new_email": "alice@new.example"})
    confirm = path_of(link_in(mail.outbox[0]))
    bobs = logged_in(bob)
    assert bobs.post(confirm).status_code == 400
    bob.refresh_from_db()
    assert bob.email == "bob@example.org"


def test_other_municipality_is_404_and_anonymous_goes_to_login(client, charlie, municipality_a):
    assert logged_in(charlie).get(url(municipality_a)).status_code == 404
    response = client.get(url(municipality_a))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_an_account_without_a_role_here_is_403(municipality_a):
    roleless = make_user(municipality_a, "sans-role@example.org", role="")
    assert logged_in(roleless).get(url(municipality_a)).status_code == 403


def test_staff_may_change_their_address(agent_a, municipality_a):
    client = signed_in(agent_a)
    client.post(url(municipality_a), {"new_email": "agnes@ville-a.fr"})
    client.post(path_of(link_in(mail.outbox[0])))
    agent_a.refresh_from_db()
    assert agent_a.email == "agnes@ville-a.fr"
