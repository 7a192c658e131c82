// Mirrors diffusers' `feat_cache` / `feat_idx` of AutoencoderKLWan (models/autoencoders/autoencoder_kl_wan.py):
// one slot per causal convolution, holding the last CACHE_T = 2 frames it saw, so chunks see their past.
import Tensor

/// One slot of the chunked encoder/decoder cache.
enum WanFeatureCacheEntry {
    /// diffusers' `"Rep"`: the temporal up-sampler skipped its time convolution on the first chunk.
    case skippedFirstChunk
    /// The trailing input frames [B, C, ≤2, H, W] of the slot's convolution.
    case frames(Tensor)
}

/// The per-call cache of causal-convolution inputs (diffusers' `clear_cache` makes a fresh one; each
/// chunk restarts `index` at 0, as `feat_idx = [0]`).
struct WanFeatureCache {
    /// Frames a 3-tap causal convolution needs from the past (diffusers' CACHE_T).
    static let cachedFrames = 2

    private(set) var entries: [WanFeatureCacheEntry?] = []
    /// The slot the next cached layer uses (diffusers' `feat_idx[0]`).
    var index = 0

    /// Starts a new chunk: slots are visited again in the same order.
    mutating func startChunk() { index = 0 }

    /// The current slot's entry.
    var current: WanFeatureCacheEntry? {
        index < entries.count ? entries[index] : nil
    }

    /// Stores `entry` in the current slot and moves to the next.
    mutating func store(_ entry: WanFeatureCacheEntry) {
        while entries.count <= index { entries.append(nil) }
        entries[index] = entry
        index += 1
    }

    /// Runs `convolution` on `input` with the slot's cached past, then caches the last two input frames
    /// (with the previous chunk's last frame in front when the chunk has one frame), as each cached
    /// `WanCausalConv3d` call in diffusers does.
    mutating func convolve(_ convolution: WanCausalConvolution3d, _ input: Tensor) -> Tensor {
        var past: Tensor?
        if case .frames(let frames)? = current { past = frames }
        var newCache = input.sliced(axis: 2, start: -Self.cachedFrames)
        if newCache.shape[2] < Self.cachedFrames, let past {
            newCache = Tensor.concatenate([past.sliced(axis: 2, start: -1), newCache], axis: 2)
        }
        let output = convolution(input, past: past)
        // A copy, so the cache does not keep the whole chunk's activation alive.
        store(.frames(Tensor.concatenate([newCache], axis: 2)))
        return output
    }
}
