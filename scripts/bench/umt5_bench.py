"""umT5 encoder workloads for bench.py, mirroring Sources/VANSBench/UMT5Workloads.swift with transformers."""
import torch
from transformers import UMT5Config, UMT5EncoderModel

from torch_dtype import fastest_dtype

VOCABULARY = 1024


def umt5_encode(layers=4, dtype=None):
    """transformers' UMT5EncoderModel at XXL width (4 layers), 128 tokens, in torch's faster dtype on the machine
    (torch_dtype.fastest_dtype(): bf16 on AVX512-BF16, where it took about a quarter of its float32 time)."""
    dtype = dtype or fastest_dtype()
    config = UMT5Config(vocab_size=VOCABULARY, d_model=4096, d_kv=64, d_ff=10240, num_layers=layers, num_heads=64,
                        feed_forward_proj="gated-gelu")
    with torch.device("meta"):
        model = UMT5EncoderModel(config)
    model = model.to_empty(device="cpu").eval()
    g = torch.Generator().manual_seed(13)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("layer_norm.weight"):
                parameter.fill_(1)
            elif name.startswith("shared.") or name.endswith("relative_attention_bias.weight"):
                parameter.normal_(0, 1, generator=g)
            else:
                parameter.normal_(0, parameter.shape[1] ** -0.5, generator=g)
    model = model.to(dtype)
    ids = torch.tensor([[(i * 37 + 11) % VOCABULARY for i in range(128)]])

    def step():
        with torch.no_grad():
            return model(input_ids=ids).last_hidden_state[0, 0, 0].float().item()
    return step
