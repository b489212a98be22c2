"""Staff configuration of bookings: activities, closures and settings. Each page works for the
staff allowed to see it, answers 404 to another municipality and 403 to the wrong role; bad input
says why in French, keeps what was typed and saves nothing; changes are in the audit log."""

import datetime

import pytest
from django.urls import reverse

from ribambelle.bookings.models import Activity, Booking, BookingSettings, Closure
from ribambelle.bookings.tests.conftest import make_activity
from ribambelle.bookings.tests.factories import BookingFactory, ClosureFactory
from ribambelle.conftest import logged_in
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child
from ribambelle.tenants.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def url(name, slug="ville-a", **kwargs):
    return reverse(f"bookings_config:{name}", kwargs={"municipality_slug": slug, **kwargs})


@pytest.fixture
def closure_a(municipality_a):
    return ClosureFactory(
        municipality=municipality_a,
        label="Vacances de Noël",
        starts_on=datetime.date(2026, 12, 19),
        ends_on=datetime.date(2027, 1, 3),
    )


@pytest.fixture
def closure_b(municipality_b):
    return ClosureFactory(
        municipality=municipality_b,
        label="Grève à B",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 1),
    )


def activity_data(department, **extra):
    data = {
        "department": department.pk,
        "name": "Accueil du mercredi",
        "unit": Activity.Unit.DAY,
        "weekdays": ["2"],
        "starts_on": "2026-09-02",
        "ends_on": "2027-07-03",
        "capacity": "24",
        "schools": "École Jules-Ferry\n\nÉcole Pasteur\n",
        "classes": "",
        "min_age": "3",
        "max_age": "11",
        "book_kind": "weekly",
        "book_days": "2",
        "book_weekday": "3",
        "book_time": "12:00",
        "cancel_kind": "days_before",
        "cancel_days": "3",
        "cancel_working_days": "on",
        "cancel_weekday": "1",
        "cancel_time": "18:00",
        "position": "1",
        "is_active": "on",
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def manager_pages(activity, closure):
    return [
        url("activity_add"),
        url("activity_edit", pk=activity.pk),
        url("closure_delete", pk=closure.pk),
        url("settings"),
    ]


def all_pages(activity, closure):
    return [url("activities"), url("closures"), *manager_pages(activity, closure)]


# Access


def test_manager_sees_every_page(manager_client, canteen, closure_a):
    shows = [
        canteen.name,
        closure_a.label,
        "Nouvelle activité",
        f'value="{canteen.name}"',
        f"Supprimer la fermeture « {closure_a.label} »",
        "Rappel avant la date limite",
    ]
    for page, text in zip(all_pages(canteen, closure_a), shows, strict=True):
        response = manager_client.get(page)
        assert response.status_code == 200, page
        assert text in response.content.decode(), page


def test_agents_and_readonly_staff_see_lists_only(
    agent_client, readonly_client, canteen, closure_a
):
    for client in (agent_client, readonly_client):
        for page, text in ((url("activities"), canteen.name), (url("closures"), closure_a.label)):
            response = client.get(page)
            assert response.status_code == 200, page
            assert text in response.content.decode(), page
        for page in manager_pages(canteen, closure_a):
            assert client.get(page).status_code == 403, page
            assert client.post(page, {}).status_code == 403, page
        response = client.post(
            url("closures"),
            {"label": "Grève", "starts_on": "2026-12-10", "ends_on": "2026-12-10"},
        )
        assert response.status_code == 403
    assert list(Closure.objects.all()) == [closure_a]
    html = agent_client.get(url("closures")).content.decode()
    assert "Ajouter une fermeture" not in html and "Supprimer" not in html


def test_parents_get_403(alice_client, canteen, closure_a):
    for page in all_pages(canteen, closure_a):
        assert alice_client.get(page).status_code == 403, page


def test_other_municipality_staff_get_404(agent_b, canteen, closure_a):
    client = logged_in(agent_b)
    for page in all_pages(canteen, closure_a):
        assert client.get(page).status_code == 404, page


def test_objects_of_another_municipality_are_404(manager_client, activity_b, closure_b):
    assert manager_client.get(url("activity_edit", pk=activity_b.pk)).status_code == 404
    response = manager_client.post(
        url("activity_edit", pk=activity_b.pk), activity_data(activity_b.department)
    )
    assert response.status_code == 404
    assert manager_client.get(url("closure_delete", pk=closure_b.pk)).status_code == 404
    assert manager_client.post(url("closure_delete", pk=closure_b.pk)).status_code == 404
    activity_b.refresh_from_db()
    assert activity_b.name == "Cantine de B"
    assert Closure.objects.filter(pk=closure_b.pk).exists()
    html = manager_client.get(url("activities")).content.decode()
    assert "Cantine de B" not in html
    assert "Grève à B" not in manager_client.get(url("closures")).content.decode()


def test_anonymous_goes_to_login(client, municipality_a):
    response = client.get(url("activities"))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_staff_menu_has_activities_and_calendar(agent_client, municipality_a):
    html = agent_client.get(url("activities")).content.decode()
    assert f'href="{url("activities")}" aria-current="page">Activités' in html
    assert f'href="{url("closures")}">Calendrier' in html


# Activities list


def test_activities_list_describes_each_activity(manager_client, agent_client, canteen):
    make_activity(
        canteen.municipality,
        canteen.department,
        "Accueil du mercredi",
        weekdays="2",
        capacity=24,
        book_kind="weekly",
        book_weekday=3,
        book_time=datetime.time(12, 0),
        cancel_days=3,
        cancel_working_days=True,
        cancel_time=datetime.time(18, 0),
        schools="École Jules-Ferry\nÉcole Pasteur",
        min_age=3,
        max_age=11,
        is_active=False,
    )
    html = manager_client.get(url("activities")).content.decode()
    assert "Restauration scolaire" in html
    assert "Lundi, mardi, jeudi, vendredi" in html
    assert "du 01/09/2026 au 03/07/2027" in html
    assert "sans limite" in html
    assert "2 jour(s) avant à 23:59" in html
    assert "Tous les enfants" in html
    assert "Ouverte aux réservations" in html
    assert "Mercredi" in html and ">24<" in html
    assert "Le jeudi de la semaine précédente à 12:00" in html
    assert "3 jour(s) ouvré(s) avant à 18:00" in html
    assert "Écoles : École Jules-Ferry, École Pasteur ; de 3 à 11 ans" in html
    assert "Fermée aux réservations" in html
    assert "Ajouter une activité" in html and "Modifier" in html
    agent_html = agent_client.get(url("activities")).content.decode()
    assert "Le jeudi de la semaine précédente à 12:00" in agent_html
    assert "Ajouter une activité" not in agent_html and "Modifier" not in agent_html


def test_enrolment_only_activity_counts_enrolled_children(manager_client, canteen, child_a):
    canteen.enrolment_only = True
    canteen.save()
    canteen.enrolled.add(child_a)
    html = manager_client.get(url("activities")).content.decode()
    assert "Sur inscription (1 enfant inscrit)" in html


# Activity form


def test_manager_adds_an_activity(manager_client, department_a, manager_a):
    response = manager_client.get(url("activity_add"))
    assert response.status_code == 200
    response = manager_client.post(url("activity_add"), activity_data(department_a))
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url('activities')}#activite-{activity.pk}"
    assert activity.municipality == department_a.municipality
    assert activity.weekdays == "2"
    assert activity.starts_on == datetime.date(2026, 9, 2)
    assert activity.capacity == 24
    assert activity.booking_rule.kind == "weekly" and activity.book_weekday == 3
    assert activity.book_time == datetime.time(12, 0)
    assert activity.cancel_working_days and activity.cancel_days == 3
    assert activity.cancel_time == datetime.time(18, 0)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.actor == manager_a
    assert entry.target_type == "bookings.activity" and entry.target_id == activity.pk
    assert entry.after["name"] == "Accueil du mercredi"
    assert entry.after["book_time"] == "12:00"
    assert entry.after["enrolled"] == []
    follow = manager_client.get(response["Location"]).content.decode()
    assert "L&#x27;activité « Accueil du mercredi » est enregistrée." in follow


def test_add_page_asks_for_a_department_first(manager_client, municipality_a):
    html = manager_client.get(url("activity_add")).content.decode()
    assert "Décrivez d'abord les services de la collectivité." in html
    assert '<form method="post" novalidate>' not in html


def test_weekdays_round_trip(manager_client, canteen):
    html = manager_client.get(url("activity_edit", pk=canteen.pk)).content.decode()
    for index in range(7):
        checked = f'value="{index}" id="id_weekdays_{index}" checked' in html
        assert checked == (str(index) in "0134"), index
    data = activity_data(canteen.department, weekdays=["4", "0", "2", "0"])
    assert manager_client.post(url("activity_edit", pk=canteen.pk), data).status_code == 302
    canteen.refresh_from_db()
    assert canteen.weekdays == "024"
    assert canteen.weekday_set == {0, 2, 4}
    html = manager_client.get(url("activity_edit", pk=canteen.pk)).content.decode()
    assert 'value="2" id="id_weekdays_2" checked' in html
    assert 'value="1" id="id_weekdays_1" checked' not in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"starts_on": "2027-07-03", "ends_on": "2026-09-02"},
            "ends_on",
            "Le dernier jour doit être le premier jour ou une date après.",
        ),
        ({"weekdays": None}, "weekdays", "Cochez au moins un jour de la semaine."),
        (
            {"min_age": "8", "max_age": "6"},
            "max_age",
            "L'âge maximum doit être au moins égal à l'âge minimum.",
        ),
        (
            {"starts_on": "2026-09-01", "ends_on": "2027-10-06"},
            "ends_on",
            "La période ne peut pas dépasser 400 jours : créez une activité par année scolaire.",
        ),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        ({"book_days": "61"}, "book_days", "Assurez-vous que cette valeur est inférieure"),
        ({"book_time": "25:00"}, "book_time", "Saisissez une heure valide."),
    ],
)
def test_invalid_activity_says_why_and_saves_nothing(
    manager_client, canteen, changes, field, message
):
    before = Activity.objects.values().get(pk=canteen.pk)
    data = activity_data(canteen.department, **{"name": "Nom tapé", **changes})
    response = manager_client.post(url("activity_edit", pk=canteen.pk), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(error.startswith(message) for error in form.errors[field]), form.errors
    assert not form.non_field_errors()
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert 'name="capacity" value="24"' in html  # what was typed is kept
    assert Activity.objects.values().get(pk=canteen.pk) == before
    assert not AuditEntry.objects.exists()


def test_period_of_exactly_400_days_is_accepted(manager_client, department_a):
    data = activity_data(department_a, starts_on="2026-09-01", ends_on="2027-10-05")
    assert manager_client.post(url("activity_add"), data).status_code == 302


def test_department_and_children_of_another_municipality_are_refused(
    manager_client, department_a, activity_b, household_b, child_a
):
    other_child = Child.objects.get(household=household_b)
    response = manager_client.post(
        url("activity_add"), activity_data(activity_b.department, name="Intrusion")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["department"] == [
        "Choisissez un service de votre collectivité."
    ]
    response = manager_client.post(
        url("activity_add"),
        activity_data(department_a, enrolment_only="on", enrolled=[child_a.pk, other_child.pk]),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["enrolled"] == [
        "Choisissez des enfants de votre collectivité."
    ]
    html = response.content.decode()
    assert str(other_child.first_name) not in html
    assert f'value="{child_a.pk}" selected' in html  # the valid choice is kept
    assert not Activity.objects.filter(name="Intrusion").exists()
    assert Activity.objects.filter(municipality=department_a.municipality).count() == 0


def test_enrolled_children_are_used_only_for_enrolment_only_activities(
    manager_client, canteen, child_a, dave
):
    tom = Child.objects.get(first_name="Tom")
    page = url("activity_edit", pk=canteen.pk)
    html = manager_client.get(page).content.decode()
    assert "MARTIN Léa (CE1, École Jules-Ferry)" in html and "PETIT Tom" in html
    data = activity_data(
        canteen.department, name=canteen.name, enrolment_only="on", enrolled=[child_a.pk]
    )
    manager_client.post(page, data)
    assert list(canteen.enrolled.all()) == [child_a]
    # Unticked: the posted list is ignored and the stored one kept as it was.
    data = activity_data(canteen.department, name=canteen.name, enrolled=[tom.pk])
    manager_client.post(page, data)
    canteen.refresh_from_db()
    assert not canteen.enrolment_only
    assert list(canteen.enrolled.all()) == [child_a]
    manager_client.post(url("activity_add"), activity_data(canteen.department, enrolled=[tom.pk]))
    assert not Activity.objects.get(name="Accueil du mercredi").enrolled.exists()


def test_changing_a_rule_keeps_bookings_and_logs_the_change(
    manager_client, canteen, child_a, manager_a
):
    booking = BookingFactory(child=child_a, activity=canteen, date=datetime.date(2026, 11, 26))
    data = activity_data(
        canteen.department,
        name=canteen.name,
        unit=canteen.unit,
        weekdays=list(canteen.weekdays),
        starts_on="2026-09-01",
        capacity="",
        schools="",
        min_age="",
        max_age="",
        book_kind="days_before",
        book_days="5",
        book_time="10:00",
        cancel_days="2",
        cancel_working_days=None,
        cancel_time="23:59",
        position="0",
    )
    response = manager_client.post(url("activity_edit", pk=canteen.pk), data)
    assert response.status_code == 302
    canteen.refresh_from_db()
    assert canteen.book_days == 5 and canteen.book_time == datetime.time(10, 0)
    assert Booking.objects.get() == booking
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.UPDATE and entry.actor == manager_a
    assert entry.before == {"book_days": 2, "book_time": "23:59", "book_weekday": 1}
    assert entry.after == {"book_days": 5, "book_time": "10:00", "book_weekday": 3}
    manager_client.post(url("activity_edit", pk=canteen.pk), data)
    assert AuditEntry.objects.count() == 1  # nothing changed, nothing logged


# Closures


def test_closures_page_lists_upcoming_then_past_and_public_holidays(
    frozen, agent_client, closure_a, department_a
):
    ClosureFactory(
        municipality=closure_a.municipality,
        department=department_a,
        label="Grève de la restauration",
        starts_on=datetime.date(2026, 10, 6),
        ends_on=datetime.date(2026, 10, 6),
    )
    response = agent_client.get(url("closures"))
    html = response.content.decode()
    assert [c.label for c in response.context["upcoming"]] == ["Vacances de Noël"]
    assert [c.label for c in response.context["past"]] == ["Grève de la restauration"]
    assert "du 19/12/2026 au 03/01/2027" in html and "Tous les services" in html
    assert '<details class="fold">' in html and "1 fermeture passée" in html
    assert "le 06/10/2026" in html and "Restauration scolaire" in html
    assert html.index("Vacances de Noël") < html.index("Grève de la restauration")
    assert "fermés automatiquement" in html
    assert "Année scolaire 2026-2027" in html and "Année scolaire 2027-2028" in html
    assert "Mercredi 11 novembre 2026 : Armistice" in html
    assert "Dimanche 1er novembre 2026 : Toussaint" in html
    assert "Lundi 29 mars 2027 : Lundi de Pâques" in html
    assert "Lundi 17 avril 2028 : Lundi de Pâques" in html
    assert "2026-2027" in html and "Jeudi 14 juillet 2022" not in html


def test_manager_adds_a_closure(frozen, manager_client, department_a, manager_a):
    page = url("closures")
    assert "Ajouter une fermeture" in manager_client.get(page).content.decode()
    response = manager_client.post(
        page,
        {"label": "Grève", "department": "", "starts_on": "2026-12-10", "ends_on": "2026-12-10"},
    )
    assert response.status_code == 302 and response["Location"] == page
    closure = Closure.objects.get()
    assert closure.municipality == department_a.municipality and closure.department is None
    assert closure.starts_on == closure.ends_on == datetime.date(2026, 12, 10)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == manager_a
    assert entry.target_type == "bookings.closure"
    assert entry.after == {
        "label": "Grève",
        "department": None,
        "starts_on": "2026-12-10",
        "ends_on": "2026-12-10",
    }
    manager_client.post(
        page,
        {
            "label": "Formation",
            "department": department_a.pk,
            "starts_on": "2027-01-04",
            "ends_on": "2027-01-05",
        },
    )
    assert Closure.objects.get(label="Formation").department == department_a


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"label": "Grève", "starts_on": "2026-12-10", "ends_on": "2026-12-09"},
            "ends_on",
            "Le dernier jour doit être le premier jour ou une date après.",
        ),
        (
            {"label": "", "starts_on": "2026-12-10", "ends_on": "2026-12-10"},
            "label",
            "Ce champ est obligatoire.",
        ),
        (
            {"label": "Grève", "starts_on": "10 décembre", "ends_on": "2026-12-10"},
            "starts_on",
            "Saisissez une date valide.",
        ),
    ],
)
def test_invalid_closure_says_why_and_saves_nothing(
    frozen, manager_client, municipality_a, data, field, message
):
    response = manager_client.post(url("closures"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert f'value="{data["label"]}"' in html if data["label"] else True
    assert not Closure.objects.exists() and not AuditEntry.objects.exists()


def test_closure_for_another_municipality_department_is_refused(
    manager_client, municipality_a, activity_b
):
    response = manager_client.post(
        url("closures"),
        {
            "label": "Grève",
            "department": activity_b.department_id,
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-10",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["department"] == [
        "Choisissez un service de votre collectivité."
    ]
    assert not Closure.objects.exists()


def test_manager_deletes_a_closure_after_confirming(manager_client, closure_a, manager_a):
    page = url("closure_delete", pk=closure_a.pk)
    html = manager_client.get(page).content.decode()
    assert "Supprimer la fermeture « Vacances de Noël », du 19/12/2026 au 03/01/2027 ?" in html
    assert "Les familles pourront de nouveau réserver ces jours" in html
    assert Closure.objects.exists()
    response = manager_client.post(page)
    assert response.status_code == 302 and response["Location"] == url("closures")
    assert not Closure.objects.exists()
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.DELETE and entry.actor == manager_a
    assert entry.target_label == "Vacances de Noël"
    assert entry.before["starts_on"] == "2026-12-19"


# Settings


def test_manager_changes_booking_settings(manager_client, municipality_a, manager_a):
    page = url("settings")
    assert manager_client.get(page).status_code == 200
    response = manager_client.post(page, {"reminders_enabled": "on", "reminder_hours": "24"})
    assert response.status_code == 302 and response["Location"] == page
    current = BookingSettings.objects.get(municipality=municipality_a)
    assert current.reminders_enabled and current.reminder_hours == 24
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.after == {"reminders_enabled": True, "reminder_hours": 24}


def test_invalid_booking_settings_say_why(manager_client, municipality_a):
    response = manager_client.post(
        url("settings"), {"reminders_enabled": "on", "reminder_hours": "0"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["reminder_hours"]
    assert errors == ["Assurez-vous que cette valeur est supérieure ou égale à 1."]
    assert 'name="reminder_hours" value="0"' in response.content.decode()
    current = BookingSettings.objects.get(municipality=municipality_a)
    assert not current.reminders_enabled and current.reminder_hours == 48


def test_departments_are_those_of_the_municipality(manager_client, department_a, activity_b):
    DepartmentFactory(municipality=department_a.municipality, name="Périscolaire")
    html = manager_client.get(url("activity_add")).content.decode()
    assert "Périscolaire" in html and "Restauration scolaire" in html
    assert "Cantine B" not in html
