"""Names inserted into e-mails read as French writes them (core.french): « d'Issy »."""

import pytest
from django.core import mail

from ribambelle.accounts.tests.test_password_link import newcomer, request_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_first_connection_email_elides_the_municipality_name(client, newcomer, municipality_a):  # noqa: F811
    municipality_a.name = "Issy-les-Moulineaux"
    municipality_a.save()
    client.post(request_url(municipality_a), {"email": "nina@example.org"})
    message = mail.outbox[0]
    assert "portail famille d'Issy-les-Moulineaux est prêt" in message.body
    assert "portail famille d&#x27;Issy-les-Moulineaux est prêt" in message.alternatives[0].content
