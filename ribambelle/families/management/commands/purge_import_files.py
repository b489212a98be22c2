from django.core.management.base import BaseCommand

from ribambelle.families.imports.files import FILE_LIFETIME, import_files_purge


class Command(BaseCommand):
    help = (
        "Delete the family import files uploaded more than 24 hours ago and never confirmed "
        "(a confirmed import deletes its file at once). To run every hour, e.g. from cron: "
        "'20 * * * * manage.py purge_import_files'."
    )

    def handle(self, *args, **options):
        count = import_files_purge()
        hours = int(FILE_LIFETIME.total_seconds() // 3600)
        self.stdout.write(f"Import files older than {hours} h deleted: {count}.")
