"""A child's page draws its category blocks (category_html) and its consent radios
(choice_input) in Python: the markup is the one the templates draw, compared here with them for
blocks with and without a pending request, empty and multi-line values, text to escape; and the
consent answers shown are the child's own (consents_with_answers)."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ribambelle.families import presenters, selectors
from ribambelle.families.categories import CATEGORIES, categories_for
from ribambelle.families.category_html import folded_category
from ribambelle.families.forms import ConsentsForm
from ribambelle.families.models import ChildConsent, Consent, FamilySettings
from ribambelle.families.services.records import record_update
from ribambelle.families.templatetags.families import choice_input
from ribambelle.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def _blocks(household, records):
    pending = selectors.pending_changes_of(household)
    for target, obj in records:
        for category in categories_for(target):
            yield presenters.category_block(household.municipality, target, obj, category, pending)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_folded_category_is_the_include_markup(alice, household_a, child_a, language):
    FamilySettings.objects.create(
        municipality=household_a.municipality, validated_categories=["child.medical"]
    )
    child_a.allergies = "Arachide <b>& noix</b>\nLait"
    child_a.doctor_name = ""
    child_a.save()
    values = {name: getattr(child_a, name) for name in CATEGORIES["child.medical"].fields}
    outcome = record_update(
        actor=alice,
        target=child_a,
        category=CATEGORIES["child.medical"],
        values={**values, "diet": 'Sans porc <i>"strict"</i>', "doctor_name": "Dr O'Hara"},
    )
    assert not outcome.applied
    child_a.refresh_from_db()
    records = [
        ("child", child_a),
        ("household", household_a),
        ("guardian", household_a.guardians.get(user=alice)),
    ]
    with translation.override(language):
        blocks = list(_blocks(household_a, records))
        assert any(block["pending"] for block in blocks)
        for block in blocks:
            reference = render_to_string("families/portal/_category.html", block)
            assert folded_category(block) == reference


def test_choice_input_is_the_radio_tag(municipality_a):
    consents = [
        Consent.objects.create(municipality=municipality_a, label=f'Photo <{n}> & "co"')
        for n in range(3)
    ]
    answers = {consents[0].pk: True, consents[1].pk: False}
    form = ConsentsForm(consents, answers)
    radios = [radio for field in form for radio in field]
    assert len(radios) == 6
    assert sum("checked" in radio.tag() for radio in radios) == 2
    for radio in radios:
        assert choice_input(radio) == radio.tag()


def test_child_page_shows_the_childs_own_answers(alice_client, household_a, child_a):
    municipality = household_a.municipality
    photo, alone, care = (
        Consent.objects.create(municipality=municipality, label=label, position=n)
        for n, label in enumerate(["Photos", "Sortie seul", "Soins"])
    )
    ChildConsent.objects.create(child=child_a, consent=photo, granted=True)
    ChildConsent.objects.create(child=child_a, consent=alone, granted=False)
    sibling = ChildFactory(household=household_a, first_name="Tom")
    ChildConsent.objects.create(child=sibling, consent=photo, granted=False)
    ChildConsent.objects.create(child=sibling, consent=care, granted=True)

    answers = {c.pk: c.answer for c in selectors.consents_with_answers(municipality, child_a)}
    assert answers == {photo.pk: True, alone.pk: False, care.pk: None}

    html = alice_client.get(reverse("families:child", args=["ville-a", child_a.pk])).content
    page = html.decode()
    assert f'value="true" id="id_consent_{photo.pk}_0" checked>' in page
    assert f'value="false" id="id_consent_{alone.pk}_1" checked>' in page
    assert f'name="consent_{care.pk}" value="true" id="id_consent_{care.pk}_0">' in page
    assert f'name="consent_{care.pk}" value="false" id="id_consent_{care.pk}_1">' in page


def test_child_page_scope(alice_client, household_a, child_a, household_b, charlie, dave):
    """Read without the household first, the child is still found only through the parent's
    own household, in this municipality, unless the household was refused."""
    from ribambelle.conftest import logged_in
    from ribambelle.families.models import Household

    page = reverse("families:child", args=["ville-a", child_a.pk])
    shown = alice_client.get(page)
    assert shown.status_code == 200
    assert child_a.first_name in shown.content.decode()
    assert logged_in(dave).get(page).status_code == 404
    assert logged_in(charlie).get(page).status_code == 404
    assert logged_in(charlie).get(page.replace("ville-a", "ville-b")).status_code == 404
    other = ChildFactory(household=household_b)
    assert alice_client.get(page.replace(str(child_a.pk), str(other.pk))).status_code == 404
    Household.objects.filter(pk=household_a.pk).update(status=Household.Status.REFUSED)
    assert alice_client.get(page).status_code == 404
