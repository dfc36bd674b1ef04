# Two commands do all set-up on a fresh Debian machine (as root): `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARCHIVE ?= vanthu-data
HOST ?= 127.0.0.1
PORT ?= 5000
# redis-server: the OCR queue's tests; chromium: the browser tests (Playwright drives it);
# graphviz: the citation chain's layout (dot)
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core fonts-noto-core redis-server chromium graphviz
SAMPLE_QUERIES := "chan chinh dieu hanh phong chong dich" "issuer:hoan kiem type:CV" "cites:835-CV/TU" "date:2022"

.PHONY: all system venv run demo test lint bench samples clean

all: venv

# apt only when something is missing, so repeated runs stay fast and work offline.
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: system $(VENV)/.installed

samples: venv
	$(BIN)/python samples/make_scans.py

run: venv
	$(BIN)/vanthu --archive $(ARCHIVE) ingest samples/scans/*.pdf samples/corpus
	$(BIN)/vanthu --archive $(ARCHIVE) reindex
	@for q in $(SAMPLE_QUERIES); do echo; echo "== vanthu search $$q"; $(BIN)/vanthu --archive $(ARCHIVE) search "$$q" --limit 5; done
	@echo; echo "== vanthu show 1196/UBND-VP"; $(BIN)/vanthu --archive $(ARCHIVE) show 1196/UBND-VP
	@echo; echo "== vanthu show 1919-CV/QU"; $(BIN)/vanthu --archive $(ARCHIVE) show 1919-CV/QU
	@echo; echo "== vanthu show 20/2023/TT-BLĐTBXH (cited by 01/2025/TT-BLĐTBXH)"; $(BIN)/vanthu --archive $(ARCHIVE) show 20/2023/TT-BLĐTBXH
	@echo; echo "== the web UI: open http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	@echo "   If the archive has no account yet, an archivist account 'luutru' is made and its password printed once below;"
	@echo "   add more with: $(BIN)/vanthu --archive $(ARCHIVE) user add NAME --role reader|archivist"
	$(BIN)/vanthu --archive $(ARCHIVE) serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

test: venv lint
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python benchmarks/parser_accuracy.py
	$(BIN)/python benchmarks/parser_variants.py
	$(BIN)/python benchmarks/ocr_throughput.py
	$(BIN)/python benchmarks/search_bench.py --docs 10000
	$(BIN)/python benchmarks/search_relevance.py

clean:
	rm -rf $(VENV) $(ARCHIVE) *.egg-info .pytest_cache test-output
