"""Staff decisions on family records: pending changes and sign-ups, each audited and told to
the family by e-mail; the municipality's settings for family records, each change audited."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Field, Max
from django.utils import timezone

from ribambelle.accounts.models import User
from ribambelle.accounts.tasks import send_password_link
from ribambelle.core.audit import (
    actor_id_of,
    audit_record,
    audit_record_many,
    audit_row,
)
from ribambelle.core.models import AuditEntry
from ribambelle.families import selectors, tasks
from ribambelle.families.categories import Record
from ribambelle.families.models import (
    Child,
    Consent,
    FamilySettings,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.families.selectors import queue as queue_selectors
from ribambelle.families.services.records import values_apply
from ribambelle.tenants import configuration
from ribambelle.tenants.models import Department, Municipality


class AlreadyDecided(Exception):
    """Another member of staff decided first."""


def _open_change(change: PendingChange) -> PendingChange:
    """The request, locked; AlreadyDecided when it is no longer open."""
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        raise AlreadyDecided
    return change


def _close(change: PendingChange, status: str, actor: User, message: str) -> None:
    change.status = status
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.message = message
    change.save(update_fields=["status", "decided_by", "decided_at", "message"])


@transaction.atomic
def change_accept(*, actor: User, change: PendingChange, message: str) -> PendingChange:
    """Apply a family's request, then e-mail the family. ValidationError when the values no
    longer pass the record's checks (nothing is changed then)."""
    change = _open_change(change)
    target = queue_selectors.change_target(change)
    values = {name: _field(target, name).to_python(value) for name, value in change.after.items()}
    before = {name: getattr(target, name) for name in values}
    values_apply(target, values)
    _close(change, PendingChange.Status.ACCEPTED, actor, message)
    audit_record(
        municipality=change.municipality,
        actor=actor,
        action=AuditEntry.Action.ACCEPT,
        target=target,
        household_id=change.household_id,
        before=before,
        after=values,
    )
    # Enqueued inside the transaction: with the database queue, the task exists iff we commit.
    tasks.send_change_decision.enqueue(change.pk)
    return change


@transaction.atomic
def change_refuse(*, actor: User, change: PendingChange, message: str) -> PendingChange:
    """Refuse a family's request (the record is unchanged), then e-mail the family why."""
    change = _open_change(change)
    _close(change, PendingChange.Status.REFUSED, actor, message)
    audit_record(
        municipality=change.municipality,
        actor=actor,
        action=AuditEntry.Action.REFUSE,
        target=queue_selectors.change_target(change),
        household_id=change.household_id,
        before=change.before,
        after=change.after,
    )
    tasks.send_change_decision.enqueue(change.pk)
    return change


def _field(record: Record, name: str) -> Field[Any, Any]:
    field = record._meta.get_field(name)
    assert isinstance(field, Field)  # categories hold plain fields, never relations
    return field


def _pending_household(household: Household) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.PENDING:
        raise AlreadyDecided
    return household


@transaction.atomic
def signup_accept(*, actor: User, household: Household) -> None:
    """Open the household and send each guardian the first-connection e-mail."""
    household = _pending_household(household)
    household.status = Household.Status.ACTIVE
    household.save(update_fields=["status"])
    audit_record(
        municipality=household.municipality,
        actor=actor,
        action=AuditEntry.Action.ACCEPT,
        target=household,
        household_id=household.pk,
        before={"status": Household.Status.PENDING},
        after={"status": Household.Status.ACTIVE},
    )
    for user in selectors.guardian_users(household):
        # Sign-up accounts wait inactive for this decision (families/services/signup.py).
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        send_password_link.enqueue(household.municipality_id, user.email)


@transaction.atomic
def signup_refuse(*, actor: User, household: Household, message: str) -> None:
    household = _pending_household(household)
    household.status = Household.Status.REFUSED
    household.save(update_fields=["status"])
    # The accounts created by the sign-up cannot be used: they belong to no valid household.
    for user in selectors.guardian_users(household):
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit_record(
        municipality=household.municipality,
        actor=actor,
        action=AuditEntry.Action.REFUSE,
        target=household,
        household_id=household.pk,
        before={"status": Household.Status.PENDING},
        after={"status": Household.Status.REFUSED, "message": message},
    )
    tasks.send_signup_refusal.enqueue(household.pk, message)


def health_reads_record(*, actor: User, children: Iterable[Child]) -> None:
    """Invariant 8: one entry per child whose medical information a member of staff saw, in
    one query whatever their number."""
    actor_id = actor_id_of(actor)
    audit_record_many(
        audit_row(
            municipality_id=child.municipality_id,
            actor_id=actor_id,
            action=AuditEntry.Action.READ_HEALTH,
            target=child,
            household_id=child.household_id,
        )
        for child in children
    )


@transaction.atomic
def family_settings_save(
    *, actor: User, municipality: Municipality, signup_enabled: bool, validated: list[str]
) -> FamilySettings:
    settings, _created = FamilySettings.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    before = {
        "signup_enabled": settings.signup_enabled,
        "validated_categories": settings.validated_categories,
    }
    settings.signup_enabled = signup_enabled
    settings.validated_categories = sorted(validated)
    settings.save(update_fields=["signup_enabled", "validated_categories"])
    after = {
        "signup_enabled": settings.signup_enabled,
        "validated_categories": settings.validated_categories,
    }
    if after != before:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=settings,
            before=before,
            after=after,
        )
    return settings


def _consent_values(consent: Consent) -> dict[str, str]:
    return {"label": consent.label, "description": consent.description}


@transaction.atomic
def consent_create(
    *, actor: User, municipality: Municipality, label: str, description: str
) -> Consent:
    """A new consent asked of families, listed last."""
    configuration.changing(municipality)  # its row first (tenants.configuration)
    top = Consent.objects.for_municipality(municipality).aggregate(top=Max("position"))["top"]
    consent = Consent.objects.create(
        municipality=municipality,
        label=label,
        description=description,
        position=0 if top is None else top + 1,
    )
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=consent,
        after=_consent_values(consent),
    )
    return consent


@transaction.atomic
def consent_update(*, actor: User, consent: Consent, label: str, description: str) -> Consent:
    configuration.changing(consent.municipality_id)  # its row first (tenants.configuration)
    before = _consent_values(consent)
    consent.label = label
    consent.description = description
    consent.save(update_fields=["label", "description"])
    after = _consent_values(consent)
    if after != before:
        audit_record(
            municipality=consent.municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=consent,
            before=before,
            after=after,
        )
    return consent


@transaction.atomic
def consent_move(*, actor: User, municipality: Municipality, consent: Consent, step: int) -> None:
    """Swap with the neighbour above (step -1) or below (step +1); positions are renumbered
    first so that equal positions never block a move."""
    configuration.changing(municipality)  # its row first (tenants.configuration)
    consents = list(
        Consent.objects.for_municipality(municipality)
        .select_for_update()
        .order_by("position", "pk")
    )
    index = next(i for i, item in enumerate(consents) if item.pk == consent.pk)
    other = index + step if 0 <= index + step < len(consents) else index
    consents[index], consents[other] = consents[other], consents[index]
    for position, item in enumerate(consents):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    if other != index:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=consent,
            before={"position": index + 1},
            after={"position": other + 1},
        )


@transaction.atomic
def consent_delete(*, actor: User, municipality: Municipality, consent: Consent) -> None:
    configuration.changing(municipality)  # its row first (tenants.configuration)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=consent,
        before=_consent_values(consent),
    )
    Consent.objects.for_municipality(municipality).filter(pk=consent.pk).delete()
    Consent.objects.for_municipality(municipality).filter(position__gt=consent.position).update(
        position=F("position") - 1
    )


def _requirement_values(requirement: Requirement) -> dict[str, str]:
    consent = requirement.consent
    return {
        "department": requirement.department.name,
        "item": requirement.item,
        "consent": consent.label if consent is not None else "",
    }


@transaction.atomic
def requirement_add(
    *,
    actor: User,
    municipality: Municipality,
    department: Department,
    item: str,
    consent: Consent | None,
) -> Requirement:
    configuration.changing(municipality)  # its row first (tenants.configuration)
    requirement, created = Requirement.objects.get_or_create(
        municipality=municipality,
        department=department,
        item=item,
        consent=consent if item == Requirement.Item.CONSENT else None,
    )
    if created:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            target=requirement,
            after=_requirement_values(requirement),
        )
    return requirement


@transaction.atomic
def requirement_delete(
    *, actor: User, municipality: Municipality, requirement: Requirement
) -> None:
    configuration.changing(municipality)  # its row first (tenants.configuration)
    audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=requirement,
        before=_requirement_values(requirement),
    )
    Requirement.objects.for_municipality(municipality).filter(pk=requirement.pk).delete()
