import django.core.validators
from decimal import Decimal
from django.db import migrations, models


def abandon_duplicate_attempts(apps, schema_editor):
    """Before one live attempt per invoice is enforced: keep the newest pending online payment
    of each invoice, mark the older ones abandoned (a late confirmation is still recorded)."""
    Payment = apps.get_model("billing", "Payment")
    seen = set()
    pending = Payment.objects.filter(method="online", status="pending").order_by(
        "invoice_id", "-created_at", "-pk"
    )
    for payment in pending.iterator():
        if payment.invoice_id in seen:
            Payment.objects.filter(pk=payment.pk).update(status="abandoned")
        seen.add(payment.invoice_id)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='excess',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='trop-perçu'),
        ),
        migrations.RunPython(abandon_duplicate_attempts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(condition=models.Q(('method', 'online'), ('status', 'pending')), fields=('invoice',), name='payment_one_live_attempt'),
        ),
    ]
