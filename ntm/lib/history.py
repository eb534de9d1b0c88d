"""A first history record for the rows that existed before their model kept history.

Without it, the first change to such a row would show in the audit as made from
nothing ("—" before every field), and the row would have no record to read as of an
earlier day.
"""

from __future__ import annotations

from django.utils import timezone

BASELINE_REASON = "Có sẵn khi bắt đầu ghi lịch sử"


def record_baseline(app_label: str, *model_names: str):
    """A migration's RunPython step: one "+" record, by nobody, now, for each row of
    each model, in batches (a country's villages are tens of thousands)."""

    def forwards(apps, schema_editor):
        now = timezone.now()
        for name in model_names:
            model = apps.get_model(app_label, name)
            history = apps.get_model(app_label, f"Historical{name}")
            columns = [field.attname for field in model._meta.concrete_fields]
            records = (
                history(
                    **{column: getattr(row, column) for column in columns},
                    history_date=now,
                    history_type="+",
                    history_change_reason=BASELINE_REASON,
                )
                for row in model.objects.order_by("pk").iterator(chunk_size=2000)
            )
            history.objects.bulk_create(records, batch_size=1000)

    return forwards
