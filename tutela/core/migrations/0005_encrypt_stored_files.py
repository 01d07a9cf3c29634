"""Files uploaded before files were encrypted at rest are encrypted in place, so that an upgrade
needs no extra step (the same as `tutela encrypt_files`, which can be run again at any time).
Only the storage is touched, not the database."""

from django.db import migrations


def encrypt_stored_files(apps, schema_editor):
    from tutela.core.services.files import stored_files_encrypt

    stored_files_encrypt(audit=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_kernel_reference_models")]

    operations = [migrations.RunPython(encrypt_stored_files, migrations.RunPython.noop)]
