"""Reads the treasury's acknowledgement of a PES file (PES_Acquit): for each bordereau, and for
each pièce when Hélios names one, whether it was taken (EtatAck 1) or refused, with the
anomaly's number and label. Parsed without entities nor network access (the file comes from a
staff upload)."""

from dataclasses import dataclass

from lxml import etree


class AcquitError(ValueError):
    """The file is not a readable PES_Acquit."""


@dataclass(frozen=True)
class Acknowledgement:
    year: str
    bordereau: str
    piece: str  # "" when the element speaks of the whole bordereau
    accepted: bool
    message: str


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag) == name.lower():
            return child
    return None


def _value(element: etree._Element, name: str) -> str:
    child = _child(element, name)
    return "" if child is None else (child.get("V") or "").strip()


def parse_acquit(content: bytes) -> list[Acknowledgement]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise AcquitError(str(error)) from error
    if _local(root.tag) != "pes_acquit":
        raise AcquitError("not a PES_Acquit")
    found = []
    for element in root.iter():
        if _local(element.tag) != "elementacquit":
            continue
        anomaly = _child(element, "Erreur")
        message = ""
        if anomaly is not None:
            number, label = _value(anomaly, "NumAnoAck"), _value(anomaly, "LibelleAnoAck")
            message = f"{number} : {label}" if number and label else number or label
        found.append(
            Acknowledgement(
                year=_value(element, "ExerciceBord"),
                bordereau=_value(element, "NumBord"),
                piece=_value(element, "NumPiece"),
                accepted=_value(element, "EtatAck") == "1",
                message=message[:250],
            )
        )
    return found
