"""Factories for tenants: every other app's factories start from a municipality here."""

import factory
from factory.django import DjangoModelFactory

from ribambelle.tenants.models import Department, Municipality


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    slug = factory.Sequence(lambda n: f"commune-{n}")
    name = factory.Sequence(lambda n: f"Commune {n}")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
