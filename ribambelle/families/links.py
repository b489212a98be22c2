"""Where a family completes each missing item of a child's record."""

from urllib.parse import urlencode

from ribambelle.families.rules import MissingItem
from ribambelle.tenants.shortcuts import tenant_reverse


def missing_item_url(municipality, child, item: MissingItem) -> str:
    if item.item == "insurance_certificate":
        url = tenant_reverse(municipality, "families:child_document_add", pk=child.pk)
        return f"{url}?{urlencode({'type': 'insurance'})}"
    if item.item == "emergency_contact":
        return tenant_reverse(municipality, "families:person_add", child_pk=child.pk)
    page = tenant_reverse(municipality, "families:child", pk=child.pk)
    if item.item == "consent":
        return f"{page}#autorisations"
    return f"{page}#child-{child.pk}-child-medical"


def with_links(municipality, child, missing: list[MissingItem]) -> list[dict]:
    return [{"item": item, "url": missing_item_url(municipality, child, item)} for item in missing]
