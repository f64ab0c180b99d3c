# The entry points a person types. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CACHE ?= /var/cache/wheelhouse
LIST ?= configs/deps.txt
PORT ?= 8080

.PHONY: help setup engine images demo build serve lint test unit integration e2e clean

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/wheelhouse: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/wheelhouse engine images  ## venv, Docker engine, local builder/runtime images

engine:  ## install and start the Docker engine if needed (Debian, root)
	bash infra/host/ensure-engine.sh

images: $(BIN)/wheelhouse engine  ## build the local musllinux images (cached by recipe hash)
	$(BIN)/wheelhouse images build --cache-dir $(CACHE)

build: setup  ## build the example list into ./wheelhouse
	$(BIN)/wheelhouse build --list $(LIST)

serve: $(BIN)/wheelhouse  ## serve ./wheelhouse with pypiserver on $(PORT)
	$(BIN)/wheelhouse serve --port $(PORT)

demo: build serve  ## the main job: build the example list, then serve it

lint: $(BIN)/wheelhouse  ## ruff and mypy (strict)
	$(BIN)/ruff check builder index tests
	$(BIN)/ruff format --check builder index tests
	$(BIN)/mypy

unit: $(BIN)/wheelhouse  ## fast tests: no network, no Docker
	$(BIN)/pytest tests/unit

test: setup lint  ## everything: lint, unit, integration and end-to-end tests
	$(BIN)/pytest tests

clean:  ## remove the venv and the local wheelhouse (images stay cached)
	rm -rf $(VENV) wheelhouse
