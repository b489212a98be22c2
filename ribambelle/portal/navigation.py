"""The main bands. An entry appears once its page exists: later issues add Réservations, Mes
factures, Mes documents and Messagerie to the families' band. A staff entry may be limited to
managers."""

from django.utils.translation import gettext_lazy as _

PORTAL_NAV = [
    ("portal:home", _("Accueil")),
    ("families:household", _("Mon foyer")),
    ("families:children", _("Mes enfants")),
]

STAFF_NAV = [
    ("backoffice:home", _("Tableau de bord")),
    ("families_staff:search", _("Familles")),
    ("families_staff:queue", _("Demandes")),
    ("backoffice:departments", _("Services")),
    ("backoffice:staff", _("Personnel")),
]

# Entries only managers see.
MANAGER_NAV = [
    ("families_staff:audit", _("Journal")),
    ("families_staff:settings", _("Réglages")),
]
