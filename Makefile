# The entry points a person types. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CACHE ?= /var/cache/wheelhouse
LIST ?= configs/deps.txt
PORT ?= 8080
ARCH ?= $(shell uname -m)
# The unit and integration tiers run without a network (loopback only): a test that reaches
# for the internet fails instead of passing on a connected machine.
OFFLINE := bash infra/host/offline.sh
# The e2e modules run on this many pytest-xdist workers, each module on one (its builds are
# module-scoped): a build waiting on QEMU or the network leaves a core to the other worker's
# compile. --no-loadscope-reorder keeps the collection's order (the longest first,
# tests/e2e/conftest.py) instead of xdist's most-tests-first.
E2E_WORKERS ?= 2
E2E := $(BIN)/pytest -n $(E2E_WORKERS) --dist loadfile --no-loadscope-reorder tests/e2e

.PHONY: help setup engine emulation tools images demo build serve serve-static bench bench-index bench-archs bench-coverage bench-install bench-jobs bench-blas bench-plan lint test unit integration e2e clean

help:  ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/wheelhouse: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/wheelhouse engine emulation images  ## venv, Docker engine, QEMU emulation, local builder/runtime images

engine:  ## install and start the Docker engine if needed (Debian, root)
	bash infra/host/ensure-engine.sh

emulation:  ## run the other arch's binaries and containers (QEMU + binfmt_misc; Debian, root)
	bash infra/host/ensure-emulation.sh

tools:  ## nginx, wrk, docker-compose, Node.js + npm, actionlint and Chromium (self-hosted deployment, infra/ validators, benchmarks, the pages for people in a browser)
	bash infra/host/ensure-tools.sh nginx=nginx-light wrk=wrk docker-compose=docker-compose node=nodejs npm=npm chromium=chromium
	cd infra/validate && npm ci --no-audit --no-fund --loglevel=error

images: $(BIN)/wheelhouse engine emulation  ## build the local musllinux images, x86_64 and aarch64 (cached by recipe hash)
	$(BIN)/wheelhouse images build --cache-dir $(CACHE)

build: setup  ## build the example list into ./wheelhouse
	$(BIN)/wheelhouse build --list $(LIST)

serve: $(BIN)/wheelhouse  ## serve ./wheelhouse on $(PORT) (the embedded default index)
	$(BIN)/wheelhouse serve --port $(PORT)

serve-static: $(BIN)/wheelhouse tools  ## the self-hosted deployment: nginx on $(PORT) over a static tree, uploads to wheelhouse
	WHEELHOUSE=$(BIN)/wheelhouse bash infra/selfhosted/run.sh --packages wheelhouse --static wheelhouse/.static-index --port $(PORT) --backend-port $$(( $(PORT) + 1 ))

bench: bench-index bench-plan bench-archs bench-coverage bench-install bench-jobs bench-blas  ## every benchmark (writes tables into tests/benchmarks/results/)

bench-index: $(BIN)/wheelhouse tools  ## index serving at 10,000 files: pypiserver vs wheelhouse serve vs infra
	$(BIN)/python -m tests.benchmarks.index_serving

bench-plan: $(BIN)/wheelhouse  ## a scheduled run's plan when nothing is due: 100 and 1,000 packages x 2 arches x 4 Pythons
	$(BIN)/python -m tests.benchmarks.noop_plan

bench-archs: setup  ## aarch64 / x86_64 build wall time per package (aarch64 cross and under QEMU)
	$(BIN)/python -m tests.benchmarks.arch_ratio

bench-coverage: setup  ## two real lists (the 2021-22 pins; today's gap, newest releases, CPython 3.13): what builds, per package (ARCH=aarch64 for the other arch)
	$(BIN)/python -m tests.benchmarks.coverage --arch $(ARCH)
	$(BIN)/python -m tests.benchmarks.coverage --arch $(ARCH) --python 3.13 --newest \
	    --list tests/benchmarks/lists/todays-gap.txt \
	    --output tests/benchmarks/results/coverage-today-$(ARCH).md

bench-jobs: setup  ## one job at a time vs the default --jobs: wall time of each and the CPU floor
	$(BIN)/python -m tests.benchmarks.jobs_side_by_side

bench-blas: setup  ## numpy built here (OpenBLAS) vs upstream's musllinux wheel: a 1000x1000 matmul in the runtime image
	$(BIN)/python -m tests.benchmarks.blas_matmul

bench-install: setup  ## pandas + numpy + Django on musl: pip from sources vs from wheelhouse serve
	$(BIN)/python -m tests.benchmarks.alpine_install

demo: build serve  ## the main job: build the example list, then serve it

lint: $(BIN)/wheelhouse  ## ruff and mypy (strict)
	$(BIN)/ruff check app builder index tests
	$(BIN)/ruff format --check app builder index tests
	$(BIN)/mypy

unit: $(BIN)/wheelhouse  ## fast tests: no network (run without one), no Docker
	$(OFFLINE) $(BIN)/pytest tests/unit

integration: $(BIN)/wheelhouse tools  ## real servers on loopback (pypiserver, moto's S3, nginx), no network; no Docker
	$(OFFLINE) $(BIN)/pytest tests/integration

e2e: setup  ## real containers: cibuildwheel, auditwheel, verification in the runtime images
	$(E2E)

test: setup tools lint  ## everything: lint, unit and integration (both without a network), end-to-end
	$(OFFLINE) $(BIN)/pytest tests/unit tests/integration
	$(E2E)

clean:  ## remove the venv and the local wheelhouse (images stay cached)
	rm -rf $(VENV) wheelhouse
