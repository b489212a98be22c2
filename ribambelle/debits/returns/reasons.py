"""The ISO 20022 reason codes of returned SEPA direct debits (EPC rulebook, R-transactions),
as staff and families read them."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "AC01": _("IBAN incorrect"),
    "AC04": _("compte clos"),
    "AC06": _("compte bloqué"),
    "AC13": _("compte d'un consommateur non autorisé"),
    "AG01": _("prélèvement interdit sur ce compte"),
    "AG02": _("code opération incorrect"),
    "AM04": _("provision insuffisante"),
    "AM05": _("prélèvement en double"),
    "BE05": _("créancier inconnu de la banque"),
    "CNOR": _("banque du créancier non joignable"),
    "DNOR": _("banque du débiteur non joignable"),
    "FF01": _("fichier ou opération invalide"),
    "FOCR": _("annulation demandée par le créancier"),
    "MD01": _("pas de mandat"),
    "MD02": _("données du mandat manquantes ou incorrectes"),
    "MD06": _("remboursement demandé par le débiteur"),
    "MD07": _("débiteur décédé"),
    "MS02": _("refus du débiteur"),
    "MS03": _("raison non communiquée"),
    "RC01": _("BIC incorrect"),
    "RR01": _("identification du débiteur manquante (réglementation)"),
    "RR02": _("nom ou adresse du débiteur manquant (réglementation)"),
    "RR03": _("nom ou adresse du créancier manquant (réglementation)"),
    "RR04": _("motif réglementaire"),
    "SL01": _("service particulier de la banque du débiteur (liste blanche ou noire)"),
}


def reason_label(code: str) -> str:
    """ "AM04 : provision insuffisante"; an unknown code is shown as the bank wrote it."""
    label = REASONS.get(code)
    return f"{code} : {label}" if label is not None else code


def reason_choices() -> list[tuple[str, str]]:
    return [(code, reason_label(code)) for code in REASONS]
