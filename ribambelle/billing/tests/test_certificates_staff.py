"""Staff page of the tax certificates (managers only): the list of a year, the settings, the
button that generates them. Each works, answers 404 to another municipality and 403 to the
wrong role; bad settings keep what was typed and say why in French."""

import datetime
import html

import pytest
import time_machine
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.billing.certificates.models import CertificateSettings, TaxCertificate
from ribambelle.billing.tests.test_certificates import (  # noqa: F401 - fixtures
    certificate_settings,
    hugo,
    paid_2025,
)
from ribambelle.bookings.tests.factories import ActivityFactory
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Municipality

pytestmark = pytest.mark.django_db

JANUARY = datetime.datetime(2026, 1, 20, 10, 0, tzinfo=datetime.UTC)


def url(name, slug="ville-a"):
    return reverse(f"billing_staff:{name}", kwargs={"municipality_slug": slug})


@pytest.fixture(autouse=True)
def _in_january():
    with time_machine.travel(JANUARY, tick=True):
        yield


@pytest.fixture
def manager_b_client(municipality_b):
    return logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))


# The list of a year


def test_the_page_lists_the_certificates_of_the_year(
    manager_client,
    paid_2025,  # noqa: F811
    municipality_a,
):
    from ribambelle.billing.certificates.services import tax_certificates_generate

    tax_certificates_generate(municipality=municipality_a, year=2025, actor=None)
    response = manager_client.get(url("certificates") + "?annee=2025")
    assert response.status_code == 200
    page = response.text
    assert "Attestations fiscales 2025" in page
    assert "Foyer Martin" in page and "Hugo Martin" in page and "40,00" in page
    assert "Générer les attestations 2025" in page


def test_the_page_of_another_municipality_is_404(manager_b_client, municipality_a):
    assert manager_b_client.get(url("certificates")).status_code == 404


def test_the_page_is_for_managers(agent_client, readonly_client, alice_client):
    for client in (agent_client, readonly_client, alice_client):
        assert client.get(url("certificates")).status_code == 403


# The settings


def test_saving_the_settings(manager_client, manager_a, municipality_a, evening_care, canteen):
    data = {
        "annee": "2025",
        "activities": [str(evening_care.pk)],
        "age_limit": "6",
        "signatory_name": "Camille Roux",
        "signatory_title": "Régisseuse",
    }
    response = manager_client.post(url("certificate_settings"), data)
    assert response.status_code == 302
    assert response.url.endswith("?annee=2025")
    found = CertificateSettings.objects.get(municipality=municipality_a)
    assert list(found.activities.all()) == [evening_care]
    assert found.signatory_name == "Camille Roux"
    assert AuditEntry.objects.filter(actor=manager_a, target_type="billing.certificatesettings")


def test_bad_settings_keep_what_was_typed(manager_client, municipality_a, evening_care):
    data = {"activities": [str(evening_care.pk)], "age_limit": "40", "signatory_name": "Camille"}
    response = manager_client.post(url("certificate_settings"), data)
    assert response.status_code == 400
    assert "L'âge limite est d'au plus 18 ans." in html.unescape(response.text)
    assert 'value="Camille"' in response.text
    assert not CertificateSettings.objects.exists()


def test_settings_refuse_another_municipality(
    manager_client, manager_b_client, municipality_b, evening_care
):
    activity_b = ActivityFactory(municipality=municipality_b)
    data = {"activities": [str(activity_b.pk)], "age_limit": "6"}
    response = manager_client.post(url("certificate_settings"), data)
    assert response.status_code == 400
    assert "n'existe pas" in html.unescape(response.text)
    response = manager_b_client.post(url("certificate_settings"), {"age_limit": "6"})
    assert response.status_code == 404
    assert not CertificateSettings.objects.exists()


def test_settings_are_for_managers(agent_client, readonly_client):
    for client in (agent_client, readonly_client):
        assert client.post(url("certificate_settings"), {"age_limit": "6"}).status_code == 403
    assert not CertificateSettings.objects.exists()


# Generation


def test_the_button_generates_the_certificates(
    manager_client,
    manager_a,
    paid_2025,  # noqa: F811
    household_a,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url("certificates_generate"), {"annee": "2025"})
    assert response.status_code == 302
    certificate = TaxCertificate.objects.get(household=household_a, year=2025)
    assert certificate.created_by == manager_a and certificate.total_cents == 4000


def test_generating_for_a_year_not_over_is_refused(manager_client, paid_2025):  # noqa: F811
    response = manager_client.post(url("certificates_generate"), {"annee": "2026"}, follow=True)
    assert "Choisissez une année terminée." in response.text
    assert not TaxCertificate.objects.exists()


def test_generating_in_another_municipality_is_404(manager_b_client, paid_2025):  # noqa: F811
    response = manager_b_client.post(url("certificates_generate"), {"annee": "2025"})
    assert response.status_code == 404
    assert not TaxCertificate.objects.exists()


def test_generating_is_for_managers(agent_client, readonly_client, paid_2025):  # noqa: F811
    for client in (agent_client, readonly_client):
        response = client.post(url("certificates_generate"), {"annee": "2025"})
        assert response.status_code == 403
    assert not TaxCertificate.objects.exists()


def test_generating_needs_a_post(manager_client):
    assert manager_client.get(url("certificates_generate")).status_code == 405
    assert Municipality.objects.exists()
