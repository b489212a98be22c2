"""`manage.py bench_treasury [--invoices 5000] [--check]`: the time of the PES V2 export of an
issued run with its PDFs attached (target: under 30 s for 5,000) and the peak of Python memory
during it (tracemalloc). Writes a municipality "banc-tresor": run it on a bench database."""

from django.core.management.base import BaseCommand, CommandError

from ribambelle.demo.bench.treasury import bench_treasury
from ribambelle.tenants.models import Municipality

SLUG = "banc-tresor"


class Command(BaseCommand):
    help = "Mesure l'export PES V2 d'une facturation de N factures avec leurs PDF."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=5000)
        parser.add_argument("--check", action="store_true", help="Run the structural check.")

    def handle(self, *args, invoices, check, **options):
        if Municipality.objects.filter(slug=SLUG).exists():
            raise CommandError(f"Municipality {SLUG!r} exists: use a fresh bench database.")
        municipality = Municipality.objects.create(slug=SLUG, name="Banc Trésor")
        result = bench_treasury(municipality, invoices, check=check)
        self.stdout.write(
            f"{result.invoices} invoices seeded in {result.seed_seconds:.1f} s; "
            f"export {result.export_seconds:.1f} s (CPU {result.export_cpu:.1f} s; "
            "target < 30 s); "
            f"peak Python memory {result.peak_mb:.1f} MB (tracemalloc); "
            f"file {result.file_mb:.1f} MB"
        )
        if result.check_seconds is not None:
            state = "passed" if not result.errors else f"FAILED: {result.errors[:5]}"
            self.stdout.write(f"structural check {state} in {result.check_seconds:.1f} s")
