# Two commands on a fresh machine: `make demo` (console chat on SQLite with sample data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo web test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/ldbot demo

# The web console on the sample service: sample data, a one-time link for the sample admin, ldbot serve.
WEB_PORT ?= 3978
web: $(STAMP)
	@$(BIN)/ldbot seed --sample
	@echo "Open this link within 10 minutes to sign in as the sample admin, Ian Fraser (it works once):"
	@$(BIN)/ldbot admin link --user ian.fraser@northvale-fire.example --base-url http://localhost:$(WEB_PORT)
	@$(BIN)/ldbot serve --host 127.0.0.1 --port $(WEB_PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
