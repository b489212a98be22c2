"""Account writes: a staff invitation creates a passwordless account, sends its first-connection
e-mail and is audited; a duplicate e-mail changes nothing."""

import pytest
from django.core import mail

from ribambelle.accounts import services
from ribambelle.accounts.models import Role, User
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_staff_invite_is_audited(manager_a, municipality_a):
    user = services.staff_invite(
        actor=manager_a,
        municipality=municipality_a,
        email=" Ines@Ville-A.fr ",
        first_name=" Inès ",
        last_name="Roux",
        role=Role.AGENT,
    )
    assert (user.email, user.first_name, user.role) == ("ines@ville-a.fr", "Inès", Role.AGENT)
    assert not user.has_usable_password()
    assert mail.outbox[0].to == ["ines@ville-a.fr"]
    entry = AuditEntry.objects.get(target_type="accounts.user", target_id=user.pk)
    assert (entry.municipality, entry.actor, entry.action) == (
        municipality_a,
        manager_a,
        AuditEntry.Action.INVITE,
    )
    assert entry.after == {
        "email": "ines@ville-a.fr",
        "first_name": "Inès",
        "last_name": "Roux",
        "role": "agent",
    }


def test_staff_invite_of_an_existing_email_changes_nothing(manager_a, agent_a, municipality_a):
    with pytest.raises(services.AlreadyExists):
        services.staff_invite(
            actor=manager_a,
            municipality=municipality_a,
            email=agent_a.email.upper(),
            first_name="X",
            last_name="Y",
            role=Role.MANAGER,
        )
    assert User.objects.filter(municipality=municipality_a).count() == 2
    assert not AuditEntry.objects.exists()
    assert mail.outbox == []


def test_staff_invite_refuses_a_parent_role(manager_a, municipality_a):
    with pytest.raises(ValueError):
        services.staff_invite(
            actor=manager_a,
            municipality=municipality_a,
            email="x@ville-a.fr",
            first_name="",
            last_name="",
            role=Role.PARENT,
        )
    assert not User.objects.filter(email="x@ville-a.fr").exists()
