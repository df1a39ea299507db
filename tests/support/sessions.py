"""How many queries a logged-in request spends on its session.

With Redis the session engine is ``cached_db``: the session is read from the cache and
the database is not asked. Without Redis (the embedded default) it is one query.
"""

from django.conf import settings


def session_queries() -> int:
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
