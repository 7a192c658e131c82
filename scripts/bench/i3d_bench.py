"""The I3D workload of bench.py: cd-fvd's InceptionI3d (eval) on one 16×224×224 clip.

The weights are drawn from the same distributions as VANSBench's (I3D.SeededWeights: He-uniform convolutions, batch
norms with γ, var ∈ [0.5, 1.5], β, mean ∈ [−0.2, 0.2]), so activations keep their scale on both sides; torch's default
initialisation shrinks them layer by layer towards denormals, which would time a different computation.
"""
import copy
import math

import torch

import torch_setting


def i3d_workloads():
    def i3d_logits():
        from cdfvd.third_party.i3d.pytorch_i3d import InceptionI3d
        generator = torch.Generator().manual_seed(13)
        model = InceptionI3d(400, in_channels=3).eval()
        state = model.state_dict()
        for key, value in state.items():
            if key.endswith("num_batches_tracked"):
                continue
            if key.endswith(".conv3d.weight"):
                bound = math.sqrt(6.0 / (value[0].numel()))
                low, high = -bound, bound
            elif key.endswith(".conv3d.bias"):
                low, high = -0.1, 0.1
            elif key.endswith(".bn.weight") or key.endswith(".bn.running_var"):
                low, high = 0.5, 1.5
            else:
                low, high = -0.2, 0.2
            state[key] = torch.rand(value.shape, generator=generator) * (high - low) + low
        model.load_state_dict(state)
        video = torch.rand(1, 3, 16, 224, 224, generator=generator) * 2 - 1

        def setting(channels_last, compiled):
            def factory():
                layout = torch.channels_last_3d if channels_last else torch.contiguous_format
                network = copy.deepcopy(model).to(memory_format=layout)
                clip = video.contiguous(memory_format=layout)
                forward = torch.compile(network) if compiled else network

                def step():
                    with torch.no_grad():
                        return forward(clip)[0, 0].item()
                return step
            return factory
        return torch_setting.fastest("i3d_logits", {
            "eager": setting(False, False), "eager+channels_last_3d": setting(True, False),
            "compile": setting(False, True), "compile+channels_last_3d": setting(True, True)})
    return {"i3d_logits": i3d_logits}
