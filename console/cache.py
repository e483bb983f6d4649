"""The embedded default's cache: a table in the console's database, shared by every process of the installation.

Django's ``DatabaseCache`` raises a counter by reading it and writing it back (``BaseCache.incr``): two processes
raising it at the same moment both write the same new value, and one request is not counted; the write also resets
the entry's expiry to the default timeout, so a counter whose window is longer than that expires early. The rate
limits (``console.ratelimit``) count with ``add`` and ``incr``, so here ``incr`` reads and writes the row in one
transaction that holds it: ``SELECT ... FOR UPDATE`` on PostgreSQL, and on SQLite the write lock that the
console's ``IMMEDIATE`` transactions take when they begin. ``add`` is atomic already (an INSERT of the key, which a
second process's INSERT cannot repeat).

The table is made by ``manage.py createcachetable``, which ``manage.py migrate`` runs (``ConsoleConfig.ready``).
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connections, router, transaction
from django.utils.timezone import now


class CountingDatabaseCache(DatabaseCache):
    """Django's database cache whose ``incr`` and ``decr`` count every call once, whatever the process."""

    def incr(self, key, delta=1, version=None):
        cache_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, key_column, value_column = quote_name(self._table), quote_name("cache_key"), quote_name("value")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {key_column} = %s AND {quote_name('expires')} > %s{lock}",  # noqa: S608
                [cache_key, connection.ops.adapt_datetimefield_value(now())],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            # The expiry stays as it was: the counter lives as long as its window.
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",  # noqa: S608
                [encoded, cache_key],
            )
        return value


def create_cache_tables(using: str = "default", **kwargs) -> None:
    """Make the database cache's table if it is missing (after ``migrate``; nothing to do for Redis)."""
    call_command("createcachetable", database=using, verbosity=0)
