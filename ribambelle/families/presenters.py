"""What the family-record templates show, built from what the selectors read: category blocks
(values, pending request, edit link), before/after tables of requests and audit entries, and
the staff page of a household. No query here: everything comes loaded."""

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import (
    CATEGORIES,
    QUOTIENT,
    STAFF_CATEGORIES,
    TARGET_MODELS,
    Category,
    Record,
    categories_for,
)
from ribambelle.families.display import display
from ribambelle.families.models import PendingChange
from ribambelle.families.selectors import HouseholdRecords, PendingByCategory
from ribambelle.tenants.models import Municipality
from ribambelle.tenants.shortcuts import tenant_reverse

Context = dict[str, Any]


def category_block(
    municipality: Municipality,
    target: str,
    obj: Record,
    category: Category,
    pending: PendingByCategory,
    *,
    staff: bool = False,
    **extra: Any,
) -> Context:
    """Context of one category block: its values, its pending request, its edit link. On the
    families' pages each block sits in a <details> whose summary is its title; staff see them
    unfolded."""
    change = pending.get((target, obj.pk, category.code))
    model = TARGET_MODELS[target]
    rows = []
    for name in category.fields:
        field = model._meta.get_field(name)
        value = getattr(obj, name)
        proposed = None
        if change is not None and name in change.after:
            proposed = display(field, change.after[name])
        rows.append(
            {
                "label": getattr(field, "verbose_name", name),
                "value": display(field, value),
                "empty": value is None or value == "",
                "proposed": proposed,
            }
        )
    namespace = "families_staff" if staff else "families"
    kwargs = {"target": target, "pk": obj.pk, "category": category.code}
    return {
        "target": target,
        "object": obj,
        "category": category,
        "rows": rows,
        "pending": change,
        "block_id": f"{target}-{obj.pk}-{category.code.replace('.', '-')}",
        "edit_url": tenant_reverse(municipality, f"{namespace}:edit", **kwargs),
        "show_url": tenant_reverse(municipality, f"{namespace}:show", **kwargs),
        "folded": not staff,
        **extra,
    }


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def diff_rows(model: type[models.Model] | None, before: Context, after: Context) -> list[Context]:
    """The fields a change touched, each with its value before and after, as the family
    reads them."""
    rows = []
    for name in dict.fromkeys([*before, *after]):
        field = _field(model, name)
        label = field.verbose_name if field is not None else name
        rows.append(
            {
                "label": label,
                "before": display(field, before.get(name)),
                "after": display(field, after.get(name)),
            }
        )
    return rows


def change_item(change: PendingChange, **extra: Any) -> Context:
    """A family's request: its category and what it changes."""
    return {
        "change": change,
        "category": STAFF_CATEGORIES.get(change.category),
        "rows": diff_rows(TARGET_MODELS.get(change.target_type), change.before, change.after),
        **extra,
    }


def audit_row(entry: AuditEntry, household_names: dict[int, str]) -> Context:
    try:
        model = apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        model = None
    return {
        "entry": entry,
        "household_name": household_names.get(entry.household_id or 0, ""),
        "changes": diff_rows(model, entry.before, entry.after),
    }


def staff_household(municipality: Municipality, records: HouseholdRecords) -> Context:
    """The staff page of a household: every category of every person, unfolded, with the
    children's completeness, consents, authorized people and documents, and open requests."""
    pending = records.pending

    def blocks(target: str, obj: Record, categories: list[Category]) -> list[Context]:
        return [
            category_block(municipality, target, obj, category, pending, staff=True)
            for category in categories
        ]

    children = []
    for child in records.children:
        answers = {answer.consent_id: answer.granted for answer in child.consents.all()}
        children.append(
            {
                "child": child,
                "missing": records.missing[child.pk],
                "blocks": blocks("child", child, categories_for("child")),
                "consents": [(consent, answers.get(consent.pk)) for consent in records.consents],
                "people": list(child.authorized_people.all()),
                "documents": records.documents.by_child.get(child.pk, []),
            }
        )
    open_changes = sorted(pending.values(), key=lambda change: (change.submitted_at, change.pk))
    household = records.household
    return {
        "household": household,
        "household_blocks": blocks(
            "household", household, [CATEGORIES["household.address"], QUOTIENT]
        ),
        "guardians": [
            {
                "guardian": guardian,
                "blocks": blocks("guardian", guardian, categories_for("guardian")),
                "documents": records.documents.by_guardian.get(guardian.pk, []),
            }
            for guardian in records.guardians
        ],
        "children": children,
        "household_documents": records.documents.all,
        "open_changes": [change_item(change) for change in open_changes],
    }
