"""The part of the PES V2 "Aller recette" format (DGFiP, Hélios) that Ribambelle writes: for each
block, its children in the order the specification gives them, their cardinality and, for a leaf
(a value in its `V` attribute), the format of the value. The writer follows this order and the
checker (check.py) reads the same table, written from the public documentation of the format
(docs/decisions/0017-pes-v2-export.md: sources, and what could not be verified)."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODING = "ISO-8859-1"
UNBOUNDED = 10**9

# Codes of a childcare title (docs/decisions/0017): an ORMC bordereau (multi-creditor
# receipt orders, which lets the treasury offer PayFiP), one ordinary title per invoice,
# a private person without a Hélios identifier.
TYPE_BORDEREAU = "06"
TYPE_PIECE = "15"
NATURE_PIECE = "01"
PJ_SUPPORT = "01"  # the attachment travels in the same file (PES_PJ)
TIERS_CATEGORY = "01"  # personne physique
TIERS_LEGAL_NATURE = "01"  # particulier
TIERS_TYPE = "01"
ADDRESS_TYPE = "1"  # the main address
RESIDENT = "0"  # lives in France

Validator = Callable[[str], str | None]


def _pattern(regex: str, what: str) -> Validator:
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"{what} expected, got {value!r}"

    return check


def text(length: int) -> Validator:
    def check(value: str) -> str | None:
        if not value.strip():
            return "empty text"
        if len(value) > length:
            return f"text longer than {length} characters"
        try:
            value.encode(ENCODING)
        except UnicodeEncodeError:
            return f"character outside {ENCODING}"
        return None

    return check


def digits(minimum: int, maximum: int) -> Validator:
    return _pattern(rf"[0-9]{{{minimum},{maximum}}}", f"{minimum} to {maximum} digits")


def code(*allowed: str) -> Validator:
    def check(value: str) -> str | None:
        return None if value in allowed else f"one of {', '.join(allowed)} expected"

    return check


DATE = _pattern(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", "ISO date")
AMOUNT = _pattern(r"-?[0-9]{1,13}\.[0-9]{2}", "amount with 2 decimals")
ALNUM = _pattern(r"[0-9A-Za-z]{1,10}", "1 to 10 letters or digits")


@dataclass(frozen=True)
class Child:
    name: str
    minimum: int = 0
    maximum: int = 1
    # A leaf's value format; None for a block, described by its own entry of BLOCKS.
    value: Validator | None = None


def one(name: str, value: Validator | None = None) -> Child:
    return Child(name, 1, 1, value)


def optional(name: str, value: Validator | None = None) -> Child:
    return Child(name, 0, 1, value)


def many(name: str, minimum: int = 1) -> Child:
    return Child(name, minimum, UNBOUNDED)


ANY = text(500)

BLOCKS: dict[str, list[Child]] = {
    "PES_Aller": [
        optional("Enveloppe"),
        one("EnTetePES"),
        optional("PES_RecetteAller"),
        optional("PES_PJ"),
    ],
    "Enveloppe": [one("Parametres"), optional("Emetteur"), optional("Recepteur")],
    "Parametres": [
        one("Version", code("2")),
        one("TypFic", text(20)),
        one("NomFic", text(100)),
    ],
    "Emetteur": [one("Sigle", text(50)), optional("Adresse", text(100))],
    "Recepteur": [one("Sigle", text(50)), optional("Adresse", text(100))],
    "EnTetePES": [
        one("DteStr", DATE),
        one("IdPost", digits(6, 7)),
        optional("LibellePoste", text(50)),
        one("IdColl", digits(14, 14)),  # the collectivity's SIRET
        optional("FinJur", digits(9, 9)),
        one("CodCol", _pattern(r"[0-9A-Z]{3}", "3 digits or capitals")),
        one("CodBud", _pattern(r"[0-9A-Z]{2}", "2 digits or capitals")),
        one("LibelleColBud", text(50)),
    ],
    "PES_RecetteAller": [one("EnTeteRecette"), many("Bordereau")],
    "EnTeteRecette": [one("IdVer", code("2")), optional("InfoDematerialisee", code("0", "1"))],
    "Bordereau": [one("BlocBordereau"), many("Piece")],
    "BlocBordereau": [
        one("Exer", digits(4, 4)),
        one("IdBord", digits(1, 7)),
        one("DteBordEm", DATE),
        one("TypBord", digits(2, 2)),
        one("NbrPce", digits(1, 7)),
        one("MtCumulAnnuel", AMOUNT),
        one("MtBordHt", AMOUNT),
        optional("MtBordTVA", AMOUNT),
        optional("DteAsp", DATE),
        optional("Objet", text(160)),
    ],
    "Piece": [one("BlocPiece"), many("LigneDePiece")],
    "BlocPiece": [
        optional("CodServ", ANY),
        optional("Affect", ANY),
        one("IdPce", digits(1, 8)),
        one("TypPce", digits(2, 2)),
        one("NatPce", digits(2, 2)),
        optional("IdRol", ANY),
        optional("DteAsp", DATE),
        optional("Edition", ANY),
        one("ObjPce", text(160)),
        optional("DebFact", DATE),
        optional("FinFact", DATE),
        optional("NumDette", text(15)),
        optional("Per", ANY),
        optional("Cle1", digits(1, 1)),
        optional("Cle2", _pattern(r"[A-Z]", "one capital letter")),
        many("PJRef", 0),
        optional("NumeroFacture", text(20)),
    ],
    "PJRef": [one("Support", digits(2, 2)), one("IdUnique", text(50)), one("NomPJ", text(100))],
    "LigneDePiece": [one("BlocLignePiece"), one("Tiers"), many("Recouvrement", 0)],
    "BlocLignePiece": [
        one("InfoLignePiece"),
        optional("InfoPrelevement"),
        optional("InfoPrelevementSEPA"),
    ],
    "InfoLignePiece": [
        one("IdLigne", digits(1, 6)),
        optional("ObjLignePce", text(160)),
        optional("CodProdLoc", ANY),
        optional("FinGeo", ANY),
        optional("CodEtGeo", ANY),
        one("Nature", ALNUM),
        optional("Fonction", ALNUM),
        optional("Operation", ANY),
        optional("TxTva", ANY),
        optional("Majo", code("0", "1")),
        optional("DteMajo", DATE),
        optional("TxMajo", ANY),
        optional("CpteTiers", ANY),
        optional("TvaIntraCom", code("0", "1")),
        optional("TVAImportation", ANY),
        one("MtHT", AMOUNT),
        optional("MtTVA", AMOUNT),
    ],
    "Tiers": [one("InfoTiers"), many("Adresse"), optional("CpteBancaire")],
    "InfoTiers": [
        optional("IdTiers", ANY),
        optional("DteNaissance", DATE),
        optional("NatIdTiers", ANY),
        optional("DteIdTiers", DATE),
        optional("RefTiers", ANY),
        one("CatTiers", digits(2, 2)),
        one("NatJur", digits(2, 2)),
        optional("TypTiers", digits(2, 2)),
        optional("Civilite", code("M", "MME")),
        one("Nom", text(38)),
        optional("ComplNom", text(38)),
        optional("Prenom", text(38)),
    ],
    "Adresse": [
        one("TypAdr", digits(1, 1)),
        optional("Adr1", text(38)),
        one("Adr2", text(38)),
        optional("Adr3", text(38)),
        optional("CP", digits(5, 5)),
        one("Ville", text(38)),
        one("CodRes", digits(1, 1)),
        optional("CodPays", ANY),
    ],
    "PES_PJ": [one("EnTetePES_PJ"), many("PJ")],
    "EnTetePES_PJ": [one("IdVer", code("1"))],
    "PJ": [
        one("Contenu"),
        one("IdUnique", text(50)),
        one("NomPJ", text(100)),
        optional("TypePJ", ANY),
        optional("Description", text(255)),
    ],
    "Contenu": [one("Fichier")],
}
# Leaves whose value is the element's text rather than its V attribute.
TEXT_LEAVES = {"Fichier"}


def amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


# Letters of ISO-8859-1 that typography or names bring and that it has no room for.
_REPLACEMENTS = str.maketrans(
    {"Œ": "OE", "œ": "oe", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}
)


def latin1(value: str, length: int, *, upper: bool = True) -> str:
    """`value` on one line, in the file's encoding (what it cannot hold loses its accent or
    goes), cut to `length`: Hélios prints names and addresses in capitals."""
    value = " ".join(value.translate(_REPLACEMENTS).split())
    if upper:
        value = value.upper()  # before the filter: "ÿ" is in ISO-8859-1, "Ÿ" is not
    try:
        value.encode(ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return value[:length].strip()
    kept = []
    for char in value:
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            char = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        kept.append(char)
    return "".join(kept)[:length].strip()
