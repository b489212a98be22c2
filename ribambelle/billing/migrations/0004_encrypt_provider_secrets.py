"""The payment providers' keys saved in clear before encryption at rest are encrypted
(ribambelle.core.crypto, with RIBAMBELLE_SECRETS_KEY or the SECRET_KEY fallback)."""

from django.db import migrations

from ribambelle.core.crypto import is_encrypted, secret_decrypt, secret_encrypt

SECRET_OPTIONS = ("secret_test", "secret_production")


def encrypt(apps, schema_editor):
    BillingOffice = apps.get_model("billing", "BillingOffice")
    for office in BillingOffice.objects.exclude(provider_options={}):
        options = dict(office.provider_options or {})
        changed = {
            key: secret_encrypt(str(options[key]))
            for key in SECRET_OPTIONS
            if options.get(key) and not is_encrypted(str(options[key]))
        }
        if changed:
            office.provider_options = {**options, **changed}
            office.save(update_fields=["provider_options"])


def decrypt(apps, schema_editor):
    BillingOffice = apps.get_model("billing", "BillingOffice")
    for office in BillingOffice.objects.exclude(provider_options={}):
        options = dict(office.provider_options or {})
        changed = {
            key: secret_decrypt(str(options[key])) for key in SECRET_OPTIONS if options.get(key)
        }
        if changed:
            office.provider_options = {**options, **changed}
            office.save(update_fields=["provider_options"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_invoice_pricing_and_siret")]

    operations = [migrations.RunPython(encrypt, decrypt)]
