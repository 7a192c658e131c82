/* Matrix-vector products against bfloat16 or float16 weights without an f32 copy of the weight, for
 * the decode-step shape (m = 1 … 8 input rows against a [n, k] weight), which is memory bound.
 * bfloat16 rows are widened in registers as they are loaded (a bf16 is the top half of a float32), so
 * the weight is read from memory once; float16 rows are widened eight at a time into a small buffer
 * that stays in cache (F16C conversion), then multiplied. */
#include "ckernels.h"
#include "internal/vans_simd.h"
#include <stdlib.h>

enum { VANS_LOWP_ROWS = 8 }; /* weight rows widened together */

/* y[i·ldy + r] = Σ_p x[i·k + p] · w[r·k + p] for i < m, r < rows (w already float32). Inputs four at
   a time, so each widened weight row is read from cache once per four input rows. */
VANS_INLINE void lowp_dots_body(const float *x, int64_t m, int64_t k, const float *w, int64_t rows,
                                float *y, int64_t ldy) {
    const int64_t vector_end = k & ~(int64_t)7;
    for (int64_t r = 0; r < rows; r++) {
        const float *wr = w + r * k;
        int64_t i = 0;
        for (; i + 4 <= m; i += 4) {
            const float *x0 = x + i * k, *x1 = x0 + k, *x2 = x1 + k, *x3 = x2 + k;
            vans_v8 a0 = vans_splat8(0), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t p = 0; p < vector_end; p += 8) {
                const vans_v8 wv = vans_load8(wr + p);
                a0 += vans_load8(x0 + p) * wv; a1 += vans_load8(x1 + p) * wv;
                a2 += vans_load8(x2 + p) * wv; a3 += vans_load8(x3 + p) * wv;
            }
            float s0 = vans_hsum8(a0), s1 = vans_hsum8(a1), s2 = vans_hsum8(a2), s3 = vans_hsum8(a3);
            for (int64_t p = vector_end; p < k; p++) {
                s0 += x0[p] * wr[p]; s1 += x1[p] * wr[p]; s2 += x2[p] * wr[p]; s3 += x3[p] * wr[p];
            }
            y[i * ldy + r] = s0; y[(i + 1) * ldy + r] = s1; y[(i + 2) * ldy + r] = s2; y[(i + 3) * ldy + r] = s3;
        }
        for (; i < m; i++) {
            const float *xi = x + i * k;
            vans_v8 a0 = vans_splat8(0), a1 = a0;
            int64_t p = 0;
            for (; p + 16 <= vector_end; p += 16) {
                a0 += vans_load8(xi + p) * vans_load8(wr + p);
                a1 += vans_load8(xi + p + 8) * vans_load8(wr + p + 8);
            }
            for (; p < vector_end; p += 8) a0 += vans_load8(xi + p) * vans_load8(wr + p);
            float s = vans_hsum8(a0 + a1);
            for (p = vector_end; p < k; p++) s += xi[p] * wr[p];
            y[i * ldy + r] = s;
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVERSION, lowp_dots,
                  (const float *x, int64_t m, int64_t k, const float *w, int64_t rows, float *y, int64_t ldy),
                  (x, m, k, w, rows, y, ldy))

typedef uint16_t vans_u16x8 __attribute__((vector_size(16)));
typedef uint32_t vans_u32x8 __attribute__((vector_size(32)));

/* Eight bfloat16 values widened to float32 exactly (shifted into the high half). */
VANS_INLINE vans_v8 vans_load8_bf16(const uint16_t *p) {
    vans_u16x8 h;
    memcpy(&h, p, sizeof h);
    return (vans_v8)(__builtin_convertvector(h, vans_u32x8) << 16);
}
VANS_INLINE float vans_bf16_value(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* y[i·ldy + r] = Σ_p x[i·k + p] · bf16(w[r·k + p]) for i < m and rows r in [r0, r1): each weight row is
   widened as it is read, for four inputs at a time (so once when m ≤ 4; the row stays in L1 after). */
VANS_INLINE void bf16_dots_body(const float *x, int64_t m, int64_t k, const uint16_t *w, int64_t r0, int64_t r1,
                                float *y, int64_t ldy) {
    const int64_t vector_end = k & ~(int64_t)15;
    for (int64_t r = r0; r < r1; r++) {
        const uint16_t *wr = w + r * k;
        for (int64_t i = 0; i < m; i += 4) {
            const int64_t lanes = m - i < 4 ? m - i : 4;
            const float *xs[4];
            for (int64_t j = 0; j < 4; j++) xs[j] = x + (i + (j < lanes ? j : 0)) * k;
            vans_v8 a0 = vans_splat8(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int64_t p = 0; p < vector_end; p += 16) {
                const vans_v8 w0 = vans_load8_bf16(wr + p), w1 = vans_load8_bf16(wr + p + 8);
                a0 += vans_load8(xs[0] + p) * w0; b0 += vans_load8(xs[0] + p + 8) * w1;
                if (lanes > 1) { a1 += vans_load8(xs[1] + p) * w0; b1 += vans_load8(xs[1] + p + 8) * w1; }
                if (lanes > 2) { a2 += vans_load8(xs[2] + p) * w0; b2 += vans_load8(xs[2] + p + 8) * w1; }
                if (lanes > 3) { a3 += vans_load8(xs[3] + p) * w0; b3 += vans_load8(xs[3] + p + 8) * w1; }
            }
            float sums[4] = {vans_hsum8(a0 + b0), vans_hsum8(a1 + b1), vans_hsum8(a2 + b2), vans_hsum8(a3 + b3)};
            for (int64_t p = vector_end; p < k; p++) {
                const float wv = vans_bf16_value(wr[p]);
                for (int64_t j = 0; j < lanes; j++) sums[j] += xs[j][p] * wv;
            }
            for (int64_t j = 0; j < lanes; j++) y[(i + j) * ldy + r] = sums[j];
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVERSION, bf16_dots,
                  (const float *x, int64_t m, int64_t k, const uint16_t *w, int64_t r0, int64_t r1, float *y, int64_t ldy),
                  (x, m, k, w, r0, r1, y, ldy))

int vans_linear_lowp_rows(const float *x, int64_t m, int64_t k, const uint16_t *w, int w_dtype, float *y, int64_t n,
                          int64_t row_begin, int64_t row_end) {
    if (w_dtype == VANS_BF16) {
        bf16_dots(x, m, k, w, row_begin, row_end, y, n);
        return 0;
    }
    float *block = aligned_alloc(64, (size_t)(((VANS_LOWP_ROWS * k * (int64_t)sizeof(float)) + 63) / 64 * 64));
    if (!block) return 1;
    for (int64_t r = row_begin; r < row_end; r += VANS_LOWP_ROWS) {
        const int64_t rows = row_end - r < VANS_LOWP_ROWS ? row_end - r : VANS_LOWP_ROWS;
        vans_f16_to_f32(w + r * k, block, rows * k);
        lowp_dots(x, m, k, block, rows, y + r, n);
    }
    free(block);
    return 0;
}
