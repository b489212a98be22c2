"""Staff decisions on family records: pending changes and sign-ups, each audited and told to
the family by e-mail; the municipality's settings for family records."""

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext_lazy as _

from ribambelle.accounts.tasks import send_password_link
from ribambelle.core.audit import audit_entry, audit_record, audit_record_many
from ribambelle.core.models import AuditEntry
from ribambelle.families import tasks
from ribambelle.families.categories import Category
from ribambelle.families.models import (
    Consent,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.families.services import records

# Staff only: the household's family quotient is never edited by the family.
QUOTIENT = Category(
    "household.quotient",
    "household",
    _("Quotient familial"),
    ("quotient", "quotient_date", "quotient_source"),
)


class AlreadyDecided(Exception):
    """Another member of staff decided first."""


@transaction.atomic
def change_decide(*, actor, change: PendingChange, accept: bool, message: str) -> PendingChange:
    """Accept (apply) or refuse a family's request, then e-mail the family."""
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingChange.Status.PENDING:
        raise AlreadyDecided
    if accept:
        records.pending_accept(actor=actor, change=change, message=message)
    else:
        records.pending_refuse(actor=actor, change=change, message=message)
    # Enqueued inside the transaction: with the database queue, the task exists iff we commit.
    tasks.send_change_decision.enqueue(change.pk)
    return change


def _guardian_users(household: Household):
    return [
        guardian.user
        for guardian in Guardian.objects.filter(household=household).select_related("user")
        if guardian.user is not None
    ]


@transaction.atomic
def signup_accept(*, actor, household: Household) -> None:
    """Open the household and send each guardian the first-connection e-mail."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.PENDING:
        raise AlreadyDecided
    household.status = Household.Status.ACTIVE
    household.save(update_fields=["status"])
    audit_record(
        municipality=household.municipality,
        actor=actor,
        action=AuditEntry.Action.ACCEPT,
        target=household,
        household_id=household.pk,
        before={"status": Household.Status.PENDING},
        after={"status": Household.Status.ACTIVE},
    )
    for user in _guardian_users(household):
        # Sign-up accounts wait inactive for this decision (families/services/signup.py).
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        send_password_link.enqueue(household.municipality_id, user.email)


@transaction.atomic
def signup_refuse(*, actor, household: Household, message: str) -> None:
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status != Household.Status.PENDING:
        raise AlreadyDecided
    household.status = Household.Status.REFUSED
    household.save(update_fields=["status"])
    # The accounts created by the sign-up cannot be used: they belong to no valid household.
    for user in _guardian_users(household):
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit_record(
        municipality=household.municipality,
        actor=actor,
        action=AuditEntry.Action.REFUSE,
        target=household,
        household_id=household.pk,
        before={"status": Household.Status.PENDING},
        after={"status": Household.Status.REFUSED, "message": message},
    )
    tasks.send_signup_refusal.enqueue(household.pk, message)


def health_reads_record(*, actor, children) -> None:
    """Invariant 8: one entry per child whose medical information a member of staff saw, in
    one query whatever their number."""
    audit_record_many(
        audit_entry(
            municipality_id=child.municipality_id,
            actor=actor,
            action=AuditEntry.Action.READ_HEALTH,
            target=child,
            household_id=child.household_id,
        )
        for child in children
    )


def family_settings_of(municipality) -> FamilySettings:
    return FamilySettings.objects.get_or_create(municipality=municipality)[0]


@transaction.atomic
def family_settings_save(*, municipality, signup_enabled: bool, validated: list[str]) -> None:
    settings, _created = FamilySettings.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    settings.signup_enabled = signup_enabled
    settings.validated_categories = sorted(validated)
    settings.save(update_fields=["signup_enabled", "validated_categories"])


@transaction.atomic
def consent_save(*, municipality, consent: Consent) -> Consent:
    consent.municipality = municipality
    if consent.pk is None:
        top = Consent.objects.for_municipality(municipality).aggregate(top=Max("position"))["top"]
        consent.position = 0 if top is None else top + 1
    consent.save()
    return consent


@transaction.atomic
def consent_move(*, municipality, consent: Consent, step: int) -> None:
    """Swap with the neighbour above (step -1) or below (step +1); positions are renumbered
    first so that equal positions never block a move."""
    consents = list(
        Consent.objects.for_municipality(municipality)
        .select_for_update()
        .order_by("position", "pk")
    )
    index = next(i for i, item in enumerate(consents) if item.pk == consent.pk)
    other = index + step
    if 0 <= other < len(consents):
        consents[index], consents[other] = consents[other], consents[index]
    for position, item in enumerate(consents):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def consent_delete(*, municipality, consent: Consent) -> None:
    Consent.objects.for_municipality(municipality).filter(pk=consent.pk).delete()
    Consent.objects.for_municipality(municipality).filter(position__gt=consent.position).update(
        position=F("position") - 1
    )


@transaction.atomic
def requirement_add(*, municipality, department, item: str, consent: Consent | None) -> Requirement:
    requirement = Requirement.objects.get_or_create(
        municipality=municipality,
        department=department,
        item=item,
        consent=consent if item == Requirement.Item.CONSENT else None,
    )[0]
    return requirement


@transaction.atomic
def requirement_delete(*, municipality, requirement: Requirement) -> None:
    Requirement.objects.for_municipality(municipality).filter(pk=requirement.pk).delete()
