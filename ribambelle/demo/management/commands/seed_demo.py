import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ribambelle.accounts.models import Role, User
from ribambelle.demo.billing import seed_demo_billing
from ribambelle.demo.bookings import seed_demo_bookings
from ribambelle.demo.certificates import seed_demo_certificates
from ribambelle.demo.debits import seed_demo_batches, seed_demo_mandates
from ribambelle.demo.documents import seed_demo_documents
from ribambelle.demo.families import seed_demo_families
from ribambelle.demo.messaging import seed_demo_conversations
from ribambelle.demo.reminders import seed_demo_reminders
from ribambelle.demo.seeding import refuse_foreign_data
from ribambelle.demo.treasury import seed_demo_treasury
from ribambelle.demo.treasury_settings import seed_demo_treasury_settings
from ribambelle.tenants.models import Department, Municipality

DEMO_PASSWORD = "Ribambelle-Demo-2026!"  # noqa: S105 - documented demo login


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    role: str
    description: str
    with_password: bool = True


DEMO_ACCOUNTS = [
    DemoAccount("alice.martin@exemple.fr", "Alice", "Martin", Role.PARENT, "parent, foyer Martin"),
    DemoAccount("bob.martin@exemple.fr", "Bob", "Martin", Role.PARENT, "parent, foyer Martin"),
    DemoAccount(
        "chloe.bernard@exemple.fr", "Chloé", "Bernard", Role.PARENT, "parent, foyer Bernard"
    ),
    DemoAccount("karim.haddad@exemple.fr", "Karim", "Haddad", Role.PARENT, "parent, foyer Haddad"),
    DemoAccount(
        "nina.petit@exemple.fr",
        "Nina",
        "Petit",
        Role.PARENT,
        "parent sans mot de passe : essayez « Première connexion »",
        with_password=False,
    ),
    DemoAccount("coordination@demo.ribambelle.fr", "Sophie", "Durand", Role.MANAGER, "responsable"),
    DemoAccount("agent@demo.ribambelle.fr", "Marc", "Lefèvre", Role.AGENT, "agent"),
    DemoAccount("consultation@demo.ribambelle.fr", "Léa", "Moreau", Role.READ_ONLY, "consultation"),
]

DEMO_DEPARTMENTS = [
    (
        "Restauration scolaire",
        "Repas du midi dans les écoles de la commune.",
        "restauration@demo.ribambelle.fr",
        "01 23 45 67 01",
        "Du lundi au vendredi, 8 h 30 – 12 h",
    ),
    (
        "Accueil périscolaire",
        "Garderie du matin et du soir, mercredis.",
        "periscolaire@demo.ribambelle.fr",
        "01 23 45 67 02",
        "Du lundi au vendredi, 8 h 30 – 17 h",
    ),
    (
        "Centre de loisirs",
        "Accueil des 3-11 ans les mercredis et pendant les vacances.",
        "loisirs@demo.ribambelle.fr",
        "01 23 45 67 03",
        "Mercredi, 9 h – 17 h",
    ),
]


@contextmanager
def quiet_task_log():
    """The immediate task backend logs every task it runs (two lines each, a hundred tasks for
    the demo's invoices and messages), which buried the logins printed at the end. Warnings and
    errors of a failing task still show."""
    task_logger = logging.getLogger("django.tasks")
    level = task_logger.level
    task_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        task_logger.setLevel(level)


class Command(BaseCommand):
    help = "Load (or refresh) the demo municipality 'demo' with staff and families."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Write into any database.")

    def handle(self, *args, force=False, **options):
        with quiet_task_log():
            self.seed(force=force)
        self.stdout.write(self.style.SUCCESS("Demo municipality ready: /demo/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:36} {account.description}")

    @transaction.atomic
    def seed(self, *, force: bool) -> None:
        refuse_foreign_data({"demo", "autreville"}, force=force)
        demo, _ = Municipality.objects.update_or_create(
            slug="demo",
            defaults={
                "name": "Ville de Démo",
                "address": "1 place de la Mairie",
                "postal_code": "75000",
                "city": "Démoville",
                "phone": "01 23 45 67 00",
                "email": "enfance@demo.ribambelle.fr",
            },
        )
        Municipality.objects.update_or_create(
            slug="autreville",
            defaults={"name": "Autreville", "postal_code": "69000", "city": "Autreville"},
        )
        for name, description, email, phone, hours in DEMO_DEPARTMENTS:
            Department.objects.update_or_create(
                municipality=demo,
                name=name,
                defaults={
                    "description": description,
                    "email": email,
                    "phone": phone,
                    "opening_hours": hours,
                },
            )
        hashed = make_password(DEMO_PASSWORD)
        for account in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                municipality=demo,
                email=account.email,
                defaults={
                    "first_name": account.first_name,
                    "last_name": account.last_name,
                    "role": account.role,
                },
            )
            if created:
                user.password = hashed if account.with_password else make_password(None)
                user.save(update_fields=["password"])
        seed_demo_families(demo)
        seed_demo_bookings(demo)
        # Mandates before the runs are issued: their invoices are scheduled for direct debit.
        seed_demo_mandates(demo, timezone.localdate())
        seed_demo_billing(demo, timezone.localdate())
        seed_demo_reminders(demo, timezone.localdate())
        seed_demo_batches(demo, timezone.localdate())
        seed_demo_treasury_settings(demo)
        seed_demo_certificates(demo, timezone.localdate())
        seed_demo_treasury(demo, timezone.localdate())
        seed_demo_documents(demo, timezone.localdate())
        seed_demo_conversations(demo)
