"""Families of the demo municipality: complete and incomplete records, a change waiting for
validation and a sign-up to validate. Idempotent: households are keyed by external_ref."""

from datetime import date

from django.core.files.base import ContentFile

from ribambelle.accounts.models import Role, User
from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    ChildConsent,
    Consent,
    FamilyDocument,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.tenants.models import Department

# A minimal valid PDF (one empty page), for the demo's insurance certificate.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)

CONSENTS = [
    ("Droit à l'image", "Photos et vidéos de votre enfant dans les publications de la ville."),
    ("Sortie seul", "Votre enfant peut quitter seul l'accueil à la fin de la journée."),
    ("Transport", "Votre enfant peut prendre le car pour les sorties."),
    ("Soins d'urgence", "Le personnel peut faire appel aux secours et faire soigner l'enfant."),
]

# (external_ref, name, address, quotient, guardian e-mails, children)
FAMILIES = [
    (
        "DEMO-MARTIN",
        "Foyer Martin",
        "12 rue des Écoles",
        640,
        ["alice.martin@exemple.fr", "bob.martin@exemple.fr"],
        [
            ("Léa", "f", date(2017, 3, 14), "École Jules-Ferry", "CE2", True),
            ("Hugo", "m", date(2020, 9, 2), "École Jules-Ferry", "PS", False),
        ],
    ),
    (
        "DEMO-BERNARD",
        "Foyer Bernard",
        "3 allée des Tilleuls",
        1180,
        ["chloe.bernard@exemple.fr"],
        [("Inès", "f", date(2016, 6, 21), "École Louise-Michel", "CM1", True)],
    ),
    (
        "DEMO-HADDAD",
        "Foyer Haddad",
        "8 place du Marché",
        420,
        ["karim.haddad@exemple.fr"],
        [
            ("Yanis", "m", date(2015, 1, 30), "École Louise-Michel", "CM2", True),
            ("Sarah", "f", date(2018, 11, 5), "École Louise-Michel", "CE1", False),
            ("Adam", "m", date(2021, 4, 17), "École Louise-Michel", "PS", False),
        ],
    ),
    (
        "DEMO-PETIT",
        "Foyer Petit",
        "21 rue de la Gare",
        None,
        ["nina.petit@exemple.fr"],
        [("Tom", "m", date(2019, 7, 8), "École Jules-Ferry", "GS", False)],
    ),
]


def seed_demo_families(demo) -> None:
    settings, _ = FamilySettings.objects.get_or_create(municipality=demo)
    settings.validated_categories = ["child.medical"]
    settings.save(update_fields=["validated_categories"])
    consents = [
        Consent.objects.update_or_create(
            municipality=demo, label=label, defaults={"description": text, "position": n}
        )[0]
        for n, (label, text) in enumerate(CONSENTS)
    ]
    leisure = Department.objects.get(municipality=demo, name="Centre de loisirs")
    canteen = Department.objects.get(municipality=demo, name="Restauration scolaire")
    for department, item, consent in (
        (leisure, "insurance_certificate", None),
        (leisure, "emergency_contact", None),
        (canteen, "consent", consents[3]),
    ):
        Requirement.objects.get_or_create(
            municipality=demo, department=department, item=item, consent=consent
        )
    for ref, name, address, quotient, emails, children in FAMILIES:
        if Household.objects.filter(municipality=demo, external_ref=ref).exists():
            continue
        household = Household.objects.create(
            municipality=demo,
            name=name,
            address=address,
            postal_code="75000",
            city="Démoville",
            quotient=quotient,
            quotient_date=date(2026, 1, 15) if quotient else None,
            quotient_source=Household.QuotientSource.CAF if quotient else "",
            external_ref=ref,
        )
        for email in emails:
            user = User.objects.get(municipality=demo, email=email)
            guardian = Guardian.objects.create(
                municipality=demo,
                household=household,
                user=user,
                civility=Guardian.Civility.MADAME
                if user.first_name in {"Alice", "Chloé", "Nina"}
                else Guardian.Civility.MONSIEUR,
                first_name=user.first_name,
                last_name=user.last_name,
                email=email,
                mobile_phone="06 12 34 56 78",
                profession="Infirmière" if user.first_name == "Alice" else "",
            )
            household.paying_guardian = household.paying_guardian or guardian
        household.save(update_fields=["paying_guardian"])
        for first_name, sex, birth, school, school_class, complete in children:
            child = Child.objects.create(
                municipality=demo,
                household=household,
                first_name=first_name,
                last_name=name.removeprefix("Foyer "),
                sex=sex,
                birth_date=birth,
                birth_city="Démoville",
                school=school,
                school_class=school_class,
                allergies="Arachide" if first_name == "Léa" else "",
                has_pai=first_name == "Léa",
                diet=Child.Diet.NO_MEAT if first_name == "Inès" else Child.Diet.STANDARD,
                doctor_name="Dr Lefort" if complete else "",
                vaccinations_up_to_date=True if complete else None,
                insurer="MAIF" if complete else "",
                insurance_policy="123456789" if complete else "",
                insurance_valid_until=date(2027, 8, 31) if complete else None,
            )
            if complete:
                _complete(child, household, consents)
    _pending_examples(demo)


def _complete(child, household, consents) -> None:
    for consent in consents:
        ChildConsent.objects.create(child=child, consent=consent, granted=True)
    AuthorizedPerson.objects.create(
        municipality=child.municipality,
        child=child,
        first_name="Jeanne",
        last_name=child.last_name,
        phone="06 98 76 54 32",
        relationship="Grand-mère",
        can_pick_up=True,
        emergency_contact=True,
    )
    FamilyDocument.objects.create(
        municipality=child.municipality,
        household=household,
        child=child,
        kind="insurance",
        name="Attestation d'assurance scolaire 2026-2027",
        file=ContentFile(DEMO_PDF, name="attestation.pdf"),
        content_type="application/pdf",
        size=len(DEMO_PDF),
    )


def _pending_examples(demo) -> None:
    """A change of Hugo's medical record waiting for staff, and a sign-up to validate."""
    hugo = Child.objects.filter(municipality=demo, first_name="Hugo").first()
    alice = User.objects.filter(municipality=demo, email="alice.martin@exemple.fr").first()
    if hugo and not PendingChange.objects.filter(target_type="child", target_id=hugo.pk).exists():
        PendingChange.objects.create(
            municipality=demo,
            household=hugo.household,
            target_type="child",
            target_id=hugo.pk,
            category="child.medical",
            before={"allergies": ""},
            after={"allergies": "Lait de vache"},
            submitted_by=alice,
        )
    if not Household.objects.filter(municipality=demo, external_ref="DEMO-NGUYEN").exists():
        household = Household.objects.create(
            municipality=demo,
            name="Foyer Nguyen",
            address="5 impasse des Lilas",
            postal_code="75000",
            city="Démoville",
            status=Household.Status.PENDING,
            external_ref="DEMO-NGUYEN",
        )
        user = User.objects.create_user(
            "an.nguyen@exemple.fr",
            None,
            municipality=demo,
            role=Role.PARENT,
            first_name="An",
            last_name="Nguyen",
            is_active=False,  # as every sign-up account until staff accept it
        )
        Guardian.objects.create(
            municipality=demo,
            household=household,
            user=user,
            first_name="An",
            last_name="Nguyen",
            email=user.email,
            mobile_phone="07 11 22 33 44",
        )
        Child.objects.create(
            municipality=demo,
            household=household,
            first_name="Linh",
            last_name="Nguyen",
            sex="f",
            birth_date=date(2018, 2, 12),
        )
