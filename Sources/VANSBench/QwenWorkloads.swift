// Qwen2.5-VL-3B-shaped workloads (scripts/bench/qwen_bench.py mirrors them with transformers): one decode
// step of the language model with random bf16 weights after a 512-token prompt, and vision tower + prefill
// of a 16-frame 448×448 video with a 64-token question.
import Generation
import NN
import QwenVL
import Tensor

enum QwenBench {
    /// Qwen2.5-VL-3B-Instruct's shapes; `visionDepth` 0 keeps a one-block tower for decode-only runs.
    static func configuration(fullVision: Bool) -> QwenVLConfiguration {
        var configuration = QwenVLConfiguration()
        configuration.text.vocabularySize = 151_936
        configuration.text.hiddenSize = 2048
        configuration.text.intermediateSize = 11008
        configuration.text.hiddenLayers = 36
        configuration.text.attentionHeads = 16
        configuration.text.keyValueHeads = 2
        configuration.text.rmsNormEpsilon = 1e-6
        configuration.text.tieWordEmbeddings = true
        configuration.vision.depth = fullVision ? 32 : 1
        configuration.vision.hiddenSize = 1280
        configuration.vision.intermediateSize = 3420
        configuration.vision.outHiddenSize = 2048
        configuration.vision.tokensPerSecond = 2
        configuration.vision.fullAttentionBlockIndexes = fullVision ? [7, 15, 23, 31] : [0]
        return configuration
    }

    /// Bytes of the bf16 weights one decode token reads: every decoder linear and the (tied) output head.
    static func decodeWeightBytes(_ text: QwenTextConfiguration) -> Int {
        let width = text.hiddenSize, keyValue = text.keyValueHeads * text.headDimension
        let layer = 2 * width * width + 2 * keyValue * width + 3 * text.intermediateSize * width
        return 2 * (text.hiddenLayers * layer + text.vocabularySize * width)
    }

    /// A model with random bf16 weights: a 4 M-value random block tiled into each parameter (distinct memory per
    /// parameter, so decode reads every byte from DRAM as a real checkpoint would); norms near 1, tied head.
    static func randomModel(fullVision: Bool) -> QwenVLModel {
        let configuration = configuration(fullVision: fullVision)
        let model = QwenVLModel(configuration: configuration)
        var random = RandomGenerator(seed: 42)
        let block = random.normal([1 << 22], standardDeviation: 0.02).converted(to: .bfloat16)
        var parameters: [String: Tensor] = [:]
        for (index, (key, reserved)) in model.parameters().sorted(by: { $0.key < $1.key }).enumerated() {
            let tensor = Tensor(shape: reserved.shape, dtype: .bfloat16, zeroed: false)
            let destination = tensor.pointer(as: UInt16.self), source = block.pointer(as: UInt16.self)
            var filled = 0, offset = (index * 7919) % block.elementCount
            while filled < tensor.elementCount {
                let count = min(tensor.elementCount - filled, block.elementCount - offset)
                (destination + filled).update(from: source + offset, count: count)
                filled += count
                offset = 0
            }
            // Norm scales near 1 (the random block is centred on 0).
            parameters[key] = key.hasSuffix("norm.weight") || key.contains("norm1") || key.contains("norm2") || key.contains("ln_q")
                ? tensor + 1 : tensor
        }
        parameters["lm_head.weight"] = parameters["model.language_model.embed_tokens.weight"]
        do { try model.update(parameters: parameters, requireAll: true) } catch { fatalError("random Qwen weights: \(error)") }
        return model
    }

    /// Holds one request's caches and state across timed decode steps.
    final class DecodeSession: @unchecked Sendable {
        let model: QwenVLModel
        let caches: [any KVCache]
        var state: QwenVLState
        var token = 1000

        init(promptLength: Int) {
            model = sharedQwenModel
            caches = model.makeCaches()
            state = QwenVLState(batch: 1)
            let prompt = Tensor(indices: (0..<promptLength).map { ($0 * 7919) % 150_000 }, shape: [1, promptLength])
            let logits = Autograd.withoutGradient { model.prefill(prompt, caches: caches, state: &state) }
            token = Int(logits.argmax(axis: 1).int64Scalars[0])
        }

        /// One greedy decode step (the cache grows by one position per call).
        func step() -> Float {
            let logits = Autograd.withoutGradient {
                model.step(Tensor(indices: [token], shape: [1]), caches: caches, state: &state)
            }
            token = Int(logits.argmax(axis: 1).int64Scalars[0])
            return logits.firstElement
        }
    }

    /// Vision tower + prefill of a 16-frame 448×448 video (grid 8×32×32, 2048 merged tokens) and a 64-token question.
    static func videoPrefill() -> () -> Float {
        let model = sharedQwenModel
        var random = RandomGenerator(seed: 43)
        let grid = [8, 32, 32], merged = 8 * 16 * 16
        let pixels = random.normal([grid.reduce(1, *), 3 * 2 * 14 * 14])
        let videoToken = model.configuration.videoTokenId
        let tokens = [model.configuration.visionStartTokenId] + Array(repeating: videoToken, count: merged)
            + [model.configuration.visionEndTokenId] + (0..<62).map { ($0 * 7919) % 150_000 }
        let input = QwenVLInput(tokens: [tokens], videos: QwenVLVisualInput(pixels: pixels, grids: [grid]), secondsPerGrid: [1])
        return {
            Autograd.withoutGradient {
                do {
                    let (prompt, prepared) = try model.prepare(input)
                    var state = prepared
                    return model.prefill(prompt, caches: model.makeCaches(), state: &state).firstElement
                } catch { fatalError("video prefill input: \(error)") }
            }
        }
    }
}

/// One random 3B-shaped model (≈ 7.5 GB of bf16) serves both workloads, built on first use.
nonisolated(unsafe) let sharedQwenModel = QwenBench.randomModel(fullVision: true)

/// The Qwen workloads, appended to `workloads` in Workloads.swift.
let qwenWorkloads: [Workload] = [
    Workload(name: "qwen_decode_3b", summary: "Qwen2.5-VL-3B LM, random bf16 weights: one greedy decode step after a 512-token prompt") {
        let session = QwenBench.DecodeSession(promptLength: 512)
        return { session.step() }
    },
    Workload(name: "qwen_prefill_video", summary: "Qwen2.5-VL-3B vision tower + prefill: 16 frames 448×448 (2048 tokens) + 64-token question") {
        QwenBench.videoPrefill()
    },
]
