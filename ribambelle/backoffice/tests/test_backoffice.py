"""Staff pages: works for staff, 404 for another municipality, 403 for a parent or wrong role."""

import html

import pytest
from django.core import mail
from django.urls import reverse

from ribambelle.accounts.models import Role, User
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.tenants.models import Department

pytestmark = pytest.mark.django_db

PAGES = ["backoffice:home", "backoffice:departments", "backoffice:staff"]


@pytest.mark.parametrize("name", PAGES)
def test_staff_pages_work_for_each_staff_role(name, municipality_a, department_a):
    for role in (Role.MANAGER, Role.AGENT, Role.READ_ONLY):
        user = make_user(municipality_a, f"{role}@ville-a.fr", role)
        response = logged_in(user).get(reverse(name, args=[municipality_a.slug]))
        assert response.status_code == 200, role
        shows = {
            "backoffice:home": "Tableau de bord",
            "backoffice:departments": department_a.phone,
            "backoffice:staff": user.email,
        }
        assert shows[name] in response.content.decode(), role


@pytest.mark.parametrize(
    "name", [*PAGES, "backoffice:staff_invite", "backoffice:department_create"]
)
def test_staff_of_other_municipality_gets_404(name, municipality_a, agent_b, charlie):
    url = reverse(name, args=[municipality_a.slug])
    assert logged_in(agent_b).get(url).status_code == 404
    assert logged_in(charlie).get(url).status_code == 404


@pytest.mark.parametrize("name", [*PAGES, "backoffice:staff_invite"])
def test_parent_gets_403(name, alice_client, municipality_a):
    assert alice_client.get(reverse(name, args=[municipality_a.slug])).status_code == 403


def test_staff_get_403_on_family_pages(agent_client, municipality_a):
    assert agent_client.get(reverse("portal:home", args=[municipality_a.slug])).status_code == 403


def test_anonymous_is_sent_to_login(client, municipality_a):
    response = client.get(reverse("backoffice:home", args=[municipality_a.slug]))
    assert response.status_code == 302
    assert "/connexion/?next=" in response["Location"]


def test_home_counts_accounts(manager_client, municipality_a, alice, bob, charlie):
    html = manager_client.get(
        reverse("backoffice:home", args=[municipality_a.slug])
    ).content.decode()
    assert "Comptes parents" in html
    response = manager_client.get(reverse("backoffice:home", args=[municipality_a.slug]))
    assert response.context["counts"] == {"parents": 2, "parents_active": 0, "staff": 1}


class TestStaffInvite:
    def url(self, municipality):
        return reverse("backoffice:staff_invite", args=[municipality.slug])

    def test_manager_invites(self, manager_client, manager_a, municipality_a):
        response = manager_client.post(
            self.url(municipality_a),
            {
                "first_name": "Inès",
                "last_name": "Roux",
                "email": "ines@ville-a.fr",
                "role": Role.AGENT,
            },
        )
        assert response.status_code == 302
        user = User.objects.get(municipality=municipality_a, email="ines@ville-a.fr")
        assert user.role == Role.AGENT and not user.has_usable_password()
        assert mail.outbox[0].to == ["ines@ville-a.fr"]
        entry = AuditEntry.objects.get(action=AuditEntry.Action.INVITE, target_id=user.pk)
        assert (entry.actor, entry.after["role"]) == (manager_a, Role.AGENT)
        page = html.unescape(manager_client.get(response["Location"]).content.decode())
        assert "Le compte d'Inès Roux est créé" in page

    def test_duplicate_refused_and_input_kept(self, manager_client, municipality_a, agent_a):
        response = manager_client.post(
            self.url(municipality_a),
            {
                "first_name": "X",
                "last_name": "Y",
                "email": agent_a.email.upper(),
                "role": Role.AGENT,
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "existe déjà" in html and 'value="X"' in html
        assert User.objects.filter(municipality=municipality_a).count() == 2

    def test_agent_gets_403(self, agent_client, municipality_a):
        response = agent_client.post(
            self.url(municipality_a),
            {"first_name": "A", "last_name": "B", "email": "x@ville-a.fr", "role": Role.MANAGER},
        )
        assert response.status_code == 403
        assert not User.objects.filter(email="x@ville-a.fr").exists()


class TestDepartments:
    def test_manager_creates_and_edits(self, manager_client, municipality_a):
        url = reverse("backoffice:department_create", args=[municipality_a.slug])
        response = manager_client.post(
            url, {"name": "Accueil périscolaire", "email": "peri@ville-a.fr"}
        )
        assert response.status_code == 302
        department = Department.objects.get(municipality=municipality_a)
        edit = reverse("backoffice:department_edit", args=[municipality_a.slug, department.pk])
        manager_client.post(edit, {"name": "Périscolaire", "phone": "01 00 00 00 00"})
        department.refresh_from_db()
        assert (department.name, department.phone) == ("Périscolaire", "01 00 00 00 00")

    def test_creation_and_changes_are_logged(self, manager_client, manager_a, municipality_a):
        url = reverse("backoffice:department_create", args=[municipality_a.slug])
        manager_client.post(url, {"name": "Accueil périscolaire", "email": "peri@ville-a.fr"})
        department = Department.objects.get(municipality=municipality_a)
        created = AuditEntry.objects.get()
        assert (created.action, created.actor, created.target_id) == (
            AuditEntry.Action.CREATE,
            manager_a,
            department.pk,
        )
        assert created.after["email"] == "peri@ville-a.fr"
        edit = reverse("backoffice:department_edit", args=[municipality_a.slug, department.pk])
        unchanged = {"name": "Accueil périscolaire", "email": "peri@ville-a.fr"}
        manager_client.post(edit, unchanged)
        assert AuditEntry.objects.count() == 1
        manager_client.post(edit, {**unchanged, "phone": "01 00 00 00 00"})
        updated = AuditEntry.objects.latest("pk")
        assert updated.action == AuditEntry.Action.UPDATE
        assert (updated.before, updated.after) == ({"phone": ""}, {"phone": "01 00 00 00 00"})

    def test_duplicate_name_refused(self, manager_client, municipality_a, department_a):
        url = reverse("backoffice:department_create", args=[municipality_a.slug])
        response = manager_client.post(url, {"name": department_a.name.upper(), "email": "bad"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Un service porte déjà ce nom" in html
        assert Department.objects.count() == 1

    def test_agent_reads_but_cannot_write(self, agent_client, municipality_a, department_a):
        edit = reverse("backoffice:department_edit", args=[municipality_a.slug, department_a.pk])
        page = agent_client.get(edit)
        assert page.status_code == 200 and "disabled" in page.content.decode()
        assert agent_client.post(edit, {"name": "Piraté"}).status_code == 403
        department_a.refresh_from_db()
        assert department_a.name == "Restauration scolaire"

    def test_other_municipality_department_is_404(
        self, municipality_b, municipality_a, department_a
    ):
        manager_b = make_user(municipality_b, "chef@ville-b.fr", Role.MANAGER)
        edit = reverse("backoffice:department_edit", args=[municipality_b.slug, department_a.pk])
        assert logged_in(manager_b).get(edit).status_code == 404
        assert logged_in(manager_b).post(edit, {"name": "X"}).status_code == 404

    def test_family_home_lists_departments(self, alice_client, municipality_a, department_a):
        html = alice_client.get(reverse("portal:home", args=[municipality_a.slug])).content.decode()
        assert "Restauration scolaire" in html and "01 02 03 04 05" in html


# The news text of the families' home page


def test_manager_sets_the_news_that_families_see(manager_client, alice_client, household_a):
    from ribambelle.core.models import AuditEntry

    url = "/ville-a/gestion/actualite/"
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(
        url, {"news": "Fermeture exceptionnelle le 11/12.\n<b>Merci</b>"}
    )
    assert response.status_code == 302
    home = alice_client.get("/ville-a/").content.decode()
    assert "Fermeture exceptionnelle le 11/12.<br>&lt;b&gt;Merci&lt;/b&gt;" in home
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.UPDATE, target_type="tenants.municipality"
    )
    assert entry.after["news"].startswith("Fermeture")
    # Too long: refused, typed text kept.
    response = manager_client.post(url, {"news": "x" * 2001})
    assert response.status_code == 400 and "x" * 2001 in response.content.decode()


def test_news_roles_and_tenants(agent_client, alice_client, agent_b, municipality_a):
    from ribambelle.conftest import logged_in

    url = "/ville-a/gestion/actualite/"
    page = agent_client.get(url)
    assert page.status_code == 200
    assert 'name="news"' in page.content.decode() and "Enregistrer" not in page.content.decode()
    assert agent_client.post(url, {"news": "Non"}).status_code == 403
    assert alice_client.get(url).status_code == 403
    assert logged_in(agent_b).get(url).status_code == 404
    municipality_a.refresh_from_db()
    assert municipality_a.news == ""
