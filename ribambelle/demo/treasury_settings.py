"""The treasury settings of the demo's billing offices: made-up PES V2 codes (the demo sends
nothing to a real treasury) and the imputations of revenue, one per department and one of an
activity's own, so that the accounting export and the PES file show both. Idempotent; run
after the billing offices exist."""

from ribambelle.billing.models import BillingOffice
from ribambelle.bookings.models import Activity
from ribambelle.demo.bookings import (
    CANTEEN_DEPARTMENT,
    CARE_DEPARTMENT,
    LEISURE_DEPARTMENT,
    WEDNESDAY,
)
from ribambelle.tenants.models import Department, Municipality
from ribambelle.treasury.services import settings as services
from ribambelle.treasury.services.settings import SettingsValues

CODES = SettingsValues(
    collectivity_code="D01",
    budget_code="01",
    post_code="0990000",
    nomenclature="M57",
    title_object="Restauration scolaire et accueil périscolaire",
    payfip=True,
)
# Department name: (nature, fonction); the Wednesday leisure centre has its own.
DEPARTMENTS = {
    CANTEEN_DEPARTMENT: ("7067", "213"),
    CARE_DEPARTMENT: ("7067", "421"),
    LEISURE_DEPARTMENT: ("7066", "421"),
}
ACTIVITIES = {WEDNESDAY: ("70688", "421")}


def seed_demo_treasury_settings(municipality: Municipality) -> None:
    for office in BillingOffice.objects.for_municipality(municipality):
        services.treasury_settings_save(
            municipality=municipality, actor=None, office=office, values=CODES
        )
        departments = Department.objects.filter(billing_offices=office)
        activities = Activity.objects.filter(department__in=departments)
        services.imputations_save(
            municipality=municipality,
            actor=None,
            office=office,
            departments={
                department.pk: DEPARTMENTS[department.name]
                for department in departments
                if department.name in DEPARTMENTS
            },
            activities={
                activity.pk: ACTIVITIES[activity.name]
                for activity in activities
                if activity.name in ACTIVITIES
            },
        )
