"""Every field of every record category, on the families' and the staff's side: the control it
gets (a yes/no question is never a text box), and a round trip (submitted value -> stored value
-> control showing it again -> the value as read on the record page and by read-only staff).

The table is written by hand, independently of the form builder: a field added to a category
fails `test_the_table_covers_every_field` until someone decides here how it must behave."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import lxml.html
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from ribambelle.accounts.models import Role
from ribambelle.conftest import logged_in, make_user
from ribambelle.core.models import AuditEntry
from ribambelle.families.categories import CATEGORIES, QUOTIENT, Category
from ribambelle.families.forms import category_form_class
from ribambelle.families.models import (
    Child,
    Consent,
    FamilySettings,
    Guardian,
    Household,
    PendingChange,
)
from ribambelle.families.services.staff import change_accept

pytestmark = pytest.mark.django_db

YES_NO = (("true", "Oui"), ("false", "Non"))
YES_NO_UNKNOWN = (("", "Non renseigné"), *YES_NO)


@dataclass(frozen=True)
class Control:
    kind: str  # "text", "tel", "email", "date", "decimal", "textarea" or "radio"
    options: tuple = ()  # radio buttons: (value, label) in order


TEXT, TEL, EMAIL, DATE = Control("text"), Control("tel"), Control("email"), Control("date")
TEXTAREA, DECIMAL = Control("textarea"), Control("decimal")


@dataclass(frozen=True)
class Step:
    posted: str  # what the browser sends
    stored: object  # what the record holds afterwards
    shown: str  # what the record page says


@dataclass(frozen=True)
class Case:
    control: Control
    steps: tuple[Step, Step]  # two saves in a row: each value differs from the one before


def text(first: str, second: str = "") -> Case:
    return Case(TEXT, (Step(first, first, first), Step(second, second, second or NOT_SET)))


NOT_SET = "non renseigné"

TABLE: dict[tuple[str, str], Case] = {
    ("household.address", "address"): text("12 rue de la Paix"),
    ("household.address", "postal_code"): text("69001"),
    ("household.address", "city"): text("Lyon"),
    ("guardian.civil", "civility"): Case(
        Control("radio", (("", "Non renseigné"), ("mme", "Madame"), ("m", "Monsieur"))),
        (Step("m", "m", "Monsieur"), Step("", "", NOT_SET)),
    ),
    ("guardian.civil", "last_name"): text("Durand", "Durand-Martin"),
    ("guardian.civil", "first_name"): text("Alicia", "Alice"),
    ("guardian.civil", "birth_date"): Case(
        DATE,
        (
            Step("1985-07-02", datetime.date(1985, 7, 2), "02/07/1985"),
            Step("", None, NOT_SET),
        ),
    ),
    ("guardian.civil", "birth_place"): text("Nantes"),
    ("guardian.contact", "email"): Case(
        EMAIL,
        (
            Step("alicia@example.org", "alicia@example.org", "alicia@example.org"),
            Step("", "", NOT_SET),
        ),
    ),
    ("guardian.contact", "mobile_phone"): Case(
        TEL, (Step("06 12 34 56 78", "06 12 34 56 78", "06 12 34 56 78"), Step("", "", NOT_SET))
    ),
    ("guardian.contact", "other_phone"): Case(
        TEL, (Step("01 23 45 67 89", "01 23 45 67 89", "01 23 45 67 89"), Step("", "", NOT_SET))
    ),
    ("guardian.contact", "address"): text("3 place du Marché"),
    ("guardian.situation", "profession"): text("Infirmière"),
    ("guardian.situation", "employer"): text("Hôpital Nord"),
    ("guardian.situation", "work_phone"): Case(
        TEL,
        (
            Step("+33 4 72 00 00 00", "+33 4 72 00 00 00", "+33 4 72 00 00 00"),
            Step("", "", NOT_SET),
        ),
    ),
    ("child.identity", "first_name"): text("Léna", "Léa"),
    ("child.identity", "last_name"): text("Durand", "Martin"),
    ("child.identity", "sex"): Case(
        Control("radio", (("", "Non renseigné"), ("f", "Fille"), ("m", "Garçon"))),
        (Step("m", "m", "Garçon"), Step("", "", NOT_SET)),
    ),
    ("child.identity", "birth_date"): Case(
        DATE,
        (
            Step("2019-05-04", datetime.date(2019, 5, 4), "04/05/2019"),
            Step("2018-03-14", datetime.date(2018, 3, 14), "14/03/2018"),
        ),
    ),
    ("child.identity", "birth_city"): text("Villeurbanne"),
    ("child.school", "school"): text("École Condorcet"),
    ("child.school", "school_class"): text("CM1"),
    ("child.medical", "allergies"): Case(
        TEXTAREA,
        (Step("Arachide, kiwi", "Arachide, kiwi", "Arachide, kiwi"), Step("", "", NOT_SET)),
    ),
    ("child.medical", "diet"): Case(
        Control(
            "radio",
            (
                ("standard", "repas standard"),
                ("no_meat", "repas sans viande"),
                ("medical", "régime médical (voir PAI)"),
            ),
        ),
        (
            Step("medical", "medical", "régime médical (voir PAI)"),
            Step("no_meat", "no_meat", "repas sans viande"),
        ),
    ),
    # The PAI was a text box showing True/False, where "non" saved yes.
    ("child.medical", "has_pai"): Case(
        Control("radio", YES_NO), (Step("true", True, "oui"), Step("false", False, "non"))
    ),
    ("child.medical", "doctor_name"): text("Dr Roux"),
    ("child.medical", "doctor_phone"): Case(
        TEL, (Step("04 78 00 00 00", "04 78 00 00 00", "04 78 00 00 00"), Step("", "", NOT_SET))
    ),
    ("child.medical", "vaccinations_up_to_date"): Case(
        Control("radio", YES_NO_UNKNOWN), (Step("false", False, "non"), Step("", None, NOT_SET))
    ),
    ("child.insurance", "insurer"): text("MAIF"),
    ("child.insurance", "insurance_policy"): text("A-123"),
    ("child.insurance", "insurance_valid_until"): Case(
        DATE,
        (
            Step("2027-08-31", datetime.date(2027, 8, 31), "31/08/2027"),
            Step("", None, NOT_SET),
        ),
    ),
    ("household.quotient", "quotient"): Case(
        DECIMAL,
        (
            Step("812,50", Decimal("812.50"), "812,50"),
            Step("", None, NOT_SET),
        ),
    ),
    ("household.quotient", "quotient_date"): Case(
        DATE,
        (Step("2026-01-15", datetime.date(2026, 1, 15), "15/01/2026"), Step("", None, NOT_SET)),
    ),
    ("household.quotient", "quotient_source"): Case(
        Control(
            "radio",
            (
                ("", "Non renseigné"),
                ("declared", "déclaré par la famille"),
                ("staff", "saisi par la mairie"),
                ("caf", "CAF"),
            ),
        ),
        (Step("caf", "caf", "CAF"), Step("", "", NOT_SET)),
    ),
}
# Values a text box would have taken for yes, and which a yes/no question must refuse.
NOT_YES_OR_NO = ["non", "oui", "True", "False", "1", "on"]

FAMILY_CATEGORIES = list(CATEGORIES.values())
STAFF_CATEGORIES = [*CATEGORIES.values(), QUOTIENT]
MODELS = {"household": Household, "guardian": Guardian, "child": Child}


def test_a_field_kind_without_a_control_is_an_error():
    with pytest.raises(ImproperlyConfigured):
        category_form_class(Consent, Category("x", "child", "x", ("position",)))


def test_the_table_covers_every_field():
    assert set(TABLE) == {
        (category.code, name) for category in STAFF_CATEGORIES for name in category.fields
    }


# Reading the rendered pages


@dataclass(frozen=True)
class Rendered:
    control: Control
    value: str | None  # the value the control holds, or the checked radio button's


def _label_of(doc, element) -> str:
    labels = doc.xpath("//label[@for=$id]", id=element.get("id"))
    assert len(labels) == 1, f"{element.get('name')}: {len(labels)} labels"
    return labels[0].text_content().strip()


def form_controls(html: str) -> dict[str, Rendered]:
    doc = lxml.html.fromstring(html)
    (form,) = doc.xpath("//div[contains(@class, 'category--editing')]//form")
    controls: dict[str, Rendered] = {}
    for name in dict.fromkeys(form.xpath(".//*[@name]/@name")):
        if name == "csrfmiddlewaretoken":
            continue
        elements = form.xpath(".//*[@name=$name]", name=name)
        first = elements[0]
        if first.tag == "textarea":
            # A newline right after <textarea> is not part of the value (HTML parsing rules).
            controls[name] = Rendered(TEXTAREA, (first.text or "").removeprefix("\n"))
            _label_of(doc, first)
            continue
        assert first.tag == "input", f"{name}: <{first.tag}>"
        kind = first.get("type", "text")
        if kind == "radio":
            assert all(element.get("type") == "radio" for element in elements)
            # A group under a legend, each button with its own label.
            fieldset = first.xpath("ancestor::fieldset[1]")
            assert fieldset and fieldset[0].xpath("./legend"), f"{name}: no fieldset/legend"
            options = tuple((element.get("value"), _label_of(doc, element)) for element in elements)
            checked = [
                element.get("value") for element in elements if element.get("checked") is not None
            ]
            assert len(checked) <= 1
            controls[name] = Rendered(Control("radio", options), checked[0] if checked else None)
            continue
        assert len(elements) == 1, name
        _label_of(doc, first)
        if kind == "text" and first.get("inputmode") == "decimal":
            kind = "decimal"
        controls[name] = Rendered(Control(kind), first.get("value", ""))
    return controls


def shown_values(html: str, block_id: str) -> dict[str, str]:
    """The label -> value pairs of a category block as the page reads them."""
    doc = lxml.html.fromstring(html)
    (block,) = doc.xpath("//div[@id=$id]", id=block_id)
    terms = block.xpath(".//dl/dt")
    return {
        term.text_content().strip(): " ".join(term.getnext().text_content().split())
        for term in terms
    }


# The two sides


@dataclass
class Side:
    name: str
    client: object
    edit: str  # URL name of the edit view
    categories: list


def _obj(target: str, household, child, alice):
    if target == "household":
        return household
    if target == "guardian":
        return household.guardians.get(user=alice)
    return child


def _edit_url(side: Side, target: str, pk: int, code: str) -> str:
    return reverse(
        side.edit,
        kwargs={"municipality_slug": "ville-a", "target": target, "pk": pk, "category": code},
    )


def _record_page(side: Side, target: str, obj, household) -> str:
    kwargs = {"municipality_slug": "ville-a"}
    if side.name == "staff":
        return reverse("families_staff:household", kwargs={**kwargs, "pk": household.pk})
    if target == "child":
        return reverse("families:child", kwargs={**kwargs, "pk": obj.pk})
    return reverse("families:household", kwargs=kwargs)


@pytest.fixture(params=["family", "staff"])
def side(request, alice, agent_a):
    if request.param == "family":
        return Side("family", logged_in(alice), "families:edit", FAMILY_CATEGORIES)
    return Side("staff", logged_in(agent_a), "families_staff:edit", STAFF_CATEGORIES)


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def test_every_field_gets_its_control_and_round_trips(side, household_a, child_a, alice):
    readonly = logged_in(make_user(household_a.municipality, "lecture@ville-a.fr", Role.READ_ONLY))
    for category in side.categories:
        obj = _obj(category.target, household_a, child_a, alice)
        model = MODELS[category.target]
        edit = _edit_url(side, category.target, obj.pk, category.code)
        block_id = f"{category.target}-{obj.pk}-{category.code.replace('.', '-')}"
        controls = form_controls(side.client.get(edit).content.decode())
        assert set(controls) == set(category.fields), category.code
        for name in category.fields:
            assert controls[name].control == TABLE[category.code, name].control, (
                side.name,
                category.code,
                name,
            )
        for step_index in (0, 1):
            data = {
                name: TABLE[category.code, name].steps[step_index].posted
                for name in category.fields
            }
            response = side.client.post(edit, data)
            assert response.status_code == 302, (side.name, category.code, data, response.content)
            obj.refresh_from_db()
            for name in category.fields:
                step = TABLE[category.code, name].steps[step_index]
                where = (side.name, category.code, name, step_index)
                assert getattr(obj, name) == step.stored, where
            controls = form_controls(side.client.get(edit).content.decode())
            for name in category.fields:
                step = TABLE[category.code, name].steps[step_index]
                where = (side.name, category.code, name, step_index)
                assert controls[name].value == step.posted, where
            page = side.client.get(_record_page(side, category.target, obj, household_a))
            shown = shown_values(page.content.decode(), block_id)
            pages = [shown]
            if side.name == "staff":
                html = readonly.get(_record_page(side, category.target, obj, household_a))
                pages.append(shown_values(html.content.decode(), block_id))
            for values in pages:
                for name in category.fields:
                    step = TABLE[category.code, name].steps[step_index]
                    label = _field_label(model, name)
                    assert values[label[0].upper() + label[1:]] == step.shown, (
                        side.name,
                        category.code,
                        name,
                        step_index,
                    )


@pytest.mark.parametrize("posted", NOT_YES_OR_NO)
def test_a_yes_no_question_refuses_anything_but_yes_or_no(side, child_a, posted):
    edit = _edit_url(side, "child", child_a.pk, "child.medical")
    data = {
        "allergies": "",
        "diet": "standard",
        "has_pai": posted,
        "doctor_name": "",
        "doctor_phone": "",
        "vaccinations_up_to_date": posted,
    }
    response = side.client.post(edit, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("Répondez par oui ou par non.") >= 2
    child_a.refresh_from_db()
    assert child_a.has_pai is False and child_a.vaccinations_up_to_date is None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_a_pai_answer_is_required(side, child_a):
    edit = _edit_url(side, "child", child_a.pk, "child.medical")
    response = side.client.post(edit, {"allergies": "Kiwi", "diet": "standard"})
    assert response.status_code == 400
    assert "Répondez par oui ou par non." in response.content.decode()
    child_a.refresh_from_db()
    assert child_a.allergies == ""


def test_pai_under_validation_reads_oui_then_applies(alice, agent_a, child_a, municipality_a):
    FamilySettings.objects.create(
        municipality=municipality_a, validated_categories=["child.medical"]
    )
    client = logged_in(alice)
    edit = reverse(
        "families:edit",
        kwargs={
            "municipality_slug": "ville-a",
            "target": "child",
            "pk": child_a.pk,
            "category": "child.medical",
        },
    )
    data = {"allergies": "", "diet": "medical", "has_pai": "true", "vaccinations_up_to_date": ""}
    assert client.post(edit, data).status_code == 302
    change = PendingChange.objects.get()
    assert change.after == {"diet": "medical", "has_pai": True}
    page = client.get(
        reverse("families:child", kwargs={"municipality_slug": "ville-a", "pk": child_a.pk})
    )
    shown = shown_values(page.content.decode(), f"child-{child_a.pk}-child-medical")
    assert shown["Projet d'accueil individualisé (PAI)"] == "non demandé : oui"
    change_accept(actor=agent_a, change=change, message="")
    child_a.refresh_from_db()
    assert child_a.has_pai is True
