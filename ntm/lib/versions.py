"""Versions of the data a cached page part is drawn from, for the keys of Django's cache.

A version is the newest row of each model the part reads: for a model with history,
its newest history row, which every write through the app adds (one by one or in
bulk, with history); for a model whose rows are only ever added (a transition, a
snapshot), its newest row. A key that carries the version is never served stale, and
several processes sharing one cache backend agree on it.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.db import connection


def version_of(*models) -> str:
    """The version of `models` (one query; each part is answered from a primary key index)."""
    with connection.cursor() as cursor:
        cursor.execute(_newest_rows_sql(models))
        return ".".join(str(newest or 0) for newest in cursor.fetchone())


@cache
def _newest_rows_sql(models: tuple) -> str:
    # Built once per process: reading `Model.history` builds a manager class each time.
    quote = connection.ops.quote_name
    parts = []
    for model in models:
        history = getattr(model, "history", None)
        table, column = (
            (history.model._meta.db_table, "history_id")
            if history is not None
            else (model._meta.db_table, model._meta.pk.column)
        )
        parts.append(f"(SELECT MAX({quote(column)}) FROM {quote(table)})")
    return f"SELECT {', '.join(parts)}"  # noqa: S608 - table names from the models, no input


def cache_key(kind: str, *parts) -> str:
    """A key of Django's cache for `kind` varying on `parts` (versions, ids, a day),
    short enough for every backend."""
    return f"{kind}:" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
