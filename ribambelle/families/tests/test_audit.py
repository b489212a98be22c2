"""The audit log: managers only, per municipality or household, newest first."""

import pytest
from django.urls import reverse

from ribambelle.families.models import Household
from ribambelle.families.tests.test_staff import full_child

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def staff_url(name, **kwargs):
    return url(f"families_staff:{name}", **kwargs)


def test_audit_log_for_managers_only(
    manager_client, agent_client, readonly_client, pending_phone, household_a, dave
):
    page = staff_url("audit")
    assert agent_client.get(page).status_code == 403
    assert readonly_client.get(page).status_code == 403
    response = manager_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demande de modification" in html and "Alice Martin" in html
    assert "Téléphone portable" in html and "07 98 76 54 32" in html


def test_audit_log_filters_by_household_newest_first(
    manager_client, agent_client, household_a, child_a, dave
):
    other = Household.objects.get(name="Foyer Petit")
    agent_client.get(staff_url("household", pk=household_a.pk))
    full_child(household_a, 1)
    agent_client.get(staff_url("household", pk=household_a.pk))
    agent_client.get(staff_url("household", pk=other.pk))
    response = manager_client.get(staff_url("audit"), {"foyer": household_a.pk})
    entries = [row["entry"] for row in response.context["rows"]]
    assert len(entries) == 3
    assert {entry.household_id for entry in entries} == {household_a.pk}
    assert entries == sorted(entries, key=lambda entry: (entry.created_at, entry.pk), reverse=True)
    everything = manager_client.get(staff_url("audit")).context["rows"]
    assert len(everything) == 4
    # Household names already read "Foyer Martin": never "Foyer Foyer Martin".
    for page in (response, manager_client.get(staff_url("audit"))):
        html = " ".join(page.content.decode().split())
        assert "Foyer Martin" in html and "foyer foyer" not in html.lower()


def test_audit_log_of_another_municipality_household_is_404(manager_client, household_b):
    assert manager_client.get(staff_url("audit"), {"foyer": household_b.pk}).status_code == 404


def test_household_page_links_to_its_log_for_managers(manager_client, agent_client, household_a):
    link = f"{staff_url('audit')}?foyer={household_a.pk}"
    assert link in manager_client.get(staff_url("household", pk=household_a.pk)).content.decode()
    assert link not in agent_client.get(staff_url("household", pk=household_a.pk)).content.decode()
