"""Sends a billing office's invoices to the treasury and writes the PES V2 file:
`manage.py pes_export --municipality SLUG [--office ID] [--run ID] --output FILE`. Without
--office, the municipality's only (or first) office; without --run, its last issued run."""

import shutil

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format

from ribambelle.billing.models import BillingOffice, InvoiceRun
from ribambelle.tenants.models import Municipality
from ribambelle.treasury import services
from ribambelle.treasury.models import PesExport


class Command(BaseCommand):
    help = "Transmet au Trésor public (PES V2) les factures d'une facturation émise."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="slug of the municipality")
        parser.add_argument("--office", type=int, help="id of the billing office")
        parser.add_argument("--run", type=int, help="id of the issued run")
        parser.add_argument("--output", required=True, help="where to write the PES file")

    def handle(self, *args, municipality, office, run, output, **options):
        found = Municipality.objects.filter(slug=municipality).first()
        if found is None:
            raise CommandError(f"No municipality {municipality!r}.")
        offices = BillingOffice.objects.for_municipality(found).order_by("pk")
        chosen = offices.filter(pk=office).first() if office else offices.first()
        if chosen is None:
            raise CommandError("No such billing office in this municipality.")
        runs = InvoiceRun.objects.for_municipality(found).filter(
            office=chosen, status=InvoiceRun.Status.ISSUED
        )
        chosen_run = runs.filter(pk=run).first() if run else runs.order_by("-month").first()
        if chosen_run is None:
            raise CommandError("No such issued run for this billing office.")
        try:
            export = services.pes_export_create(
                municipality=found,
                office=chosen,
                source_kind=PesExport.Source.RUN,
                run=chosen_run,
                actor=None,
            )
        except services.TreasuryError as error:
            raise CommandError(str(error)) from error
        with export.file.open("rb") as source, open(output, "wb") as target:
            shutil.copyfileobj(source, target)
        total = number_format(export.total, 2, force_grouping=False)
        self.stdout.write(
            f"Bordereau {export.year}-{export.bordereau}: {export.count} pièces, {total} €"
            f" -> {output}"
        )
