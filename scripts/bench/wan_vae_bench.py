"""Wan VAE workloads for bench.py, mirroring Sources/VANSBench/WanVAEWorkloads.swift: diffusers' AutoencoderKLWan
with the Wan2.1 shape (its defaults) and random weights. WAN_VAE_BENCH_DTYPE (float32 or bfloat16) picks torch's
dtype; float32 is the default because it was the faster of the two on the bench machine (see the lead's report)."""
import os

import torch


def wan_vae_decode():
    from diffusers import AutoencoderKLWan
    dtype = getattr(torch, os.environ.get("WAN_VAE_BENCH_DTYPE", "float32"))
    generator = torch.Generator().manual_seed(0)
    model = AutoencoderKLWan().eval().to(dtype)
    latents = torch.randn(1, 16, 5, 30, 52, generator=generator).to(dtype)

    def step():
        with torch.no_grad():
            return model.decode(latents).sample[0, 0, 0, 0, 0].item()
    return step


def workloads():
    return {"wan_vae_decode": wan_vae_decode}
