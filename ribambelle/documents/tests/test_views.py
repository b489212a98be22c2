"""Mes documents and the staff pages: each works, another household or municipality gets 404,
the wrong role gets 403; files are served with the right headers and mark the document read."""

import datetime

import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.documents.models import Audience, Category, Document, ReadReceipt
from ribambelle.documents.tests.conftest import MONDAY, PDF, publish
from ribambelle.documents.tests.factories import CategoryFactory
from ribambelle.families.models import FamilyDocument
from ribambelle.families.tests.factories import FamilyDocumentFactory

pytestmark = pytest.mark.django_db

BASE = "/ville-a"


@pytest.fixture
def menu(frozen, household_a, menus):
    return publish(menus)


# Portal


def test_index_shows_unread_counts_and_family_documents(alice_client, household_a, menu):
    FamilyDocumentFactory(
        household=household_a,
        child=None,
        guardian=household_a.guardians.first(),
        name="Attestation CAF",
    )
    response = alice_client.get(f"{BASE}/documents/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Menus" in html
    assert "1 document non lu" in html
    assert "Attestation CAF" in html
    assert f"/foyer/documents/{FamilyDocument.objects.get().pk}/" in html


def test_category_lists_documents_with_new_marker(alice_client, menu):
    response = alice_client.get(f"{BASE}/documents/{menu.category_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Menu de décembre" in html and "nouveau" in html
    file_url = f"{BASE}/documents/fichier/{menu.pk}/"
    assert f'href="{file_url}" target="_blank"' in html
    assert f'href="{file_url}?telecharger=1"' in html
    assert "« Menu de décembre » (nouvel onglet)" in html


def test_file_inline_then_download_marks_read(alice_client, household_a, menu):
    response = alice_client.get(f"{BASE}/documents/fichier/{menu.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    response = alice_client.get(f"{BASE}/documents/fichier/{menu.pk}/?telecharger=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert ReadReceipt.objects.filter(document=menu, household=household_a).count() == 1
    html = alice_client.get(f"{BASE}/documents/{menu.category_id}/").content.decode()
    assert "nouveau" not in html


def test_document_outside_audience_is_neither_listed_nor_served(
    alice_client, household_a, child_a, menus, frozen
):
    hidden = publish(menus, "Autre école", audience=Audience.SCHOOL, school="École Pasteur")
    future = publish(menus, "Demain", published_on=MONDAY + datetime.timedelta(days=1))
    html = alice_client.get(f"{BASE}/documents/{menus.pk}/").content.decode()
    assert "Autre école" not in html and "Demain" not in html
    for document in (hidden, future):
        assert alice_client.get(f"{BASE}/documents/fichier/{document.pk}/").status_code == 404
    assert not ReadReceipt.objects.exists()


def test_other_municipality_gets_404(frozen, household_a, household_b, category_b, charlie):
    document_b = publish(category_b, "Menu de B")
    alice = household_a.guardians.first().user
    client = logged_in(alice)
    assert client.get(f"{BASE}/documents/{category_b.pk}/").status_code == 404
    assert client.get(f"{BASE}/documents/fichier/{document_b.pk}/").status_code == 404
    # Charlie, of B, asking A's pages learns nothing.
    assert logged_in(charlie).get(f"{BASE}/documents/").status_code == 404


def test_other_household_gets_404(frozen, dave, menus, child_a):
    school_only = publish(menus, "Ferry", audience=Audience.SCHOOL, school="École Jules-Ferry")
    client = logged_in(dave)
    assert client.get(f"{BASE}/documents/fichier/{school_only.pk}/").status_code == 404


def test_staff_get_403_on_portal_pages(agent_client, menu):
    assert agent_client.get(f"{BASE}/documents/").status_code == 403
    assert agent_client.get(f"{BASE}/documents/fichier/{menu.pk}/").status_code == 403


def test_index_query_count_constant(alice_client, household_a, child_a, menus, canteen, frozen):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(f"{BASE}/documents/").status_code == 200
        return len(queries)

    publish(menus)
    few = measure()
    for number in range(8):
        category = CategoryFactory(municipality=menus.municipality, name=f"C{number}")
        document = publish(category, f"Doc {number}", audience=Audience.ACTIVITY, activity=canteen)
        ReadReceipt.objects.create(document=document, household=household_a)
    assert measure() == few


def test_category_query_count_constant(alice_client, household_a, menus, frozen):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(f"{BASE}/documents/{menus.pk}/").status_code == 200
        return len(queries)

    publish(menus)
    few = measure()
    for number in range(8):
        document = publish(menus, f"Doc {number}")
        ReadReceipt.objects.create(document=document, household=household_a)
    assert measure() == few


# Staff


def upload(name="menu.pdf", content=PDF):
    return ContentFile(content, name=name)


def publish_data(category, **extra):
    data = {
        "category": category.pk,
        "title": "Menu de janvier",
        "file": upload(),
        "published_on": "2026-11-23",
        "ends_on": "",
        "audience": Audience.ALL,
        "school": "",
    }
    data.update(extra)
    return data


def test_staff_list_for_every_staff_role(agent_client, menu):
    response = agent_client.get(f"{BASE}/gestion/documents/")
    assert response.status_code == 200
    assert "Menu de décembre" in response.content.decode()
    assert "toutes les familles" in response.content.decode()


def test_publish_form_and_publication(agent_client, agent_a, menus, frozen):
    response = agent_client.get(f"{BASE}/gestion/documents/publier/")
    assert response.status_code == 200
    assert 'value="2026-11-23"' in response.content.decode()
    response = agent_client.post(f"{BASE}/gestion/documents/publier/", publish_data(menus))
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.created_by == agent_a and document.title == "Menu de janvier"
    assert AuditEntry.objects.filter(target_type="documents.document").exists()


def test_publish_refuses_bad_input_in_french(agent_client, menus, frozen):
    response = agent_client.post(
        f"{BASE}/gestion/documents/publier/",
        publish_data(
            menus,
            file=upload(content=b"<script>alert(1)</script>"),
            audience=Audience.SCHOOL,
            ends_on="2026-11-01",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "n&#x27;est pas un PDF" in html or "n'est pas un PDF" in html
    assert "Indiquez l&#x27;école concernée." in html or "Indiquez l'école concernée." in html
    assert "La fin de publication doit suivre" in html
    assert 'value="Menu de janvier"' in html
    assert not Document.objects.exists()


def test_publish_scopes_choices_to_municipality(agent_client, menus, category_b, frozen):
    response = agent_client.post(f"{BASE}/gestion/documents/publier/", publish_data(category_b))
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_withdraw(agent_client, menu):
    response = agent_client.post(f"{BASE}/gestion/documents/{menu.pk}/retirer/")
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert agent_client.get(f"{BASE}/gestion/documents/{menu.pk}/retirer/").status_code == 405


def test_staff_of_other_municipality_gets_404(agent_b, frozen, category_b):
    document_b = publish(category_b, "Menu de B")
    client = logged_in(agent_b)
    assert client.get(f"{BASE}/gestion/documents/").status_code == 404
    assert client.post(f"/ville-a/gestion/documents/{document_b.pk}/retirer/").status_code == 404


def test_agent_cannot_withdraw_a_document_of_another_municipality(agent_client, frozen, category_b):
    document_b = publish(category_b, "Menu de B")
    response = agent_client.post(f"{BASE}/gestion/documents/{document_b.pk}/retirer/")
    assert response.status_code == 404
    assert Document.objects.filter(pk=document_b.pk).exists()


def test_wrong_roles_get_403(alice_client, agent_client, municipality_a, menu):
    from ribambelle.accounts.models import Role
    from ribambelle.conftest import make_user

    reader = logged_in(make_user(municipality_a, "lecture@ville-a.fr", Role.READ_ONLY))
    listing = reader.get(f"{BASE}/gestion/documents/")
    assert listing.status_code == 200
    assert menu.title in listing.content.decode()
    assert reader.get(f"{BASE}/gestion/documents/publier/").status_code == 403
    assert reader.post(f"{BASE}/gestion/documents/{menu.pk}/retirer/").status_code == 403
    assert alice_client.get(f"{BASE}/gestion/documents/").status_code == 403
    assert agent_client.get(f"{BASE}/gestion/documents/categories/").status_code == 403


def test_categories_add_rename_delete(manager_client, menus, rules_category, frozen):
    url = f"{BASE}/gestion/documents/categories/"
    assert manager_client.get(url).status_code == 200
    assert manager_client.post(url, {"name": "Informations"}).status_code == 302
    assert manager_client.post(url, {"name": "menus"}).status_code == 400
    response = manager_client.post(f"{url}{menus.pk}/renommer/", {"name": "Règlements"})
    assert response.status_code == 400
    assert "Une catégorie porte déjà ce nom." in response.content.decode()
    manager_client.post(f"{url}{menus.pk}/renommer/", {"name": "Menus de la cantine"})
    menus.refresh_from_db()
    assert menus.name == "Menus de la cantine"
    publish(menus)
    manager_client.post(f"{url}{menus.pk}/supprimer/")
    manager_client.post(f"{url}{rules_category.pk}/supprimer/")
    names = set(Category.objects.values_list("name", flat=True))
    assert names == {"Menus de la cantine", "Informations"}


def test_categories_of_other_municipality_404(manager_client, category_b):
    url = f"{BASE}/gestion/documents/categories/{category_b.pk}/"
    assert manager_client.post(f"{url}renommer/", {"name": "X"}).status_code == 404
    assert manager_client.post(f"{url}supprimer/").status_code == 404


def test_publish_refuses_a_file_over_10_mb(agent_client, menus, frozen):
    too_big = upload(content=PDF + b"0" * (10 * 1024 * 1024))
    response = agent_client.post(
        f"{BASE}/gestion/documents/publier/", publish_data(menus, file=too_big)
    )
    assert response.status_code == 400
    assert "dépasse 10 Mo" in response.content.decode()
    assert not Document.objects.exists()


def test_staff_list_query_count_constant(agent_client, household_a, menus, canteen, frozen):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(f"{BASE}/gestion/documents/").status_code == 200
        return len(queries)

    publish(menus, audience=Audience.ACTIVITY, activity=canteen)
    few = measure()
    for number in range(6):
        document = publish(
            menus, f"Doc {number}", audience=Audience.DEPARTMENT, department=canteen.department
        )
        ReadReceipt.objects.create(document=document, household=household_a)
    assert measure() == few


def _family_document(household, name, **owner):
    return FamilyDocumentFactory(household=household, name=name, **{"child": None, **owner})


def _items(html: str, section_id: str) -> list[str]:
    (section,) = lxml.html.fromstring(html).xpath("//*[@id=$id]", id=section_id)
    return [" ".join(item.text_content().split()) for item in section.xpath(".//li")]


def test_family_documents_say_whom_they_are_for(alice_client, household_a, child_a, alice, bob):
    _family_document(household_a, "Carnet de Léa", child=child_a)
    _family_document(household_a, "Bulletin Alice", guardian=household_a.guardians.get(user=alice))
    _family_document(household_a, "Bulletin Bob", guardian=household_a.guardians.get(user=bob))
    _family_document(household_a, "Attestation CAF")
    items = _items(alice_client.get(f"{BASE}/documents/").content.decode(), "documents-famille")
    by_name = {" ".join(item.split(" ", 2)[:2]): item for item in items}
    assert "Pour Léa Martin ·" in by_name["Carnet de"]
    assert "Pour Alice Martin (vous) ·" in by_name["Bulletin Alice"]
    assert (
        "Pour Bob Martin ·" in by_name["Bulletin Bob"] and "(vous)" not in by_name["Bulletin Bob"]
    )
    assert "Pour tout le foyer ·" in by_name["Attestation CAF"]


def test_only_unread_categories_show_a_badge(alice_client, household_a, menu, rules_category):
    publish(rules_category, "Règlement intérieur")
    alice_client.get(f"{BASE}/documents/fichier/{menu.pk}/")  # the menu is read
    doc = lxml.html.fromstring(alice_client.get(f"{BASE}/documents/").content.decode())
    menus_item = doc.xpath(f"//li[@id='categorie-{menu.category_id}']")[0]
    rules_item = doc.xpath(f"//li[@id='categorie-{rules_category.pk}']")[0]
    assert not menus_item.xpath(".//*[contains(@class, 'badge')]")
    assert " ".join(menus_item.text_content().split()) == "Menus (1 document)"
    # The count is words inside the link, not a coloured number.
    (badge,) = rules_item.xpath(".//a//*[contains(@class, 'badge')]")
    assert badge.text_content() == "1 document non lu"
    assert " ".join(rules_item.xpath(".//a")[0].text_content().split()) == (
        "Règlements 1 document non lu"
    )


def test_category_shows_twenty_documents_a_page_latest_first(
    alice_client, household_a, menus, frozen
):
    for number in range(23):
        publish(
            menus,
            f"Menu {number:02d}",
            published_on=MONDAY - datetime.timedelta(days=30 - number),
        )
    first = lxml.html.fromstring(alice_client.get(f"{BASE}/documents/{menus.pk}/").content)
    titles = [h.text_content().split()[1] for h in first.xpath("//li[@class='card']/h2")]
    assert titles == [f"{n:02d}" for n in range(22, 2, -1)]
    assert "Page 1 sur 2" in first.xpath("//nav[@class='pagination']")[0].text_content()
    older = first.xpath("//nav[@class='pagination']/a")
    assert [a.text_content() for a in older] == ["Page suivante →"]

    second = lxml.html.fromstring(
        alice_client.get(f"{BASE}/documents/{menus.pk}/" + older[0].get("href")).content
    )
    assert [h.text_content().split()[1] for h in second.xpath("//li[@class='card']/h2")] == [
        "02",
        "01",
        "00",
    ]
    # A page number out of range shows the last page, anything else the first.
    for page, count in (("99", 3), ("x", 20)):
        response = alice_client.get(f"{BASE}/documents/{menus.pk}/?page={page}")
        assert len(lxml.html.fromstring(response.content).xpath("//li[@class='card']")) == count
