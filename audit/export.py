"""The audit list as a spreadsheet, for the inspector who asks on paper."""

import tablib
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .history import describe

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Rows described per round: the queries per round are fixed, the memory stays small.
CHUNK = 500
# Text Excel would run as a formula (OWASP, "CSV injection"): names, comments and
# reasons people typed come out as text, with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def audit_dataset(rows) -> tablib.Dataset:
    headers = [
        _("Thời điểm"),
        _("Người thực hiện"),
        _("Xã"),
        _("Loại thay đổi"),
        _("Đối tượng"),
        _("Thao tác"),
        _("Nội dung thay đổi"),
        _("Lý do"),
    ]
    dataset = tablib.Dataset(headers=headers)
    total = rows.count()
    for start in range(0, total, CHUNK):
        for entry in describe(rows[start : start + CHUNK]):
            changes = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in entry.changes)
            cells = [
                date_format(timezone.localtime(entry.when), "SHORT_DATETIME_FORMAT"),
                entry.user_name,
                entry.commune.name if entry.commune else "",
                entry.kind,
                entry.subject,
                entry.action,
                changes,
                entry.reason,
            ]
            dataset.append([as_text(cell) for cell in cells])
    return dataset
