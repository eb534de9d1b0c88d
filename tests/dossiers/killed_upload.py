"""An upload killed with SIGKILL at a chosen point, in a process of its own.

Run by test_killed_upload.py as `python -m tests.dossiers.killed_upload POINT`, on a
database and a store of its own (DATABASE_URL, MEDIA_ROOT, UPLOAD_TEMP_DIR):

- setup: a commune, its official and an open dossier;
- receiving: killed while Django receives the body into a temporary file;
- writing: killed when the file is written under its temporary name, not yet in place;
- committing: killed when the file is in place and the row inserted, before COMMIT;
- committed: killed right after the upload committed, before any response;
- check: `check_documents`, then `--repair --delete-orphans`, then `check_documents`
  again; prints each exit status and output, and the documents in the database, as JSON.
"""

import io
import json
import os
import signal
import sys

import django

UPLOAD = b"%PDF-1.4\n" + b"\n" * (3 * 1024 * 1024)  # over 2.5 MB: received into a temporary file


def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def setup():
    from communes.models import Commune, District, Membership, Province
    from dossiers.services import create_dossier
    from tests.base import load_shipped_set
    from tests.dossiers.base import YEAR

    province = Province.objects.create(code="38", name="Thanh Hóa")
    district = District.objects.create(code="392", name="Triệu Sơn", province=province)
    commune = Commune.objects.create(code="15934", name="Dân Lý", province=province, district=district)
    official = official_user()
    Membership.objects.create(user=official, role=Membership.Role.COMMUNE, commune=commune)
    create_dossier(
        commune=commune, criteria_set=load_shipped_set("QD318-2022-XA-NTM"), year=YEAR, user=official
    )


def official_user():
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username="xa_danly")
    return user


def item():
    from dossiers.models import DossierItem

    return DossierItem.objects.select_related("dossier__commune", "criterion").get(criterion__number=1)


def upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.services import upload_document

    return upload_document(item=item(), user=official_user(), upload=SimpleUploadedFile("ban-do.pdf", UPLOAD))


def receiving():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.files.uploadhandler import TemporaryFileUploadHandler
    from django.test import Client
    from django.urls import reverse

    original = TemporaryFileUploadHandler.receive_data_chunk

    def receive(handler, raw_data, start):
        original(handler, raw_data, start)
        if start > 1024 * 1024:
            kill()

    TemporaryFileUploadHandler.receive_data_chunk = receive
    client = Client()
    client.force_login(official_user())
    target = item()
    url = reverse("dossiers:item_upload", args=[target.dossier_id, target.pk])
    client.post(url, {"file": SimpleUploadedFile("ban-do.pdf", UPLOAD)})


def writing():
    from ntm.lib import storage

    storage._flush_to_disk = kill  # called once the temporary is written, before it is linked
    upload()


def committing():
    from django.db import connection

    connection.commit = kill
    upload()


def committed():
    upload()
    kill()


def check():
    from django.core.management import CommandError, call_command

    from dossiers.models import Document

    runs = []
    for options in ({}, {"repair": True, "delete_orphans": True}, {}):
        out = io.StringIO()
        try:
            call_command("check_documents", grace_minutes=0, stdout=out, **options)
            runs.append([0, out.getvalue()])
        except CommandError as error:
            runs.append([error.returncode, out.getvalue() + str(error)])
    documents = [[d.file.name, d.size] for d in Document.objects.all()]
    print(json.dumps({"runs": runs, "documents": documents}))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.settings")
    django.setup()
    {
        "setup": setup,
        "receiving": receiving,
        "writing": writing,
        "committing": committing,
        "committed": committed,
        "check": check,
    }[sys.argv[1]]()
