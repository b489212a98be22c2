"""The main bands. A staff entry may be limited to managers. On a phone the families' band is a
bar at the bottom of the screen: the four sections parents open most, then "Plus" for the others
(docs/decisions/0013-phone-navigation.md)."""

from django.utils.translation import gettext_lazy as _

PORTAL_NAV = [
    ("portal:home", _("Accueil")),
    ("families:household", _("Mon foyer")),
    ("families:children", _("Mes enfants")),
    ("bookings:grid", _("Réservations")),
    ("billing:invoices", _("Mes factures")),
    ("documents:index", _("Mes documents")),
    ("messaging:index", _("Messagerie")),
]

# On a phone, behind "Plus": what parents open now and then, not in the evening rush.
PORTAL_MORE = frozenset({"families:household", "families:children", "documents:index"})

STAFF_NAV = [
    ("backoffice:home", _("Tableau de bord")),
    ("families_staff:search", _("Familles")),
    ("families_staff:queue", _("Demandes")),
    ("bookings_staff:register", _("Pointage")),
    ("bookings_staff:counts", _("Effectifs")),
    ("billing_staff:runs", _("Facturation")),
    ("backoffice:departments", _("Services")),
    ("backoffice:staff", _("Personnel")),
    ("bookings_config:activities", _("Activités")),
    ("bookings_config:closures", _("Calendrier")),
    ("documents_staff:list", _("Documents")),
    ("messaging_staff:inbox", _("Messagerie")),
]

# Entries only managers see.
MANAGER_NAV = [
    ("families_staff:audit", _("Journal")),
    ("families_staff:settings", _("Réglages")),
]
