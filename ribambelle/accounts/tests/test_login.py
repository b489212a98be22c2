"""Login, lock-out, logout, session expiry, password change from the profile."""

import pytest
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.conftest import PASSWORD, logged_in, make_user

pytestmark = pytest.mark.django_db

STRONG = "Kp4#vZ9!mQ2wXy"


STEPS = {"check": "verifier", "preview": "phrase", "generate": "generer", "save": "enregistrer"}


def step(page_url: str, action: str) -> str:
    """The URL of one step of the password page (each method posts to its own)."""
    return f"{page_url}{STEPS[action]}/"


def login_url(municipality):
    return reverse("accounts:login", args=[municipality.slug])


def post_login(client, municipality, email, password, **extra):
    return client.post(login_url(municipality), {"email": email, "password": password}, **extra)


def test_parent_logs_in_and_lands_on_home(client, alice, municipality_a):
    response = post_login(client, municipality_a, "ALICE@example.org", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home", args=[municipality_a.slug])
    home = client.get(response["Location"])
    html = home.content.decode()
    assert "Bonjour Alice" in html
    assert 'aria-current="page"' in html


def test_staff_lands_on_back_office(client, agent_a, municipality_a):
    response = post_login(client, municipality_a, agent_a.email, PASSWORD)
    assert response["Location"] == reverse("backoffice:home", args=[municipality_a.slug])


def test_next_parameter_is_limited_to_the_municipality(client, alice, municipality_a):
    url = login_url(municipality_a) + "?next=https://evil.example/"
    response = client.post(url, {"email": alice.email, "password": PASSWORD})
    assert response["Location"] == reverse("portal:home", args=[municipality_a.slug])
    client.logout()
    target = reverse("accounts:account", args=[municipality_a.slug])
    response = client.post(
        login_url(municipality_a), {"email": alice.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


def test_same_email_in_two_municipalities_are_two_accounts(client, municipality_a, municipality_b):
    make_user(municipality_a, "same@example.org", password=STRONG)
    make_user(municipality_b, "same@example.org", password=PASSWORD)
    assert post_login(client, municipality_a, "same@example.org", PASSWORD).status_code == 400
    assert post_login(client, municipality_b, "same@example.org", PASSWORD).status_code == 302


def test_account_of_other_municipality_cannot_log_in_here(client, charlie, municipality_a):
    response = post_login(client, municipality_a, charlie.email, PASSWORD)
    assert response.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_wrong_password_keeps_email_and_says_what_to_do(client, alice, municipality_a):
    response = post_login(client, municipality_a, alice.email, "wrong")
    html = response.content.decode()
    assert f'value="{alice.email}"' in html
    assert "Première connexion ou mot de passe oublié" in html
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client, alice, municipality_a):
    alice.is_active = False
    alice.save()
    assert post_login(client, municipality_a, alice.email, PASSWORD).status_code == 400


def test_lockout_after_repeated_failures(client, alice, municipality_a, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        post_login(client, municipality_a, alice.email, "wrong")
    response = post_login(client, municipality_a, alice.email, PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop d'essais infructueux" in html
    assert "bloquée pendant 15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_and_address(client, alice, bob, municipality_a, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        post_login(client, municipality_a, alice.email, "wrong")
    # Another account from the same address, and the same account from another address.
    assert post_login(client, municipality_a, bob.email, PASSWORD).status_code == 302
    other = post_login(
        client.__class__(), municipality_a, alice.email, PASSWORD, REMOTE_ADDR="10.9.8.7"
    )
    assert other.status_code == 302


def test_lockout_ends_after_cooloff(client, alice, municipality_a, settings):
    import time_machine
    from django.utils import timezone

    settings.AXES_FAILURE_LIMIT = 2
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(2):
            post_login(client, municipality_a, alice.email, "wrong")
        assert post_login(client, municipality_a, alice.email, PASSWORD).status_code == 429
        traveller.shift(60 * 16)
        assert post_login(client, municipality_a, alice.email, PASSWORD).status_code == 302


def test_logout_requires_post(alice_client, municipality_a):
    url = reverse("accounts:logout", args=[municipality_a.slug])
    assert alice_client.get(url).status_code == 405
    response = alice_client.post(url)
    assert response.status_code == 302
    assert alice_client.get(reverse("portal:home", args=[municipality_a.slug])).status_code == 302


def test_session_of_other_municipality_is_not_a_login_here(charlie, municipality_a):
    from ribambelle.conftest import logged_in

    client = logged_in(charlie)
    assert client.get(reverse("portal:home", args=[municipality_a.slug])).status_code == 404


class TestPasswordChange:
    def url(self, municipality):
        return reverse("accounts:password_change", args=[municipality.slug])

    def test_steps_of_another_municipality_answer_404(self, charlie, municipality_a):
        url = self.url(municipality_a)
        client = logged_in(charlie)
        for action in STEPS:
            assert client.post(step(url, action), {"password": STRONG}).status_code == 404

    def test_each_step_asks_the_current_password_first(self, alice_client, alice, municipality_a):
        url = self.url(municipality_a)
        data = {"method": "own", "password": STRONG, "password_confirm": STRONG}
        response = alice_client.post(step(url, "save"), data)
        assert response.status_code == 302 and response["Location"] == url
        htmx = alice_client.post(step(url, "check"), {"password": STRONG}, HTTP_HX_REQUEST="true")
        assert htmx["HX-Redirect"] == url
        alice.refresh_from_db()
        assert alice.check_password(PASSWORD)
        assert alice_client.post(url, {"current_password": PASSWORD}).status_code == 302
        feedback = alice_client.post(
            step(url, "check"), {"password": STRONG}, HTTP_HX_REQUEST="true"
        )
        assert "respecte les règles" in feedback.content.decode()
        assert alice_client.post(step(url, "generate")).status_code == 200
        assert alice_client.get(step(url, "save")).status_code == 405

    def test_requires_current_password_then_changes(self, alice_client, alice, municipality_a):
        url = self.url(municipality_a)
        page = alice_client.get(url)
        assert "Mot de passe actuel" in page.content.decode()
        wrong = alice_client.post(url, {"current_password": "nope"})
        assert "Mot de passe incorrect" in wrong.content.decode()
        assert alice_client.post(url, {"current_password": PASSWORD}).status_code == 302
        assert "Je choisis mon mot de passe" in alice_client.get(url).content.decode()
        response = alice_client.post(
            step(url, "save"),
            {"method": "own", "password": STRONG, "password_confirm": STRONG},
        )
        assert response.status_code == 302
        alice.refresh_from_db()
        assert alice.check_password(STRONG)
        # Still logged in after the change.
        account = alice_client.get(reverse("accounts:account", args=[municipality_a.slug]))
        assert account.status_code == 200
        assert "Votre mot de passe a été changé" in account.content.decode()

    def test_staff_can_change_too(self, agent_client, municipality_a):
        page = agent_client.get(self.url(municipality_a))
        assert page.status_code == 200
        assert "Mot de passe actuel" in page.content.decode()

    def test_anonymous_is_sent_to_login(self, client, municipality_a):
        response = client.get(self.url(municipality_a))
        assert response.status_code == 302
        assert response["Location"].startswith(login_url(municipality_a))

    def test_other_municipality_gets_404(self, municipality_a, charlie):
        from ribambelle.conftest import logged_in

        assert logged_in(charlie).get(self.url(municipality_a)).status_code == 404

    def test_operator_gets_404(self, municipality_a, db):
        from ribambelle.accounts.models import User
        from ribambelle.conftest import logged_in

        operator = User.objects.create_superuser("root@example.org", STRONG)
        assert logged_in(operator).get(self.url(municipality_a)).status_code == 404


def test_account_page_three_cases(alice_client, municipality_a, charlie):
    from ribambelle.conftest import logged_in

    url = reverse("accounts:account", args=[municipality_a.slug])
    response = alice_client.get(url)
    assert response.status_code == 200
    assert "alice@example.org" in response.content.decode()
    assert logged_in(charlie).get(url).status_code == 404


def test_operator_logs_into_admin(client, db):
    from ribambelle.accounts.models import User

    User.objects.create_superuser("root@example.org", STRONG)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root@example.org", "password": STRONG}
    )
    assert response.status_code == 302
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "root@example.org" in admin.content.decode()


def test_parent_cannot_reach_admin(alice_client):
    response = alice_client.get("/admin/")
    assert response.status_code == 302  # to the admin login: parents are not operators


def test_roles(alice, agent_a, manager_a):
    assert alice.is_parent and not alice.is_municipal_staff
    assert agent_a.can_write and not agent_a.can_manage
    assert manager_a.can_manage
    reader = make_user(agent_a.municipality, "lecture@ville-a.fr", Role.READ_ONLY)
    assert reader.is_municipal_staff and not reader.can_write


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "1.1.1.1", "10.0.0.1"),
    ],
)
def test_client_ip_behind_proxies(rf, settings, count, forwarded, expected):
    from ribambelle.accounts.backends import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == expected


def test_lockout_behind_a_proxy_is_per_client(client, alice, municipality_a, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(2):
        post_login(client, municipality_a, alice.email, "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6")
    locked = post_login(
        client, municipality_a, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6"
    )
    assert locked.status_code == 429
    other = post_login(
        client, municipality_a, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="7.7.7.7"
    )
    assert other.status_code == 302
