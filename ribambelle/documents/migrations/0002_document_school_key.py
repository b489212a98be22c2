"""The case-folded school name, written by the database on every insert and update, existing
rows included (a stored generated column): documents addressed to a school are matched on it
instead of folding both sides in every query."""

from django.db import migrations, models

from ribambelle.core.folding import casefolded


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="school_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=casefolded("school"),
                output_field=models.CharField(max_length=150),
            ),
        ),
    ]
