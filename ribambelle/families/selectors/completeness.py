"""The completeness check's reads: what each department requires, and what the children's
records hold, read as annotations of the children's query (no prefetch), so that a page which
only needs to know what is missing (the home page, the weekly grid, a booking) pays one query
for the children and one for the requirements, whatever their number."""

from typing import Any, cast

from django.db.models import CharField, Exists, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    DocumentKind,
    FamilyDocument,
    Requirement,
)
from ribambelle.families.rules import ChildFacts, MissingItem, RequirementSpec, missing_items
from ribambelle.tenants.models import Municipality


def with_facts(children: QuerySet[Child]) -> QuerySet[Child]:
    """Children annotated with what the completeness check reads from their related records
    (child_facts): still one query, where prefetching the records costs one more per relation.
    Consent answers come as a comma-separated list of consent ids."""
    answered = (
        ChildConsent.objects.filter(child=OuterRef("pk"))
        .order_by()
        .values("child")
        .annotate(ids=StringAgg(Cast("consent_id", CharField()), Value(",")))
        .values("ids")
    )
    return children.annotate(
        facts_insurance=Exists(
            FamilyDocument.objects.filter(child=OuterRef("pk"), kind=DocumentKind.INSURANCE)
        ),
        facts_emergency=Exists(
            AuthorizedPerson.objects.filter(child=OuterRef("pk"), emergency_contact=True)
        ),
        facts_consents=Subquery(answered, output_field=CharField()),
    )


def requirements_of(municipality: Municipality) -> QuerySet[Requirement]:
    return Requirement.objects.for_municipality(municipality).select_related(
        "department", "consent"
    )


def requirement_get(municipality: Municipality, pk: int) -> Requirement:
    requirement: Requirement = get_object_or_404(requirements_of(municipality), pk=pk)
    return requirement


def requirement_specs(municipality: Municipality) -> list[RequirementSpec]:
    return [
        RequirementSpec(
            department=requirement.department.name,
            item=requirement.item,
            consent_id=requirement.consent_id,
            consent_label=requirement.consent.label if requirement.consent else "",
        )
        for requirement in requirements_of(municipality)
    ]


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
    municipality: Municipality, children: list[Child]
) -> dict[int, list[MissingItem]]:
    specs = requirement_specs(municipality)
    today = timezone.localdate()
    return {child.pk: missing_items(child_facts(child), specs, today) for child in children}
