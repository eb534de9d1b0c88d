"""Saving a report for a meeting: number it, render it, store it, once."""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .models import ReportSnapshot
from .pdf import render_pdf

# Two people saving at the same moment may draw the same number; the unique
# constraint refuses the second, which draws again (or, when it was the same form
# sent twice, finds the first one's snapshot).
ATTEMPTS = 3


def save_snapshot(
    *, report, user, meeting_date: datetime.date, meeting: str = "", submission: uuid.UUID | None = None
) -> ReportSnapshot:
    """Render `report` with its snapshot number printed in the footer and keep the file.

    The stored bytes are what later downloads return, whatever the data does next.
    `submission` names the form that asked: sent twice, it gets the snapshot it saved.
    """
    for attempt in range(ATTEMPTS):
        if submission is not None and (saved := ReportSnapshot.objects.filter(submission=submission).first()):
            return saved
        snapshot = _numbered(report=report, user=user, meeting_date=meeting_date, meeting=meeting)
        snapshot.submission = submission
        content = render_pdf(report, snapshot=snapshot)
        snapshot.size = len(content)
        snapshot.sha256 = hashlib.sha256(content).hexdigest()
        snapshot.file.save("report.pdf", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                snapshot.save()
                snapshot.communes.set(report.communes)
        except IntegrityError:
            snapshot.file.delete(save=False)
            if attempt == ATTEMPTS - 1:
                raise
        else:
            return snapshot
    raise AssertionError("unreachable")  # pragma: no cover


def _numbered(*, report, user, meeting_date, meeting) -> ReportSnapshot:
    """An unsaved snapshot with the next number of the year."""
    now = timezone.now()
    year = timezone.localdate(now).year
    last = ReportSnapshot.objects.filter(year=year).aggregate(last=Max("sequence"))["last"] or 0
    return ReportSnapshot(
        kind=report.kind,
        year=year,
        sequence=last + 1,
        title=f"{report.document_type} {report.title}",
        parameters=report.parameters,
        data_date=report.data_date,
        meeting_date=meeting_date,
        meeting=meeting,
        created_by=user,
        created_at=now,
    )
