// Winograd F(2×2×2, 3×3×3) for stride-1 3×3×3 convolutions (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016, extended to three axes): each 2×2×2 output tile costs 64 multiplies per channel pair
// instead of 216, as 64 GEMMs (one per transformed point ξ) between the transformed filter and input tiles.
// The 1-D transforms (correlation, as DL convolutions are):
//   input  Bᵀd: (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
//   filter  Gg: (g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2)
//   output Aᵀm: (m0 + m1 + m2, m1 − m2 − m3)
// applied along W, then H, then T. The transforms run on 8 tiles at a time (one vector lane each).
#include "vans_convolution.h"
#include "internal/vans_simd.h"

/* Bᵀ along one axis of a 4×4×4 block of vectors: `stride` apart are the four points of a line. */
VANS_INLINE void winograd_input_line(vans_v8 *d, int stride) {
    const vans_v8 d0 = d[0], d1 = d[stride], d2 = d[2 * stride], d3 = d[3 * stride];
    d[0] = d0 - d2;
    d[stride] = d1 + d2;
    d[2 * stride] = d2 - d1;
    d[3 * stride] = d1 - d3;
}

VANS_INLINE void winograd_input_body(const float *padded, int64_t channels, const int64_t *padded_shape,
                                     const int64_t *tiles, int64_t tile_begin, int64_t tile_count, int64_t block,
                                     float *v) {
    const int64_t hp = padded_shape[1], wp = padded_shape[2], plane = padded_shape[0] * hp * wp;
    int64_t offsets[64];
    for (int z = 0; z < 4; z++)
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) offsets[(z * 4 + y) * 4 + x] = (z * hp + y) * wp + x;
    for (int64_t t0 = 0; t0 < tile_count; t0 += 8) {
        int64_t base[8];
        int valid[8];
        for (int l = 0; l < 8; l++) {
            const int64_t t = t0 + l;
            valid[l] = t < tile_count;
            const int64_t tile = tile_begin + (valid[l] ? t : 0);
            const int64_t tx = tile % tiles[2], ty = (tile / tiles[2]) % tiles[1], tz = tile / (tiles[2] * tiles[1]);
            base[l] = (2 * tz * hp + 2 * ty) * wp + 2 * tx;
        }
        const int full = t0 + 8 <= tile_count;
        for (int64_t c = 0; c < channels; c++) {
            const float *source = padded + c * plane;
            vans_v8 d[64];
            if (full) {
                for (int p = 0; p < 64; p++)
                    for (int l = 0; l < 8; l++) d[p][l] = source[base[l] + offsets[p]];
            } else {
                for (int p = 0; p < 64; p++)
                    for (int l = 0; l < 8; l++) d[p][l] = valid[l] ? source[base[l] + offsets[p]] : 0.0f;
            }
            for (int line = 0; line < 16; line++) winograd_input_line(d + line * 4, 1);             /* W */
            for (int z = 0; z < 4; z++)
                for (int x = 0; x < 4; x++) winograd_input_line(d + z * 16 + x, 4);              /* H */
            for (int yx = 0; yx < 16; yx++) winograd_input_line(d + yx, 16);                   /* T */
            for (int p = 0; p < 64; p++) vans_store8(v + (c * 64 + p) * block + t0, d[p]);
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, winograd_input,
                  (const float *padded, int64_t channels, const int64_t *padded_shape, const int64_t *tiles,
                   int64_t tile_begin, int64_t tile_count, int64_t block, float *v),
                  (padded, channels, padded_shape, tiles, tile_begin, tile_count, block, v))

void vans_winograd3d_input(const float *padded, int64_t channels, const int64_t *padded_shape, const int64_t *tiles,
                           int64_t tile_begin, int64_t tile_count, int64_t block, float *v) {
    winograd_input(padded, channels, padded_shape, tiles, tile_begin, tile_count, block, v);
}

/* Aᵀ along one axis: four points `stride` apart in `m` → two points `out_stride` apart in `r`. */
VANS_INLINE void winograd_output_line(const vans_v8 *m, int stride, vans_v8 *r, int out_stride) {
    const vans_v8 m0 = m[0], m1 = m[stride], m2 = m[2 * stride], m3 = m[3 * stride];
    r[0] = m0 + m1 + m2;
    r[out_stride] = m1 - m2 - m3;
}

VANS_INLINE void winograd_output_body(const float *m, int64_t out_channels, int64_t block, const int64_t *tiles,
                                      int64_t tile_begin, int64_t tile_count, const float *bias,
                                      const int64_t *out_shape, float *output, int64_t plane) {
    const int64_t to = out_shape[0], ho = out_shape[1], wo = out_shape[2];
    for (int64_t o = 0; o < out_channels; o++) {
        float *target = output + o * plane;
        const vans_v8 shift = vans_splat8(bias ? bias[o] : 0.0f);
        for (int64_t t0 = 0; t0 < tile_count; t0 += 8) {
            vans_v8 a[64], b[32], c[16], r[8];
            for (int p = 0; p < 64; p++) a[p] = vans_load8(m + (o * 64 + p) * block + t0);
            for (int line = 0; line < 16; line++) winograd_output_line(a + line * 4, 1, b + line * 2, 1);  /* W: [4][4][2] */
            for (int z = 0; z < 4; z++)
                for (int x = 0; x < 2; x++) winograd_output_line(b + z * 8 + x, 2, c + z * 4 + x, 2);   /* H: [4][2][2] */
            for (int yx = 0; yx < 4; yx++) winograd_output_line(c + yx, 4, r + yx, 4);                /* T: [2][2][2] */
            for (int l = 0; l < 8 && t0 + l < tile_count; l++) {
                const int64_t tile = tile_begin + t0 + l;
                const int64_t tx = tile % tiles[2], ty = (tile / tiles[2]) % tiles[1], tz = tile / (tiles[2] * tiles[1]);
                for (int i = 0; i < 2; i++) {
                    if (2 * tz + i >= to) break;
                    for (int j = 0; j < 2; j++) {
                        if (2 * ty + j >= ho) break;
                        float *row = target + ((2 * tz + i) * ho + 2 * ty + j) * wo + 2 * tx;
                        row[0] = r[i * 4 + j * 2][l] + shift[l];
                        if (2 * tx + 1 < wo) row[1] = r[i * 4 + j * 2 + 1][l] + shift[l];
                    }
                }
            }
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, winograd_output,
                  (const float *m, int64_t out_channels, int64_t block, const int64_t *tiles, int64_t tile_begin,
                   int64_t tile_count, const float *bias, const int64_t *out_shape, float *output, int64_t plane),
                  (m, out_channels, block, tiles, tile_begin, tile_count, bias, out_shape, output, plane))

void vans_winograd3d_output(const float *m, int64_t out_channels, int64_t block, const int64_t *tiles,
                            int64_t tile_begin, int64_t tile_count, const float *bias, const int64_t *out_shape,
                            float *output, int64_t channel_stride) {
    winograd_output(m, out_channels, block, tiles, tile_begin, tile_count, bias, out_shape, output, channel_stride);
}

/* G along one axis of a 4×4×4 block (three input points `stride` apart, the fourth slot free). */
VANS_INLINE void winograd_filter_line(float *g, int stride) {
    const float g0 = g[0], g1 = g[stride], g2 = g[2 * stride];
    g[0] = g0;
    g[stride] = (g0 + g1 + g2) * 0.5f;
    g[2 * stride] = (g0 - g1 + g2) * 0.5f;
    g[3 * stride] = g2;
}

void vans_winograd3d_filter(const float *weight, int64_t out_channels, int64_t in_channels, float *transformed,
                            int64_t o_begin, int64_t o_end) {
    for (int64_t o = o_begin; o < o_end; o++) {
        for (int64_t c = 0; c < in_channels; c++) {
            const float *g = weight + (o * in_channels + c) * 27;
            float u[64];
            for (int z = 0; z < 3; z++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 3; x++) u[(z * 4 + y) * 4 + x] = g[(z * 3 + y) * 3 + x];
            for (int z = 0; z < 3; z++)
                for (int y = 0; y < 3; y++) winograd_filter_line(u + z * 16 + y * 4, 1);   /* W */
            for (int z = 0; z < 3; z++)
                for (int x = 0; x < 4; x++) winograd_filter_line(u + z * 16 + x, 4);      /* H */
            for (int yx = 0; yx < 16; yx++) winograd_filter_line(u + yx, 16);             /* T */
            for (int p = 0; p < 64; p++) transformed[(p * out_channels + o) * in_channels + c] = u[p];
        }
    }
}
