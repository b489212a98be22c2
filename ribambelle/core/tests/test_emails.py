"""E-mails as a mail server receives them: through Django's SMTP backend to a real SMTP server
(aiosmtpd) on localhost, parsed back from the bytes it received."""

import datetime
import email
import email.policy
import socket
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from ribambelle.billing.tasks import send_invoice_issued
from ribambelle.billing.tests.factories import InvoiceFactory
from ribambelle.core.emails import message_id_domain, send_branded_email
from ribambelle.messaging.tasks import notify_staff

pytestmark = pytest.mark.django_db


class Sink:
    def __init__(self):
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield sink.received
    controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize(
    ("sender", "site", "domain"),
    [
        (
            "Portail famille <ne-pas-repondre@portail.villeneuve.fr>",
            "https://x.fr",
            "portail.villeneuve.fr",
        ),
        ("ne-pas-repondre@Mairie.Example", "https://x.fr", "mairie.example"),
        (
            "Ribambelle <ne-pas-repondre@localhost>",
            "https://portail.example.fr",
            "portail.example.fr",
        ),
        ("Ribambelle <ne-pas-repondre@localhost>", "http://127.0.0.1:8000", "ribambelle.invalid"),
    ],
)
def test_message_id_domain(settings, sender, site, domain):
    settings.DEFAULT_FROM_EMAIL = sender
    settings.SITE_URL = site
    assert message_id_domain() == domain


def test_headers_on_the_wire(smtp, settings, municipality_a):
    settings.DEFAULT_FROM_EMAIL = "Portail famille <ne-pas-repondre@portail.ville-a.fr>"
    for _ in range(2):
        send_branded_email(
            municipality=municipality_a,
            to="alice@example.org",
            subject="Essai",
            template="signup_refused",
            context={"message": ""},
        )
    first, second = smtp
    assert first["Message-ID"].endswith("@portail.ville-a.fr>")
    assert "localhost" not in first["Message-ID"]
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["From"].addresses[0].display_name == "Ville A"
    assert first["From"].addresses[0].addr_spec == "ne-pas-repondre@portail.ville-a.fr"
    assert first["Reply-To"] == "enfance@ville-a.fr"


def test_invoice_email_greets_signs_and_names_the_municipality(
    smtp, municipality_a, department_a, household_a
):
    invoice = InvoiceFactory(
        office__municipality=municipality_a,
        household=household_a,
        number="F-2026-00042",
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        issued_on=datetime.date(2026, 11, 2),
        due_on=datetime.date(2026, 11, 16),
        total=Decimal("34.60"),
    )

    assert send_invoice_issued.call(invoice.pk) == 2

    by_recipient = {message["To"]: message for message in smtp}
    alice, bob = by_recipient["alice@example.org"], by_recipient["bob@example.org"]
    assert alice["From"].addresses[0].display_name == "Ville A"
    assert alice["Auto-Submitted"] == "auto-generated"
    text = text_of(alice)
    assert text.startswith("Ville A – Portail famille\n")
    assert "Bonjour Alice,\n" in text
    assert "Bonjour Bob," in text_of(bob)
    assert "Votre facture n° F-2026-00042 est disponible sur le portail famille." in text
    assert "Période facturée : octobre 2026" in text
    assert "Montant : 34,60 €" in text
    assert "À payer avant le : 16/11/2026" in text
    assert "https://portail.example.fr/ville-a/factures/" in text
    assert "Cordialement,\nRégie enfance\nVille A\n" in text
    assert "Les moyens de paiement acceptés sont indiqués sur la facture." in text
    assert "en ligne" not in text  # this office takes no online payment
    html = html_of(alice)
    assert "Bonjour Alice," in html
    assert "Cordialement,<br>Régie enfance<br>Ville A" in html
    assert alice["Subject"] == "Votre facture est disponible : octobre 2026"
    assert "de octobre" not in text + html


def test_staff_notification_reads_naturally(smtp, municipality_a, department_a, household_a, alice):
    from ribambelle.messaging import services

    department_a.email = "restauration@ville-a.fr"
    department_a.save()
    conversation = services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Menu",
        body="Bonjour",
        is_html=False,
    )
    notify_staff.call(conversation.messages.get().pk)

    (message,) = smtp
    text = text_of(message)
    assert "Foyer Martin a écrit au service Restauration scolaire." in text
    assert "foyer Foyer" not in text.lower()
    assert message["Auto-Submitted"] == "auto-generated"
