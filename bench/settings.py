"""The portal's settings plus the bench's baseline route (``bench/urls.py``).

Only ``make bench`` runs with these settings: production serves ``portal.urls``, which
has no benchmark route.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
