// Mirrors torch.nn.functional.cross_entropy (class-index targets, ignore_index, mean reduction).
extension Tensor {
    /// Cross-entropy of logits [N, C] (or [C]) against int targets [N]: the mean of −log softmax at
    /// the target over targets ≠ `ignoreIndex` (NaN when all are ignored, as torch).
    public func crossEntropy(targets: Tensor, ignoreIndex: Int = -100) -> Tensor {
        let logits = rank == 1 ? unsqueezed(0) : self
        precondition(logits.rank == 2 && targets.elementCount == logits.shape[0],
                     "cross_entropy logits \(shape) and targets \(targets.shape) do not match")
        let classes = logits.shape[1]
        let labels = targets.int64Scalars
        let kept = labels.map { $0 != Int64(ignoreIndex) }
        for (row, label) in labels.enumerated() where kept[row] {
            precondition(label >= 0 && label < classes, "cross_entropy: target \(label) at row \(row) outside 0..<\(classes)")
        }
        let safeLabels = Tensor(int64: zip(labels, kept).map { $1 ? $0 : 0 }, shape: [labels.count, 1])
        let mask = Tensor(kept.map { $0 ? Float(1) : 0 }, shape: [labels.count, 1])
        let picked = logits.logSoftmax(axis: 1).gathered(axis: 1, indices: safeLabels)
        let count = Float(kept.filter { $0 }.count)
        return -(picked * mask).sum() / count
    }
}
