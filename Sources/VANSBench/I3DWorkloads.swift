// The I3D workload of `make bench` (scripts/bench/i3d_bench.py mirrors it with cd-fvd's InceptionI3d).
import I3D
import Tensor

/// One FVD feature extraction: the Kinetics-400 I3D on one 16-frame 224×224 clip (random weights).
let i3dWorkloads: [Workload] = [
    Workload(name: "i3d_logits", summary: "Inception-I3D (cd-fvd port) logits of one 16×224×224 RGB clip, random weights") {
        // Seeded He-uniform weights with non-trivial batch norms: a try! here is a benchmark set-up error, not user data.
        let shell = try! InceptionI3d(configuration: .kinetics400)
        let model = try! InceptionI3d(weights: SeededWeights.stateDict(for: shell, seed: 1))
        var random = RandomGenerator(seed: 13)
        let video = random.uniform([1, 3, 16, 224, 224], low: -1, high: 1)
        return { Autograd.withoutGradient { try! model(video).firstElement } }
    },
]
