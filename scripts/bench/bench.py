"""Engine vs PyTorch benchmark driver (called by scripts/bench/run.sh, i.e. `make bench`).

Runs every workload in the engine (a `VANSBench --serve` process) and in PyTorch (this process),
interleaved repetition by repetition, with the same thread count, and prints one line per
workload, `NAME ENGINE_MS TORCH_MS RATIO` (RATIO = torch / engine: above 1 the engine is faster),
medians over the repetitions, then the peak-memory comparison of the decoder layer fwd+bwd as a
comment line, and last `geomean RATIO`."""
import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from umt5_bench import umt5_encode

import clip_bench
from i3d_bench import i3d_workloads

import wan_vae_bench
import wan_bench  # scripts/bench/ is on sys.path when this script runs

import qwen_bench
import answer_bench
import torch_dtype
import torch_setting


def decoder_layer(requires_grad, hidden=1024, heads=16, kv_heads=4, ffn=2816, sequence=512):
    """The Qwen2-style layer of Sources/VANSBench/DecoderLayer.swift (same shapes and ops)."""
    head_dim = hidden // heads
    g = torch.Generator().manual_seed(0)
    def p(*shape, std=hidden ** -0.5):
        return (torch.randn(*shape, generator=g) * std).requires_grad_(requires_grad)
    params = dict(ln1=(1 + p(hidden, std=0.1)).detach().requires_grad_(requires_grad),
                  wq=p(heads * head_dim, hidden), bq=p(heads * head_dim, std=1), wk=p(kv_heads * head_dim, hidden),
                  bk=p(kv_heads * head_dim, std=1), wv=p(kv_heads * head_dim, hidden), bv=p(kv_heads * head_dim, std=1),
                  wo=p(hidden, heads * head_dim), ln2=(1 + p(hidden, std=0.1)).detach().requires_grad_(requires_grad),
                  wg=p(ffn, hidden), wu=p(ffn, hidden), wd=p(hidden, ffn))
    x = torch.randn(1, sequence, hidden, generator=g).requires_grad_(requires_grad)
    inv = 1.0 / (1e6 ** (torch.arange(0, head_dim, 2, dtype=torch.float) / head_dim))
    angles = torch.arange(sequence).float()[:, None] * inv
    emb = torch.cat([angles, angles], -1)
    cos, sin = emb.cos()[None, :, None, :], emb.sin()[None, :, None, :]

    def rms(t, w):
        return t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + 1e-6) * w

    def rotate(t):
        a, b = t.chunk(2, dim=-1)
        return t * cos + torch.cat([-b, a], -1) * sin

    def forward():
        P = params
        h = rms(x, P["ln1"])
        q = F.linear(h, P["wq"], P["bq"]).view(1, sequence, heads, head_dim)
        k = F.linear(h, P["wk"], P["bk"]).view(1, sequence, kv_heads, head_dim)
        v = F.linear(h, P["wv"], P["bv"]).view(1, sequence, kv_heads, head_dim)
        a = F.scaled_dot_product_attention(rotate(q).transpose(1, 2), rotate(k).transpose(1, 2), v.transpose(1, 2),
                                           is_causal=True, enable_gqa=True)
        h = x + F.linear(a.transpose(1, 2).reshape(1, sequence, hidden), P["wo"])
        n = rms(h, P["ln2"])
        return h + F.linear(F.silu(F.linear(n, P["wg"])) * F.linear(n, P["wu"]), P["wd"])

    if not requires_grad:
        def step():
            with torch.no_grad():
                return forward()[0, 0, 0].item()
        return step

    def step_backward():
        for t in list(params.values()) + [x]:
            t.grad = None
        out = forward()
        out.backward(torch.ones_like(out))
        return params["wd"].grad[0, 0].item() + x.grad[0, 0, 0].item()
    return step_backward


# Workloads of seconds to minutes per call that hold GB-sized models: scripts/bench/models.sh runs each in its own
# process (so one model at a time is resident), with fewer repetitions and no wake-up call.
MODEL_WORKLOADS = ["umt5_encode", "clip_image_embed", "i3d_logits", "qwen_decode_3b", "wan_dit_step",
                   "qwen_prefill_video", "wan_vae_decode", "answer_small"]


def workloads():
    g = torch.Generator().manual_seed(0)
    def gemm(m, n, k, dtype=torch.float32):
        a, b = torch.randn(m, k, generator=g).to(dtype), torch.randn(k, n, generator=g).to(dtype)
        return lambda: torch.matmul(a, b)[0, 0].item()
    def gemv_bf16():
        # torch's fastest bf16 linear for one token: bf16 activations and weight (its kernel needs both).
        x = torch.randn(1, 2048, generator=g).to(torch.bfloat16)
        w = torch.randn(11008, 2048, generator=g).to(torch.bfloat16)
        return lambda: F.linear(x, w)[0, 0].item()
    def attention():
        q, k, v = torch.randn(1, 16, 4096, 64), torch.randn(1, 4, 4096, 64), torch.randn(1, 4, 4096, 64)
        return lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)[0, 0, 0, 0].item()
    def attention_wan():
        q, k, v = (torch.randn(1, 1950, 12, 128).transpose(1, 2) for _ in range(3))  # [B, L, H, D] views, as diffusers' Wan
        return lambda: F.scaled_dot_product_attention(q, k, v)[0, 0, 0, 0].item()
    def attention_bias():
        q, k, v = torch.randn(1, 64, 512, 64), torch.randn(1, 64, 512, 64), torch.randn(1, 64, 512, 64)
        padding = torch.zeros(512, dtype=torch.bool)
        padding[400:] = True
        mask = torch.randn(1, 64, 512, 512).masked_fill(padding, float("-inf"))  # bias + padding, as umT5 adds them
        return lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)[0, 0, 0, 0].item()
    def conv():
        x, w, b = torch.randn(1, 128, 9, 64, 64), torch.randn(128, 128, 3, 3, 3) * 0.02, torch.randn(128)
        def setting(layout):
            def factory():
                xl, wl = x.contiguous(memory_format=layout), w.contiguous(memory_format=layout)
                return lambda: F.conv3d(xl, wl, b, padding=1)[0, 0, 0, 0, 0].item()
            return factory
        # oneDNN runs channels-last 3-D convolutions about 20 % faster than NCDHW ones on AVX2 (160 vs 200 ms here).
        return torch_setting.fastest("conv3d_vae", {"eager": setting(torch.contiguous_format),
                                                    "eager+channels_last_3d": setting(torch.channels_last_3d)})
    def small_ops():
        x, y = torch.randn(256, 256, generator=g), torch.randn(256, 256, generator=g)
        def step():
            h = x
            for _ in range(50):
                h = (F.silu(h) * y + x) * 0.5
            return h[0, 0].item()
        return step
    def unary(function):
        x = torch.randn(2048, 2048, generator=g)
        return lambda: function(x)[0, 0].item()
    def token_logprob():
        x = (torch.randn(256, 151936, generator=g) * 4).requires_grad_()
        t = torch.randint(0, 151936, (256,), generator=g)
        def step():
            x.grad = None
            torch.log_softmax(x, -1).gather(-1, t[:, None]).sum().backward()
            return x.grad[0, 0].item()
        return step
    def channel_rms_norm():
        x, gamma = torch.randn(1, 96, 8, 64, 64, generator=g), torch.randn(96, 1, 1, 1, generator=g)
        return lambda: (F.normalize(x, dim=1) * 96 ** 0.5 * gamma)[0, 0, 0, 0, 0].item()  # Wan's RMS_norm
    return {
        "gemm_f32_1024": lambda: gemm(1024, 1024, 1024),
        "gemm_f32_4096x1024": lambda: gemm(4096, 4096, 1024),
        "gemm_bf16_1024": lambda: gemm(1024, 1024, 1024, torch.bfloat16),
        "gemv_bf16_2048x11008": gemv_bf16,
        "decoder_layer_fwd": lambda: decoder_layer(False),
        "decoder_layer_fwd_bwd": lambda: decoder_layer(True),
        "attention_4096": attention,
        "attention_bias_512": attention_bias,
        "attention_wan_1950": attention_wan,
        "conv3d_vae": conv,
        "silu_4m": lambda: unary(F.silu),
        "gelu_tanh_4m": lambda: unary(lambda x: F.gelu(x, approximate="tanh")),
        "softmax_2048": lambda: unary(lambda x: torch.softmax(x, dim=-1)),
        "small_ops_64k": small_ops,
        "token_logprob_fwd_bwd": token_logprob,
        "rms_norm_channels": channel_rms_norm,
        "umt5_encode": umt5_encode,
        **clip_bench.workloads(g),
        **i3d_workloads(),
        **wan_vae_bench.workloads(),
        **wan_bench.workloads(),
        **qwen_bench.workloads(),
        **answer_bench.workloads(),
    }


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def torch_peak_memory(name):
    """Peak RSS growth of one step, measured exactly as VANSBench --peak-memory does."""
    step = workloads()[name]()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = rss_bytes()
    step()
    return max(0, peak_bytes() - before)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", required=True, help="path of the release VANSBench binary")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="workload names to run (default: all)")
    parser.add_argument("--skip-models", action="store_true",
                        help="leave out the model-scale workloads (scripts/bench/models.sh runs them one process each)")
    parser.add_argument("--single-call", action="store_true",
                        help="time each repetition's first call (no untimed wake-up call): for workloads of seconds or more")
    parser.add_argument("--torch-peak-memory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.torch_peak_memory:
        print(torch_peak_memory(args.torch_peak_memory))
        return
    names = args.only or [name for name in workloads() if not (args.skip_models and name in MODEL_WORKLOADS)]
    environment = dict(os.environ, VANS_NUM_THREADS=str(args.threads))
    engine = subprocess.Popen([args.engine, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)

    def engine_ms(name):
        engine.stdin.write(name + "\n"); engine.stdin.flush()
        reply = engine.stdout.readline().split()
        if len(reply) != 2 or reply[0] != name:
            sys.exit(f"bench: engine answered {reply!r} for {name}")
        return float(reply[1])

    torch_steps = {name: workloads()[name]() for name in names}
    def torch_ms(name):
        start = time.perf_counter(); torch_steps[name](); return (time.perf_counter() - start) * 1e3

    timings = {name: ([], []) for name in names}
    for name in names:  # warm-up: builds inputs, loads BLAS, faults pages in
        engine_ms(name); torch_ms(name)
    # After the other side ran, its worker threads keep spinning for a while (Intel OpenMP's KMP_BLOCKTIME is
    # 200 ms) and steal this side's cores on a 2-core machine, while this side's own threads have gone to
    # sleep. So each side gets a pause for the other's threads to go idle, then an untimed call that wakes
    # its own, then the timed call: the steady state a training or inference loop runs in. Rounds still
    # alternate sides, so machine noise falls on both.
    settle = 0.3
    for _ in range(args.repetitions):
        for name in names:
            time.sleep(settle)
            if not args.single_call:
                engine_ms(name)
            timings[name][0].append(engine_ms(name))
            time.sleep(settle)
            if not args.single_call:
                torch_ms(name)
            timings[name][1].append(torch_ms(name))
    engine.stdin.close(); engine.wait()

    ratios = []
    for name in names:
        e, t = statistics.median(timings[name][0]), statistics.median(timings[name][1])
        ratios.append(t / e)
        print(f"{name} {e:.2f} {t:.2f} {t / e:.3f}", flush=True)
    if "decoder_layer_fwd_bwd" in names:
        mine = int(subprocess.run([args.engine, "--peak-memory", "decoder_layer_fwd_bwd"], env=environment,
                                  capture_output=True, text=True, check=True).stdout)
        theirs = int(subprocess.run([sys.executable, __file__, "--engine", args.engine, "--threads", str(args.threads),
                                     "--torch-peak-memory", "decoder_layer_fwd_bwd"],
                                    capture_output=True, text=True, check=True).stdout)
        print(f"# peak_memory decoder_layer_fwd_bwd engine {mine / 2**20:.1f} MiB torch {theirs / 2**20:.1f} MiB "
              f"engine/torch {mine / max(theirs, 1):.3f}", flush=True)
    if "gemv_bf16_2048x11008" in names:
        bandwidth = float(subprocess.run([args.engine, "--read-bandwidth"], env=environment, capture_output=True,
                                         text=True, check=True).stdout)
        weight_bytes = 11008 * 2048 * 2
        e, t = (statistics.median(timings["gemv_bf16_2048x11008"][side]) for side in (0, 1))
        print(f"# bandwidth gemv_bf16_2048x11008 engine {weight_bytes / e / 1e6:.1f} GB/s torch {weight_bytes / t / 1e6:.1f} GB/s "
              f"machine read {bandwidth / 1e9:.1f} GB/s engine/machine {weight_bytes / e * 1e3 / bandwidth:.2f}", flush=True)
    followers = [name for name in names if name in torch_dtype.FOLLOWERS]
    if followers:
        print(f"# torch_dtype {' '.join(followers)}: {str(torch_dtype.fastest_dtype()).removeprefix('torch.')} "
              f"(native bf16 on this CPU: {'yes' if torch_dtype.native_bf16() else 'no'})", flush=True)
    torch_setting.report()
    qwen_bench.report(args, environment, timings, statistics.median)
    print(f"geomean {math.exp(sum(map(math.log, ratios)) / len(ratios)):.3f}")


if __name__ == "__main__":
    main()
