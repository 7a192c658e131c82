// Fused scaled-dot-product attention (FlashAttention-2 style): online softmax over
// 64×64 tiles, saving only the per-row log-sum-exp for the backward pass.
#include <stdlib.h>
#include "vans_attention.h"
#include "internal/vans_simd.h"
#include "internal/vans_attention_bf16.h"

enum { BR = 64, BC = 64 };

static int64_t padded16(int64_t n) { return (n + 15) & ~(int64_t)15; }

/// Query/key range of segment s.
typedef struct { int64_t q0, q1, k0, k1; } segment_range;

static segment_range segment_at(const vans_attention_args *a, int64_t s) {
    segment_range r;
    if (a->segment_count <= 0) {
        r.q0 = 0; r.q1 = a->query_length; r.k0 = 0; r.k1 = a->kv_length;
    } else {
        r.q0 = a->query_offsets[s]; r.q1 = a->query_offsets[s + 1];
        r.k0 = a->kv_offsets[s]; r.k1 = a->kv_offsets[s + 1];
    }
    return r;
}

static int64_t segments_of(const vans_attention_args *a) { return a->segment_count > 0 ? a->segment_count : 1; }

static int64_t query_blocks(const vans_attention_args *a) {
    int64_t total = 0;
    for (int64_t s = 0; s < segments_of(a); s++) {
        segment_range r = segment_at(a, s);
        total += (r.q1 - r.q0 + BR - 1) / BR;
    }
    return total;
}

/// True for one query per head (a decode step) with grouped heads and no bias or segments: then the heads that
/// share a key/value head are the rows of one block, so each key and value row is read once per group, not once
/// per query head, and the score tile has the group's rows instead of one. A lone query sees every key, causal
/// or not (the diagonal is bottom-right aligned).
static int groups_queries(const vans_attention_args *a) {
    return a->query_length == 1 && a->query_heads > a->kv_heads && a->query_heads / a->kv_heads <= BR && !a->bias &&
           a->segment_count <= 0;
}

int64_t vans_attention_forward_task_count(const vans_attention_args *a) {
    if (groups_queries(a)) return a->batch * a->kv_heads;
    return a->batch * a->query_heads * query_blocks(a);
}

int64_t vans_attention_backward_task_count(const vans_attention_args *a) {
    return a->batch * a->kv_heads * segments_of(a);
}

/// True when each head has several query blocks, so that packing its values once (a pass over them) is
/// shared by several P·V sweeps. With one block — decoding, short prompts — the values are read in place:
/// packing would double the value traffic of a long-context decode step.
static int packs_values(const vans_attention_args *a) { return query_blocks(a) > 1; }

/// Scratch floats one forward range needs: Qᵀ, Sᵀ, padded K and V tiles, the output accumulator, three
/// per-row terms, and where values are packed, one head's values in 16-column panels (kv_length · dp).
static int64_t forward_scratch(const vans_attention_args *a, int64_t dp) {
    return dp * BR + BC * BR + 2 * BC * dp + BR * dp + 3 * BR + (packs_values(a) ? a->kv_length * dp : 0);
}

/// Packs the values of one head, v[j·vs + x] for keys j < n and x < d, into panels of 16 columns:
/// panel q holds columns [16q, 16q + 16) of every key, 16 floats per key (zero past d). The P·V
/// product then reads each panel sequentially instead of 16 columns of rows a head-interleaved
/// stride apart, whose rows share a few cache sets (at 12 heads × 128, rows 6 KB apart use 2 of 64).
VANS_INLINE void pack_value_panels(const float *v, int64_t vs, int64_t n, int64_t d, int64_t dp, float *panels) {
    for (int64_t q = 0; q < dp / 16; q++) {
        float *panel = panels + q * n * 16;
        const int64_t x0 = q * 16, width = d - x0 < 16 ? d - x0 : 16;
        for (int64_t j = 0; j < n; j++) {
            const float *row = v + j * vs + x0;
            float *target = panel + j * 16;
            if (width == 16) {
                vans_store8(target, vans_load8(row));
                vans_store8(target + 8, vans_load8(row + 8));
            } else {
                memset(target, 0, sizeof(float) * 16);
                memcpy(target, row, sizeof(float) * width);
            }
        }
    }
}

VANS_INLINE vans_v8 select8(vans_v8i keep, vans_v8 yes, vans_v8 no) {
    return (vans_v8)(((vans_v8i)yes & keep) | ((vans_v8i)no & ~keep));
}
VANS_INLINE vans_v8 max8(vans_v8 x, vans_v8 y) { return select8(x > y, x, y); }

/// st[j·BR + i] += source[i·stride + j] for i < m, j < n: eight queries × eight keys at a time through an
/// 8×8 register transpose, so the bias (stored query-major) costs little beside the tile's GEMM.
VANS_INLINE void add_transposed(const float *source, int64_t stride, int64_t m, int64_t n, float *st) {
    const int64_t m8 = m & ~(int64_t)7, n8 = n & ~(int64_t)7;
    for (int64_t i0 = 0; i0 < m8; i0 += 8) {
        const float *s0 = source + i0 * stride;
        for (int64_t j0 = 0; j0 < n8; j0 += 8) {
            vans_v8 r[8];
            for (int l = 0; l < 8; l++) r[l] = vans_load8(s0 + l * stride + j0);
            /* Pairs of rows interleaved, then pairs of pairs, then halves: columns c[x] = (r[0][x] … r[7][x]). */
            vans_v8 t[8], u[8], c[8];
            for (int p = 0; p < 8; p += 2) {
                t[p] = __builtin_shufflevector(r[p], r[p + 1], 0, 8, 1, 9, 4, 12, 5, 13);
                t[p + 1] = __builtin_shufflevector(r[p], r[p + 1], 2, 10, 3, 11, 6, 14, 7, 15);
            }
            for (int p = 0; p < 8; p += 4) {
                u[p] = __builtin_shufflevector(t[p], t[p + 2], 0, 1, 8, 9, 4, 5, 12, 13);
                u[p + 1] = __builtin_shufflevector(t[p], t[p + 2], 2, 3, 10, 11, 6, 7, 14, 15);
                u[p + 2] = __builtin_shufflevector(t[p + 1], t[p + 3], 0, 1, 8, 9, 4, 5, 12, 13);
                u[p + 3] = __builtin_shufflevector(t[p + 1], t[p + 3], 2, 3, 10, 11, 6, 7, 14, 15);
            }
            for (int x = 0; x < 4; x++) {
                c[x] = __builtin_shufflevector(u[x], u[x + 4], 0, 1, 2, 3, 8, 9, 10, 11);
                c[x + 4] = __builtin_shufflevector(u[x], u[x + 4], 4, 5, 6, 7, 12, 13, 14, 15);
            }
            for (int x = 0; x < 8; x++) {
                float *target = st + (j0 + x) * BR + i0;
                vans_store8(target, vans_load8(target) + c[x]);
            }
        }
        for (int64_t i = i0; i < i0 + 8; i++)
            for (int64_t j = n8; j < n; j++) st[j * BR + i] += source[i * stride + j];
    }
    for (int64_t i = m8; i < m; i++)
        for (int64_t j = 0; j < n; j++) st[j * BR + i] += source[i * stride + j];
}

/// Adds the bias and key-padding terms of query rows [row0, row0 + m) and keys [c0, c0 + jn)
/// to the transposed score tile (key j, query i at st[j·BR + i]). Ignored keys become -inf,
/// which the online softmax below already treats as "not visible".
VANS_INLINE void add_score_terms(const vans_attention_args *a, int64_t b, int64_t h, int64_t row0, int64_t m,
                                 int64_t c0, int64_t jn, float *st) {
    if (a->bias) {
        const float *bias = a->bias + b * a->bias_strides[0] + h * a->bias_strides[1] + row0 * a->bias_strides[2] + c0;
        add_transposed(bias, a->bias_strides[2], m, jn, st);
    }
    if (a->key_padding) {
        const float *padding = a->key_padding + b * a->kv_length + c0;
        for (int64_t j = 0; j < jn; j++) {
            if (padding[j] == 0.0f) continue;
            for (int64_t i = 0; i < BR; i++) st[j * BR + i] += padding[j];
        }
    }
}

/// The score terms of one query row for keys [c0, c0 + n) into terms[0, BC), zero past n.
VANS_INLINE void row_score_terms(const vans_attention_args *a, int64_t b, int64_t h, int64_t row, int64_t c0,
                                 int64_t n, float *terms) {
    memset(terms, 0, sizeof(float) * BC);
    if (a->bias) {
        const float *brow = a->bias + b * a->bias_strides[0] + h * a->bias_strides[1] + row * a->bias_strides[2] + c0;
        for (int64_t j = 0; j < n; j++) terms[j] = brow[j];
    }
    if (a->key_padding) {
        const float *padding = a->key_padding + b * a->kv_length + c0;
        for (int64_t j = 0; j < n; j++) terms[j] += padding[j];
    }
}

/// Works on transposed tiles: Sᵀ = K·Qᵀ reads key rows in place against Qᵀ packed in 16-column
/// panels, the softmax runs down columns eight queries at a time, and O += P·V reads Pᵀ in place
/// against the head's value panels (packed once per head a range visits; with one query block per
/// head, against value rows in place). Only key blocks at a segment end, and value blocks read in
/// place with a head dimension that is not a multiple of 16, are copied into zero-padded tiles.
VANS_INLINE void attention_forward_body(const vans_attention_args *a, int64_t begin, int64_t end, float *scratch) {
    const int64_t d = a->head_dim, dp = padded16(d), blocks = query_blocks(a);
    const int64_t group = a->query_heads / a->kv_heads;
    const int64_t ks = a->key_strides[2], vs = a->value_strides[2];
    float *qt = scratch, *st = qt + dp * BR, *kb = st + BC * BR, *vb = kb + BC * dp;
    float *acc = vb + BC * dp, *rowmax = acc + BR * dp, *rowsum = rowmax + BR, *alpha = rowsum + BR;
    float *value_panels = alpha + BR;
    const int pack = packs_values(a);
    int64_t packed_head = -1; /* b · kv_heads + kv head whose values value_panels holds */
    const int grouped = groups_queries(a), causal = a->causal && !grouped;
    const vans_v8i iota = {0, 1, 2, 3, 4, 5, 6, 7};
    const vans_v8 ninf = vans_splat8(-INFINITY), zero = vans_splat8(0.0f);
    for (int64_t task = begin; task < end; task++) {
        /* Rows of this block: queries row0 … row0 + m − 1 of head h, or (grouped) query 0 of heads h … h + m − 1. */
        int64_t b, h, row0 = 0, m;
        segment_range r = segment_at(a, 0);
        if (grouped) {
            b = task / a->kv_heads;
            h = task % a->kv_heads * group;
            m = group;
        } else {
            const int64_t bh = task / blocks;
            b = bh / a->query_heads;
            h = bh % a->query_heads;
            int64_t block = task % blocks;
            for (int64_t s = 0;; s++) {
                r = segment_at(a, s);
                int64_t n = (r.q1 - r.q0 + BR - 1) / BR;
                if (block < n) break;
                block -= n;
            }
            row0 = r.q0 + block * BR;
            m = (r.q1 - row0) < BR ? (r.q1 - row0) : BR;
        }
        /* Query row i of the block; the step between rows is a head (grouped) or a position. */
        const int64_t row_step = grouped ? a->query_strides[1] : a->query_strides[2];
        /* A short block (a decode step's one query, a segment's last rows) computes score columns only for its
           queries padded to 16 (mq) and output rows padded to 4 (mr), not the whole 64-query tile. */
        const int64_t mq = padded16(m), mr = (m + 3) & ~(int64_t)3;
        const int64_t offset = (r.k1 - r.k0) - (r.q1 - r.q0); /* causal diagonal shift */
        const float *q = a->query + b * a->query_strides[0] + h * a->query_strides[1];
        const float *k = a->key + b * a->key_strides[0] + (h / group) * a->key_strides[1];
        const float *v = a->value + b * a->value_strides[0] + (h / group) * a->value_strides[1];
        if (pack && b * a->kv_heads + h / group != packed_head) {
            packed_head = b * a->kv_heads + h / group;
            pack_value_panels(v, vs, a->kv_length, d, dp, value_panels);
        }
        /* Qᵀ in panels of 16 queries: query i, dimension x at qt[(i / 16)·dp·16 + x·16 + i % 16]. */
        memset(qt, 0, sizeof(float) * dp * mq);
        for (int64_t i = 0; i < m; i++) {
            const float *qr = q + row0 * a->query_strides[2] + i * row_step;
            float *column = qt + (i / 16) * dp * 16 + i % 16;
            /* Emulating PyTorch's bf16 kernel, the scale multiplies the scores, not the queries (below). */
            const float query_scale = a->round_probabilities_to_bf16 ? 1.0f : a->scale;
            for (int64_t x = 0; x < d; x++) column[x * 16] = qr[x] * query_scale;
        }
        memset(acc, 0, sizeof(float) * mr * dp);
        for (int64_t i = 0; i < BR; i++) { rowmax[i] = -INFINITY; rowsum[i] = 0; }
        const int64_t local_row0 = row0 - r.q0;
        for (int64_t c0 = r.k0; c0 < r.k1; c0 += BC) {
            const int64_t local_c0 = c0 - r.k0;
            if (causal && local_c0 > local_row0 + m - 1 + offset) break;
            /* Keys [0, jn) of this block are visible to at least one row (jn >= 1 here). */
            int64_t jn = (r.k1 - c0) < BC ? (r.k1 - c0) : BC;
            if (causal && local_row0 + m + offset - local_c0 < jn) jn = local_row0 + m + offset - local_c0;
            const int64_t jr = (jn + 3) & ~(int64_t)3;
            const float *kp = k + c0 * ks;
            int64_t kld = ks;
            if (c0 + jr > r.k1) {
                memset(kb, 0, sizeof(float) * jr * dp);
                for (int64_t j = 0; j < jn; j++) memcpy(kb + j * dp, k + (c0 + j) * ks, sizeof(float) * d);
                kp = kb; kld = dp;
            }
            vans_gemm_blocks(jr, mq, d, kp, kld, 1, qt, 16, dp * 16, st, BR, 0);
            if (a->round_probabilities_to_bf16) vans_attention_scale_scores(st, BR, jr, mq, a->scale);
            if (a->bias || a->key_padding) add_score_terms(a, b, h, row0, m, c0, jn, st);
            for (int64_t i0 = 0; i0 < mq; i0 += 8) {
                /* Query i0 + l sees keys [0, lim[l]) of this block. */
                const int64_t base = causal ? local_row0 + i0 + offset - local_c0 + 1 : jn;
                vans_v8 mx = ninf;
                if (jn == jr && base >= jr) {
                    for (int64_t j = 0; j < jr; j++) mx = max8(vans_load8(st + j * BR + i0), mx);
                } else {
                    vans_v8i lim = causal ? (vans_v8i){0} + (int32_t)base + iota : (vans_v8i){0} + (int32_t)jn;
                    lim = (vans_v8i)select8(lim > (int32_t)jn, (vans_v8)((vans_v8i){0} + (int32_t)jn), (vans_v8)lim);
                    for (int64_t j = 0; j < jr; j++) {
                        vans_v8 x = select8((vans_v8i){0} + (int32_t)j < lim, vans_load8(st + j * BR + i0), ninf);
                        vans_store8(st + j * BR + i0, x);
                        mx = max8(x, mx);
                    }
                }
                const vans_v8 old = vans_load8(rowmax + i0), top = max8(mx, old);
                const vans_v8 al = vans_exp8_nonpos(old - top); /* 0 where old is -inf */
                const vans_v8 shift = select8(top == ninf, zero, top);
                vans_v8 s0 = zero, s1 = zero, s2 = zero, s3 = zero;
                if (a->round_probabilities_to_bf16) {
                    /* PyTorch's exponentials: its fast exp over each row's whole multiples of 8 keys, libm's after. */
                    float shifts[8], sums[8];
                    vans_store8(shifts, shift);
                    vans_attention_torch_exponentials(st + i0, BR, jr, shifts, local_c0, ((r.k1 - r.k0) / 8) * 8, sums);
                    s0 = vans_load8(sums);
                } else for (int64_t j = 0; j < jr; j += 4) {
                    float *p0 = st + j * BR + i0;
                    vans_v8 p;
                    p = vans_exp8_nonpos(vans_load8(p0) - shift); vans_store8(p0, p); s0 += p;
                    p = vans_exp8_nonpos(vans_load8(p0 + BR) - shift); vans_store8(p0 + BR, p); s1 += p;
                    p = vans_exp8_nonpos(vans_load8(p0 + 2 * BR) - shift); vans_store8(p0 + 2 * BR, p); s2 += p;
                    p = vans_exp8_nonpos(vans_load8(p0 + 3 * BR) - shift); vans_store8(p0 + 3 * BR, p); s3 += p;
                }
                vans_store8(rowsum + i0, vans_load8(rowsum + i0) * al + ((s0 + s1) + (s2 + s3)));
                vans_store8(rowmax + i0, top);
                vans_store8(alpha + i0, al);
            }
            for (int64_t i = 0; i < m; i++) {
                const float al = alpha[i];
                if (al == 1.0f) continue;
                float *arow = acc + i * dp;
                for (int64_t x = 0; x < dp; x += 8) vans_store8(arow + x, vans_load8(arow + x) * al);
            }
            if (pack) {
                vans_gemm_blocks(mr, dp, jn, st, 1, BR, value_panels + c0 * 16, 16, a->kv_length * 16, acc, dp, 1);
            } else {
                const float *vp = v + c0 * vs;
                int64_t vld = vs;
                if (d != dp) {
                    memset(vb, 0, sizeof(float) * jn * dp);
                    for (int64_t j = 0; j < jn; j++) memcpy(vb + j * dp, v + (c0 + j) * vs, sizeof(float) * d);
                    vp = vb; vld = dp;
                }
                vans_gemm_tn(mr, dp, jn, st, BR, vp, vld, acc, dp, 1);
            }
        }
        float *o = a->output + b * a->output_strides[0] + h * a->output_strides[1];
        float *lse = a->log_sum_exp + (b * a->query_heads + h) * a->query_length + row0;
        const int64_t output_step = grouped ? a->output_strides[1] : a->output_strides[2];
        const int64_t lse_step = grouped ? a->query_length : 1;
        for (int64_t i = 0; i < m; i++) {
            float *orow = o + row0 * a->output_strides[2] + i * output_step;
            if (rowsum[i] == 0.0f) {
                memset(orow, 0, sizeof(float) * d);
                lse[i * lse_step] = -INFINITY;
                continue;
            }
            const float inv = 1.0f / rowsum[i];
            for (int64_t x = 0; x < d; x++) orow[x] = acc[i * dp + x] * inv;
            lse[i * lse_step] = rowmax[i] + logf(rowsum[i]);
        }
    }
}

VANS_MULTIVERSION(VANS_KERNEL_ATTENTION, attention_forward,
                  (const vans_attention_args *a, int64_t begin, int64_t end, float *scratch),
                  (a, begin, end, scratch))

int32_t vans_attention_forward(const vans_attention_args *a, int64_t begin, int64_t end) {
    if (begin >= end) return 0;
    float *scratch = malloc(sizeof(float) * forward_scratch(a, padded16(a->head_dim)));
    if (!scratch) return -1;
    attention_forward(a, begin, end, scratch);
    free(scratch);
    return 0;
}

/// Scratch floats one backward task needs besides the per-segment row terms.
static int64_t backward_scratch(int64_t dp) {
    return 2 * dp * BC + BC * dp + 2 * BR * dp + 2 * BR * BC + 2 * BC * dp + BR * dp + BC;
}

VANS_INLINE void attention_backward_body(const vans_attention_args *a, int64_t begin, int64_t end,
                                         float *scratch, float *delta) {
    const int64_t d = a->head_dim, dp = padded16(d), segments = segments_of(a);
    const int64_t group = a->query_heads / a->kv_heads;
    float *kt = scratch, *vt = kt + dp * BC, *kb = vt + dp * BC, *qb = kb + BC * dp, *gb = qb + BR * dp;
    float *p = gb + BR * dp, *ds = p + BR * BC;
    float *dk = ds + BR * BC, *dv = dk + BC * dp, *dq = dv + BC * dp, *terms = dq + BR * dp;
    const int has_terms = a->bias || a->key_padding;
    const vans_v8i iota = {0, 1, 2, 3, 4, 5, 6, 7};
    const vans_v8 ninf = vans_splat8(-INFINITY);
    for (int64_t task = begin; task < end; task++) {
        const int64_t s = task % segments, bg = task / segments, b = bg / a->kv_heads, g = bg % a->kv_heads;
        const segment_range r = segment_at(a, s);
        const int64_t rows = r.q1 - r.q0, offset = (r.k1 - r.k0) - rows;
        const float *k = a->key + b * a->key_strides[0] + g * a->key_strides[1];
        const float *v = a->value + b * a->value_strides[0] + g * a->value_strides[1];
        float *dkout = a->key_grad + b * a->key_grad_strides[0] + g * a->key_grad_strides[1];
        float *dvout = a->value_grad + b * a->value_grad_strides[0] + g * a->value_grad_strides[1];
        /* delta_i = rowsum(dO ⊙ O); zero this segment's query gradients. */
        for (int64_t hh = 0; hh < group; hh++) {
            const int64_t h = g * group + hh;
            const float *o = a->output + b * a->output_strides[0] + h * a->output_strides[1];
            const float *go = a->output_grad + b * a->output_grad_strides[0] + h * a->output_grad_strides[1];
            float *dqout = a->query_grad + b * a->query_grad_strides[0] + h * a->query_grad_strides[1];
            for (int64_t i = 0; i < rows; i++) {
                const float *orow = o + (r.q0 + i) * a->output_strides[2];
                const float *grow = go + (r.q0 + i) * a->output_grad_strides[2];
                float sum = 0;
                for (int64_t x = 0; x < d; x++) sum += orow[x] * grow[x];
                delta[hh * rows + i] = sum;
                memset(dqout + (r.q0 + i) * a->query_grad_strides[2], 0, sizeof(float) * d);
            }
        }
        for (int64_t c0 = r.k0; c0 < r.k1; c0 += BC) {
            const int64_t n = (r.k1 - c0) < BC ? (r.k1 - c0) : BC, local_c0 = c0 - r.k0;
            memset(kt, 0, sizeof(float) * dp * BC * 2);
            memset(kb, 0, sizeof(float) * BC * dp);
            for (int64_t j = 0; j < n; j++) {
                const float *kr = k + (c0 + j) * a->key_strides[2], *vr = v + (c0 + j) * a->value_strides[2];
                for (int64_t x = 0; x < d; x++) { kt[x * BC + j] = kr[x]; vt[x * BC + j] = vr[x]; }
                memcpy(kb + j * dp, kr, sizeof(float) * d);
            }
            memset(dk, 0, sizeof(float) * BC * dp * 2);
            for (int64_t hh = 0; hh < group; hh++) {
                const int64_t h = g * group + hh;
                const float *q = a->query + b * a->query_strides[0] + h * a->query_strides[1];
                const float *go = a->output_grad + b * a->output_grad_strides[0] + h * a->output_grad_strides[1];
                const float *lse = a->log_sum_exp + (b * a->query_heads + h) * a->query_length;
                float *dqout = a->query_grad + b * a->query_grad_strides[0] + h * a->query_grad_strides[1];
                for (int64_t row0 = r.q0; row0 < r.q1; row0 += BR) {
                    const int64_t m = (r.q1 - row0) < BR ? (r.q1 - row0) : BR, local_row0 = row0 - r.q0;
                    if (a->causal && local_c0 > local_row0 + m - 1 + offset) continue;
                    /* Full blocks with an unpadded head dimension are read in place. */
                    const float *qa = q + row0 * a->query_strides[2], *ga = go + row0 * a->output_grad_strides[2];
                    int64_t qld = a->query_strides[2], gld = a->output_grad_strides[2];
                    if (m < BR || d != dp) {
                        memset(qb, 0, sizeof(float) * BR * dp * 2);
                        for (int64_t i = 0; i < m; i++) {
                            memcpy(qb + i * dp, q + (row0 + i) * a->query_strides[2], sizeof(float) * d);
                            memcpy(gb + i * dp, go + (row0 + i) * a->output_grad_strides[2], sizeof(float) * d);
                        }
                        qa = qb; ga = gb; qld = gld = dp;
                    }
                    vans_gemm_nn(BR, BC, d, qa, qld, kt, BC, p, BC, 0);
                    vans_gemm_nn(BR, BC, d, ga, gld, vt, BC, ds, BC, 0);
                    for (int64_t i = 0; i < BR; i++) {
                        float *prow = p + i * BC, *dsrow = ds + i * BC;
                        int64_t limit = i < m ? n : 0;
                        if (a->causal && i < m) {
                            int64_t last = local_row0 + i + offset - local_c0 + 1;
                            if (last < limit) limit = last;
                        }
                        const float l = i < m ? lse[row0 + i] : -INFINITY;
                        if (limit <= 0 || l == -INFINITY) {
                            memset(prow, 0, sizeof(float) * BC);
                            memset(dsrow, 0, sizeof(float) * BC);
                            continue;
                        }
                        const vans_v8 sv = vans_splat8(a->scale), lv = vans_splat8(l);
                        const vans_v8 dl = vans_splat8(delta[hh * rows + local_row0 + i]);
                        const vans_v8i lim = (vans_v8i){0} + (int32_t)limit;
                        if (has_terms) row_score_terms(a, b, h, row0 + i, c0, n, terms);
                        for (int64_t j = 0; j < BC; j += 8) {
                            vans_v8 x = vans_load8(prow + j) * sv - lv;
                            if (has_terms) x += vans_load8(terms + j);
                            x = select8((vans_v8i){0} + (int32_t)j + iota < lim, x, ninf);
                            vans_v8 pv = vans_exp8_nonpos(x);
                            vans_store8(prow + j, pv);
                            vans_store8(dsrow + j, pv * (vans_load8(dsrow + j) - dl));
                        }
                        if (a->bias_grad) {
                            /* The score gradient is the bias gradient before broadcast reduction. */
                            float *grow = a->bias_grad + ((b * a->query_heads + h) * a->query_length + row0 + i) * a->kv_length + c0;
                            memcpy(grow, dsrow, sizeof(float) * n);
                        }
                    }
                    /* dV += Pᵀ·dO and dK += dSᵀ·Q, reading P and dS transposed in place. */
                    vans_gemm_tn(BC, dp, BR, p, BC, ga, gld, dv, dp, 1);
                    vans_gemm_tn(BC, dp, BR, ds, BC, qa, qld, dk, dp, 1);
                    vans_gemm_nn(BR, dp, BC, ds, BC, kb, dp, dq, dp, 0);
                    for (int64_t i = 0; i < m; i++) {
                        float *dqrow = dqout + (row0 + i) * a->query_grad_strides[2];
                        for (int64_t x = 0; x < d; x++) dqrow[x] += a->scale * dq[i * dp + x];
                    }
                }
            }
            for (int64_t j = 0; j < n; j++) {
                float *dkrow = dkout + (c0 + j) * a->key_grad_strides[2];
                float *dvrow = dvout + (c0 + j) * a->value_grad_strides[2];
                for (int64_t x = 0; x < d; x++) { dkrow[x] = a->scale * dk[j * dp + x]; dvrow[x] = dv[j * dp + x]; }
            }
        }
    }
}

VANS_MULTIVERSION(VANS_KERNEL_ATTENTION, attention_backward,
                  (const vans_attention_args *a, int64_t begin, int64_t end, float *scratch, float *delta),
                  (a, begin, end, scratch, delta))

int32_t vans_attention_backward(const vans_attention_args *a, int64_t begin, int64_t end) {
    if (begin >= end) return 0;
    int64_t longest = 0;
    for (int64_t s = 0; s < segments_of(a); s++) {
        segment_range r = segment_at(a, s);
        if (r.q1 - r.q0 > longest) longest = r.q1 - r.q0;
    }
    const int64_t group = a->query_heads / a->kv_heads;
    float *scratch = malloc(sizeof(float) * (backward_scratch(padded16(a->head_dim)) + group * longest + 1));
    if (!scratch) return -1;
    attention_backward(a, begin, end, scratch, scratch + backward_scratch(padded16(a->head_dim)));
    free(scratch);
    return 0;
}
