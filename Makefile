# The two quickstart commands: `make run` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean fonts chromium

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ocr,api,reports]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ombuds demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# A CJK font lets the OCR tests render Chinese; without one they skip and say why.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null) \
	  || echo "no CJK font installed: CJK OCR tests will skip"; }

# Debian's chromium drives the console's browser tests (Playwright never downloads one);
# without it they skip and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "no chromium installed: the console's browser tests will skip"; }

unit: $(STAMP) fonts chromium
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .ombuds-demo .pytest_cache .mypy_cache .ruff_cache
