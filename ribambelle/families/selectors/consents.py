"""The municipality's consents, and a child's answers to them read in the same query."""

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from ribambelle.core.statements import Statement
from ribambelle.families.models import Child, ChildConsent, Consent
from ribambelle.families.selectors.completeness import quote
from ribambelle.tenants.models import Municipality


def consents_of(municipality: Municipality | int) -> QuerySet[Consent]:
    return Consent.objects.for_municipality(municipality).order_by("position", "pk")


def consents_with_answers(
    municipality: Municipality | int, child: Child | int
) -> QuerySet[Consent]:
    """consents_of, each with `answer`: the child's (True or False; None if not answered yet),
    in the same query. The child is one the caller found in its scope (child_get)."""
    outer = f"{quote(Consent._meta.db_table)}.{quote('id')}"
    return consents_of(municipality).annotate(
        answer=RawSQL(  # noqa: S611 - table names only; values are parameters
            f"(SELECT x.granted FROM {ChildConsent._meta.db_table} x"  # noqa: S608 - table names
            f" WHERE x.consent_id = {outer} AND x.child_id = %s)",
            (getattr(child, "pk", child),),
            output_field=BooleanField(),
        )
    )


_consents_answered = Statement(
    lambda municipality, child: consents_with_answers(municipality, child)
)


def consents_with_answers_listed(municipality: Municipality, child: Child) -> list[Consent]:
    """consents_with_answers, its SQL compiled once (a child's page)."""
    return _consents_answered(municipality=municipality.pk, child=child.pk)


def consent_get(municipality: Municipality, pk: int) -> Consent:
    consent: Consent = get_object_or_404(Consent.objects.for_municipality(municipality), pk=pk)
    return consent
