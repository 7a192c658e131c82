// Wan2.1 VAE workloads (scripts/bench/wan_vae_bench.py mirrors each one with diffusers' AutoencoderKLWan).
import Tensor
import Wan

/// The Wan VAE workloads `make bench` compares with diffusers.
let wanVAEWorkloads: [Workload] = [
    Workload(name: "wan_vae_decode",
             summary: "Wan2.1 VAE decode (base 96, z 16, dim_mult [1,2,4,4], 2 res blocks, random f32 weights) of a 16×5×30×52 latent → 3×17×240×416") {
        let vae = AutoencoderKLWan(configuration: WanVAEConfiguration())  // the defaults are Wan2.1's VAE
        vae.randomize(seed: 21)
        var random = RandomGenerator(seed: 22)
        let latents = random.normal([1, 16, 5, 30, 52])
        return {
            Autograd.withoutGradient {
                guard let video = try? vae.decode(latents) else { return .nan }
                return video.firstElement
            }
        }
    },
]
