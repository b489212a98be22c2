"""Published documents of the demo: categories, this month's menu for the canteen's families,
the rules for everyone, the Wednesday programme for its families, a school outing notice.
Idempotent: documents are keyed by title."""

from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import translation

from ribambelle.bookings.models import Activity
from ribambelle.core.french import month_year, with_elision
from ribambelle.demo.families import DEMO_PDF
from ribambelle.documents import services
from ribambelle.documents.models import Audience, Category, Document
from ribambelle.tenants.models import Department, Municipality

CATEGORIES = ["Menus", "Activités", "Règlements", "Informations"]


def seed_demo_documents(demo: Municipality, today: date) -> None:
    categories = {}
    for position, name in enumerate(CATEGORIES):
        categories[name], _created = Category.objects.get_or_create(
            municipality=demo, name=name, defaults={"position": position}
        )
    canteen = Department.objects.filter(municipality=demo, name="Restauration scolaire").first()
    wednesday = Activity.objects.filter(municipality=demo, name="Mercredi journée").first()
    first_of_month = today.replace(day=1)
    with translation.override("fr"):
        month_label = month_year(first_of_month)
    documents: list[tuple[str, str, date, str, dict[str, Any]]] = [
        (
            "Menus",
            f"Menus {with_elision('de', month_label)}",
            first_of_month,
            Audience.DEPARTMENT,
            {"department": canteen},
        ),
        (
            "Règlements",
            "Règlement intérieur des accueils périscolaires",
            date(2026, 9, 1),
            Audience.ALL,
            {},
        ),
        (
            "Activités",
            "Programme des mercredis jusqu'aux vacances",
            today - timedelta(days=3),
            Audience.ACTIVITY,
            {"activity": wednesday},
        ),
        (
            "Informations",
            "Sortie au musée – École Jules-Ferry",
            today - timedelta(days=1),
            Audience.SCHOOL,
            {"school": "École Jules-Ferry"},
        ),
    ]
    for category, title, published_on, audience, target in documents:
        if Document.objects.filter(municipality=demo, title=title).exists():
            continue
        if audience != Audience.ALL and not any(target.values()):
            continue
        services.document_publish(
            actor=None,
            municipality=demo,
            category=categories[category],
            title=title,
            file=ContentFile(DEMO_PDF, name="document.pdf"),
            published_on=published_on,
            audience=audience,
            **target,
        )
