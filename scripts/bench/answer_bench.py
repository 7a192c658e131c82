"""answer_small for bench.py, mirroring Sources/VANSBench/AnswerWorkloads.swift with transformers + diffusers: the
VANS cascade end to end at a reduced real-architecture size (Qwen2.5-VL-3B widths, 4 text layers, 4 vision blocks;
Wan2.1-1.3B DiT widths, 4 layers; umT5-XXL width, 2 layers; the full Wan VAE), random weights written once by
scripts/pipeline/real_shaped_models.py --preset answer_small (bf16, VAE float32) into VANS_BENCH_ANSWER_DIR
(default /tmp/vans-bench-answer). Each call, like `vans answer`: load Qwen2_5_VLForConditionalGeneration, sample
the 8 fps input at 2 fps (4 frames at 224×224), 16 greedy tokens, free it; load WanPipeline, render the caption as
9 frames at 128×224 in 4 UniPC steps with guidance 5 (text only), write the MP4 with PyAV. The VLM, umT5 and DiT
run in torch's faster dtype on the machine (torch_dtype.fastest_dtype()), the VAE in float32 as its weights are.

    ~/.cache/vans/venv/bin/python scripts/bench/answer_bench.py --prepare   # writes the directories (minutes)
"""
import gc
import os
import subprocess
import sys

import numpy as np
import torch

from torch_dtype import fastest_dtype

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIRECTORY = os.environ.get("VANS_BENCH_ANSWER_DIR", "/tmp/vans-bench-answer")
QUESTION = "What will happen next?"
SYSTEM = ("You will be given a video. Your task is to predict the next event based on the input video and the "
          "user\u2019s instructions. Please begin by providing your detailed reasoning between the [Think]/[/Think] "
          "tags, followed by your detailed description of the next event within the [Ans]/[/Ans] tags.")
MEAN, STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]


def prepare():
    if not os.path.exists(os.path.join(DIRECTORY, "vdm", "vans_profile.json")):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/pipeline/real_shaped_models.py"), "--out", DIRECTORY,
                        "--preset", "answer_small", "--never-stop"], check=True)
    video = os.path.join(DIRECTORY, "input.mp4")
    if not os.path.exists(video):
        import av
        container = av.open(video + ".part.mp4", "w")
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 224, 224, "yuv420p"
        y, x = np.mgrid[0:224, 0:224]
        for i in range(16):
            frame = np.stack([(x + 8 * i) % 256, (y + 4 * i) % 256, ((x * y) // 97 + 5 * i) % 256], -1).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        container.close()
        os.replace(video + ".part.mp4", video)


def video_inputs(path):
    """qwen-vl-utils at fps 2 on a 2 s 8 fps clip: frames 0, 5, 10, 15 (linspace), 224×224 already, then the
    Qwen2-VL processor's normalisation and patch layout."""
    import av
    with av.open(path) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    indices = np.linspace(0, len(frames) - 1, 4).round().astype(int)
    pixels = torch.from_numpy(np.stack([frames[i] for i in indices])).permute(0, 3, 1, 2).float() / 255  # [T, 3, H, W]
    pixels = (pixels - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]
    t, c, h, w = pixels.shape
    gt, gh, gw = t // 2, h // 14, w // 14
    patches = pixels.reshape(gt, 2, c, gh // 2, 2, 14, gw // 2, 2, 14).permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return patches.reshape(gt * gh * gw, c * 2 * 14 * 14), torch.tensor([[gt, gh, gw]])


def prompt_ids(tokenizer, video_tokens):
    def ids(text):
        return tokenizer.encode(text, add_special_tokens=False).ids
    special = lambda token: [tokenizer.token_to_id(token)]
    return (special("<|im_start|>") + ids("system\n" + SYSTEM) + special("<|im_end|>") + ids("\n") + special("<|im_start|>")
            + ids("user\n") + special("<|vision_start|>") + special("<|video_pad|>") * video_tokens + special("<|vision_end|>")
            + ids(QUESTION) + special("<|im_end|>") + ids("\n") + special("<|im_start|>") + ids("assistant\n"))


def answer_small():
    prepare()
    from tokenizers import Tokenizer
    from transformers import Qwen2_5_VLForConditionalGeneration
    from diffusers import AutoencoderKLWan, WanPipeline
    from diffusers.utils import logging as diffusers_logging
    import av
    diffusers_logging.set_verbosity_error()
    vlm, vdm = os.path.join(DIRECTORY, "vlm"), os.path.join(DIRECTORY, "vdm")
    tokenizer = Tokenizer.from_file(os.path.join(vlm, "tokenizer.json"))
    output = os.path.join("/tmp", f"vans-bench-answer-torch-{os.getpid()}.mp4")
    dtype = fastest_dtype()

    def step():
        with torch.no_grad():
            model = Qwen2_5_VLForConditionalGeneration.from_pretrained(vlm, dtype=dtype).eval()
            pixels, grid = video_inputs(os.path.join(DIRECTORY, "input.mp4"))
            ids = torch.tensor([prompt_ids(tokenizer, int(grid.prod()) // 4)])
            generated = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                       pixel_values_videos=pixels.to(dtype), video_grid_thw=grid,
                                       second_per_grid_ts=torch.tensor([1.0]), max_new_tokens=16, min_new_tokens=16,
                                       do_sample=False)
            text = tokenizer.decode(generated[0, ids.shape[1]:].tolist(), skip_special_tokens=True)
            caption = text.split("[Ans]")[-1].split("[/Ans]")[0].strip()
            del model
            gc.collect()
            vae = AutoencoderKLWan.from_pretrained(vdm, subfolder="vae", torch_dtype=torch.float32)
            pipe = WanPipeline.from_pretrained(vdm, vae=vae, torch_dtype=dtype)
            pipe.set_progress_bar_config(disable=True)
            frames = pipe(prompt=caption, negative_prompt="", height=128, width=224, num_frames=9, num_inference_steps=4,
                          guidance_scale=5.0, generator=torch.Generator().manual_seed(0), output_type="np").frames[0]
            del pipe, vae
            gc.collect()
            container = av.open(output, "w")
            stream = container.add_stream("libx264", rate=16)
            stream.width, stream.height, stream.pix_fmt = 224, 128, "yuv420p"
            for frame in frames:
                image = (np.clip(frame, 0, 1) * 255).round().astype(np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
            container.close()
            return float(frames[0, 0, 0, 0])
    return step


def workloads():
    return {"answer_small": answer_small}


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        prepare()
    if "--probe" in sys.argv:
        import time
        torch.set_num_threads(2)
        step = answer_small()
        start = time.perf_counter(); value = step()
        print(f"answer_small torch {time.perf_counter() - start:.1f} s ({value})")
