"""CLIP workloads for bench.py, mirroring Sources/VANSBench/CLIPWorkloads.swift with transformers' CLIPModel."""
import torch
from transformers import CLIPConfig, CLIPModel

import torch_setting


def clip_image_embed(g):
    # openai/clip-vit-base-patch32 shapes (CLIPConfig's defaults), random weights, 64 frames at 224².
    model = CLIPModel(CLIPConfig()).eval()
    pixels = torch.randn(64, 3, 224, 224, generator=g)

    def setting(compiled):
        def factory():
            embed = torch.compile(model.get_image_features) if compiled else model.get_image_features

            def step():
                with torch.no_grad():
                    return embed(pixel_values=pixels).pooler_output[0, 0].item()
            return step
        return factory
    return torch_setting.fastest("clip_image_embed", {"eager": setting(False), "compile": setting(True)})


def workloads(g):
    return {"clip_image_embed": lambda: clip_image_embed(g)}
