"""Writes to family records: in-place edits by category, applied at once or held for staff
validation, and every change in the audit log."""

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from ribambelle.accounts.models import User
from ribambelle.core.audit import audit_record, plain_values
from ribambelle.core.models import AuditEntry
from ribambelle.families import selectors
from ribambelle.families.categories import Category, Record
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Household,
    PendingChange,
)


@dataclass(frozen=True)
class Outcome:
    applied: bool
    pending: PendingChange | None = None


@dataclass(frozen=True)
class PersonValues:
    """Someone who may pick a child up or be called in an emergency, as the family typed it."""

    first_name: str
    last_name: str
    phone: str
    relationship: str
    can_pick_up: bool
    emergency_contact: bool

    @classmethod
    def of(cls, person: AuthorizedPerson) -> "PersonValues":
        return cls(**{name: getattr(person, name) for name in cls.__dataclass_fields__})


def _household_id(target: Record) -> int:
    return target.pk if isinstance(target, Household) else target.household_id


def _current_values(target: Record, category: Category) -> dict[str, Any]:
    return {name: getattr(target, name) for name in category.fields}


@transaction.atomic
def record_update(
    *, actor: User, target: Record, category: Category, values: dict[str, Any]
) -> Outcome:
    """Apply `values` (cleaned by a form) to the category's fields of `target`. A family's
    change in a category under validation waits as a PendingChange (one open request per
    record and category: a new one replaces the previous)."""
    before = _current_values(target, category)
    changed = {name: value for name, value in values.items() if before.get(name) != value}
    if not changed:
        return Outcome(applied=True)
    household_id = _household_id(target)
    if actor.is_parent and selectors.category_validated(target.municipality, category.code):
        PendingChange.objects.filter(
            target_type=category.target,
            target_id=target.pk,
            category=category.code,
            status=PendingChange.Status.PENDING,
        ).delete()
        change = PendingChange.objects.create(
            municipality=target.municipality,
            household_id=household_id,
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
            household_id=household_id,
            before={name: before[name] for name in changed},
            after=changed,
        )
        return Outcome(applied=False, pending=change)
    values_apply(target, changed)
    audit_record(
        municipality=target.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=target,
        household_id=household_id,
        before={name: before[name] for name in changed},
        after=changed,
    )
    return Outcome(applied=True)


def values_apply(target: Record, values: dict[str, Any]) -> None:
    """Write checked values to the record's fields (the model's own checks run again)."""
    for name, value in values.items():
        setattr(target, name, value)
    target.full_clean()
    target.save(update_fields=list(values))


@transaction.atomic
def child_consents_save(*, actor: User, child: Child, answers: dict[int, bool]) -> None:
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


@transaction.atomic
def authorized_person_create(
    *, actor: User, child: Child, values: PersonValues
) -> AuthorizedPerson:
    person = AuthorizedPerson.objects.create(
        municipality=child.municipality, child=child, **asdict(values)
    )
    audit_record(
        municipality=child.municipality,
        actor=actor,
        action=AuditEntry.Action.CREATE,
        target=person,
        household_id=child.household_id,
        after=asdict(values),
    )
    return person


@transaction.atomic
def authorized_person_update(
    *, actor: User, person: AuthorizedPerson, values: PersonValues
) -> AuthorizedPerson:
    before = asdict(PersonValues.of(person))
    for name, value in asdict(values).items():
        setattr(person, name, value)
    person.save()
    audit_record(
        municipality=person.municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=person,
        household_id=person.child.household_id,
        before=before,
        after=asdict(values),
    )
    return person


@transaction.atomic
def authorized_person_delete(*, actor: User, person: AuthorizedPerson) -> None:
    audit_record(
        municipality=person.municipality,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=person,
        household_id=person.child.household_id,
        before=asdict(PersonValues.of(person)),
    )
    person.delete()
