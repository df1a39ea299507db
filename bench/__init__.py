"""Benchmarks: ``make bench`` prints one ``BENCH <name> <value> <unit>`` line per figure.

Each module in this package that defines ``run(ctx)`` contributes figures; they run
against PostgreSQL (``BENCH_DATABASE_URL``, default the local server) in one process
tree, so figures printed side by side come from the same run on the same machine.
"""
