"""New rows and their simple-history records, written as plain tuples.

Django's `bulk_create` (and simple-history's `bulk_create_with_history` on top of it)
compiles every value of every row through the field API, and needs a model instance
per row: for the scores import that was three quarters of its time, several times what
the database itself spent. Here a row is the tuple of the values that differ from row
to row; what every row shares (who, when, the defaults) is adapted once, only the
field types whose database form differs from the Python one (text that may be a lazy
translation or a choice, dates, times) are adapted per row, and the rows go to the
database with the driver's `executemany`.

No signals are sent and no primary keys come back, as with `bulk_create` on some
databases: the caller reads the keys it needs (see criteria/resources.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection

# Field types the drivers take as they are in Python (Django registers SQLite's
# adapter for Decimal; psycopg takes it natively).
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "DecimalField", "ForeignKey",
    "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallAutoField", "SmallIntegerField",
}  # fmt: skip
TEXT_TYPES = {"CharField", "TextField"}


def _text(value):
    # A label may be a lazy translation, which no driver takes, and a status a
    # TextChoices member: both are written as their text.
    return value if value.__class__ is str else str(value)


def _adapter(field) -> Callable | None:
    """How a value of `field` becomes what the database driver takes (None: as it is)."""
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind in TEXT_TYPES:
        return _text
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _adapted(field, value):
    adapt = _adapter(field)
    return adapt(value) if adapt is not None and value is not None else value


def insert_rows(
    model, fields: Sequence[str], rows: Iterable[Sequence], *, constants: dict | None = None
) -> int:
    """INSERT `rows` of `model` in one executemany; returns how many.

    Each row holds the values of `fields` (attribute names: "commune_id"), in that
    order. `constants` (by attribute name) are the same for every row; every other
    column but the primary key gets its field's default, as `Model()` would give it.
    """
    meta = model._meta
    by_name = {field.attname: field for field in meta.concrete_fields}
    shared = dict(constants or {})
    for field in meta.concrete_fields:
        if field.attname not in shared and field.attname not in fields and not field.primary_key:
            shared[field.attname] = field.get_default()
    shared = {name: _adapted(by_name[name], value) for name, value in shared.items()}
    tail = tuple(shared.values())
    adapters = [(index, adapt) for index, name in enumerate(fields) if (adapt := _adapter(by_name[name]))]

    def database_row(row) -> tuple:
        if adapters:
            row = list(row)
            for index, adapt in adapters:
                if (value := row[index]) is not None:
                    row[index] = adapt(value)
        return (*row, *tail)

    columns = [by_name[name].column for name in (*fields, *shared)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, no input
        quote(meta.db_table), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    rows = [database_row(row) for row in rows]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    return len(rows)


def insert_history(
    model, fields: Sequence[str], rows: Iterable[Sequence], *, constants: dict | None = None,
    history_type: str, user, reason: str, date,
) -> int:  # fmt: skip
    """simple-history's records of rows just inserted with `insert_rows`, as
    `bulk_create_with_history` writes them: one record each, the same user, reason and
    date. `fields` must name the primary key ("id") with the other fields of `rows`;
    `constants` are the ones the rows were inserted with."""
    history_constants = {
        **(constants or {}),
        "history_date": date,
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": user.pk if user is not None else None,
    }
    return insert_rows(model.history.model, fields, rows, constants=history_constants)
