"""Writing a checked import: the plan is built again inside the transaction, against the database
as it is then, and written only when it has no error, so what is written is exactly what was
checked. Every write is a bulk one, whatever the size of the file, with one audit entry per
created or changed record."""

from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ribambelle.accounts.models import Role, User
from ribambelle.core.audit import audit_entry as core_audit_entry
from ribambelle.core.audit import audit_record_many
from ribambelle.core.models import AuditEntry
from ribambelle.families.imports.data import Values
from ribambelle.families.imports.plan import CHUNK, HouseholdOp, ImportPlan, import_plan
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.tenants.models import Municipality


def audit_entry(
    *,
    municipality: Municipality,
    actor: User,
    target: models.Model,
    household_id: int | None,
    before: Values,
    after: Values,
    action: str = AuditEntry.Action.IMPORT,
) -> AuditEntry:
    """An unsaved entry of the import, for a bulk insert of many at once."""
    return core_audit_entry(
        municipality_id=municipality.pk,
        actor=actor,
        action=action,
        target=target,
        household_id=household_id,
        before=before,
        after=after,
    )


def _bulk_update(model: type[models.Model], objects: list[Any], fields: set[str]) -> None:
    if objects and fields:
        model._default_manager.bulk_update(objects, sorted(fields), batch_size=CHUNK)


@dataclass
class _Writes:
    """Audit entries and updates gathered while going through the plan, written in bulk."""

    municipality: Municipality
    actor: User
    audit: list[AuditEntry] = field(default_factory=list)
    updated: dict[type[models.Model], tuple[list[Any], set[str]]] = field(
        default_factory=lambda: {model: ([], set()) for model in (Household, Guardian, Child)}
    )

    def record(
        self, target: models.Model, household_id: int, before: Values, after: Values
    ) -> None:
        self.audit.append(
            audit_entry(
                municipality=self.municipality,
                actor=self.actor,
                target=target,
                household_id=household_id,
                before=before,
                after=after,
            )
        )

    def update(self, instance: models.Model, changes: Values, household_id: int) -> None:
        before = {name: getattr(instance, name) for name in changes}
        for name, value in changes.items():
            setattr(instance, name, value)
        objects, fields = self.updated[type(instance)]
        objects.append(instance)
        fields.update(changes)
        self.record(instance, household_id, before, changes)


@transaction.atomic
def households_import(*, municipality: Municipality, actor: User, data: bytes) -> ImportPlan:
    """Check the file again against the database as it is now and, only if it has no error,
    write everything in one transaction with one audit entry per created or changed record."""
    plan = import_plan(municipality, data)
    if not plan.ok:
        return plan
    writes = _Writes(municipality=municipality, actor=actor)
    _write_households(plan.ops, writes)
    _write_accounts(plan.ops, municipality)
    _write_guardians(plan.ops, writes)
    _write_children(plan.ops, writes)
    for model, (objects, fields) in writes.updated.items():
        _bulk_update(model, objects, fields)
    audit_record_many(writes.audit, batch_size=CHUNK)
    return plan


def _write_households(ops: list[HouseholdOp], writes: _Writes) -> None:
    today = timezone.localdate()
    for op in ops:
        if "quotient" in op.changes:
            op.changes |= {
                "quotient_date": today,
                "quotient_source": Household.QuotientSource.STAFF,
            }
    new_households = [
        Household(municipality=writes.municipality, external_ref=op.data.ref, **op.changes)
        for op in ops
        if op.instance is None
    ]
    Household.objects.bulk_create(new_households, batch_size=CHUNK)
    created = iter(new_households)
    for op in ops:
        if op.instance is None:
            op.instance = next(created)
            writes.record(op.instance, op.instance.pk, {}, op.changes)
        elif op.changes:
            writes.update(op.instance, op.changes, op.instance.pk)


def _write_accounts(ops: list[HouseholdOp], municipality: Municipality) -> None:
    """New parent accounts (no password: the invitation lets them choose one), and the new login
    of accounts never used."""
    new_users = []
    for op in ops:
        for guardian_op in op.guardians:
            if guardian_op.create_account:
                user = User(
                    municipality=municipality,
                    email=guardian_op.data.email,
                    role=Role.PARENT,
                    first_name=guardian_op.data.values["first_name"],
                    last_name=guardian_op.data.values["last_name"],
                )
                user.set_unusable_password()
                new_users.append(user)
                guardian_op.new_user = user
    User.objects.bulk_create(new_users, batch_size=CHUNK)
    email_changes = []
    for op in ops:
        for guardian_op in op.guardians:
            if guardian_op.new_user is not None:
                guardian_op.link_user_id = guardian_op.new_user.pk
                if "user_id" in guardian_op.changes:
                    guardian_op.changes["user_id"] = guardian_op.link_user_id
            if guardian_op.user_email and guardian_op.instance is not None:
                account = guardian_op.instance.user
                assert account is not None  # the plan sets user_email only for a linked account
                account.email = guardian_op.user_email
                email_changes.append(account)
    _bulk_update(User, email_changes, {"email"})


def _write_guardians(ops: list[HouseholdOp], writes: _Writes) -> None:
    new_guardians = []
    for op in ops:
        assert op.instance is not None  # created by _write_households
        for guardian_op in op.guardians:
            if guardian_op.instance is None:
                guardian = Guardian(
                    municipality=writes.municipality,
                    household=op.instance,
                    user_id=guardian_op.link_user_id,
                    **guardian_op.changes,
                )
                guardian_op.instance = guardian
                new_guardians.append((op.instance, guardian_op, guardian))
            elif guardian_op.changes:
                writes.update(guardian_op.instance, guardian_op.changes, op.instance.pk)
    Guardian.objects.bulk_create([guardian for *_op, guardian in new_guardians], batch_size=CHUNK)
    payers = []
    for household, guardian_op, guardian in new_guardians:
        after = {**guardian_op.changes, "user": guardian_op.link_user_id}
        writes.record(guardian, household.pk, {}, after)
        if household.paying_guardian_id is None:
            household.paying_guardian = guardian
            payers.append(household)
    _bulk_update(Household, payers, {"paying_guardian"})


def _write_children(ops: list[HouseholdOp], writes: _Writes) -> None:
    new_children = []
    for op in ops:
        assert op.instance is not None  # created by _write_households
        for child_op in op.children:
            if child_op.instance is None:
                child = Child(
                    municipality=writes.municipality, household=op.instance, **child_op.changes
                )
                child_op.instance = child
                new_children.append((op.instance, child_op.changes, child))
            elif child_op.changes:
                writes.update(child_op.instance, child_op.changes, op.instance.pk)
    Child.objects.bulk_create([child for *_op, child in new_children], batch_size=CHUNK)
    for household, changes, child in new_children:
        writes.record(child, household.pk, {}, changes)
