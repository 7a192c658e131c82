// Fused RMSNorm / LayerNorm / GroupNorm forward and backward (float32, two-pass statistics
// with 8-lane partial sums, which keeps the mean and variance accurate for long rows).
#include "vans_normalization.h"
#include "internal/vans_simd.h"

VANS_INLINE float sum_of(const float *x, int64_t n) {
    vans_v8 acc = vans_splat8(0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) acc += vans_load8(x + i);
    float s = vans_hsum8(acc);
    for (; i < n; i++) s += x[i];
    return s;
}

VANS_INLINE float centered_squares(const float *x, int64_t n, float mean) {
    vans_v8 acc = vans_splat8(0.0f), m = vans_splat8(mean);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) { vans_v8 d = vans_load8(x + i) - m; acc += d * d; }
    float s = vans_hsum8(acc);
    for (; i < n; i++) s += (x[i] - mean) * (x[i] - mean);
    return s;
}

VANS_INLINE void rms_forward_body(const float *x, const float *w, float *y, int64_t dim, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        const float rstd = 1.0f / sqrtf(centered_squares(xr, dim, 0.0f) / (float)dim + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = w ? xr[i] * rstd * w[i] : xr[i] * rstd;
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, rms_forward, (const float *x, const float *w, float *y, int64_t dim, float eps, int64_t begin, int64_t end),
                  (x, w, y, dim, eps, begin, end))
void vans_rms_norm_forward(const float *x, const float *w, float *y, int64_t dim, float eps, int64_t begin, int64_t end) {
    rms_forward(x, w, y, dim, eps, begin, end);
}

VANS_INLINE void rms_backward_body(const float *x, const float *w, const float *gy, float *gx, float *gw,
                                   int64_t dim, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * dim, *gr = gy + r * dim;
        const float rstd = 1.0f / sqrtf(centered_squares(xr, dim, 0.0f) / (float)dim + eps);
        if (gw) for (int64_t i = 0; i < dim; i++) gw[i] += gr[i] * xr[i] * rstd;
        if (!gx) continue;
        float dot = 0; /* Σ g·w·x */
        for (int64_t i = 0; i < dim; i++) dot += gr[i] * (w ? w[i] : 1.0f) * xr[i];
        const float coefficient = dot * rstd * rstd * rstd / (float)dim;
        float *out = gx + r * dim;
        for (int64_t i = 0; i < dim; i++) out[i] = rstd * gr[i] * (w ? w[i] : 1.0f) - coefficient * xr[i];
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, rms_backward, (const float *x, const float *w, const float *gy, float *gx, float *gw, int64_t dim, float eps, int64_t begin, int64_t end),
                  (x, w, gy, gx, gw, dim, eps, begin, end))
void vans_rms_norm_backward(const float *x, const float *w, const float *gy, float *gx, float *gw,
                            int64_t dim, float eps, int64_t begin, int64_t end) {
    rms_backward(x, w, gy, gx, gw, dim, eps, begin, end);
}

/// Normalises `count` values at x (channel-major blocks of `inner` values sharing an
/// affine index) — shared by LayerNorm (inner = 1) and GroupNorm (inner = spatial).
VANS_INLINE void standardize(const float *x, float *y, int64_t count, int64_t inner, const float *w, const float *b, float eps) {
    const float mean = sum_of(x, count) / (float)count;
    const float rstd = 1.0f / sqrtf(centered_squares(x, count, mean) / (float)count + eps);
    for (int64_t c = 0; c < count / inner; c++) {
        const float scale = rstd * (w ? w[c] : 1.0f), shift = (b ? b[c] : 0.0f) - mean * scale;
        for (int64_t i = c * inner; i < (c + 1) * inner; i++) y[i] = x[i] * scale + shift;
    }
}

VANS_INLINE void standardize_backward(const float *x, const float *gy, float *gx, float *gw, float *gb,
                                      int64_t count, int64_t inner, const float *w, float eps) {
    const float mean = sum_of(x, count) / (float)count;
    const float rstd = 1.0f / sqrtf(centered_squares(x, count, mean) / (float)count + eps);
    float sum_g = 0, sum_gxhat = 0; /* Σ g and Σ g·x̂ with g = gy·w */
    for (int64_t c = 0; c < count / inner; c++) {
        const float wc = w ? w[c] : 1.0f;
        float sg = 0, sgx = 0;
        for (int64_t i = c * inner; i < (c + 1) * inner; i++) {
            const float xhat = (x[i] - mean) * rstd;
            sg += gy[i]; sgx += gy[i] * xhat;
        }
        if (gw) gw[c] += sgx;
        if (gb) gb[c] += sg;
        sum_g += sg * wc; sum_gxhat += sgx * wc;
    }
    if (!gx) return;
    const float mg = sum_g / (float)count, mgx = sum_gxhat / (float)count;
    for (int64_t c = 0; c < count / inner; c++) {
        const float wc = w ? w[c] : 1.0f;
        for (int64_t i = c * inner; i < (c + 1) * inner; i++) {
            const float xhat = (x[i] - mean) * rstd;
            gx[i] = rstd * (gy[i] * wc - mg - xhat * mgx);
        }
    }
}

VANS_INLINE void layer_forward_body(const float *x, const float *w, const float *b, float *y, int64_t dim, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        const float mean = sum_of(xr, dim) / (float)dim;
        const float rstd = 1.0f / sqrtf(centered_squares(xr, dim, mean) / (float)dim + eps);
        for (int64_t i = 0; i < dim; i++) {
            const float v = (xr[i] - mean) * rstd;
            yr[i] = v * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, layer_forward, (const float *x, const float *w, const float *b, float *y, int64_t dim, float eps, int64_t begin, int64_t end),
                  (x, w, b, y, dim, eps, begin, end))
void vans_layer_norm_forward(const float *x, const float *w, const float *b, float *y, int64_t dim, float eps, int64_t begin, int64_t end) {
    layer_forward(x, w, b, y, dim, eps, begin, end);
}

VANS_INLINE void layer_backward_body(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                                     int64_t dim, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * dim, *gr = gy + r * dim;
        const float mean = sum_of(xr, dim) / (float)dim;
        const float rstd = 1.0f / sqrtf(centered_squares(xr, dim, mean) / (float)dim + eps);
        float mg = 0, mgx = 0;
        for (int64_t i = 0; i < dim; i++) {
            const float xhat = (xr[i] - mean) * rstd, g = gr[i] * (w ? w[i] : 1.0f);
            if (gw) gw[i] += gr[i] * xhat;
            if (gb) gb[i] += gr[i];
            mg += g; mgx += g * xhat;
        }
        if (!gx) continue;
        mg /= (float)dim; mgx /= (float)dim;
        float *out = gx + r * dim;
        for (int64_t i = 0; i < dim; i++) {
            const float xhat = (xr[i] - mean) * rstd;
            out[i] = rstd * (gr[i] * (w ? w[i] : 1.0f) - mg - xhat * mgx);
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, layer_backward, (const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb, int64_t dim, float eps, int64_t begin, int64_t end),
                  (x, w, gy, gx, gw, gb, dim, eps, begin, end))
void vans_layer_norm_backward(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                              int64_t dim, float eps, int64_t begin, int64_t end) {
    layer_backward(x, w, gy, gx, gw, gb, dim, eps, begin, end);
}

VANS_INLINE void group_forward_body(const float *x, const float *w, const float *b, float *y, int64_t channels, int64_t spatial,
                                    int64_t groups, float eps, int64_t begin, int64_t end) {
    const int64_t per = channels / groups, count = per * spatial;
    for (int64_t t = begin; t < end; t++) {
        const int64_t g = t % groups;
        standardize(x + t * count, y + t * count, count, spatial, w ? w + g * per : 0, b ? b + g * per : 0, eps);
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, group_forward, (const float *x, const float *w, const float *b, float *y, int64_t channels, int64_t spatial, int64_t groups, float eps, int64_t begin, int64_t end),
                  (x, w, b, y, channels, spatial, groups, eps, begin, end))
void vans_group_norm_forward(const float *x, const float *w, const float *b, float *y, int64_t channels, int64_t spatial,
                             int64_t groups, float eps, int64_t begin, int64_t end) {
    group_forward(x, w, b, y, channels, spatial, groups, eps, begin, end);
}

VANS_INLINE void group_backward_body(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                                     int64_t channels, int64_t spatial, int64_t groups, float eps, int64_t begin, int64_t end) {
    const int64_t per = channels / groups, count = per * spatial;
    for (int64_t t = begin; t < end; t++) {
        const int64_t g = t % groups;
        standardize_backward(x + t * count, gy + t * count, gx ? gx + t * count : 0, gw ? gw + g * per : 0,
                             gb ? gb + g * per : 0, count, spatial, w ? w + g * per : 0, eps);
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, group_backward, (const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb, int64_t channels, int64_t spatial, int64_t groups, float eps, int64_t begin, int64_t end),
                  (x, w, gy, gx, gw, gb, channels, spatial, groups, eps, begin, end))
void vans_group_norm_backward(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                              int64_t channels, int64_t spatial, int64_t groups, float eps, int64_t begin, int64_t end) {
    group_backward(x, w, gy, gx, gw, gb, channels, spatial, groups, eps, begin, end);
}

/* ---- norms over a middle axis, a block of adjacent columns at a time. The loops over the block are
 * unit-stride, so each ISA copy vectorises them across columns, and every row of the block read at
 * stride `inner` is a run of whole cache lines. Statistics are two-pass, as above. ---- */
typedef struct { int64_t offset, width; } column_block;

static column_block block_of(int64_t task, int64_t dim, int64_t inner) {
    const int64_t blocks = (inner + VANS_NORM_COLUMN_BLOCK - 1) / VANS_NORM_COLUMN_BLOCK;
    const int64_t o = task / blocks, j0 = (task % blocks) * VANS_NORM_COLUMN_BLOCK;
    const column_block b = {o * dim * inner + j0, inner - j0 < VANS_NORM_COLUMN_BLOCK ? inner - j0 : VANS_NORM_COLUMN_BLOCK};
    return b;
}

/// Per-column mean (0 without centering) and rstd of a block.
VANS_INLINE void column_statistics(const float *x, int64_t dim, int64_t inner, int64_t width, int center, float eps,
                                   float *mean, float *rstd) {
    for (int64_t j = 0; j < width; j++) { mean[j] = 0; rstd[j] = 0; }
    if (center) {
        for (int64_t c = 0; c < dim; c++)
            for (int64_t j = 0; j < width; j++) mean[j] += x[c * inner + j];
        for (int64_t j = 0; j < width; j++) mean[j] /= (float)dim;
    }
    for (int64_t c = 0; c < dim; c++)
        for (int64_t j = 0; j < width; j++) { const float d = x[c * inner + j] - mean[j]; rstd[j] += d * d; }
    for (int64_t j = 0; j < width; j++) rstd[j] = 1.0f / sqrtf(rstd[j] / (float)dim + eps);
}

VANS_INLINE void columns_forward_body(const float *x, const float *w, const float *b, float *y, int64_t dim, int64_t inner,
                                      int center, float eps, int64_t begin, int64_t end) {
    float mean[VANS_NORM_COLUMN_BLOCK], rstd[VANS_NORM_COLUMN_BLOCK];
    for (int64_t task = begin; task < end; task++) {
        const column_block k = block_of(task, dim, inner);
        const float *xs = x + k.offset;
        float *ys = y + k.offset;
        column_statistics(xs, dim, inner, k.width, center, eps, mean, rstd);
        for (int64_t c = 0; c < dim; c++) {
            const float scale = w ? w[c] : 1.0f, shift = b ? b[c] : 0.0f;
            for (int64_t j = 0; j < k.width; j++) ys[c * inner + j] = (xs[c * inner + j] - mean[j]) * rstd[j] * scale + shift;
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, columns_forward, (const float *x, const float *w, const float *b, float *y, int64_t dim, int64_t inner, int center, float eps, int64_t begin, int64_t end),
                  (x, w, b, y, dim, inner, center, eps, begin, end))
void vans_norm_columns_forward(const float *x, const float *weight, const float *bias, float *y, int64_t dim,
                               int64_t inner, int center, float eps, int64_t begin, int64_t end) {
    columns_forward(x, weight, bias, y, dim, inner, center, eps, begin, end);
}

/// With g = y_grad · w and x̂ = (x − mean) · rstd: x_grad = rstd · (g − mean(g) − x̂ · mean(g · x̂)), where
/// RMSNorm (no centering) drops the mean(g) term.
VANS_INLINE void columns_backward_body(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                                       int64_t dim, int64_t inner, int center, float eps, int64_t begin, int64_t end) {
    float mean[VANS_NORM_COLUMN_BLOCK], rstd[VANS_NORM_COLUMN_BLOCK], mg[VANS_NORM_COLUMN_BLOCK], mgx[VANS_NORM_COLUMN_BLOCK];
    for (int64_t task = begin; task < end; task++) {
        const column_block k = block_of(task, dim, inner);
        const float *xs = x + k.offset, *gs = gy + k.offset;
        column_statistics(xs, dim, inner, k.width, center, eps, mean, rstd);
        for (int64_t j = 0; j < k.width; j++) { mg[j] = 0; mgx[j] = 0; }
        for (int64_t c = 0; c < dim; c++) {
            const float wc = w ? w[c] : 1.0f;
            float sg = 0, sgx = 0;
            for (int64_t j = 0; j < k.width; j++) {
                const float xhat = (xs[c * inner + j] - mean[j]) * rstd[j], g = gs[c * inner + j];
                sg += g; sgx += g * xhat;
                mg[j] += g * wc; mgx[j] += g * wc * xhat;
            }
            if (gw) gw[c] += sgx;
            if (gb) gb[c] += sg;
        }
        if (!gx) continue;
        float *out = gx + k.offset;
        for (int64_t j = 0; j < k.width; j++) { mg[j] = center ? mg[j] / (float)dim : 0.0f; mgx[j] /= (float)dim; }
        for (int64_t c = 0; c < dim; c++) {
            const float wc = w ? w[c] : 1.0f;
            for (int64_t j = 0; j < k.width; j++) {
                const float xhat = (xs[c * inner + j] - mean[j]) * rstd[j];
                out[c * inner + j] = rstd[j] * (gs[c * inner + j] * wc - mg[j] - xhat * mgx[j]);
            }
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, columns_backward, (const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb, int64_t dim, int64_t inner, int center, float eps, int64_t begin, int64_t end),
                  (x, w, gy, gx, gw, gb, dim, inner, center, eps, begin, end))
void vans_norm_columns_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                                float *weight_grad_partial, float *bias_grad_partial, int64_t dim, int64_t inner,
                                int center, float eps, int64_t begin, int64_t end) {
    columns_backward(x, weight, y_grad, x_grad, weight_grad_partial, bias_grad_partial, dim, inner, center, eps, begin, end);
}
