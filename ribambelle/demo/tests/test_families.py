import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from ribambelle.core.files import document_content_type
from ribambelle.demo.families import DEMO_PDF
from ribambelle.families.models import Child, Household, PendingChange
from ribambelle.families.selectors import children_with_records, missing_by_child

pytestmark = pytest.mark.django_db


def test_seed_demo_families_twice_with_complete_and_incomplete_records():
    for _ in range(2):
        call_command("seed_demo", stdout=io.StringIO())
    assert Household.objects.filter(municipality__slug="demo").count() == 5
    assert Child.objects.filter(municipality__slug="demo").count() == 8
    assert PendingChange.objects.filter(status="pending").count() == 1
    assert Household.objects.filter(status=Household.Status.PENDING).count() == 1
    martin = Household.objects.get(external_ref="DEMO-MARTIN")
    children = list(children_with_records(martin))
    missing = missing_by_child(martin.municipality, children)
    by_name = {child.first_name: missing[child.pk] for child in children}
    assert by_name["Léa"] == []
    assert {item.item for item in by_name["Hugo"]} == {
        "insurance_certificate",
        "emergency_contact",
        "consent",
    }


def test_demo_certificate_is_a_valid_pdf():
    assert document_content_type(ContentFile(DEMO_PDF, name="a.pdf")) == "application/pdf"
