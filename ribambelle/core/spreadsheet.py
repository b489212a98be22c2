"""CSV exports opened in spreadsheets."""

# What a cell must not start with, or a spreadsheet would run it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell typed by a family or an agent as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
