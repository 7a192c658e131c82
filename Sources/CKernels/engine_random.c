/* Philox4x32-10 counter-based generator (Salmon et al., 2011): element i of a draw depends only on
 * (seed, offset + i), so a fill is bit-identical whatever the thread partition. */
#include "ckernels.h"
#include <math.h>

static void vans_philox(uint64_t seed, uint64_t counter, uint32_t out[4]) {
    uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
        const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n1 = (uint32_t)p1;
        const uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1, n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void vans_random_bits_u32(uint64_t seed, uint64_t offset, uint32_t *out, int64_t start, int64_t end) {
    for (int64_t i = start; i < end; i++) {
        uint32_t words[4];
        vans_philox(seed, offset + (uint64_t)i, words);
        out[i] = words[0];
    }
}

void vans_random_uniform_f32(uint64_t seed, uint64_t offset, float *out, float low, float high, int64_t start,
                             int64_t end) {
    const float scale = 1.0f / 16777216.0f; /* 24 random mantissa bits -> [0, 1) */
    for (int64_t i = start; i < end; i++) {
        uint32_t words[4];
        vans_philox(seed, offset + (uint64_t)i, words);
        const float u = (float)(words[0] >> 8) * scale;
        float v = low + (high - low) * u;
        out[i] = v < high ? v : low; /* rounding can reach high; keep the interval half-open */
    }
}

void vans_random_normal_f32(uint64_t seed, uint64_t offset, float *out, float mean, float std, int64_t start,
                            int64_t end) {
    const double scale = 1.0 / 16777216.0;
    for (int64_t i = start; i < end; i++) {
        uint32_t words[4];
        vans_philox(seed, offset + (uint64_t)i, words);
        const double u1 = ((double)(words[0] >> 8) + 1.0) * scale; /* (0, 1]: log is finite */
        const double u2 = (double)(words[1] >> 8) * scale;
        const double radius = sqrt(-2.0 * log(u1));
        out[i] = mean + std * (float)(radius * cos(6.283185307179586 * u2));
    }
}
