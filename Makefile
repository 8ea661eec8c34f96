# secmodel: `make help` lists the targets. Every target creates .venv from requirements.txt first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help report project audit notebooks lab bench test lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml notebooks/jupyterlab-overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# the package itself, editable: importable from any folder (kernels start elsewhere), and
	@# the `secmodel` command; its dependencies are the lock's, installed above
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# JupyterLab's settings for this venv: widget state saved with the notebook, so the what-if
	@# panel shows (not live) after a save and a new kernel instead of "model not found"; no
	@# news or update requests to the internet
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp notebooks/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

report: project audit ## the main job: board-report PDF, Excel workbook, projections and audit into reports/
	$(VENV)/bin/secmodel report

project: $(STAMP) ## project every scenario into reports/<scenario>/
	$(VENV)/bin/secmodel project --all

audit: $(STAMP) ## the seed's claims vs the computed figures into reports/roadmap_audit.csv
	$(VENV)/bin/secmodel audit

notebooks: $(STAMP) ## re-execute the committed notebooks in place (accept an intended change)
	$(VENV)/bin/secmodel notebooks --in-place

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP) ## benchmarks: the report against the papermill floor; the Monte Carlo engine
	$(PY) bench/report_speed.py
	$(PY) bench/engine_speed.py --million
	$(PY) bench/whatif_latency.py

test: $(STAMP) lint ## lint, format check, the test suite and nbval over the notebooks
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg tests notebooks secmodel/report/templates/board_report.ipynb

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove generated reports (keeps .venv)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
