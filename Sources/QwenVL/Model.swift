// Mirrors transformers' Qwen2_5_VLForConditionalGeneration and Qwen2_5_VLModel.forward
// (modeling_qwen2_5_vl.py): embed the prompt, scatter the vision tower's features into the image and
// video placeholder positions, run the decoder with M-RoPE positions, project with lm_head.
//
// Shape legend: B batch, L tokens, C hidden width, V vocabulary.
import Generation
import NN
import Tensor

/// Pixels of several images (or several videos) with their (t, h, w) patch grids, as the processor makes them.
public struct QwenVLVisualInput {
    /// [N, channels · temporal patch · patch²], N = Σ t·h·w.
    public var pixels: Tensor
    /// One (t, h, w) per image or video.
    public var grids: [[Int]]

    public init(pixels: Tensor, grids: [[Int]]) {
        self.pixels = pixels
        self.grids = grids
    }
}

/// A prompt batch for the model: token rows (left-padded to one length) and the media their placeholders stand for.
public struct QwenVLInput {
    /// B rows of L token ids each.
    public var tokens: [[Int]]
    /// Per row, how many leading tokens are padding (masked; nil for none).
    public var leadingPadding: [Int]?
    /// Images, in placeholder order across the batch.
    public var images: QwenVLVisualInput?
    /// Videos, in placeholder order across the batch.
    public var videos: QwenVLVisualInput?
    /// Seconds per temporal grid step of each video (`second_per_grid_ts`); 1 when nil.
    public var secondsPerGrid: [Float]?

    public init(tokens: [[Int]], leadingPadding: [Int]? = nil, images: QwenVLVisualInput? = nil,
                videos: QwenVLVisualInput? = nil, secondsPerGrid: [Float]? = nil) {
        self.tokens = tokens
        self.leadingPadding = leadingPadding
        self.images = images
        self.videos = videos
        self.secondsPerGrid = secondsPerGrid
    }
}

/// Per-request state: the prepared prompt awaiting prefill, cached padding and each row's next M-RoPE position.
public struct QwenVLState: GenerationState {
    /// What `prepare` computed for the next prefill: its token count, leading padding, positions and vision features.
    struct PreparedPrompt {
        var length: Int
        var leadingPadding: [Int]
        var positions: [[Int]]
        var nextPositions: [Int]
        /// Vision features [K, C] and, per flattened prompt position, its row in [B·L text embeddings; features].
        var vision: (features: Tensor, rows: [Int])?
    }

    var prepared: PreparedPrompt?
    /// Cached padding and next positions, kept as a text decoder keeps them; `advance` substitutes the M-RoPE
    /// positions `prepare` computed for a prompt with images or videos.
    private var text: TextDecoderState

    /// State for `batch` text rows with nothing cached (a text-only prefill needs no `prepare`).
    public init(batch: Int) {
        text = TextDecoderState(batch: batch)
    }

    /// Per row, true at cached positions that are padding.
    public var padding: [[Bool]] { text.padding }
    /// Per row, the M-RoPE position (all three axes) of the next token.
    public var nextPositions: [Int] { text.nextPositions }
    public var batch: Int { text.batch }
    /// Bool [B, cached], true at padding; nil when no row has any.
    public var keyPaddingMask: Tensor? { text.keyPaddingMask }

    /// Positions (3 rows of B·count) of `count` new tokens per row, recording them as cached.
    mutating func advance(count: Int) -> [[Int]] {
        if let prepared {
            self.prepared = nil
            _ = text.advance(count: count, leadingPadding: prepared.leadingPadding)
            text.resumePositions(at: prepared.nextPositions)
            return prepared.positions
        }
        let positions = text.advance(count: count)
        return [positions, positions, positions]
    }

    public func repeated(count: Int) -> QwenVLState {
        var copy = self
        copy.prepared = nil
        copy.text = text.repeated(count: count)
        return copy
    }
}

/// `model.visual` and `model.language_model` of the module tree.
final class QwenVLBackbone: Module {
    @ModuleInfo(key: "visual") var visual: QwenVisionTransformer
    @ModuleInfo(key: "language_model") var languageModel: QwenTextModel

    init(configuration: QwenVLConfiguration) {
        super.init()
        visual = QwenVisionTransformer(configuration: configuration.vision)
        languageModel = QwenTextModel(configuration: configuration.text)
    }
}

/// Qwen2.5-VL: vision tower, Qwen2 decoder and output head, driven by the generation layer as a `LanguageModel`.
///
/// ```swift
/// let model = try QwenVLModel.load(directory: url)
/// let (tokens, state) = try model.prepare(QwenVLInput(tokens: [ids], videos: video, secondsPerGrid: [1]))
/// var iterator = try TokenIterator(model: model, prompt: tokens, state: state, sampler: ArgmaxSampler(), maximumTokens: 64)
/// ```
public final class QwenVLModel: Module, LanguageModel {
    @ModuleInfo(key: "model") var backbone: QwenVLBackbone
    @ModuleInfo(key: "lm_head") var head: Linear
    public let configuration: QwenVLConfiguration
    /// Element type of the KV caches `makeCaches` creates.
    public var cacheStorage: DType = .float32

    /// A shape-only model: parameters take no memory until `load(weights:)` binds checkpoint tensors.
    public init(configuration: QwenVLConfiguration) {
        self.configuration = configuration
        super.init()
        backbone = QwenVLBackbone(configuration: configuration)
        head = Linear(reserving: configuration.text.hiddenSize, configuration.text.vocabularySize, bias: false)
    }

    public override var checkpointRules: CheckpointRules {
        .qwen25VL(tieWordEmbeddings: configuration.text.tieWordEmbeddings)
    }

    /// The vision tower.
    public var visual: QwenVisionTransformer { backbone.visual }
    /// The decoder body (embedding, layers, final norm).
    public var languageModel: QwenTextModel { backbone.languageModel }

    /// Validates `input`, runs the vision tower and computes M-RoPE positions: the prompt tokens [B, L] (int64)
    /// and a fresh state whose first prefill consumes them.
    public func prepare(_ input: QwenVLInput) throws(QwenVLError) -> (tokens: Tensor, state: QwenVLState) {
        let text = configuration.text, vision = configuration.vision
        let batch = input.tokens.count, length = input.tokens.first?.count ?? 0
        guard batch > 0, length > 0, input.tokens.allSatisfy({ $0.count == length }) else {
            throw .invalidModelInput(tensor: "input_ids", reason: "expected B ≥ 1 rows of one length L ≥ 1")
        }
        for row in input.tokens {
            if let bad = row.first(where: { $0 < 0 || $0 >= text.vocabularySize }) {
                throw .invalidModelInput(tensor: "input_ids", reason: "token \(bad) is outside the vocabulary 0..<\(text.vocabularySize)")
            }
        }
        let leading = input.leadingPadding ?? Array(repeating: 0, count: batch)
        guard leading.count == batch, leading.allSatisfy({ $0 >= 0 && $0 < length }) else {
            throw .invalidModelInput(tensor: "leading_padding", reason: "\(leading) must give 0 ≤ padding < \(length) for each of \(batch) rows")
        }
        let videoCount = input.videos?.grids.count ?? 0
        let seconds = input.secondsPerGrid ?? Array(repeating: 1, count: videoCount)
        guard seconds.count == videoCount, seconds.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw .invalidModelInput(tensor: "second_per_grid_ts", reason: "expected \(videoCount) finite non-negative values, got \(seconds)")
        }
        var features: [Tensor] = []
        if let images = input.images {
            try visual.validate(pixels: images.pixels, grids: images.grids, kind: "pixel_values")
            features.append(visual(images.pixels, grids: images.grids))
        }
        if let videos = input.videos {
            try visual.validate(pixels: videos.pixels, grids: videos.grids, kind: "pixel_values_videos")
            features.append(visual(videos.pixels, grids: videos.grids))
        }
        // Positions per row over its real tokens; placeholder runs take the batch's grids in order.
        var images = (input.images?.grids ?? []).map { VisionPlacement(grid: $0, timeInterval: 1) }[...]
        var videos = zip(input.videos?.grids ?? [], seconds).map {
            VisionPlacement(grid: $0, timeInterval: Float(vision.tokensPerSecond) * $1)
        }[...]
        var positions: [[Int]] = [[], [], []], next: [Int] = []
        for (row, tokens) in input.tokens.enumerated() {
            let real = Array(tokens[leading[row]...])
            let imageRuns = Self.runs(of: configuration.imageTokenId, in: real), videoRuns = Self.runs(of: configuration.videoTokenId, in: real)
            guard imageRuns <= images.count, videoRuns <= videos.count,
                  let rowPositions = MultimodalPositions.positions(
                      tokens: real, imageTokenId: configuration.imageTokenId, videoTokenId: configuration.videoTokenId,
                      images: Array(images.prefix(imageRuns)), videos: Array(videos.prefix(videoRuns)), mergeSize: vision.spatialMergeSize)
            else {
                throw .invalidModelInput(tensor: "input_ids", reason: "row \(row): image/video placeholder runs do not match the \(input.images?.grids.count ?? 0) image and \(videoCount) video grids")
            }
            images = images.dropFirst(imageRuns)
            videos = videos.dropFirst(videoRuns)
            for axis in 0..<3 { positions[axis] += Array(repeating: 0, count: leading[row]) + rowPositions.positions[axis] }
            next.append(rowPositions.next)
        }
        guard images.isEmpty, videos.isEmpty else {
            throw .invalidModelInput(tensor: "input_ids", reason: "\(images.count) image and \(videos.count) video grid(s) have no placeholder run")
        }
        // Flattened prompt position → row of [text embeddings (B·L); image features; video features].
        var gatherRows = Array(0..<(batch * length))
        var imageNext = batch * length, videoNext = batch * length + (input.images.map { _ in features[0].shape[0] } ?? 0)
        for (index, token) in input.tokens.joined().enumerated() {
            if token == configuration.imageTokenId { gatherRows[index] = imageNext; imageNext += 1 }
            if token == configuration.videoTokenId { gatherRows[index] = videoNext; videoNext += 1 }
        }
        var state = QwenVLState(batch: batch)
        state.prepared = .init(length: length, leadingPadding: leading, positions: positions, nextPositions: next,
                               vision: features.isEmpty ? nil : (Tensor.concatenate(features, axis: 0), gatherRows))
        let tokens = Tensor(indices: Array(input.tokens.joined()), shape: [batch, length])
        return (tokens, state)
    }

    /// Number of maximal runs of `token` in `tokens`.
    static func runs(of token: Int, in tokens: [Int]) -> Int {
        zip([-1] + tokens, tokens).reduce(0) { $0 + ($1.1 == token && $1.0 != token ? 1 : 0) }
    }

    /// Final hidden states [B, L, C] of `tokens` [B, L], advancing `state` (and `caches` when given).
    public func hiddenStates(_ tokens: Tensor, caches: [any KVCache]?, state: inout QwenVLState) -> Tensor {
        let (batch, length) = (tokens.shape[0], tokens.shape[1])
        precondition(batch == state.batch, "state holds \(state.batch) rows, tokens \(batch)")
        precondition(state.prepared.map { $0.length == length } ?? true,
                     "the prepared prompt has \(state.prepared?.length ?? 0) tokens per row, the call \(length)")
        let vision = state.prepared?.vision
        let positions = state.advance(count: length)
        let embeddings = inputEmbeddings(tokens, vision: vision)                                   // [B, L, C]
        return languageModel(embeddings, positions: positions, caches: caches, keyPaddingMask: state.keyPaddingMask)
    }

    /// Token embeddings [B, L, C] of `tokens` [B, L], with the image/video pad positions replaced by the prepared
    /// vision features (each flattened position takes its row of [B·L text embeddings; features]).
    func inputEmbeddings(_ tokens: Tensor, vision: (features: Tensor, rows: [Int])?) -> Tensor {
        let embeddings = languageModel.embed(tokens)                                               // [B, L, C]
        guard let vision else { return embeddings }
        let (batch, length, width) = (embeddings.shape[0], embeddings.shape[1], embeddings.shape[2])
        return Tensor.concatenate([embeddings.reshaped([batch * length, width]), vision.features], axis: 0)
            .indexSelected(axis: 0, indices: Tensor(indices: vision.rows, shape: [vision.rows.count]))
            .reshaped([batch, length, width])                                                      // [B, L, C]
    }

    /// Logits [B, L, V] of every position (the whole prompt, no cache): what scoring and conformance read.
    public func logits(_ tokens: Tensor, state: inout QwenVLState) -> Tensor {
        head(hiddenStates(tokens, caches: nil, state: &state))
    }

    public func makeCaches() -> [any KVCache] {
        languageModel.layers.map { _ in StandardKVCache(storageType: cacheStorage) }
    }

    public func prefill(_ tokens: Tensor, caches: [any KVCache], state: inout QwenVLState) -> Tensor {
        let length = tokens.shape[1]
        let hidden = hiddenStates(tokens, caches: caches, state: &state)
        return head(hidden.sliced(axis: 1, start: length - 1, end: length).squeezed(1))            // [B, V]
    }

    public func step(_ tokens: Tensor, caches: [any KVCache], state: inout QwenVLState) -> Tensor {
        head(hiddenStates(tokens.reshaped([tokens.shape[0], 1]), caches: caches, state: &state).squeezed(1)) // [B, V]
    }
}
