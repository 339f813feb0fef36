"""The cache every web process shares: Django's database cache, with counting made atomic.

Rate limits (``seedbed.participation.views.rate_limits``) count hits in the cache. A per-process cache
would give each worker its own count, so N workers would allow N times the limit; the
database cache is shared by every process that shares the database (SQLite demo included),
and Redis (``SEEDBED_REDIS_URL``) replaces it when Seedbed is scaled out.

Django's database cache increments by reading and then writing the value with the default
timeout, so two processes counting at once can lose a hit and a count's window is cut to the
default timeout. ``incr`` here locks the row (``SELECT ... FOR UPDATE``; on SQLite the
IMMEDIATE transaction takes the write lock) and keeps the entry's expiry.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Add ``delta`` to a live entry atomically, keeping its expiry; ``ValueError`` when
        the key is missing or expired (as every Django cache does)."""
        cache_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608 - names quoted by the backend
                f"WHERE {quote('cache_key')} = %s{lock}",
                [cache_key],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored, expires = row
            expression = models.Expression(output_field=models.DateTimeField())
            for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
                expires = converter(expires, expression, connection)
            if expires < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(stored).encode()))  # noqa: S301 - our own table
            new_value = value + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",  # noqa: S608
                [encoded, cache_key],
            )
        return new_value
