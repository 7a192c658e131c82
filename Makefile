# The project's entry points. The README's quick start is `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release
## The C kernels' optimisation (-O3; -fno-math-errno lets libm calls skip errno, which changes speed, never
## results). Given on the command line, here and in every script's release build, because SwiftPM refuses
## a package with unsafe flags in its manifest as a dependency. Packages depending on VANS get SwiftPM's
## own levels (-O0 debug, -O2 release).
C_FLAGS := $(shell cat scripts/c-kernel-flags)

.PHONY: deps build test demo bench fixtures fuzz clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release $(C_FLAGS) --product vans

## The whole test suite (what .ci/run calls), then the Examples package, which depends on this one by
## path and imports VANSKit as any other package would (with SwiftPM's default flags).
test: deps
	$(SWIFT) build --build-tests $(C_FLAGS)
	$(SWIFT) test $(C_FLAGS)
	SWIFT=$(SWIFT) scripts/test-kernel-levels.sh
	scripts/check/inspect_weights.sh
	scripts/check/commands.sh
	scripts/check/serve_web.sh
	@if $(SWIFT) package dump-package | grep -q '"unsafeFlags"'; then \
		echo "Package.swift uses unsafeFlags: SwiftPM refuses such a package as a dependency" >&2; exit 1; fi
	$(SWIFT) build --package-path Examples
	$(SWIFT) run --package-path Examples --skip-build DecoderLayerExample

## The main job on a built-in default.
demo: build
	$(RELEASE_BIN)/vans demo

## Every comparison with the reference implementations: the engine against PyTorch, the tokenizers
## and the BPE trainer against `tokenizers`, video decoding against the ffmpeg command line; then the
## engine at each kernel level this CPU has; the model-scale lines (Qwen, Wan, CLIP, I3D) one process each
## (scripts/bench/models.sh: over an hour on 2 cores; BENCH_MODELS=0 skips them). Installs what it needs.
bench:
	@scripts/install-deps.sh --bench
	scripts/bench/run.sh --skip-models
	scripts/bench/models.sh
	scripts/bench/tokenizer_throughput.sh
	scripts/bench/tokenizer_training.sh --no-build
	scripts/bench/video_decode.sh
	scripts/bench/kernel_levels.sh

## libFuzzer + AddressSanitizer on every input format, FUZZ_SECONDS per target (default 600); fails on any crash.
## Builds in .build-fuzz; the committed corpus and crashers are also replayed by `make test`.
fuzz: deps
	scripts/fuzz.sh

## Regenerate the reference fixtures (needs Python and network to PyPI; never run by CI).
fixtures:
	scripts/fixtures/generate_all.sh

clean:
	rm -rf .build .build-fuzz
