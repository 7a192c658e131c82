// Top-k by a bounded heap (O(n log k), so k ≪ n never sorts the row), drawing from weights, and
// cumulative sums.
#include "vans_selection.h"
#include <math.h>
#include <stdlib.h>

/// Whether (a, ia) ranks before (b, ib): by value (NaN first when largest, last when smallest, as
/// torch.sort places NaN above every number), then by lower index, so the order is total and the
/// result does not depend on the scan.
static inline int ranks_before(float a, int64_t ia, float b, int64_t ib, int largest) {
    const int na = isnan(a), nb = isnan(b);
    if (na || nb) {
        if (na && nb) return ia < ib;
        return largest ? na : nb;
    }
    if (a != b) return largest ? a > b : a < b;
    return ia < ib;
}

/// Restores the heap property (worst-ranked entry at the root) below `slot`.
static void sift_down(float *values, int64_t *indices, int64_t size, int64_t slot, int largest) {
    for (;;) {
        const int64_t left = 2 * slot + 1, right = left + 1;
        int64_t worst = slot;
        if (left < size && ranks_before(values[worst], indices[worst], values[left], indices[left], largest)) worst = left;
        if (right < size && ranks_before(values[worst], indices[worst], values[right], indices[right], largest)) worst = right;
        if (worst == slot) return;
        const float v = values[slot]; values[slot] = values[worst]; values[worst] = v;
        const int64_t i = indices[slot]; indices[slot] = indices[worst]; indices[worst] = i;
        slot = worst;
    }
}

static int by_index(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void top_k_row(const float *x, int64_t n, int64_t k, int largest, int sorted, float *values, int64_t *indices) {
    if (k == 0) return;
    /* A heap of the best k seen so far, worst at the root. */
    for (int64_t i = 0; i < k; i++) { values[i] = x[i]; indices[i] = i; }
    for (int64_t slot = k / 2; slot-- > 0;) sift_down(values, indices, k, slot, largest);
    for (int64_t i = k; i < n; i++) {
        if (!ranks_before(x[i], i, values[0], indices[0], largest)) continue;
        values[0] = x[i]; indices[0] = i;
        sift_down(values, indices, k, 0, largest);
    }
    if (sorted) {
        /* Heap sort in place: repeatedly move the worst to the end, leaving the best first. */
        for (int64_t size = k; size > 1; size--) {
            const float v = values[0]; values[0] = values[size - 1]; values[size - 1] = v;
            const int64_t i = indices[0]; indices[0] = indices[size - 1]; indices[size - 1] = i;
            sift_down(values, indices, size - 1, 0, largest);
        }
        return;
    }
    qsort(indices, (size_t)k, sizeof(int64_t), by_index);
    for (int64_t i = 0; i < k; i++) values[i] = x[indices[i]];
}

void vans_top_k_rows_f32(const float *x, int64_t n, int64_t k, int largest, int sorted, float *values,
                         int64_t *indices, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) top_k_row(x + r * n, n, k, largest, sorted, values + r * k, indices + r * k);
}

int vans_weights_status(const float *weights, int64_t n) {
    int any = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!(weights[i] >= 0.0f) || isinf(weights[i])) return 1;
        any |= weights[i] > 0.0f;
    }
    return any ? 0 : 2;
}

int64_t vans_weights_draw(const float *weights, int64_t n, uint32_t word) {
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) total += (double)weights[i];
    const double target = (double)word / 4294967296.0 * total;
    double running = 0.0;
    int64_t chosen = n - 1;
    for (int64_t i = 0; i < n; i++) {
        if (!(weights[i] > 0.0f)) continue;
        running += (double)weights[i];
        if (target < running) return i;
        chosen = i; /* rounding can leave target at the total: the last positive weight */
    }
    return chosen;
}

void vans_cumulative_sum_f32(const float *x, float *out, int64_t n, int64_t inner, int reverse, int64_t begin, int64_t end) {
    double running[256];
    for (int64_t o = begin; o < end; o++) {
        const float *source = x + o * n * inner;
        float *target = out + o * n * inner;
        for (int64_t j0 = 0; j0 < inner; j0 += 256) {
            const int64_t width = inner - j0 < 256 ? inner - j0 : 256;
            for (int64_t j = 0; j < width; j++) running[j] = 0.0;
            for (int64_t step = 0; step < n; step++) {
                const int64_t i = reverse ? n - 1 - step : step;
                for (int64_t j = 0; j < width; j++) {
                    running[j] += (double)source[i * inner + j0 + j];
                    target[i * inner + j0 + j] = (float)running[j];
                }
            }
        }
    }
}
