"""Invitations to the imported parents (imports/invitations.py)."""

import datetime

import time_machine
from django.core import mail

from ribambelle.accounts.models import User
from ribambelle.core.models import AuditEntry
from ribambelle.families.imports.invitations import invitation_candidates
from ribambelle.families.tests.imports.steps import VALID, preview_and_confirm, url


def test_invitations_are_sent_once(manager_client, municipality_a):
    preview_and_confirm(manager_client, municipality_a, VALID)
    anne = User.objects.get(email="anne@example.org")
    anne.set_password("Correct-Horse-Battery-42")
    anne.save()
    mail.outbox.clear()

    response = manager_client.post(url("import_invitations_send", municipality_a), follow=True)
    assert "2 invitations envoyées." in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "marc@example.org",
        "paul@example.org",
    ]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITE).count() == 2

    mail.outbox.clear()
    response = manager_client.post(url("import_invitations_send", municipality_a), follow=True)
    assert "Aucune invitation à envoyer." in response.content.decode()
    assert mail.outbox == []

    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(hours=25)):
        assert invitation_candidates(municipality_a).count() == 2


def test_invitations_skip_accounts_already_used_and_other_households(
    manager_client, municipality_a, household_a
):
    preview_and_confirm(manager_client, municipality_a, VALID)
    User.objects.filter(email="paul@example.org").update(
        last_login=datetime.datetime.now(datetime.UTC)
    )
    assert {g.user.email for g in invitation_candidates(municipality_a)} == {
        "anne@example.org",
        "marc@example.org",
    }
