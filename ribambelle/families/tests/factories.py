"""Households, their guardians and children, and what staff configure for family records."""

import datetime

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from ribambelle.families.models import (
    AuthorizedPerson,
    Child,
    Consent,
    FamilyDocument,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
    Requirement,
)
from ribambelle.tenants.tests.factories import DepartmentFactory, MunicipalityFactory

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class HouseholdFactory(DjangoModelFactory):
    """`HouseholdFactory(guardians=[alice, bob], guardians__last_name="Martin")`: one guardian
    per account (its name and e-mail), the first one paying."""

    class Meta:
        model = Household
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Foyer {n}")

    @factory.post_generation
    def guardians(self, create, users, **fields):
        if not create or not users:
            return
        created = [
            GuardianFactory(household=self, user=user, **{"email": user.email, **fields})
            for user in users
        ]
        self.paying_guardian = created[0]
        self.save(update_fields=["paying_guardian"])


class GuardianFactory(DjangoModelFactory):
    """A guardian, with an account when `user` is given (its first name by default)."""

    class Meta:
        model = Guardian

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    user = None
    first_name = factory.LazyAttribute(lambda o: o.user.first_name if o.user else "Camille")
    last_name = factory.LazyAttribute(lambda o: (o.user and o.user.last_name) or "Martin")


class ChildFactory(DjangoModelFactory):
    class Meta:
        model = Child

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    first_name = factory.Sequence(lambda n: f"Enfant {n}")
    last_name = "Martin"
    birth_date = datetime.date(2018, 5, 1)


class FamilySettingsFactory(DjangoModelFactory):
    class Meta:
        model = FamilySettings
        django_get_or_create = ("municipality",)

    municipality = factory.SubFactory(MunicipalityFactory)


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    municipality = factory.SubFactory(MunicipalityFactory)
    label = factory.Sequence(lambda n: f"Autorisation {n}")
    position = factory.Sequence(lambda n: n)


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = Requirement

    department = factory.SubFactory(DepartmentFactory)
    municipality = factory.SelfAttribute("department.municipality")
    item = Requirement.Item.EMERGENCY_CONTACT


class AuthorizedPersonFactory(DjangoModelFactory):
    class Meta:
        model = AuthorizedPerson

    child = factory.SubFactory(ChildFactory)
    municipality = factory.SelfAttribute("child.municipality")
    first_name = "Paul"
    last_name = "Martin"
    phone = "06 12 34 56 78"
    relationship = "grand-père"


class FamilyDocumentFactory(DjangoModelFactory):
    """A PDF stored for a child of the household (give `guardian=` and `child=None` for a
    guardian's document)."""

    class Meta:
        model = FamilyDocument

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    child = factory.SubFactory(ChildFactory, household=factory.SelfAttribute("..household"))
    kind = "other"
    name = "Attestation"
    file = factory.LazyFunction(lambda: ContentFile(PDF, name="attestation.pdf"))
    content_type = "application/pdf"
    size = len(PDF)


class PendingChangeFactory(DjangoModelFactory):
    """A family's request on a household field; give target_type, target_id, category, before
    and after for another record."""

    class Meta:
        model = PendingChange

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    target_type = "household"
    target_id = factory.SelfAttribute("household.pk")
    category = "household.address"
    before = factory.Dict({"address": ""})
    after = factory.Dict({"address": "2 rue des Lilas"})
