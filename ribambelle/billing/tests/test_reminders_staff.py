"""Staff pages of the reminders: an office's levels (managers only), the invoices at each level,
the pause of a household's reminders; and the reminder state in "Mes factures". Each page works,
answers 404 to another municipality and 403 to the wrong role; bad input keeps what was typed,
says why in French and saves nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.billing.reminders.models import ReminderLevel, ReminderPause, ReminderSent
from ribambelle.billing.tests.factories import (
    BillingOfficeFactory,
    InvoiceFactory,
    ReminderLevelFactory,
    ReminderPauseFactory,
)
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(f"billing_staff:{name}", kwargs={"municipality_slug": slug, **kwargs})


@pytest.fixture
def manager_b_client(municipality_b):
    return logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))


@pytest.fixture
def level(office_a):
    return ReminderLevelFactory(office=office_a, days_after_due=7)


LEVEL_DATA = {
    "days_after_due": "21",
    "action": "email",
    "attach_invoice": "on",
    "subject": "Second rappel",
    "text": "Merci de régler votre facture.",
}


# Levels of an office


def test_levels_page_works_for_a_manager(manager_client, office_a, level):
    response = manager_client.get(url("reminder_levels", office_pk=office_a.pk))
    assert response.status_code == 200
    assert "J+7" in response.text


def test_levels_page_of_another_municipality_is_404(
    manager_client, manager_b_client, office_a, municipality_b
):
    office_b = BillingOfficeFactory(municipality=municipality_b)
    assert manager_b_client.get(url("reminder_levels", office_pk=office_a.pk)).status_code == 404
    other = url("reminder_levels", office_pk=office_b.pk)
    assert manager_client.get(other).status_code == 404


def test_levels_page_is_for_managers(agent_client, readonly_client, office_a):
    assert agent_client.get(url("reminder_levels", office_pk=office_a.pk)).status_code == 403
    assert readonly_client.post(url("reminder_levels", office_pk=office_a.pk)).status_code == 403


def test_adding_a_level_saves_and_audits(manager_client, manager_a, office_a, level):
    response = manager_client.post(url("reminder_levels", office_pk=office_a.pk), LEVEL_DATA)
    assert response.status_code == 302
    added = ReminderLevel.objects.get(office=office_a, days_after_due=21)
    assert added.attach_invoice and added.subject == "Second rappel"
    assert AuditEntry.objects.filter(
        actor=manager_a, target_type="billing.reminderlevel", target_id=added.pk
    ).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days_after_due": "sept"}, "Saisissez un nombre de jours"),
        ({"days_after_due": "0"}, "au plus tôt un jour après"),
        ({"days_after_due": "7"}, "déjà un niveau à ce nombre de jours"),
        ({"text": "  "}, "Écrivez le texte du message"),
        ({"action": "treasury"}, "pas de facture à joindre"),
    ],
)
def test_bad_level_keeps_the_input_and_saves_nothing(
    manager_client, office_a, level, changes, message
):
    data = {**LEVEL_DATA, **changes}
    response = manager_client.post(url("reminder_levels", office_pk=office_a.pk), data)
    assert response.status_code == 400
    assert message in response.text
    assert "Second rappel" in response.text
    assert list(ReminderLevel.objects.filter(office=office_a)) == [level]


def test_nothing_is_sent_after_the_treasury(manager_client, office_a):
    ReminderLevelFactory(office=office_a, days_after_due=45, action="treasury", text="")
    response = manager_client.post(
        url("reminder_levels", office_pk=office_a.pk), {**LEVEL_DATA, "days_after_due": "60"}
    )
    assert response.status_code == 400
    assert "après la transmission au Trésor" in response.text


def test_editing_and_deleting_a_level(manager_client, office_a, level, household_a):
    edit = url("reminder_level_edit", office_pk=office_a.pk, pk=level.pk)
    assert manager_client.get(edit).status_code == 200
    data = {**LEVEL_DATA, "days_after_due": "10"}
    assert manager_client.post(edit, data).status_code == 302
    level.refresh_from_db()
    assert level.days_after_due == 10
    invoice = InvoiceFactory(office=office_a, household=household_a)
    ReminderSent.objects.create(
        municipality=office_a.municipality,
        invoice=invoice,
        level=level,
        sent_on=datetime.date(2026, 12, 26),
    )
    delete = url("reminder_level_delete", office_pk=office_a.pk, pk=level.pk)
    response = manager_client.post(delete, follow=True)
    assert "ne peut plus être supprimé" in response.text
    assert ReminderLevel.objects.filter(pk=level.pk).exists()
    unused = ReminderLevelFactory(office=office_a, days_after_due=30)
    manager_client.post(url("reminder_level_delete", office_pk=office_a.pk, pk=unused.pk))
    assert not ReminderLevel.objects.filter(pk=unused.pk).exists()


# Invoices at each level


@pytest.fixture
def reminded(office_a, level, household_a):
    second = ReminderLevelFactory(office=office_a, days_after_due=21)
    first_invoice = InvoiceFactory(office=office_a, household=household_a)
    other = InvoiceFactory(
        office=office_a, household=household_a, period_start=datetime.date(2026, 10, 1)
    )
    day = datetime.date(2026, 12, 23)
    ReminderSent.objects.create(
        municipality=office_a.municipality, invoice=first_invoice, level=level, sent_on=day
    )
    ReminderSent.objects.create(
        municipality=office_a.municipality, invoice=other, level=second, sent_on=day
    )
    return first_invoice, other, second


def test_reminders_page_filters_by_level(agent_client, reminded):
    first_invoice, other, second = reminded
    response = agent_client.get(url("reminders"))
    assert response.status_code == 200
    assert first_invoice.number in response.text and other.number in response.text
    response = agent_client.get(url("reminders") + f"?niveau={second.pk}")
    assert other.number in response.text and first_invoice.number not in response.text


def test_reminders_page_of_another_municipality_is_404(manager_b_client, reminded):
    assert manager_b_client.get(url("reminders")).status_code == 404


def test_reminders_page_is_for_staff(alice_client, reminded):
    assert alice_client.get(url("reminders")).status_code == 403


# Pause of a household's reminders


def test_pause_and_resume_are_audited(agent_client, agent_a, household_a):
    response = agent_client.post(
        url("household_pause", pk=household_a.pk), {"reason": "Échéancier jusqu'en mars"}
    )
    assert response.status_code == 302
    pause = ReminderPause.objects.get(household=household_a)
    assert pause.reason == "Échéancier jusqu'en mars"
    page = agent_client.get(url("household_invoices", pk=household_a.pk))
    assert "Relances suspendues depuis le" in page.text
    assert agent_client.post(url("household_resume", pk=household_a.pk)).status_code == 302
    assert not ReminderPause.objects.filter(household=household_a).exists()
    actions = AuditEntry.objects.filter(
        actor=agent_a, target_type="billing.reminderpause", household_id=household_a.pk
    ).values_list("action", flat=True)
    assert sorted(actions) == ["create", "delete"]


def test_pause_of_another_municipality_is_404(agent_client, household_b):
    assert agent_client.post(url("household_pause", pk=household_b.pk)).status_code == 404
    ReminderPauseFactory(household=household_b)
    assert agent_client.post(url("household_resume", pk=household_b.pk)).status_code == 404
    assert ReminderPause.objects.filter(household=household_b).exists()


def test_pause_needs_a_staff_writer(readonly_client, alice_client, household_a):
    assert readonly_client.post(url("household_pause", pk=household_a.pk)).status_code == 403
    assert alice_client.post(url("household_pause", pk=household_a.pk)).status_code == 403
    assert not ReminderPause.objects.exists()


# Mes factures


def test_my_invoices_show_the_reminder_state(alice_client, reminded):
    response = alice_client.get(
        reverse("billing:invoices", kwargs={"municipality_slug": "ville-a"})
    )
    assert response.status_code == 200
    assert "1re relance envoyée le 23/12/2026" in response.text
    assert "2e relance envoyée le 23/12/2026" in response.text


def test_my_invoice_shows_its_reminder_state(alice_client, reminded, dave):
    first_invoice, _other, _second = reminded
    page = reverse(
        "billing:invoice", kwargs={"municipality_slug": "ville-a", "pk": first_invoice.pk}
    )
    response = alice_client.get(page)
    assert "1re relance envoyée le 23/12/2026" in response.text
    assert logged_in(dave).get(page).status_code == 404


def test_reminders_page_reads_a_constant_number_of_queries(agent_client, reminded, office_a):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(url("reminders")).status_code == 200
        return len(queries)

    before = count()
    for month in (6, 7, 8):
        invoice = InvoiceFactory(office=office_a, period_start=datetime.date(2026, month, 1))
        ReminderSent.objects.create(
            municipality=office_a.municipality,
            invoice=invoice,
            level=reminded[2],
            sent_on=datetime.date(2026, 12, 23),
        )
    assert count() == before
