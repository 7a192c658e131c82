// Mirrors PyTorch's CPU avg_pool3d / max_pool3d and upsample_nearest3d / upsample_trilinear3d
// (align_corners = False) index arithmetic, forward and backward, over contiguous planes.
#include "vans_sampling.h"
#include "internal/vans_simd.h"

static int64_t volume(const int64_t d[3]) { return d[0] * d[1] * d[2]; }

void vans_avg_pool3d_forward(const vans_volume_geometry *g, const float *x, float *y, int64_t begin, int64_t end) {
    const int64_t in = volume(g->in), out = volume(g->out);
    for (int64_t p = begin; p < end; p++)
        for (int64_t t = 0; t < g->out[0]; t++)
            for (int64_t h = 0; h < g->out[1]; h++)
                for (int64_t w = 0; w < g->out[2]; w++) {
                    const int64_t t0 = t * g->stride[0] - g->padding[0], h0 = h * g->stride[1] - g->padding[1],
                                  w0 = w * g->stride[2] - g->padding[2];
                    /* PyTorch divides by the window clipped to the padded input. */
                    int64_t t1 = t0 + g->kernel[0], h1 = h0 + g->kernel[1], w1 = w0 + g->kernel[2];
                    if (t1 > g->in[0] + g->padding[0]) t1 = g->in[0] + g->padding[0];
                    if (h1 > g->in[1] + g->padding[1]) h1 = g->in[1] + g->padding[1];
                    if (w1 > g->in[2] + g->padding[2]) w1 = g->in[2] + g->padding[2];
                    const float divisor = (float)((t1 - t0) * (h1 - h0) * (w1 - w0));
                    float sum = 0;
                    for (int64_t a = t0 < 0 ? 0 : t0; a < (t1 < g->in[0] ? t1 : g->in[0]); a++)
                        for (int64_t b = h0 < 0 ? 0 : h0; b < (h1 < g->in[1] ? h1 : g->in[1]); b++)
                            for (int64_t c = w0 < 0 ? 0 : w0; c < (w1 < g->in[2] ? w1 : g->in[2]); c++)
                                sum += x[p * in + (a * g->in[1] + b) * g->in[2] + c];
                    y[p * out + (t * g->out[1] + h) * g->out[2] + w] = sum / divisor;
                }
}

void vans_avg_pool3d_backward(const vans_volume_geometry *g, const float *gy, float *gx, int64_t begin, int64_t end) {
    const int64_t in = volume(g->in), out = volume(g->out);
    for (int64_t p = begin; p < end; p++)
        for (int64_t t = 0; t < g->out[0]; t++)
            for (int64_t h = 0; h < g->out[1]; h++)
                for (int64_t w = 0; w < g->out[2]; w++) {
                    const int64_t t0 = t * g->stride[0] - g->padding[0], h0 = h * g->stride[1] - g->padding[1],
                                  w0 = w * g->stride[2] - g->padding[2];
                    int64_t t1 = t0 + g->kernel[0], h1 = h0 + g->kernel[1], w1 = w0 + g->kernel[2];
                    if (t1 > g->in[0] + g->padding[0]) t1 = g->in[0] + g->padding[0];
                    if (h1 > g->in[1] + g->padding[1]) h1 = g->in[1] + g->padding[1];
                    if (w1 > g->in[2] + g->padding[2]) w1 = g->in[2] + g->padding[2];
                    const float share = gy[p * out + (t * g->out[1] + h) * g->out[2] + w] /
                                        (float)((t1 - t0) * (h1 - h0) * (w1 - w0));
                    for (int64_t a = t0 < 0 ? 0 : t0; a < (t1 < g->in[0] ? t1 : g->in[0]); a++)
                        for (int64_t b = h0 < 0 ? 0 : h0; b < (h1 < g->in[1] ? h1 : g->in[1]); b++)
                            for (int64_t c = w0 < 0 ? 0 : w0; c < (w1 < g->in[2] ? w1 : g->in[2]); c++)
                                gx[p * in + (a * g->in[1] + b) * g->in[2] + c] += share;
                }
}

void vans_max_pool3d_forward(const vans_volume_geometry *g, const float *x, float *y, int64_t *indices, int64_t begin, int64_t end) {
    const int64_t in = volume(g->in), out = volume(g->out);
    for (int64_t p = begin; p < end; p++)
        for (int64_t t = 0; t < g->out[0]; t++)
            for (int64_t h = 0; h < g->out[1]; h++)
                for (int64_t w = 0; w < g->out[2]; w++) {
                    const int64_t t0 = t * g->stride[0] - g->padding[0], h0 = h * g->stride[1] - g->padding[1],
                                  w0 = w * g->stride[2] - g->padding[2];
                    float best = -INFINITY;
                    int64_t where = -1;
                    for (int64_t a = t0 < 0 ? 0 : t0; a < t0 + g->kernel[0] && a < g->in[0]; a++)
                        for (int64_t b = h0 < 0 ? 0 : h0; b < h0 + g->kernel[1] && b < g->in[1]; b++)
                            for (int64_t c = w0 < 0 ? 0 : w0; c < w0 + g->kernel[2] && c < g->in[2]; c++) {
                                const int64_t i = (a * g->in[1] + b) * g->in[2] + c;
                                const float v = x[p * in + i];
                                if (where < 0 || v > best || isnan(v)) { best = v; where = i; if (isnan(v)) goto done; }
                            }
                done:
                    y[p * out + (t * g->out[1] + h) * g->out[2] + w] = best;
                    if (indices) indices[p * out + (t * g->out[1] + h) * g->out[2] + w] = where;
                }
}

void vans_max_pool3d_backward(const vans_volume_geometry *g, const float *gy, const int64_t *indices, float *gx, int64_t begin, int64_t end) {
    const int64_t in = volume(g->in), out = volume(g->out);
    for (int64_t p = begin; p < end; p++)
        for (int64_t i = 0; i < out; i++)
            if (indices[p * out + i] >= 0) gx[p * in + indices[p * out + i]] += gy[p * out + i];
}

/// Source taps of one output coordinate: two indices and their weights.
typedef struct { int64_t i0, i1; float l0, l1; } taps;

static taps taps_for(int64_t dst, int64_t in, int64_t out, double scale, vans_resample_mode mode) {
    taps r;
    const float s = (float)scale; /* PyTorch computes source indices in the tensor's accumulate type */
    if (mode == VANS_RESAMPLE_LINEAR) {
        float src = s * ((float)dst + 0.5f) - 0.5f;
        if (src < 0) src = 0;
        r.i0 = (int64_t)src;
        r.i1 = r.i0 + (r.i0 < in - 1 ? 1 : 0);
        r.l1 = src - (float)r.i0;
        r.l0 = 1.0f - r.l1;
    } else {
        int64_t i;
        if (mode == VANS_RESAMPLE_NEAREST_EXACT) i = (int64_t)floorf(((float)dst + 0.5f) * s);
        else if (out == in) i = dst;
        else if (out == 2 * in) i = dst >> 1;
        else i = (int64_t)floorf((float)dst * s);
        if (i > in - 1) i = in - 1;
        r.i0 = r.i1 = i; r.l0 = 1.0f; r.l1 = 0.0f;
    }
    return r;
}

static void resample(const vans_volume_geometry *g, const double scale[3], vans_resample_mode mode,
                     const float *src, float *dst, int64_t begin, int64_t end, int backward) {
    const int64_t in = volume(g->in), out = volume(g->out);
    for (int64_t p = begin; p < end; p++)
        for (int64_t t = 0; t < g->out[0]; t++) {
            const taps tt = taps_for(t, g->in[0], g->out[0], scale[0], mode);
            for (int64_t h = 0; h < g->out[1]; h++) {
                const taps th = taps_for(h, g->in[1], g->out[1], scale[1], mode);
                for (int64_t w = 0; w < g->out[2]; w++) {
                    const taps tw = taps_for(w, g->in[2], g->out[2], scale[2], mode);
                    const int64_t o = p * out + (t * g->out[1] + h) * g->out[2] + w;
                    const int64_t ts[2] = {tt.i0, tt.i1}, hs[2] = {th.i0, th.i1}, ws[2] = {tw.i0, tw.i1};
                    const float tl[2] = {tt.l0, tt.l1}, hl[2] = {th.l0, th.l1}, wl[2] = {tw.l0, tw.l1};
                    if (mode != VANS_RESAMPLE_LINEAR) {
                        const int64_t i = p * in + (ts[0] * g->in[1] + hs[0]) * g->in[2] + ws[0];
                        if (backward) dst[i] += src[o]; else dst[o] = src[i];
                        continue;
                    }
                    float value = 0;
                    for (int a = 0; a < 2; a++)
                        for (int b = 0; b < 2; b++)
                            for (int c = 0; c < 2; c++) {
                                const int64_t i = p * in + (ts[a] * g->in[1] + hs[b]) * g->in[2] + ws[c];
                                const float weight = tl[a] * hl[b] * wl[c];
                                if (backward) dst[i] += weight * src[o]; else value += weight * src[i];
                            }
                    if (!backward) dst[o] = value;
                }
            }
        }
}

void vans_resample3d_forward(const vans_volume_geometry *g, const double scale[3], vans_resample_mode mode,
                             const float *x, float *y, int64_t begin, int64_t end) {
    resample(g, scale, mode, x, y, begin, end, 0);
}

void vans_resample3d_backward(const vans_volume_geometry *g, const double scale[3], vans_resample_mode mode,
                              const float *gy, float *gx, int64_t begin, int64_t end) {
    resample(g, scale, mode, gy, gx, begin, end, 1);
}
