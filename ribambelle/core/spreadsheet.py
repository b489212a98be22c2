"""CSV exports opened in spreadsheets."""

import unicodedata

# What a cell must not start with, or a spreadsheet would run it as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Signs that NFKC leaves alone but that a spreadsheet or a reader may take for a plus or a
# minus: the minus sign, heavy plus and minus, hyphens and dashes, the small em dash.
SIGN_LOOKALIKES = frozenset("\u2212\u2796\u2795\u2010\u2011\u2012\u2013\u2014\u2015\ufe58")


def _starts_like_a_formula(text: str) -> bool:
    # The full-width, small and superscript forms of the signs become the signs themselves
    # under NFKC; spaces and invisible characters before the sign are skipped, as some
    # spreadsheets trim them.
    folded = unicodedata.normalize("NFKC", text)
    for char in folded:
        if char in FORMULA_STARTS or char in SIGN_LOOKALIKES:
            return True
        if char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs"):
            continue
        return False
    return False


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell typed by a family or an agent as a formula: such a
    cell gets a leading apostrophe, which spreadsheets read as "text"."""
    text = "" if value is None else str(value)
    return "'" + text if _starts_like_a_formula(text) else text
