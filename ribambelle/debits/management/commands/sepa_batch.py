"""Operator: the direct debit file (pain.008) of a billing office for a date, written to a
file, as the staff page "Prélèvements" generates it (the same batch, the same bytes when it
was already generated).

    manage.py sepa_batch --municipality SLUG [--office ID] [--date YYYY-MM-DD]
        [--scheme pain.008.001.02|pain.008.001.08] --output FILE [--measure [--memory]] [--rollback]

Without --office: the municipality's only or first office (by name). Without --date: the next
collection date that has debits to collect. --measure prints the time taken to generate and
validate, --memory adds the peak of memory allocated by Python (tracemalloc, which slows the
run about twofold: measure time and memory in separate runs); --rollback undoes
the batch afterwards (the bench measures again on the same data)."""

import time
import tracemalloc
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ribambelle.debits.collections import selectors, sepa
from ribambelle.debits.collections.services import CollectionError, batch_generate
from ribambelle.tenants.models import Municipality


class Command(BaseCommand):
    help = "Write the SEPA direct debit file (pain.008) of a billing office for a date."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--office", type=int, help="the billing office's id")
        parser.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--scheme",
            default=sepa.PAIN_008_001_02,
            choices=[sepa.PAIN_008_001_02, sepa.PAIN_008_001_08],
        )
        parser.add_argument("--output", required=True, type=Path, help="the file to write")
        parser.add_argument("--measure", action="store_true", help="print the time taken")
        parser.add_argument(
            "--memory",
            action="store_true",
            help="with --measure, also the peak of Python memory (tracemalloc: slower)",
        )
        parser.add_argument(
            "--rollback",
            action="store_true",
            help="write the file, then undo the batch (to measure again on the same data)",
        )

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"no municipality {options['municipality']!r}")
        office = selectors.office_of(municipality, options["office"])
        if office is None:
            raise CommandError(
                f"no billing office {options['office'] or ''} in {municipality.slug}"
            )
        day = options["date"] or selectors.next_date(office)
        if day is None:
            raise CommandError(f"no debit to collect for {office.name}")
        traced = options["measure"] and options["memory"]
        if traced:
            tracemalloc.start()
        with transaction.atomic():
            started, cpu = time.perf_counter(), time.process_time()
            try:
                batch = batch_generate(
                    office=office, collection_on=day, actor=None, scheme=options["scheme"]
                )
            except CollectionError as error:
                raise CommandError(str(error)) from error
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            with batch.file.open("rb") as stream:
                data = stream.read()
            if traced:
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            if options["rollback"]:
                batch.file.delete(save=False)
                transaction.set_rollback(True)
        options["output"].write_bytes(data)
        total = f"{batch.total_cents // 100}.{batch.total_cents % 100:02d}"
        self.stdout.write(
            f"{office.name} {day:%Y-%m-%d} ({batch.scheme}, {batch.message_id}): "
            f"{batch.count} debits, {total} EUR -> {options['output']}"
        )
        if options["measure"]:
            memory = f", peak Python memory {peak / 1024 / 1024:.1f} MiB" if traced else ""
            self.stdout.write(
                f"generated and validated in {elapsed:.2f} s ({cpu:.2f} s of CPU){memory}, "
                f"file {len(data) / 1024:.0f} KiB"
            )
