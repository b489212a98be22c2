"""safe_cell, and the list of the project's CSV exports: each one is tested with every hostile
cell of ribambelle.testing.spreadsheet (a new export must join those tests)."""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ribambelle.core.spreadsheet import safe_cell
from ribambelle.testing.spreadsheet import HARMLESS_CELLS, HOSTILE_CELLS, assert_neutralised

PACKAGE = Path(__file__).resolve().parents[2]
# A response declared as CSV: content_type="text/csv...", a Content-Type header set to it.
CSV_RESPONSE = re.compile(r"""[=:]\s*["']text/csv""")

# Every CSV export, by URL name, with the test that writes hostile cells into its data.
CSV_EXPORTS = {
    "billing_staff:export": "billing/tests/test_csv_formulas.py",
    "bookings_staff:counts_csv": "bookings/tests/test_csv_formulas.py",
    "treasury_accounting:export": "treasury/tests/test_csv_formulas.py",
}


@pytest.mark.parametrize("typed", HOSTILE_CELLS)
def test_a_formula_start_is_neutralised(typed):
    assert_neutralised(safe_cell(typed), typed)


@pytest.mark.parametrize("typed", HARMLESS_CELLS)
def test_plain_text_is_left_alone(typed):
    assert safe_cell(typed) == typed


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def _named_patterns(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", str(pattern.pattern)


def test_every_csv_export_is_tested_with_hostile_cells():
    """CSV exports are found twice over: URLs ending in ".csv" and views writing text/csv."""
    by_url = {name for name, route in _named_patterns() if ".csv" in route}
    assert by_url == set(CSV_EXPORTS)
    writers = {
        str(path.relative_to(PACKAGE)): len(CSV_RESPONSE.findall(path.read_text(encoding="utf-8")))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
    }
    assert {path: count for path, count in writers.items() if count} == {
        "billing/views/staff.py": 1,
        "bookings/views/counts.py": 1,
        "treasury/views/accounting.py": 1,
    }
    for test_file in CSV_EXPORTS.values():
        source = (PACKAGE / test_file).read_text(encoding="utf-8")
        assert "HOSTILE_CELLS" in source, test_file
