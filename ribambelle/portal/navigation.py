"""The families' main band. An entry appears once its page exists: later issues add Mon foyer,
Mes enfants, Réservations, Mes factures, Mes documents and Messagerie here."""

from django.utils.translation import gettext_lazy as _

PORTAL_NAV = [
    ("portal:home", _("Accueil")),
    ("families:household", _("Mon foyer")),
    ("families:children", _("Mes enfants")),
]

STAFF_NAV = [
    ("backoffice:home", _("Tableau de bord")),
    ("backoffice:departments", _("Services")),
    ("backoffice:staff", _("Personnel")),
]
