"""The rush's data: which parents take part (one per household, drawn with the seed), their
real Argon2 passwords, and the week they book."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import identify_hasher, make_password
from django.db.models import Count

from ribambelle.accounts.models import Role, User
from ribambelle.bookings import rules, selectors
from ribambelle.bookings.models import Activity
from ribambelle.demo.management.commands.seed_bench import BENCH_PASSWORD
from ribambelle.demo.rush.schedule import sample
from ribambelle.families.models import Guardian, Household
from ribambelle.tenants.models import Municipality

# The rush's parents log in with the bench accounts' password, hashed with Argon2 whatever
# hasher the seed used.
RUSH_PASSWORD = BENCH_PASSWORD
HASHER = "argon2"
# The week booked is at least this far ahead: past every deadline of the bench activities.
WEEKS_AHEAD = 3


@dataclass(frozen=True)
class RushParent:
    email: str
    household_id: int


def choose_parents(municipality: Municipality, count: int, seed: int) -> list[RushParent]:
    """One guardian account of `count` distinct active households that have children."""
    households = list(
        Household.objects.filter(municipality=municipality, status=Household.Status.ACTIVE)
        .annotate(kids=Count("children"))
        .filter(kids__gt=0)
        .values_list("pk", flat=True)
    )
    if count > len(households):
        raise ValueError(f"{count} parents wanted, {len(households)} households can take part")
    chosen = sample(households, count, seed)
    accounts: dict[int, str] = {}
    for household_id, email in (
        Guardian.objects.filter(
            household_id__in=chosen,
            user__role=Role.PARENT,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("household_id", "user__email")
    ):
        accounts.setdefault(household_id, email)
    return [RushParent(accounts[pk], pk) for pk in chosen if pk in accounts]


def give_real_passwords(municipality: Municipality, parents: list[RushParent]) -> str:
    """One Argon2 hash for every parent of the rush (verifying it costs what verifying any
    other would); the bench seed may have used a faster hasher. Returns the hash's algorithm."""
    encoded = make_password(RUSH_PASSWORD, hasher=HASHER)
    algorithm = identify_hasher(encoded).algorithm
    User.objects.filter(municipality=municipality, email__in=[p.email for p in parents]).update(
        password=encoded
    )
    return str(algorithm)


def rush_week(municipality: Municipality, today: date) -> date:
    """The first Monday at least WEEKS_AHEAD weeks ahead when the first activity (the canteen)
    runs at least three days: every cell of it is open to booking and cancelling."""
    activities = list(
        Activity.objects.filter(municipality=municipality, is_active=True).order_by("position")
    )
    if not activities:
        raise ValueError("the municipality has no activity")
    first = activities[0]
    spec = selectors.activity_specs(municipality, [first])[first.pk]
    monday = rules.week_of(today) + timedelta(weeks=WEEKS_AHEAD)
    while monday <= first.ends_on:
        days = [monday + timedelta(days=offset) for offset in range(5)]
        if sum(rules.closure_of(spec, day) is None for day in days) >= 3:
            return monday
        monday += timedelta(weeks=1)
    raise ValueError("no week left in the school year")
