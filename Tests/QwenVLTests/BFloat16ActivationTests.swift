// bf16 activations against transformers running the same tiny checkpoints in bf16
// (scripts/fixtures/qwen_model_bf16.py, `<prompt>.bf16.safetensors`): `vans debug qwen --dtype bf16`.
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
@testable import QwenVL

@Suite("Qwen2.5-VL bf16 activations")
struct QwenVLBFloat16ActivationTests {
    /// The prompt's logits at `precision` (weights rounded to bf16 for `.bfloat16`, as `from_pretrained(dtype=bf16)`).
    static func logits(_ caseName: String, _ prompt: String, _ model: QwenVLModel, _ precision: ActivationPrecision) throws -> [Float] {
        let input = try QwenVLInput(conformanceFile: QwenModelFixtures.file(caseName, prompt, "inputs"))
        return try ActivationPrecision.$current.withValue(precision) {
            var (tokens, state) = try model.prepare(input)
            return model.logits(tokens, state: &state).scalars
        }
    }

    /// How far `logits` are from transformers-in-bf16's `reference`: the share of logits equal to it after rounding
    /// to bf16, and the largest |difference| ÷ max |reference|.
    struct Distance {
        var equalShare: Double, maxError: Double
        init(_ logits: [Float], _ reference: [Float]) {
            let rounded = Tensor(logits).converted(to: .bfloat16).scalars
            let scale = Double(reference.map(abs).max() ?? 1)
            let errors = zip(rounded, reference).map { Double(abs($0 - $1)) / scale }
            equalShare = Double(zip(rounded, reference).filter { $0 == $1 }.count) / Double(reference.count)
            maxError = errors.max() ?? 0
        }
    }

    // Rounding where PyTorch rounds, with its flash kernel's fast exp, gives transformers-in-bf16's logits: bit for bit
    // on most prompts (14 of these 16 when written), and every logit within a few bf16 roundings of it elsewhere, where
    // one attention probability rounded the other way (float32 summation order). The float32 path over the same bf16
    // weights matches a fifth of the logits, which is what makes the check discriminating.
    @Test func logitsMatchTransformersInBFloat16() throws {
        var shares: [Double] = []
        for caseName in QwenModelFixtures.cases {
            let model = try QwenVLModel.load(directory: try QwenModelFixtures.directory(caseName), dtype: .bfloat16)
            for prompt in QwenModelFixtures.prompts {
                let reference = try QwenModelFixtures.file(caseName, prompt, "bf16").tensor("logits").scalars
                let rounded = Distance(try Self.logits(caseName, prompt, model, .bfloat16), reference)
                let plain = Distance(try Self.logits(caseName, prompt, model, .float32), reference)
                #expect(rounded.maxError <= 4 * 0x1p-8, "\(caseName)/\(prompt): \(rounded.maxError) of the largest logit off")
                #expect(rounded.equalShare >= 0.75, "\(caseName)/\(prompt): \(rounded.equalShare) of the logits equal")
                #expect(rounded.equalShare >= 2 * plain.equalShare,
                        "\(caseName)/\(prompt): bf16 path \(rounded.equalShare), float32 path \(plain.equalShare) equal")
                shares.append(rounded.equalShare)
            }
        }
        let mean = shares.reduce(0, +) / Double(shares.count)
        #expect(mean >= 0.95, "on average \(mean) of the logits equal transformers-bf16's")
    }

    // Loading with dtype bf16 rounds float32-stored weights to nearest even, as torch's .to(bfloat16).
    @Test func loadingInBFloat16RoundsWeights() throws {
        let directory = try QwenModelFixtures.directory("hub_tied")
        let stored = try QwenVLModel.load(directory: directory).parameters()
        let rounded = try QwenVLModel.load(directory: directory, dtype: .bfloat16).parameters()
        #expect(Set(stored.keys) == Set(rounded.keys))
        for (key, weight) in stored where weight.dtype.isFloatingPoint {
            let bf16 = try #require(rounded[key])
            #expect(bf16.dtype == .bfloat16, "\(key)")
            #expect(bf16.scalars == weight.converted(to: .bfloat16).scalars, "\(key)")
        }
    }
}

@Suite("Activation precision")
struct ActivationPrecisionTests {
    // float32 leaves values alone; bf16 rounds to nearest even (ties to even), as torch's .to(torch.bfloat16).
    @Test func roundingFollowsTheTaskPrecision() {
        // 1 + 2⁻⁸ is a tie (rounds down to even 1); 1 + 3·2⁻⁸ is a tie that rounds up; 1 + 2⁻⁸ + 2⁻¹⁶ rounds up.
        let values: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-16, -3.14159, 0, 65504.5]
        #expect(Tensor(values).roundedToActivationPrecision().scalars == values)
        let rounded = ActivationPrecision.$current.withValue(.bfloat16) { Tensor(values).roundedToActivationPrecision().scalars }
        let expected: [Float] = [1, 1 + 0x1p-6, 1 + 0x1p-7, -3.140625, 0, 65536]
        #expect(rounded == expected)
    }

    // The bf16 rotary step is round(round(x·cos) + round(rotate_half(x)·sin)) with bf16 cos and sin, written out
    // here with plain ops; under float32 it is the fused rotation.
    @Test func rotaryRoundsEachProductUnderBFloat16() {
        var generator = RandomGenerator(seed: 7)
        let (positions, heads, dimension) = (5, 3, 8)
        let x = generator.normal([1, positions, heads, dimension]).converted(to: .bfloat16).converted(to: .float32)
        let table = RotaryTable.standard(positions: Array(0..<positions), dimension: dimension, theta: 10_000)
        #expect(x.applyingRotaryEmbeddingRoundingProducts(table, positionAxis: 1).scalars
                == x.applyingRotaryEmbedding(table, positionAxis: 1).scalars)
        func bf16(_ tensor: Tensor) -> Tensor { tensor.converted(to: .bfloat16).converted(to: .float32) }
        let half = dimension / 2
        func expanded(_ values: [Float]) -> Tensor {  // [positions, pairs] → [1, positions, 1, dimension] (cat(t, t))
            let rows = Tensor(values, shape: [positions, half])
            return bf16(Tensor.concatenate([rows, rows], axis: 1).reshaped([1, positions, 1, dimension]))
        }
        let (cosine, sine) = (expanded(table.cosine), expanded(table.sine))
        let first = x.sliced(axis: 3, start: 0, end: half), second = x.sliced(axis: 3, start: half, end: dimension)
        let rotatedHalf = Tensor.concatenate([second * -1, first], axis: 3)
        let expected = bf16(bf16(x * cosine) + bf16(rotatedHalf * sine))
        let actual = ActivationPrecision.$current.withValue(.bfloat16) { x.applyingRotaryEmbeddingRoundingProducts(table, positionAxis: 1) }
        #expect(actual.scalars == expected.scalars)
    }
}

@Suite("Qwen2.5-VL bf16 activations with LoRA")
struct QwenVLBFloat16LoRATests {
    // A LoRA-adapted model under bf16 activations gives PEFT + transformers-in-bf16's logits (scripts/fixtures/
    // qwen_lora_bf16.py): the base layers round as in bf16, PEFT's default float32 adapters add in float32 and the
    // sum is rounded once.
    @Test(arguments: QwenLoRAFixture.names)
    func adaptedLogitsMatchPEFTInBFloat16(name: String) throws {
        let fixture = try QwenLoRAFixture(name)
        let model = try QwenVLModel.load(directory: fixture.directory, dtype: .bfloat16)
        _ = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory)
        let reference = try SafetensorsFile(url: fixture.directory.appendingPathComponent("bf16_logits.safetensors"))
            .tensor("logits").scalars
        var input = fixture.input
        input.tokens[0] += fixture.completion
        func logits(_ precision: ActivationPrecision) throws -> [Float] {
            try ActivationPrecision.$current.withValue(precision) {
                var (tokens, state) = try model.prepare(input)
                return model.logits(tokens, state: &state).scalars
            }
        }
        let rounded = QwenVLBFloat16ActivationTests.Distance(try logits(.bfloat16), reference)
        let plain = QwenVLBFloat16ActivationTests.Distance(try logits(.float32), reference)
        #expect(rounded.maxError <= 4 * 0x1p-8, "\(name): \(rounded.maxError) of the largest logit off")
        #expect(rounded.equalShare >= 0.75, "\(name): \(rounded.equalShare) of the logits equal")
        #expect(rounded.equalShare >= 2 * plain.equalShare, "\(name): bf16 path \(rounded.equalShare), float32 path \(plain.equalShare)")
    }
}
