"""Keeping the database's query planner informed."""

from django.db import DEFAULT_DB_ALIAS, connections


def optimize_database(using: str = DEFAULT_DB_ALIAS, *, every_table: bool = False) -> None:
    """Give SQLite statistics on its tables (PostgreSQL's autovacuum does it by itself).

    Without statistics SQLite walks all commune-level scores through the village index
    for `village IS NULL`; one ANALYZE makes that query two hundred times faster.
    `PRAGMA optimize` analyses only the tables this connection has used (a large
    import just did); after migrations nothing has been used yet, so `every_table`
    analyses them all. `analysis_limit` keeps either quick on a large database.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE" if every_table else "PRAGMA optimize")


def optimize_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver: statistics for the tables the migrations created or changed."""
    optimize_database(using, every_table=True)
