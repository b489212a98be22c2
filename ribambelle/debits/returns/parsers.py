"""Reading the bank's files of returned debits: a `camt.054` notification (the entries that
took back a collected amount, with their return reason) or a `pain.002` status report (the
transactions rejected before settlement). Parsed with lxml without entities, DTD or network:
a hostile file cannot read local files nor expand into gigabytes."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from lxml import etree

CAMT_054 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.\d\d$")
PAIN_002 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.\d\d$")
MAX_BYTES = 10 * 1024 * 1024


class ReturnFileError(Exception):
    """A file that is not a return file we can read; the message is in French, for staff."""


@dataclass(frozen=True)
class ReturnedItem:
    end_to_end_id: str
    reason_code: str
    returned_on: date


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # the message's name, e.g. "camt.054.001.02"
    items: list[ReturnedItem]
    # pain.002: whole files or payment groups the bank refused ("MsgId (AM04)"): nothing of
    # them was collected, and no transaction is named; staff are told, nothing changes.
    refused: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(content: bytes) -> ParsedFile:
    if len(content) > MAX_BYTES:
        raise ReturnFileError(_("Ce fichier est trop volumineux (10 Mo au plus)."))
    try:
        root = etree.fromstring(content, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ReturnFileError(
            _("Ce fichier n'est pas un fichier XML lisible : déposez le fichier de la banque.")
        ) from error
    if root.getroottree().docinfo.doctype:
        raise ReturnFileError(_("Ce fichier contient une déclaration DTD : il est refusé."))
    namespace = etree.QName(root).namespace or ""
    kind = namespace.rpartition(":")[2]
    if CAMT_054.match(namespace):
        return ParsedFile(kind, _camt_054(root, namespace))
    if PAIN_002.match(namespace):
        return ParsedFile(kind, _pain_002(root, namespace), _pain_002_refused(root, namespace))
    raise ReturnFileError(
        _(
            "Ce fichier n'est ni un avis camt.054 ni un compte rendu pain.002 : "
            "demandez à la banque le fichier des prélèvements rejetés."
        )
    )


class _Reader:
    def __init__(self, namespace: str):
        self.ns = {"d": namespace}

    def text(self, node: etree._Element, path: str) -> str:
        found = node.xpath(f"string({path})", namespaces=self.ns)
        return str(found).strip()

    def nodes(self, node: etree._Element, path: str) -> list[etree._Element]:
        return list(node.xpath(path, namespaces=self.ns))

    def day(self, node: etree._Element, *paths: str) -> date | None:
        for path in paths:
            value = self.text(node, path)[:10]
            if value and (parsed := parse_date(value)) is not None:
                return parsed
        return None


def _created_on(reader: _Reader, root: etree._Element, header: str) -> date:
    created = reader.day(root, f"d:{header}/d:GrpHdr/d:CreDtTm")
    if created is None:
        raise ReturnFileError(_("Ce fichier n'a pas de date de création (CreDtTm)."))
    return created


def _camt_054(root: etree._Element, namespace: str) -> list[ReturnedItem]:
    """Entries with a return reason (RtrInf) or marked as a reversal (RvslInd): what the
    debtor's bank took back. Ordinary credits of the collection are ignored."""
    reader = _Reader(namespace)
    created = _created_on(reader, root, "BkToCstmrDbtCdtNtfctn")
    items = []
    for entry in reader.nodes(root, "d:BkToCstmrDbtCdtNtfctn/d:Ntfctn/d:Ntry"):
        reversal = reader.text(entry, "d:RvslInd").lower() in ("true", "1")
        booked = reader.day(entry, "d:BookgDt/d:Dt", "d:BookgDt/d:DtTm", "d:ValDt/d:Dt")
        for details in reader.nodes(entry, "d:NtryDtls/d:TxDtls"):
            code = reader.text(details, "d:RtrInf/d:Rsn/d:Cd") or reader.text(
                details, "d:RtrInf/d:Rsn/d:Prtry"
            )
            end_to_end = reader.text(details, "d:Refs/d:EndToEndId")
            if not (code or reversal) or not end_to_end:
                continue
            items.append(ReturnedItem(end_to_end, code or "MS03", booked or created))
    return items


def _pain_002(root: etree._Element, namespace: str) -> list[ReturnedItem]:
    """Transactions whose status is RJCT (rejected), with their status reason."""
    reader = _Reader(namespace)
    created = _created_on(reader, root, "CstmrPmtStsRpt")
    items = []
    for status in reader.nodes(root, "d:CstmrPmtStsRpt/d:OrgnlPmtInfAndSts/d:TxInfAndSts"):
        if reader.text(status, "d:TxSts") != "RJCT":
            continue
        end_to_end = reader.text(status, "d:OrgnlEndToEndId")
        if not end_to_end:
            continue
        code = reader.text(status, "d:StsRsnInf/d:Rsn/d:Cd") or reader.text(
            status, "d:StsRsnInf/d:Rsn/d:Prtry"
        )
        items.append(ReturnedItem(end_to_end, code or "MS03", created))
    return items


def _pain_002_refused(root: etree._Element, namespace: str) -> list[str]:
    reader = _Reader(namespace)
    refused = []
    group = "d:CstmrPmtStsRpt/d:OrgnlGrpInfAndSts"
    if reader.text(root, f"{group}/d:GrpSts") == "RJCT":
        code = reader.text(root, f"{group}/d:StsRsnInf/d:Rsn/d:Cd")
        refused.append(f"{reader.text(root, f'{group}/d:OrgnlMsgId')} ({code or '?'})")
    for payment in reader.nodes(root, "d:CstmrPmtStsRpt/d:OrgnlPmtInfAndSts"):
        if reader.text(payment, "d:PmtInfSts") == "RJCT":
            code = reader.text(payment, "d:StsRsnInf/d:Rsn/d:Cd")
            refused.append(f"{reader.text(payment, 'd:OrgnlPmtInfId')} ({code or '?'})")
    return refused
