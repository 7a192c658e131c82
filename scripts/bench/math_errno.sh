#!/usr/bin/env bash
# What the C kernels' compile flags cost: times a few elementwise kernels built the way SwiftPM builds them
# for a package that depends on VANS (-O2 release, -O0 debug) against this repository's own flags
# (scripts/c-kernel-flags: -O3 -fno-math-errno). Best of 15 runs over 4M floats, one thread.
set -euo pipefail
cd "$(dirname "$0")/../.."
kernels=Sources/CKernels
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/driver.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ckernels.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(void) {
    int64_t n = 1 << 22;
    float *x = malloc(n * 4), *y = malloc(n * 4);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(i % 1000) * 0.01f + 0.5f;
    const char *names[] = {"sqrt", "rsqrt", "pow_scalar", "abs", "silu"};
    int ops[] = {VANS_SQRT, VANS_RSQRT, VANS_POW_SCALAR, VANS_ABS, VANS_SILU};
    for (int k = 0; k < 5; k++) {
        double best = 1e9;
        for (int r = 0; r < 15; r++) {
            double t = now();
            vans_unary_f32(ops[k], x, y, 1.5f, 0, 0, n);
            t = now() - t;
            if (t < best) best = t;
        }
        printf(" %s %.2f ms", names[k], best * 1e3);
    }
    printf("\n");
    return y[0] == 12345.0f;
}
C
for flags in "-O0" "-O2" "$(sed 's/-Xcc //g' scripts/c-kernel-flags)"; do
    for source in engine_elementwise engine_vmath cpu; do
        clang $flags -I$kernels/include -I$kernels/internal -c $kernels/$source.c -o "$work/$source.o"
    done
    clang -O2 -I$kernels/include "$work/driver.c" "$work"/*.o -lm -lmvec -o "$work/bench"
    printf '%-22s' "$flags:"
    "$work/bench"
done
