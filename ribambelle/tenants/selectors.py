from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from ribambelle.core.statements import Statement
from ribambelle.tenants.configuration import ByConfiguration
from ribambelle.tenants.models import Department, Municipality


def departments_of(municipality: Municipality | int) -> QuerySet[Department]:
    return Department.objects.for_municipality(municipality)


_departments = Statement(lambda municipality: departments_of(municipality))


def _read_departments(municipality: Municipality) -> list[Department]:
    return _departments(municipality=municipality.pk)


# departments_of, read once per process and configuration version (the portal home lists them
# on every visit).
departments_listed = ByConfiguration(_read_departments)


def department_get(municipality: Municipality, pk: int) -> Department:
    return get_object_or_404(Department.objects.for_municipality(municipality), pk=pk)


def municipalities_matching(query: str, limit: int = 20) -> list[Municipality]:
    """The root page's finder: by name, city or postal code, among open portals."""
    query = query.strip()
    if len(query) < 2:
        return []
    return list(
        Municipality.objects.filter(is_active=True)
        .filter(
            Q(name__icontains=query) | Q(city__icontains=query) | Q(postal_code__startswith=query)
        )
        .order_by("name")[:limit]
    )
