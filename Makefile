# Partner Place: `make run` serves the portal with demo data, `make test` runs the suite.
# Both need only Python 3.11+ and pip: uv is installed into .tools/ on first use.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format bootstrap migrate demo clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

bootstrap: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	@mkdir -p var/static
	$(UV) sync --frozen --quiet

migrate: bootstrap
	$(RUN) python manage.py migrate --noinput

demo: migrate
	$(RUN) python manage.py load_demo

run: demo
	@echo "Partner Place: http://$(HOST):$(PORT)/  (SMS are written to var/sms.jsonl)"
	$(RUN) python manage.py runserver $(HOST):$(PORT)

# pytest exits 5 when it collected no test: that must fail, never pass quietly.
test: bootstrap
	@$(RUN) pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; fi; \
	exit $$rc

bench: bootstrap
	$(RUN) python -m bench $(BENCH_ARGS)

lint: bootstrap
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: bootstrap
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf var/static var/test-*.sqlite3 .pytest_cache
