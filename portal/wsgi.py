import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# Load now what each worker's first request would otherwise load while someone waits:
# the URLconf with every view module, and the cache backend with its client library.
from django.core.cache import caches  # noqa: E402
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
caches["default"]
