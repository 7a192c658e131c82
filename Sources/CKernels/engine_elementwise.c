/* Elementwise, reduction, softmax and indexing kernels over float32 (the engine's compute dtype). */
#include "ckernels.h"
#include "internal/vans_vmath.h"
#include "internal/vans_simd.h"
#include <math.h>
#include <string.h>

/* Compile setting: sqrtf never needs to set errno here. Without -fno-math-errno (a package depending on
 * VANS builds it at SwiftPM's plain -O2) this keeps the sqrt/rsqrt loops vectorised: 4.6 → 0.6 ms for
 * sqrt and 7.4 → 0.6 ms for rsqrt over 4M floats on Zen 4 (scripts/bench/math_errno.sh). Same results. */
float sqrtf(float) __attribute__((const));

static const float vans_sqrt_2_over_pi = 0.7978845608028654f;
static const float vans_inv_sqrt_2 = 0.7071067811865476f;
static const float vans_two_over_sqrt_pi = 1.1283791670955126f;

/* Elements per chunk of the vector-math paths: a stack buffer that stays in L1. */
enum { VANS_VMATH_CHUNK = 512 };
#define VANS_CHUNKS(N, ...)                                                                 \
    for (int64_t chunk = 0; chunk < (N); chunk += VANS_VMATH_CHUNK) {                       \
        const int64_t m = (N) - chunk < VANS_VMATH_CHUNK ? (N) - chunk : VANS_VMATH_CHUNK;   \
        __VA_ARGS__                                                                         \
    }

/* The ops that unary_vector / unary_backward_vector handle (the rest are plain loops below). */
static int is_vector_unary(int op) {
    switch (op) {
    case VANS_EXP: case VANS_TANH: case VANS_ERF: case VANS_SIGMOID: case VANS_SILU: case VANS_QUICK_GELU:
    case VANS_GELU_ERF: case VANS_GELU_TANH: return 1;
    default: return 0;
    }
}
static int is_vector_unary_backward(int op) {
    return op == VANS_ERF || op == VANS_SILU || op == VANS_QUICK_GELU || op == VANS_GELU_ERF || op == VANS_GELU_TANH;
}

/* The transcendental unary ops over x[0..<n] through libmvec, and the loops around each call compiled
   at the vector-math family's level (so they run 8 or 16 lanes wide where the CPU allows). */
VANS_INLINE void unary_vector_body(int op, const float *x, float *y, int64_t n) {
    float t[VANS_VMATH_CHUNK];
    switch (op) {
    case VANS_EXP: vans_vmath_f32(VANS_VMATH_EXP, x, y, n); return;
    case VANS_TANH: vans_vmath_f32(VANS_VMATH_TANH, x, y, n); return;
    case VANS_ERF: vans_vmath_f32(VANS_VMATH_ERF, x, y, n); return;
    case VANS_SIGMOID: case VANS_SILU: case VANS_QUICK_GELU: {
        const float slope = op == VANS_QUICK_GELU ? 1.702f : 1.0f;
        VANS_CHUNKS(n, {
            const float *xc = x + chunk; float *yc = y + chunk;
            for (int64_t i = 0; i < m; i++) t[i] = -(slope * xc[i]);
            vans_vmath_f32(VANS_VMATH_EXP, t, t, m);
            if (op == VANS_SIGMOID) for (int64_t i = 0; i < m; i++) yc[i] = 1.0f / (1.0f + t[i]);
            else if (op == VANS_SILU) for (int64_t i = 0; i < m; i++) yc[i] = xc[i] / (1.0f + t[i]);
            else for (int64_t i = 0; i < m; i++) yc[i] = xc[i] * (1.0f / (1.0f + t[i]));
        })
        return;
    }
    case VANS_GELU_ERF:
        VANS_CHUNKS(n, {
            const float *xc = x + chunk; float *yc = y + chunk;
            for (int64_t i = 0; i < m; i++) t[i] = xc[i] * vans_inv_sqrt_2;
            vans_vmath_f32(VANS_VMATH_ERF, t, t, m);
            for (int64_t i = 0; i < m; i++) yc[i] = 0.5f * xc[i] * (1.0f + t[i]);
        })
        return;
    case VANS_GELU_TANH:
        VANS_CHUNKS(n, {
            const float *xc = x + chunk; float *yc = y + chunk;
            for (int64_t i = 0; i < m; i++) { const float v = xc[i]; t[i] = vans_sqrt_2_over_pi * (v + 0.044715f * v * v * v); }
            vans_vmath_f32(VANS_VMATH_TANH, t, t, m);
            for (int64_t i = 0; i < m; i++) yc[i] = 0.5f * xc[i] * (1.0f + t[i]);
        })
        return;
    default: return;
    }
}
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, unary_vector, (int op, const float *x, float *y, int64_t n), (op, x, y, n))

/* Gradients of the transcendental unary ops through libmvec, compiled like unary_vector. */
VANS_INLINE void unary_backward_vector_body(int op, const float *x, const float *g, float *gx, int64_t n) {
    float t[VANS_VMATH_CHUNK], u[VANS_VMATH_CHUNK];
    switch (op) {
    case VANS_ERF:
        VANS_CHUNKS(n, {
            for (int64_t i = 0; i < m; i++) t[i] = -x[chunk + i] * x[chunk + i];
            vans_vmath_f32(VANS_VMATH_EXP, t, t, m);
            for (int64_t i = 0; i < m; i++) gx[chunk + i] = g[chunk + i] * (vans_two_over_sqrt_pi * t[i]);
        })
        return;
    case VANS_SILU: case VANS_QUICK_GELU: {
        const float slope = op == VANS_QUICK_GELU ? 1.702f : 1.0f;
        VANS_CHUNKS(n, {
            for (int64_t i = 0; i < m; i++) t[i] = -(slope * x[chunk + i]);
            vans_vmath_f32(VANS_VMATH_EXP, t, t, m);
            for (int64_t i = 0; i < m; i++) {
                const float v = x[chunk + i], s = 1.0f / (1.0f + t[i]);
                gx[chunk + i] = g[chunk + i] * (op == VANS_SILU ? s * (1.0f + v * (1.0f - s)) : s + slope * v * s * (1.0f - s));
            }
        })
        return;
    }
    case VANS_GELU_ERF:
        VANS_CHUNKS(n, {
            for (int64_t i = 0; i < m; i++) { const float v = x[chunk + i]; t[i] = v * vans_inv_sqrt_2; u[i] = -0.5f * v * v; }
            vans_vmath_f32(VANS_VMATH_ERF, t, t, m);
            vans_vmath_f32(VANS_VMATH_EXP, u, u, m);
            for (int64_t i = 0; i < m; i++) {
                const float cdf = 0.5f * (1.0f + t[i]);
                const float pdf = u[i] * (vans_two_over_sqrt_pi * vans_inv_sqrt_2 * 0.5f);
                gx[chunk + i] = g[chunk + i] * (cdf + x[chunk + i] * pdf);
            }
        })
        return;
    case VANS_GELU_TANH:
        VANS_CHUNKS(n, {
            for (int64_t i = 0; i < m; i++) { const float v = x[chunk + i]; t[i] = vans_sqrt_2_over_pi * (v + 0.044715f * v * v * v); }
            vans_vmath_f32(VANS_VMATH_TANH, t, t, m);
            for (int64_t i = 0; i < m; i++) {
                const float v = x[chunk + i], th = t[i];
                const float d_inner = vans_sqrt_2_over_pi * (1.0f + 3.0f * 0.044715f * v * v);
                gx[chunk + i] = g[chunk + i] * (0.5f * (1.0f + th) + 0.5f * v * (1.0f - th * th) * d_inner);
            }
        })
        return;
    default: return;
    }
}
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, unary_backward_vector,
                  (int op, const float *x, const float *g, float *gx, int64_t n), (op, x, g, gx, n))

/* The other unary ops: plain loops, compiled at the vector-math family's level like the rest. */
VANS_INLINE void unary_plain_body(int op, const float *x, float *y, float p0, float p1, int64_t start, int64_t end) {
    switch (op) {
#define LOOP(EXPR) for (int64_t i = start; i < end; i++) { const float v = x[i]; y[i] = (EXPR); } break
    case VANS_NEG: LOOP(-v);
    case VANS_LOG: LOOP(logf(v));
    case VANS_SQRT: LOOP(sqrtf(v));
    case VANS_RSQRT: LOOP(1.0f / sqrtf(v));
    case VANS_ABS: LOOP(fabsf(v));
    case VANS_RELU: LOOP(v > 0.0f ? v : (v != v ? v : 0.0f));
    case VANS_POW_SCALAR: LOOP(p0 == 2.0f ? v * v : powf(v, p0));
    case VANS_CLAMP: LOOP(v < p0 ? p0 : (v > p1 ? p1 : v));
    case VANS_MUL_SCALAR: LOOP(v * p0);
    case VANS_ADD_SCALAR: LOOP(v + p0);
    case VANS_SQUARE: LOOP(v * v);
    case VANS_RECIPROCAL: LOOP(1.0f / v);
    case VANS_SIN: LOOP(sinf(v));
    case VANS_COS: LOOP(cosf(v));
#undef LOOP
    default: break;
    }
}
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, unary_plain,
                  (int op, const float *x, float *y, float p0, float p1, int64_t start, int64_t end),
                  (op, x, y, p0, p1, start, end))

void vans_unary_f32(int op, const float *x, float *y, float p0, float p1, int64_t start, int64_t end) {
    if (is_vector_unary(op)) unary_vector(op, x + start, y + start, end - start);  /* exp, tanh, erf, activations */
    else unary_plain(op, x, y, p0, p1, start, end);
}

void vans_unary_backward_f32(int op, const float *x, const float *y, const float *g, float *gx, float p0,
                             float p1, int64_t start, int64_t end) {
    if (is_vector_unary_backward(op)) { unary_backward_vector(op, x + start, g + start, gx + start, end - start); return; }
    switch (op) {
#define LOOP(EXPR) for (int64_t i = start; i < end; i++) { const float v = x[i]; const float o = y[i]; (void)v; (void)o; gx[i] = g[i] * (EXPR); } break
    case VANS_NEG: LOOP(-1.0f);
    case VANS_EXP: LOOP(o);
    case VANS_LOG: LOOP(1.0f / v);
    case VANS_SQRT: LOOP(0.5f / o);
    case VANS_RSQRT: LOOP(-0.5f * o * o * o);
    case VANS_TANH: LOOP(1.0f - o * o);
    case VANS_SIGMOID: LOOP(o * (1.0f - o));
    case VANS_ABS: LOOP(v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f));
    case VANS_RELU: LOOP(v > 0.0f ? 1.0f : 0.0f);
    case VANS_POW_SCALAR: LOOP(p0 == 0.0f ? 0.0f : p0 * powf(v, p0 - 1.0f));
    case VANS_CLAMP: LOOP((v >= p0 && v <= p1) ? 1.0f : 0.0f);
    case VANS_MUL_SCALAR: LOOP(p0);
    case VANS_ADD_SCALAR: LOOP(1.0f);
    case VANS_SQUARE: LOOP(2.0f * v);
    case VANS_RECIPROCAL: LOOP(-o * o);
    case VANS_SIN: LOOP(cosf(v));
    case VANS_COS: LOOP(-sinf(v));
#undef LOOP
    default: break;
    }
}

#define VANS_WALK2(NDIM, SHAPE, START, END, ...)                                                 \
    do {                                                                                         \
        int64_t index[16];                                                                       \
        int64_t rem = (START);                                                                   \
        for (int d = (NDIM)-1; d >= 0; d--) { index[d] = rem % (SHAPE)[d]; rem /= (SHAPE)[d]; }  \
        int64_t pos = (START);                                                                   \
        while (pos < (END)) {                                                                    \
            int64_t ao = 0, bo = 0;                                                              \
            for (int d = 0; d < (NDIM); d++) { ao += index[d] * a_strides[d]; bo += index[d] * b_strides[d]; } \
            int64_t run = (SHAPE)[(NDIM)-1] - index[(NDIM)-1];                                   \
            if (run > (END)-pos) run = (END)-pos;                                                \
            const int64_t sa = a_strides[(NDIM)-1], sb = b_strides[(NDIM)-1];                    \
            __VA_ARGS__;                                                                         \
            pos += run;                                                                          \
            index[(NDIM)-1] += run;                                                              \
            for (int d = (NDIM)-1; d > 0 && index[d] >= (SHAPE)[d]; d--) { index[d] = 0; index[d - 1]++; } \
        }                                                                                        \
    } while (0)

/* Inner run of a binary op, specialised for the common contiguous and broadcast-scalar strides. */
#define VANS_BINARY_RUN(EXPR)                                                                    \
    if (sa == 1 && sb == 1) { for (int64_t j = 0; j < run; j++) { const float x = pa[j], y = pb[j]; po[j] = (EXPR); } } \
    else if (sa == 1 && sb == 0) { const float y = pb[0]; for (int64_t j = 0; j < run; j++) { const float x = pa[j]; po[j] = (EXPR); } } \
    else if (sa == 0 && sb == 1) { const float x = pa[0]; for (int64_t j = 0; j < run; j++) { const float y = pb[j]; po[j] = (EXPR); } } \
    else { for (int64_t j = 0; j < run; j++) { const float x = pa[j * sa], y = pb[j * sb]; po[j] = (EXPR); } } \
    break
#define VANS_COMPARE_RUN(EXPR) \
    for (int64_t j = 0; j < run; j++) { const float x = pa[j * sa], y = pb[j * sb]; po[j] = (EXPR); } break

VANS_INLINE void binary_body(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                             float *out, int ndim, const int64_t *shape, int64_t start, int64_t end) {
    if (ndim == 0) {
        const float x = a[0], y = b[0];
        switch (op) {
        case VANS_ADD: out[0] = x + y; break; case VANS_SUB: out[0] = x - y; break;
        case VANS_MUL: out[0] = x * y; break; case VANS_DIV: out[0] = x / y; break;
        case VANS_POW: out[0] = powf(x, y); break;
        case VANS_MAXIMUM: out[0] = (x != x || x > y) ? x : y; break;
        case VANS_MINIMUM: out[0] = (x != x || x < y) ? x : y; break;
        }
        return;
    }
    VANS_WALK2(ndim, shape, start, end, {
        const float *pa = a + ao, *pb = b + bo;
        float *po = out + pos;
        switch (op) {
        case VANS_ADD: VANS_BINARY_RUN(x + y);
        case VANS_SUB: VANS_BINARY_RUN(x - y);
        case VANS_MUL: VANS_BINARY_RUN(x * y);
        case VANS_DIV: VANS_BINARY_RUN(x / y);
        case VANS_POW: VANS_BINARY_RUN(powf(x, y));
        case VANS_MAXIMUM: VANS_BINARY_RUN((x != x || x > y) ? x : y);
        case VANS_MINIMUM: VANS_BINARY_RUN((x != x || x < y) ? x : y);
        default: break;
        }
    });
}

/* Binary ops compiled at the vector-math family's level: the contiguous runs vectorise 8 or 16 wide. */
VANS_MULTIVERSION(VANS_KERNEL_VECTOR_MATH, binary,
                  (int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                   float *out, int ndim, const int64_t *shape, int64_t start, int64_t end),
                  (op, a, a_strides, b, b_strides, out, ndim, shape, start, end))

void vans_binary_f32(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                     float *out, int ndim, const int64_t *shape, int64_t start, int64_t end) {
    if (start < end) binary(op, a, a_strides, b, b_strides, out, ndim, shape, start, end);
}

void vans_compare_f32(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                      uint8_t *out, int ndim, const int64_t *shape, int64_t start, int64_t end) {
    if (start >= end) return;
    int64_t one = 1, zero = 0;
    if (ndim == 0) { ndim = 1; shape = &one; a_strides = &zero; b_strides = &zero; }
    VANS_WALK2(ndim, shape, start, end, {
        const float *pa = a + ao, *pb = b + bo;
        uint8_t *po = out + pos;
        switch (op) {
        case VANS_EQ: VANS_COMPARE_RUN(x == y);
        case VANS_NE: VANS_COMPARE_RUN(x != y);
        case VANS_LT: VANS_COMPARE_RUN(x < y);
        case VANS_LE: VANS_COMPARE_RUN(x <= y);
        case VANS_GT: VANS_COMPARE_RUN(x > y);
        case VANS_GE: VANS_COMPARE_RUN(x >= y);
        default: break;
        }
    });
}

void vans_where_f32(const uint8_t *condition, const float *a, const float *b, float *out, int64_t start, int64_t end) {
    for (int64_t i = start; i < end; i++) out[i] = condition[i] ? a[i] : b[i];
}

/* Sums a contiguous row with 16 partial accumulators (vectorisable without fast-math). */
static float vans_row_sum(const float *x, int64_t n) {
    float acc[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) acc[k] += x[i + k];
    float total = 0.0f;
    for (int k = 0; k < 16; k++) total += acc[k];
    for (; i < n; i++) total += x[i];
    return total;
}

void vans_reduce_sum_f32(const float *x, int64_t reduce, int64_t inner, float *out, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++) {
        const float *base = x + o * reduce * inner;
        float *dst = out + o * inner;
        if (inner == 1) { dst[0] = vans_row_sum(base, reduce); continue; }
        memset(dst, 0, (size_t)inner * sizeof(float));
        for (int64_t r = 0; r < reduce; r++) {
            const float *row = base + r * inner;
            for (int64_t i = 0; i < inner; i++) dst[i] += row[i];
        }
    }
}

void vans_reduce_extreme_f32(const float *x, int64_t reduce, int64_t inner, int mode, float *out,
                             int64_t *indices, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++) {
        const float *base = x + o * reduce * inner;
        for (int64_t i = 0; i < inner; i++) {
            float best = base[i];
            int64_t best_index = 0;
            for (int64_t r = 1; r < reduce; r++) {
                const float v = base[r * inner + i];
                if (best != best) break; /* NaN propagates, as torch */
                if (v != v || (mode == 0 ? v > best : v < best)) { best = v; best_index = r; }
            }
            out[o * inner + i] = best;
            if (indices) indices[o * inner + i] = best_index;
        }
    }
}

void vans_softmax_rows_f32(const float *x, float *y, int64_t n, int log_space, int64_t start, int64_t end) {
    for (int64_t r = start; r < end; r++) {
        const float *row = x + r * n;
        float *dst = y + r * n;
        float maximum = -INFINITY;
        for (int64_t i = 0; i < n; i++) maximum = row[i] > maximum ? row[i] : maximum;
        if (maximum == -INFINITY) maximum = 0.0f;
        for (int64_t i = 0; i < n; i++) dst[i] = row[i] - maximum;
        vans_vmath_f32(VANS_VMATH_EXP, dst, dst, n);
        if (log_space) {
            const float log_total = logf(vans_row_sum(dst, n));
            for (int64_t i = 0; i < n; i++) dst[i] = row[i] - maximum - log_total;
        } else {
            const float inverse = 1.0f / vans_row_sum(dst, n);
            for (int64_t i = 0; i < n; i++) dst[i] *= inverse;
        }
    }
}

void vans_softmax_backward_rows_f32(const float *y, const float *g, float *gx, int64_t n, int log_space,
                                    int64_t start, int64_t end) {
    for (int64_t r = start; r < end; r++) {
        const float *yr = y + r * n, *gr = g + r * n;
        float *out = gx + r * n;
        if (log_space) {
            const float total = vans_row_sum(gr, n);
            vans_vmath_f32(VANS_VMATH_EXP, yr, out, n);
            for (int64_t i = 0; i < n; i++) out[i] = gr[i] - out[i] * total;
        } else {
            float dot = 0.0f;
            for (int64_t i = 0; i < n; i++) dot += gr[i] * yr[i];
            for (int64_t i = 0; i < n; i++) out[i] = yr[i] * (gr[i] - dot);
        }
    }
}

void vans_index_select_f32(const float *x, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                           float *out, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++)
        for (int64_t j = 0; j < count; j++)
            memcpy(out + (o * count + j) * inner, x + (o * axis + index[j]) * inner, (size_t)inner * sizeof(float));
}

void vans_index_add_f32(float *out, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                        const float *src, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++)
        for (int64_t j = 0; j < count; j++) {
            float *dst = out + (o * axis + index[j]) * inner;
            const float *s = src + (o * count + j) * inner;
            for (int64_t i = 0; i < inner; i++) dst[i] += s[i];
        }
}

void vans_gather_f32(const float *x, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                     float *out, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++)
        for (int64_t j = 0; j < count; j++)
            for (int64_t i = 0; i < inner; i++) {
                const int64_t k = (o * count + j) * inner + i;
                out[k] = x[(o * axis + index[k]) * inner + i];
            }
}

void vans_scatter_add_f32(float *out, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                          const float *src, int64_t start, int64_t end) {
    for (int64_t o = start; o < end; o++)
        for (int64_t j = 0; j < count; j++)
            for (int64_t i = 0; i < inner; i++) {
                const int64_t k = (o * count + j) * inner + i;
                out[(o * axis + index[k]) * inner + i] += src[k];
            }
}
