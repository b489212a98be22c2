"""Staff pages of the collections: each works, answers 404 to another municipality and 403
to a wrong role."""

import pytest
from django.urls import reverse

from ribambelle.conftest import logged_in
from ribambelle.debits.collections.services import batch_generate
from ribambelle.debits.models import Debit, DebitBatch
from ribambelle.debits.tests.conftest import COLLECTION_DAY, issue

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(f"debits_batches:{name}", kwargs={"municipality_slug": slug, **kwargs})


@pytest.fixture
def scheduled(office_a, mandated):
    return issue(office_a, ["12.50", "30.00"], mandates=mandated)


@pytest.fixture
def batch(scheduled, office_a, manager_a):
    return batch_generate(office=office_a, collection_on=COLLECTION_DAY, actor=manager_a)


def generate_data(office):
    return {"office": office.pk, "collection_on": "2026-12-10", "scheme": "pain.008.001.02"}


def test_the_list_shows_upcoming_dates_with_totals(agent_client, scheduled):
    response = agent_client.get(url("list"))
    assert response.status_code == 200
    text = response.content.decode().replace("&nbsp;", " ").replace("\xa0", " ")
    assert "10/12/2026" in text
    assert "Générer le fichier : 2 prélèvements, 42,50 €" in text


def test_the_list_shows_generated_batches(readonly_client, batch):
    response = readonly_client.get(url("list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert url("download", pk=batch.pk) in text
    assert url("generate") not in text  # read-only staff look, never generate


def test_the_list_of_another_municipality_is_404(agent_b, scheduled):
    assert logged_in(agent_b).get(url("list")).status_code == 404


def test_parents_cannot_see_the_list(alice_client, scheduled):
    assert alice_client.get(url("list")).status_code == 403


def test_an_agent_generates_the_file(agent_client, scheduled, office_a):
    response = agent_client.post(url("generate"), generate_data(office_a))
    batch = DebitBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", pk=batch.pk)
    assert (batch.count, batch.total_cents) == (2, 4250)


def test_generating_nothing_says_why(agent_client, office_a, creditor_a):
    response = agent_client.post(url("generate"), generate_data(office_a), follow=True)
    assert "Aucun prélèvement n&#x27;est prévu le 10/12/2026" in response.content.decode()
    assert not DebitBatch.objects.exists()


def test_a_file_the_schema_refuses_is_not_stored_and_says_what_to_check(
    agent_client, scheduled, office_a, monkeypatch
):
    from ribambelle.debits.collections import sepa

    def refuse(data, scheme):
        raise sepa.InvalidFile("Element 'BIC': [facet 'pattern'] The value '' is not accepted")

    monkeypatch.setattr(sepa, "validate", refuse)
    response = agent_client.post(url("generate"), generate_data(office_a), follow=True)
    assert "vérifiez les réglages de prélèvement de la régie" in response.content.decode()
    assert not DebitBatch.objects.exists()
    assert set(Debit.objects.values_list("status", flat=True)) == {"scheduled"}


def test_generating_for_another_municipality_is_404(agent_b, scheduled, office_a):
    client = logged_in(agent_b)
    assert client.post(url("generate", slug="ville-b"), generate_data(office_a)).status_code == 302
    assert not DebitBatch.objects.exists()  # the office of A is not a choice in B
    assert client.post(url("generate"), generate_data(office_a)).status_code == 404


def test_read_only_staff_and_parents_cannot_generate(
    readonly_client, alice_client, scheduled, office_a
):
    assert readonly_client.post(url("generate"), generate_data(office_a)).status_code == 403
    assert alice_client.post(url("generate"), generate_data(office_a)).status_code == 403
    assert not DebitBatch.objects.exists()


def test_the_batch_page_lists_its_debits(readonly_client, batch, scheduled):
    response = readonly_client.get(url("detail", pk=batch.pk))
    assert response.status_code == 200
    text = response.content.decode()
    for invoice in scheduled:
        invoice.refresh_from_db()
        assert invoice.number in text
    assert "FRST" in text and batch.sha256 in text


def test_the_batch_of_another_municipality_is_404(agent_b, batch):
    client = logged_in(agent_b)
    assert client.get(url("detail", slug="ville-b", pk=batch.pk)).status_code == 404
    assert client.get(url("download", slug="ville-b", pk=batch.pk)).status_code == 404
    assert client.get(url("detail", pk=batch.pk)).status_code == 404


def test_parents_cannot_see_a_batch(alice_client, batch):
    assert alice_client.get(url("detail", pk=batch.pk)).status_code == 403
    assert alice_client.get(url("download", pk=batch.pk)).status_code == 403


def test_the_download_is_the_stored_file(agent_client, batch):
    response = agent_client.get(url("download", pk=batch.pk))
    assert response.status_code == 200
    with batch.file.open("rb") as stream:
        assert b"".join(response.streaming_content) == stream.read()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
