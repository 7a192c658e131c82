"""The I3D workload of bench.py: cd-fvd's InceptionI3d (eval, random weights) on one 16×224×224 clip."""
import torch


def i3d_workloads():
    def i3d_logits():
        from cdfvd.third_party.i3d.pytorch_i3d import InceptionI3d
        torch.manual_seed(13)
        model = InceptionI3d(400, in_channels=3).eval()
        video = torch.rand(1, 3, 16, 224, 224) * 2 - 1

        def step():
            with torch.no_grad():
                return model(video)[0, 0].item()
        return step
    return {"i3d_logits": i3d_logits}
