# The project's entry points. The README's quick start is `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release

.PHONY: deps build test demo bench fixtures clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product vans

## The whole test suite (what .ci/run calls).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

## The main job on a built-in default.
demo: build
	$(RELEASE_BIN)/vans demo

## Engine vs PyTorch, one line per workload: NAME ENGINE_MS TORCH_MS RATIO, then `geomean RATIO`.
bench: deps
	scripts/bench/run.sh

## Regenerate the reference fixtures (needs Python and network to PyPI; never run by CI).
fixtures:
	scripts/fixtures/generate_all.sh

clean:
	rm -rf .build
