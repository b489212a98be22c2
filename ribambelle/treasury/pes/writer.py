"""Writes a PES V2 "PES_Aller" file (recette and its attachments) as a stream: elements go to
the output as they are produced (lxml's xmlfile), and the invoices' PDFs are read, compressed
and encoded one at a time, so that a bordereau of 5,000 invoices never holds more than one PDF
in memory. The order of the elements is the specification's (spec.BLOCKS).

Pure of the database: the caller gives the header and two passes over the pièces (the titles
first, then their attachments), and how to read a pièce's PDF."""

import base64
import gzip
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from lxml import etree

from ribambelle.treasury.pes import spec
from ribambelle.treasury.pes.spec import amount, latin1


@dataclass(frozen=True)
class Header:
    file_name: str
    produced_on: date
    post_code: str
    siret: str
    collectivity_code: str
    budget_code: str
    label: str  # LibelleColBud: the collectivity and its budget
    year: int
    bordereau: int
    count: int
    total: Decimal
    cumulative: Decimal  # every title of the office's year, this bordereau included
    title_object: str


@dataclass(frozen=True)
class Line:
    nature: str
    function: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Debtor:
    civility: str  # "M", "MME" or ""
    last_name: str
    first_name: str
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class Piece:
    number: int
    invoice_id: int
    invoice_number: str
    period_start: date
    period_end: date
    lines: list[Line]
    debtor: Debtor
    attachment_id: str
    attachment_name: str
    keys: tuple[int, str] | None = None  # ORMC keys (Cle1, Cle2) when PayFiP is offered
    source: Any = field(default=None, compare=False, repr=False)  # what read_pdf reads


def _leaf(xf: Any, name: str, value: str) -> None:
    xf.write(etree.Element(name, V=value))


def write_pes(
    output: str | IO[bytes],
    header: Header,
    pieces: Callable[[], Iterable[Piece]],
    read_pdf: Callable[[Piece], bytes],
) -> None:
    """Write the file to `output` (a path or a binary file). `pieces()` is called twice."""
    with etree.xmlfile(output, encoding=spec.ENCODING) as xf:
        xf.write_declaration()
        nsmap = {"n": spec.NAMESPACE}
        with xf.element(f"{{{spec.NAMESPACE}}}PES_Aller", nsmap=nsmap):
            _envelope(xf, header)
            _header(xf, header)
            with xf.element("PES_RecetteAller"):
                with xf.element("EnTeteRecette"):
                    _leaf(xf, "IdVer", "2")
                    _leaf(xf, "InfoDematerialisee", "0")
                with xf.element("Bordereau"):
                    _bordereau(xf, header)
                    for piece in pieces():
                        _piece(xf, header, piece)
                    xf.flush()
            with xf.element("PES_PJ"):
                with xf.element("EnTetePES_PJ"):
                    _leaf(xf, "IdVer", "1")
                for piece in pieces():
                    _attachment(xf, piece, read_pdf(piece))


def _envelope(xf: Any, header: Header) -> None:
    with xf.element("Enveloppe"):
        with xf.element("Parametres"):
            _leaf(xf, "Version", "2")
            _leaf(xf, "TypFic", "PESORMC")
            _leaf(xf, "NomFic", latin1(header.file_name, 100, upper=False))
        with xf.element("Emetteur"):
            _leaf(xf, "Sigle", "Ribambelle")


def _header(xf: Any, header: Header) -> None:
    with xf.element("EnTetePES"):
        _leaf(xf, "DteStr", header.produced_on.isoformat())
        _leaf(xf, "IdPost", header.post_code)
        _leaf(xf, "IdColl", header.siret)
        _leaf(xf, "CodCol", header.collectivity_code)
        _leaf(xf, "CodBud", header.budget_code)
        _leaf(xf, "LibelleColBud", latin1(header.label, 50))


def _bordereau(xf: Any, header: Header) -> None:
    with xf.element("BlocBordereau"):
        _leaf(xf, "Exer", str(header.year))
        _leaf(xf, "IdBord", str(header.bordereau))
        _leaf(xf, "DteBordEm", header.produced_on.isoformat())
        _leaf(xf, "TypBord", spec.TYPE_BORDEREAU)
        _leaf(xf, "NbrPce", str(header.count))
        _leaf(xf, "MtCumulAnnuel", amount(header.cumulative))
        _leaf(xf, "MtBordHt", amount(header.total))
        _leaf(xf, "Objet", latin1(header.title_object, 160))


def _piece(xf: Any, header: Header, piece: Piece) -> None:
    with xf.element("Piece"):
        with xf.element("BlocPiece"):
            _leaf(xf, "IdPce", str(piece.number))
            _leaf(xf, "TypPce", spec.TYPE_PIECE)
            _leaf(xf, "NatPce", spec.NATURE_PIECE)
            _leaf(
                xf, "ObjPce", latin1(f"Facture {piece.invoice_number} {header.title_object}", 160)
            )
            _leaf(xf, "DebFact", piece.period_start.isoformat())
            _leaf(xf, "FinFact", piece.period_end.isoformat())
            _leaf(xf, "NumDette", latin1(piece.invoice_number, 15))
            if piece.keys is not None:
                _leaf(xf, "Cle1", str(piece.keys[0]))
                _leaf(xf, "Cle2", piece.keys[1])
            with xf.element("PJRef"):
                _leaf(xf, "Support", spec.PJ_SUPPORT)
                _leaf(xf, "IdUnique", piece.attachment_id)
                _leaf(xf, "NomPJ", piece.attachment_name)
            _leaf(xf, "NumeroFacture", latin1(piece.invoice_number, 20))
        for index, line in enumerate(piece.lines, start=1):
            with xf.element("LigneDePiece"):
                with xf.element("BlocLignePiece"), xf.element("InfoLignePiece"):
                    _leaf(xf, "IdLigne", str(index))
                    _leaf(xf, "ObjLignePce", latin1(line.label, 160))
                    _leaf(xf, "Nature", line.nature)
                    if line.function:
                        _leaf(xf, "Fonction", line.function)
                    _leaf(xf, "Majo", "0")
                    _leaf(xf, "TvaIntraCom", "0")
                    _leaf(xf, "MtHT", amount(line.amount))
                _tiers(xf, piece.debtor)


def _tiers(xf: Any, debtor: Debtor) -> None:
    with xf.element("Tiers"):
        with xf.element("InfoTiers"):
            _leaf(xf, "CatTiers", spec.TIERS_CATEGORY)
            _leaf(xf, "NatJur", spec.TIERS_LEGAL_NATURE)
            _leaf(xf, "TypTiers", spec.TIERS_TYPE)
            if debtor.civility:
                _leaf(xf, "Civilite", debtor.civility)
            _leaf(xf, "Nom", latin1(debtor.last_name, 38) or "INCONNU")
            if first_name := latin1(debtor.first_name, 38):
                _leaf(xf, "Prenom", first_name)
        with xf.element("Adresse"):
            _leaf(xf, "TypAdr", spec.ADDRESS_TYPE)
            _leaf(xf, "Adr2", latin1(debtor.street, 38) or "ADRESSE NON RENSEIGNEE")
            if len(debtor.postal_code) == 5 and debtor.postal_code.isdigit():
                _leaf(xf, "CP", debtor.postal_code)
            _leaf(xf, "Ville", latin1(debtor.city, 38) or "INCONNUE")
            _leaf(xf, "CodRes", spec.RESIDENT)


def _attachment(xf: Any, piece: Piece, pdf: bytes) -> None:
    """One PJ: the PDF compressed (gzip, without a timestamp, so that the same invoice gives
    the same bytes; its streams are compressed already, so the fastest level loses little)
    and encoded in base64, written in pieces of text."""
    with xf.element("PJ"):
        with xf.element("Contenu"), xf.element("Fichier", MIMEType="application/pdf"):
            for chunk in _base64_chunks(gzip.compress(pdf, compresslevel=1, mtime=0)):
                xf.write(chunk)
        _leaf(xf, "IdUnique", piece.attachment_id)
        _leaf(xf, "NomPJ", piece.attachment_name)
    xf.flush()


def _base64_chunks(data: bytes, size: int = 3 * 1024 * 64) -> Iterator[str]:
    for start in range(0, len(data), size):
        yield base64.b64encode(data[start : start + size]).decode("ascii")
