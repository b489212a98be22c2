"""The audit log (invariant 8): changes to family records, staff overrides and staff reads of
health data. Values are stored as JSON-safe text."""

from datetime import date, datetime
from decimal import Decimal

from ribambelle.core.models import AuditEntry


def _plain(value):
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def plain_values(values: dict) -> dict:
    return {key: _plain(value) for key, value in values.items()}


def audit_record(
    *,
    municipality,
    actor,
    action: str,
    target,
    household_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        municipality=municipality,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        target_label=str(target)[:200],
        household_id=household_id,
        before=plain_values(before or {}),
        after=plain_values(after or {}),
    )
