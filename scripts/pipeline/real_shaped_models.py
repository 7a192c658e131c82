"""Writes real-shaped VANS model directories with random bf16 weights, for the issue-13 real-size run of `vans answer`.

    ~/.cache/vans/venv/bin/python scripts/pipeline/real_shaped_models.py --out /work/artifacts/pipeline/real-shaped

`--preset answer_small` writes the reduced sizes of the `make bench` answer_small workload instead.

OUT/vlm: Qwen2.5-VL-3B-Instruct's shapes (36 layers, width 2048, 32-block vision tower), Hugging Face layout.
OUT/vdm: a diffusers Wan pipeline with Wan2.1-T2V-1.3B's DiT (30 layers, dim 1536), the Wan2.1 VAE (base 96, z 16)
and a umT5-XXL encoder (24 layers, d_model 4096), plus vans_profile.json with the paper's profile (352×640, 33
frames) at `--steps` steps. Module trees are built on the meta device (so the key names and shapes are exactly the
reference libraries'), then each parameter is filled by tiling one seeded random block (fast; distinct memory per
tensor, as a real checkpoint), norm scales near 1. Tokenizers are the tiny test tokenizers (the weights keep the real
vocabulary sizes; the VLM's special-token ids are remapped to the tiny tokenizer's). Nothing here is trained.
"""
import argparse, json, os, shutil
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARD_BYTES = 2 << 30
# Keys the reference model ties (umT5's encoder embedding is `shared`).
TIED = {"encoder.embed_tokens.weight": "shared.weight"}


def fill(state, seed, norm_like, dtype=torch.bfloat16):
    """Random `dtype` tensors for `state` (name → meta tensor), yielded one at a time."""
    g = torch.Generator().manual_seed(seed)
    block = (torch.randn(1 << 22, generator=g) * 0.02).to(dtype)
    for i, (name, meta) in enumerate(sorted(state.items(), key=lambda item: (item[0] in TIED, item[0]))):  # tied keys last
        n = meta.numel()
        offset = (i * 7919) % block.numel()
        reps = (n + offset) // block.numel() + 1
        values = block.repeat(reps)[offset:offset + n].clone().reshape(meta.shape)
        if norm_like(name):
            values = values + 1
        yield name, values


def write_sharded(state, directory, stem, seed, norm_like, dtype=torch.bfloat16):
    """`stem`.safetensors, or `stem`-0000k-of-0000n.safetensors + index when over SHARD_BYTES."""
    os.makedirs(directory, exist_ok=True)
    shards, current, size = [], {}, 0
    filled = {}
    for name, tensor in fill(state, seed, norm_like, dtype):
        if name in TIED and TIED[name] in filled:
            tensor = filled[TIED[name]].clone()  # tied in the model: equal in the file, as save_pretrained writes them
        if name in TIED.values():
            filled[name] = tensor
        nbytes = tensor.numel() * tensor.element_size()
        if current and size + nbytes > SHARD_BYTES:
            shards.append(current); current, size = {}, 0
        current[name] = tensor; size += nbytes
        if size > SHARD_BYTES:
            shards.append(current); current, size = {}, 0
    if current:
        shards.append(current)
    if len(shards) == 1:
        save_file(shards[0], os.path.join(directory, f"{stem}.safetensors"), metadata={"format": "pt"})
        return
    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        file = f"{stem}-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, os.path.join(directory, file), metadata={"format": "pt"})
        for name, t in shard.items():
            weight_map[name] = file; total += t.numel() * t.element_size()
        print(f"  wrote {directory}/{file}", flush=True)
        shard.clear()
    with open(os.path.join(directory, f"{stem}.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def meta_state(build):
    with torch.device("meta"):
        model = build()
    return {k: v for k, v in model.state_dict().items()}


# Qwen2.5-VL-3B-Instruct and Wan2.1-T2V-1.3B (+ umT5-XXL) sizes; `--preset answer_small` keeps every width and cuts
# depths (the `make bench` answer_small workload, scripts/bench/answer_bench.py).
PRESETS = {
    "real": dict(text_layers=36, vision_depth=32, fullatt=[7, 15, 23, 31], dit_layers=30, umt5_layers=24,
                 umt5_vocab=256384, vae_dtype=torch.bfloat16,
                 vlm_profile=None,
                 vdm_profile={"profile": "paper-real-shaped", "frames": 33, "height": 352, "width": 640, "fps": 16,
                              "reference_frames": 6, "steps": 20, "guidance": 5.0, "sampler": "unipc"}),
    "answer_small": dict(text_layers=4, vision_depth=4, fullatt=[3], dit_layers=4, umt5_layers=2, umt5_vocab=4096,
                         vae_dtype=torch.float32,
                         vlm_profile={"profile": "answer-small", "fps": 2, "min_pixels": 50176, "max_pixels": 50176,
                                      "max_new_tokens": 16, "answer_format": "brackets"},
                         vdm_profile={"profile": "answer-small", "frames": 9, "height": 128, "width": 224, "fps": 16,
                                      "reference_frames": 6, "steps": 4, "guidance": 5.0, "sampler": "unipc"}),
}


def write_vlm(out, seed, preset=PRESETS["real"], never_stop=False):
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    tokenizer_dir = os.path.join(ROOT, "Tests/QwenVLTests/Fixtures/qwen_processor")
    vocab = json.load(open(os.path.join(tokenizer_dir, "tokenizer.json")))
    added = {t["content"]: t["id"] for t in vocab.get("added_tokens", [])}
    config = Qwen2_5_VLConfig(
        vocab_size=151936, hidden_size=2048, intermediate_size=11008, num_hidden_layers=preset["text_layers"], num_attention_heads=16,
        num_key_value_heads=2, rms_norm_eps=1e-6, tie_word_embeddings=True, max_position_embeddings=128000,
        rope_theta=1000000.0, rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24]},
        vision_config=dict(depth=preset["vision_depth"], hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=2048,
                           patch_size=14, temporal_patch_size=2, window_size=112, fullatt_block_indexes=preset["fullatt"],
                           tokens_per_second=2, spatial_merge_size=2, in_channels=3, hidden_act="silu"),
        image_token_id=added["<|image_pad|>"], video_token_id=added["<|video_pad|>"],
        vision_start_token_id=added["<|vision_start|>"], vision_end_token_id=added["<|vision_end|>"],
        bos_token_id=added.get("<|endoftext|>"), eos_token_id=added["<|im_end|>"])
    os.makedirs(out, exist_ok=True)
    config.save_pretrained(out)
    state = meta_state(lambda: Qwen2_5_VLForConditionalGeneration(config))
    state.pop("lm_head.weight", None)  # tied
    write_sharded(state, out, "model", seed, lambda k: k.endswith("norm.weight") or "norm1" in k or "norm2" in k or "ln_q" in k)
    for file in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(tokenizer_dir, file), out)
    # never_stop: an id past the tokenizer (never sampled), so every run decodes max_new_tokens (benchmarks).
    stops = [151935] if never_stop else [added["<|im_end|>"], added["<|endoftext|>"]]
    json.dump({"eos_token_id": stops}, open(os.path.join(out, "generation_config.json"), "w"))
    if preset["vlm_profile"]:
        json.dump(preset["vlm_profile"], open(os.path.join(out, "vans_profile.json"), "w"), indent=2)


def write_vdm(out, seed, steps, preset=PRESETS["real"]):
    from diffusers import AutoencoderKLWan, WanTransformer3DModel, UniPCMultistepScheduler
    from transformers import UMT5Config, UMT5EncoderModel
    fixture = os.path.join(ROOT, "Tests/WanTests/Fixtures/wan_render/pipeline")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(fixture, "model_index.json"), out)
    shutil.copytree(os.path.join(fixture, "tokenizer"), os.path.join(out, "tokenizer"), dirs_exist_ok=True)
    UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0,
                            num_train_timesteps=1000).save_config(os.path.join(out, "scheduler"))
    # Wan2.1-T2V-1.3B's transformer config, with VANS's sequence conditioning on n = 6 references.
    transformer_kwargs = dict(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                              out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=preset["dit_layers"],
                              cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6)
    state = meta_state(lambda: WanTransformer3DModel(**transformer_kwargs))
    tdir = os.path.join(out, "transformer")
    write_sharded(state, tdir, "diffusion_pytorch_model", seed + 1, lambda k: "norm" in k and k.endswith("weight"))
    with torch.device("meta"):
        config = dict(WanTransformer3DModel(**transformer_kwargs).config)
    config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items() if not k.startswith("_")}
    config.update({"_class_name": "WanTransformer3DModel",
                   "vans_conditioning": {"mode": "sequence", "reference_frames": 6, "selection": "evenly_spaced"}})
    json.dump(config, open(os.path.join(tdir, "config.json"), "w"), indent=2)
    # The Wan2.1 VAE at its released width.
    vae_state = meta_state(lambda: AutoencoderKLWan())
    with torch.device("meta"):
        vae_config = dict(AutoencoderKLWan().config)
    vdir = os.path.join(out, "vae")
    write_sharded(vae_state, vdir, "diffusion_pytorch_model", seed + 2, lambda k: k.endswith("gamma"), preset["vae_dtype"])
    vae_config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vae_config.items() if not k.startswith("_")}
    vae_config["_class_name"] = "AutoencoderKLWan"
    json.dump(vae_config, open(os.path.join(vdir, "config.json"), "w"), indent=2)
    # umT5-XXL's encoder.
    t5 = UMT5Config(vocab_size=preset["umt5_vocab"], d_model=4096, d_kv=64, d_ff=10240, num_layers=preset["umt5_layers"], num_heads=64,
                    relative_attention_num_buckets=32, relative_attention_max_distance=128, feed_forward_proj="gated-gelu",
                    dense_act_fn="gelu_new", is_gated_act=True, tie_word_embeddings=False, layer_norm_epsilon=1e-6)
    edir = os.path.join(out, "text_encoder")
    os.makedirs(edir, exist_ok=True)
    t5.architectures = ["UMT5EncoderModel"]
    t5.save_pretrained(edir)
    write_sharded(meta_state(lambda: UMT5EncoderModel(t5)), edir, "model", seed + 3, lambda k: "layer_norm" in k)
    json.dump(dict(preset["vdm_profile"], steps=steps or preset["vdm_profile"]["steps"]),
              open(os.path.join(out, "vans_profile.json"), "w"), indent=2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, help="denoising steps in vans_profile.json (default: the preset's; 20 for real)")
    parser.add_argument("--only", choices=["vlm", "vdm"])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="real")
    parser.add_argument("--never-stop", action="store_true", help="no reachable stop token (benchmarks decode max_new_tokens)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.only != "vdm":
        write_vlm(os.path.join(args.out, "vlm"), args.seed, PRESETS[args.preset], args.never_stop)
        print("vlm done", flush=True)
    if args.only != "vlm":
        write_vdm(os.path.join(args.out, "vdm"), args.seed, args.steps, PRESETS[args.preset])
        print("vdm done", flush=True)
