"""The staff's queue: open requests on the families' records, and sign-ups to validate."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.families.categories import TARGET_MODELS, Record
from ribambelle.families.models import Household, PendingChange
from ribambelle.families.selectors import _children_by_age, _guardians_with_users
from ribambelle.tenants.models import Municipality


def open_changes(municipality: Municipality) -> QuerySet[PendingChange]:
    """The staff queue: open requests, oldest first."""
    return (
        PendingChange.objects.for_municipality(municipality)
        .filter(status=PendingChange.Status.PENDING)
        .select_related("household", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def open_change_get(municipality: Municipality, pk: int) -> PendingChange:
    change: PendingChange = get_object_or_404(
        PendingChange.objects.for_municipality(municipality).select_related("household"), pk=pk
    )
    return change


def change_targets(changes: list[PendingChange]) -> dict[tuple[str, int], Record]:
    """The records the requests are about: one query per kind of record."""
    wanted: dict[str, set[int]] = {}
    for change in changes:
        wanted.setdefault(change.target_type, set()).add(change.target_id)
    targets: dict[tuple[str, int], Record] = {}
    for target_type, ids in wanted.items():
        model = TARGET_MODELS.get(target_type)
        if model is None:
            continue
        for record in model.objects.filter(pk__in=ids):
            targets[(target_type, record.pk)] = record
    return targets


def change_target(change: PendingChange) -> Record:
    """The record a request is about."""
    model = TARGET_MODELS[change.target_type]
    record: Record = model.objects.get(pk=change.target_id, municipality=change.municipality)
    return record


def pending_signups(municipality: Municipality) -> QuerySet[Household]:
    return (
        Household.objects.for_municipality(municipality)
        .filter(status=Household.Status.PENDING)
        .order_by("created_at", "pk")
        .prefetch_related(
            _guardians_with_users(),
            _children_by_age(),
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
