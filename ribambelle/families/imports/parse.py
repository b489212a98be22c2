"""Reading and checking the CSV file: its encoding, delimiter, header and length, then each line
(cells.py), merged into households whose repeated values must agree from line to line. Pure:
nothing here reads the database."""

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ribambelle.core.files import check_text_file
from ribambelle.families.imports import cells
from ribambelle.families.imports.data import (
    ChildData,
    GuardianData,
    HouseholdData,
    ParsedFile,
    Problem,
    same_value,
)
from ribambelle.families.models import Guardian, Household

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000


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
                parsed.refs_with_errors.add(cells.clean(row[index]) if index < len(row) else "")
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
        key = cells.header_key(title)
        if not key:
            continue
        if key not in cells.KNOWN_COLUMNS:
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


def _read_line(
    line: int,
    row: list[str],
    columns: dict[str, int],
    households: dict[str, HouseholdData],
    email_refs: dict[str, tuple[str, int]],
    errors: list[Problem],
) -> bool:
    """Add the line's values to `households`, or its errors to `errors` and return False."""

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells.clean(row[index]) if index is not None and index < len(row) else ""

    count = len(errors)
    ref = cell("reference_foyer")
    if not ref:
        errors.append(Problem(line, _("référence du foyer (reference_foyer) manquante")))
        return False
    cells.too_long(line, _("référence du foyer"), ref, Household, "external_ref", errors)
    values = cells.read_values(line, cell, errors)
    if len(errors) > count:
        return False

    household = households.get(ref)
    if household is None:
        household = households[ref] = HouseholdData(ref=ref, line=line)
    for name, value in values.household.items():
        label = cells.label_of(cells.HOUSEHOLD_COLUMNS, name)
        _merge_value(household, name, value, line, errors, label, ref)
    for guardian in values.guardians:
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
    if values.child is not None:
        _merge_child(household, values.child, errors)
    return len(errors) == count


def _merge_value(
    target: HouseholdData | GuardianData,
    name: str,
    value: Any,
    line: int,
    errors: list[Problem],
    label: str,
    who: str,
) -> None:
    known = target.values.get(name)
    if known is None:
        target.values[name] = value
        target.lines[name] = line
    elif not same_value(name, known, value):
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
                    "who": who,
                },
            )
        )


def _merge_guardian(
    household: HouseholdData, guardian: GuardianData, errors: list[Problem]
) -> None:
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
        label = cells.label_of(cells.GUARDIAN_COLUMNS, name)
        _merge_value(match, name, value, guardian.line, errors, label, who)


def _merge_child(household: HouseholdData, child: ChildData, errors: list[Problem]) -> None:
    match = next((c for c in household.children if c.key == child.key), None)
    if match is None:
        household.children.append(child)
        return
    for name, value in child.values.items():
        if name in match.values and not same_value(name, match.values[name], value):
            label = cells.label_of(cells.CHILD_COLUMNS, name)
            errors.append(
                Problem(
                    child.line,
                    _("%(label)s : « %(value)s » diffère de la ligne %(first)s pour l'enfant")
                    % {"label": label, "value": value, "first": match.line},
                )
            )
        match.values.setdefault(name, value)
