"""Wan2.1 workloads for scripts/bench/bench.py, mirroring Sources/VANSBench/WanWorkloads.swift with diffusers.

wan_dit_step: one forward of a Wan-1.3B-shaped WanTransformer3DModel (30 layers, dim 1536, 12 heads, FFN 8960,
text dim 4096) on a 16×5×30×52 latent with 512 text rows. torch runs it in its faster dtype on the machine
(torch_dtype.fastest_dtype(): bfloat16 where the CPU has native bf16, float32 elsewhere; `--probe` compares both).
"""
import torch

from torch_dtype import fastest_dtype


def wan_transformer(layers=30, dtype=None):
    dtype = dtype or fastest_dtype()
    from diffusers import WanTransformer3DModel
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build in the target dtype: no 5.7 GB float32 copy on the way
    model = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                                  out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=layers)
    torch.set_default_dtype(default)
    import diffusers
    diffusers.utils.logging.set_verbosity_error()  # `.to(bf16)` warns about its fp32-kept modules; speed only here
    return model.to(dtype).eval()


def dit_step(layers=30, dtype=None):
    dtype = dtype or fastest_dtype()
    model = wan_transformer(layers, dtype)
    g = torch.Generator().manual_seed(22)
    latents = torch.randn(1, 16, 5, 30, 52, generator=g).to(dtype)
    context = torch.randn(1, 512, 4096, generator=g).to(dtype)
    timestep = torch.tensor([999])

    def step():
        with torch.no_grad():
            return model(latents, timestep, context, return_dict=False)[0][0, 0, 0, 0, 0].float().item()
    return step


def workloads():
    return {"wan_dit_step": dit_step}


if __name__ == "__main__":
    import sys
    import time
    if "--probe" in sys.argv:
        torch.set_num_threads(2)
        for dtype in (torch.float32, torch.bfloat16):
            step = dit_step(layers=2, dtype=dtype)
            step()
            times = []
            for _ in range(3):
                start = time.perf_counter(); step(); times.append(time.perf_counter() - start)
            print(dtype, f"{sorted(times)[1] * 1e3:.0f} ms for 2 layers")
