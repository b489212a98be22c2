from datetime import date

import pytest

from ribambelle.families.rules import (
    ChildFacts,
    RequirementSpec,
    departments_blocked,
    missing_items,
)

TODAY = date(2026, 11, 26)
COMPLETE = ChildFacts(
    document_kinds=frozenset({"insurance"}),
    insurance_valid_until=date(2027, 8, 31),
    has_emergency_contact=True,
    has_doctor=True,
    vaccinations_up_to_date=True,
    answered_consents=frozenset({7}),
)
ALL = [
    RequirementSpec("Centre de loisirs", "insurance_certificate"),
    RequirementSpec("Centre de loisirs", "emergency_contact"),
    RequirementSpec("Cantine", "doctor"),
    RequirementSpec("Cantine", "vaccinations"),
    RequirementSpec("Cantine", "consent", 7, "Soins d'urgence"),
]


def facts(**changes):
    return ChildFacts(**{**COMPLETE.__dict__, **changes})


def test_complete_record_misses_nothing():
    assert missing_items(COMPLETE, ALL, TODAY) == []


@pytest.mark.parametrize(
    ("changes", "item", "label"),
    [
        ({"document_kinds": frozenset()}, "insurance_certificate", "attestation d'assurance"),
        (
            {"insurance_valid_until": date(2026, 8, 31)},
            "insurance_certificate",
            "attestation d'assurance à renouveler (date de validité dépassée)",
        ),
        ({"has_emergency_contact": False}, "emergency_contact", "contact en cas d'urgence"),
        ({"has_doctor": False}, "doctor", "médecin traitant"),
        ({"vaccinations_up_to_date": None}, "vaccinations", "vaccinations à jour"),
        ({"vaccinations_up_to_date": False}, "vaccinations", "vaccinations à jour"),
        (
            {"answered_consents": frozenset()},
            "consent",
            "réponse à l'autorisation « Soins d'urgence »",
        ),
    ],
)
def test_each_missing_item(changes, item, label):
    missing = missing_items(facts(**changes), ALL, TODAY)
    assert [(m.item, m.label) for m in missing] == [(item, label)]


def test_insurance_valid_today_is_fine():
    assert missing_items(facts(insurance_valid_until=TODAY), ALL, TODAY) == []


def test_item_required_by_two_departments_is_listed_once():
    specs = [
        RequirementSpec("Centre de loisirs", "doctor"),
        RequirementSpec("Cantine", "doctor"),
    ]
    missing = missing_items(facts(has_doctor=False), specs, TODAY)
    assert len(missing) == 1
    assert missing[0].departments == ("Cantine", "Centre de loisirs")
    assert departments_blocked(missing) == {"Cantine", "Centre de loisirs"}


def test_no_requirement_nothing_missing():
    empty = ChildFacts(frozenset(), None, False, False, None, frozenset())
    assert missing_items(empty, [], TODAY) == []
