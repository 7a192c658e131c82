# The project's entry points. The README's quick start is `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release

.PHONY: deps build test demo bench fixtures fuzz clean

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

## Every comparison with the reference implementations: the engine against PyTorch, the tokenizers
## and the BPE trainer against `tokenizers`, video decoding against the ffmpeg command line.
bench: deps
	scripts/bench/run.sh
	scripts/bench/tokenizer_throughput.sh
	scripts/bench/tokenizer_training.sh --no-build
	scripts/bench/video_decode.sh

## libFuzzer + AddressSanitizer on every input format, FUZZ_SECONDS per target (default 600); fails on any crash.
## Builds in .build-fuzz; the committed corpus and crashers are also replayed by `make test`.
fuzz: deps
	scripts/fuzz.sh

## Regenerate the reference fixtures (needs Python and network to PyPI; never run by CI).
fixtures:
	scripts/fixtures/generate_all.sh

clean:
	rm -rf .build .build-fuzz
