"""Pure rules of the treasury export: the lines of a title by imputation, the debtor's address
as the invoice printed it, the ORMC keys and the reference a family quotes to the treasury."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")
POSTAL_TOWN = re.compile(r"^(?P<postal_code>[0-9]{5})\s+(?P<city>.+)$")
ORMC_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"  # 23 letters: no I, O nor Z


@dataclass(frozen=True)
class InvoiceLineFacts:
    activity_id: int | None
    department_id: int | None
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Imputed:
    nature: str
    function: str
    label: str
    amount: Decimal


def imputed_lines(
    lines: Iterable[InvoiceLineFacts],
    by_activity: Mapping[int, tuple[str, str]],
    by_department: Mapping[int, tuple[str, str]],
) -> tuple[list[Imputed], list[str]]:
    """The invoice's lines summed per imputation (nature, fonction), the activity's own first,
    else its department's; and the labels of lines that have none (the export refuses them)."""
    sums: dict[tuple[str, str], Decimal] = {}
    labels: dict[tuple[str, str], list[str]] = {}
    missing: list[str] = []
    for line in lines:
        imputation = None
        if line.activity_id is not None:
            imputation = by_activity.get(line.activity_id)
        if imputation is None and line.department_id is not None:
            imputation = by_department.get(line.department_id)
        if imputation is None:
            missing.append(line.label)
            continue
        sums[imputation] = sums.get(imputation, ZERO) + line.amount
        if line.label not in labels.setdefault(imputation, []):
            labels[imputation].append(line.label)
    imputed = [
        Imputed(nature, function, ", ".join(labels[(nature, function)]), total)
        for (nature, function), total in sums.items()
        if total != ZERO
    ]
    return imputed, missing


def split_address(address: str) -> tuple[str, str, str]:
    """(street, postal code, city) of an address as the invoice keeps it: the street on the
    first lines, "69000 Lyon" on the last."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if not lines:
        return "", "", ""
    match = POSTAL_TOWN.match(lines[-1])
    if match is None:
        return " ".join(lines), "", ""
    return " ".join(lines[:-1]), match["postal_code"], match["city"]


def ormc_keys(collectivity_code: str, year: int, bordereau: int, piece: int) -> tuple[int, str]:
    """The two check keys of a title's reference (Cle1: modulo 11, weights 2 to 7 from the
    right; Cle2: modulo 23, a letter), so that a mistyped reference is refused at PayFiP."""
    digits = "".join(
        char if char.isdigit() else "0"
        for char in f"{collectivity_code}{bordereau:07d}{year % 100:02d}{piece:013d}"
    )
    total = sum(int(char) * (2 + index % 6) for index, char in enumerate(reversed(digits)))
    first = 11 - total % 11
    first = 1 if first > 9 else first
    second = ORMC_LETTERS[int(f"{year % 100:02d}{bordereau:07d}{piece:013d}") % 23]
    return first, second


def treasury_reference(year: int, bordereau: int, piece: int, keys: tuple[int, str]) -> str:
    """What the family types at PayFiP or quotes to the treasury: the year, the bordereau, the
    pièce and its keys."""
    return f"{year}-{bordereau}-{piece}-{keys[0]}{keys[1]}"
