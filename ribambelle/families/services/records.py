"""Writes to family records: in-place edits by category, applied at once or held for staff
validation, and every change in the audit log."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ribambelle.core.audit import audit_record, plain_values
from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import Category
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
)


@dataclass(frozen=True)
class Outcome:
    applied: bool
    pending: PendingChange | None = None


def _household_id(target) -> int:
    return target.pk if isinstance(target, Household) else target.household_id


def requires_validation(municipality, category: Category) -> bool:
    settings = FamilySettings.objects.filter(municipality=municipality).first()
    return settings is not None and category.code in settings.validated_categories


def current_values(target, category: Category) -> dict:
    return {name: getattr(target, name) for name in category.fields}


@transaction.atomic
def record_update(*, actor, target, category: Category, values: dict) -> Outcome:
    """Apply `values` (cleaned by a form) to the category's fields of `target`. A family's
    change in a category under validation waits as a PendingChange (one open request per
    record and category: a new one replaces the previous)."""
    before = current_values(target, category)
    changed = {name: value for name, value in values.items() if before.get(name) != value}
    if not changed:
        return Outcome(applied=True)
    if actor.is_parent and requires_validation(target.municipality, category):
        PendingChange.objects.filter(
            target_type=category.target,
            target_id=target.pk,
            category=category.code,
            status=PendingChange.Status.PENDING,
        ).delete()
        change = PendingChange.objects.create(
            municipality=target.municipality,
            household_id=_household_id(target),
            target_type=category.target,
            target_id=target.pk,
            category=category.code,
            before=plain_values({name: before[name] for name in changed}),
            after=plain_values(changed),
            submitted_by=actor,
        )
        audit_record(
            municipality=target.municipality,
            actor=actor,
            action=AuditEntry.Action.SUBMIT,
            target=target,
            household_id=_household_id(target),
            before={name: before[name] for name in changed},
            after=changed,
        )
        return Outcome(applied=False, pending=change)
    _apply(target, changed)
    audit_record(
        municipality=target.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=target,
        household_id=_household_id(target),
        before={name: before[name] for name in changed},
        after=changed,
    )
    return Outcome(applied=True)


def _apply(target, values: dict) -> None:
    for name, value in values.items():
        setattr(target, name, value)
    target.full_clean()
    target.save(update_fields=list(values))


TARGETS = {"household": Household, "guardian": Guardian, "child": Child}


def pending_target(change: PendingChange):
    model = TARGETS[change.target_type]
    return model.objects.get(pk=change.target_id, municipality=change.municipality)


def _close(change: PendingChange, status: str, actor, message: str) -> None:
    change.status = status
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.message = message
    change.save(update_fields=["status", "decided_by", "decided_at", "message"])


@transaction.atomic
def pending_accept(*, actor, change: PendingChange, message: str = "") -> None:
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        return
    target = pending_target(change)
    values = {
        name: target._meta.get_field(name).to_python(value) for name, value in change.after.items()
    }
    before = {name: getattr(target, name) for name in values}
    _apply(target, values)
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


@transaction.atomic
def pending_refuse(*, actor, change: PendingChange, message: str) -> None:
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        return
    _close(change, PendingChange.Status.REFUSED, actor, message)
    audit_record(
        municipality=change.municipality,
        actor=actor,
        action=AuditEntry.Action.REFUSE,
        target=pending_target(change),
        household_id=change.household_id,
        before=change.before,
        after=change.after,
    )


@transaction.atomic
def consents_save(*, actor, child: Child, answers: dict[int, bool]) -> None:
    """Record the family's yes/no answers; unanswered consents stay unanswered."""
    existing = {answer.consent_id: answer for answer in ChildConsent.objects.filter(child=child)}
    before = {str(pk): answer.granted for pk, answer in existing.items()}
    for consent_id, granted in answers.items():
        answer = existing.get(consent_id)
        if answer is None:
            ChildConsent.objects.create(child=child, consent_id=consent_id, granted=granted)
        elif answer.granted != granted:
            answer.granted = granted
            answer.save(update_fields=["granted", "answered_at"])
    after = {**before, **{str(pk): granted for pk, granted in answers.items()}}
    if after != before:
        audit_record(
            municipality=child.municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=child,
            household_id=child.household_id,
            before={"autorisations": before},
            after={"autorisations": after},
        )


def person_values(person: AuthorizedPerson) -> dict:
    return {
        name: getattr(person, name)
        for name in (
            "first_name",
            "last_name",
            "phone",
            "relationship",
            "can_pick_up",
            "emergency_contact",
        )
    }


@transaction.atomic
def person_save(*, actor, child: Child, person: AuthorizedPerson, before: dict | None) -> None:
    person.child = child
    person.municipality = child.municipality
    person.save()
    audit_record(
        municipality=child.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        target=person,
        household_id=child.household_id,
        before=before or {},
        after=person_values(person),
    )


@transaction.atomic
def person_delete(*, actor, person: AuthorizedPerson) -> None:
    audit_record(
        municipality=person.municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=person,
        household_id=person.child.household_id,
        before=person_values(person),
    )
    person.delete()
