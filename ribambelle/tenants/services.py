from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from ribambelle.core.audit import audit_record, audit_record_changes
from ribambelle.core.models import AuditEntry
from ribambelle.tenants import configuration
from ribambelle.tenants.models import Department, Municipality

DEPARTMENT_FIELDS = ("name", "description", "email", "phone", "address", "opening_hours")


@transaction.atomic
def municipality_create(
    *,
    slug: str,
    name: str,
    email: str = "",
    phone: str = "",
    city: str = "",
    postal_code: str = "",
    password_min_entropy: int = 80,
) -> Municipality:
    """The operator's act (manage.py create_municipality), before any staff exists."""
    municipality = Municipality(
        slug=slug,
        name=name,
        email=email,
        phone=phone,
        city=city,
        postal_code=postal_code,
        password_min_entropy=password_min_entropy,
    )
    municipality.full_clean()
    municipality.save()
    return municipality


def _department_values(department: Department) -> dict[str, str]:
    return {name: getattr(department, name) for name in DEPARTMENT_FIELDS}


@transaction.atomic
def department_save(
    *,
    municipality: Municipality,
    actor: AbstractBaseUser,
    department_id: int | None,
    values: Mapping[str, str],
) -> Department:
    """Create (`department_id` None) or update a department of the municipality with cleaned
    values; the creation, or what changed, is logged. The values before are read from the
    database: a bound form has already written the new ones on its instance."""
    configuration.changing(municipality)  # its row first (tenants.configuration)
    if department_id is None:
        department, before = Department(municipality=municipality), None
    else:
        department = (
            Department.objects.for_municipality(municipality)
            .select_for_update()
            .get(pk=department_id)
        )
        before = _department_values(department)
    for name in DEPARTMENT_FIELDS:
        setattr(department, name, values[name])
    department.save()
    audit_record_changes(
        municipality=municipality,
        actor=actor,
        target=department,
        before=before,
        after=_department_values(department),
    )
    return department


@transaction.atomic
def municipality_news_save(
    *, municipality: Municipality, actor: AbstractBaseUser, news: str
) -> Municipality:
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
