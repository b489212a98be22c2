"""One way to write the audit log: alone, in bulk, or after a create-or-update."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.core.audit import (
    audit_entry,
    audit_record,
    audit_record_changes,
    audit_record_many,
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
        assert audit_record_many([]) == []
    assert len(queries) == 0


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
