"""New rows and their simple-history records, written as plain tuples.

Django's `bulk_create` (and simple-history's `bulk_create_with_history` on top of it)
compiles every value of every row through the field API: for the scores import that
was three quarters of its time, several times what the database itself spent. Here the
values are read once per row by attribute name, only the field types whose database
form differs from the Python one (decimals, dates, times) are adapted, and the rows go
to the database with the driver's `executemany`.

No signals are sent and no primary keys come back, as with `bulk_create` on some
databases: the caller reads the keys it needs (see criteria/resources.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.db import connection

# Field types the drivers take as they are in Python.
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "ForeignKey",
    "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallAutoField", "SmallIntegerField",
}  # fmt: skip
TEXT_TYPES = {"CharField", "TextField"}


def _text(value):
    # A label may be a lazy translation, which no driver takes.
    return value if value.__class__ is str else str(value)


def _adapter(field) -> Callable | None:
    """How a value of `field` becomes what the database driver takes (None: as it is)."""
    kind = field.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind in TEXT_TYPES:
        return _text
    ops = connection.ops
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if kind == "DateTimeField":
        # The rows of one write mostly share their times (entered_at): adapt each once.
        return functools.lru_cache(maxsize=64)(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _insert(model, columns: list[str], rows: Iterable[tuple]) -> None:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, no input
        quote(model._meta.db_table), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _reader(fields, constants: dict | None = None) -> Callable[[object], tuple]:
    """A function from an instance to the tuple of its `fields`' database values;
    `constants` (by attname) are the same for every instance."""
    constants = constants or {}
    plan = []
    for field in fields:
        if field.attname in constants:
            adapt = _adapter(field)
            value = constants[field.attname]
            plan.append((None, None, adapt(value) if adapt and value is not None else value))
        else:
            plan.append((field.attname, _adapter(field), None))

    def read(instance) -> tuple:
        values = []
        for attname, adapt, constant in plan:
            if attname is None:
                values.append(constant)
                continue
            value = getattr(instance, attname)
            values.append(adapt(value) if adapt is not None and value is not None else value)
        return tuple(values)

    return read


def insert_new(model, instances: list) -> None:
    """INSERT `instances` of `model` (their primary keys unset) in one executemany."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    read = _reader(fields)
    _insert(model, [f.column for f in fields], map(read, instances))


def insert_history(model, instances: list, *, history_type: str, user, reason: str, date) -> None:
    """simple-history's records of `instances` (their primary keys set), as
    `bulk_create_with_history` writes them: one row each, the same user, reason and date."""
    history_model = model.history.model
    fields = [f for f in history_model._meta.concrete_fields if f.attname != "history_id"]
    constants = {
        "history_date": date,
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": user.pk if user is not None else None,
    }
    read = _reader(fields, constants)
    _insert(history_model, [f.column for f in fields], map(read, instances))
