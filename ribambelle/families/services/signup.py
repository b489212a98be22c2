"""Sign-up of a new family from the login page: a pending household, its guardians with
accounts that have no password yet, and its children. Staff validate it (services.staff)."""

from enum import StrEnum

from django.db import IntegrityError, transaction

from ribambelle.accounts import throttle
from ribambelle.accounts.models import Role, User
from ribambelle.accounts.services import password_link_request
from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, FamilySettings, Guardian, Household
from ribambelle.tenants.models import Municipality

SIGNUP_LIMIT_PER_IP = 5  # per throttle.WINDOW (one hour)


class SignupOutcome(StrEnum):
    # The family is told the same thing whether its request created a household or found an
    # account that already exists: the page must not reveal which e-mails have one.
    SENT = "sent"
    THROTTLED = "throttled"


def signup_open(municipality: Municipality) -> bool:
    """Sign-up is open unless the municipality turned it off (no settings row: open)."""
    return (
        FamilySettings.objects.filter(municipality=municipality)
        .values_list("signup_enabled", flat=True)
        .first()
        is not False
    )


def _ip_key(ip: str) -> str:
    return throttle.key("signup-ip", ip)


@transaction.atomic
def signup_submit(
    *,
    municipality: Municipality,
    guardians: list[dict],
    address: dict,
    children: list[dict],
    ip: str,
) -> SignupOutcome:
    """`guardians` (one or two), `address` and `children` are cleaned form data."""
    if throttle.exceeded({_ip_key(ip): SIGNUP_LIMIT_PER_IP}):
        return SignupOutcome.THROTTLED
    throttle.record(_ip_key(ip))
    emails = [guardian["email"].strip().lower() for guardian in guardians]
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
    municipality: Municipality, guardians: list[dict], address: dict, children: list[dict]
) -> Household:
    household = Household.objects.create(
        municipality=municipality,
        name=f"Foyer {guardians[0]['last_name']}",
        status=Household.Status.PENDING,
        **address,
    )
    _audit(household, household, {"status": household.status, "name": household.name, **address})
    created = []
    for values in guardians:
        user = User.objects.create_user(
            values["email"],
            None,  # no password: the e-mail to create it is sent when staff validate
            municipality=municipality,
            role=Role.PARENT,
            first_name=values["first_name"],
            last_name=values["last_name"],
            # Inactive until staff accept the sign-up: no password link, no login before.
            is_active=False,
        )
        guardian = Guardian.objects.create(
            municipality=municipality, household=household, user=user, **values
        )
        _audit(household, guardian, values)
        created.append(guardian)
    household.paying_guardian = created[0]
    household.save(update_fields=["paying_guardian"])
    for values in children:
        child = Child.objects.create(municipality=municipality, household=household, **values)
        _audit(household, child, values)
    return household


def _audit(household: Household, target, values: dict) -> None:
    audit_record(
        municipality=household.municipality,
        actor=None,
        action=AuditEntry.Action.CREATE,
        target=target,
        household_id=household.pk,
        after=values,
    )
