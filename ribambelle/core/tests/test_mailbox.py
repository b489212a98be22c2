import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from ribambelle.core import mailbox

pytestmark = pytest.mark.django_db


def send_to_mailbox():
    message = EmailMultiAlternatives(
        "Créer votre mot de passe", "Lien : http://127.0.0.1:8000/demo/x/", to=["a@example.org"]
    )
    message.attach_alternative("<p>Lien</p>", "text/html")
    assert mailbox.MailboxBackend(alias="default").send_messages([message]) == 1


def test_mailbox_lists_and_shows_emails_in_debug(client, settings):
    settings.DEBUG = True
    settings.EMAIL_MODE = "mailbox"
    send_to_mailbox()
    html = client.get("/dev/courriels/").content.decode()
    assert "Créer votre mot de passe" in html and "a@example.org" in html
    ident = mailbox.list_emails()[0].ident
    detail = client.get(f"/dev/courriels/{ident}/").content.decode()
    assert 'href="http://127.0.0.1:8000/demo/x/"' in detail


def test_mailbox_is_404_without_debug(client):
    send_to_mailbox()
    assert client.get("/dev/courriels/").status_code == 404
    ident = mailbox.list_emails()[0].ident
    assert client.get(f"/dev/courriels/{ident}/").status_code == 404


def test_mailbox_refuses_path_tricks(client, settings):
    settings.DEBUG = True
    settings.EMAIL_MODE = "mailbox"
    assert client.get("/dev/courriels/..%2F..%2Fsettings/").status_code == 404
    assert mailbox.get_email("../x") is None


@override_settings(MAILERS={"default": {"BACKEND": "ribambelle.core.mailbox.MailboxBackend"}})
def test_demo_mailer_writes_eml_files(settings):
    from django.core import mail

    mail.mailers.default.send_messages(
        [EmailMultiAlternatives("Objet", "Corps", to=["b@example.org"])]
    )
    assert list(settings.MAILBOX_DIR.glob("*.eml"))


def test_demo_points_to_the_mailbox_after_a_link_request(client, settings, municipality_a):
    from django.urls import reverse

    url = reverse("accounts:password_link_request", args=[municipality_a.slug])
    settings.DEBUG = True
    settings.EMAIL_MODE = "mailbox"
    assert "/dev/courriels/" in client.post(url, {"email": "x@example.org"}).content.decode()
    settings.DEBUG = False
    assert "/dev/courriels/" not in client.post(url, {"email": "y@example.org"}).content.decode()


def test_mailbox_is_404_in_debug_with_smtp(client, settings):
    settings.DEBUG = True
    settings.EMAIL_MODE = "smtp"
    assert client.get("/dev/courriels/").status_code == 404
