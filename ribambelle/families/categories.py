"""The categories of a family record, each edited as one unit (folded on the page, edited in
place, validated by staff when the municipality asks for it)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ribambelle.families.models import Child, Guardian, Household

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Category:
    code: str
    target: str  # "household", "guardian" or "child"
    label: "StrOrPromise"
    fields: tuple[str, ...]
    health: bool = False


CATEGORIES: dict[str, Category] = {
    category.code: category
    for category in [
        Category(
            "household.address",
            "household",
            _("Adresse du foyer"),
            ("address", "postal_code", "city"),
        ),
        Category(
            "guardian.civil",
            "guardian",
            _("État civil"),
            ("civility", "last_name", "first_name", "birth_date", "birth_place"),
        ),
        Category(
            "guardian.contact",
            "guardian",
            _("Coordonnées"),
            ("email", "mobile_phone", "other_phone", "address"),
        ),
        Category(
            "guardian.situation",
            "guardian",
            _("Situation professionnelle"),
            ("profession", "employer", "work_phone"),
        ),
        Category(
            "child.identity",
            "child",
            _("Identité"),
            ("first_name", "last_name", "sex", "birth_date", "birth_city"),
        ),
        Category("child.school", "child", _("Scolarité"), ("school", "school_class")),
        Category(
            "child.medical",
            "child",
            _("Informations médicales"),
            (
                "allergies",
                "diet",
                "has_pai",
                "doctor_name",
                "doctor_phone",
                "vaccinations_up_to_date",
            ),
            health=True,
        ),
        Category(
            "child.insurance",
            "child",
            _("Assurance"),
            ("insurer", "insurance_policy", "insurance_valid_until"),
        ),
    ]
}


# Staff only: the household's family quotient is never edited by the family.
QUOTIENT = Category(
    "household.quotient",
    "household",
    _("Quotient familial"),
    ("quotient", "quotient_date", "quotient_source"),
)
STAFF_CATEGORIES: dict[str, Category] = {**CATEGORIES, QUOTIENT.code: QUOTIENT}

# The records a category's `target` names.
Record = Household | Guardian | Child
TARGET_MODELS: dict[str, type[Record]] = {
    "household": Household,
    "guardian": Guardian,
    "child": Child,
}


def categories_for(target: str) -> list[Category]:
    return [category for category in CATEGORIES.values() if category.target == target]
