"""The staff page of refunds by credit transfer: it works, answers 404 to another
municipality's staff and 403 to a wrong role; a refused refund keeps what was typed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.tests.conftest import office_a  # noqa: F401 - shared fixture
from ribambelle.billing.tests.factories import CreditMovementFactory
from ribambelle.conftest import logged_in
from ribambelle.debits.models import RefundFile, RefundTransfer
from ribambelle.debits.tests.factories_returns import (
    ReturnsCreditorFactory,
    ReturnsMandateFactory,
)

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(f"debits_returns:{name}", kwargs={"municipality_slug": slug, **kwargs})


def text_of(response) -> str:
    text = response.content.decode().replace("&nbsp;", " ")
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def holder(office_a, household_a):  # noqa: F811
    creditor = ReturnsCreditorFactory(office=office_a)
    CreditMovementFactory(household=household_a)
    ReturnsMandateFactory(office=creditor.office, household=household_a)
    return household_a


def refund(client, holder, amount="12,50", slug="ville-a"):
    data = {"household": holder.pk, "office": holder.mandates.get().office_id, "amount": amount}
    return client.post(url("refund_add", slug), data)


def test_staff_see_credits_refund_and_download_the_file(agent_client, holder):
    page = text_of(agent_client.get(url("refunds")))
    assert "Foyer Martin" in page and "12,50 €" in page and "FR•• •••• 0189" in page
    assert refund(agent_client, holder).status_code == 302
    assert account_selectors.account_summary(holder).credit == Decimal("0.00")
    office_id = holder.mandates.get().office_id
    response = agent_client.post(url("refund_file_add"), {"office": office_id})
    assert response.status_code == 302
    refund_file = RefundFile.objects.get()
    download = agent_client.get(url("refund_file", pk=refund_file.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"pain.001.001.03" in b"".join(download.streaming_content)


def test_a_refund_beyond_the_credit_is_refused_keeping_what_was_typed(agent_client, holder):
    response = refund(agent_client, holder, amount="99,00")
    assert response.status_code == 400
    text = text_of(response)
    assert "crédit du foyer" in text
    assert 'value="99,00"' in text
    assert not RefundTransfer.objects.exists()


def test_the_refunds_page_is_404_for_another_municipality(agent_b, holder):
    client = logged_in(agent_b)
    assert client.get(url("refunds")).status_code == 404
    assert refund(client, holder).status_code == 404
    assert client.post(url("refund_file_add"), {"office": 1}).status_code == 404


def test_a_household_of_another_municipality_cannot_be_refunded(agent_b, holder):
    response = refund(logged_in(agent_b), holder, slug="ville-b")
    assert response.status_code == 400
    assert not RefundTransfer.objects.exists()


def test_a_file_of_another_municipality_is_404(agent_client, agent_b, holder):
    refund(agent_client, holder)
    agent_client.post(url("refund_file_add"), {"office": holder.mandates.get().office_id})
    refund_file = RefundFile.objects.get()
    response = logged_in(agent_b).get(url("refund_file", "ville-b", pk=refund_file.pk))
    assert response.status_code == 404


def test_the_refunds_pages_are_403_for_wrong_roles(alice_client, readonly_client, holder):
    assert alice_client.get(url("refunds")).status_code == 403
    # Read-only staff see the page, without the buttons that write.
    response = readonly_client.get(url("refunds"))
    assert response.status_code == 200
    assert url("refund_file_add") not in response.content.decode()
    assert refund(readonly_client, holder).status_code == 403
    assert readonly_client.post(url("refund_file_add"), {"office": 1}).status_code == 403
    assert readonly_client.get(url("refund_file", pk=1)).status_code == 403
