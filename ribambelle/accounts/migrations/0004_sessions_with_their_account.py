import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def _user_id(store, session_data: str) -> int | None:
    from django.contrib.auth import SESSION_KEY

    try:
        return int(store.decode(session_data)[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def _copy(source, target, users, alias, *, with_user: bool) -> None:
    """Every session still alive moves from `source` to `target`; expired ones are dropped."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    # Django's store and Ribambelle's share their class name, hence their signing salt: the
    # data reads the same in both.
    store = SessionStore()
    live = source.objects.using(alias).filter(expire_date__gt=timezone.now())
    batch: list = []

    def flush() -> None:
        if with_user:
            known = set(
                users.objects.using(alias)
                .filter(pk__in={row.user_id for row in batch if row.user_id})
                .values_list("pk", flat=True)
            )
            # A session naming an account that no longer exists signs nobody in: dropped.
            batch[:] = [row for row in batch if row.user_id is None or row.user_id in known]
        # Keys are unique in the source: nothing conflicts unless the upgrade is run twice.
        target.objects.using(alias).bulk_create(batch, ignore_conflicts=True)
        batch.clear()

    for old in live.order_by("pk").iterator(chunk_size=BATCH):
        row = target(
            session_key=old.session_key,
            session_data=old.session_data,
            expire_date=old.expire_date,
        )
        if with_user:
            row.user_id = _user_id(store, old.session_data)
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    source.objects.using(alias).all().delete()


def carry_sessions_over(apps, schema_editor):
    """Families and staff signed in before the upgrade stay signed in."""
    _copy(
        apps.get_model("sessions", "Session"),
        apps.get_model("accounts", "Session"),
        apps.get_model("accounts", "User"),
        schema_editor.connection.alias,
        with_user=True,
    )


def carry_sessions_back(apps, schema_editor):
    _copy(
        apps.get_model("accounts", "Session"),
        apps.get_model("sessions", "Session"),
        None,
        schema_editor.connection.alias,
        with_user=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_push_subscriptions"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                        verbose_name="session key",
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                (
                    "expire_date",
                    models.DateTimeField(db_index=True, verbose_name="expire date"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(carry_sessions_over, carry_sessions_back),
    ]
