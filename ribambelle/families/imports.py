"""Import of households, guardians and children from the CSV export of a municipality's
previous software, then invitations to the imported parents.

The same function checks the file for the preview and for the confirmation: on confirmation it
runs again, inside the transaction and against the database as it is then, and writes only when
there is no error, so what is written is exactly what was checked. Parsing (`parse_file`) is
pure; `import_plan` compares with the database without writing.

A blank cell never erases a value already recorded (a parent may have completed the record in
the portal since the first import); re-importing the same file changes nothing."""

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ribambelle.accounts.models import Role, User
from ribambelle.accounts.tasks import send_password_link
from ribambelle.core.audit import audit_entry, audit_record_many
from ribambelle.core.files import check_text_file
from ribambelle.core.french import elide
from ribambelle.core.models import AuditEntry
from ribambelle.families.models import Child, Guardian, Household, phone_validator

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
MAX_SHOWN_ERRORS = 500
INVITATION_DELAY = timedelta(hours=24)
# An uploaded file waits this long for its confirmation, then it is deleted.
FILE_LIFETIME = timedelta(hours=24)
FILE_FOLDER = "family-imports"
_CHUNK = 500  # rows per IN (...) lookup, well under every database's parameter limit

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


# --- The uploaded file, between the preview and the confirmation ----------------------------


def file_problems(data: bytes) -> list[str]:
    """Why the file cannot be read as an import at all (its type by content, its encoding, its
    header, its length), checked before it is stored; empty when only lines have errors,
    which the preview shows."""
    try:
        check_text_file(data)
    except ValidationError as error:
        return list(error.messages)
    parsed = parse_file(data, check_lines=False)
    return [problem.message for problem in parsed.errors] if parsed.fatal else []


def file_name(municipality_id: int, user_id: int, token: str) -> str:
    return f"{FILE_FOLDER}/{municipality_id}/{user_id}-{token}.csv"


def file_store(*, municipality_id: int, user_id: int, token: str, data: bytes) -> str:
    """Keep a checked file until its confirmation; older files of the municipality that were
    never confirmed go first."""
    import_files_purge(municipality_id=municipality_id)
    return default_storage.save(file_name(municipality_id, user_id, token), ContentFile(data))


def import_files_purge(*, municipality_id: int | None = None, now: datetime | None = None) -> int:
    """Delete the uploaded files older than FILE_LIFETIME (of one municipality, or of all):
    a confirmed import deletes its file at once, so these were abandoned after the preview.
    Returns how many were deleted."""
    limit = (now or timezone.now()) - FILE_LIFETIME
    try:
        folders = (
            [str(municipality_id)]
            if municipality_id is not None
            else default_storage.listdir(FILE_FOLDER)[0]
        )
    except FileNotFoundError:
        return 0
    deleted = 0
    for folder in folders:
        try:
            _subfolders, names = default_storage.listdir(f"{FILE_FOLDER}/{folder}")
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{FILE_FOLDER}/{folder}/{name}"
            try:
                modified = default_storage.get_modified_time(path)
            except FileNotFoundError:
                continue  # confirmed or replaced meanwhile
            if modified < limit:
                default_storage.delete(path)
                deleted += 1
    return deleted


# --- Parsing (pure) --------------------------------------------------------------------------


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
    values: dict  # model field -> non-blank value
    lines: dict  # model field -> line where the value was first read

    @property
    def email(self) -> str:
        return self.values.get("email", "")

    @property
    def name_key(self) -> tuple[str, str]:
        return (name_key(self.values["last_name"]), name_key(self.values["first_name"]))

    def __str__(self) -> str:
        return f"{self.values['first_name']} {self.values['last_name']}"


@dataclass
class ChildData:
    line: int
    values: dict

    @property
    def key(self) -> tuple[str, date]:
        return (name_key(self.values["first_name"]), self.values["birth_date"])


@dataclass
class HouseholdData:
    ref: str
    line: int
    values: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
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


def header_key(value: str) -> str:
    key = "_".join(name_key(value).replace(".", " ").split())
    for alias in ("e_mail", "courriel", "mail"):
        if key == alias or key.endswith("_" + alias):
            return key.removesuffix(alias) + "email"
    return key


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) as most tools save it now, else Windows-1252 as older
    spreadsheets do."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValueError(
            _("L'encodage du fichier n'est pas reconnu : enregistrez-le en CSV UTF-8.")
        ) from None


def _delimiter(text: str) -> str:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def _clean(value: str) -> str:
    return " ".join(value.split())


def parse_file(data: bytes, *, check_lines: bool = True) -> ParsedFile:
    """The file's households and its problems. Without `check_lines`, only what makes the whole
    file unreadable is looked for (encoding, header, quotes, length): a quick check on upload."""
    parsed = ParsedFile()
    if b"\x00" in data[:8192]:
        parsed.errors.append(Problem(0, _("Ce fichier n'est pas un fichier CSV (texte).")))
        parsed.fatal = True
        return parsed
    try:
        text = decode(data)
    except ValueError as error:
        parsed.errors.append(Problem(0, str(error)))
        parsed.fatal = True
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: dict[str, int] | None = None
    width = 0
    households: dict[str, HouseholdData] = {}
    email_refs: dict[str, tuple[str, int]] = {}
    previous_end = 0
    try:
        for row in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns, width = _read_header(row, parsed), len(row)
                if columns is None:
                    parsed.fatal = True
                    return parsed
                continue
            parsed.lines += 1
            if parsed.lines > MAX_LINES:
                parsed.errors = [
                    Problem(
                        0,
                        _("Le fichier compte plus de %(max)s lignes : découpez-le en plusieurs.")
                        % {"max": f"{MAX_LINES:,}".replace(",", "\u202f")},
                    )
                ]
                parsed.fatal = True
                return parsed
            if not check_lines:
                continue
            if any(cell.strip() for cell in row[width:]):
                parsed.errors.append(
                    Problem(
                        line,
                        _("%(count)s valeurs pour %(columns)s colonnes ; vérifiez le séparateur")
                        % {"count": len(row), "columns": width},
                    )
                )
                continue
            if not _read_line(line, row, columns, households, email_refs, parsed.errors):
                index = columns["reference_foyer"]
                parsed.refs_with_errors.add(_clean(row[index]) if index < len(row) else "")
    except csv.Error as error:
        parsed.errors.append(
            Problem(
                previous_end or 1,
                _("ligne illisible (%(error)s) ; vérifiez les guillemets") % {"error": error},
            )
        )
        parsed.fatal = True
        return parsed
    if columns is None:
        parsed.fatal = True
        parsed.errors.append(Problem(0, _("Le fichier est vide.")))
    elif not parsed.lines:
        parsed.fatal = True
        parsed.errors.append(Problem(0, _("Le fichier ne contient aucune ligne après l'en-tête.")))
    parsed.households = list(households.values())
    parsed.errors.sort()
    return parsed


def _read_header(row: list[str], parsed: ParsedFile) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(row):
        key = header_key(title)
        if not key:
            continue
        if key not in KNOWN_COLUMNS:
            ignored.append(title.strip())
        elif key in columns:
            parsed.errors.append(
                Problem(1, _("la colonne « %(column)s » apparaît deux fois") % {"column": title})
            )
        else:
            columns[key] = index
    if "reference_foyer" not in columns:
        parsed.errors.append(
            Problem(
                1,
                _(
                    "la colonne « reference_foyer » est obligatoire ; la première ligne doit "
                    "donner le nom des colonnes"
                ),
            )
        )
    if ignored:
        parsed.warnings.append(
            Problem(0, _("Colonnes ignorées : %(columns)s.") % {"columns": ", ".join(ignored)})
        )
    return None if parsed.errors else columns


def _too_long(line, label, value, model, name, errors) -> bool:
    max_length = model._meta.get_field(name).max_length
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


def _read_line(line, row, columns, households, email_refs, errors) -> bool:
    """Add the line's values to `households`, or its errors to `errors` and return False."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return _clean(row[index]) if index is not None and index < len(row) else ""

    count = len(errors)
    ref = cell("reference_foyer")
    if not ref:
        errors.append(Problem(line, _("référence du foyer (reference_foyer) manquante")))
        return False
    _too_long(line, _("référence du foyer"), ref, Household, "external_ref", errors)

    household_values = {}
    for column, (name, label) in HOUSEHOLD_COLUMNS.items():
        value = cell(column)
        if not value:
            continue
        if name == "quotient":
            value = _quotient(line, value, errors)
        elif _too_long(line, label, value, Household, name, errors):
            continue
        if value is not None:
            household_values[name] = value

    guardians = []
    for number, prefix in enumerate(GUARDIAN_PREFIXES, start=1):
        guardian = _read_guardian(line, number, {k: cell(prefix + k) for k in GUARDIAN_COLUMNS})
        if isinstance(guardian, list):
            errors.extend(guardian)
        elif guardian is not None:
            guardians.append(guardian)

    child = _read_child(line, {k: cell(k) for k in CHILD_COLUMNS}, errors)
    if len(errors) > count:
        return False

    household = households.get(ref)
    if household is None:
        household = households[ref] = HouseholdData(ref=ref, line=line)
    for name, value in household_values.items():
        _merge_value(household, name, value, line, errors, _household_label(name), ref)
    for guardian in guardians:
        if guardian.email:
            first = email_refs.setdefault(guardian.email, (ref, line))
            if first[0] != ref:
                errors.append(
                    Problem(
                        line,
                        _(
                            "l'e-mail « %(email)s » est aussi celui d'un responsable du foyer "
                            "%(other)s (ligne %(other_line)s)"
                        )
                        % {"email": guardian.email, "other": first[0], "other_line": first[1]},
                    )
                )
                continue
        _merge_guardian(household, guardian, errors)
    if child is not None:
        _merge_child(household, child, errors)
    return len(errors) == count


def _household_label(name: str) -> str:
    return next(
        str(label) for field_name, label in HOUSEHOLD_COLUMNS.values() if field_name == name
    )


def _quotient(line, value, errors) -> Decimal | None:
    text = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        quotient = Decimal(text).quantize(Decimal("0.01"))
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


def _read_guardian(line: int, number: int, cells: dict) -> "GuardianData | list | None":
    if not any(cells.values()):
        return None
    problems: list[Problem] = []
    values = {}
    for column, (name, label) in GUARDIAN_COLUMNS.items():
        value = cells[column]
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
        if _too_long(line, full_label, value or "", Guardian, name, problems):
            continue
        values[name] = value
    if problems:
        return problems
    return GuardianData(line=line, values=values, lines=dict.fromkeys(values, line))


def _read_child(line: int, cells: dict, errors: list) -> ChildData | None:
    if not any(cells.values()):
        return None
    values = {}
    for column, (name, label) in CHILD_COLUMNS.items():
        value = cells[column]
        if not value:
            if name in {"last_name", "first_name", "birth_date"}:
                errors.append(Problem(line, _("%(label)s : valeur manquante") % {"label": label}))
            continue
        if name == "birth_date":
            try:
                value = datetime.strptime(value, "%d/%m/%Y").date()
            except ValueError:
                errors.append(
                    Problem(
                        line,
                        _("date de naissance « %(value)s » invalide (JJ/MM/AAAA attendu)")
                        % {"value": value},
                    )
                )
                continue
            if value > timezone.localdate():
                errors.append(
                    Problem(
                        line,
                        _("date de naissance « %(value)s » dans le futur")
                        % {"value": cells[column]},
                    )
                )
                continue
        elif name == "sex":
            sex = SEXES.get(name_key(value))
            if sex is None:
                errors.append(
                    Problem(
                        line,
                        _("sexe de l'enfant « %(value)s » invalide (F ou M attendu)")
                        % {"value": value},
                    )
                )
                continue
            value = sex
        elif _too_long(line, label, value, Child, name, errors):
            continue
        values[name] = value
    if not {"last_name", "first_name", "birth_date"} <= values.keys():
        return None
    return ChildData(line=line, values=values)


def _merge_value(target, name, value, line, errors, label, ref) -> None:
    known = target.values.get(name)
    if known is None:
        target.values[name] = value
        target.lines[name] = line
    elif not _same(name, known, value):
        shown = {Guardian.Civility.MADAME: "Mme", Guardian.Civility.MONSIEUR: "M"}
        errors.append(
            Problem(
                line,
                _(
                    "%(label)s : « %(value)s » diffère de la ligne %(first)s (« %(known)s ») "
                    "pour %(who)s"
                )
                % {
                    "label": label,
                    "value": shown.get(value, value),
                    "first": target.lines[name],
                    "known": shown.get(known, known),
                    "who": ref,
                },
            )
        )


def _merge_guardian(household: HouseholdData, guardian: GuardianData, errors: list) -> None:
    """The same person repeated on several lines (by e-mail, else by name) must be described
    the same way; a blank cell adds nothing."""
    match = None
    if guardian.email:
        match = next((g for g in household.guardians if g.email == guardian.email), None)
    if match is None:
        match = next(
            (
                g
                for g in household.guardians
                if g.name_key == guardian.name_key
                and not (g.email and guardian.email and g.email != guardian.email)
            ),
            None,
        )
    if match is None:
        if len(household.guardians) >= 2:
            errors.append(
                Problem(
                    guardian.line,
                    _("plus de deux responsables légaux pour le foyer %(ref)s (%(name)s en plus)")
                    % {"ref": household.ref, "name": guardian},
                )
            )
            return
        household.guardians.append(guardian)
        return
    who = _("le responsable « %(name)s »") % {"name": match}
    for name, value in guardian.values.items():
        label = str(next(lab for fname, lab in GUARDIAN_COLUMNS.values() if fname == name))
        _merge_value(match, name, value, guardian.line, errors, label, who)


def _merge_child(household: HouseholdData, child: ChildData, errors: list) -> None:
    match = next((c for c in household.children if c.key == child.key), None)
    if match is None:
        household.children.append(child)
        return
    for name, value in child.values.items():
        if name in match.values and not _same(name, match.values[name], value):
            label = next(lab for fname, lab in CHILD_COLUMNS.values() if fname == name)
            errors.append(
                Problem(
                    child.line,
                    _("%(label)s : « %(value)s » diffère de la ligne %(first)s pour l'enfant")
                    % {"label": label, "value": value, "first": match.line},
                )
            )
        match.values.setdefault(name, value)


# --- Comparison with the database ------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, instance, changes) -> None:
        if instance is None:
            self.created += 1
        elif changes:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class GuardianOp:
    data: GuardianData
    instance: Guardian | None
    changes: dict
    create_account: bool = False
    link_user_id: int | None = None
    user_email: str | None = None  # new login of an account never used


@dataclass
class ChildOp:
    data: ChildData
    instance: Child | None
    changes: dict


@dataclass
class HouseholdOp:
    data: HouseholdData
    instance: Household | None
    changes: dict
    guardians: list[GuardianOp] = field(default_factory=list)
    children: list[ChildOp] = field(default_factory=list)


@dataclass
class ImportPlan:
    lines: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    households: Counts = field(default_factory=Counts)
    guardians: Counts = field(default_factory=Counts)
    children: Counts = field(default_factory=Counts)
    accounts: int = 0
    ops: list[HouseholdOp] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_errors(self) -> list[Problem]:
        return self.errors[:MAX_SHOWN_ERRORS]

    def summary(self) -> dict:
        return {
            "lines": self.lines,
            "households": vars(self.households),
            "guardians": vars(self.guardians),
            "children": vars(self.children),
            "accounts": self.accounts,
        }


def _chunks(items: list):
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def account_unused(user: User) -> bool:
    return not user.has_usable_password() and user.last_login is None


def import_plan(municipality, data: bytes) -> ImportPlan:
    """What the file would create and change, or why it cannot be imported. Writes nothing."""
    parsed = parse_file(data)
    plan = ImportPlan(lines=parsed.lines, errors=parsed.errors, warnings=parsed.warnings)
    if parsed.fatal:
        return plan
    refs = [household.ref for household in parsed.households]
    existing: dict[str, Household] = {}
    for chunk in _chunks(refs):
        for household in (
            Household.objects.for_municipality(municipality)
            .filter(external_ref__in=chunk)
            .prefetch_related("children", "guardians__user")
        ):
            existing[household.external_ref] = household
    emails = sorted({g.email for h in parsed.households for g in h.guardians if g.email})
    guardian_households: dict[str, set[int]] = {}
    users: dict[str, dict] = {}
    for chunk in _chunks(emails):
        rows = (
            Guardian.objects.for_municipality(municipality)
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "household_id")
        )
        for email, household_id in rows:
            guardian_households.setdefault(email, set()).add(household_id)
        for user in (
            User.objects.for_municipality(municipality)
            .filter(email__in=chunk)
            .values("pk", "email", "role", "guardian__pk", "guardian__household_id")
        ):
            users[user["email"]] = user

    for data_household in parsed.households:
        if data_household.ref in parsed.refs_with_errors and not data_household.guardians:
            continue  # its guardians are on a line with an error, already reported
        op = _plan_household(data_household, existing.get(data_household.ref), plan)
        if op is not None:
            _plan_accounts(op, guardian_households, users, plan)
            plan.ops.append(op)
    plan.errors.sort()
    return plan


NAME_FIELDS = frozenset({"name", "last_name", "first_name"})


def _same(name: str, known, value) -> bool:
    """Names that differ only by case or accents are the same (the previous software may have
    written them in capitals, a parent may have corrected them since)."""
    if name in NAME_FIELDS and known and value:
        return name_key(known) == name_key(value)
    return known == value


def _changes(instance, values: dict) -> dict:
    return {
        name: value
        for name, value in values.items()
        if not _same(name, getattr(instance, name), value)
    }


def _plan_household(data: HouseholdData, instance: Household | None, plan: ImportPlan):
    if instance is None:
        if not data.guardians:
            plan.errors.append(
                Problem(
                    data.line,
                    _(
                        "le foyer %(ref)s n'a aucun responsable légal (colonnes resp1_nom et "
                        "resp1_prenom)"
                    )
                    % {"ref": data.ref},
                )
            )
            return None
        values = dict(data.values)
        values.setdefault(
            "name", _("Foyer %(name)s") % {"name": data.guardians[0].values["last_name"]}
        )
        op = HouseholdOp(data=data, instance=None, changes=values)
    else:
        op = HouseholdOp(data=data, instance=instance, changes=_changes(instance, data.values))
    plan.households.count(op.instance, op.changes)

    available = list(instance.guardians.all()) if instance else []
    new_guardians = 0
    for guardian in data.guardians:
        match = None
        if guardian.email:
            match = next(
                (
                    g
                    for g in available
                    if g.email.lower() == guardian.email
                    or (g.user is not None and g.user.email == guardian.email)
                ),
                None,
            )
        if match is None:
            match = next(
                (
                    g
                    for g in available
                    if (name_key(g.last_name), name_key(g.first_name)) == guardian.name_key
                ),
                None,
            )
        if match is None:
            new_guardians += 1
            op.guardians.append(GuardianOp(guardian, None, dict(guardian.values)))
            continue
        available.remove(match)
        changes = _changes(match, guardian.values)
        if "email" in changes and match.email.lower() == guardian.email:
            del changes["email"]  # only the case differs
        guardian_op = GuardianOp(guardian, match, changes)
        if "email" in changes and match.user is not None and match.user.email != guardian.email:
            if account_unused(match.user):
                guardian_op.user_email = guardian.email
            else:
                del changes["email"]
                plan.warnings.append(
                    Problem(
                        guardian.lines["email"],
                        _(
                            "l'e-mail %(de)s%(name)s n'est pas modifié : son compte est déjà "
                            "utilisé ; changez-le depuis la fiche du foyer si besoin"
                        )
                        % {"de": elide("de", guardian), "name": guardian},
                    )
                )
        op.guardians.append(guardian_op)
    if instance is not None and new_guardians and len(instance.guardians.all()) + new_guardians > 2:
        plan.errors.append(
            Problem(
                data.line,
                _("le foyer %(ref)s aurait plus de deux responsables légaux") % {"ref": data.ref},
            )
        )

    children = {
        (name_key(child.first_name), child.birth_date): child
        for child in (instance.children.all() if instance else [])
    }
    for child in data.children:
        match = children.get(child.key)
        changes = dict(child.values) if match is None else _changes(match, child.values)
        op.children.append(ChildOp(child, match, changes))
        plan.children.count(match, changes)
    return op


def _plan_accounts(op: HouseholdOp, guardian_households, users, plan: ImportPlan) -> None:
    """An e-mail belongs to one household of the municipality, and to a parent account that is
    this guardian's or nobody's."""
    household_id = op.instance.pk if op.instance else None
    for guardian_op in op.guardians:
        email = guardian_op.data.email
        instance = guardian_op.instance
        line = guardian_op.data.lines.get("email", guardian_op.data.line)
        if email and (guardian_households.get(email, set()) - {household_id}):
            plan.errors.append(
                Problem(
                    line,
                    _("l'e-mail « %(email)s » est déjà celui d'un responsable d'un autre foyer")
                    % {"email": email},
                )
            )
            continue
        has_user = instance is not None and instance.user is not None
        user = users.get(email) if email else None
        if user is not None and not (has_user and user["pk"] == instance.user.pk):
            if user["role"] != Role.PARENT:
                message = _("l'e-mail « %(email)s » est celui d'un compte du personnel")
            elif user["guardian__pk"] is not None:
                message = _("l'e-mail « %(email)s » est déjà celui d'un autre responsable")
            elif has_user:
                message = _("l'e-mail « %(email)s » est celui d'un autre compte")
            else:
                guardian_op.link_user_id = user["pk"]
                message = None
            if message:
                plan.errors.append(Problem(line, message % {"email": email}))
                continue
        elif email and not has_user:
            guardian_op.create_account = True
            plan.accounts += 1
        if guardian_op.link_user_id and instance is not None:
            guardian_op.changes["user_id"] = guardian_op.link_user_id
        if guardian_op.create_account and instance is not None:
            guardian_op.changes.setdefault("user_id", None)
        plan.guardians.count(instance, guardian_op.changes)


# --- Writing ---------------------------------------------------------------------------------


def _audit(
    municipality, actor, target, household_id, before, after, action=AuditEntry.Action.IMPORT
) -> AuditEntry:
    return audit_entry(
        municipality_id=municipality.pk,
        actor=actor,
        action=action,
        target=target,
        household_id=household_id,
        before=before,
        after=after,
    )


def _bulk_update(model, objects: list, fields: set) -> None:
    if objects and fields:
        model.objects.bulk_update(objects, sorted(fields), batch_size=_CHUNK)


@transaction.atomic
def households_import(*, municipality, actor, data: bytes) -> ImportPlan:
    """Check the file again against the database as it is now and, only if it has no error,
    write everything in one transaction with one audit entry per created or changed record."""
    plan = import_plan(municipality, data)
    if not plan.ok:
        return plan
    today = timezone.localdate()
    audit: list[AuditEntry] = []
    updated: dict[type, tuple[list, set]] = {
        model: ([], set()) for model in (Household, Guardian, Child)
    }

    def update(instance, changes: dict, household_id: int) -> None:
        before = {name: getattr(instance, name) for name in changes}
        for name, value in changes.items():
            setattr(instance, name, value)
        objects, fields = updated[type(instance)]
        objects.append(instance)
        fields.update(changes)
        audit.append(_audit(municipality, actor, instance, household_id, before, changes))

    for op in plan.ops:
        if "quotient" in op.changes:
            op.changes |= {
                "quotient_date": today,
                "quotient_source": Household.QuotientSource.STAFF,
            }
    new_households = [
        Household(municipality=municipality, external_ref=op.data.ref, **op.changes)
        for op in plan.ops
        if op.instance is None
    ]
    Household.objects.bulk_create(new_households, batch_size=_CHUNK)
    created = iter(new_households)
    for op in plan.ops:
        if op.instance is None:
            op.instance = next(created)
            audit.append(_audit(municipality, actor, op.instance, op.instance.pk, {}, op.changes))
        elif op.changes:
            update(op.instance, op.changes, op.instance.pk)

    new_users = []
    for op in plan.ops:
        for guardian_op in op.guardians:
            if guardian_op.create_account:
                user = User(
                    municipality=municipality,
                    email=guardian_op.data.email,
                    role=Role.PARENT,
                    first_name=guardian_op.data.values["first_name"],
                    last_name=guardian_op.data.values["last_name"],
                )
                user.set_unusable_password()
                new_users.append(user)
                guardian_op.link_user_id = user
    User.objects.bulk_create(new_users, batch_size=_CHUNK)
    email_changes = []
    for op in plan.ops:
        for guardian_op in op.guardians:
            if isinstance(guardian_op.link_user_id, User):
                guardian_op.link_user_id = guardian_op.link_user_id.pk
                if "user_id" in guardian_op.changes:
                    guardian_op.changes["user_id"] = guardian_op.link_user_id
            if guardian_op.user_email:
                guardian_op.instance.user.email = guardian_op.user_email
                email_changes.append(guardian_op.instance.user)
    _bulk_update(User, email_changes, {"email"})

    new_guardians = []
    for op in plan.ops:
        for guardian_op in op.guardians:
            if guardian_op.instance is None:
                guardian_op.instance = Guardian(
                    municipality=municipality,
                    household=op.instance,
                    user_id=guardian_op.link_user_id,
                    **guardian_op.changes,
                )
                new_guardians.append((op, guardian_op))
            elif guardian_op.changes:
                update(guardian_op.instance, guardian_op.changes, op.instance.pk)
    Guardian.objects.bulk_create([g.instance for _op, g in new_guardians], batch_size=_CHUNK)
    payers = []
    for op, guardian_op in new_guardians:
        after = {**guardian_op.changes, "user": guardian_op.link_user_id}
        audit.append(_audit(municipality, actor, guardian_op.instance, op.instance.pk, {}, after))
        if op.instance.paying_guardian_id is None:
            op.instance.paying_guardian = guardian_op.instance
            payers.append(op.instance)
    _bulk_update(Household, payers, {"paying_guardian"})

    new_children = []
    for op in plan.ops:
        for child_op in op.children:
            if child_op.instance is None:
                child_op.instance = Child(
                    municipality=municipality, household=op.instance, **child_op.changes
                )
                new_children.append((op, child_op))
            elif child_op.changes:
                update(child_op.instance, child_op.changes, op.instance.pk)
    Child.objects.bulk_create([c.instance for _op, c in new_children], batch_size=_CHUNK)
    for op, child_op in new_children:
        audit.append(
            _audit(municipality, actor, child_op.instance, op.instance.pk, {}, child_op.changes)
        )

    for model, (objects, fields) in updated.items():
        _bulk_update(model, objects, fields)
    audit_record_many(audit, batch_size=_CHUNK)
    return plan


# --- Invitations -----------------------------------------------------------------------------


def _recent_invitations(municipality):
    return AuditEntry.objects.filter(
        municipality=municipality,
        action=AuditEntry.Action.INVITE,
        target_type=Guardian._meta.label_lower,
        created_at__gte=timezone.now() - INVITATION_DELAY,
    ).values("target_id")


def invitation_candidates(municipality):
    """Imported guardians whose account was never used (no password chosen, never logged in)
    and who were not invited in the last 24 hours."""
    return (
        Guardian.objects.for_municipality(municipality)
        .exclude(household__external_ref="")
        .filter(
            household__status=Household.Status.ACTIVE,
            user__is_active=True,
            user__last_login__isnull=True,
            user__password__startswith=UNUSABLE_PASSWORD_PREFIX,
        )
        .exclude(pk__in=_recent_invitations(municipality))
        .select_related("user")
    )


def recently_invited_count(municipality) -> int:
    return _recent_invitations(municipality).count()


@transaction.atomic
def household_invitations_send(*, municipality, actor) -> int:
    guardians = list(invitation_candidates(municipality))
    for guardian in guardians:
        send_password_link.enqueue(municipality.pk, guardian.user.email)
    audit_record_many(
        [
            _audit(
                municipality,
                actor,
                guardian,
                guardian.household_id,
                {},
                {},
                action=AuditEntry.Action.INVITE,
            )
            for guardian in guardians
        ],
        batch_size=_CHUNK,
    )
    return len(guardians)
