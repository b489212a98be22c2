"""A structural check of a PES V2 "PES_Aller" recette file, written from the documentation of
the format (spec.BLOCKS; docs/decisions/0017), since the official XSD is not published where we
could take it: the blocks, their order and cardinality, the format and length of every value,
and what ties them together (NbrPce, the sums of the bordereau and of its pièces, the
attachments each pièce refers to, each attachment a PDF that opens).

Read as a stream (iterparse): each pièce and each attachment is checked, then dropped, so that
a file of 5,000 PDFs is checked in bounded memory."""

import base64
import binascii
import gzip
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ribambelle.treasury.pes import spec

ROOT = f"{{{spec.NAMESPACE}}}PES_Aller"
# Blocks checked when they end, then cleared: the final pass over the root skips them.
STREAMED = {"Piece", "PJ"}
DECLARATION = re.compile(rb"<\?xml version=['\"]1\.0['\"] encoding=['\"]ISO-8859-1['\"]", re.I)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    pieces: int = 0
    total: Decimal = Decimal("0.00")
    attachments: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _State:
    report: Report
    piece_ids: set[str] = field(default_factory=set)
    referenced: dict[str, str] = field(default_factory=dict)  # IdUnique -> IdPce
    attachments: set[str] = field(default_factory=set)


def check_pes(source: str | IO[bytes]) -> Report:
    """Check the file at `source` (a path or a binary file)."""
    state = _State(Report())
    report = state.report
    if isinstance(source, str):
        with open(source, "rb") as stream:
            head = stream.read(200)
    else:
        head = source.read(200)
        source.seek(0)
    if not DECLARATION.match(head):
        report.errors.append(f"the XML declaration does not give the encoding {spec.ENCODING}")
    try:
        for _event, element in etree.iterparse(source, events=("end",), huge_tree=True):
            if element.tag == "Piece":
                _check_piece(state, element)
                element.clear()
            elif element.tag == "PJ":
                _check_attachment(state, element)
                element.clear()
            elif element.tag == ROOT:
                _check_root(state, element)
    except etree.XMLSyntaxError as error:
        report.errors.append(f"not well-formed XML: {error}")
        return report
    for unique_id, piece_id in state.referenced.items():
        if unique_id not in state.attachments:
            report.errors.append(f"Piece {piece_id}: PJRef {unique_id} has no PJ")
    return report


def _block(report: Report, element: etree._Element, path: str, *, deep: bool = True) -> None:
    """The children of `element`: known, in order, each within its cardinality, each leaf's
    value in its format; then each child block, unless streamed (checked on its own)."""
    name = element.tag if element.tag != ROOT else "PES_Aller"
    children = spec.BLOCKS[name]
    position = 0
    counts: dict[str, int] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment
        while position < len(children) and children[position].name != child.tag:
            position += 1
        if position == len(children):
            report.errors.append(f"{path}: unexpected or misplaced <{child.tag}>")
            return
        expected = children[position]
        counts[child.tag] = counts.get(child.tag, 0) + 1
        child_path = f"{path}/{child.tag}"
        if expected.name in spec.BLOCKS:
            if expected.name not in STREAMED and deep:
                _block(report, child, child_path)
        else:
            _leaf(report, child, child_path, expected)
    for expected in children:
        found = counts.get(expected.name, 0)
        if not expected.minimum <= found <= expected.maximum:
            report.errors.append(
                f"{path}: {found} <{expected.name}>, expected "
                f"{expected.minimum} to {expected.maximum if expected.maximum < 10**9 else 'n'}"
            )


def _leaf(report: Report, element: etree._Element, path: str, expected: spec.Child) -> None:
    if len(element):
        report.errors.append(f"{path}: a value has no children")
        return
    if expected.name in spec.TEXT_LEAVES:
        return
    value = element.get("V")
    if value is None:
        report.errors.append(f"{path}: no V attribute")
    elif expected.value is not None and (problem := expected.value(value)):
        report.errors.append(f"{path}: {problem}")


def _value(element: etree._Element, path: str) -> str:
    found = element.find(path)
    return "" if found is None else found.get("V", "")


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _check_piece(state: _State, piece: etree._Element) -> None:
    report = state.report
    piece_id = _value(piece, "BlocPiece/IdPce")
    path = f"Piece {piece_id or '?'}"
    _block(report, piece, path)
    report.pieces += 1
    if piece_id in state.piece_ids:
        report.errors.append(f"{path}: IdPce given twice")
    state.piece_ids.add(piece_id)
    line_ids = [_value(line, "BlocLignePiece/InfoLignePiece/IdLigne") for line in piece]
    line_ids = [line_id for line_id in line_ids if line_id]
    if len(set(line_ids)) != len(line_ids):
        report.errors.append(f"{path}: IdLigne given twice")
    for line in piece.iterfind("LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT"):
        value = _decimal(line.get("V", ""))
        if value is None or value <= 0:
            report.errors.append(f"{path}: a line's MtHT is not a positive amount")
        else:
            report.total += value
    for reference in piece.iterfind("BlocPiece/PJRef"):
        state.referenced[_value(reference, "IdUnique")] = piece_id


def _check_attachment(state: _State, attachment: etree._Element) -> None:
    report = state.report
    unique_id = _value(attachment, "IdUnique")
    path = f"PJ {unique_id or '?'}"
    _block(report, attachment, path)
    report.attachments += 1
    if unique_id in state.attachments:
        report.errors.append(f"{path}: IdUnique given twice")
    state.attachments.add(unique_id)
    content = attachment.find("Contenu/Fichier")
    if content is None:
        return
    if content.get("MIMEType") != "application/pdf":
        report.errors.append(f"{path}: MIMEType is not application/pdf")
    if problem := pdf_problem(content.text or ""):
        report.errors.append(f"{path}: {problem}")


def pdf_problem(encoded: str) -> str | None:
    """Why the content of a Fichier is not a PDF (base64 of the gzip-compressed file)."""
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error:
        return "content is not base64"
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return "content is not valid gzip"
    if not data.startswith(b"%PDF"):
        return "content is not a PDF"
    try:
        if not PdfReader(io.BytesIO(data)).pages:
            return "the PDF has no page"
    except (PdfReadError, ValueError, KeyError) as error:
        return f"the PDF does not open: {error}"
    return None


def _check_root(state: _State, root: etree._Element) -> None:
    report = state.report
    _block(report, root, "PES_Aller")
    recette = root.find("PES_RecetteAller")
    if recette is None:
        report.errors.append("PES_Aller: no PES_RecetteAller")
        return
    for index, bordereau in enumerate(recette.iterfind("Bordereau"), start=1):
        block = bordereau.find("BlocBordereau")
        if block is None:
            continue
        pieces = len(bordereau.findall("Piece"))
        if _value(block, "NbrPce") != str(pieces):
            report.errors.append(
                f"Bordereau {index}: NbrPce {_value(block, 'NbrPce')} for {pieces} pièces"
            )
        total = _decimal(_value(block, "MtBordHt"))
        if total != report.total:
            report.errors.append(
                f"Bordereau {index}: MtBordHt {total} is not the sum of its lines {report.total}"
            )
        cumulative = _decimal(_value(block, "MtCumulAnnuel"))
        if total is not None and cumulative is not None and cumulative < total:
            report.errors.append(f"Bordereau {index}: MtCumulAnnuel below MtBordHt")
