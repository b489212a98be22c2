"""The family account's pages: the balance and history on "Mes factures" and on a household's
staff billing page, and the staff's refund form (works, 404 for another household or
municipality, 403 for a wrong role, bad input refused in French keeping what was typed)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ribambelle.billing.account import selectors as account_selectors
from ribambelle.billing.models import AccountMovement
from ribambelle.billing.tests.test_account import MONTHS, confirm_online, issue
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db

Kind = AccountMovement.Kind


def portal_url(slug="ville-a"):
    return reverse("billing:invoices", kwargs={"municipality_slug": slug})


def staff_url(name, pk, slug="ville-a"):
    return reverse(f"billing_staff:{name}", kwargs={"municipality_slug": slug, "pk": pk})


def text_of(response) -> str:
    text = response.content.decode().replace("&nbsp;", " ")
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def overpaid(office_a, household_a):
    """November's 30,00 € invoice paid 42,50 € online: 12,50 € of credit."""
    invoice = issue(office_a, household_a, Decimal("30.00"), MONTHS[10])
    confirm_online(invoice, Decimal("42.50"))
    return invoice


def refund_data(**changes):
    data = {
        "remboursement-amount": "5,00",
        "remboursement-method": "transfer",
        "remboursement-refunded_on": "2026-12-20",
        "remboursement-reference": "Virement 2026-12",
    }
    data.update(changes)
    return data


# Mes factures


def test_family_sees_its_balance_and_history_newest_first(alice_client, overpaid):
    text = text_of(alice_client.get(portal_url()))
    assert "Mon compte famille" in text
    assert "Solde : 12,50 € en faveur du foyer" in text
    assert "Crédit disponible : 12,50 €" in text
    invoice_row = text.index(f"Facture {overpaid.number}")
    excess_row = text.index(f"Trop-perçu sur la facture {overpaid.number}, mis en crédit")
    assert excess_row < invoice_row
    assert "-30,00 €" in text and "+42,50 €" in text and "+12,50 €" in text


def test_family_history_is_paginated(alice_client, office_a, household_a):
    for month in MONTHS[:25]:
        issue(office_a, household_a, Decimal("1.00"), month)
    first = text_of(alice_client.get(portal_url()))
    assert "Page 1 sur 2" in first and "Solde : 25,00 € à payer" in first
    second = text_of(alice_client.get(portal_url() + "?mouvements=2#compte"))
    assert "Page 2 sur 2" in second
    assert second.count("<tr><td>") == 5


def test_family_sees_only_its_own_account(overpaid, dave, charlie, household_b):
    text = text_of(logged_in(dave).get(portal_url()))
    assert overpaid.number not in text and "12,50" not in text
    assert "Aucune opération sur le compte" in text
    response = logged_in(charlie).get(portal_url("ville-b"))
    assert overpaid.number not in text_of(response)
    assert logged_in(charlie).get(portal_url()).status_code == 404


def test_staff_gets_403_on_the_family_page(agent_client, overpaid):
    assert agent_client.get(portal_url()).status_code == 403


# The household's staff billing page


def test_staff_see_the_account_and_the_refund_form(agent_client, overpaid, household_a):
    text = text_of(agent_client.get(staff_url("household_invoices", household_a.pk)))
    assert "Compte famille" in text and "Solde : 12,50 € en faveur du foyer" in text
    assert "Crédit utilisé" not in text
    assert "Rembourser le crédit" in text and "au plus le crédit du foyer : 12,50 €" in text


def test_read_only_staff_see_the_account_without_the_form(readonly_client, overpaid, household_a):
    text = text_of(readonly_client.get(staff_url("household_invoices", household_a.pk)))
    assert "Solde : 12,50 €" in text and "Rembourser le crédit" not in text


def test_staff_of_another_municipality_get_404(agent_b, overpaid, household_a):
    client = logged_in(agent_b)
    assert client.get(staff_url("household_invoices", household_a.pk)).status_code == 404
    response = client.get(staff_url("household_invoices", household_a.pk, slug="ville-b"))
    assert response.status_code == 404


def test_a_parent_gets_403_on_the_staff_page(alice_client, household_a):
    assert alice_client.get(staff_url("household_invoices", household_a.pk)).status_code == 403


# The refund form


def test_staff_record_a_refund(agent_client, agent_a, overpaid, household_a):
    response = agent_client.post(staff_url("household_refund", household_a.pk), refund_data())
    assert response.status_code == 302
    assert response["Location"] == staff_url("household_invoices", household_a.pk)
    refund = AccountMovement.objects.get(kind=Kind.REFUND)
    assert (refund.amount_cents, refund.method, refund.on, refund.created_by) == (
        -500,
        "transfer",
        datetime.date(2026, 12, 20),
        agent_a,
    )
    assert account_selectors.account_summary(household_a).credit == Decimal("7.50")
    assert AuditEntry.objects.filter(actor=agent_a, household_id=household_a.pk).exists()
    text = text_of(agent_client.get(response["Location"]))
    assert "Le remboursement est enregistré." in text
    assert "Remboursement (virement) — Virement 2026-12" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"remboursement-amount": "12,51"}, "crédit du foyer (12,50 €)"),
        ({"remboursement-amount": "douze"}, "Saisissez un montant, par exemple 2,50."),
        ({"remboursement-amount": "0"}, "au moins 0,01 €."),
        ({"remboursement-refunded_on": "hier"}, "date"),
        ({"remboursement-method": "bitcoin"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_refunds_are_refused_in_french_keeping_the_input(
    changes, message, agent_client, overpaid, household_a
):
    data = refund_data(**changes)
    response = agent_client.post(staff_url("household_refund", household_a.pk), data)
    assert response.status_code == 400
    text = text_of(response)
    assert message in text
    assert 'value="Virement 2026-12"' in text
    typed = data["remboursement-amount"]
    assert f'value="{typed}"' in text
    assert not AccountMovement.objects.filter(kind=Kind.REFUND).exists()
    assert account_selectors.account_summary(household_a).credit == Decimal("12.50")


def test_a_refund_for_another_municipality_gets_404(agent_b, overpaid, household_a):
    client = logged_in(agent_b)
    for slug in ("ville-a", "ville-b"):
        response = client.post(staff_url("household_refund", household_a.pk, slug), refund_data())
        assert response.status_code == 404
    assert not AccountMovement.objects.filter(kind=Kind.REFUND).exists()


@pytest.mark.parametrize("who", ["readonly_client", "alice_client"])
def test_a_refund_by_a_wrong_role_gets_403(who, request, overpaid, household_a):
    client = request.getfixturevalue(who)
    response = client.post(staff_url("household_refund", household_a.pk), refund_data())
    assert response.status_code == 403
    assert not AccountMovement.objects.filter(kind=Kind.REFUND).exists()


def test_a_refund_page_answers_only_post(agent_client, household_a):
    assert agent_client.get(staff_url("household_refund", household_a.pk)).status_code == 405


def test_the_staff_invoice_page_shows_the_credit_used(
    agent_client, overpaid, office_a, household_a
):
    december = issue(office_a, household_a, Decimal("20.00"), MONTHS[11])
    url = reverse(
        "billing_staff:invoice", kwargs={"municipality_slug": "ville-a", "pk": december.pk}
    )
    text = text_of(agent_client.get(url))
    assert "12,50 € pris sur le crédit du compte famille, le " in text
    assert "<strong>7,50 €</strong>" in text


# Fees the family owes outside its invoices (a returned debit's fee)


@pytest.fixture
def fee_owed(office_a, household_a, agent_a):
    from ribambelle.billing.account.services import fee_charge

    return fee_charge(
        municipality=office_a.municipality,
        household=household_a,
        amount=Decimal("5.00"),
        charged_on=datetime.date(2026, 12, 15),
        label="AM04 : provision insuffisante",
        invoice=None,
        actor=agent_a,
    )


def fee_data(**changes):
    data = {
        "frais-amount": "5,00",
        "frais-method": "cash",
        "frais-received_on": "2026-12-20",
        "frais-reference": "Reçu 12",
    }
    data.update(changes)
    return data


def test_the_family_and_staff_see_the_fee_owed(alice_client, agent_client, fee_owed, household_a):
    family = text_of(alice_client.get(portal_url()))
    assert "Solde : 5,00 € à payer" in family
    assert "Dont 5,00 € hors factures (frais de rejet de prélèvement)" in family
    assert "Frais de rejet de prélèvement" in family
    staff = text_of(agent_client.get(staff_url("household_invoices", household_a.pk)))
    assert "Règlement des frais" in staff


def test_staff_record_a_fee_payment(agent_client, agent_a, fee_owed, household_a):
    response = agent_client.post(staff_url("household_fee_payment", household_a.pk), fee_data())
    assert response.status_code == 302
    summary = account_selectors.account_summary(household_a)
    assert (summary.balance, summary.credit) == (Decimal("0.00"), Decimal("0.00"))
    paid = AccountMovement.objects.get(household=household_a, kind=Kind.FEE, amount_cents=500)
    assert (paid.method, paid.label, paid.created_by) == ("cash", "Reçu 12", agent_a)
    assert AuditEntry.objects.filter(actor=agent_a, target_id=paid.pk).exists()


def test_a_fee_payment_beyond_what_is_owed_is_refused_keeping_the_input(
    agent_client, fee_owed, household_a
):
    url = staff_url("household_fee_payment", household_a.pk)
    response = agent_client.post(url, fee_data(**{"frais-amount": "7,50"}))
    assert response.status_code == 400
    text = text_of(response)
    assert "les frais dus (5,00 €)" in text
    assert 'value="7,50"' in text
    assert account_selectors.account_summary(household_a).credit == Decimal("-5.00")


def test_a_fee_payment_for_another_municipality_gets_404(agent_b, fee_owed, household_a):
    client = logged_in(agent_b)
    for slug in ("ville-a", "ville-b"):
        url = staff_url("household_fee_payment", household_a.pk, slug)
        assert client.post(url, fee_data()).status_code == 404
    assert account_selectors.account_summary(household_a).credit == Decimal("-5.00")


@pytest.mark.parametrize("who", ["readonly_client", "alice_client"])
def test_a_fee_payment_by_a_wrong_role_gets_403(who, request, fee_owed, household_a):
    client = request.getfixturevalue(who)
    response = client.post(staff_url("household_fee_payment", household_a.pk), fee_data())
    assert response.status_code == 403
    assert account_selectors.account_summary(household_a).credit == Decimal("-5.00")
