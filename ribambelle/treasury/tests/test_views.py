"""The staff pages of the treasury export: each works for a manager, answers 404 for another
municipality's bordereau (or an agent of another municipality), 403 for an agent."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ribambelle.billing.models import Invoice
from ribambelle.conftest import logged_in
from ribambelle.treasury.models import PesExport, PesPiece
from ribambelle.treasury.tests.test_acquit import acquit
from ribambelle.treasury.tests.test_export import export_run


@pytest.fixture
def export_a(municipality_a, treasury_office, run_invoices, manager_a):
    return export_run(municipality_a, treasury_office, run_invoices[0].run, manager_a)


def url(slug, name, **kwargs):
    from django.urls import reverse

    return reverse(f"treasury_staff:{name}", kwargs={"municipality_slug": slug, **kwargs})


@pytest.mark.django_db
def test_the_list_shows_the_exports(manager_client, export_a):
    response = manager_client.get(url("ville-a", "exports"))
    assert response.status_code == 200
    assert "N° 1 (2027)" in response.content.decode()


@pytest.mark.django_db
def test_the_new_export_shows_totals_then_sends(manager_client, run_invoices, treasury_office):
    data = {"office": treasury_office.pk, "source": "run", "run": run_invoices[0].run.pk}
    response = manager_client.post(url("ville-a", "export_new"), data)
    assert response.status_code == 200
    assert "3 factures pour 43,30" in response.content.decode()
    assert not PesExport.objects.exists()
    response = manager_client.post(url("ville-a", "export_new"), {**data, "confirm": "1"})
    export = PesExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("ville-a", "export", pk=export.pk)
    assert Invoice.objects.filter(collection="treasury").count() == 3


@pytest.mark.django_db
def test_the_new_export_keeps_the_choice_and_says_why(manager_client, treasury_office):
    data = {"office": treasury_office.pk, "source": "run", "run": ""}
    response = manager_client.post(url("ville-a", "export_new"), data)
    assert response.status_code == 400
    assert "Choisissez la facturation" in response.content.decode()


@pytest.mark.django_db
def test_the_export_page_file_and_acquit(manager_client, export_a):
    page = manager_client.get(url("ville-a", "export", pk=export_a.pk))
    first = export_a.pieces.first().invoice.number
    assert page.status_code == 200 and first in page.content.decode()
    response = manager_client.get(url("ville-a", "export_file", pk=export_a.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"<?xml")
    upload = SimpleUploadedFile("ack.xml", acquit(2027, 1, [("", True, "")]))
    response = manager_client.post(
        url("ville-a", "export_acquit", pk=export_a.pk), {"file": upload}
    )
    assert response.status_code == 302
    assert set(PesPiece.objects.values_list("status", flat=True)) == {"accepted"}


@pytest.mark.django_db
def test_a_bad_acquit_file_says_why(manager_client, export_a):
    upload = SimpleUploadedFile("ack.xml", b"not xml")
    response = manager_client.post(
        url("ville-a", "export_acquit", pk=export_a.pk), {"file": upload}
    )
    assert response.status_code == 400
    assert "acquittement PES lisible" in response.content.decode()


PAGES = [
    ("exports", False, "get"),
    ("export_new", False, "get"),
    ("export", True, "get"),
    ("export_file", True, "get"),
    ("export_acquit", True, "post"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "with_pk", "method"), PAGES)
def test_another_municipality_gets_404(agent_b, export_a, name, with_pk, method):
    kwargs = {"pk": export_a.pk} if with_pk else {}
    client = logged_in(agent_b)
    # agent_b's own municipality: the bordereau of A does not exist there.
    if with_pk:
        response = getattr(client, method)(url("ville-b", name, **kwargs))
        assert response.status_code in (403, 404)
        agent_b.role = "manager"
        agent_b.save(update_fields=["role"])
        client = logged_in(agent_b)
        assert getattr(client, method)(url("ville-b", name, **kwargs)).status_code == 404
    # ... and municipality A's pages are not theirs.
    assert getattr(client, method)(url("ville-a", name, **kwargs)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "with_pk", "method"), PAGES)
def test_an_agent_gets_403(agent_client, export_a, name, with_pk, method):
    kwargs = {"pk": export_a.pk} if with_pk else {}
    assert getattr(agent_client, method)(url("ville-a", name, **kwargs)).status_code == 403
