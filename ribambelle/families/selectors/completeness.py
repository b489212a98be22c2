"""The completeness check's reads: what each department requires, and what the children's
records hold, read as annotations of the children's query (no prefetch), so that a page which
only needs to know what is missing (the home page, the weekly grid, a booking) pays one query
for the children and one for the requirements, whatever their number."""

from typing import Any, cast

from django.db import connection
from django.db.models import BooleanField, CharField, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.core.statements import Statement
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    DocumentKind,
    FamilyDocument,
    Requirement,
)
from ribambelle.families.rules import ChildFacts, MissingItem, RequirementSpec, missing_items
from ribambelle.tenants.configuration import ByConfiguration
from ribambelle.tenants.models import Municipality


def with_facts(children: QuerySet[Child]) -> QuerySet[Child]:
    """Children annotated with what the completeness check reads from their related records
    (child_facts): still one query, where prefetching the records costs one more per relation.
    Consent answers come as a comma-separated list of consent ids.

    The three correlated subqueries are written in SQL: built with the ORM, building and
    compiling them cost more than running the query, on every page that checks the records
    (the grid, each tick, the home page). They name the children's table, so the queryset is
    read as it is, never as another query's subquery (none is)."""
    outer = f"{quote(Child._meta.db_table)}.{quote('id')}"
    if connection.vendor == "postgresql":
        consent_ids = "string_agg(x.consent_id::text, ',')"
    else:
        consent_ids = "group_concat(x.consent_id, ',')"
    return children.annotate(
        facts_insurance=RawSQL(  # noqa: S611 - table names only; values are parameters
            f"EXISTS(SELECT 1 FROM {FamilyDocument._meta.db_table} x"  # noqa: S608 - table names
            f" WHERE x.child_id = {outer} AND x.kind = %s)",
            (DocumentKind.INSURANCE.value,),
            output_field=BooleanField(),
        ),
        facts_emergency=RawSQL(  # noqa: S611 - table names only; values are parameters
            f"EXISTS(SELECT 1 FROM {AuthorizedPerson._meta.db_table} x"  # noqa: S608
            f" WHERE x.child_id = {outer} AND x.emergency_contact = %s)",
            (True,),
            output_field=BooleanField(),
        ),
        facts_consents=RawSQL(  # noqa: S611 - table names only; values are parameters
            f"(SELECT {consent_ids} FROM {ChildConsent._meta.db_table} x"  # noqa: S608
            f" WHERE x.child_id = {outer})",
            (),
            output_field=CharField(),
        ),
    )


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def requirements_of(municipality: Municipality | int) -> QuerySet[Requirement]:
    return Requirement.objects.for_municipality(municipality).select_related(
        "department", "consent"
    )


def requirement_get(municipality: Municipality, pk: int) -> Requirement:
    requirement: Requirement = get_object_or_404(requirements_of(municipality), pk=pk)
    return requirement


# Values, not instances: only four columns are read, on every page that checks records.
_requirement_rows = Statement(
    lambda municipality: requirements_of(municipality).values_list(
        "department__name", "item", "consent_id", "consent__label"
    )
)


def _read_requirement_specs(municipality: Municipality | int) -> list[RequirementSpec]:
    rows = _requirement_rows(municipality=getattr(municipality, "pk", municipality))
    return [
        RequirementSpec(
            department=department,
            item=item,
            consent_id=consent_id,
            consent_label=consent_label or "",
        )
        for department, item, consent_id, consent_label in rows
    ]


# Every page that checks records: read once per process and configuration version.
_requirement_specs = ByConfiguration(_read_requirement_specs)


def requirement_specs(municipality: Municipality | int) -> list[RequirementSpec]:
    if isinstance(municipality, int):
        return _read_requirement_specs(municipality)
    return _requirement_specs(municipality)


def child_facts(child: Child) -> ChildFacts:
    """Reads only the annotations of with_facts (children_with_facts, children_with_records):
    no query."""
    annotated = cast(Any, child)
    consents = annotated.facts_consents or ""
    return ChildFacts(
        document_kinds=frozenset(
            {DocumentKind.INSURANCE.value} if annotated.facts_insurance else ()
        ),
        insurance_valid_until=child.insurance_valid_until,
        has_emergency_contact=bool(annotated.facts_emergency),
        has_doctor=bool(child.doctor_name.strip()),
        vaccinations_up_to_date=child.vaccinations_up_to_date,
        answered_consents=frozenset(int(pk) for pk in consents.split(",") if pk),
    )


def missing_by_child(
    municipality: Municipality,
    children: list[Child],
    specs: list[RequirementSpec] | None = None,
) -> dict[int, list[MissingItem]]:
    """What each child's records miss, by the departments' requirements (read unless given)."""
    if specs is None:
        specs = requirement_specs(municipality)
    today = timezone.localdate()
    return {child.pk: missing_items(child_facts(child), specs, today) for child in children}
