"""The collection file: an ISO 20022 pain.008 (SEPA Core direct debit initiation) written by
`sepaxml` and checked against the schema it ships before anyone stores or downloads it.

sepaxml draws random message and payment-information identifiers and stamps the current time;
a batch here has its own identifiers and creation time instead, so that the same batch always
gives the same bytes (invariant 11)."""

import functools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import sepaxml
from lxml import etree
from sepaxml import SepaDD

from ribambelle.debits.rules import sepa_text

SCHEMAS = Path(sepaxml.__file__).parent / "schemas"
PAIN_008_001_02 = "pain.008.001.02"
PAIN_008_001_08 = "pain.008.001.08"


# ISO 20022 lengths: a name at most 70 characters, the unstructured remittance 140.
NAME_LENGTH = 70
REMITTANCE_LENGTH = 140


class InvalidFile(Exception):
    """The file does not validate against its ISO 20022 schema (a bug: never offered)."""


@dataclass(frozen=True)
class CreditorAccount:
    name: str
    ics: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transaction:
    end_to_end_id: str
    amount_cents: int
    sequence: str  # FRST or RCUR
    mandate_reference: str
    signed_on: date
    debtor_name: str
    iban: str
    bic: str
    description: str
    amendment: str = ""  # SMNDA: an amended mandate now at another bank
    original_iban: str = ""  # an amended mandate at the same bank: the account it replaced


class _File(SepaDD):
    def __init__(self, config: dict, scheme: str, message_id: str, created_at: datetime) -> None:
        super().__init__(config, schema=scheme, clean=True)
        self.msg_id = message_id
        header = self._xml.find("CstmrDrctDbtInitn/GrpHdr")
        assert header is not None
        header.find("MsgId").text = message_id
        header.find("CreDtTm").text = created_at.strftime("%Y-%m-%dT%H:%M:%S")

    def add(self, payment: dict, transaction: Transaction) -> None:
        self.add_payment(payment)
        if not (transaction.amendment or transaction.original_iban):
            return
        key = f"{payment['type']}::{payment['collection_date']}"
        node = self._batches[key][-1].find("DrctDbtTx/MndtRltdInf")
        ET.SubElement(node, "AmdmntInd").text = "true"
        details = ET.SubElement(node, "AmdmntInfDtls")
        if transaction.original_iban:
            account = ET.SubElement(details, "OrgnlDbtrAcct")
            ET.SubElement(ET.SubElement(account, "Id"), "IBAN").text = transaction.original_iban
        if transaction.amendment:
            agent = ET.SubElement(ET.SubElement(details, "OrgnlDbtrAgt"), "FinInstnId")
            ET.SubElement(ET.SubElement(agent, "Othr"), "Id").text = transaction.amendment

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for number, node in enumerate(self._xml.iter("PmtInfId"), start=1):
            node.text = f"{self.msg_id}-{number}"


def build(
    *,
    scheme: str,
    message_id: str,
    created_at: datetime,
    creditor: CreditorAccount,
    collection_on: date,
    transactions: Iterable[Transaction],
) -> bytes:
    """The pain.008 of one collection date: one payment information block per sequence type
    (FRST, RCUR), the totals computed by sepaxml, then checked against the schema."""
    config = {
        "name": sepa_text(creditor.name, NAME_LENGTH),
        "IBAN": creditor.iban,
        "BIC": creditor.bic,
        "batch": True,
        "creditor_id": creditor.ics,
        "currency": "EUR",
        "instrument": "CORE",
    }
    with warnings.catch_warnings():
        # sepaxml tests elements' truth values, which Python 3.12+ deprecates (harmless here).
        warnings.simplefilter("ignore", DeprecationWarning)
        data = _document(config, scheme, message_id, created_at, collection_on, transactions)
    validate(data, scheme)
    return data


def _document(
    config: dict,
    scheme: str,
    message_id: str,
    created_at: datetime,
    collection_on: date,
    transactions: Iterable[Transaction],
) -> bytes:
    document = _File(config, scheme, message_id, created_at)
    for transaction in transactions:
        payment = {
            "name": sepa_text(transaction.debtor_name, NAME_LENGTH),
            "IBAN": transaction.iban,
            "amount": transaction.amount_cents,
            "type": transaction.sequence,
            "collection_date": collection_on,
            "mandate_id": transaction.mandate_reference,
            "mandate_date": transaction.signed_on,
            "description": sepa_text(transaction.description, REMITTANCE_LENGTH),
            "endtoend_id": transaction.end_to_end_id,
        }
        if transaction.bic:
            payment["BIC"] = transaction.bic
        document.add(payment, transaction)
    data: bytes = document.export(validate=False)
    return data


@functools.cache
def _schema(scheme: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"{scheme}.xsd")))


def validate(data: bytes, scheme: str) -> None:
    """Raise InvalidFile unless `data` validates against the ISO 20022 schema of `scheme`."""
    schema = _schema(scheme)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    if not schema.validate(etree.fromstring(data, parser)):
        raise InvalidFile(str(schema.error_log.last_error))
