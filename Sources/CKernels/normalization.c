// Fused RMSNorm / LayerNorm / GroupNorm forward and backward (float32, two-pass statistics
// with 8-lane partial sums, which keeps the mean and variance accurate for long rows; GroupNorm
// adds the rows of a group in double).
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
        /* The weight test is hoisted out of the loops: with it inside, the loop stayed scalar. */
        const vans_v8 sv = vans_splat8(rstd);
        int64_t i = 0;
        if (w) {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, vans_load8(xr + i) * sv * vans_load8(w + i));
            for (; i < dim; i++) yr[i] = xr[i] * rstd * w[i];
        } else {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, vans_load8(xr + i) * sv);
            for (; i < dim; i++) yr[i] = xr[i] * rstd;
        }
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

VANS_INLINE void layer_forward_body(const float *x, const float *w, const float *b, float *y, int64_t dim, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        const float mean = sum_of(xr, dim) / (float)dim;
        const float rstd = 1.0f / sqrtf(centered_squares(xr, dim, mean) / (float)dim + eps);
        /* y = x̂·w + b as one rounding (fused) where both are given, x̂·w or x̂ + b with one, x̂ with neither —
           the four loops spelled out, since the affine tests inside one loop kept it scalar. */
        const vans_v8 mv = vans_splat8(mean), sv = vans_splat8(rstd);
        int64_t i = 0;
        if (w && b) {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, (vans_load8(xr + i) - mv) * sv * vans_load8(w + i) + vans_load8(b + i));
        } else if (w) {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, (vans_load8(xr + i) - mv) * sv * vans_load8(w + i));
        } else if (b) {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, (vans_load8(xr + i) - mv) * sv + vans_load8(b + i));
        } else {
            for (; i + 8 <= dim; i += 8) vans_store8(yr + i, (vans_load8(xr + i) - mv) * sv);
        }
        for (; i < dim; i++) {
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

/* ---- GroupNorm with the channels at any axis: each (batch, group) task visits outer × (its channels)
 * rows of `inner` contiguous values; [N, C, spatial] is the case outer = 1. ---- */
typedef struct { double mean, rstd; } group_statistics;

VANS_INLINE group_statistics strided_group_statistics(const float *x, int64_t outer, int64_t channels, int64_t inner,
                                                      int64_t c0, int64_t per, float eps) {
    const double count = (double)(outer * per * inner);
    double total = 0, squares = 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = c0; c < c0 + per; c++) total += sum_of(x + (o * channels + c) * inner, inner);
    const float mean = (float)(total / count);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = c0; c < c0 + per; c++) squares += centered_squares(x + (o * channels + c) * inner, inner, mean);
    const group_statistics s = {mean, 1.0 / sqrt(squares / count + (double)eps)};
    return s;
}

VANS_INLINE void group_strided_forward_body(const float *x, const float *w, const float *b, float *y, int64_t outer, int64_t channels,
                                            int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end) {
    const int64_t per = channels / groups;
    for (int64_t t = begin; t < end; t++) {
        const int64_t offset = (t / groups) * outer * channels * inner, c0 = (t % groups) * per;
        const group_statistics s = strided_group_statistics(x + offset, outer, channels, inner, c0, per, eps);
        for (int64_t o = 0; o < outer; o++)
            for (int64_t c = c0; c < c0 + per; c++) {
                const float scale = (float)s.rstd * (w ? w[c] : 1.0f), shift = (b ? b[c] : 0.0f) - (float)s.mean * scale;
                const float *xr = x + offset + (o * channels + c) * inner;
                float *yr = y + offset + (o * channels + c) * inner;
                for (int64_t i = 0; i < inner; i++) yr[i] = xr[i] * scale + shift;
            }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, group_strided_forward, (const float *x, const float *w, const float *b, float *y, int64_t outer, int64_t channels, int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end),
                  (x, w, b, y, outer, channels, inner, groups, eps, begin, end))
void vans_group_norm_strided_forward(const float *x, const float *weight, const float *bias, float *y, int64_t outer,
                                     int64_t channels, int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end) {
    group_strided_forward(x, weight, bias, y, outer, channels, inner, groups, eps, begin, end);
}

VANS_INLINE void group_strided_backward_body(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                                             int64_t outer, int64_t channels, int64_t inner, int64_t groups, float eps,
                                             int64_t begin, int64_t end) {
    const int64_t per = channels / groups;
    const float count = (float)(outer * per * inner);
    for (int64_t t = begin; t < end; t++) {
        const int64_t offset = (t / groups) * outer * channels * inner, c0 = (t % groups) * per;
        const group_statistics s = strided_group_statistics(x + offset, outer, channels, inner, c0, per, eps);
        const float mean = (float)s.mean, rstd = (float)s.rstd;
        double sum_g = 0, sum_gxhat = 0; /* Σ g·w and Σ g·w·x̂ over the group */
        for (int64_t o = 0; o < outer; o++)
            for (int64_t c = c0; c < c0 + per; c++) {
                const float *xr = x + offset + (o * channels + c) * inner, *gr = gy + offset + (o * channels + c) * inner;
                float sg = 0, sgx = 0;
                for (int64_t i = 0; i < inner; i++) { sg += gr[i]; sgx += gr[i] * (xr[i] - mean) * rstd; }
                if (gw) gw[c] += sgx;
                if (gb) gb[c] += sg;
                sum_g += sg * (w ? w[c] : 1.0f); sum_gxhat += sgx * (w ? w[c] : 1.0f);
            }
        if (!gx) continue;
        const float mg = (float)sum_g / count, mgx = (float)sum_gxhat / count;
        for (int64_t o = 0; o < outer; o++)
            for (int64_t c = c0; c < c0 + per; c++) {
                const float wc = w ? w[c] : 1.0f;
                const float *xr = x + offset + (o * channels + c) * inner, *gr = gy + offset + (o * channels + c) * inner;
                float *out = gx + offset + (o * channels + c) * inner;
                for (int64_t i = 0; i < inner; i++) out[i] = rstd * (gr[i] * wc - mg - (xr[i] - mean) * rstd * mgx);
            }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_NORMALIZATION, group_strided_backward, (const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb, int64_t outer, int64_t channels, int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end),
                  (x, w, gy, gx, gw, gb, outer, channels, inner, groups, eps, begin, end))
void vans_group_norm_strided_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                                      float *weight_grad_partial, float *bias_grad_partial, int64_t outer, int64_t channels,
                                      int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end) {
    group_strided_backward(x, weight, y_grad, x_grad, weight_grad_partial, bias_grad_partial, outer, channels, inner, groups,
                           eps, begin, end);
}

void vans_group_norm_forward(const float *x, const float *w, const float *b, float *y, int64_t channels, int64_t spatial,
                             int64_t groups, float eps, int64_t begin, int64_t end) {
    group_strided_forward(x, w, b, y, 1, channels, spatial, groups, eps, begin, end);
}

void vans_group_norm_backward(const float *x, const float *w, const float *gy, float *gx, float *gw, float *gb,
                              int64_t channels, int64_t spatial, int64_t groups, float eps, int64_t begin, int64_t end) {
    group_strided_backward(x, w, gy, gx, gw, gb, 1, channels, spatial, groups, eps, begin, end);
}
