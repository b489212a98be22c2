from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ribambelle.billing.certificates.services import CertificateError, tax_certificates_generate
from ribambelle.tenants.models import Municipality


class Command(BaseCommand):
    help = (
        "Generate the tax certificates (attestations fiscales de frais de garde) of a calendar "
        "year for a municipality: one PDF per household with money paid for eligible "
        "childcare, published in 'Mes documents' and e-mailed. To run in January for the year "
        "before. Running it again writes a new version only for the households whose amounts "
        "changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="The municipality's slug.")
        parser.add_argument(
            "--year", type=int, help="The calendar year (default: the previous year)."
        )

    def handle(self, *args, municipality, year=None, **options):
        found = Municipality.objects.filter(slug=municipality).first()
        if found is None:
            raise CommandError(f"No municipality with the slug {municipality!r}.")
        year = year or timezone.localdate().year - 1
        try:
            result = tax_certificates_generate(municipality=found, year=year, actor=None)
        except CertificateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{year}: {result.households} certificate(s), total {result.total:.2f} EUR "
            f"({result.created} written now, {result.unchanged} unchanged)."
        )
