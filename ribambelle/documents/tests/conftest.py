"""Documents fixtures: categories and a small helper to publish, on top of the personas and
the bookings fixtures (clock frozen on Monday 23 November 2026 in Paris)."""

import datetime

import pytest
from django.core.files.base import ContentFile

from ribambelle.bookings.tests.conftest import (  # noqa: F401
    MONDAY,
    activity_b,
    canteen,
    evening_care,
    frozen,
    make_activity,
)
from ribambelle.documents import services
from ribambelle.documents.models import Audience
from ribambelle.documents.tests.factories import CategoryFactory

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_file(name="menu.pdf"):
    return ContentFile(PDF, name=name)


@pytest.fixture
def menus(municipality_a):
    return CategoryFactory(municipality=municipality_a, name="Menus", position=0)


@pytest.fixture
def rules_category(municipality_a):
    return CategoryFactory(municipality=municipality_a, name="Règlements", position=1)


@pytest.fixture
def category_b(municipality_b):
    return CategoryFactory(municipality=municipality_b, name="Menus")


def publish(category, title="Menu de décembre", *, actor=None, **extra):
    values = {
        "published_on": MONDAY - datetime.timedelta(days=1),
        "audience": Audience.ALL,
    }
    values.update(extra)
    return services.document_publish(
        actor=actor,
        municipality=category.municipality,
        category=category,
        title=title,
        file=pdf_file(),
        **values,
    )
