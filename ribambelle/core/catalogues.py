"""Compile gettext catalogues (.po) into the binary form Django reads (.mo), in pure Python.

Every install path must serve the English interface: the package build (setup.py), `make demo`
and `make test` all call this, so that no server needs GNU gettext's msgfmt. It reads what
Django's makemessages writes (contexts, plurals, multi-line strings, flags) and writes what
msgfmt would for it: fuzzy and untranslated entries are left out, so that the French source text
shows instead. Standard library only: setup.py loads this file before Django is installed.

    python -m ribambelle.core.catalogues [LOCALE_DIR]
"""

from __future__ import annotations

import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

MO_MAGIC = 0x950412DE
DEFAULT_LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


class CatalogueError(ValueError):
    """A .po file this compiler cannot read; the message names the file and the line."""


@dataclass
class Entry:
    context: str | None = None
    msgid: str | None = None
    plural: str | None = None
    translations: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    def key(self) -> str:
        key = self.msgid or ""
        if self.plural is not None:
            key += "\0" + self.plural
        return key if self.context is None else f"{self.context}\x04{key}"

    def value(self) -> str | None:
        """None when the entry must not be compiled: fuzzy, or a translation is missing."""
        if self.fuzzy or not self.translations:
            return None
        forms = [self.translations.get(n, "") for n in range(max(self.translations) + 1)]
        if not all(forms):
            return None
        if self.msgid == "" and self.context is None:
            # As msgfmt does: the template's date would make each build differ.
            forms = [re.sub(r"^POT-Creation-Date:.*\n", "", forms[0], flags=re.MULTILINE)]
        return "\0".join(forms)


def _unquote(literal: str, where: str) -> str:
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise CatalogueError(f"{where}: expected a quoted string")

    def unescape(match: re.Match) -> str:
        char = match.group(1)
        if char in _ESCAPES:
            return _ESCAPES[char]
        if char in "\\\"'?":
            return char
        raise CatalogueError(f"{where}: unsupported escape \\{char}")

    return re.sub(r"\\(.)", unescape, literal[1:-1])


def parse(text: str, name: str = "<po>") -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def close() -> None:
        nonlocal entry, target
        if entry.msgid is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        if line.startswith("#"):
            if entry.msgid is not None and target is not None and target[0] == "msgstr":
                close()
            if line.startswith("#,") and "fuzzy" in {f.strip() for f in line[2:].split(",")}:
                entry.fuzzy = True
            continue
        if line.startswith('"'):
            if target is None:
                raise CatalogueError(f"{where}: string outside an entry")
            kind, index = target
            piece = _unquote(line, where)
            if kind == "msgstr":
                entry.translations[index or 0] += piece
            else:
                setattr(entry, kind, getattr(entry, kind) + piece)
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise CatalogueError(f"{where}: unexpected line {line[:40]!r}")
        keyword, plural_index, literal = match.group(1), match.group(2), match.group(3)
        value = _unquote(literal, where)
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            close()
        if keyword == "msgctxt":
            entry.context, target = value, ("context", None)
        elif keyword == "msgid":
            entry.msgid, target = value, ("msgid", None)
        elif keyword == "msgid_plural":
            entry.plural, target = value, ("plural", None)
        else:
            position = int(plural_index) if plural_index is not None else 0
            entry.translations[position] = value
            target = ("msgstr", position)
    close()
    return entries


def mo_bytes(entries: list[Entry]) -> bytes:
    """The GNU .mo format, little-endian, without hash table, keys sorted as msgfmt does."""
    pairs = sorted(
        (entry.key().encode("utf-8"), value.encode("utf-8"))
        for entry in entries
        if (value := entry.value()) is not None
    )
    count = len(pairs)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    strings_at = translations_at + count * 8
    tables, blob = [], b""
    for group in (0, 1):
        table = []
        for pair in pairs:
            table.append((len(pair[group]), strings_at + len(blob)))
            blob += pair[group] + b"\0"
        tables.append(table)
    header = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, strings_at)
    offsets = b"".join(struct.pack("<2I", *item) for table in tables for item in table)
    return header + offsets + blob


def compile_file(po_path: Path, mo_path: Path | None = None) -> bool:
    """Write the .mo beside the .po (or at mo_path); True when its content changed."""
    mo_path = mo_path or po_path.with_suffix(".mo")
    content = mo_bytes(parse(po_path.read_text(encoding="utf-8"), str(po_path)))
    if mo_path.exists() and mo_path.read_bytes() == content:
        return False
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    mo_path.write_bytes(content)
    return True


def compile_tree(source: Path, target: Path | None = None) -> list[Path]:
    """Compile every .po under `source`, into the same place under `target` (default:
    beside each .po). Returns the .mo files written."""
    written = []
    for po_path in sorted(source.rglob("*.po")):
        mo_path = (target or source) / po_path.relative_to(source).with_suffix(".mo")
        if compile_file(po_path, mo_path):
            written.append(mo_path)
    return written


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_LOCALE_DIR
    try:
        written = compile_tree(source)
    except CatalogueError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(f"compiled {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
