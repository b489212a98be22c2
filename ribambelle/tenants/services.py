from django.db import transaction

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
