"""The audit log (invariant 8): changes to family records, staff overrides and staff reads of
health data. Values are stored as JSON-safe text.

Every entry is built by `audit_entry`, whether it is written alone (`audit_record`), with others
in one query (`audit_record_many`), or after a create-or-update form (`audit_record_changes`),
so that the target, the actor and the values are recorded the same way everywhere."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model

from ribambelle.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in values.items()}


def audit_entry(
    *,
    municipality_id: int,
    actor: Any,
    action: str,
    target: Model,
    household_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An entry not yet written. `actor` is a user; anyone not signed in (a task, a command)
    is recorded as nobody."""
    return AuditEntry(
        municipality_id=municipality_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        target_label=str(target)[:200],
        household_id=household_id,
        before=plain_values(before or {}),
        after=plain_values(after or {}),
    )


def audit_record(
    *,
    municipality: Model,
    actor: Any,
    action: str,
    target: Model,
    household_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = audit_entry(
        municipality_id=municipality.pk,
        actor=actor,
        action=action,
        target=target,
        household_id=household_id,
        before=before,
        after=after,
    )
    entry.save(force_insert=True)
    return entry


def audit_record_many(
    entries: Iterable[AuditEntry], *, batch_size: int | None = None
) -> list[AuditEntry]:
    """Entries built by `audit_entry`, written in one query (per `batch_size`), so that a staff
    page listing fifty children's health data logs its reads at the cost of one."""
    entries = list(entries)
    if not entries:
        return []
    return AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


def changed_values(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values of `before` and of `after` for the names of `after` whose value changed: what
    an update's entry keeps, so that the log says what changed rather than everything."""
    changed = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}


def audit_record_changes(
    *,
    municipality: Model,
    actor: Any,
    target: Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    household_id: int | None = None,
) -> AuditEntry | None:
    """After a create-or-update: a creation (`before` is None) with every value, an update
    with the changed values only, or nothing when nothing changed."""
    if before is None:
        return audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE,
            target=target,
            household_id=household_id,
            after=after,
        )
    old, new = changed_values(before, after)
    if not new:
        return None
    return audit_record(
        municipality=municipality,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        target=target,
        household_id=household_id,
        before=old,
        after=new,
    )
