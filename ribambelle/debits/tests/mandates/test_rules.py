"""Table tests of the SEPA identifiers: IBAN, BIC, ICS, RUM, their French messages, the RUM
drawn for a new mandate, the masked IBAN and the month arithmetic of expiry."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from ribambelle.debits import rules


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
        ("fr7630006000011234567890189", "FR7630006000011234567890189"),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("BE71 0961 2345 6769", "BE71096123456769"),
        ("IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456"),
        ("CH93 0076 2011 6238 5295 7", "CH9300762011623852957"),
        ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("MC58 1122 2000 0101 2345 6789 030", "MC5811222000010123456789030"),
    ],
)
def test_valid_ibans_are_compacted(typed, expected):
    assert rules.iban_clean(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("", "required", "Saisissez l'IBAN"),
        ("   ", "required", "Saisissez l'IBAN"),
        ("3000 6000 0112 3456 7890 189", "format", "n'a pas la bonne forme"),
        ("FR76 3000 6000 0112 3456 7890 18é", "format", "n'a pas la bonne forme"),
        ("FR7630006000011234567890188", "checksum", "n'est pas valide"),
        ("FR76300060000112345678901", "checksum", "n'est pas valide"),
        ("US64SVBKUS6S3300958879", "country", "zone SEPA"),
        ("BR1500000000000010932840814P2", "country", "zone SEPA"),
        ("XX7630006000011234567890189", "country", "zone SEPA"),
    ],
)
def test_invalid_ibans_are_refused_in_french(typed, code, message):
    with pytest.raises(ValidationError) as raised:
        rules.iban_clean(typed)
    assert raised.value.code == code
    assert message in raised.value.messages[0]


@pytest.mark.parametrize(
    ("iban", "needed"),
    [
        ("FR7630006000011234567890189", False),
        ("DE89370400440532013000", False),
        ("CH9300762011623852957", True),
        ("GB29NWBK60161331926819", True),
    ],
)
def test_the_bic_is_needed_outside_the_eea(iban, needed):
    assert rules.bic_needed(iban) is needed


@pytest.mark.parametrize(
    ("typed", "required", "expected"),
    [
        ("AGRIFRPP", False, "AGRIFRPP"),
        ("agri fr pp 882", False, "AGRIFRPP882"),
        ("", False, ""),
        ("  ", False, ""),
    ],
)
def test_valid_bics(typed, required, expected):
    assert rules.bic_clean(typed, required=required) == expected


@pytest.mark.parametrize(
    ("typed", "required", "code"),
    [
        ("", True, "required"),
        ("AGRIFR", False, "invalid"),
        ("AGRIFRPP88", False, "invalid"),
        ("1GRIFRPP", False, "invalid"),
        ("AGRI1ZPP", False, "invalid"),
    ],
)
def test_invalid_bics_are_refused_in_french(typed, required, code):
    with pytest.raises(ValidationError) as raised:
        rules.bic_clean(typed, required=required)
    assert raised.value.code == code
    assert "BIC" in raised.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("FR72ZZZ123456", "FR72ZZZ123456"),
        ("fr72 zzz 123456", "FR72ZZZ123456"),
        ("DE98ZZZ09999999999", "DE98ZZZ09999999999"),
    ],
)
def test_valid_creditor_identifiers(typed, expected):
    assert rules.ics_clean(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "required"),
        ("FR73ZZZ123456", "invalid"),
        ("FR72ZZZ12345", "invalid"),
        ("US72ZZZ123456", "country"),
    ],
)
def test_invalid_creditor_identifiers(typed, code):
    with pytest.raises(ValidationError) as raised:
        rules.ics_clean(typed)
    assert raised.value.code == code


@pytest.mark.parametrize(
    "rum",
    ["RBL-1-2-ABCDEF", "A", "x" * 35, "MANDAT 2026/01 (cantine)", "a.b,c'd+e?f:g"],
)
def test_valid_mandate_references(rum):
    assert rules.rum_clean(f"  {rum} ") == rum


@pytest.mark.parametrize(
    ("rum", "code", "message"),
    [
        ("", "required", "Saisissez"),
        ("x" * 36, "length", "35 caractères"),
        ("RUM-É-1", "characters", "sans accent"),
        ("RUM_1", "characters", "sans accent"),
        ("RUM#1", "characters", "sans accent"),
        ("/RUM-1", "slashes", "« / »"),
        ("RUM-1/", "slashes", "« / »"),
        ("RUM//1", "slashes", "« // »"),
    ],
)
def test_invalid_mandate_references(rum, code, message):
    with pytest.raises(ValidationError) as raised:
        rules.rum_clean(rum)
    assert raised.value.code == code
    assert message in raised.value.messages[0]


def test_generated_references_name_the_office_and_household_and_are_random():
    drawn = {rules.rum_generate(12, 3456) for _index in range(50)}
    assert len(drawn) == 50
    for rum in drawn:
        assert rum.startswith("RBL-12-3456-")
        assert rules.rum_clean(rum) == rum
    assert rules.rum_generate(2**31, 2**31, "ZZZZZZ") == f"RBL-{2**31}-{2**31}-ZZZZZZ"


@pytest.mark.parametrize(
    ("iban", "masked"),
    [
        ("FR7630006000011234567890189", "FR76 •••• 0189"),
        ("fr76 3000 6000 0112 3456 7890 189", "FR76 •••• 0189"),
        ("DE89370400440532013000", "DE89 •••• 3000"),
        ("FR7", "••••"),
    ],
)
def test_masked_iban(iban, masked):
    assert rules.iban_masked(iban) == masked


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 11, 29), -36, datetime.date(2023, 11, 29)),
        (datetime.date(2023, 5, 31), 1, datetime.date(2023, 6, 30)),
        (datetime.date(2024, 2, 29), 36, datetime.date(2027, 2, 28)),
        (datetime.date(2026, 1, 15), -1, datetime.date(2025, 12, 15)),
    ],
)
def test_months_later(day, months, expected):
    assert rules.months_later(day, months) == expected


@pytest.mark.parametrize(
    ("typed", "length", "expected"),
    [
        ("Zoé Lefèvre", 70, "Zoe Lefevre"),
        ("Élise & Zoé O'Brien_*", 70, "Elise Zoe O'Brien"),
        ("Cœur de Lœuf", 70, "Coeur de Loeuf"),
        ("M. Nguyễn Văn An", 70, "M. Nguyen Van An"),
        ("Facture F-2026-000001 — référence 000042", 140, "Facture F-2026-000001 reference 000042"),
        ("l’école @ Lyon !", 70, "l'ecole Lyon"),
        ("A" * 80, 70, "A" * 70),
        ("", 70, ""),
    ],
)
def test_text_is_written_with_the_sepa_characters_only(typed, length, expected):
    assert rules.sepa_text(typed, length) == expected
