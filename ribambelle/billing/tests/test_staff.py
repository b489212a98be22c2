"""Staff billing pages. Each page works for the staff allowed to see it, answers 404 to another
municipality and 403 to the wrong role; read-only staff may look but not write; only managers
change offices and tariffs. Bad input says why in French, keeps what was typed and saves
nothing. Lists read a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.billing import services
from ribambelle.billing.models import BillingOffice, Invoice, InvoiceRun, Payment, Tariff
from ribambelle.billing.tests.conftest import NOVEMBER
from ribambelle.billing.tests.factories import InvoiceFactory
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.bookings.tests.factories import BookingFactory
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Household
from ribambelle.families.tests.factories import ChildFactory, HouseholdFactory
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(f"billing_staff:{name}", kwargs={"municipality_slug": slug, **kwargs})


def book(child, activity, *days):
    for day in days:
        BookingFactory(child=child, activity=activity, date=datetime.date(2026, 11, day))


def add_household(municipality, name, activity, days=(2, 3)):
    household = HouseholdFactory(municipality=municipality, name=name)
    child = ChildFactory(
        household=household,
        first_name="Enfant",
        last_name=name,
        birth_date=datetime.date(2017, 1, 1),
    )
    book(child, activity, *days)
    return household


@pytest.fixture
def manager_b_client(municipality_b):
    return logged_in(make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER))


@pytest.fixture
def draft_run(municipality_a, office_a, canteen_tariff, canteen, child_a, agent_a):
    book(child_a, canteen, 2, 3, 5)
    return services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )


@pytest.fixture
def issued_invoice(municipality_a, draft_run, agent_a):
    services.invoice_run_issue(municipality=municipality_a, run=draft_run, actor=agent_a)
    return Invoice.objects.get(run=draft_run)


def all_pages(office, activity, run, invoice, household):
    return [
        url("offices"),
        url("office_add"),
        url("office_edit", pk=office.pk),
        url("tariffs"),
        url("tariff_edit", activity_pk=activity.pk),
        url("runs"),
        url("run", pk=run.pk),
        url("run_issue", pk=run.pk),
        url("invoice", pk=invoice.pk),
        url("unpaid"),
        url("household_invoices", pk=household.pk),
        url("export"),
    ]


def test_every_page_works_for_a_manager(manager_client, office_a, canteen, draft_run, household_a):
    invoice = Invoice.objects.get(run=draft_run)
    shows = [
        "Chèque à l&#x27;ordre du Trésor public.",
        "Nouvelle régie",
        'value="Régie enfance"',
        "QF &lt; 900 : 2,50 €",
        'name="default_price" value="4,50"',
        "Novembre 2026",
        "Foyer Martin",
        "Émettre 1 facture de novembre 2026",
        "Léa Martin",
        "Aucune facture ne reste à payer.",
        "Novembre 2026",
        "Type;Numéro;Date;Régie;Foyer",
    ]
    pages = all_pages(office_a, canteen, draft_run, invoice, household_a)
    for page, text in zip(pages, shows, strict=True):
        response = manager_client.get(page)
        assert response.status_code == 200, page
        assert text in response.content.decode(), page


def test_another_municipality_gets_404(
    manager_b_client, municipality_b, office_a, canteen, draft_run, household_a
):
    invoice = Invoice.objects.get(run=draft_run)
    pages = all_pages(office_a, canteen, draft_run, invoice, household_a)
    for page in pages:
        assert manager_b_client.get(page).status_code == 404, page
    # Under its own municipality's address, A's objects do not exist either.
    for name, kwargs in [
        ("office_edit", {"pk": office_a.pk}),
        ("tariff_edit", {"activity_pk": canteen.pk}),
        ("run", {"pk": draft_run.pk}),
        ("run_issue", {"pk": draft_run.pk}),
        ("invoice", {"pk": invoice.pk}),
        ("household_invoices", {"pk": household_a.pk}),
    ]:
        assert manager_b_client.get(url(name, "ville-b", **kwargs)).status_code == 404, name
    BillingOffice.objects.create(municipality=municipality_b, name="Régie de B")
    response = manager_b_client.post(
        url("runs", "ville-b"), {"office": office_a.pk, "month": "2026-11"}
    )
    assert response.status_code == 400
    assert "Cette régie n&#x27;existe pas." in response.content.decode()


def test_parents_get_403(alice_client, office_a, canteen, draft_run, household_a):
    invoice = Invoice.objects.get(run=draft_run)
    for page in all_pages(office_a, canteen, draft_run, invoice, household_a):
        assert alice_client.get(page).status_code == 403, page


def test_agents_cannot_change_offices_or_tariffs(agent_client, office_a, canteen, department_a):
    for page in [
        url("offices"),
        url("office_add"),
        url("office_edit", pk=office_a.pk),
        url("tariff_edit", activity_pk=canteen.pk),
    ]:
        assert agent_client.get(page).status_code == 403, page
    response = agent_client.post(url("office_add"), {"name": "X", "departments": [department_a.pk]})
    assert response.status_code == 403
    tariffs = agent_client.get(url("tariffs"))
    assert tariffs.status_code == 200
    assert canteen.name in tariffs.content.decode()


def test_read_only_staff_look_but_cannot_post(readonly_client, office_a, draft_run):
    response = readonly_client.get(url("runs"))
    assert response.status_code == 200
    assert "Calculer les factures" not in response.content.decode()
    invoice = Invoice.objects.get(run=draft_run)
    page = readonly_client.get(url("invoice", pk=invoice.pk))
    assert page.status_code == 200
    assert "Léa Martin" in page.content.decode()
    assert readonly_client.get(url("run_issue", pk=draft_run.pk)).status_code == 403
    posts = [
        (url("runs"), {"office": office_a.pk, "month": "2026-11"}),
        (url("run_recompute", pk=draft_run.pk), {}),
        (url("run_issue", pk=draft_run.pk), {}),
        (url("invoice_credit", pk=invoice.pk), {"avoir-amount": "1", "avoir-reason": "X"}),
        (url("invoice_payment", pk=invoice.pk), {"paiement-amount": "1"}),
    ]
    for page, data in posts:
        assert readonly_client.post(page, data).status_code == 403, page
    assert InvoiceRun.objects.get().status == "draft"


# Billing offices


def test_manager_adds_and_edits_an_office_with_audit(
    manager_client, municipality_a, municipality_b, department_a
):
    other = DepartmentFactory(municipality=municipality_b, name="Cantine de B")
    response = manager_client.post(
        url("office_add"),
        {"name": "Régie cantine", "departments": [other.pk], "due_days": "20"},
    )
    assert response.status_code == 400
    assert "Ce service n&#x27;existe pas." in response.content.decode()
    assert 'value="Régie cantine"' in response.content.decode()
    assert not BillingOffice.objects.exists()

    response = manager_client.post(
        url("office_add"),
        {
            "name": "Régie cantine",
            "departments": [department_a.pk],
            "due_days": "20",
            "payment_instructions": "Chèque à l'ordre du Trésor public",
        },
    )
    office = BillingOffice.objects.get()
    assert response.status_code == 302
    assert office.municipality == municipality_a and office.due_days == 20
    assert list(office.departments.all()) == [department_a]
    entry = AuditEntry.objects.get(target_type="billing.billingoffice")
    assert entry.action == AuditEntry.Action.CREATE

    response = manager_client.post(
        url("office_add"), {"name": "Régie cantine", "departments": [department_a.pk]}
    )
    assert "Une régie porte déjà ce nom." in response.content.decode()
    response = manager_client.post(
        url("office_edit", pk=office.pk),
        {"name": "Régie cantine", "departments": [department_a.pk], "due_days": "30"},
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.due_days == 30
    update = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert update.before["due_days"] == 20 and update.after["due_days"] == 30


# Tariffs


def tariff_data(rows, **extra):
    data = {
        "basis": "bookings",
        "default_price": "4,50",
        "surcharge_price": "",
        "tranches-TOTAL_FORMS": str(len(rows)),
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "0",
        "tranches-MAX_NUM_FORMS": "1000",
    }
    for index, (up_to, price) in enumerate(rows):
        data[f"tranches-{index}-up_to"] = up_to
        data[f"tranches-{index}-price"] = price
    data.update(extra)
    return data


def test_tariffs_are_described_in_words(agent_client, canteen_tariff, canteen, evening_care):
    text = agent_client.get(url("tariffs")).content.decode()
    assert "QF &lt; 500 : 1,20 €" in text
    assert "QF au-delà : 3,80 €" in text
    assert "Prix majoré : 6,00 €" in text
    assert "Pas de tarif : cette activité n&#x27;est pas facturée." in text


def test_manager_saves_a_tariff_with_commas(manager_client, canteen):
    response = manager_client.post(
        url("tariff_edit", activity_pk=canteen.pk),
        tariff_data(
            [("500", "1,20"), ("1 000", "2,50"), ("", "3,80"), ("", "")],
            surcharge_price="6,00",
        ),
    )
    assert response.status_code == 302
    tariff = Tariff.objects.get(activity=canteen)
    assert tariff.default_price == Decimal("4.50")
    assert tariff.surcharge_price == Decimal("6.00")
    assert list(tariff.brackets.values_list("up_to", "price")) == [
        (Decimal("500"), Decimal("1.20")),
        (Decimal("1000"), Decimal("2.50")),
        (None, Decimal("3.80")),
    ]
    assert AuditEntry.objects.get(target_type="billing.tariff").action == "create"
    response = manager_client.post(
        url("tariff_edit", activity_pk=canteen.pk), tariff_data([("", "3,00")])
    )
    assert response.status_code == 302
    assert list(tariff.brackets.values_list("up_to", "price")) == [(None, Decimal("3.00"))]
    entry = AuditEntry.objects.get(target_type="billing.tariff", action="update")
    assert "brackets" in entry.after


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("", "1,00"), ("500", "2,00")], "Seule la dernière tranche peut être sans plafond."),
        ([("500", "1,00"), ("500", "2,00")], "Deux tranches ont le même plafond."),
        ([("900", "1,00"), ("500", "2,00")], "Les plafonds doivent aller en croissant."),
        ([("500", "")], "Indiquez le prix de cette tranche."),
        ([("500", "douze")], "Saisissez un montant, par exemple 2,50."),
    ],
)
def test_tariff_brackets_are_checked(manager_client, canteen, rows, message):
    response = manager_client.post(url("tariff_edit", activity_pk=canteen.pk), tariff_data(rows))
    text = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert message in text
    assert f'value="{rows[0][1]}"' in text or rows[0][1] == ""
    assert not Tariff.objects.exists()


# Runs


def test_agent_computes_recomputes_and_issues_with_sequential_numbers(
    agent_client, municipality_a, office_a, canteen_tariff, canteen, child_a, dave
):
    book(child_a, canteen, 2, 3)
    add_household(municipality_a, "Foyer Abel", canteen, days=(5,))
    response = agent_client.post(url("runs"), {"office": office_a.pk, "month": "2026-11"})
    run = InvoiceRun.objects.get()
    assert response.status_code == 302 and response["Location"] == url("run", pk=run.pk)
    assert run.month == NOVEMBER and Invoice.objects.count() == 2
    text = agent_client.get(url("run", pk=run.pk)).content.decode()
    assert "brouillon" in text and "Foyer Abel" in text and "Recalculer" in text

    book(child_a, canteen, 6)
    response = agent_client.post(url("run_recompute", pk=run.pk))
    assert response.status_code == 302
    assert Invoice.objects.get(household__name="Foyer Martin").total == Decimal("13.50")

    text = agent_client.get(url("run_issue", pk=run.pk)).content.decode()
    assert "ne change plus jamais" in text and "e-mail" in text
    response = agent_client.post(url("run_issue", pk=run.pk))
    assert response.status_code == 302
    numbers = list(Invoice.objects.order_by("household__name").values_list("number", flat=True))
    assert numbers == ["F-2026-000001", "F-2026-000002"]

    response = agent_client.post(url("run_issue", pk=run.pk), follow=True)
    assert "Cette facturation est déjà émise." in response.content.decode()
    response = agent_client.post(url("runs"), {"office": office_a.pk, "month": "2026-11"})
    assert response.status_code == 400
    assert "elle ne peut plus changer" in response.content.decode()
    response = agent_client.post(url("runs"), {"office": office_a.pk, "month": "novembre"})
    assert "Choisissez un mois" in response.content.decode()
    text = agent_client.get(url("runs")).content.decode()
    assert "Novembre 2026" in text and "Émise" in text


# One invoice: payments and credit notes


def test_agent_records_a_cheque_and_a_credit_note(agent_client, issued_invoice):
    page = url("invoice", pk=issued_invoice.pk)
    pay = url("invoice_payment", pk=issued_invoice.pk)
    credit = url("invoice_credit", pk=issued_invoice.pk)
    assert issued_invoice.total == Decimal("13.50")  # quotient unknown: 3 x 4,50
    response = agent_client.post(
        pay,
        {
            "paiement-amount": "20,50",
            "paiement-method": "cheque",
            "paiement-received_on": "2026-11-24",
            "paiement-reference": "Chèque 1234567",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "le reste à payer (13.50 €)" in text or "le reste à payer (13,50 €)" in text
    assert 'value="20,50"' in text and 'value="Chèque 1234567"' in text
    assert not Payment.objects.exists()

    response = agent_client.post(
        pay,
        {
            "paiement-amount": "5,00",
            "paiement-method": "online",
            "paiement-received_on": "2026-11-24",
        },
    )
    assert response.status_code == 400 and not Payment.objects.exists()

    response = agent_client.post(
        pay,
        {
            "paiement-amount": "5,00",
            "paiement-method": "cheque",
            "paiement-received_on": "2026-11-24",
            "paiement-reference": "1234567",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.amount == Decimal("5.00") and payment.method == "cheque"

    response = agent_client.post(credit, {"avoir-amount": "20", "avoir-reason": "Erreur"})
    assert response.status_code == 400
    assert "Le montant de l&#x27;avoir doit être compris" in response.content.decode()
    response = agent_client.post(
        credit, {"avoir-amount": "8,50", "avoir-reason": "Repas non servi"}
    )
    assert response.status_code == 302
    issued_invoice.refresh_from_db()
    assert issued_invoice.credited == Decimal("8.50") and issued_invoice.due == Decimal("0.00")
    text = agent_client.get(page).content.decode()
    assert "AV-2026-000001" in text and "Repas non servi" in text
    assert "Enregistrer le paiement" not in text


def test_a_draft_invoice_refuses_payments(agent_client, draft_run):
    invoice = Invoice.objects.get(run=draft_run)
    response = agent_client.post(
        url("invoice_payment", pk=invoice.pk),
        {
            "paiement-amount": "1",
            "paiement-method": "cash",
            "paiement-received_on": "2026-11-24",
        },
    )
    assert response.status_code == 400
    assert "Seule une facture émise peut être payée." in response.content.decode()


def test_invoice_actions_are_posts_for_the_municipalitys_writers(
    agent_client, alice_client, manager_b_client, issued_invoice
):
    payment = {
        "paiement-amount": "1,00",
        "paiement-method": "cash",
        "paiement-received_on": "2026-11-24",
    }
    credit = {"avoir-amount": "1,00", "avoir-reason": "Erreur"}
    actions = [("invoice_payment", payment), ("invoice_credit", credit)]
    for name, data in actions:
        page = url(name, pk=issued_invoice.pk)
        assert alice_client.post(page, data).status_code == 403, name
        assert manager_b_client.post(page, data).status_code == 404, name
        assert manager_b_client.post(url(name, "ville-b", pk=issued_invoice.pk)).status_code == 404
        assert agent_client.get(page).status_code == 405, name
    # The invoice page itself only shows: its forms post to the actions' addresses.
    page = url("invoice", pk=issued_invoice.pk)
    assert agent_client.post(page, {"action": "payment", **payment}).status_code == 405
    text = agent_client.get(page).content.decode()
    assert f'action="{url("invoice_payment", pk=issued_invoice.pk)}#paiements"' in text
    assert f'action="{url("invoice_credit", pk=issued_invoice.pk)}#avoirs"' in text
    assert not Payment.objects.exists() and issued_invoice.credit_notes.count() == 0


# Unpaid, household, export


def test_unpaid_lists_due_invoices_with_the_households_balance(
    agent_client, municipality_a, issued_invoice, household_a, dave
):
    other = InvoiceFactory(
        office=issued_invoice.office,
        household=Household.objects.get(name="Foyer Petit"),
        number="F-2026-000099",
        due_on=datetime.date(2026, 10, 1),
        total=Decimal("3.00"),
        paid=Decimal("3.00"),
    )
    text = agent_client.get(url("unpaid")).content.decode()
    assert issued_invoice.number in text and other.number not in text
    assert url("household_invoices", pk=household_a.pk) in text
    text = agent_client.get(url("household_invoices", pk=household_a.pk)).content.decode()
    assert "Reste à payer en tout : 13,50 €" in text and issued_invoice.number in text


def test_export_is_a_french_csv_without_formulas(
    agent_client, municipality_a, issued_invoice, agent_a
):
    Invoice.objects.filter(pk=issued_invoice.pk).update(household_name="=HYPERLINK(1)")
    services.payment_record(
        municipality=municipality_a,
        invoice=issued_invoice,
        amount=Decimal("2.50"),
        method="cheque",
        received_on=datetime.date(2026, 11, 24),
        reference="+33 chèque",
        actor=agent_a,
    )
    response = agent_client.get(url("export"), {"du": "2026-11-01", "au": "2026-12-31"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffType;Numéro;Date;Régie;Foyer;Facture;Montant")
    lines = body.splitlines()
    issued = issued_invoice.issued_on.strftime("%d/%m/%Y")
    assert (
        f"Facture;{issued_invoice.number};{issued};Régie enfance;'=HYPERLINK(1);"
        f"{issued_invoice.number};13,50;;;"
    ) in lines[1]
    assert lines[2].startswith("Paiement;;24/11/2026;Régie enfance;'=HYPERLINK(1);")
    assert ";2,50;chèque;'+33 chèque;" in lines[2]
    # Outside the period: nothing but the headers.
    response = agent_client.get(url("export"), {"du": "2020-01-01", "au": "2020-01-31"})
    assert len(response.content.decode("utf-8").splitlines()) == 1


# Constant queries


def count_queries(client, page) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(page).status_code == 200
    return len(context.captured_queries)


def test_lists_read_a_constant_number_of_queries(
    agent_client, municipality_a, office_a, canteen_tariff, canteen, agent_a, household_a
):
    households = [add_household(municipality_a, f"Foyer {index}", canteen) for index in range(2)]
    run = services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    draft_pages = [url("runs"), url("run", pk=run.pk), url("tariffs")]
    before = [count_queries(agent_client, page) for page in draft_pages]
    households += [add_household(municipality_a, f"Foyer {i}", canteen) for i in range(2, 6)]
    services.invoice_run_compute(
        municipality=municipality_a, office=office_a, month=NOVEMBER, actor=agent_a
    )
    make_activity(municipality_a, canteen.department, "Goûter")
    assert Invoice.objects.count() == 6
    assert [count_queries(agent_client, page) for page in draft_pages] == before

    services.invoice_run_issue(municipality=municipality_a, run=run, actor=agent_a)
    pages = [url("unpaid"), url("runs"), url("household_invoices", pk=households[0].pk)]
    before = [count_queries(agent_client, page) for page in pages]
    for household in households:
        child = household.children.get()
        BookingFactory(child=child, activity=canteen, date=datetime.date(2026, 12, 1))
    december = services.invoice_run_compute(
        municipality=municipality_a,
        office=office_a,
        month=datetime.date(2026, 12, 1),
        actor=agent_a,
    )
    services.invoice_run_issue(municipality=municipality_a, run=december, actor=agent_a)
    assert Invoice.objects.filter(status="issued").count() == 12
    assert [count_queries(agent_client, page) for page in pages] == before


def test_the_household_page_links_to_its_invoices(agent_client, household_a):
    page = reverse(
        "families_staff:household", kwargs={"municipality_slug": "ville-a", "pk": household_a.pk}
    )
    text = agent_client.get(page).content.decode()
    assert url("household_invoices", pk=household_a.pk) in text and "Factures du foyer" in text


# Online payment settings of an office


def office_data(department, **extra):
    return {"name": "Régie enfance", "departments": [department.pk], "due_days": "15", **extra}


def test_manager_chooses_payfip_then_payzen_and_secrets_stay_hidden(
    manager_client, office_a, department_a
):
    office_a.provider_options = {"demo_enabled": True}
    office_a.save()
    page = url("office_edit", pk=office_a.pk)
    response = manager_client.post(
        page, office_data(department_a, provider="payfip", payfip_numcli="12A", payfip_saisie="T")
    )
    assert "Le numéro client PayFiP a six chiffres." in response.content.decode()
    office_a.refresh_from_db()
    assert office_a.provider == ""
    response = manager_client.post(
        page,
        office_data(department_a, provider="payfip", payfip_numcli="123456", payfip_saisie="W"),
    )
    assert response.status_code == 302
    office_a.refresh_from_db()
    assert office_a.provider == "payfip"
    assert office_a.provider_options == {"demo_enabled": True, "numcli": "123456", "saisie": "W"}

    payzen = office_data(
        department_a, provider="payzen", payzen_site_id="12345678", payzen_ctx_mode="TEST"
    )
    response = manager_client.post(page, payzen)
    assert "Indiquez la clé de ce mode." in response.content.decode()
    manager_client.post(page, {**payzen, "payzen_secret_test": "s3cretTest123456"})
    office_a.refresh_from_db()
    # Encrypted at rest (test_payment_config covers the encryption).
    assert secret_decrypt(office_a.provider_options["secret_test"]) == "s3cretTest123456"
    # The form never shows the secret; left blank, the saved one stays.
    form_page = manager_client.get(page).content.decode()
    assert "s3cretTest123456" not in form_page
    assert manager_client.post(page, {**payzen, "due_days": "20"}).status_code == 302
    office_a.refresh_from_db()
    assert secret_decrypt(office_a.provider_options["secret_test"]) == "s3cretTest123456"
    logged = AuditEntry.objects.filter(target_type="billing.billingoffice").order_by("pk")
    assert all("s3cretTest123456" not in str(entry.after) for entry in logged)
    assert any(
        entry.after.get("provider_options", {}).get("secret_test") == "***" for entry in logged
    )
