"""Completeness of a child's record: pure logic, no ORM."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ChildFacts:
    document_kinds: frozenset[str]
    insurance_valid_until: date | None
    has_emergency_contact: bool
    has_doctor: bool
    vaccinations_up_to_date: bool | None
    answered_consents: frozenset[int]


@dataclass(frozen=True)
class RequirementSpec:
    department: str
    item: str
    consent_id: int | None = None
    consent_label: str = ""


@dataclass(frozen=True)
class MissingItem:
    item: str
    label: str
    departments: tuple[str, ...] = field(default=())


def _is_missing(spec: RequirementSpec, facts: ChildFacts, today: date) -> str | None:
    """The label of what is missing, or None."""
    if spec.item == "insurance_certificate":
        if "insurance" not in facts.document_kinds:
            return str(_("attestation d'assurance"))
        if facts.insurance_valid_until is not None and facts.insurance_valid_until < today:
            return str(_("attestation d'assurance à renouveler (date de validité dépassée)"))
        return None
    if spec.item == "emergency_contact":
        return None if facts.has_emergency_contact else str(_("contact en cas d'urgence"))
    if spec.item == "doctor":
        return None if facts.has_doctor else str(_("médecin traitant"))
    if spec.item == "vaccinations":
        return None if facts.vaccinations_up_to_date else str(_("vaccinations à jour"))
    if spec.item == "consent":
        if spec.consent_id in facts.answered_consents:
            return None
        return str(_("réponse à l'autorisation « %(label)s »") % {"label": spec.consent_label})
    raise ValueError(spec.item)


def missing_items(
    facts: ChildFacts, requirements: list[RequirementSpec], today: date
) -> list[MissingItem]:
    """What the child's record lacks for the departments that require it, one entry per
    missing item with the departments that ask for it."""
    found: dict[tuple[str, str], list[str]] = {}
    for spec in requirements:
        label = _is_missing(spec, facts, today)
        if label is not None:
            found.setdefault((spec.item, label), []).append(spec.department)
    return [
        MissingItem(item, label, tuple(sorted(set(departments))))
        for (item, label), departments in found.items()
    ]


def departments_blocked(missing: list[MissingItem]) -> set[str]:
    """Departments the child cannot be booked for until the record is complete."""
    return {department for item in missing for department in item.departments}
