"""CLIP workloads for bench.py, mirroring Sources/VANSBench/CLIPWorkloads.swift with transformers' CLIPModel."""
import torch
from transformers import CLIPConfig, CLIPModel


def clip_image_embed(g):
    # openai/clip-vit-base-patch32 shapes (CLIPConfig's defaults), random weights, 64 frames at 224².
    model = CLIPModel(CLIPConfig()).eval()
    pixels = torch.randn(64, 3, 224, 224, generator=g)

    def step():
        with torch.no_grad():
            return model.get_image_features(pixel_values=pixels).pooler_output[0, 0].item()
    return step


def workloads(g):
    return {"clip_image_embed": lambda: clip_image_embed(g)}
