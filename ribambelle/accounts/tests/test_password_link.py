"""First connection / forgotten password: no enumeration, 24 h single-use links."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ribambelle.accounts.models import Role, User
from ribambelle.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "Kp4#vZ9!mQ2wXy"


STEPS = {"check": "verifier", "preview": "phrase", "generate": "generer", "save": "enregistrer"}


def step(page_url: str, action: str) -> str:
    """The URL of one step of the password page (each method posts to its own)."""
    return f"{page_url}{STEPS[action]}/"


def request_url(municipality):
    return reverse(
        "accounts:password_link_request", kwargs={"municipality_slug": municipality.slug}
    )


def link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return next(word for word in body.split() if "/mot-de-passe/" in word)


def strip_csrf(html: str) -> str:
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'[nN]once(": |=)"[^"]+"', "", html)


@pytest.fixture
def newcomer(municipality_a):
    return User.objects.create_user(
        "nina@example.org", None, municipality=municipality_a, role=Role.PARENT, first_name="Nina"
    )


def test_request_sends_branded_email_with_link(client, newcomer, municipality_a):
    response = client.post(request_url(municipality_a), {"email": "NINA@example.org"})
    assert response.status_code == 200
    assert "indésirables" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.org"]
    assert "Ville A" in message.subject
    assert "Créer le mot de passe" in message.body
    html = message.alternatives[0].content
    assert "Créer le mot de passe" in html and "Ville A" in html
    assert message.reply_to == ["enfance@ville-a.fr"]


def test_no_enumeration_same_answer_same_queries(client, newcomer, municipality_a):
    """The answer and the work done (queries, task queued) do not depend on the account."""

    def submit(email):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(request_url(municipality_a), {"email": email})
        return response, len(queries)

    existing, existing_queries = submit("nina@example.org")
    missing, missing_queries = submit("nobody@example.org")
    assert existing.status_code == missing.status_code == 200
    body_existing = strip_csrf(existing.content.decode()).replace("nina@example.org", "X")
    body_missing = strip_csrf(missing.content.decode()).replace("nobody@example.org", "X")
    assert body_existing == body_missing
    assert existing_queries == missing_queries
    assert len(mail.outbox) == 1  # only the real account got an e-mail


def test_account_of_other_municipality_gets_no_email(client, charlie, municipality_a):
    client.post(request_url(municipality_a), {"email": charlie.email})
    assert mail.outbox == []


def test_request_is_throttled_per_email(client, newcomer, municipality_a, settings):
    settings.PASSWORD_LINK_LIMIT_PER_EMAIL = 2
    for _ in range(2):
        assert (
            client.post(request_url(municipality_a), {"email": newcomer.email}).status_code == 200
        )
    response = client.post(request_url(municipality_a), {"email": newcomer.email})
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert len(mail.outbox) == 2
    # Same answer for an e-mail that has no account: throttling reveals nothing.
    for _ in range(2):
        client.post(request_url(municipality_a), {"email": "ghost@example.org"})
    assert (
        client.post(request_url(municipality_a), {"email": "ghost@example.org"}).status_code == 429
    )


def test_request_is_throttled_per_ip(client, municipality_a, settings):
    settings.PASSWORD_LINK_LIMIT_PER_IP = 3
    for n in range(3):
        client.post(request_url(municipality_a), {"email": f"n{n}@example.org"})
    response = client.post(request_url(municipality_a), {"email": "other@example.org"})
    assert response.status_code == 429


def test_invalid_email_keeps_input(client, municipality_a):
    response = client.post(request_url(municipality_a), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="pas-une-adresse"' in html
    assert "Saisissez une adresse de courriel valide" in html


def open_link(client, link):
    response = client.get(link)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.mark.real_hasher
def test_link_then_create_password_then_login(client, newcomer, municipality_a):
    client.post(request_url(municipality_a), {"email": newcomer.email})
    create_url = open_link(client, link_from_outbox())
    token = link_from_outbox().rstrip("/").rsplit("/", 1)[-1]
    assert "/mot-de-passe/" in create_url and token not in create_url
    page = client.get(create_url)
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Je choisis mon mot de passe", "généré pour moi", "tire d'une phrase"):
        assert title in html
    response = client.post(
        step(create_url, "save"),
        {"method": "own", "password": STRONG, "password_confirm": STRONG},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login", args=[municipality_a.slug]))
    newcomer.refresh_from_db()
    assert newcomer.check_password(STRONG)
    assert newcomer.password.startswith("argon2")
    login = client.post(
        reverse("accounts:login", args=[municipality_a.slug]),
        {"email": newcomer.email, "password": STRONG},
    )
    assert login.status_code == 302
    assert login["Location"] == reverse("portal:home", args=[municipality_a.slug])


def test_link_is_single_use(client, newcomer, municipality_a):
    client.post(request_url(municipality_a), {"email": newcomer.email})
    link = link_from_outbox()
    create_url = open_link(client, link)
    client.post(
        step(create_url, "save"),
        {"method": "own", "password": STRONG, "password_confirm": STRONG},
    )
    response = client.get(link)
    assert response.status_code == 400
    assert "Lien expiré ou déjà utilisé" in response.content.decode()
    # The creation page cannot be replayed either.
    assert client.get(create_url).status_code == 400


def test_each_method_posts_to_its_own_step_which_needs_the_link(client, newcomer, municipality_a):
    client.post(request_url(municipality_a), {"email": newcomer.email})
    create_url = open_link(client, link_from_outbox())
    html = client.get(create_url).content.decode()
    assert f'action="{step(create_url, "save")}"' in html
    assert f'action="{step(create_url, "generate")}"' in html
    assert f'formaction="{step(create_url, "preview")}"' in html
    assert f'data-hx-post="{step(create_url, "check")}"' in html
    assert client.get(step(create_url, "save")).status_code == 405
    # Without the link's token in the session, no step works.
    stranger = Client()
    for action in STEPS:
        response = stranger.post(step(create_url, action), {"password": STRONG})
        assert response.status_code == 400, action
    response = stranger.post(
        step(create_url, "save"),
        {"method": "own", "password": STRONG, "password_confirm": STRONG},
    )
    assert "Lien expiré ou déjà utilisé" in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_link_expires_after_24_hours(client, newcomer, municipality_a):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(request_url(municipality_a), {"email": newcomer.email})
        link = link_from_outbox()
        traveller.shift(timedelta(hours=23, minutes=59))
        assert client.get(link).status_code == 302
        traveller.shift(timedelta(minutes=2))
        response = client.get(link)
    assert response.status_code == 400
    assert "plus de 24 heures" in response.content.decode()


def test_link_dies_when_password_changes(client, alice, municipality_a):
    client.post(request_url(municipality_a), {"email": alice.email})
    link = link_from_outbox()
    from ribambelle.accounts.services import user_set_password

    user_set_password(user=alice, password=STRONG)
    assert client.get(link).status_code == 400


def test_link_of_other_municipality_is_refused(client, charlie, municipality_a, municipality_b):
    client.post(request_url(municipality_b), {"email": charlie.email})
    link = link_from_outbox().replace("/ville-b/", "/ville-a/")
    assert client.get(link).status_code == 400


def test_forged_tokens_are_refused(client, newcomer, municipality_a):
    for path in ("MQ/abc-123/", "zzz/abc/", "!!/x/"):
        response = client.get(f"/{municipality_a.slug}/mot-de-passe/{path}")
        assert response.status_code in {400, 404}


class TestMethods:
    @pytest.fixture
    def create_url(self, client, newcomer, municipality_a):
        client.post(request_url(municipality_a), {"email": newcomer.email})
        return open_link(client, link_from_outbox())

    def test_weak_password_refused_keeps_input(self, client, newcomer, create_url):
        response = client.post(
            step(create_url, "save"),
            {
                "method": "own",
                "password": "Azerty123!",
                "password_confirm": "Azerty123!",
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "trop facile à deviner" in html
        assert 'value="Azerty123!"' in html
        newcomer.refresh_from_db()
        assert not newcomer.has_usable_password()

    def test_mismatch_refused(self, client, newcomer, create_url):
        response = client.post(
            step(create_url, "save"),
            {
                "method": "own",
                "password": STRONG,
                "password_confirm": STRONG + "x",
            },
        )
        assert response.status_code == 400
        assert "différentes" in response.content.decode()

    def test_email_derived_refused(self, client, newcomer, create_url):
        password = "Nina-Example-2024!x"
        response = client.post(
            step(create_url, "save"),
            {"method": "own", "password": password, "password_confirm": password},
        )
        assert response.status_code == 400
        assert "adresse e-mail ou votre nom" in response.content.decode()

    def test_live_check_feedback(self, client, create_url):
        weak = client.post(
            step(create_url, "check"), {"password": "Azerty123!"}, HTTP_HX_REQUEST="true"
        )
        assert "trop facile à deviner" in weak.content.decode()
        strong = client.post(
            step(create_url, "check"), {"password": STRONG}, HTTP_HX_REQUEST="true"
        )
        assert "respecte les règles" in strong.content.decode()

    def test_generated_method(self, client, newcomer, create_url):
        page = client.post(step(create_url, "generate"), {}).content.decode()
        import re

        generated = re.search(r'id="generated-display" value="([^"]+)"', page).group(1)
        from html import unescape

        generated = unescape(generated)
        refused = client.post(
            step(create_url, "save"), {"method": "generated", "generated": generated}
        )
        assert refused.status_code == 400  # acknowledgement missing
        assert "Cochez la case" in refused.content.decode()
        response = client.post(
            step(create_url, "save"),
            {"method": "generated", "generated": generated, "acknowledged": "on"},
        )
        assert response.status_code == 302
        newcomer.refresh_from_db()
        assert newcomer.check_password(generated)

    def test_generated_method_rechecks_forged_value(self, client, newcomer, create_url):
        response = client.post(
            step(create_url, "save"),
            {"method": "generated", "generated": "abc", "acknowledged": "on"},
        )
        assert response.status_code == 400
        newcomer.refresh_from_db()
        assert not newcomer.has_usable_password()

    def test_sentence_method(self, client, newcomer, create_url):
        sentence = "Mon fils Léo a eu 7 ans le 3 mars, quel bonheur !"
        preview = client.post(
            step(create_url, "preview"), {"sentence": sentence}, HTTP_HX_REQUEST="true"
        )
        assert "MfLae7al3m,qb!" in preview.content.decode()
        nojs = client.post(step(create_url, "preview"), {"sentence": sentence})
        assert "MfLae7al3m,qb!" in nojs.content.decode()
        response = client.post(
            step(create_url, "save"), {"method": "sentence", "sentence": sentence}
        )
        assert response.status_code == 302
        newcomer.refresh_from_db()
        assert newcomer.check_password("MfLae7al3m,qb!")

    def test_short_sentence_refused(self, client, create_url):
        response = client.post(
            step(create_url, "save"), {"method": "sentence", "sentence": "Il fait beau"}
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "Le mot de passe obtenu est trop court : 3 caractères" in html
        assert "Il fait beau" in html

    def test_ten_word_sentence_gets_hints_it_can_follow(self, client, newcomer, create_url):
        """A 10-word sentence was refused with "utilisez une phrase d'au moins 7 mots", which
        the first letters of a sentence can never satisfy."""
        sentence = "Le matin je bois un grand café avec du lait"
        response = client.post(
            step(create_url, "save"), {"method": "sentence", "sentence": sentence}
        )
        assert response.status_code == 400
        html = response.content.decode()
        errors = html.split('id="id_sentence_error"', 1)[1].split("</ul>", 1)[0]
        assert "10 caractères, un par mot, nombre ou ponctuation de la phrase" in errors
        assert "il en faut au moins 14. Allongez la phrase." in errors
        assert "12 suffisent" in errors
        assert "7 mots" not in errors
        assert "au moins 12 mots, nombres et ponctuation compris" in html  # said beforehand
        newcomer.refresh_from_db()
        assert not newcomer.has_usable_password()
        preview = client.post(
            step(create_url, "preview"), {"sentence": sentence}, HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "il en faut au moins 14" in preview
        assert "7 mots" not in preview

    def test_spraying_pattern_refused_keeps_input(self, client, newcomer, create_url):
        password = "Ribambelle2026!"
        response = client.post(
            step(create_url, "save"),
            {"method": "own", "password": password, "password_confirm": password},
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "reprend le nom du portail ou de la commune" in html
        assert f'value="{password}"' in html
        newcomer.refresh_from_db()
        assert not newcomer.has_usable_password()


def test_municipality_lower_floor_applies(client, newcomer, municipality_a):
    municipality_a.password_min_entropy = 50
    municipality_a.save()
    client.post(request_url(municipality_a), {"email": newcomer.email})
    create_url = open_link(client, link_from_outbox())
    response = client.post(
        step(create_url, "save"),
        {
            "method": "own",
            "password": "Azerty123!",
            "password_confirm": "Azerty123!",
        },
    )
    # "Azerty123!" is strong enough at 50 bits, but it is a common password with digits.
    assert response.status_code == 400
    assert "plus courants" in response.content.decode()
    response = client.post(
        step(create_url, "save"),
        {
            "method": "own",
            "password": "Vq7!tr2Ks",
            "password_confirm": "Vq7!tr2Ks",
        },
    )
    assert response.status_code == 302


def test_floor_never_below_50(municipality_a):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    municipality_a.password_min_entropy = 40
    with pytest.raises(ValidationError):
        municipality_a.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        municipality_a.save()


def test_existing_password_still_works_until_changed(client, alice, municipality_a):
    client.post(request_url(municipality_a), {"email": alice.email})
    response = client.post(
        reverse("accounts:login", args=[municipality_a.slug]),
        {"email": alice.email, "password": PASSWORD},
    )
    assert response.status_code == 302
