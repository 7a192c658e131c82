// vol2col / col2vol for convolutions lowered to GEMM (the Swift side calls the engine's sgemm).
#include "vans_convolution.h"
#include "internal/vans_simd.h"

VANS_INLINE void vol2col_body(const vans_convolution_geometry *g, const float *input, float *columns,
                              int64_t column_begin, int64_t column_count, int64_t row_begin, int64_t row_end) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    for (int64_t row = row_begin; row < row_end; row++) {
        const int64_t c = row / kvol, k = row % kvol;
        const int64_t kt = k / (g->kernel[1] * g->kernel[2]), kh = (k / g->kernel[2]) % g->kernel[1], kw = k % g->kernel[2];
        const float *src = input + c * plane;
        float *dst = columns + row * column_count;
        int64_t position = column_begin, filled = 0;
        while (filled < column_count) {
            /* one run along W of a single output row (t, h) */
            const int64_t w0 = position % g->out[2], h = (position / g->out[2]) % g->out[1], t = position / (g->out[2] * g->out[1]);
            int64_t run = g->out[2] - w0;
            if (run > column_count - filled) run = column_count - filled;
            const int64_t ti = t * g->stride[0] - g->padding_front[0] + kt * g->dilation[0];
            const int64_t hi = h * g->stride[1] - g->padding_front[1] + kh * g->dilation[1];
            float *out = dst + filled;
            if (ti < 0 || ti >= g->in[0] || hi < 0 || hi >= g->in[1]) {
                memset(out, 0, sizeof(float) * run);
            } else {
                const float *line = src + (ti * g->in[1] + hi) * g->in[2];
                const int64_t offset = -g->padding_front[2] + kw * g->dilation[2], step = g->stride[2];
                if (step == 1) {
                    /* contiguous: zero the borders, copy the middle */
                    int64_t lo = -(w0 + offset), hi2 = g->in[2] - (w0 + offset);
                    if (lo < 0) lo = 0;
                    if (lo > run) lo = run;
                    if (hi2 > run) hi2 = run;
                    if (hi2 < lo) hi2 = lo;
                    memset(out, 0, sizeof(float) * lo);
                    memcpy(out + lo, line + w0 + offset + lo, sizeof(float) * (hi2 - lo));
                    memset(out + hi2, 0, sizeof(float) * (run - hi2));
                } else {
                    /* strided: outputs [lo, hi) read inside the row (wi = (w0 + i)·step + offset), the rest are
                     * padding; the middle is a plain strided loop the compiler vectorises (deinterleaving loads) */
                    const int64_t first = w0 * step + offset;
                    int64_t lo = first >= 0 ? 0 : (-first + step - 1) / step;
                    int64_t hi = first > g->in[2] - 1 ? 0 : (g->in[2] - 1 - first) / step + 1;
                    if (lo > run) lo = run;
                    if (hi > run) hi = run;
                    if (hi < lo) hi = lo;
                    memset(out, 0, sizeof(float) * lo);
                    if (step == 2) {
                        for (int64_t i = lo; i < hi; i++) out[i] = line[first + 2 * i];
                    } else {
                        for (int64_t i = lo; i < hi; i++) out[i] = line[first + i * step];
                    }
                    memset(out + hi, 0, sizeof(float) * (run - hi));
                }
            }
            filled += run;
            position += run;
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, vol2col, (const vans_convolution_geometry *g, const float *input, float *columns, int64_t column_begin, int64_t column_count, int64_t row_begin, int64_t row_end),
                  (g, input, columns, column_begin, column_count, row_begin, row_end))

void vans_vol2col(const vans_convolution_geometry *g, const float *input, float *columns,
                  int64_t column_begin, int64_t column_count, int64_t row_begin, int64_t row_end) {
    vol2col(g, input, columns, column_begin, column_count, row_begin, row_end);
}

VANS_INLINE void col2vol_body(const vans_convolution_geometry *g, const float *columns, float *input_grad,
                              int64_t column_begin, int64_t column_count, int64_t channel_begin, int64_t channel_end) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    for (int64_t row = channel_begin * kvol; row < channel_end * kvol; row++) {
        const int64_t c = row / kvol, k = row % kvol;
        const int64_t kt = k / (g->kernel[1] * g->kernel[2]), kh = (k / g->kernel[2]) % g->kernel[1], kw = k % g->kernel[2];
        float *dst = input_grad + c * plane;
        const float *src = columns + row * column_count;
        int64_t position = column_begin, done = 0;
        while (done < column_count) {
            const int64_t w0 = position % g->out[2], h = (position / g->out[2]) % g->out[1], t = position / (g->out[2] * g->out[1]);
            int64_t run = g->out[2] - w0;
            if (run > column_count - done) run = column_count - done;
            const int64_t ti = t * g->stride[0] - g->padding_front[0] + kt * g->dilation[0];
            const int64_t hi = h * g->stride[1] - g->padding_front[1] + kh * g->dilation[1];
            if (ti >= 0 && ti < g->in[0] && hi >= 0 && hi < g->in[1]) {
                float *line = dst + (ti * g->in[1] + hi) * g->in[2];
                const int64_t offset = -g->padding_front[2] + kw * g->dilation[2], step = g->stride[2];
                const float *in = src + done;
                for (int64_t i = 0; i < run; i++) {
                    const int64_t wi = (w0 + i) * step + offset;
                    if (wi >= 0 && wi < g->in[2]) line[wi] += in[i];
                }
            }
            done += run;
            position += run;
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, col2vol, (const vans_convolution_geometry *g, const float *columns, float *input_grad, int64_t column_begin, int64_t column_count, int64_t channel_begin, int64_t channel_end),
                  (g, columns, input_grad, column_begin, column_count, channel_begin, channel_end))

void vans_col2vol(const vans_convolution_geometry *g, const float *columns, float *input_grad,
                  int64_t column_begin, int64_t column_count, int64_t channel_begin, int64_t channel_end) {
    col2vol(g, columns, input_grad, column_begin, column_count, channel_begin, channel_end);
}

/* Shifted-GEMM lowering (stride 1): a block of rows laid out [T, H, W] embedded in / extracted from
 * a larger zero-padded [Tp, Hp, Wp] layout, `front` elements in on each axis. */
VANS_INLINE void conv_embed_body(const float *src, int64_t src_stride, float *dst, const int64_t *small, const int64_t *big,
                                 const int64_t *front, int64_t row_stride, int64_t time_stride, int64_t row_begin, int64_t row_end) {
    for (int64_t row = row_begin; row < row_end; row++) {
        const float *s = src + row * src_stride;
        float *d = dst + row * row_stride;
        for (int64_t t = 0; t < big[0]; t++) {
            const int64_t ts = t - front[0];
            for (int64_t h = 0; h < big[1]; h++) {
                float *line = d + t * time_stride + h * big[2];
                const int64_t hs = h - front[1];
                if (ts < 0 || ts >= small[0] || hs < 0 || hs >= small[1]) {
                    memset(line, 0, sizeof(float) * big[2]);
                    continue;
                }
                const float *from = s + (ts * small[1] + hs) * small[2];
                int64_t lo = front[2], hi = front[2] + small[2];
                if (hi > big[2]) hi = big[2];
                memset(line, 0, sizeof(float) * lo);
                memcpy(line + lo, from, sizeof(float) * (hi - lo));
                memset(line + hi, 0, sizeof(float) * (big[2] - hi));
            }
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, conv_embed, (const float *src, int64_t src_stride, float *dst, const int64_t *small, const int64_t *big, const int64_t *front, int64_t row_stride, int64_t time_stride, int64_t row_begin, int64_t row_end),
                  (src, src_stride, dst, small, big, front, row_stride, time_stride, row_begin, row_end))

void vans_conv_embed(const float *src, float *dst, const int64_t *small, const int64_t *big, const int64_t *front,
                     int64_t row_begin, int64_t row_end) {
    conv_embed(src, small[0] * small[1] * small[2], dst, small, big, front, big[0] * big[1] * big[2], big[1] * big[2], row_begin, row_end);
}

void vans_conv_embed_time_major(const float *src, float *dst, const int64_t *small, const int64_t *big, const int64_t *front,
                                int64_t rows, int64_t row_begin, int64_t row_end) {
    conv_embed(src, small[0] * small[1] * small[2], dst, small, big, front, big[1] * big[2], rows * big[1] * big[2], row_begin, row_end);
}

void vans_conv_embed_strided(const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *small,
                             const int64_t *big, const int64_t *front, int64_t row_begin, int64_t row_end) {
    conv_embed(src, src_stride, dst, small, big, front, dst_stride, big[1] * big[2], row_begin, row_end);
}

VANS_INLINE void conv_extract_body(const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *big,
                                   const int64_t *small, const int64_t *front, const float *bias, int64_t row_begin, int64_t row_end) {
    for (int64_t row = row_begin; row < row_end; row++) {
        const float *s = src + row * src_stride;
        float *d = dst + row * dst_stride;
        const float value = bias ? bias[row] : 0.0f;
        for (int64_t t = 0; t < small[0]; t++) {
            for (int64_t h = 0; h < small[1]; h++) {
                const float *from = s + ((t + front[0]) * big[1] + h + front[1]) * big[2] + front[2];
                float *line = d + (t * small[1] + h) * small[2];
                if (bias) {
                    for (int64_t w = 0; w < small[2]; w++) line[w] = from[w] + value;
                } else {
                    memcpy(line, from, sizeof(float) * small[2]);
                }
            }
        }
    }
}
VANS_MULTIVERSION(VANS_KERNEL_CONVOLUTION, conv_extract, (const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *big, const int64_t *small, const int64_t *front, const float *bias, int64_t row_begin, int64_t row_end),
                  (src, src_stride, dst, dst_stride, big, small, front, bias, row_begin, row_end))

void vans_conv_extract(const float *src, float *dst, const int64_t *big, const int64_t *small, const int64_t *front,
                       const float *bias, int64_t row_begin, int64_t row_end) {
    conv_extract(src, big[0] * big[1] * big[2], dst, small[0] * small[1] * small[2], big, small, front, bias, row_begin, row_end);
}

void vans_conv_extract_strided(const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *big,
                               const int64_t *small, const int64_t *front, const float *bias, int64_t row_begin, int64_t row_end) {
    conv_extract(src, src_stride, dst, dst_stride, big, small, front, bias, row_begin, row_end);
}
