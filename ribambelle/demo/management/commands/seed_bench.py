"""`manage.py seed_bench`: a large synthetic municipality for `manage.py bench`.

Rows are generated lazily and written with bulk_create in fixed-size batches, so memory stays
flat whatever the size; every account shares one password hash, since hashing thousands of
passwords with Argon2 would take minutes. The school year of bookings (well over a million rows)
skips the ORM altogether: see ribambelle/demo/bench/bookings.py."""

import contextlib
import random
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import batched
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ribambelle.accounts.models import Role, User
from ribambelle.bookings.models import Activity, Booking
from ribambelle.demo.bench.billing import delete_bench_billing, seed_bench_billing
from ribambelle.demo.bench.bookings import (
    BookingSeedReport,
    delete_bench_bookings,
    seed_bench_bookings,
)
from ribambelle.demo.bench.debits import delete_bench_debits, seed_bench_mandates
from ribambelle.demo.bench.documents import delete_bench_documents, seed_bench_documents
from ribambelle.demo.bench.messaging import (
    delete_bench_conversations,
    seed_bench_conversations,
)
from ribambelle.demo.bench.pages import BENCH_EMAIL_DOMAIN, BENCH_NAME, BENCH_SLUG
from ribambelle.demo.bookings import school_year
from ribambelle.demo.seeding import refuse_foreign_data
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    Guardian,
    Household,
    Requirement,
)
from ribambelle.tenants.models import Department, Municipality

BATCH_SIZE = 2000
SEED = 42
# Share of households with a second guardian: about 1.6 parents per household.
SECOND_GUARDIAN_RATE = 0.6
# Known password of every bench account, for trying the bench municipality by hand.
BENCH_PASSWORD = "Bench-sur-Mer-2026!"  # noqa: S105 - synthetic data only

DEPARTMENTS = [
    ("Restauration scolaire", "restauration", "Repas du midi dans les écoles."),
    ("Accueil périscolaire", "periscolaire", "Garderie du matin et du soir."),
    ("Centre de loisirs", "loisirs", "Mercredis et vacances scolaires."),
    ("Petite enfance", "petite-enfance", "Crèches et relais petite enfance."),
]
STAFF = [
    ("manager", "Sophie", "Durand", Role.MANAGER),
    ("agent", "Marc", "Lefèvre", Role.AGENT),
    ("consultation", "Léa", "Moreau", Role.READ_ONLY),
]
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Inès", "Sarah", "Emma", "Chloé", "Amina", "Julie", "Aïcha",
    "Thomas", "Lucas", "Hugo", "Karim", "Nicolas", "Mehdi", "Julien", "Antoine", "Yanis", "Paul",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Haddad", "Nguyen", "Diallo",
    "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "Mercier", "Blanc", "Guerin",
]  # fmt: skip


# About 250 children per school, as in a French town of that size (some thirty schools).
SCHOOLS = [
    f"École {name}"
    for name in (
        "Jules-Ferry",
        "Louise-Michel",
        "des Tilleuls",
        "du Port",
        "Jean-Jaurès",
        "Victor-Hugo",
        "Pasteur",
        "Marie-Curie",
        "Jean-Moulin",
        "Paul-Bert",
        "Condorcet",
        "Jacques-Prévert",
        "Anatole-France",
        "George-Sand",
        "Jean-de-La-Fontaine",
        "Émile-Zola",
        "Paul-Éluard",
        "Saint-Exupéry",
        "des Lilas",
        "du Centre",
        "de la Gare",
        "des Écureuils",
        "du Château",
        "des Peupliers",
        "Marcel-Pagnol",
        "Simone-Veil",
        "Olympe-de-Gouges",
        "Albert-Camus",
        "des Sources",
        "du Moulin",
        "Robert-Desnos",
        "Lucie-Aubrac",
    )
]
CLASSES = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
ALLERGIES = ["", "", "", "", "", "", "Arachide", "Lait", "Gluten"]
CONSENTS = ["Droit à l'image", "Sortie seul", "Soins d'urgence"]


@dataclass
class SeedReport:
    households: int
    parents: int
    built: bool
    seconds: float
    peak_rss_mb: float
    bookings: int = 0
    # Time spent writing the bookings, included in `seconds`.
    bookings_seconds: float = 0.0


def peak_rss_mb() -> float:
    """ru_maxrss is in kilobytes on Linux but in bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def reset_peak_rss() -> None:
    """Start the peak from here, so that it measures the seed and not what ran before it in
    the same process (`manage.py bench` migrates first). Linux only; elsewhere the peak is
    the process's since it started."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def delete_in_batches(queryset: QuerySet) -> None:
    while pks := list(queryset.values_list("pk", flat=True)[:BATCH_SIZE]):
        queryset.model.objects.filter(pk__in=pks).delete()


def guardian_counts(households: int) -> Iterator[int]:
    """One or two guardians per household, the same sequence on every run."""
    rng = random.Random(SEED)
    for _ in range(households):
        yield 2 if rng.random() < SECOND_GUARDIAN_RATE else 1


def children_counts(households: int, children: int) -> Iterator[int]:
    """Children spread over the households: everyone gets the same share, the remainder goes to
    the first ones."""
    base, extra = divmod(children, households)
    for index in range(households):
        yield base + (1 if index < extra else 0)


@dataclass
class SyntheticHousehold:
    household: Household
    users: list[User]
    children: list[Child]


def synthetic_households(
    municipality: Municipality, households: int, children: int, password: str
) -> Iterator[SyntheticHousehold]:
    """One household at a time (never the whole municipality in memory), deterministic."""
    rng = random.Random(SEED + 1)
    now = timezone.now()
    number = 0
    for index, (guardians, kids) in enumerate(
        zip(guardian_counts(households), children_counts(households, children), strict=True)
    ):
        last_name = rng.choice(LAST_NAMES)
        users = []
        for _ in range(guardians):
            number += 1
            users.append(
                User(
                    municipality=municipality,
                    email=f"parent{number}@{BENCH_EMAIL_DOMAIN}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=last_name,
                    role=Role.PARENT,
                    password=password,
                    date_joined=now,
                )
            )
        household = Household(
            municipality=municipality,
            name=f"Foyer {last_name}",
            address=f"{index + 1} rue des Écoles",
            postal_code="99999",
            city=BENCH_NAME,
            quotient=rng.randrange(200, 2000),
            quotient_source=Household.QuotientSource.CAF,
            external_ref=f"B{index + 1:06d}",
        )
        kids_list = [
            Child(
                municipality=municipality,
                first_name=rng.choice(FIRST_NAMES),
                last_name=last_name,
                sex=rng.choice("fm"),
                birth_date=date(
                    2014 + rng.randrange(9), 1 + rng.randrange(12), 1 + rng.randrange(28)
                ),
                school=rng.choice(SCHOOLS),
                school_class=rng.choice(CLASSES),
                allergies=rng.choice(ALLERGIES),
                doctor_name="Dr Martin" if rng.random() < 0.7 else "",
                vaccinations_up_to_date=rng.random() < 0.9,
            )
            for _ in range(kids)
        ]
        yield SyntheticHousehold(household, users, kids_list)


def write_households(batch: list[SyntheticHousehold], consents: list[Consent]) -> None:
    """Bulk-writes one batch: households, accounts, guardians, children and their records."""
    municipality = batch[0].household.municipality
    Household.objects.bulk_create([entry.household for entry in batch])
    User.objects.bulk_create([user for entry in batch for user in entry.users])
    guardians = []
    for entry in batch:
        for user in entry.users:
            guardians.append(
                Guardian(
                    municipality=municipality,
                    household=entry.household,
                    user=user,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    email=user.email,
                    mobile_phone="06 00 00 00 00",
                )
            )
        for child in entry.children:
            child.household = entry.household
    Guardian.objects.bulk_create(guardians)
    children = [child for entry in batch for child in entry.children]
    Child.objects.bulk_create(children)
    ChildConsent.objects.bulk_create(
        ChildConsent(child=child, consent=consent, granted=(child.pk + consent.pk) % 3 != 0)
        for child in children
        if child.pk % 2
        for consent in consents
    )
    AuthorizedPerson.objects.bulk_create(
        AuthorizedPerson(
            municipality=municipality,
            child=child,
            first_name="Camille",
            last_name=child.last_name,
            phone="06 11 11 11 11",
            relationship="Grand-parent",
            emergency_contact=True,
        )
        for child in children
        if child.pk % 3
    )


class Command(BaseCommand):
    help = "Build (or rebuild) the synthetic 'bench' municipality measured by `manage.py bench`."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=5000)
        parser.add_argument("--children", type=int, default=8000)
        parser.add_argument("--force", action="store_true", help="Write into any database.")

    def handle(self, *args, households, children, force=False, **options):
        if households < 1 or children < 0:
            raise CommandError("--households must be at least 1 and --children at least 0.")
        refuse_foreign_data({BENCH_SLUG}, force=force)
        reset_peak_rss()
        started = time.perf_counter()
        expected_parents = sum(guardian_counts(households))
        existing = Municipality.objects.filter(slug=BENCH_SLUG).first()
        built = not (
            existing is not None
            and User.objects.filter(municipality=existing, role=Role.PARENT).count()
            == expected_parents
            and Child.objects.filter(municipality=existing).count() == children
            # The bookings are of the current school year.
            and Activity.objects.filter(
                municipality=existing, starts_on=school_year(timezone.localdate()).start
            ).exists()
        )
        if built:
            # Argon2 alone peaks at about 100 MB (its memory cost): hash before the peak is
            # reset, so that the figure measures the rows being written.
            password = make_password(BENCH_PASSWORD)
            reset_peak_rss()
            bookings = self._build(existing, households, children, password)
            # The planner's statistics after the bulk load, as autovacuum (or a DBA) would
            # compute them later: without them PostgreSQL expects a few bookings a day where
            # there are thousands, and the register's plan takes 40 times longer.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            bookings = BookingSeedReport(
                bookings=Booking.objects.filter(municipality=existing).count()
            )
        # Kept on the instance so that `manage.py bench` can put the figures in its report.
        self.report = SeedReport(
            households=households,
            parents=expected_parents,
            built=built,
            seconds=time.perf_counter() - started,
            peak_rss_mb=peak_rss_mb(),
            bookings=bookings.bookings,
            bookings_seconds=bookings.seconds,
        )
        state = "built" if built else "already built"
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench municipality /{BENCH_SLUG}/ {state}: {households} households, "
                f"{expected_parents} parent accounts, {children} children, "
                f"{len(DEPARTMENTS)} departments, {len(STAFF)} staff, "
                f"{self.report.bookings} bookings."
            )
        )
        written = f" (bookings written in {self.report.bookings_seconds:.2f} s)" if built else ""
        self.stdout.write(
            f"  took {self.report.seconds:.2f} s{written}, "
            f"peak memory {self.report.peak_rss_mb:.1f} MB"
        )

    @transaction.atomic
    def _build(
        self, existing: Municipality | None, households: int, children: int, password: str
    ) -> BookingSeedReport:
        if existing is not None:
            # A plain cascade would load every row of the municipality into memory at once.
            delete_bench_debits(existing)
            delete_bench_billing(existing)
            delete_bench_documents(existing)
            delete_bench_conversations(existing)
            delete_bench_bookings(existing)
            delete_in_batches(Child.objects.filter(municipality=existing))
            delete_in_batches(Household.objects.filter(municipality=existing))
            delete_in_batches(User.objects.filter(municipality=existing))
            existing.delete()
        municipality = Municipality.objects.create(
            slug=BENCH_SLUG,
            name=BENCH_NAME,
            postal_code="99999",
            city=BENCH_NAME,
            email=f"enfance@{BENCH_EMAIL_DOMAIN}",
        )
        Department.objects.bulk_create(
            Department(
                municipality=municipality,
                name=name,
                description=description,
                email=f"{local}@{BENCH_EMAIL_DOMAIN}",
            )
            for name, local, description in DEPARTMENTS
        )
        User.objects.bulk_create(
            User(
                municipality=municipality,
                email=f"{local}@{BENCH_EMAIL_DOMAIN}",
                first_name=first_name,
                last_name=last_name,
                role=role,
                password=password,
            )
            for local, first_name, last_name, role in STAFF
        )
        consents = Consent.objects.bulk_create(
            Consent(municipality=municipality, label=label, position=position)
            for position, label in enumerate(CONSENTS)
        )
        leisure = Department.objects.get(municipality=municipality, name="Centre de loisirs")
        Requirement.objects.bulk_create(
            [
                Requirement(municipality=municipality, department=leisure, item=item)
                for item in ("insurance_certificate", "emergency_contact")
            ]
        )
        households_per_batch = BATCH_SIZE // 2
        for batch in batched(
            synthetic_households(municipality, households, children, password),
            households_per_batch,
        ):
            write_households(list(batch), consents)
        report = seed_bench_bookings(municipality)
        # 40 % of the households pay by direct debit: their invoices are scheduled at issue.
        seed_bench_mandates(municipality, timezone.localdate())
        # The previous month invoiced and issued: the families' invoices have something to show.
        seed_bench_billing(municipality, timezone.localdate())
        seed_bench_documents(municipality, timezone.localdate())
        seed_bench_conversations(municipality)
        return report
