# The front door: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
HOST   ?= 127.0.0.1:8000

.PHONY: install run demo test lint messages check-deploy clean bench

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

# Start-up removes upload temporaries a killed server left behind (also for systemd:
# ExecStartPre, see README).
run: demo
	$(BIN)/python manage.py check_documents --clean-temporaries
	$(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
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

# How the dashboard, the scorecard, the scores import and the district PDF scale on a
# province-sized data set (150 communes, 5 years), in a throwaway database: one table
# of timings and ratios against the framework floor and WeasyPrint alone.
bench: install
	$(BIN)/python manage.py bench
