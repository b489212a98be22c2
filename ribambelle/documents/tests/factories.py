"""Published documents and their categories. A document made here is stored as the service
would store it, without the checks and the audit entry: tests of publishing use the service."""

import datetime

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from ribambelle.documents.models import Audience, Category, Document
from ribambelle.families.tests.factories import PDF
from ribambelle.tenants.tests.factories import MunicipalityFactory


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Catégorie {n}")


class DocumentFactory(DjangoModelFactory):
    """A PDF for every family, published on Sunday 22 November 2026."""

    class Meta:
        model = Document

    category = factory.SubFactory(CategoryFactory)
    municipality = factory.SelfAttribute("category.municipality")
    title = "Menu de décembre"
    file = factory.LazyFunction(lambda: ContentFile(PDF, name="menu.pdf"))
    original_name = "menu.pdf"
    content_type = "application/pdf"
    size = len(PDF)
    published_on = datetime.date(2026, 11, 22)
    audience = Audience.ALL
