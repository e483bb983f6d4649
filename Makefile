# The two commands a newcomer runs: `make run` and `make test` (see README.md).
# Everything they need is installed here, from PyPI, npm and Debian packages.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export CONSOLE_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test setup system-packages browser-packages migrate demo lint imports format clean bench slurm-up slurm-down

run: setup stack migrate demo-repo demo
	@echo "Starting the console on http://127.0.0.1:8000 with its worker and beat (Ctrl-C stops all)."
	$(BIN)/honcho -f Procfile start

# Tests keep their own data folder so that they never touch the demo's files
# or compete with a running `make run` for the embedded broker's queue.
test: export CONSOLE_DATA_DIR := $(CURDIR)/data/test
test: setup stack browser-packages
	PYTEST=$(BIN)/pytest scripts/run-tests $(PYTEST_ARGS)
	env $(STACK_ENV) $(STACK_BIN)/python -m unittest discover -s tests/stack -t . -q

setup: system-packages $(VENV)/.installed node_modules/.installed

system-packages:
	@scripts/ensure-debian-packages npm:nodejs,npm

browser-packages:
	@scripts/ensure-debian-packages chromium:chromium

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate demo-repo
	$(BIN)/python manage.py load_demo

lint: setup imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The import contract of pyproject.toml ([tool.importlinter]): the layers of README's "Layout", no app
# importing one above it, the stack side importing no Django.
imports: setup
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(STACK_VENV) node_modules data

# The benchmarks (bench/README.md): a production-sized history generated into a PostgreSQL database of
# its own (dropped and made again each time; the name must contain "bench"), every benchmark run
# against it, one table printed; exits 1 when a target is missed. BENCH_SCALE=1 is the full size
# (about 10 minutes on 2 cores, and 10 more the first time, to make the stack side's fixtures); CI runs 0.01.
BENCH_SCALE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/campaign_console_bench

bench: setup stack
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --scale $(BENCH_SCALE) $(BENCH_ARGS)

# A real two-node Slurm cluster (scripts/slurm-cluster, as root): munged and slurmctld here, one slurmd in each
# of two network namespaces on a bridge of their own; slurm-up prints the `export SLURM_CONF=...` line.
SLURM_DIR ?= $(CONSOLE_DATA_DIR)/slurm

slurm-up:
	scripts/slurm-cluster up $(SLURM_DIR)

slurm-down:
	scripts/slurm-cluster down $(SLURM_DIR)

# The LSST stack side (console_stack/README.md): a virtual environment of its
# own, never imported by the Django process, and a small demo Butler repository.
STACK_VENV := .stack-venv
STACK_BIN := $(STACK_VENV)/bin
# The environment every stack command (bps, butler, pipetask, python -m console_stack.*) needs.
STACK_ENV := PATH="$(CURDIR)/$(STACK_BIN):$$PATH" PYTHONPATH="$(CURDIR)" CONDOR_CONFIG=/dev/null \
	CTRL_MPEXEC_DIR="$(CURDIR)/$(STACK_VENV)" DAF_BUTLER_DIR="$(CURDIR)/$(STACK_VENV)"
DEMO_REPO := $(CONSOLE_DATA_DIR)/demo-repo

.PHONY: stack demo-repo

stack: $(STACK_VENV)/.installed

$(STACK_VENV)/.installed: requirements-stack.txt
	test -x $(STACK_BIN)/python || $(PYTHON) -m venv $(STACK_VENV)
	$(STACK_BIN)/python -m pip install --quiet --upgrade pip
	$(STACK_BIN)/python -m pip install --quiet -r requirements-stack.txt
	$(STACK_BIN)/python -m pip check
	touch $@

demo-repo: $(DEMO_REPO)/butler.yaml

$(DEMO_REPO)/butler.yaml: | $(STACK_VENV)/.installed
	env $(STACK_ENV) $(STACK_BIN)/python -m console_stack.make_demo_repo $(DEMO_REPO)
