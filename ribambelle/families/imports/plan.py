"""The parsed file compared with the database: which households, guardians, children and
accounts the import would create or change, or why it cannot be imported. Writes nothing: the
preview shows the plan, and apply.py builds it again inside its transaction before writing it.

A blank cell never erases a value already recorded (a parent may have completed the record in
the portal since the first import); re-importing the same file changes nothing."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ribambelle.accounts.models import Role, User
from ribambelle.core.french import elide
from ribambelle.families.imports.data import (
    ChildData,
    GuardianData,
    HouseholdData,
    Problem,
    Values,
    name_key,
    same_value,
)
from ribambelle.families.imports.parse import parse_file
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.tenants.models import Municipality

MAX_SHOWN_ERRORS = 500
CHUNK = 500  # rows per IN (...) lookup, well under every database's parameter limit


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, instance: models.Model | None, changes: Values) -> None:
        if instance is None:
            self.created += 1
        elif changes:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class GuardianOp:
    data: GuardianData
    instance: Guardian | None
    changes: Values
    create_account: bool = False
    link_user_id: int | None = None
    user_email: str | None = None  # new login of an account never used
    new_user: User | None = None  # the account apply.py creates when create_account


@dataclass
class ChildOp:
    data: ChildData
    instance: Child | None
    changes: Values


@dataclass
class HouseholdOp:
    data: HouseholdData
    instance: Household | None
    changes: Values
    guardians: list[GuardianOp] = field(default_factory=list)
    children: list[ChildOp] = field(default_factory=list)


@dataclass
class ImportPlan:
    lines: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    households: Counts = field(default_factory=Counts)
    guardians: Counts = field(default_factory=Counts)
    children: Counts = field(default_factory=Counts)
    accounts: int = 0
    ops: list[HouseholdOp] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_errors(self) -> list[Problem]:
        return self.errors[:MAX_SHOWN_ERRORS]

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "households": vars(self.households),
            "guardians": vars(self.guardians),
            "children": vars(self.children),
            "accounts": self.accounts,
        }


def chunks[T](items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def account_unused(user: User) -> bool:
    return not user.has_usable_password() and user.last_login is None


# An existing parent account by e-mail: its pk, e-mail, role and guardian (pk and household).
UserRow = dict[str, Any]


def import_plan(municipality: Municipality, data: bytes) -> ImportPlan:
    """What the file would create and change, or why it cannot be imported. Writes nothing."""
    parsed = parse_file(data)
    plan = ImportPlan(lines=parsed.lines, errors=parsed.errors, warnings=parsed.warnings)
    if parsed.fatal:
        return plan
    refs = [household.ref for household in parsed.households]
    existing: dict[str, Household] = {}
    for chunk in chunks(refs):
        for household in (
            Household.objects.for_municipality(municipality)
            .filter(external_ref__in=chunk)
            .prefetch_related("children", "guardians__user")
        ):
            existing[household.external_ref] = household
    emails = sorted({g.email for h in parsed.households for g in h.guardians if g.email})
    guardian_households: dict[str, set[int]] = {}
    users: dict[str, UserRow] = {}
    for chunk in chunks(emails):
        rows = (
            Guardian.objects.for_municipality(municipality)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "household_id")
        )
        for email, household_id in rows:
            guardian_households.setdefault(email, set()).add(household_id)
        for user in (
            User.objects.for_municipality(municipality)
            .filter(email__in=chunk)
            .values("pk", "email", "role", "guardian__pk", "guardian__household_id")
        ):
            users[user["email"]] = user

    for data_household in parsed.households:
        if data_household.ref in parsed.refs_with_errors and not data_household.guardians:
            continue  # its guardians are on a line with an error, already reported
        op = _plan_household(data_household, existing.get(data_household.ref), plan)
        if op is not None:
            _plan_accounts(op, guardian_households, users, plan)
            plan.ops.append(op)
    plan.errors.sort()
    return plan


def _changes(instance: models.Model, values: Values) -> Values:
    return {
        name: value
        for name, value in values.items()
        if not same_value(name, getattr(instance, name), value)
    }


def _plan_household(
    data: HouseholdData, instance: Household | None, plan: ImportPlan
) -> HouseholdOp | None:
    if instance is None:
        if not data.guardians:
            plan.errors.append(
                Problem(
                    data.line,
                    _(
                        "le foyer %(ref)s n'a aucun responsable légal (colonnes resp1_nom et "
                        "resp1_prenom)"
                    )
                    % {"ref": data.ref},
                )
            )
            return None
        values = dict(data.values)
        values.setdefault(
            "name", _("Foyer %(name)s") % {"name": data.guardians[0].values["last_name"]}
        )
        op = HouseholdOp(data=data, instance=None, changes=values)
    else:
        op = HouseholdOp(data=data, instance=instance, changes=_changes(instance, data.values))
    plan.households.count(op.instance, op.changes)

    available = list(instance.guardians.all()) if instance else []
    new_guardians = 0
    for guardian in data.guardians:
        match = _guardian_match(guardian, available)
        if match is None:
            new_guardians += 1
            op.guardians.append(GuardianOp(guardian, None, dict(guardian.values)))
            continue
        available.remove(match)
        changes = _changes(match, guardian.values)
        if "email" in changes and match.email.lower() == guardian.email:
            del changes["email"]  # only the case differs
        guardian_op = GuardianOp(guardian, match, changes)
        if "email" in changes and match.user is not None and match.user.email != guardian.email:
            if account_unused(match.user):
                guardian_op.user_email = guardian.email
            else:
                del changes["email"]
                plan.warnings.append(
                    Problem(
                        guardian.lines["email"],
                        _(
                            "l'e-mail %(de)s%(name)s n'est pas modifié : son compte est déjà "
                            "utilisé ; changez-le depuis la fiche du foyer si besoin"
                        )
                        % {"de": elide("de", guardian), "name": guardian},
                    )
                )
        op.guardians.append(guardian_op)
    if instance is not None and new_guardians and len(instance.guardians.all()) + new_guardians > 2:
        plan.errors.append(
            Problem(
                data.line,
                _("le foyer %(ref)s aurait plus de deux responsables légaux") % {"ref": data.ref},
            )
        )

    children = {
        (name_key(child.first_name), child.birth_date): child
        for child in (instance.children.all() if instance else [])
    }
    for child in data.children:
        child_match = children.get(child.key)
        child_changes = (
            dict(child.values) if child_match is None else _changes(child_match, child.values)
        )
        op.children.append(ChildOp(child, child_match, child_changes))
        plan.children.count(child_match, child_changes)
    return op


def _guardian_match(guardian: GuardianData, available: list[Guardian]) -> Guardian | None:
    """The recorded guardian a line describes: by e-mail (contact or login), else by name."""
    match = None
    if guardian.email:
        match = next(
            (
                g
                for g in available
                if g.email.lower() == guardian.email
                or (g.user is not None and g.user.email == guardian.email)
            ),
            None,
        )
    if match is None:
        match = next(
            (
                g
                for g in available
                if (name_key(g.last_name), name_key(g.first_name)) == guardian.name_key
            ),
            None,
        )
    return match


def _plan_accounts(
    op: HouseholdOp,
    guardian_households: dict[str, set[int]],
    users: dict[str, UserRow],
    plan: ImportPlan,
) -> None:
    """An e-mail belongs to one household of the municipality, and to a parent account that is
    this guardian's or nobody's."""
    household_id = op.instance.pk if op.instance else None
    for guardian_op in op.guardians:
        email = guardian_op.data.email
        instance = guardian_op.instance
        line = guardian_op.data.lines.get("email", guardian_op.data.line)
        if email and (guardian_households.get(email, set()) - {household_id}):
            plan.errors.append(
                Problem(
                    line,
                    _("l'e-mail « %(email)s » est déjà celui d'un responsable d'un autre foyer")
                    % {"email": email},
                )
            )
            continue
        user_id = instance.user_id if instance is not None else None
        user = users.get(email) if email else None
        if user is not None and not (user_id is not None and user["pk"] == user_id):
            if user["role"] != Role.PARENT:
                message = _("l'e-mail « %(email)s » est celui d'un compte du personnel")
            elif user["guardian__pk"] is not None:
                message = _("l'e-mail « %(email)s » est déjà celui d'un autre responsable")
            elif user_id is not None:
                message = _("l'e-mail « %(email)s » est celui d'un autre compte")
            else:
                guardian_op.link_user_id = user["pk"]
                message = None
            if message:
                plan.errors.append(Problem(line, message % {"email": email}))
                continue
        elif email and user_id is None:
            guardian_op.create_account = True
            plan.accounts += 1
        if guardian_op.link_user_id and instance is not None:
            guardian_op.changes["user_id"] = guardian_op.link_user_id
        if guardian_op.create_account and instance is not None:
            guardian_op.changes.setdefault("user_id", None)
        plan.guardians.count(instance, guardian_op.changes)
