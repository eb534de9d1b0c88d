"""A fresh, migrated database for the bench, dropped afterwards."""

from __future__ import annotations

import copy
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import setup_databases, teardown_databases


@contextmanager
def throwaway_database():
    """A temporary SQLite file, or on another engine a `bench_<name>` database made by
    Django's test-database machinery, for the duration.

    The default alias gets a connection of its own meanwhile, so neither the developer's
    database nor a test run's open (possibly in-memory) one is touched.
    """
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as directory:
        if original.vendor == "sqlite":
            settings_dict["TEST"]["NAME"] = str(Path(directory) / "bench.sqlite3")
        else:
            settings_dict["TEST"]["NAME"] = f"bench_{settings_dict['NAME']}"
        connections[DEFAULT_DB_ALIAS] = type(original)(settings_dict, DEFAULT_DB_ALIAS)
        try:
            old_config = setup_databases(
                verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS}, serialized_aliases=set()
            )
            try:
                yield
            finally:
                teardown_databases(old_config, verbosity=0)
        finally:
            connections[DEFAULT_DB_ALIAS].close()
            connections[DEFAULT_DB_ALIAS] = original
            # Content type ids were cached from the bench database.
            ContentType.objects.clear_cache()
