"""Sign-up of a new family from the login page: a pending household, its guardians with
accounts that have no password yet, and its children. Staff validate it (services.staff)."""

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from ribambelle.accounts import throttle
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.services import password_link_request
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Guardian, Household
from ribambelle.tenants.models import Municipality

SIGNUP_LIMIT_PER_IP = 5  # per throttle.WINDOW (one hour)


class SignupOutcome(StrEnum):
    # The family is told the same thing whether its request created a household or found an
    # account that already exists: the page must not reveal which e-mails have one.
    SENT = "sent"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class GuardianSignup:
    civility: str
    last_name: str
    first_name: str
    email: str
    mobile_phone: str


@dataclass(frozen=True)
class AddressSignup:
    address: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class ChildSignup:
    first_name: str
    last_name: str
    birth_date: date
    sex: str
    school: str
    school_class: str


def _ip_key(ip: str) -> str:
    return throttle.key("signup-ip", ip)


@transaction.atomic
def signup_submit(
    *,
    municipality: Municipality,
    guardians: list[GuardianSignup],
    address: AddressSignup,
    children: list[ChildSignup],
    ip: str,
) -> SignupOutcome:
    """A pending household with one or two guardians (accounts without a password, inactive
    until staff accept) and its children."""
    if throttle.exceeded({_ip_key(ip): SIGNUP_LIMIT_PER_IP}):
        return SignupOutcome.THROTTLED
    throttle.record(_ip_key(ip))
    emails = [guardian.email.strip().lower() for guardian in guardians]
    existing = set(
        User.objects.for_municipality(municipality)
        .filter(email__in=emails)
        .values_list("email", flat=True)
    )
    if not existing:
        try:
            with transaction.atomic():
                _create(municipality, guardians, address, children)
                return SignupOutcome.SENT
        except IntegrityError:
            # Another request created one of these accounts in the meantime.
            existing = set(emails)
    # Nothing is created: the usual first-connection / forgotten-password e-mail goes to the
    # account(s) that exist (it is throttled per address and per e-mail on its own).
    for email in sorted(existing):
        password_link_request(municipality=municipality, email=email, ip=ip)
    return SignupOutcome.SENT


def _create(
    municipality: Municipality,
    guardians: list[GuardianSignup],
    address: AddressSignup,
    children: list[ChildSignup],
) -> Household:
    household = Household.objects.create(
        municipality=municipality,
        name=f"Foyer {guardians[0].last_name}",
        status=Household.Status.PENDING,
        **asdict(address),
    )
    _audit(
        household,
        household,
        {"status": household.status, "name": household.name, **asdict(address)},
    )
    created = []
    for values in guardians:
        user = User.objects.create_user(
            values.email,
            None,  # no password: the e-mail to create it is sent when staff validate
            municipality=municipality,
            role=Role.PARENT,
            first_name=values.first_name,
            last_name=values.last_name,
            # Inactive until staff accept the sign-up: no password link, no login before.
            is_active=False,
        )
        guardian = Guardian.objects.create(
            municipality=municipality, household=household, user=user, **asdict(values)
        )
        _audit(household, guardian, asdict(values))
        created.append(guardian)
    household.paying_guardian = created[0]
    household.save(update_fields=["paying_guardian"])
    for child_values in children:
        child = Child.objects.create(
            municipality=municipality, household=household, **asdict(child_values)
        )
        _audit(household, child, asdict(child_values))
    return household


def _audit(
    household: Household, target: Household | Guardian | Child, values: dict[str, Any]
) -> None:
    audit_record(
        municipality=household.municipality,
        actor=None,
        action=AuditEntry.Action.CREATE,
        target=target,
        household_id=household.pk,
        after=values,
    )
