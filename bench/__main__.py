"""Run the benchmarks: ``python -m bench [name ...]``.

Every module of this package with a ``run(ctx)`` function is a benchmark group; ``run``
yields ``(name, value, unit)`` tuples, printed as ``BENCH <name> <value> <unit>``.
The groups share one PostgreSQL database (created and migrated here) and one Redis.
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/partner_place_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def _configure() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))


def _ensure_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


class Context:
    """What every benchmark group gets: paths and the environment for subprocesses."""

    root = ROOT

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(extra)
        return env


def main(argv: list[str]) -> int:
    _configure()
    import django

    django.setup()
    _ensure_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    wanted = set(argv)
    ctx = Context()
    failed = False
    for module_info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)])):
        name = module_info.name
        if name.startswith("_") or (wanted and name not in wanted):
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        started = time.monotonic()
        print(f"# {name}", flush=True)
        try:
            for figure, value, unit in module.run(ctx):
                print(f"BENCH {figure} {value:.6g} {unit}", flush=True)
        except Exception as exc:  # one failing group must not hide the others' figures
            failed = True
            print(f"# {name} failed: {exc!r}", file=sys.stderr, flush=True)
        print(f"# {name} took {time.monotonic() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
