from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ribambelle.accounts.models import User
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

# What document lists show: never the file itself.
DOCUMENT_LIST_FIELDS = (
    "pk",
    "kind",
    "name",
    "description",
    "child_id",
    "guardian_id",
    "uploaded_at",
    "size",
    "content_type",
)
# Whom a listed document is for, loaded with it (select_related("child", "guardian")).
DOCUMENT_OWNER_FIELDS = (
    "child__first_name",
    "child__last_name",
    "guardian__first_name",
    "guardian__last_name",
    "guardian__user",
)


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


def guardians_with_documents(household: Household) -> QuerySet[Guardian]:
    return guardians_of(household).prefetch_related(
        Prefetch("documents", queryset=FamilyDocument.objects.only(*DOCUMENT_LIST_FIELDS))
    )


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
            queryset=FamilyDocument.objects.only(*DOCUMENT_LIST_FIELDS),
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


# Staff side: search, queue of pending changes and sign-ups, audit log.


def households_matching(municipality: Municipality, query: str) -> QuerySet[Household]:
    """Households whose name, a child's name or a guardian's name or e-mail contains every
    word of `query`; the most recent first when `query` is empty. Guardians and children come
    prefetched: listing a page costs the same number of queries whatever its size."""
    from django.db.models import Exists, OuterRef, Q

    households = Household.objects.for_municipality(municipality)
    for word in query.split():
        children = Child.objects.filter(household=OuterRef("pk")).filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
        guardians = Guardian.objects.filter(household=OuterRef("pk")).filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
        households = households.filter(
            Q(name__icontains=word) | Exists(children) | Exists(guardians)
        )
    ordering = ["name", "pk"] if query.strip() else ["-created_at", "-pk"]
    return households.order_by(*ordering).prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.select_related("user").order_by("pk")),
        Prefetch("children", queryset=Child.objects.order_by("birth_date", "pk")),
    )


def open_changes(municipality: Municipality) -> QuerySet[PendingChange]:
    """The staff queue: open requests, oldest first."""
    return (
        PendingChange.objects.for_municipality(municipality)
        .filter(status=PendingChange.Status.PENDING)
        .select_related("household", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def open_change_get(municipality: Municipality, pk: int) -> PendingChange:
    return get_object_or_404(
        PendingChange.objects.for_municipality(municipality).select_related("household"), pk=pk
    )


def pending_signups(municipality: Municipality) -> QuerySet[Household]:
    return (
        Household.objects.for_municipality(municipality)
        .filter(status=Household.Status.PENDING)
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch("guardians", queryset=Guardian.objects.select_related("user").order_by("pk")),
            Prefetch("children", queryset=Child.objects.order_by("birth_date", "pk")),
        )
    )


def waiting_counts(municipality: Municipality) -> dict[str, int]:
    """For the staff dashboard: open record changes and sign-ups to validate (two counts,
    whatever the number of households)."""
    signups = (
        Household.objects.for_municipality(municipality)
        .filter(status=Household.Status.PENDING)
        .count()
    )
    changes = (
        PendingChange.objects.for_municipality(municipality)
        .filter(status=PendingChange.Status.PENDING)
        .count()
    )
    return {"changes": changes, "signups": signups}


def family_addresses(household: Household) -> list[str]:
    """Where to write to a household: each guardian's login e-mail, else their contact
    e-mail, without duplicates."""
    addresses: list[str] = []
    for guardian in Guardian.objects.filter(household=household).select_related("user"):
        email = (guardian.user.email if guardian.user else "") or guardian.email
        email = email.strip().lower()
        if email and email not in addresses:
            addresses.append(email)
    return addresses


@dataclass(frozen=True)
class Recipient:
    """An address to write to, the guardian who reads it and their account (for the
    greeting)."""

    email: str
    guardian: Guardian
    user: User


def account_recipients(household_id: int) -> list[Recipient]:
    """The guardians of a household who can act on an e-mail: an active account of the
    household's municipality, with an address. One per address (in lower case, greeting the
    first guardian who has it), in the order of the addresses."""
    recipients: dict[str, Recipient] = {}
    guardians = (
        Guardian.objects.filter(
            household_id=household_id,
            user__is_active=True,
            user__municipality_id=F("municipality_id"),
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    for guardian in guardians:
        if (user := guardian.user) is not None:
            email = user.email.strip().lower()
            recipients.setdefault(email, Recipient(email, guardian, user))
    return [recipients[email] for email in sorted(recipients)]


def audit_entries(municipality: Municipality, household_id: int | None = None):
    from ribambelle.core.models import AuditEntry

    entries = AuditEntry.objects.filter(municipality=municipality).select_related("actor")
    if household_id is not None:
        entries = entries.filter(household_id=household_id)
    return entries.order_by("-created_at", "-pk")
