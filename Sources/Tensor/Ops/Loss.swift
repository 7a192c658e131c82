// Mirrors torch.nn.functional.cross_entropy (class-index targets, ignore_index, reduction).

/// How `crossEntropy` combines the per-target losses (F.cross_entropy's `reduction`).
public enum LossReduction: Sendable, Equatable {
    /// One loss per target, 0 where the target is ignored.
    case none
    /// The mean over targets that are not ignored (NaN when all are, as torch).
    case mean
    /// The sum over targets that are not ignored.
    case sum
}

extension Tensor {
    /// Cross-entropy of logits [N, C] (or [C]) against int targets [N]: −log softmax at each target, through
    /// the fused `tokenLogProbabilities` (no [N, C] log-softmax), combined by `reduction` (the mean by
    /// default). Targets equal to `ignoreIndex` contribute nothing; any other target outside 0..<C traps.
    public func crossEntropy(targets: Tensor, ignoreIndex: Int = -100, reduction: LossReduction = .mean) -> Tensor {
        let logits = rank == 1 ? unsqueezed(0) : self
        precondition(logits.rank == 2 && targets.elementCount == logits.shape[0],
                     "cross_entropy logits \(shape) and targets \(targets.shape) do not match")
        let classes = logits.shape[1]
        let labels = targets.int64Scalars
        let kept = labels.map { $0 != Int64(ignoreIndex) }
        for (row, label) in labels.enumerated() where kept[row] {
            precondition(label >= 0 && label < classes, "cross_entropy: target \(label) at row \(row) outside 0..<\(classes)")
        }
        let safeLabels = Tensor(int64: zip(labels, kept).map { $1 ? $0 : 0 }, shape: [labels.count])
        let ignored = Tensor(bools: kept.map { !$0 }, shape: [labels.count])
        let picked: Tensor
        do { picked = try Tensor.tokenLogProbabilities(logits: logits, tokens: safeLabels) } catch {
            preconditionFailure("cross_entropy: \(error)") // labels were checked above
        }
        // Filled rather than multiplied by a mask, so an ignored row whose stand-in target has −inf
        // log-probability gives 0, not NaN.
        let losses = -picked.maskedFilled(where: ignored, with: 0)
        switch reduction {
        case .none: return losses.reshaped(targets.shape)
        case .sum: return losses.sum()
        case .mean: return losses.sum() / Float(kept.filter { $0 }.count)
        }
    }
}
