from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ribambelle.accounts import services as account_services
from ribambelle.accounts.models import Role
from ribambelle.tenants.services import municipality_create


class Command(BaseCommand):
    help = (
        "Create a municipality (tenant) and, optionally, its first manager, who is e-mailed a link."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="URL prefix, e.g. 'villeneuve' for /villeneuve/")
        parser.add_argument("name", help="Display name, e.g. 'Ville de Villeneuve'")
        parser.add_argument("--email", default="", help="Contact e-mail of the municipality")
        parser.add_argument("--phone", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--postal-code", default="")
        parser.add_argument("--manager-email", default="", help="First manager's e-mail")
        parser.add_argument("--password-floor", type=int, choices=[50, 80], default=80)

    def handle(self, *args, **options):
        try:
            municipality = municipality_create(
                slug=options["slug"],
                name=options["name"],
                email=options["email"],
                phone=options["phone"],
                city=options["city"],
                postal_code=options["postal_code"],
                password_min_entropy=options["password_floor"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        self.stdout.write(f"Created municipality {municipality.name} at /{municipality.slug}/")
        if options["manager_email"]:
            user = account_services.staff_invite(
                actor=None,
                municipality=municipality,
                email=options["manager_email"],
                first_name="",
                last_name="",
                role=Role.MANAGER,
            )
            self.stdout.write(f"Manager {user.email} created; a first-connection e-mail was sent.")
