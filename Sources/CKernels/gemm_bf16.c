/* bfloat16 × bfloat16 → float32 matrix products with AVX512-BF16's vdpbf16ps, which multiplies pairs of
 * bf16 values exactly and adds both products into float32 lanes. B is packed once into 32-column panels
 * of k-pairs ([k/2][32][2], the layout vdpbf16ps reads); each micro-tile of 8 rows × 32 columns keeps 16
 * accumulators in registers and broadcasts one pair of A per row per step. Edges are zero-padded by the
 * caller-visible packing, so every tile runs the same code; missing rows of A are zero in the tile buffer. */
#include "ckernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

enum { PANEL = 32, TILE_ROWS = 8 };

int vans_gemm_bf16_available(void) { return vans_cpu_has_avx512bf16() && vans_cpu_kernel_level(VANS_KERNEL_CONVERSION) == 2; }

int64_t vans_gemm_bf16_packed_count(int64_t k, int64_t n) {
    const int64_t pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    return panels * pairs * PANEL * 2;
}

void vans_gemm_bf16_pack_b(const uint16_t *b, int64_t ldb, int64_t k, int64_t n, uint16_t *packed,
                           int64_t panel_begin, int64_t panel_end) {
    const int64_t pairs = (k + 1) / 2;
    for (int64_t panel = panel_begin; panel < panel_end; panel++) {
        uint16_t *out = packed + panel * pairs * PANEL * 2;
        for (int64_t pair = 0; pair < pairs; pair++)
            for (int64_t j = 0; j < PANEL; j++) {
                const int64_t column = panel * PANEL + j, row = 2 * pair;
                out[(pair * PANEL + j) * 2] = column < n ? b[row * ldb + column] : 0;
                out[(pair * PANEL + j) * 2 + 1] = column < n && row + 1 < k ? b[(row + 1) * ldb + column] : 0;
            }
    }
}

/* c[i, j] = Σ_p a[i, p]·b[p, j] for rows [row_begin, row_end) and all columns; a row-major with lda,
   b packed by vans_gemm_bf16_pack_b, c float32 row-major with ldc. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
int vans_gemm_bf16_rows(const uint16_t *a, int64_t lda, int64_t k, const uint16_t *packed, int64_t n,
                        float *c, int64_t ldc, int64_t row_begin, int64_t row_end) {
    const int64_t pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    /* The tile's rows of A as bf16 pairs (one 32-bit broadcast each), odd k and missing rows zero. */
    uint32_t *tile_a = malloc((size_t)(TILE_ROWS * pairs) * sizeof(uint32_t));
    if (!tile_a) return 1;
    for (int64_t i0 = row_begin; i0 < row_end; i0 += TILE_ROWS) {
        const int64_t rows = row_end - i0 < TILE_ROWS ? row_end - i0 : TILE_ROWS;
        for (int64_t r = 0; r < TILE_ROWS; r++) {
            const uint16_t *row = a + (i0 + r) * lda;
            for (int64_t q = 0; q < pairs; q++) {
                const int64_t column = 2 * q;
                const uint32_t lo = r < rows ? row[column] : 0;
                const uint32_t hi = r < rows && column + 1 < k ? row[column + 1] : 0;
                tile_a[q * TILE_ROWS + r] = lo | hi << 16;
            }
        }
        for (int64_t panel = 0; panel < panels; panel++) {
            const uint16_t *bp = packed + panel * pairs * PANEL * 2;
            __m512 acc[TILE_ROWS][2];
            for (int r = 0; r < TILE_ROWS; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
            for (int64_t q = 0; q < pairs; q++) {
                const __m512i b0 = _mm512_loadu_si512(bp + q * PANEL * 2);
                const __m512i b1 = _mm512_loadu_si512(bp + q * PANEL * 2 + 32);
                const uint32_t *pair = tile_a + q * TILE_ROWS;
                for (int r = 0; r < TILE_ROWS; r++) {
                    const __m512i broadcast = _mm512_set1_epi32((int)pair[r]);
                    acc[r][0] = _mm512_dpbf16_ps(acc[r][0], (__m512bh)broadcast, (__m512bh)b0);
                    acc[r][1] = _mm512_dpbf16_ps(acc[r][1], (__m512bh)broadcast, (__m512bh)b1);
                }
            }
            const int64_t columns = n - panel * PANEL < PANEL ? n - panel * PANEL : PANEL;
            const __mmask16 m0 = columns >= 16 ? 0xFFFF : (__mmask16)((1u << columns) - 1);
            const __mmask16 m1 = columns >= 32 ? 0xFFFF : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
            for (int64_t r = 0; r < rows; r++) {
                float *out = c + (i0 + r) * ldc + panel * PANEL;
                _mm512_mask_storeu_ps(out, m0, acc[r][0]);
                if (m1) _mm512_mask_storeu_ps(out + 16, m1, acc[r][1]);
            }
        }
    }
    free(tile_a);
    return 0;
}
#else
int vans_gemm_bf16_available(void) { return 0; }
int64_t vans_gemm_bf16_packed_count(int64_t k, int64_t n) { (void)k; (void)n; return 0; }
void vans_gemm_bf16_pack_b(const uint16_t *b, int64_t ldb, int64_t k, int64_t n, uint16_t *packed, int64_t pb, int64_t pe) {
    (void)b; (void)ldb; (void)k; (void)n; (void)packed; (void)pb; (void)pe;
}
int vans_gemm_bf16_rows(const uint16_t *a, int64_t lda, int64_t k, const uint16_t *packed, int64_t n, float *c,
                        int64_t ldc, int64_t rb, int64_t re) {
    (void)a; (void)lda; (void)k; (void)packed; (void)n; (void)c; (void)ldc; (void)rb; (void)re;
    return 1;
}
#endif
