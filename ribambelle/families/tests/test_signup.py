"""Sign-up of a new family from the login page: a pending household with accounts that have no
password, the same answer for an e-mail that already has an account (and nothing created),
a limit per address, 404 when the municipality turned it off, input kept on errors, and the
household in the municipality of the URL."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ribambelle.accounts.models import ThrottleEvent, User
from ribambelle.conftest import PASSWORD, logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, FamilySettings, Guardian, Household
from ribambelle.families.services.signup import SIGNUP_LIMIT_PER_IP

pytestmark = pytest.mark.django_db

SENT = "Votre demande est envoyée ; la mairie la vérifie."


def url(name, slug="ville-a"):
    return reverse(name, kwargs={"municipality_slug": slug})


def form_data(**overrides) -> dict:
    data = {
        "parent1-civility": "mme",
        "parent1-last_name": "Nguyen",
        "parent1-first_name": "An",
        "parent1-email": "An.Nguyen@Example.org",
        "parent1-mobile_phone": "06 12 34 56 78",
        "parent2-civility": "",
        "parent2-last_name": "",
        "parent2-first_name": "",
        "parent2-email": "",
        "parent2-mobile_phone": "",
        "foyer-address": "3 rue des Lilas",
        "foyer-postal_code": "75001",
        "foyer-city": "Ville A",
        "enfant-TOTAL_FORMS": "3",
        "enfant-INITIAL_FORMS": "0",
        "enfant-MIN_NUM_FORMS": "0",
        "enfant-MAX_NUM_FORMS": "10",
        "enfant-0-first_name": "Linh",
        "enfant-0-last_name": "Nguyen",
        "enfant-0-birth_date": "2018-09-01",
        "enfant-0-sex": "f",
        "enfant-0-school": "École Jules-Ferry",
        "enfant-0-school_class": "CE1",
    }
    data.update(overrides)
    return data


SECOND = {
    "parent2-civility": "m",
    "parent2-last_name": "Nguyen",
    "parent2-first_name": "Bao",
    "parent2-email": "bao.nguyen@example.org",
    "parent2-mobile_phone": "07 11 22 33 44",
    "enfant-1-first_name": "Minh",
    "enfant-1-last_name": "Nguyen",
    "enfant-1-birth_date": "2021-02-03",
    "enfant-1-sex": "m",
}


def post(data, slug="ville-a", ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(url("families:signup", slug), data)


def test_login_page_links_to_signup(municipality_a):
    html = Client().get(url("accounts:login")).content.decode()
    assert "Nouvelle famille ? Créer mon compte" in html
    assert url("families:signup") in html


def test_signup_page_works(municipality_a):
    response = Client().get(url("families:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="parent1-email"' in html and 'name="enfant-2-first_name"' in html
    assert "enfant-__prefix__-first_name" in html  # the "Ajouter un enfant" template
    assert "<script>" not in html  # CSP: no inline script


def test_signup_creates_a_pending_household_with_accounts_without_password(municipality_a):
    response = post(form_data(**SECOND))

    assert response.status_code == 302
    assert response.url == url("families:signup_sent")
    household = Household.objects.get(name="Foyer Nguyen")
    assert household.municipality == municipality_a
    assert household.status == Household.Status.PENDING
    assert (household.address, household.postal_code, household.city) == (
        "3 rue des Lilas",
        "75001",
        "Ville A",
    )
    guardians = list(household.guardians.order_by("pk"))
    assert [(g.first_name, g.email, g.civility) for g in guardians] == [
        ("An", "an.nguyen@example.org", "mme"),
        ("Bao", "bao.nguyen@example.org", "m"),
    ]
    assert household.paying_guardian == guardians[0]
    for guardian in guardians:
        assert guardian.user.municipality == municipality_a
        assert guardian.user.role == "parent"
        assert guardian.user.email == guardian.email
        assert not guardian.user.has_usable_password()
    children = list(household.children.order_by("birth_date"))
    assert [(c.first_name, c.sex, c.school_class) for c in children] == [
        ("Linh", "f", "CE1"),
        ("Minh", "m", ""),
    ]
    assert all(child.municipality == municipality_a for child in children)
    # Audited: the household, each guardian and each child, by nobody signed in.
    entries = AuditEntry.objects.filter(household_id=household.pk)
    assert entries.count() == 5
    assert set(entries.values_list("action", flat=True)) == {AuditEntry.Action.CREATE}
    assert not entries.filter(actor__isnull=False).exists()
    # Nothing is sent before staff validate.
    assert mail.outbox == []
    page = Client().get(response.url).content.decode()
    assert SENT in page


def test_signup_accounts_cannot_log_in_until_validated(municipality_a):
    post(form_data())
    response = Client().post(
        url("accounts:login"), {"email": "an.nguyen@example.org", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in Client().session
    # Nor create a password through "Première connexion": no e-mail until validated.
    mail.outbox.clear()
    Client().post(url("accounts:password_link_request"), {"email": "an.nguyen@example.org"})
    assert mail.outbox == []


def test_accepted_signup_gets_the_first_connection_email(municipality_a, manager_a):
    from ribambelle.families.services.staff import signup_accept

    post(form_data())
    mail.outbox.clear()
    signup_accept(actor=manager_a, household=Household.objects.get(name="Foyer Nguyen"))
    assert User.objects.get(email="an.nguyen@example.org").is_active
    assert [message.to for message in mail.outbox] == [["an.nguyen@example.org"]]


def test_existing_email_gets_the_same_answer_and_nothing_is_created(alice):
    before = (Household.objects.count(), Guardian.objects.count(), User.objects.count())
    new = post(form_data(**{"parent1-email": "an@example.org"}), ip="10.0.0.2")
    Household.objects.filter(name="Foyer Nguyen").delete()
    User.objects.filter(email="an@example.org").delete()
    mail.outbox.clear()

    existing = post(form_data(**{"parent1-email": "ALICE@example.org"}), ip="10.0.0.3")

    assert (existing.status_code, existing.url) == (new.status_code, new.url)
    assert (Household.objects.count(), Guardian.objects.count(), User.objects.count()) == before
    assert not Child.objects.filter(first_name="Linh").exists()
    # The account that exists gets the usual e-mail to (re)create its password.
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "mot de passe" in mail.outbox[0].subject


def test_existing_email_of_the_second_guardian_creates_nothing(bob):
    response = post(form_data(**{**SECOND, "parent2-email": "bob@example.org"}))
    assert response.status_code == 302
    assert not Household.objects.filter(name="Foyer Nguyen").exists()
    assert not User.objects.filter(email="an.nguyen@example.org").exists()


def test_same_email_in_another_municipality_is_a_new_account(municipality_a, charlie):
    response = post(form_data(**{"parent1-email": "charlie@example.org"}))
    assert response.status_code == 302
    household = Household.objects.get(name="Foyer Nguyen")
    assert household.municipality == municipality_a
    assert household.guardians.get().user != charlie


def test_signup_is_throttled_per_address(municipality_a):
    for number in range(SIGNUP_LIMIT_PER_IP):
        response = post(form_data(**{"parent1-email": f"p{number}@example.org"}))
        assert response.status_code == 302
    response = post(form_data(**{"parent1-email": "late@example.org"}))

    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de demandes" in html
    assert 'value="late@example.org"' in html  # input kept
    assert not User.objects.filter(email="late@example.org").exists()
    assert Household.objects.count() == SIGNUP_LIMIT_PER_IP
    # Another address is not affected.
    assert post(form_data(**{"parent1-email": "x@example.org"}), ip="10.9.9.9").status_code == 302


def test_invalid_input_is_kept_with_french_messages(municipality_a):
    data = form_data(
        **{
            "parent1-email": "pas-une-adresse",
            "foyer-city": "",
            "enfant-0-birth_date": "2999-01-01",
            "parent2-first_name": "Bao",
        }
    )
    response = post(data)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="pas-une-adresse"' in html
    assert 'value="3 rue des Lilas"' in html
    assert 'value="Linh"' in html and 'value="Bao"' in html
    assert "Le formulaire contient des erreurs" in html
    assert "Saisissez une adresse de courriel valide" in html
    assert "ne peut pas être dans le futur" in html
    assert 'href="#id_foyer-city"' in html
    assert 'href="#id_parent2-email"' in html  # a started second guardian must be complete
    assert Household.objects.count() == 0 and User.objects.count() == 0
    assert ThrottleEvent.objects.count() == 0  # only valid requests count


def test_at_least_one_child_and_distinct_emails(municipality_a):
    data = form_data(
        **{
            **SECOND,
            "parent2-email": "AN.nguyen@example.org",
            "enfant-0-first_name": "",
            "enfant-0-last_name": "",
            "enfant-0-birth_date": "",
            "enfant-0-sex": "",
            "enfant-0-school": "",
            "enfant-0-school_class": "",
            "enfant-1-first_name": "",
            "enfant-1-last_name": "",
            "enfant-1-birth_date": "",
            "enfant-1-sex": "",
        }
    )
    response = post(data)
    assert response.status_code == 400
    assert "Indiquez au moins un enfant" in response.content.decode()

    data.update({key: value for key, value in SECOND.items() if key.startswith("enfant")})
    response = post(data)
    assert response.status_code == 400
    assert "Chaque parent a sa propre adresse e-mail" in response.content.decode()
    assert Household.objects.count() == 0


def test_more_children_than_the_three_slots(municipality_a):
    extra = {"enfant-TOTAL_FORMS": "5"}
    for index in range(5):
        extra |= {
            f"enfant-{index}-first_name": f"Enfant{index}",
            f"enfant-{index}-last_name": "Nguyen",
            f"enfant-{index}-birth_date": f"201{index}-01-01",
            f"enfant-{index}-sex": "m",
        }
    assert post(form_data(**extra)).status_code == 302
    assert Household.objects.get().children.count() == 5


def test_disabled_signup_answers_404_and_hides_the_link(municipality_a):
    FamilySettings.objects.create(municipality=municipality_a, signup_enabled=False)
    assert Client().get(url("families:signup")).status_code == 404
    assert Client().get(url("families:signup_sent")).status_code == 404
    assert post(form_data()).status_code == 404
    assert Household.objects.count() == 0
    html = Client().get(url("accounts:login")).content.decode()
    assert "Créer mon compte" not in html


def test_household_belongs_to_the_municipality_of_the_url(municipality_a, municipality_b):
    FamilySettings.objects.create(municipality=municipality_a, signup_enabled=False)
    response = post(form_data(), slug="ville-b")
    assert response.status_code == 302
    assert response.url == url("families:signup_sent", "ville-b")
    household = Household.objects.get()
    assert household.municipality == municipality_b
    assert {g.user.municipality_id for g in household.guardians.all()} == {municipality_b.pk}
    assert set(household.children.values_list("municipality", flat=True)) == {municipality_b.pk}
    assert not User.objects.filter(municipality=municipality_a).exists()


def test_unknown_municipality_answers_404(db):
    assert Client().get("/nulle-part/inscription/").status_code == 404


def test_signed_in_parent_is_sent_home(alice):
    response = logged_in(alice).get(url("families:signup"))
    assert response.status_code == 302
    assert response.url == url("portal:home")
