# `make serve` and `make test` work on a fresh machine: they set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck pytest bench bench-pop3 bench-imap debian-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Real mail clients from Debian that the interop tests drive (swaks, curl,
# fetchmail, getmail6), and the Chromium the browser tests drive (tests/browser/).
debian-deps:
	./scripts/install-debian-deps.sh

serve: $(STAMP)
	$(BIN)/mailtrap-py serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) debian-deps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/smtp_ingest.py

# Installs Dovecot's POP3 server (apt-get) if it is missing: it is the baseline.
bench-pop3: $(STAMP)
	$(BIN)/python bench/pop3_retr.py

# IMAP FETCH/SEARCH over 10,000 messages: mailtrap-py, Dovecot's IMAP (apt-get
# dovecot-imapd if missing) and mail-devel/pymap (pip, in a temporary venv).
bench-imap: $(STAMP)
	$(BIN)/python bench/imap_fetch.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
