"""The targets `manage.py bench` checks each page against, and the percentile it reports."""

import math

# The targets of a family page (issue 15): within 8 times the floor (the baseline view
# measured in the same run) and at most 12 queries, whatever the size of the municipality.
# Pages over them are flagged in the table and listed after it; the run does not fail on
# them, since a loaded machine can push a timing over.
FAMILY_PERSONA = "parent"
MAX_RATIO = 8.0
MAX_QUERIES = 12


def flags(row: dict, *, over_http: bool = False) -> list[str]:
    """What a page misses of its targets (a family page's, a staff action's time), in the words
    the table prints. With `over_http`, the ratio is the one over HTTP, except for a page
    measured in-process only."""
    found = []
    if row.get("max_ms") is not None and row["median_ms"] > row["max_ms"]:
        found.append(f"> {row['max_ms']:g} ms")
    # A family's bulk POST (a school year of bookings) is held to its own time, not to a page's.
    if row["persona"] != FAMILY_PERSONA or row.get("bulk"):
        return found
    ratio = row["http"]["ratio"] if over_http and row.get("http") else row["ratio"]
    if ratio > MAX_RATIO:
        found.append(f"> {MAX_RATIO:g}x")
    if row["queries"] > MAX_QUERIES:
        found.append(f"> {MAX_QUERIES} queries")
    return found


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: defined for any number of samples, and always an observed value."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
