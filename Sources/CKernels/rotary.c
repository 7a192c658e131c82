// Rotary position embeddings from precomputed cos/sin tables (rotate_half and interleaved forms).
#include "vans_rotary.h"
#include "internal/vans_simd.h"

VANS_INLINE void rotary_body(const float *x, const int64_t *xs, float *y, const int64_t *ys, const float *cs, const float *sn,
                             int64_t tbs, int64_t positions, int64_t heads, int64_t dim, int layout, int inverse,
                             int64_t begin, int64_t end) {
    const int64_t half = dim / 2;
    const float sign = inverse ? -1.0f : 1.0f;
    for (int64_t row = begin; row < end; row++) {
        const int64_t b = row / positions, p = row % positions;
        const float *c = cs + b * tbs + p * half, *s = sn + b * tbs + p * half;
        for (int64_t h = 0; h < heads; h++) {
            const float *xr = x + b * xs[0] + p * xs[1] + h * xs[2];
            float *yr = y + b * ys[0] + p * ys[1] + h * ys[2];
            if (layout == VANS_ROTARY_HALF) {
                for (int64_t i = 0; i < half; i++) {
                    const float a = xr[i], z = xr[i + half], si = sign * s[i];
                    yr[i] = a * c[i] - z * si;
                    yr[i + half] = z * c[i] + a * si;
                }
            } else {
                for (int64_t i = 0; i < half; i++) {
                    const float a = xr[2 * i], z = xr[2 * i + 1], si = sign * s[i];
                    yr[2 * i] = a * c[i] - z * si;
                    yr[2 * i + 1] = a * si + z * c[i];
                }
            }
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_ROTARY, rotary, (const float *x, const int64_t *xs, float *y, const int64_t *ys, const float *cs, const float *sn,
                           int64_t tbs, int64_t positions, int64_t heads, int64_t dim, int layout, int inverse, int64_t begin, int64_t end),
                  (x, xs, y, ys, cs, sn, tbs, positions, heads, dim, layout, inverse, begin, end))

void vans_rotary_apply(const float *x, const int64_t x_strides[3], float *y, const int64_t y_strides[3],
                       const float *cos, const float *sin, int64_t table_batch_stride,
                       int64_t positions, int64_t heads, int64_t dim, vans_rotary_layout layout,
                       int32_t inverse, int64_t begin, int64_t end) {
    rotary(x, x_strides, y, y_strides, cos, sin, table_batch_stride, positions, heads, dim, (int)layout, inverse, begin, end);
}
