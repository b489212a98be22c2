"""Invitations to the imported parents: the first-connection e-mail, once per 24 hours at most,
to guardians whose account was never used."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ribambelle.accounts.models import User
from ribambelle.accounts.tasks import send_password_link
from ribambelle.core.audit import audit_record_many
from ribambelle.core.models import AuditEntry
from ribambelle.families.imports.apply import audit_entry
from ribambelle.families.imports.plan import CHUNK
from ribambelle.families.models import Guardian, Household
from ribambelle.tenants.models import Municipality

INVITATION_DELAY = timedelta(hours=24)


def _recent_invitations(municipality: Municipality) -> QuerySet[AuditEntry, Any]:
    return AuditEntry.objects.filter(
        municipality=municipality,
        action=AuditEntry.Action.INVITE,
        target_type=Guardian._meta.label_lower,
        created_at__gte=timezone.now() - INVITATION_DELAY,
    ).values("target_id")


def invitation_candidates(municipality: Municipality) -> QuerySet[Guardian]:
    """Imported guardians whose account was never used (no password chosen, never logged in)
    and who were not invited in the last 24 hours."""
    guardians: QuerySet[Guardian] = (
        Guardian.objects.for_municipality(municipality)
        .exclude(household__external_ref="")
        .filter(
            household__status=Household.Status.ACTIVE,
            user__is_active=True,
            user__last_login__isnull=True,
            user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
        )
        .exclude(pk__in=_recent_invitations(municipality))
        .select_related("user")
    )
    return guardians


def recently_invited_count(municipality: Municipality) -> int:
    return _recent_invitations(municipality).count()


@transaction.atomic
def household_invitations_send(*, municipality: Municipality, actor: User) -> int:
    guardians = list(invitation_candidates(municipality))
    for guardian in guardians:
        assert guardian.user is not None  # candidates have an account
        send_password_link.enqueue(municipality.pk, guardian.user.email)
    audit_record_many(
        [
            audit_entry(
                municipality=municipality,
                actor=actor,
                target=guardian,
                household_id=guardian.household_id,
                before={},
                after={},
                action=AuditEntry.Action.INVITE,
            )
            for guardian in guardians
        ],
        batch_size=CHUNK,
    )
    return len(guardians)
