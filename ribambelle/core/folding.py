"""A case-folded copy of a name, computed by the database when a row is written, so that two
spellings differing only in case compare equal in SQL without folding at query time (a school
named on a child's record and on a document addressed to its families)."""

from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Replace

# SQLite's LOWER() folds ASCII letters only: the French capitals are folded by hand, so that
# "École Jules-Ferry" matches "école jules-ferry" on SQLite as on PostgreSQL.
FRENCH_CAPITALS = "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"


def casefolded(field: str) -> Func:
    """The expression of a GeneratedField holding `field` in lower case, French capitals
    included, identical on SQLite and PostgreSQL."""
    folded: Func = Lower(F(field))
    for capital in FRENCH_CAPITALS:
        folded = Replace(folded, Value(capital), Value(capital.lower()))
    return folded
