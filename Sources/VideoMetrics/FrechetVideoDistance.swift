// FVD end to end as cd-fvd computes it (cdfvd/fvd.py `get_i3d_logits` + third_party/i3d/utils.py): decode → preprocess
// (224×224 bilinear, [−1, 1]) → I3D time-averaged logits → Fréchet distance of the two sets in float64.
import Foundation
import I3D
import Tensor
import VideoIO

/// Fréchet Video Distance between generated and reference videos with an Inception-I3D network.
///
/// ```swift
/// let fvd = FrechetVideoDistance(i3d: try InceptionI3d.load(contentsOf: weightsURL))
/// let result = try fvd.distance(generated: generatedURLs, reference: referenceURLs)
/// print(result.distance, result.generatedVideos)
/// ```
/// The distance is biased by the sample size (it shrinks as N grows): compare numbers only at equal N.
public struct FrechetVideoDistance {
    /// The feature network (its time-averaged logits are the features).
    public let i3d: InceptionI3d
    /// Which frames of each video are used.
    public var frames: FVDFrameSelection
    /// N − 1 (cd-fvd's `frechet_distance`, tf-gan; the default) or N (`cdfvd.compute_fvd`, StyleGAN-V).
    public var normalization: CovarianceNormalization

    public init(i3d: InceptionI3d, frames: FVDFrameSelection = .all, normalization: CovarianceNormalization = .unbiased) {
        self.i3d = i3d
        self.frames = frames
        self.normalization = normalization
    }

    /// The distance and how many videos each side contributed.
    public struct Result: Sendable, Equatable, Codable {
        public var distance: Double
        public var generatedVideos: Int
        public var referenceVideos: Int
    }

    /// I3D features ([classes] logits) of one video file.
    public func features(of url: URL) throws -> [Float] {
        var decoded: [VideoFrame] = []
        do {
            // With `.first(n)`, decoding stops after n frames.
            try VideoDecoder(path: url.path).forEachFrame { frame in
                decoded.append(frame)
                if case .first(let count) = frames { return decoded.count < count }
                return true
            }
        } catch {
            throw VideoMetricsError.invalidInput("\(url.path): \(error)")
        }
        let video = try FVDPreprocessing.videoTensor(frames: try FVDPreprocessing.select(decoded, frames, name: url.path), name: url.path)
        return try features(ofPreprocessed: video)
    }

    /// I3D features of preprocessed clips [B, 3, T, H, W] in [−1, 1]: B × classes values, row-major.
    public func features(ofPreprocessed video: Tensor) throws -> [Float] {
        try Autograd.withoutGradient { () throws -> [Float] in try i3d(video).contiguous().scalars }
    }

    /// FVD between two lists of video files (each needs at least 2). `progress` is called with (done, total)
    /// after each video.
    public func distance(generated: [URL], reference: [URL], progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        for (name, list) in [("generated", generated), ("reference", reference)] where list.count < 2 {
            throw VideoMetricsError.invalidInput("FVD needs at least 2 \(name) videos, got \(list.count)")
        }
        let total = generated.count + reference.count
        var done = 0
        func collect(_ urls: [URL]) throws -> [Double] {
            var values: [Double] = []
            for url in urls {
                values += try features(of: url).map(Double.init)
                done += 1
                progress?(done, total)
            }
            return values
        }
        let generatedFeatures = try collect(generated), referenceFeatures = try collect(reference)
        let classes = i3d.configuration.numberOfClasses
        guard generatedFeatures.count == generated.count * classes, referenceFeatures.count == reference.count * classes else {
            throw VideoMetricsError.invalidInput("I3D features are not \(classes) wide (inputs larger than 224×224 keep a spatial grid)")
        }
        let distance = try FrechetDistance.distance(
            FeatureStatistics(features: generatedFeatures, dimensions: classes, normalization: normalization, name: "generated videos"),
            FeatureStatistics(features: referenceFeatures, dimensions: classes, normalization: normalization, name: "reference videos"))
        return Result(distance: distance, generatedVideos: generated.count, referenceVideos: reference.count)
    }
}
