"""Pages of mandates: the section of "Mes factures", signing (with the password), changing the
account and revoking for families; the creditor settings, the household's mandates, paper
mandates, suspension and documents for staff. Each works, answers 404 for another household or
municipality and 403 for the wrong role; forms refuse bad input in French and keep it."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ribambelle.accounts.tests.factories import PASSWORD
from ribambelle.conftest import logged_in
from ribambelle.core.crypto import secret_decrypt
from ribambelle.core.models import AuditEntry
from ribambelle.debits.models import Creditor, Mandate
from ribambelle.debits.tests.mandates.factories import (
    CREDITOR_IBAN,
    DEBTOR_IBAN,
    OTHER_IBAN,
    MandateFactory,
)
from ribambelle.families.tests.factories import PDF

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(name, kwargs={"municipality_slug": slug, **kwargs})


def text_of(response) -> str:
    return response.content.decode().replace("&nbsp;", " ").replace("&#x27;", "'")


def sign_data(**changes):
    data = {
        "debtor_name": "Alice Martin",
        "iban": "FR14 2004 1010 0505 0001 3M02 606",
        "bic": "",
        "signed_at": "Lyon",
        "current_password": PASSWORD,
    }
    data.update(changes)
    return data


@pytest.fixture
def dave_client(dave):
    return logged_in(dave)


@pytest.fixture
def charlie_client(charlie):
    return logged_in(charlie)


# Mes factures


def test_the_invoices_page_offers_direct_debit_per_office(alice_client, creditor_a, household_a):
    text = text_of(alice_client.get(url("billing:invoices")))
    assert "Payer par prélèvement" in text
    assert url("debits:mandate_sign", office_pk=creditor_a.office_id) in text


def test_the_invoices_page_shows_the_mandate_in_force(alice_client, mandate_a):
    text = text_of(alice_client.get(url("billing:invoices")))
    assert mandate_a.reference in text
    assert "FR•• •••• 2606" in text
    assert "Changer de compte" in text and "Révoquer" in text
    assert "Payer par prélèvement" not in text
    assert DEBTOR_IBAN not in text


def test_no_section_without_a_creditor(alice_client, household_a, office_a):
    assert "prélèvement" not in text_of(alice_client.get(url("billing:invoices"))).lower()


# Signing


def test_the_sign_page_shows_the_mandate_text(alice_client, creditor_a, household_a):
    response = alice_client.get(url("debits:mandate_sign", office_pk=creditor_a.office_id))
    text = text_of(response)
    assert response.status_code == 200
    for expected in ["Régie enfance de Ville A", "FR72ZZZ123456", "8 semaines", "vous autorisez"]:
        assert expected in text
    assert 'autocomplete="current-password"' in text


def test_signing_online(
    alice_client, alice, creditor_a, household_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            url("debits:mandate_sign", office_pk=creditor_a.office_id), sign_data()
        )
    assert response.status_code == 302
    assert response["Location"] == url("billing:invoices") + "#prelevement"
    mandate = Mandate.objects.get()
    assert (mandate.household, mandate.signed_by, mandate.status) == (household_a, alice, "active")
    assert secret_decrypt(mandate.iban) == DEBTOR_IBAN
    assert {message.to[0] for message in mail.outbox} == {"alice@example.org", "bob@example.org"}
    page = text_of(alice_client.get(url("billing:invoices")))
    assert f"Votre mandat {mandate.reference} est signé" in page
    document = alice_client.get(url("debits:mandate_document", pk=mandate.pk))
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"


def test_a_wrong_password_saves_nothing_and_keeps_what_was_typed(
    alice_client, creditor_a, household_a
):
    response = alice_client.post(
        url("debits:mandate_sign", office_pk=creditor_a.office_id),
        sign_data(current_password="pas le bon"),
    )
    text = text_of(response)
    assert response.status_code == 400
    assert "Mot de passe incorrect" in text
    assert 'value="Alice Martin"' in text and 'value="Lyon"' in text
    assert "pas le bon" not in text
    assert 'aria-describedby="id_current_password_helptext id_current_password_error"' in text
    assert not Mandate.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iban": "FR7630006000011234567890188"}, "Cet IBAN n'est pas valide"),
        ({"iban": "US64SVBKUS6S3300958879"}, "zone SEPA"),
        ({"iban": "CH9300762011623852957"}, "indiquez le BIC"),
        ({"bic": "XX"}, "Ce BIC n'est pas valide"),
        ({"debtor_name": ""}, "Ce champ est obligatoire"),
    ],
)
def test_bad_account_details_are_refused_in_french(
    alice_client, creditor_a, household_a, changes, message
):
    response = alice_client.post(
        url("debits:mandate_sign", office_pk=creditor_a.office_id), sign_data(**changes)
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Mandate.objects.exists()


def test_signing_for_an_office_of_another_municipality_is_404(
    alice_client, household_a, creditor_b
):
    response = alice_client.get(url("debits:mandate_sign", office_pk=creditor_b.office_id))
    assert response.status_code == 404


def test_signing_for_an_office_without_direct_debit_is_404(alice_client, household_a, office_a):
    assert alice_client.get(url("debits:mandate_sign", office_pk=office_a.pk)).status_code == 404


def test_a_parent_of_another_municipality_gets_404(charlie_client, creditor_a, household_b):
    response = charlie_client.get(url("debits:mandate_sign", office_pk=creditor_a.office_id))
    assert response.status_code == 404


def test_staff_get_403_on_the_family_pages(agent_client, mandate_a):
    assert (
        agent_client.get(url("debits:mandate_sign", office_pk=mandate_a.office_id)).status_code
        == 403
    )
    assert agent_client.get(url("debits:mandate_change", pk=mandate_a.pk)).status_code == 403
    assert agent_client.get(url("debits:mandate_revoke", pk=mandate_a.pk)).status_code == 403
    assert agent_client.get(url("debits:mandate_document", pk=mandate_a.pk)).status_code == 403


def test_signing_needs_the_csrf_token(alice, creditor_a, household_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(url("debits:mandate_sign", office_pk=creditor_a.office_id), sign_data())
    assert response.status_code == 403
    assert not Mandate.objects.exists()


def test_with_a_mandate_in_force_the_sign_page_goes_back(alice_client, mandate_a):
    response = alice_client.get(url("debits:mandate_sign", office_pk=mandate_a.office_id))
    assert response.status_code == 302


# Changing the account, revoking


def test_changing_the_account(alice_client, mandate_a):
    page = alice_client.get(url("debits:mandate_change", pk=mandate_a.pk))
    assert page.status_code == 200
    assert 'value="Alice Martin"' in text_of(page)
    response = alice_client.post(
        url("debits:mandate_change", pk=mandate_a.pk), sign_data(iban=OTHER_IBAN)
    )
    assert response.status_code == 302
    new = Mandate.objects.get(status="active")
    assert (new.reference, new.version, new.amended) == (mandate_a.reference, 2, True)
    assert secret_decrypt(new.iban) == OTHER_IBAN
    mandate_a.refresh_from_db()
    assert (mandate_a.status, mandate_a.replaced_by) == ("replaced", new)
    # The old version is no longer the family's to change.
    assert alice_client.get(url("debits:mandate_change", pk=mandate_a.pk)).status_code == 404


def test_another_household_cannot_see_or_change_the_mandate(dave_client, mandate_a):
    for name in ["mandate_change", "mandate_revoke", "mandate_document"]:
        assert dave_client.get(url(f"debits:{name}", pk=mandate_a.pk)).status_code == 404
    response = dave_client.post(url("debits:mandate_revoke", pk=mandate_a.pk), {"reason": ""})
    assert response.status_code == 404
    mandate_a.refresh_from_db()
    assert mandate_a.status == "active"


def test_revoking_asks_for_confirmation_then_revokes(alice_client, alice, mandate_a):
    page = alice_client.get(url("debits:mandate_revoke", pk=mandate_a.pk))
    assert page.status_code == 200
    assert "Révoquer le mandat" in text_of(page)
    mandate_a.refresh_from_db()
    assert mandate_a.status == "active"
    response = alice_client.post(
        url("debits:mandate_revoke", pk=mandate_a.pk), {"reason": "Je paie en ligne"}
    )
    assert response.status_code == 302
    mandate_a.refresh_from_db()
    assert (mandate_a.status, mandate_a.end_reason) == ("revoked", "Je paie en ligne")
    entry = AuditEntry.objects.get(target_type="debits.mandate", target_id=mandate_a.pk)
    assert entry.actor == alice
    assert "Payer par prélèvement" in text_of(alice_client.get(url("billing:invoices")))


# Staff: creditor settings


def creditor_data(**changes):
    data = {
        "name": "Régie enfance",
        "ics": "FR72 ZZZ 123456",
        "iban": "FR76 3000 1007 9412 3456 7890 185",
        "bic": "AGRIFRPP",
        "collection_day": "10",
        "return_fee": "2,50",
        "returns_before_suspension": "2",
    }
    data.update(changes)
    return data


def test_a_manager_sets_up_direct_debit_and_the_iban_is_never_shown_again(
    manager_client, manager_a, office_a
):
    offices = text_of(manager_client.get(url("billing_staff:offices")))
    target = url("debits_staff:creditor_edit", office_pk=office_a.pk)
    assert target in offices
    assert manager_client.get(target).status_code == 200
    response = manager_client.post(target, creditor_data())
    assert response.status_code == 302
    creditor = Creditor.objects.get()
    assert (creditor.ics, creditor.collection_day, str(creditor.return_fee)) == (
        "FR72ZZZ123456",
        10,
        "2.50",
    )
    page = text_of(manager_client.get(target))
    assert "•••• 0185" in page
    assert CREDITOR_IBAN not in page and "3000 1007" not in page
    assert manager_client.post(target, creditor_data(iban="")).status_code == 302
    creditor.refresh_from_db()
    assert secret_decrypt(creditor.iban) == CREDITOR_IBAN
    entries = AuditEntry.objects.filter(target_type="debits.creditor", actor=manager_a)
    assert entries.count() == 2


def test_bad_creditor_settings_are_refused_in_french(manager_client, office_a):
    target = url("debits_staff:creditor_edit", office_pk=office_a.pk)
    response = manager_client.post(
        target, creditor_data(ics="FR73ZZZ123456", collection_day="31", iban="", bic="")
    )
    text = text_of(response)
    assert response.status_code == 400
    assert "identifiant créancier SEPA (ICS) n'est pas valide" in text
    assert "Ce champ est obligatoire" in text  # a first IBAN is needed
    assert "Indiquez le BIC du compte de la régie" in text
    assert 'value="FR73ZZZ123456"' in text
    assert not Creditor.objects.exists()


def test_creditor_settings_roles_and_tenants(agent_client, manager_client, office_a, creditor_b):
    assert (
        agent_client.get(url("debits_staff:creditor_edit", office_pk=office_a.pk)).status_code
        == 403
    )
    other = url("debits_staff:creditor_edit", office_pk=creditor_b.office_id)
    assert manager_client.get(other).status_code == 404
    manager_b = logged_in(creditor_b.office.municipality and _manager_of_b(creditor_b))
    assert (
        manager_b.get(url("debits_staff:creditor_edit", office_pk=office_a.pk)).status_code == 404
    )


def _manager_of_b(creditor_b):
    from ribambelle.accounts.models import Role
    from ribambelle.conftest import make_user

    return make_user(creditor_b.office.municipality, "chef@ville-b.fr", Role.MANAGER)


# Staff: the household's mandates


def household_url(household):
    return url("billing_staff:household_invoices", pk=household.pk)


def test_staff_see_the_mandates_of_a_household(agent_client, readonly_client, mandate_a):
    text = text_of(agent_client.get(household_url(mandate_a.household)))
    assert mandate_a.reference in text
    assert "Suspendre" in text and "Enregistrer un mandat papier" in text
    readonly = text_of(readonly_client.get(household_url(mandate_a.household)))
    assert mandate_a.reference in readonly
    assert "Suspendre" not in readonly and "Enregistrer un mandat papier" not in readonly


def test_staff_suspend_and_reactivate(agent_client, agent_a, mandate_a):
    household = mandate_a.household
    suspend = url("debits_staff:mandate_suspend", pk=household.pk, mandate_pk=mandate_a.pk)
    assert agent_client.post(suspend).status_code == 302
    mandate_a.refresh_from_db()
    assert mandate_a.status == "suspended"
    reactivate = url("debits_staff:mandate_reactivate", pk=household.pk, mandate_pk=mandate_a.pk)
    assert agent_client.post(reactivate).status_code == 302
    mandate_a.refresh_from_db()
    assert mandate_a.status == "active"
    actors = set(
        AuditEntry.objects.filter(target_type="debits.mandate").values_list("actor", flat=True)
    )
    assert actors == {agent_a.pk}


def test_suspending_roles_and_isolation(
    readonly_client, agent_client, agent_b, mandate_a, mandate_b, dave, household_a
):
    suspend = url("debits_staff:mandate_suspend", pk=household_a.pk, mandate_pk=mandate_a.pk)
    assert readonly_client.post(suspend).status_code == 403
    assert logged_in(dave).post(suspend).status_code == 403
    assert logged_in(agent_b).post(suspend).status_code == 404
    other_household = MandateFactory(office=mandate_a.office)
    wrong = url("debits_staff:mandate_suspend", pk=household_a.pk, mandate_pk=other_household.pk)
    assert agent_client.post(wrong).status_code == 404
    of_b = url("debits_staff:mandate_suspend", pk=mandate_b.household_id, mandate_pk=mandate_b.pk)
    assert agent_client.post(of_b).status_code == 404
    assert agent_client.get(suspend).status_code == 405
    assert set(Mandate.objects.values_list("status", flat=True)) == {"active"}


def test_staff_record_a_paper_mandate(agent_client, agent_a, creditor_a, household_a):
    target = url("debits_staff:paper_mandate", pk=household_a.pk)
    assert agent_client.get(target).status_code == 200
    data = {
        "office": creditor_a.pk,
        "reference": "",
        "debtor_name": "Bob Martin",
        "iban": DEBTOR_IBAN,
        "bic": "",
        "signed_on": "2026-11-02",
        "signed_at": "Lyon",
        "scan": SimpleUploadedFile("formulaire.pdf", PDF, content_type="application/pdf"),
    }
    response = agent_client.post(target, data)
    assert response.status_code == 302, text_of(response)
    mandate = Mandate.objects.get()
    assert (mandate.origin, mandate.household, mandate.debtor_name) == (
        "paper",
        household_a,
        "Bob Martin",
    )
    document = agent_client.get(
        url("debits_staff:mandate_document", pk=household_a.pk, mandate_pk=mandate.pk)
    )
    assert document.status_code == 200
    assert document["X-Content-Type-Options"] == "nosniff"


def test_a_paper_scan_in_png_downloads_as_an_image_for_staff_and_family(
    agent_client, alice_client, creditor_a, household_a
):
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(picture, format="PNG")
    data = {
        "office": creditor_a.pk,
        "reference": "",
        "debtor_name": "Bob Martin",
        "iban": DEBTOR_IBAN,
        "bic": "",
        "signed_on": "2026-11-02",
        "signed_at": "Lyon",
        "scan": SimpleUploadedFile("photo.png", picture.getvalue(), content_type="image/png"),
    }
    target = url("debits_staff:paper_mandate", pk=household_a.pk)
    assert agent_client.post(target, data).status_code == 302
    mandate = Mandate.objects.get()
    for client, address in [
        (
            agent_client,
            url("debits_staff:mandate_document", pk=household_a.pk, mandate_pk=mandate.pk),
        ),
        (alice_client, url("debits:mandate_document", pk=mandate.pk)),
    ]:
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert f"mandat-sepa-{mandate.reference}.png" in response["Content-Disposition"]


def test_a_paper_mandate_with_a_bad_file_or_reference_is_refused(
    agent_client, creditor_a, household_a
):
    target = url("debits_staff:paper_mandate", pk=household_a.pk)
    data = {
        "office": creditor_a.pk,
        "reference": "RUM//É",
        "debtor_name": "Bob Martin",
        "iban": DEBTOR_IBAN,
        "signed_on": "2026-11-02",
        "signed_at": "Lyon",
        "scan": SimpleUploadedFile("formulaire.pdf", b"<html>", content_type="application/pdf"),
    }
    response = agent_client.post(target, data)
    text = text_of(response)
    assert response.status_code == 400
    assert "sans accent" in text
    assert "n'est pas un PDF" in text
    assert 'value="Bob Martin"' in text
    assert not Mandate.objects.exists()


def test_paper_mandates_roles_and_isolation(readonly_client, agent_client, creditor_a, household_b):
    assert readonly_client.get(url("debits_staff:paper_mandate", pk=1)).status_code == 403
    assert agent_client.get(url("debits_staff:paper_mandate", pk=household_b.pk)).status_code == 404


def test_staff_documents_isolation(agent_client, mandate_a, mandate_b, alice_client):
    own = url("debits_staff:mandate_document", pk=mandate_a.household_id, mandate_pk=mandate_a.pk)
    assert agent_client.get(own).status_code == 404  # no document in the factory's mandate
    of_b = url("debits_staff:mandate_document", pk=mandate_b.household_id, mandate_pk=mandate_b.pk)
    assert agent_client.get(of_b).status_code == 404
    assert alice_client.get(own).status_code == 403


def test_reactivating_roles_and_isolation(readonly_client, agent_b, alice_client, mandate_a):
    Mandate.objects.filter(pk=mandate_a.pk).update(status="suspended")
    target = url(
        "debits_staff:mandate_reactivate", pk=mandate_a.household_id, mandate_pk=mandate_a.pk
    )
    assert readonly_client.post(target).status_code == 403
    assert alice_client.post(target).status_code == 403
    assert logged_in(agent_b).post(target).status_code == 404
    mandate_a.refresh_from_db()
    assert mandate_a.status == "suspended"


def test_reactivating_a_mandate_of_another_household_is_404(agent_client, mandate_a, dave):
    other = MandateFactory(office=mandate_a.office, status="suspended")
    target = url("debits_staff:mandate_reactivate", pk=mandate_a.household_id, mandate_pk=other.pk)
    assert agent_client.post(target).status_code == 404
