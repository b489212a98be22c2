"""What reading the file yields: its households with their guardians and children, each value
with the line it came from, and the problems found on the way."""

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

# Field name -> cleaned value (str, Decimal or date), only for the cells that were not blank.
Values = dict[str, Any]


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        if not self.line:
            return self.message
        return _("Ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class GuardianData:
    line: int
    values: Values
    lines: dict[str, int]  # model field -> line where the value was first read

    @property
    def email(self) -> str:
        email: str = self.values.get("email", "")
        return email

    @property
    def name_key(self) -> tuple[str, str]:
        return (name_key(self.values["last_name"]), name_key(self.values["first_name"]))

    def __str__(self) -> str:
        return f"{self.values['first_name']} {self.values['last_name']}"


@dataclass
class ChildData:
    line: int
    values: Values

    @property
    def key(self) -> tuple[str, date]:
        return (name_key(self.values["first_name"]), self.values["birth_date"])


@dataclass
class HouseholdData:
    ref: str
    line: int
    values: Values = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    guardians: list[GuardianData] = field(default_factory=list)
    children: list[ChildData] = field(default_factory=list)


@dataclass
class ParsedFile:
    households: list[HouseholdData] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    lines: int = 0
    fatal: bool = False  # the file itself cannot be read: no line was checked
    refs_with_errors: set[str] = field(default_factory=set)


def name_key(value: str) -> str:
    """Case, accents, hyphens and spacing do not tell two people apart."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(char for char in value if not unicodedata.combining(char))
    return " ".join(value.replace("-", " ").replace("'", " ").casefold().split())


NAME_FIELDS = frozenset({"name", "last_name", "first_name"})


def same_value(name: str, known: Any, value: Any) -> bool:
    """Names that differ only by case or accents are the same (the previous software may have
    written them in capitals, a parent may have corrected them since)."""
    if name in NAME_FIELDS and known and value:
        return name_key(known) == name_key(value)
    return bool(known == value)
