from django.db import transaction

from ribambelle.core.audit import audit_record
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department, Municipality


@transaction.atomic
def municipality_create(*, slug: str, name: str, **fields) -> Municipality:
    municipality = Municipality(slug=slug, name=name, **fields)
    municipality.full_clean()
    municipality.save()
    return municipality


@transaction.atomic
def department_save(*, municipality: Municipality, department: Department) -> Department:
    department.municipality = municipality
    department.save()
    return department


@transaction.atomic
def municipality_news_save(*, municipality: Municipality, actor, news: str) -> Municipality:
    """The news text of the portal's home page; the change is logged."""
    # Read from the database: a bound form has already written the typed text on the instance.
    before = Municipality.objects.values_list("news", flat=True).get(pk=municipality.pk)
    Municipality.objects.filter(pk=municipality.pk).update(news=news)
    municipality.news = news
    if before != news:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            target=municipality,
            before={"news": before},
            after={"news": news},
        )
    return municipality
