#!/usr/bin/env bash
# Runs the front-end commands on committed fixtures and checks what a user or a script would read: the numbers
# (against the reference values the fixture scripts recorded), the JSON keys and the exit codes of bad input.
# Run by `make test` after the debug build; the libraries under these commands have their own parity tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build $(< scripts/c-kernel-flags) --product vans >/dev/null
vans="$(swift build $(< scripts/c-kernel-flags) --show-bin-path)/vans"
failures=0
checks=0
expect() {  # expect DESCRIPTION EXIT-CODE PATTERN -- ARGS...
    local description=$1 code=$2 pattern=$3
    shift 4
    local output status=0
    output=$("$vans" "$@" 2>&1) || status=$?
    checks=$((checks + 1))
    if [[ $status -ne $code ]] || ! grep -qE -- "$pattern" <<<"$output"; then
        echo "commands: FAILED: $description (exit $status, wanted $code and /$pattern/)" >&2
        echo "$output" | tail -5 >&2
        failures=$((failures + 1))
    fi
}

# vans metrics video: CLIP-V 0.8860026452, CLIP-T -0.0057510480 from transformers (clip_metrics/expected.json).
clip=Tests/VideoMetricsTests/Fixtures/clip_metrics
expect "metrics video: CLIP-V as transformers" 0 '^CLIP-V +0\.886003$' -- \
    metrics video --generated $clip/generated --reference $clip/reference --clip $clip/model --captions $clip/captions.txt
expect "metrics video: CLIP-T as transformers" 0 '^CLIP-T +-0\.005751$' -- \
    metrics video --generated $clip/generated --reference $clip/reference --clip $clip/model --captions $clip/captions.jsonl
expect "metrics video --json: fvd key present (null without --i3d)" 0 '"fvd" : null' -- \
    metrics video --generated $clip/generated --reference $clip/reference --clip $clip/model --json
expect "metrics video: a missing directory" 1 'is not a directory' -- \
    metrics video --generated $clip/generated --reference /nonexistent --clip $clip/model
expect "metrics video: nothing to compute" 64 'give --clip DIR and/or --i3d FILE' -- \
    metrics video --generated $clip/generated --reference $clip/reference
expect "metrics video: I3D weights that are not a checkpoint" 1 'I3D model' -- \
    metrics video --generated $clip/generated --reference $clip/reference --i3d $clip/captions.txt

# vans render on a tiny diffusers pipeline (its numbers are checked against WanPipeline by WanRenderPipelineTests).
pipeline=Tests/WanTests/Fixtures/wan_render/pipeline
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
expect "render: text-to-video, JSON report" 0 '"frames" : 5' -- \
    render --model $pipeline --caption "A red ball rolls to the left." --out "$out/t2v.mp4" --frames 5 --size 32x48 --steps 2 --json
expect "render: the video it wrote" 0 'size: +48×32' -- video info "$out/t2v.mp4"
expect "render: reference frames of an input video, SDE sampler" 0 '3 reference frames' -- \
    render --model $pipeline --caption "It stops." --reference $clip/generated/alpha.mp4 --reference-frames 3 \
    --out "$out/ref.mp4" --frames 9 --size 32x48 --steps 2 --sampler sde
expect "render: frame count not 4k + 1" 64 'must be 4k \+ 1' -- \
    render --model $pipeline --caption x --out "$out/bad.mp4" --frames 6
expect "render: not a pipeline directory" 1 'model_index.json' -- \
    render --model "$out" --caption x --out "$out/bad.mp4"

# vans answer: the tiny VLM fixture + the Wan render fixture with a vans_profile.json (the adapters' numbers are
# checked against QwenVLCaptioner / WanRenderPipeline by Tests/VANSTests/PipelineAdapterTests.swift).
vlm=Tests/VANSTests/Fixtures/pipeline/vlm
cp -R $pipeline "$out/vdm"
echo '{"profile": "check", "frames": 5, "height": 32, "width": 48, "fps": 8, "reference_frames": 3, "steps": 2, "guidance": 5.0, "sampler": "unipc"}' >"$out/vdm/vans_profile.json"
expect "render: sizes, steps and fps from the directory's vans_profile.json" 0 '"frames" : 5' -- \
    render --model "$out/vdm" --caption "It stops." --out "$out/profile.mp4" --json
expect "render: the profile's 48×32 at 8 fps" 0 'size: +48×32' -- video info "$out/profile.mp4"
mkdir "$out/bad-profile" && cp -R $pipeline/. "$out/bad-profile/"
echo '{"frames": 5, "sampler": "fast"}' >"$out/bad-profile/vans_profile.json"
expect "render: a profile naming an unknown sampler" 1 'vans_profile.json.*unknown sampler "fast"' -- \
    render --model "$out/bad-profile" --caption x --out "$out/bad.mp4"
echo '{"frames": 6, "height": 32, "width": 48}' >"$out/bad-profile/vans_profile.json"
expect "render: a profile whose frame count is not 4k + 1" 1 'frames: 6 is not 4k \+ 1' -- \
    render --model "$out/bad-profile" --caption x --out "$out/bad.mp4"
rm "$out/bad-profile/vans_profile.json" && mkdir "$out/bad-profile/vans_profile.json"
expect "render: a profile that cannot be read is an error, not the paper's profile" 1 'vans_profile.json: unreadable profile' -- \
    render --model "$out/bad-profile" --caption x --out "$out/bad.mp4"
expect "answer: reasoning, caption and a 3-reference answer, JSON" 0 '"reference_frames" : 3' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question "What happens next?" --out "$out/answer.mp4" --json
expect "answer: the video it wrote" 0 'size: +48×32' -- video info "$out/answer.mp4"
expect "answer: an image input gives one reference frame; peak memory in the JSON" 0 '"reference_frames" : 1' -- \
    answer --vlm $vlm --vdm "$out/vdm" --image $clip/generated/beta.mp4 --question "Why?" --out "$out/image.mp4" --steps 1 --json
expect "answer: text only means no reference frames" 0 '"reference_frames" : 0' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question "Why?" --out "$out/t2v.mp4" --steps 1 --no-reference-frames --json
expect "answer: two questions × two futures give OUT-1…4" 0 'Answer video: .*answers-4\.mp4' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question "What next?" --question "And then?" \
    --futures 2 --steps 1 --out "$out/answers.mp4"
expect "answer --fake: the plumbing without models" 0 'Caption: The cup' -- \
    answer --fake --video $clip/generated/alpha.mp4 --question "What next?" --out "$out/fake.mp4"
expect "answer: a text file as the video" 3 'not a readable video or image' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/captions.txt --question q --out "$out/bad.mp4"
expect "answer: a missing video" 3 'no such file' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video "$out/missing.mp4" --question q --out "$out/bad.mp4"
expect "answer: an empty question" 3 'question is empty' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question " " --out "$out/bad.mp4"
expect "answer: zero futures" 64 'futures must be at least 1' -- \
    answer --vlm $vlm --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question q --futures 0 --out "$out/bad.mp4"
expect "answer: not a VLM directory" 2 'config.json' -- \
    answer --vlm "$out" --vdm "$out/vdm" --video $clip/generated/alpha.mp4 --question q --out "$out/bad.mp4"

# vans serve --rate / vans report ratings (the API itself: VANSServerTests/RatingTests).
expect "serve --rate: not a directory" 64 'not a directory' -- serve --rate /nonexistent --data "$out/rate"
expect "serve --rate: no models beside it" 64 'ratings only' -- serve --rate "$out" --fake --data "$out/rate"
expect "serve --rate: a directory without samples.jsonl" 2 'samples.jsonl: cannot read the results' -- \
    serve --rate "$out" --data "$out/rate" --port 0
expect "report ratings: no ratings database" 2 'ratings.sqlite: cannot open the database' -- report ratings --data "$out/none"

# vans debug qwen: the conformance entry point at both precisions (its numbers: QwenVLModelParityTests and
# QwenVLBFloat16ActivationTests against transformers in float32 and in bf16).
qwen=Tests/QwenVLTests/Fixtures/qwen_model/hub_tied
expect "debug qwen --dtype bf16: logits and greedy tokens" 0 '^$' -- \
    debug qwen --model $qwen --inputs $qwen/video.inputs.safetensors --out "$out/qwen-bf16.safetensors" --dtype bf16 --generate 3
expect "debug qwen --dtype bf16: the prompt's logits [27, 128]" 0 'logits +F32 +\[27, 128\]' -- inspect weights "$out/qwen-bf16.safetensors"
expect "debug qwen: an unknown dtype" 64 "dtype" -- \
    debug qwen --model $qwen --inputs $qwen/video.inputs.safetensors --out "$out/qwen.safetensors" --dtype f16

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "commands: $checks checks passed"
