"""Qwen2.5-VL-3B-shaped workloads for bench.py, mirroring Sources/VANSBench/QwenWorkloads.swift with
transformers in bfloat16:

- qwen_decode_3b: one greedy decode step of Qwen2_5_VLForConditionalGeneration (3B shapes, random bf16
  weights) after a 512-token text prompt: what `generate` runs per token (a one-token forward through the
  DynamicCache, then argmax).
- qwen_prefill_video: the same model on a 16-frame 448×448 video (grid 8×32×32) and a 64-token question:
  vision tower + prefill, last-position logits.

One model serves both (as on the engine side), so a run holds one 3B model per process.

`report` prints the extra lines: decode bandwidth against the machine's read bandwidth and the peak
resident memory of a decode process against weights + KV cache."""
import os
import subprocess
import sys

import torch

PROMPT = 512
TEXT = dict(vocab_size=151936, hidden_size=2048, intermediate_size=11008, num_hidden_layers=36,
            num_attention_heads=16, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=1000000.0,
            max_position_embeddings=128000, tie_word_embeddings=True)


def _randomise(model):
    generator = torch.Generator().manual_seed(42)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name or "ln_q" in name:
                parameter.fill_(1)
            else:
                parameter.normal_(0, 0.02, generator=generator)
    return model


def _build(factory):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("meta"):
            model = factory()
        model = model.to_empty(device="cpu")
        model.tie_weights()
    finally:
        torch.set_default_dtype(previous)
    return _randomise(model).eval()


_MODEL = []


def _config():
    from transformers import Qwen2_5_VLConfig
    return Qwen2_5_VLConfig(
        text_config=dict(TEXT, rope_parameters={"rope_type": "default", "mrope_section": [16, 24, 24], "rope_theta": 1e6}),
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=2048,
                           tokens_per_second=2, fullatt_block_indexes=[7, 15, 23, 31]),
        tie_word_embeddings=True)


def _model():
    from transformers import Qwen2_5_VLForConditionalGeneration
    if not _MODEL:
        config = _config()
        _MODEL.append(_build(lambda: Qwen2_5_VLForConditionalGeneration(config)))
    return _MODEL[0]


def decode_3b():
    from transformers import DynamicCache
    model = _model()
    cache = DynamicCache(config=model.config.text_config)
    prompt = (torch.arange(PROMPT) * 7919 % 150000).unsqueeze(0)
    with torch.no_grad():
        logits = model(input_ids=prompt, cache=cache, use_cache=True).logits[:, -1]
    state = {"token": logits.argmax(-1, keepdim=True)}

    def step():
        with torch.no_grad():
            logits = model(input_ids=state["token"], cache=cache, use_cache=True).logits[:, -1]
        state["token"] = logits.argmax(-1, keepdim=True)
        return logits[0, 0].item()
    return step


def prefill_video():
    model = _model()
    config = model.config
    generator = torch.Generator().manual_seed(43)
    grid = torch.tensor([[8, 32, 32]])
    pixels = torch.randn(8 * 32 * 32, 3 * 2 * 14 * 14, generator=generator).to(torch.bfloat16)
    ids = ([config.vision_start_token_id] + [config.video_token_id] * (8 * 16 * 16) + [config.vision_end_token_id]
           + [i * 7919 % 150000 for i in range(62)])
    input_ids = torch.tensor([ids])
    types = (input_ids == config.video_token_id).to(torch.int32) * 2

    def step():
        with torch.no_grad():
            out = model(input_ids=input_ids, pixel_values_videos=pixels, video_grid_thw=grid,
                        second_per_grid_ts=torch.tensor([1.0]), mm_token_type_ids=types, logits_to_keep=1)
        return out.logits[0, -1, 0].item()
    return step


def workloads():
    return {"qwen_decode_3b": decode_3b, "qwen_prefill_video": prefill_video}


def weight_and_kv_bytes(cached=PROMPT + 16):
    """bf16 bytes of the whole model (vision tower included, tied head once) and our float32 KV cache."""
    width, layers, kv = TEXT["hidden_size"], TEXT["num_hidden_layers"], TEXT["num_key_value_heads"] * 128
    layer = 2 * width * width + 2 * kv * width + 3 * TEXT["intermediate_size"] * width + 2 * kv + width + 2 * width
    vision, inner = 1280, 3420
    block = 2 * vision + 3 * vision * vision + 3 * vision + vision * vision + vision + 3 * inner * vision + 2 * inner + vision
    tower = 1280 * 1176 + 32 * block + vision + (4 * vision) ** 2 + 4 * vision + 2048 * 4 * vision + 2048
    weights = 2 * (layers * layer + TEXT["vocab_size"] * width + width + tower)
    # Our caches hold float32 keys and values: 2 × layers × cached × kv width × 4 bytes.
    return weights, 2 * layers * cached * kv * 4


def decode_read_bytes():
    """bf16 bytes one decode token must read: every decoder linear and the tied output head."""
    width, kv = TEXT["hidden_size"], TEXT["num_key_value_heads"] * 128
    layer = 2 * width * width + 2 * kv * width + 3 * TEXT["intermediate_size"] * width
    return 2 * (TEXT["num_hidden_layers"] * layer + TEXT["vocab_size"] * width)


def report(args, environment, timings, median):
    """Extra lines after the ratio table when qwen_decode_3b ran."""
    if "qwen_decode_3b" not in timings:
        return
    bandwidth = float(subprocess.run([args.engine, "--read-bandwidth"], env=environment, capture_output=True,
                                     text=True, check=True).stdout)
    read = decode_read_bytes()
    ours, theirs = (median(timings["qwen_decode_3b"][side]) for side in (0, 1))
    print(f"# qwen_decode_3b engine {1e3 / ours:.2f} tok/s torch {1e3 / theirs:.2f} tok/s; reads {read / 1e9:.2f} GB/token: "
          f"engine {read / ours / 1e6:.1f} GB/s of machine {bandwidth / 1e9:.1f} GB/s = {read / ours * 1e3 / bandwidth:.2f} of the limit",
          flush=True)
    # A fresh decode-only process (prompt + 16 steps); wait4 gives that child's own peak resident set.
    child = subprocess.Popen([args.engine, "--run", "qwen_decode_3b", "--repetitions", "16"], env=environment,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = status
    if status != 0:
        sys.exit(f"bench: {args.engine} --run qwen_decode_3b failed with status {status}")
    peak = usage.ru_maxrss * 1024
    weights, kv = weight_and_kv_bytes()
    print(f"# peak_memory qwen_decode_3b process {peak / 2**30:.2f} GiB, weights {weights / 2**30:.2f} GiB + KV {kv / 2**20:.0f} MiB, "
          f"ratio {peak / (weights + kv):.3f}", flush=True)


if __name__ == "__main__":
    sys.exit("qwen_bench.py is imported by bench.py")
