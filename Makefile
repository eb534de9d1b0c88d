# The front door: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
HOST   ?= 127.0.0.1:8000

.PHONY: install run demo test lint messages check-deploy clean bench bench-smoke load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Migrate, load the criteria library and the demo district (idempotent), serve.
demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_criteria --all
	$(BIN)/python manage.py load_demo

# The server and one background worker together; Ctrl-C (or the server stopping) stops both.
# Start-up removes upload temporaries a killed server left behind (also for systemd:
# ExecStartPre, see README) and jobs finished more than JOBS_KEEP_DAYS ago.
run: demo
	$(BIN)/python manage.py check_documents --clean-temporaries
	$(BIN)/python manage.py prune_jobs
	$(BIN)/python manage.py db_worker --no-reload --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

# Two processes (pytest-xdist), each test class whole in one of them, so its set-up data
# is made once. One process: make test PYTEST_WORKERS=0.
PYTEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate the English catalogue after changing texts (needs Debian's gettext);
# the compiled .mo files are committed, so running the app never needs gettext.
# locale/vi holds only third-party admin texts, kept by hand: never makemessages it.
messages: install
	$(BIN)/python manage.py makemessages --locale en --ignore ".venv/*" --ignore "var/*" --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

check-deploy: install
	DEBUG=false SECRET_KEY=check-deploy-only-$$RANDOM-key-that-is-long-enough-for-django-checks-0123456789 \
	ALLOWED_HOSTS=ntm.example.gov.vn $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) test-output

# How one commune's pages, the dossiers list, the reports index, the dashboard (drawn
# and cached), the scores import and the district PDF scale on one province grown
# through 15, 150 and 3,321 communes (5 years), in a throwaway database: one table of
# timings and ratios against the framework floor and WeasyPrint alone, and the import
# of a 100,000-row file with its peak memory. Exits non-zero when a goal is missed.
# Options: make bench BENCH_ARGS="--communes 15 300".
bench: install
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

# The bench's own checks, and one tiny run of it: not part of `make test` or CI.
bench-smoke: install
	$(BIN)/python -m pytest -q tools/bench

# 50 users for 60 s on gunicorn (DEBUG off) and PostgreSQL with the demo district, in a
# throwaway database (LOAD_DATABASE_URL, default ntm_load): one table of requests,
# errors and p50/p95/p99 per page; exits non-zero on any error. Not part of `make test`.
# Options: make load LOAD_ARGS="--users 10 --seconds 15".
load: install
	$(BIN)/python -m tools.load $(LOAD_ARGS)
