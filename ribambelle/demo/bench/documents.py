"""Published documents of the bench municipality at scale: 4 categories, 200 documents (every
audience kind) sharing one stored PDF, and 100,000 read receipts, written in bulk."""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ribambelle.bookings.models import Activity
from ribambelle.demo.families import DEMO_PDF
from ribambelle.documents.models import Audience, Category, Document, ReadReceipt
from ribambelle.families.models import Household
from ribambelle.tenants.models import Department, Municipality

DOCUMENTS = 200
READS_PER_HOUSEHOLD = 20


def seed_bench_documents(municipality: Municipality, today: date) -> int:
    if Document.objects.filter(municipality=municipality).exists():
        return 0
    categories = Category.objects.bulk_create(
        Category(municipality=municipality, name=name, position=position)
        for position, name in enumerate(["Menus", "Activités", "Règlements", "Informations"])
    )
    stored = default_storage.save("published-documents/bench.pdf", ContentFile(DEMO_PDF))
    department = Department.objects.filter(municipality=municipality).first()
    activity = Activity.objects.filter(municipality=municipality).first()
    audiences: list[tuple[str, dict[str, object]]] = [
        (Audience.ALL, {}),
        (Audience.DEPARTMENT, {"department": department}),
        (Audience.ACTIVITY, {"activity": activity}),
        (Audience.SCHOOL, {"school": "École Jules-Ferry"}),
    ]
    documents = Document.objects.bulk_create(
        Document(
            municipality=municipality,
            category=categories[index % len(categories)],
            title=f"Document {index + 1}",
            file=stored,
            original_name="document.pdf",
            content_type="application/pdf",
            size=len(DEMO_PDF),
            published_on=today - timedelta(days=index),
            audience=audiences[index % len(audiences)][0],
            **audiences[index % len(audiences)][1],
        )
        for index in range(DOCUMENTS)
    )
    households = list(
        Household.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    everyone = [d.pk for d in documents if d.audience == Audience.ALL]
    receipts = [
        ReadReceipt(document_id=everyone[(rank + offset) % len(everyone)], household_id=pk)
        for rank, pk in enumerate(households)
        for offset in range(min(READS_PER_HOUSEHOLD, len(everyone)))
    ]
    ReadReceipt.objects.bulk_create(receipts, batch_size=5000)
    return len(documents)


def parent_first_category() -> dict:
    from ribambelle.demo.bench.pages import TENANT

    category = Category.objects.filter(municipality__slug=TENANT["municipality_slug"]).earliest(
        "position"
    )
    return {**TENANT, "pk": category.pk}


def delete_bench_documents(municipality: Municipality) -> None:
    """Before a rebuild: categories are protected while they hold documents."""
    ReadReceipt.objects.filter(document__municipality=municipality).delete()
    Document.objects.filter(municipality=municipality).delete()
    Category.objects.filter(municipality=municipality).delete()
