"""Guard for the commands that write synthetic data (seed_demo, seed_bench, bench): they refuse
a database that holds other municipalities, such as a production one."""

from django.core.management.base import CommandError

from ribambelle.tenants.models import Municipality


def refuse_foreign_data(own_slugs: set[str], *, force: bool) -> None:
    if force:
        return
    others = list(
        Municipality.objects.exclude(slug__in=own_slugs).values_list("slug", flat=True)[:5]
    )
    if others:
        raise CommandError(
            "This database holds other municipalities ("
            + ", ".join(others)
            + "): refusing to write synthetic data into it. Point DATABASE_URL or "
            "RIBAMBELLE_VAR_DIR at a scratch database, or pass --force."
        )
