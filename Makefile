# Front door: `make help` lists the targets. Everything a target needs it installs itself,
# into git-ignored folders of this checkout (.venv*, .local/).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON_VERSION := 3.13
# A working python3.13 on PATH, else pyenv's newest 3.13 (scripts/find_python.sh).
PYTHON ?= $(shell bash scripts/find_python.sh $(PYTHON_VERSION))
# The lowest Python the handler and redrive run on (their requires-python), and the lowest
# runtime the module accepts: the handler's unit tests run on it too (make floor).
FLOOR_VERSION := 3.12
FLOOR_PYTHON ?= $(shell bash scripts/find_python.sh $(FLOOR_VERSION))

VENV       := .venv
BENCH_VENV := .venv-bench
FLOOR_VENV := .venv-py$(FLOOR_VERSION)
LINT_VENV  := .venv-checkov
LOCAL      := .local
PY         := $(VENV)/bin/python

export TF_CLI_CONFIG_FILE := $(abspath $(LOCAL)/terraform.rc)
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION   := 1

EXAMPLES := $(wildcard examples/*)
# Six pytest workers on two cores: the end-to-end tests mostly wait (on Terraform's waiters and
# the pollers), so they overlap; xdist hands each worker two tests, then one at a time, so the
# twelve end-to-end tests start at once, in pairs (tests/e2e/conftest.py orders them).
PARALLEL := -n 6 --maxschedchunk 1

.PHONY: help demo test lint unit floor plan e2e package docs bench emulator up down clean redrive

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: $(VENV)/.stamp $(TF_CLI_CONFIG_FILE) ## Apply examples/complete to LocalStack, write items, show what the handler processed (KEEP=1 keeps the stack).
	@PYTHONPATH=tests $(PY) -m scripts.demo $(if $(KEEP),--keep)
	@echo "==> LocalStack is still running, so the next demo or test starts at once; make down stops it"

# Lint, the 3.12 run and the emulator's set-up share no files, so they run side by side: the
# set-up is mostly pip and npm, the rest mostly CPU. Their lines interleave as they come (each
# step's lines say what it is doing), so that a long step shows its progress.
test: ## Lint, the handler's tests on Python 3.12 and the emulator's set-up side by side, then every test: handler, package, plan and end-to-end on LocalStack.
	@$(MAKE) --jobs=3 emulator lint floor
	@echo "==> pytest (the end-to-end tests start LocalStack if it is not running, and stop it after)"
	@$(PY) -m pytest $(PARALLEL) tests --hypothesis-profile=full

lint: $(VENV)/.stamp $(LINT_VENV)/.stamp $(TF_CLI_CONFIG_FILE) ## terraform fmt and validate, checkov, ruff, mypy.
	@echo "==> terraform fmt -check -recursive"
	@terraform fmt -check -recursive -diff .
	@bash scripts/terraform_validate.sh . $(EXAMPLES)
	@echo "==> checkov (module)"
	@mkdir -p $(LOCAL)/tmp && TMPDIR=$(abspath $(LOCAL))/tmp $(LINT_VENV)/bin/checkov --quiet --compact --framework terraform --directory . --skip-download --skip-path examples --skip-path tests --skip-path bench --skip-path .local --skip-path .e2e
	@echo "==> ruff"
	@$(VENV)/bin/ruff check lambda tests bench scripts emulator examples redrive
	@$(VENV)/bin/ruff format --check lambda tests bench scripts emulator examples redrive
	@echo "==> mypy --strict (the folders: files in pyproject.toml, shared with pre-commit)"
	@$(VENV)/bin/mypy --strict

unit: $(VENV)/.stamp ## Handler, package, version and redrive tests, quick fuzz budget (under 20 s, no Terraform, no emulator).
	@$(PY) -m pytest tests -m "unit and not emulator_venv and not floor_venv"

floor: $(FLOOR_VENV)/.stamp ## The handler's unit tests on Python 3.12 (FLOOR_VERSION), the lowest runtime the module accepts (quick fuzz budget).
	@echo "==> pytest on $$($(FLOOR_VENV)/bin/python -V): tests/insert_trigger_tests"
	@$(FLOOR_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/insert_trigger_tests

plan: $(VENV)/.stamp $(TF_CLI_CONFIG_FILE) ## Plan tests only (no backend): each kind of scenario planned once, the kinds in parallel.
	@$(PY) -m pytest tests -m plan

e2e: $(VENV)/.stamp $(TF_CLI_CONFIG_FILE) ## End-to-end tests only (starts LocalStack if needed); LOAD=N runs N CPU-bound processes beside them.
	@$(if $(filter-out 0,$(LOAD)),bash scripts/with_load.sh $(LOAD)) $(PY) -m pytest $(PARALLEL) tests -m e2e --durations=0

package: $(VENV)/.stamp ## Rebuild the handler zip and the examples' zips (byte-identical on rebuild).
	@$(PY) scripts/package_lambda.py

redrive: $(VENV)/.stamp ## Send FUNCTION's failed inserts back through it (DRY_RUN=1 only lists); AWS settings from the environment.
	@test -n "$(FUNCTION)" || { echo "error: FUNCTION is required: make redrive FUNCTION=<function name> [DRY_RUN=1]" >&2; exit 2; }
	@PYTHONPATH=redrive/src $(PY) -m insert_trigger_redrive --function-name "$(FUNCTION)" $(if $(filter-out 0,$(DRY_RUN)),--dry-run)

docs: $(VENV)/.stamp ## Rewrite the README's inputs and outputs tables from variables.tf and outputs.tf.
	@$(PY) scripts/readme_tables.py --write

bench: $(VENV)/.stamp $(BENCH_VENV)/.stamp $(TF_CLI_CONFIG_FILE) ## Handler ratios and cost, filtered vs unfiltered delivery and the idempotency ledger's cost on LocalStack, then the charts (bench/charts/).
	@$(BENCH_VENV)/bin/python bench/handler_bench.py
	@$(BENCH_VENV)/bin/python bench/ledger_import_bench.py
	@PYTHONPATH=tests $(PY) -m bench.filter_bench
	@PYTHONPATH=tests $(PY) -m bench.ledger_bench
	@$(BENCH_VENV)/bin/python bench/charts.py
	@echo "==> LocalStack is still running; make down stops it"

emulator: ## Install the emulator (LocalStack, DynamoDB Local, kinesis-mock) into .local/emulator; a no-op once done.
	@bash emulator/setup.sh

up: ## Start LocalStack on 127.0.0.1:4566 (installs it on first use).
	@bash emulator/up.sh

down: ## Stop LocalStack.
	@bash emulator/down.sh

clean: down ## Remove environments, emulator state and Terraform working files.
	rm -rf $(VENV) $(BENCH_VENV) $(LINT_VENV) $(FLOOR_VENV) $(LOCAL) .e2e
	find . -name .terraform -type d -prune -exec rm -rf {} +
	find . \( -name 'terraform.tfstate*' -o -name .terraform.lock.hcl \) -delete

$(TF_CLI_CONFIG_FILE): scripts/terraformrc.sh
	@bash scripts/terraformrc.sh $@

# One virtual environment per lock file, each made the same way:
# $(call make_venv,DIR,LOCK,INTERPRETER VARIABLE,PYTHON VERSION).
define make_venv
	@test -n "$($(3))" || { echo "error: Python $(4) not found (neither python$(4) on PATH nor in pyenv). Install it, or run make $(3)=/path/to/python$(4)." >&2; exit 1; }
	@echo "==> Creating $(1) with $($(3)) from $(2)"
	@$($(3)) -m venv $(1)
	@$(1)/bin/pip install --disable-pip-version-check --progress-bar off -r $(2) | sed -n '/^Collecting\|^Successfully/p'
	@touch $(1)/.stamp
endef

$(VENV)/.stamp: requirements/dev.txt
	$(call make_venv,$(VENV),requirements/dev.txt,PYTHON,$(PYTHON_VERSION))

$(BENCH_VENV)/.stamp: requirements/bench.txt
	$(call make_venv,$(BENCH_VENV),requirements/bench.txt,PYTHON,$(PYTHON_VERSION))

# checkov pins many packages of its own, so it lives apart.
$(LINT_VENV)/.stamp: requirements/checkov.txt
	$(call make_venv,$(LINT_VENV),requirements/checkov.txt,PYTHON,$(PYTHON_VERSION))

# Only what the handler's unit tests import, so the 3.12 run costs seconds.
$(FLOOR_VENV)/.stamp: requirements/floor.txt
	$(call make_venv,$(FLOOR_VENV),requirements/floor.txt,FLOOR_PYTHON,$(FLOOR_VERSION))
