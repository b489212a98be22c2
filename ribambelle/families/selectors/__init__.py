"""Family records as the pages read them, always scoped to a municipality and, for families, to
their own household: anything else answers 404 (DESIGN invariant 1). Each reader costs the
same number of queries whatever the number of children, documents or people."""

from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from ribambelle.accounts.models import User
from ribambelle.core.models import AuditEntry
from ribambelle.core.statements import Statement, prefetched
from ribambelle.families.categories import TARGET_MODELS, Record
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    FamilyDocument,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
)
from ribambelle.families.rules import MissingItem
from ribambelle.families.selectors.completeness import child_facts as child_facts
from ribambelle.families.selectors.completeness import missing_by_child as missing_by_child
from ribambelle.families.selectors.completeness import requirement_get as requirement_get
from ribambelle.families.selectors.completeness import requirement_specs as requirement_specs
from ribambelle.families.selectors.completeness import requirements_of as requirements_of
from ribambelle.families.selectors.completeness import with_facts as with_facts
from ribambelle.families.selectors.consents import consent_get as consent_get
from ribambelle.families.selectors.consents import consents_of as consents_of
from ribambelle.families.selectors.consents import consents_with_answers as consents_with_answers
from ribambelle.families.selectors.consents import (
    consents_with_answers_listed as consents_with_answers_listed,
)
from ribambelle.tenants.models import HouseholdKey, Municipality

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
    "issued",
    "replaced_at",
)
# Whom a listed document is for, loaded with it (select_related("child", "guardian")).
DOCUMENT_OWNER_FIELDS = (
    "child__first_name",
    "child__last_name",
    "guardian__first_name",
    "guardian__last_name",
    "guardian__user",
)


class SignedInRequest(Protocol):
    """What the household of the signed-in parent is read from: a request of a municipality's
    site (tenants' middleware) with its user."""

    municipality: Municipality
    user: Any


def household_or_none(request: SignedInRequest) -> Household | None:
    """The signed-in parent's household, if the account has one that is not refused. The
    authentication backend read it with the user; another user object reads it here."""
    user = request.user
    guardian: Guardian | None
    if isinstance(user, User) and User.guardian.related.is_cached(user):
        guardian = getattr(user, "guardian", None)
    else:
        guardian = (
            Guardian.objects.for_municipality(request.municipality)
            .select_related("household")
            .filter(user=user)
            .first()
        )
    if guardian is None or guardian.municipality_id != request.municipality.pk:
        return None
    household = guardian.household
    if household.municipality_id != request.municipality.pk:
        return None
    if household.status == Household.Status.REFUSED:
        return None
    return household


def household_of(request: SignedInRequest) -> Household:
    """The signed-in parent's household; 404 when the account has none."""
    household = household_or_none(request)
    if household is None:
        raise Http404
    return household


def household_get(municipality: Municipality, pk: int) -> Household:
    household: Household = get_object_or_404(
        Household.objects.for_municipality(municipality), pk=pk
    )
    return household


def guardians_of(household: Household) -> QuerySet[Guardian]:
    return Guardian.objects.for_household(household).order_by("pk")


def guardians_with_documents(household: Household) -> QuerySet[Guardian]:
    return guardians_of(household).prefetch_related(
        Prefetch(
            "documents",
            queryset=FamilyDocument.objects.filter(replaced_at__isnull=True).only(
                *DOCUMENT_LIST_FIELDS
            ),
        )
    )


def children_of(household: Household | HouseholdKey) -> QuerySet[Child]:
    return Child.objects.for_household(household).order_by("birth_date", "pk")


_children = Statement(
    lambda municipality, household: children_of(HouseholdKey(municipality, household))
)


def children_listed(household: Household) -> list[Child]:
    """children_of, its SQL compiled once."""
    return _children(municipality=household.municipality_id, household=household.pk)


def child_get(household_or_children: Household | QuerySet[Child], pk: int) -> Child:
    """A child of the household (or of an already filtered queryset of its children)."""
    children = (
        household_or_children
        if isinstance(household_or_children, QuerySet)
        else children_of(household_or_children)
    )
    return get_object_or_404(children, pk=pk)


def person_get(child: Child, pk: int) -> AuthorizedPerson:
    person: AuthorizedPerson = get_object_or_404(
        AuthorizedPerson.objects.filter(child=child), pk=pk
    )
    person.child = child  # already loaded: its household is at hand without a query
    return person


def guardian_get(household: Household, pk: int) -> Guardian:
    return get_object_or_404(guardians_of(household), pk=pk)


def record_get(household: Household, target: str, pk: int) -> Record:
    """The household itself, or one of its guardians or children; 404 otherwise."""
    if target == "household":
        if pk != household.pk:
            raise Http404
        return household
    if target == "guardian":
        return guardian_get(household, pk)
    if target == "child":
        return child_get(household, pk)
    raise Http404


def staff_record_get(municipality: Municipality, target: str, pk: int) -> Record:
    """A household, guardian or child of the municipality; 404 otherwise."""
    model = TARGET_MODELS.get(target)
    if model is None:
        raise Http404
    return cast(Record, get_object_or_404(model.objects.for_municipality(municipality), pk=pk))


def record_copy(record: Record) -> Record:
    """A fresh copy of the record: forms validate against it, the service changes the record."""
    copy: Record = type(record).objects.get(pk=record.pk)
    return copy


def children_with_facts(household: Household | HouseholdKey) -> QuerySet[Child]:
    """The household's children with what the completeness check reads (one query)."""
    return with_facts(children_of(household))


_children_with_facts = Statement(
    lambda municipality, household: children_with_facts(HouseholdKey(municipality, household))
)


def children_with_facts_listed(household: Household) -> list[Child]:
    """children_with_facts, its SQL compiled once (the grid)."""
    return _children_with_facts(municipality=household.municipality_id, household=household.pk)


def children_with_facts_of_parent(
    municipality: Municipality | int, user: User | int
) -> QuerySet[Child]:
    """children_with_facts of the parent's household (as household_of finds it: the account's,
    in this municipality, unless refused), without reading the household first."""
    return with_facts(
        Child.objects.for_municipality(municipality)
        .filter(household__guardians__user=user)
        .filter(household__status__in=Household.NOT_REFUSED)
        .order_by("birth_date", "pk")
    )


def _people() -> QuerySet[AuthorizedPerson]:
    return AuthorizedPerson.objects.order_by("pk")


def _current_documents() -> QuerySet[FamilyDocument]:
    # Earlier versions of a document the municipality issued are for staff only.
    return FamilyDocument.objects.filter(replaced_at__isnull=True).only(*DOCUMENT_LIST_FIELDS)


def _with_lists(children: QuerySet[Child]) -> QuerySet[Child]:
    return children.prefetch_related(
        Prefetch("authorized_people", queryset=_people()),
        Prefetch("documents", queryset=_current_documents()),
    )


def children_with_lists(household: Household) -> QuerySet[Child]:
    """children_with_facts with their authorized people and documents."""
    return _with_lists(children_with_facts(household))


_parent_child = Statement(
    lambda municipality, user, pk: children_with_facts_of_parent(municipality, user).filter(pk=pk)
)
_people_of_child = Statement(lambda child: _people().filter(child_id=child))
_documents_of_child = Statement(lambda child: _current_documents().filter(child_id=child))


def parent_child_get(municipality: Municipality, user: User, pk: int) -> Child:
    """A child of the signed-in parent's household (as household_of finds it: the account's, in
    this municipality, unless refused; 404 otherwise), with its facts, authorized people and
    documents, without reading the household first (a child's page: its consent answers come
    with the consents, consents_with_answers; its pending requests, pending_changes_of_child).
    Three statements compiled once; the lists are read as the prefetches of _with_lists would
    (`child.authorized_people.all()`, `child.documents.all()`: no query)."""
    found = _parent_child(municipality=municipality.pk, user=user.pk, pk=pk)
    if not found:
        raise Http404
    child: Child = found[0]
    people = _people_of_child(child=child.pk)
    documents = _documents_of_child(child=child.pk)
    for row in (*people, *documents):
        row.child = child
    prefetched(
        child,
        authorized_people=(people, _people()),
        documents=(documents, _current_documents()),
    )
    return child


def children_with_records(household: Household) -> QuerySet[Child]:
    """Children with their consents, authorized people and documents, for the pages that show
    them; the completeness check reads the annotations of children_with_facts."""
    return children_with_lists(household).prefetch_related(
        Prefetch("consents", queryset=ChildConsent.objects.select_related("consent")),
    )


PendingByCategory = dict[tuple[str, int, str], PendingChange]


_pending = Statement(
    lambda municipality, household: PendingChange.objects.filter(
        municipality_id=municipality, household_id=household, status=PendingChange.Status.PENDING
    )
)


def pending_changes_of(household: Household | Child) -> PendingByCategory:
    """Open requests by (target type, target id, category), of a household (given itself, or
    one of its children: its household is not read)."""
    household_id = household.household_id if isinstance(household, Child) else household.pk
    changes = _pending(municipality=household.municipality_id, household=household_id)
    return {(change.target_type, change.target_id, change.category): change for change in changes}


def family_settings_of(municipality: Municipality) -> FamilySettings:
    """The municipality's settings; the defaults (unsaved) until a manager saves them."""
    settings: FamilySettings | None = FamilySettings.objects.filter(
        municipality=municipality
    ).first()
    return settings or FamilySettings(municipality=municipality)


def signup_open(municipality: Municipality) -> bool:
    """Sign-up is open unless the municipality turned it off (no settings row: open)."""
    return (
        FamilySettings.objects.filter(municipality=municipality)
        .values_list("signup_enabled", flat=True)
        .first()
        is not False
    )


def category_validated(municipality: Municipality, code: str) -> bool:
    """Whether a family's change in the category waits for staff validation."""
    validated: list[str] | None = (
        FamilySettings.objects.filter(municipality=municipality)
        .values_list("validated_categories", flat=True)
        .first()
    )
    return validated is not None and code in validated


# Staff side: household page, search, queue of pending changes and sign-ups, audit log.


def document_get(household: Household, pk: int) -> FamilyDocument:
    """A document of the household (with its file, to be served)."""
    document: FamilyDocument = get_object_or_404(
        FamilyDocument.objects.for_household(household), pk=pk
    )
    return document


def staff_document_get(municipality: Municipality, pk: int) -> FamilyDocument:
    document: FamilyDocument = get_object_or_404(
        FamilyDocument.objects.for_municipality(municipality), pk=pk
    )
    return document


@dataclass
class DocumentsByOwner:
    """A household's documents, each with its child or guardian loaded, and per person."""

    all: list[FamilyDocument] = field(default_factory=list)
    by_guardian: dict[int, list[FamilyDocument]] = field(default_factory=dict)
    by_child: dict[int, list[FamilyDocument]] = field(default_factory=dict)


def documents_by_owner(household: Household) -> DocumentsByOwner:
    owners = DocumentsByOwner()
    for document in (
        FamilyDocument.objects.for_household(household)
        .select_related("child", "guardian")
        .only(*DOCUMENT_LIST_FIELDS, *DOCUMENT_OWNER_FIELDS)
    ):
        owners.all.append(document)
        if document.child_id:
            owners.by_child.setdefault(document.child_id, []).append(document)
        elif document.guardian_id:
            owners.by_guardian.setdefault(document.guardian_id, []).append(document)
    return owners


@dataclass
class HouseholdRecords:
    """Everything the staff page of a household shows."""

    household: Household
    pending: PendingByCategory
    guardians: list[Guardian]
    children: list[Child]
    missing: dict[int, list[MissingItem]]
    consents: list[Consent]
    documents: DocumentsByOwner


def household_records(municipality: Municipality, household: Household) -> HouseholdRecords:
    children = list(children_with_records(household))
    return HouseholdRecords(
        household=household,
        pending=pending_changes_of(household),
        guardians=list(guardians_of(household).select_related("user")),
        children=children,
        missing=missing_by_child(municipality, children),
        consents=list(consents_of(municipality)),
        documents=documents_by_owner(household),
    )


def households_matching(municipality: Municipality, query: str) -> QuerySet[Household]:
    """Households whose name, a child's name or a guardian's name or e-mail contains every
    word of `query`; the most recent first when `query` is empty. Guardians and children come
    prefetched: listing a page costs the same number of queries whatever its size."""
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
        _guardians_with_users(),
        _children_by_age(),
    )


def _guardians_with_users() -> Prefetch[Any]:
    guardians: QuerySet[Guardian] = Guardian.objects.select_related("user").order_by("pk")
    return Prefetch("guardians", queryset=guardians)


def _children_by_age() -> Prefetch[Any]:
    children: QuerySet[Child] = Child.objects.order_by("birth_date", "pk")
    return Prefetch("children", queryset=children)


def family_addresses(household: Household) -> list[str]:
    """Where to write to a household: each guardian's login e-mail, else their contact
    e-mail, without duplicates."""
    addresses: list[str] = []
    for guardian in Guardian.objects.for_household(household).select_related("user"):
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


def guardian_users(household: Household) -> list[User]:
    """The accounts of the household's guardians (those that have one)."""
    return [
        guardian.user
        for guardian in Guardian.objects.for_household(household).select_related("user")
        if guardian.user is not None
    ]


def audit_entries(
    municipality: Municipality, household_id: int | None = None
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(municipality=municipality).select_related("actor")
    if household_id is not None:
        entries = entries.filter(household_id=household_id)
    return entries.order_by("-created_at", "-pk")


def household_names(municipality: Municipality, ids: set[int]) -> dict[int, str]:
    """The names of the households the audit entries of a page are about (one query)."""
    names: dict[int, str] = dict(
        Household.objects.for_municipality(municipality)
        .filter(pk__in=ids)
        .values_list("pk", "name")
    )
    return names
