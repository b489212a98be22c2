from django.contrib.auth.base_user import AbstractBaseUser
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


DEPARTMENT_FIELDS = ("name", "description", "email", "phone", "address", "opening_hours")


@transaction.atomic
def department_save(
    *, municipality: Municipality, actor: AbstractBaseUser, department: Department
) -> Department:
    """Create or change a department and log what changed. The values before are read from the
    database: a bound form has already written the typed ones on the instance."""
    creating = department.pk is None
    before = (
        {}
        if creating
        else Department.objects.for_municipality(municipality)
        .values(*DEPARTMENT_FIELDS)
        .get(pk=department.pk)
    )
    department.municipality = municipality
    department.save()
    after = {name: getattr(department, name) for name in DEPARTMENT_FIELDS}
    changed = [name for name in DEPARTMENT_FIELDS if before.get(name) != after[name]]
    if creating or changed:
        audit_record(
            municipality=municipality,
            actor=actor,
            action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
            target=department,
            before={name: before[name] for name in changed} if not creating else {},
            after=after if creating else {name: after[name] for name in changed},
        )
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
