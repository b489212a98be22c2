import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ribambelle.messaging import services
from ribambelle.tenants.tests.factories import DepartmentFactory


def png_file(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def conversation_a(alice, household_a, department_a):
    return services.conversation_start(
        actor=alice,
        household=household_a,
        department=department_a,
        subject="Repas sans porc",
        body="<p>Bonjour, <strong>Léa</strong> ne mange pas de porc.</p>",
        is_html=True,
    )


@pytest.fixture
def department_b(municipality_b):
    return DepartmentFactory(municipality=municipality_b, name="Périscolaire")


@pytest.fixture
def conversation_b(charlie, household_b, department_b):
    return services.conversation_start(
        actor=charlie,
        household=household_b,
        department=department_b,
        subject="Question",
        body="Bonjour",
        is_html=False,
    )
