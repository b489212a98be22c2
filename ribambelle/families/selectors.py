from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    FamilyDocument,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.families.rules import ChildFacts, MissingItem, RequirementSpec, missing_items
from ribambelle.tenants.models import Municipality


def household_or_none(request) -> Household | None:
    """The signed-in parent's household, if the account has one that is not refused."""
    guardian = (
        Guardian.objects.for_municipality(request.municipality)
        .select_related("household")
        .filter(user=request.user)
        .first()
    )
    if guardian is None or guardian.household.status == Household.Status.REFUSED:
        return None
    return guardian.household


def household_of(request) -> Household:
    """The signed-in parent's household; 404 when the account has none."""
    household = household_or_none(request)
    if household is None:
        raise Http404
    return household


def household_get(municipality: Municipality, pk: int) -> Household:
    return get_object_or_404(Household.objects.for_municipality(municipality), pk=pk)


def guardians_of(household: Household) -> QuerySet[Guardian]:
    return Guardian.objects.filter(household=household).order_by("pk")


def children_of(household: Household) -> QuerySet[Child]:
    return Child.objects.filter(household=household).order_by("birth_date", "pk")


def child_get(household_or_children, pk: int) -> Child:
    """A child of the household (or of an already filtered queryset of its children)."""
    children = (
        household_or_children
        if isinstance(household_or_children, QuerySet)
        else children_of(household_or_children)
    )
    return get_object_or_404(children, pk=pk)


def person_get(child: Child, pk: int) -> AuthorizedPerson:
    return get_object_or_404(AuthorizedPerson.objects.filter(child=child), pk=pk)


def guardian_get(household: Household, pk: int) -> Guardian:
    return get_object_or_404(guardians_of(household), pk=pk)


def children_with_records(household: Household) -> QuerySet[Child]:
    """Children with everything the completeness check reads, in a constant number of
    queries whatever their number."""
    return children_of(household).prefetch_related(
        Prefetch("consents", queryset=ChildConsent.objects.select_related("consent")),
        Prefetch("authorized_people", queryset=AuthorizedPerson.objects.order_by("pk")),
        Prefetch(
            "documents",
            queryset=FamilyDocument.objects.only(
                "pk", "kind", "name", "child_id", "uploaded_at", "size", "content_type"
            ),
        ),
    )


def consents_of(municipality: Municipality) -> QuerySet[Consent]:
    return Consent.objects.for_municipality(municipality).order_by("position", "pk")


def pending_changes_of(household: Household) -> dict[tuple[str, int, str], PendingChange]:
    """Open requests by (target type, target id, category)."""
    return {
        (change.target_type, change.target_id, change.category): change
        for change in PendingChange.objects.filter(
            household=household, status=PendingChange.Status.PENDING
        )
    }


def requirement_specs(municipality: Municipality) -> list[RequirementSpec]:
    return [
        RequirementSpec(
            department=requirement.department.name,
            item=requirement.item,
            consent_id=requirement.consent_id,
            consent_label=requirement.consent.label if requirement.consent else "",
        )
        for requirement in Requirement.objects.for_municipality(municipality).select_related(
            "department", "consent"
        )
    ]


def child_facts(child: Child) -> ChildFacts:
    """Reads only prefetched relations (see children_with_records)."""
    return ChildFacts(
        document_kinds=frozenset(document.kind for document in child.documents.all()),
        insurance_valid_until=child.insurance_valid_until,
        has_emergency_contact=any(p.emergency_contact for p in child.authorized_people.all()),
        has_doctor=bool(child.doctor_name.strip()),
        vaccinations_up_to_date=child.vaccinations_up_to_date,
        answered_consents=frozenset(answer.consent_id for answer in child.consents.all()),
    )


def missing_by_child(
    municipality: Municipality, children: list[Child]
) -> dict[int, list[MissingItem]]:
    specs = requirement_specs(municipality)
    today = timezone.localdate()
    return {child.pk: missing_items(child_facts(child), specs, today) for child in children}
