"""PDFs are checked for scripts and attachments, and names are stored in NFC.

Existing PDFs are checked here, through the media storage; one whose file cannot be
read stays "not checked" and is offered for download only. Existing titles and file
names are normalised to NFC; two documents of an item whose titles differed only in
their Unicode form become versions of one document, numbered by upload time.
"""

from django.core.files.storage import default_storage
from django.db import migrations, models

from ntm.lib.pdf import active_content
from ntm.lib.text import nfc


def check_existing_pdfs(apps, schema_editor):
    Document = apps.get_model("dossiers", "Document")
    for document in Document.objects.filter(content_type="application/pdf").iterator():
        found = None
        try:
            with default_storage.open(document.file.name, "rb") as stored:
                found = active_content(stored)
        except OSError:
            pass
        document.pdf_scripts = found.scripts if found else None
        document.pdf_attachments = found.attachments if found else None
        document.save(update_fields=["pdf_scripts", "pdf_attachments"])


def normalise_names(apps, schema_editor):
    Document = apps.get_model("dossiers", "Document")
    fields = ("pk", "item_id", "title", "original_name", "version", "uploaded_at")
    pending = [
        d
        for d in Document.objects.only(*fields)
        if d.title != nfc(d.title) or d.original_name != nfc(d.original_name)
    ]
    for item_id, title in sorted({(d.item_id, nfc(d.title)) for d in pending}):
        same = [d for d in Document.objects.filter(item_id=item_id).only(*fields) if nfc(d.title) == title]
        same.sort(key=lambda d: (d.uploaded_at, d.pk))
        # Out of the way first: (item, title, version) is unique at every step.
        top = max(d.version for d in same)
        for n, document in enumerate(same, start=1):
            document.version = top + n
            document.save(update_fields=["version"])
        for n, document in enumerate(same, start=1):
            document.title, document.version = title, n
            document.original_name = nfc(document.original_name)
            document.save(update_fields=["title", "version", "original_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_history_reasons_kept_whole"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="pdf_attachments",
            field=models.BooleanField(default=False, null=True, verbose_name="PDF chứa tệp đính kèm"),
        ),
        migrations.AddField(
            model_name="document",
            name="pdf_scripts",
            field=models.BooleanField(default=False, null=True, verbose_name="PDF chứa JavaScript"),
        ),
        migrations.RunPython(check_existing_pdfs, migrations.RunPython.noop),
        migrations.RunPython(normalise_names, migrations.RunPython.noop),
    ]
