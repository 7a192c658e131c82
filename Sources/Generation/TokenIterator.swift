// Mirrors mlx-swift-lm's TokenIterator (Evaluate.swift): prefill once, then sample → step per token. Adds
// what GRPO needs: the log-probability of every chosen token, and a fork of one prefill into G rollouts.
import NN
import Tensor

/// One generated token of one batch row.
public struct GeneratedToken: Sendable, Equatable {
    public let token: Int
    /// log p(token) under the model's unprocessed distribution, log_softmax(logits / scoring temperature): what a
    /// full-sequence scoring of the same tokens gives (TRL's and verl's GRPO score at the sampling temperature).
    public let logProbability: Float

    public init(token: Int, logProbability: Float) {
        self.token = token
        self.logProbability = logProbability
    }
}

/// Generates tokens for a batch of rows: `next()` returns one `GeneratedToken` per row until the budget is
/// spent or every row has produced a stop token. Runs without autodiff. The caches and state belong to this
/// request; the model is only read.
public struct TokenIterator<Model: LanguageModel> {
    public let model: Model
    public private(set) var caches: [any KVCache]
    public private(set) var state: Model.State
    private var sampler: any LogitSampler
    private var processors: [any LogitProcessor]
    /// Logits the next token is drawn from, [rows, V].
    private var logits: Tensor
    /// Tokens chosen by the previous `next()`, not yet run through the model.
    private var pending: [Int]?
    public let maximumTokens: Int
    public let stopTokens: Set<Int>
    /// Logits are divided by this before the log-probabilities are taken (1: the model's own distribution).
    public let scoringTemperature: Float
    public private(set) var generatedCount = 0
    /// Per row, whether a stop token has been produced (later tokens of that row are still generated).
    public private(set) var finished: [Bool]

    /// Prefills `prompt` [B, L] once, then continues each prompt row as `rollouts` rows
    /// (row b·rollouts + r is rollout r of prompt b), so the sampler sees B·rollouts rows.
    ///
    /// - Parameters:
    ///   - caches: the model's caches, empty or holding earlier context; `model.makeCaches()` when nil.
    ///   - state: this request's state, consistent with `caches`.
    ///   - scoringTemperature: divides the logits of the reported log-probabilities (sampling is the sampler's).
    public init(model: Model, prompt: Tensor, state: Model.State, caches: [any KVCache]? = nil, rollouts: Int = 1,
                sampler: any LogitSampler, processors: [any LogitProcessor] = [], maximumTokens: Int,
                stopTokens: Set<Int> = [], scoringTemperature: Float = 1) throws(GenerationError) {
        guard prompt.rank == 2, prompt.shape[1] > 0 else { throw .invalidArgument("the prompt must be [B, L] tokens, got \(prompt.shape)") }
        guard rollouts >= 1, maximumTokens >= 1 else {
            throw .invalidArgument("rollouts (\(rollouts)) and maximum tokens (\(maximumTokens)) must be at least 1")
        }
        guard scoringTemperature > 0 else { throw .invalidArgument("the scoring temperature must be positive, got \(scoringTemperature)") }
        self.model = model
        self.sampler = sampler
        self.maximumTokens = maximumTokens
        self.stopTokens = stopTokens
        self.scoringTemperature = scoringTemperature
        var state = state
        var caches = caches ?? model.makeCaches()
        var logits = Autograd.withoutGradient { model.prefill(prompt, caches: caches, state: &state) }   // [B, V]
        var promptRows = (0..<prompt.shape[0]).map { prompt.sliced(axis: 0, start: $0, end: $0 + 1).int64Scalars.map(Int.init) }
        if rollouts > 1 {
            caches = caches.map { $0.repeated(count: rollouts) }
            state = state.repeated(count: rollouts)
            let (batch, vocabulary) = (logits.shape[0], logits.shape[1])
            logits = logits.unsqueezed(1).expanded(to: [batch, rollouts, vocabulary]).reshaped([batch * rollouts, vocabulary])
            promptRows = promptRows.flatMap { Array(repeating: $0, count: rollouts) }
        }
        self.caches = caches
        self.state = state
        self.logits = logits
        finished = Array(repeating: false, count: promptRows.count)
        self.processors = processors.map { processor in
            var processor = processor
            processor.prompt(promptRows)
            return processor
        }
    }

    /// The next token of every row, or nil once `maximumTokens` are generated or every row has stopped.
    public mutating func next() throws(GenerationError) -> [GeneratedToken]? {
        guard generatedCount < maximumTokens, !finished.allSatisfy({ $0 }) else { return nil }
        if let pending {
            let (model, caches) = (self.model, self.caches)
            var state = self.state
            logits = Autograd.withoutGradient { model.step(Tensor(indices: pending, shape: [pending.count]), caches: caches, state: &state) }
            self.state = state
        }
        let processed = Autograd.withoutGradient { processors.reduce(logits) { $1.process($0) } }
        let tokens = try sampler.sample(processed)
        let logProbabilities = Autograd.withoutGradient { tokenLogProbabilities(logits: logits, tokens: tokens, temperature: scoringTemperature) }
        for index in processors.indices { processors[index].didSample(tokens) }
        for (row, token) in tokens.enumerated() where stopTokens.contains(token) { finished[row] = true }
        pending = tokens
        generatedCount += 1
        return zip(tokens, logProbabilities).map { GeneratedToken(token: $0, logProbability: $1) }
    }
}
