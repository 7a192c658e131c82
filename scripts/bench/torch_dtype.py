"""torch's faster CPU dtype for the model lines whose issue asks for "whichever dtype is faster for torch on the
machine" (wan_dit_step, umt5_encode, answer_small).

torch's bfloat16 matmuls are fast only where the CPU computes bf16 natively. Measured with 2 threads:
- AVX512-BF16 (AMD Zen 4): the Wan DiT (2 layers) took 4.0 s in bfloat16 against 6.1 s in float32, and the umT5
  encoder about a quarter of its float32 time;
- AVX2 without bf16 (AMD Zen 3): the answer_small cascade took 102 s in bfloat16 against 41 s in float32 (umT5
  17.0 s against 2.7 s, 4 DiT steps 48.5 s against 7.7 s; scratch timing of scripts/bench/answer_bench.py's steps).
So: bfloat16 where /proc/cpuinfo lists avx512_bf16 or amx_bf16, float32 elsewhere. VANS_BENCH_TORCH_DTYPE
(float32 or bfloat16) overrides; bench.py prints the choice as a `# torch_dtype` line."""
import os

import torch


def native_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def fastest_dtype():
    chosen = os.environ.get("VANS_BENCH_TORCH_DTYPE")
    if chosen:
        if chosen not in ("float32", "bfloat16"):
            raise SystemExit(f"VANS_BENCH_TORCH_DTYPE must be float32 or bfloat16, got {chosen!r}")
        return getattr(torch, chosen)
    return torch.bfloat16 if native_bf16() else torch.float32


# The workloads that follow fastest_dtype(), for bench.py's `# torch_dtype` line.
FOLLOWERS = ("umt5_encode", "wan_dit_step", "answer_small")
