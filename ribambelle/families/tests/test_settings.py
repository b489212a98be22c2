"""The settings of family records (managers): sign-up, categories under validation, consents
and required items."""

import pytest
from django.urls import reverse

from ribambelle.core.models import AuditEntry
from ribambelle.families.models import (
    Consent,
    FamilySettings,
    PendingChange,
    Requirement,
)

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"municipality_slug": "ville-a", **kwargs})


def staff_url(name, **kwargs):
    return url(f"families_staff:{name}", **kwargs)


def test_settings_for_managers_only(manager_client, agent_client, readonly_client):
    page = staff_url("settings")
    response = manager_client.get(page)
    assert response.status_code == 200
    assert "Réglages des dossiers familles" in response.content.decode()
    assert agent_client.get(page).status_code == 403
    assert readonly_client.get(page).status_code == 403
    assert agent_client.post(page, {"signup_enabled": "on"}).status_code == 403


def test_validated_category_makes_a_parent_edit_pending(
    manager_client, alice_client, alice, household_a
):
    response = manager_client.post(
        staff_url("settings"),
        {"signup_enabled": "on", "validated_categories": ["guardian.contact"]},
    )
    assert response.status_code == 302
    settings = FamilySettings.objects.get(municipality=household_a.municipality)
    assert settings.validated_categories == ["guardian.contact"] and settings.signup_enabled
    guardian = household_a.guardians.get(user=alice)
    alice_client.post(
        url("families:edit", target="guardian", pk=guardian.pk, category="guardian.contact"),
        {
            "email": guardian.email,
            "mobile_phone": "07 00 00 00 00",
            "other_phone": "",
            "address": "",
        },
    )
    guardian.refresh_from_db()
    assert guardian.mobile_phone == "06 11 22 33 44"
    assert PendingChange.objects.get().after == {"mobile_phone": "07 00 00 00 00"}


def test_signup_can_be_turned_off(manager_client, municipality_a):
    manager_client.post(staff_url("settings"), {"validated_categories": []})
    assert not FamilySettings.objects.get(municipality=municipality_a).signup_enabled


def test_unknown_category_is_refused(manager_client, municipality_a):
    response = manager_client.post(staff_url("settings"), {"validated_categories": ["nope"]})
    assert response.status_code == 400
    assert not FamilySettings.objects.filter(validated_categories=["nope"]).exists()


def test_consents_add_edit_reorder_delete(manager_client, municipality_a):
    for label in ["Photos", "Sortie seul", "Transport"]:
        response = manager_client.post(staff_url("consent_add"), {"label": label})
        assert response.status_code == 302
    consents = list(Consent.objects.for_municipality(municipality_a))
    assert [c.label for c in consents] == ["Photos", "Sortie seul", "Transport"]
    photos, alone, transport = consents
    manager_client.post(staff_url("consent_move", pk=transport.pk), {"direction": "up"})
    labels = [c.label for c in Consent.objects.for_municipality(municipality_a)]
    assert labels == ["Photos", "Transport", "Sortie seul"]
    manager_client.post(staff_url("consent_move", pk=photos.pk), {"direction": "up"})  # no-op
    assert [c.label for c in Consent.objects.for_municipality(municipality_a)] == labels
    response = manager_client.post(
        staff_url("consent_edit", pk=alone.pk), {"label": "Sortie seul après 17 h"}
    )
    assert response.status_code == 302
    alone.refresh_from_db()
    assert alone.label == "Sortie seul après 17 h"
    manager_client.post(staff_url("consent_delete", pk=photos.pk))
    assert [c.label for c in Consent.objects.for_municipality(municipality_a)] == [
        "Transport",
        "Sortie seul après 17 h",
    ]
    response = manager_client.post(staff_url("consent_add"), {"label": ""})
    assert response.status_code == 400


def test_consent_of_another_municipality_is_404(manager_client, municipality_b):
    other = Consent.objects.create(municipality=municipality_b, label="Photos")
    assert manager_client.get(staff_url("consent_edit", pk=other.pk)).status_code == 404
    assert manager_client.post(staff_url("consent_delete", pk=other.pk)).status_code == 404
    assert Consent.objects.filter(pk=other.pk).exists()


def test_requirements(manager_client, municipality_a, department_a):
    consent = Consent.objects.create(municipality=municipality_a, label="Photos")
    page = staff_url("requirement_add")
    response = manager_client.post(
        page, {"department": department_a.pk, "item": "insurance_certificate"}
    )
    assert response.status_code == 302
    response = manager_client.post(page, {"department": department_a.pk, "item": "consent"})
    assert response.status_code == 400
    assert "Choisissez l&#x27;autorisation" in response.content.decode()
    manager_client.post(
        page, {"department": department_a.pk, "item": "consent", "consent": consent.pk}
    )
    manager_client.post(page, {"department": department_a.pk, "item": "insurance_certificate"})
    requirements = Requirement.objects.for_municipality(municipality_a)
    assert {(r.item, r.consent_id) for r in requirements} == {
        ("insurance_certificate", None),
        ("consent", consent.pk),
    }
    manager_client.post(staff_url("requirement_delete", pk=requirements.get(item="consent").pk))
    assert Requirement.objects.for_municipality(municipality_a).count() == 1


def test_requirement_for_another_municipality_department_is_refused(
    manager_client, municipality_a, municipality_b
):
    from ribambelle.tenants.models import Department

    other = Department.objects.create(municipality=municipality_b, name="Cantine B")
    response = manager_client.post(
        staff_url("requirement_add"), {"department": other.pk, "item": "doctor"}
    )
    assert response.status_code == 400
    assert not Requirement.objects.exists()


def test_every_settings_change_is_audited(manager_client, manager_a, municipality_a, department_a):
    def entries():
        return list(
            AuditEntry.objects.filter(municipality=municipality_a, actor=manager_a)
            .order_by("pk")
            .values_list("action", "target_type", "before", "after")
        )

    manager_client.post(staff_url("settings"), {"validated_categories": ["child.medical"]})
    manager_client.post(staff_url("settings"), {"validated_categories": ["child.medical"]})
    manager_client.post(staff_url("consent_add"), {"label": "Photos"})
    manager_client.post(staff_url("consent_add"), {"label": "Transport"})
    photos, transport = Consent.objects.for_municipality(municipality_a)
    manager_client.post(staff_url("consent_edit", pk=photos.pk), {"label": "Photos de classe"})
    manager_client.post(staff_url("consent_move", pk=transport.pk), {"direction": "up"})
    manager_client.post(staff_url("consent_move", pk=transport.pk), {"direction": "up"})  # no-op
    manager_client.post(
        staff_url("requirement_add"), {"department": department_a.pk, "item": "doctor"}
    )
    requirement = Requirement.objects.get()
    manager_client.post(staff_url("requirement_delete", pk=requirement.pk))
    manager_client.post(staff_url("consent_delete", pk=photos.pk))
    doctor = {"department": department_a.name, "item": "doctor", "consent": ""}
    assert entries() == [
        (
            "update",
            "families.familysettings",
            {"signup_enabled": True, "validated_categories": []},
            {"signup_enabled": False, "validated_categories": ["child.medical"]},
        ),
        ("create", "families.consent", {}, {"label": "Photos", "description": ""}),
        ("create", "families.consent", {}, {"label": "Transport", "description": ""}),
        (
            "update",
            "families.consent",
            {"label": "Photos", "description": ""},
            {"label": "Photos de classe", "description": ""},
        ),
        ("update", "families.consent", {"position": 2}, {"position": 1}),
        ("create", "families.requirement", {}, doctor),
        ("delete", "families.requirement", doctor, {}),
        ("delete", "families.consent", {"label": "Photos de classe", "description": ""}, {}),
    ]
    journal = manager_client.get(staff_url("audit")).content.decode()
    assert "Photos de classe" in journal
