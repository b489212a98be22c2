"""One way to write the audit log: alone, in bulk, or after a create-or-update."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ribambelle.core.audit import (
    actor_id_of,
    audit_entry,
    audit_record,
    audit_record_changes,
    audit_record_many,
    audit_row,
    changed_values,
)
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department

pytestmark = pytest.mark.django_db


def test_an_entry_names_its_target_and_keeps_plain_values(municipality_a, department_a, agent_a):
    entry = audit_record(
        municipality=municipality_a,
        actor=agent_a,
        action=AuditEntry.Action.UPDATE,
        target=department_a,
        household_id=7,
        before={"price": Decimal("1.50"), "day": datetime.date(2026, 11, 23)},
        after={"price": Decimal("2.00"), "owner": agent_a, "days": [datetime.date(2026, 11, 24)]},
    )
    entry.refresh_from_db()
    assert (entry.municipality_id, entry.actor, entry.household_id) == (
        municipality_a.pk,
        agent_a,
        7,
    )
    assert (entry.target_type, entry.target_id) == ("tenants.department", department_a.pk)
    assert entry.target_label == str(department_a)
    assert entry.before == {"price": "1.50", "day": "2026-11-23"}
    assert entry.after == {"price": "2.00", "owner": agent_a.pk, "days": ["2026-11-24"]}


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_nobody_signed_in_is_recorded_as_nobody(municipality_a, department_a, actor):
    entry = audit_entry(
        municipality_id=municipality_a.pk,
        actor=actor,
        action=AuditEntry.Action.DELETE,
        target=department_a,
    )
    assert entry.actor is None and entry.pk is None
    assert (entry.before, entry.after) == ({}, {})


def test_many_entries_are_written_in_one_query(municipality_a, agent_a):
    departments = [
        Department.objects.create(municipality=municipality_a, name=f"Service {n}")
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        audit_record_many(
            audit_entry(
                municipality_id=municipality_a.pk,
                actor=agent_a,
                action=AuditEntry.Action.READ_HEALTH,
                target=department,
            )
            for department in departments
        )
    assert len(queries) == 1
    assert sorted(AuditEntry.objects.values_list("target_id", flat=True)) == [
        d.pk for d in departments
    ]
    with CaptureQueriesContext(connection) as queries:
        assert audit_record_many([]) == 0
    assert len(queries) == 0


def _entries(municipality, agent, departments):
    """Entries of every shape: an actor or none, a household or none, values of every kind."""
    values = [
        ({}, {}),
        ({"price": Decimal("1.50"), "day": datetime.date(2026, 11, 23)}, {"price": "2.00"}),
        ({}, {"owner": agent, "days": [datetime.date(2026, 11, 24)], "note": "Élodie « ✓ »"}),
        ({"n": None, "ok": True, "nested": {"a": [1, 2.5]}}, {}),
    ]
    return [
        audit_entry(
            municipality_id=municipality.pk,
            actor=agent if n % 2 else None,
            action=AuditEntry.Action.READ_HEALTH if n % 3 else AuditEntry.Action.UPDATE,
            target=department,
            household_id=n if n % 2 else None,
            before=values[n % len(values)][0],
            after=values[n % len(values)][1],
        )
        for n, department in enumerate(departments)
    ]


def _written(ids=None):
    """Every column as the database keeps it (JSON and times as stored, not as read back)."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = [f.column for f in AuditEntry._meta.concrete_fields if f.column not in ("id",)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(connection.ops.quote_name(c) for c in columns)} "  # noqa: S608
            f"FROM {table} ORDER BY {connection.ops.quote_name('id')}"
        )
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_many_entries_are_the_rows_the_orm_writes(municipality_a, agent_a):
    departments = [
        Department.objects.create(municipality=municipality_a, name=f"Service « {n} »")
        for n in range(7)
    ]
    AuditEntry.objects.bulk_create(_entries(municipality_a, agent_a, departments))
    by_orm = _written()
    AuditEntry.objects.all().delete()
    start = timezone.now()
    assert audit_record_many(_entries(municipality_a, agent_a, departments)) == 7
    end = timezone.now()
    by_us = _written()
    times = {(type(row["created_at"]), str(row["created_at"])[:10]) for row in by_us}
    assert times == {(type(row["created_at"]), str(row["created_at"])[:10]) for row in by_orm}
    for row in [*by_orm, *by_us]:
        row.pop("created_at")
    assert by_us == by_orm
    entries = list(AuditEntry.objects.order_by("pk"))
    assert all(start <= entry.created_at <= end for entry in entries)
    assert all(entry.created_at.tzinfo == datetime.UTC for entry in entries)
    assert entries[2].after["note"] == "Élodie « ✓ »"
    assert entries[1].before == {"price": "1.50", "day": "2026-11-23"}
    assert entries[3].before == {"n": None, "ok": True, "nested": {"a": [1, 2.5]}}


def test_rows_are_the_entries_without_their_instances(municipality_a, department_a, agent_a):
    values = {"before": {"day": datetime.date(2026, 11, 23)}, "after": {"owner": agent_a}}
    common = {"action": AuditEntry.Action.UPDATE, "target": department_a, "household_id": 3}
    entry = audit_entry(municipality_id=municipality_a.pk, actor=agent_a, **common, **values)
    row = audit_row(
        municipality_id=municipality_a.pk, actor_id=actor_id_of(agent_a), **common, **values
    )
    assert row == tuple(getattr(entry, name) for name in row._fields)
    assert actor_id_of(AnonymousUser()) is None and actor_id_of(None) is None
    audit_record_many([entry, row])
    first, second = AuditEntry.objects.order_by("pk").values()
    assert {**first, "id": 0} == {**second, "id": 0}


def test_many_entries_are_written_in_chunks_the_database_accepts(municipality_a, agent_a):
    departments = [
        Department.objects.create(municipality=municipality_a, name=f"Service {n}")
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        audit_record_many(_entries(municipality_a, agent_a, departments), batch_size=2)
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 3
    with (
        mock.patch.object(connection.ops, "bulk_batch_size", return_value=4),
        CaptureQueriesContext(connection) as queries,
    ):
        audit_record_many(_entries(municipality_a, agent_a, departments))
    # PostgreSQL receives one array per column, a few parameters whatever the number of rows.
    chunks = 1 if connection.vendor == "postgresql" else 2
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == chunks
    assert sorted(AuditEntry.objects.values_list("target_id", flat=True)) == sorted(
        2 * [d.pk for d in departments]
    )


def test_changed_values_keep_only_what_changed():
    before = {"name": "Cantine", "price": Decimal("1.50"), "gone": 1}
    after = {"name": "Cantine", "price": Decimal("2.00"), "new": 3, "empty": None}
    assert changed_values(before, after) == (
        {"price": Decimal("1.50"), "new": None},
        {"price": Decimal("2.00"), "new": 3},
    )


def test_changes_after_a_create_an_update_or_nothing(municipality_a, department_a, agent_a):
    def record(before, after):
        return audit_record_changes(
            municipality=municipality_a,
            actor=agent_a,
            target=department_a,
            before=before,
            after=after,
        )

    created = record(None, {"name": "Cantine", "email": ""})
    assert created.action == AuditEntry.Action.CREATE
    assert (created.before, created.after) == ({}, {"name": "Cantine", "email": ""})
    updated = record({"name": "Cantine", "email": ""}, {"name": "Cantine", "email": "a@b.fr"})
    assert updated.action == AuditEntry.Action.UPDATE
    assert (updated.before, updated.after) == ({"email": ""}, {"email": "a@b.fr"})
    assert record({"name": "Cantine"}, {"name": "Cantine"}) is None
    assert AuditEntry.objects.count() == 2
