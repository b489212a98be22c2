"""One line of the file: the columns it may have, and its cells read into cleaned values with
a French message per cell that cannot be read. Pure: nothing here reads the database."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.families.imports.data import ChildData, GuardianData, Problem, Values, name_key
from ribambelle.families.models import Child, Guardian, Household, phone_validator

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Column -> (model field, label in messages).
HOUSEHOLD_COLUMNS = {
    "nom_foyer": ("name", gettext_lazy("nom du foyer")),
    "adresse": ("address", gettext_lazy("adresse")),
    "code_postal": ("postal_code", gettext_lazy("code postal")),
    "commune": ("city", gettext_lazy("commune")),
    "quotient": ("quotient", gettext_lazy("quotient familial")),
}
GUARDIAN_COLUMNS = {
    "civilite": ("civility", gettext_lazy("civilité")),
    "nom": ("last_name", gettext_lazy("nom")),
    "prenom": ("first_name", gettext_lazy("prénom")),
    "email": ("email", gettext_lazy("e-mail")),
    "portable": ("mobile_phone", gettext_lazy("téléphone portable")),
}
CHILD_COLUMNS = {
    "enfant_nom": ("last_name", gettext_lazy("nom de l'enfant")),
    "enfant_prenom": ("first_name", gettext_lazy("prénom de l'enfant")),
    "enfant_sexe": ("sex", gettext_lazy("sexe de l'enfant")),
    "enfant_naissance": ("birth_date", gettext_lazy("date de naissance")),
    "enfant_ecole": ("school", gettext_lazy("école")),
    "enfant_classe": ("school_class", gettext_lazy("classe")),
}
GUARDIAN_PREFIXES = ("resp1_", "resp2_")
KNOWN_COLUMNS = frozenset(
    ["reference_foyer", *HOUSEHOLD_COLUMNS, *CHILD_COLUMNS]
    + [prefix + name for prefix in GUARDIAN_PREFIXES for name in GUARDIAN_COLUMNS]
)

CIVILITIES = {
    "mme": Guardian.Civility.MADAME,
    "madame": Guardian.Civility.MADAME,
    "m": Guardian.Civility.MONSIEUR,
    "mr": Guardian.Civility.MONSIEUR,
    "monsieur": Guardian.Civility.MONSIEUR,
}
SEXES = {
    "f": Child.Sex.GIRL,
    "fille": Child.Sex.GIRL,
    "m": Child.Sex.BOY,
    "g": Child.Sex.BOY,
    "garcon": Child.Sex.BOY,
}

# A column of the line -> its cell, spaces normalised ("" when blank or absent).
Cell = Callable[[str], str]


@dataclass
class LineValues:
    household: Values
    guardians: list[GuardianData]
    child: ChildData | None


def header_key(value: str) -> str:
    key = "_".join(name_key(value).replace(".", " ").split())
    for alias in ("e_mail", "courriel", "mail"):
        if key == alias or key.endswith("_" + alias):
            return key.removesuffix(alias) + "email"
    return key


def clean(value: str) -> str:
    return " ".join(value.split())


def label_of(columns: Mapping[str, tuple[str, "StrOrPromise"]], name: str) -> str:
    """The label of a model field among a group of columns."""
    return next(str(label) for field_name, label in columns.values() if field_name == name)


def too_long(
    line: int,
    label: "StrOrPromise",
    value: str,
    model: type[models.Model],
    name: str,
    errors: list[Problem],
) -> bool:
    max_length = getattr(model._meta.get_field(name), "max_length", None)
    if max_length and len(value) > max_length:
        errors.append(
            Problem(
                line,
                _("%(label)s : texte trop long (%(max)s caractères au plus)")
                % {"label": label, "max": max_length},
            )
        )
        return True
    return False


def read_values(line: int, cell: Cell, errors: list[Problem]) -> LineValues:
    """The household's, guardians' and child's values of one line; errors go to `errors`."""
    household: Values = {}
    for column, (name, label) in HOUSEHOLD_COLUMNS.items():
        text = cell(column)
        if not text:
            continue
        value: Any = text
        if name == "quotient":
            value = _quotient(line, text, errors)
        elif too_long(line, label, text, Household, name, errors):
            continue
        if value is not None:
            household[name] = value

    guardians = []
    for number, prefix in enumerate(GUARDIAN_PREFIXES, start=1):
        guardian = _read_guardian(line, number, {k: cell(prefix + k) for k in GUARDIAN_COLUMNS})
        if isinstance(guardian, list):
            errors.extend(guardian)
        elif guardian is not None:
            guardians.append(guardian)

    child = _read_child(line, {k: cell(k) for k in CHILD_COLUMNS}, errors)
    return LineValues(household=household, guardians=guardians, child=child)


def _quotient(line: int, value: str, errors: list[Problem]) -> Decimal | None:
    text = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        quotient: Decimal | None = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        quotient = None
    if quotient is None or not quotient.is_finite() or quotient < 0 or quotient >= 1_000_000:
        errors.append(
            Problem(
                line,
                _("quotient familial « %(value)s » invalide (nombre attendu, par exemple 650,50)")
                % {"value": value},
            )
        )
        return None
    return quotient


def _read_guardian(
    line: int, number: int, cells: dict[str, str]
) -> GuardianData | list[Problem] | None:
    if not any(cells.values()):
        return None
    problems: list[Problem] = []
    values: Values = {}
    for column, (name, label) in GUARDIAN_COLUMNS.items():
        value: str | None = cells[column]
        full_label = _("%(label)s du responsable %(number)s") % {"label": label, "number": number}
        if not value:
            if name in {"last_name", "first_name"}:
                problems.append(
                    Problem(line, _("%(label)s : valeur manquante") % {"label": full_label})
                )
            continue
        if name == "civility":
            civility = CIVILITIES.get(name_key(value).rstrip("."))
            if civility is None:
                problems.append(
                    Problem(
                        line,
                        _(
                            "civilité du responsable %(number)s « %(value)s » invalide "
                            "(Mme ou M attendu)"
                        )
                        % {"number": number, "value": value},
                    )
                )
            value = civility
        elif name == "email":
            value = value.lower()
            try:
                validate_email(value)
            except ValidationError:
                problems.append(
                    Problem(
                        line,
                        _("e-mail du responsable %(number)s « %(value)s » invalide")
                        % {"number": number, "value": value},
                    )
                )
        elif name == "mobile_phone":
            try:
                phone_validator(value)
            except ValidationError:
                problems.append(
                    Problem(
                        line,
                        _("téléphone portable du responsable %(number)s « %(value)s » invalide")
                        % {"number": number, "value": value},
                    )
                )
        if too_long(line, full_label, value or "", Guardian, name, problems):
            continue
        values[name] = value
    if problems:
        return problems
    return GuardianData(line=line, values=values, lines=dict.fromkeys(values, line))


def _read_child(line: int, cells: dict[str, str], errors: list[Problem]) -> ChildData | None:
    if not any(cells.values()):
        return None
    values: Values = {}
    for column, (name, label) in CHILD_COLUMNS.items():
        text = cells[column]
        value: Any = text
        if not text:
            if name in {"last_name", "first_name", "birth_date"}:
                errors.append(Problem(line, _("%(label)s : valeur manquante") % {"label": label}))
            continue
        if name == "birth_date":
            try:
                value = datetime.strptime(text, "%d/%m/%Y").date()
            except ValueError:
                errors.append(
                    Problem(
                        line,
                        _("date de naissance « %(value)s » invalide (JJ/MM/AAAA attendu)")
                        % {"value": text},
                    )
                )
                continue
            if value > timezone.localdate():
                errors.append(
                    Problem(
                        line,
                        _("date de naissance « %(value)s » dans le futur") % {"value": text},
                    )
                )
                continue
        elif name == "sex":
            sex = SEXES.get(name_key(text))
            if sex is None:
                errors.append(
                    Problem(
                        line,
                        _("sexe de l'enfant « %(value)s » invalide (F ou M attendu)")
                        % {"value": text},
                    )
                )
                continue
            value = sex
        elif too_long(line, label, text, Child, name, errors):
            continue
        values[name] = value
    if not {"last_name", "first_name", "birth_date"} <= values.keys():
        return None
    return ChildData(line=line, values=values)
