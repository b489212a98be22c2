"""PostgreSQL compresses a long text (pglz) each time it is written. A counter's list of
children is rewritten at every tick and untick, and is 40 kB on a day when a town of 8,000
children eats at the canteen: compressing it again was 0.9 of the 1.2 ms of the toggle's UPDATE
(measured on the bench municipality, issue 15). Stored uncompressed (EXTERNAL: still out of
line, 40 kB instead of 27), it costs 0.3 ms. SQLite does not compress."""

from django.db import migrations

TABLE = "bookings_daycount"


def uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(TABLE)} ALTER COLUMN children SET STORAGE EXTERNAL")
    # The lists already written stay compressed until rewritten: rewritten now (a row per
    # activity and day, a few thousand a year).
    schema_editor.execute(f"UPDATE {quote(TABLE)} SET children = children || ''")


def compressed(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(TABLE)} ALTER COLUMN children SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_daycount_children"),
    ]

    operations = [
        migrations.RunPython(uncompressed, compressed),
    ]
