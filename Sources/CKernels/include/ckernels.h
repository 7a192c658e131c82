#ifndef CKERNELS_H
#define CKERNELS_H
#include <stdint.h>
/// Returns non-zero when the CPU and OS support AVX-512F (checked with CPUID/XGETBV at run time).
int vans_cpu_has_avx512f(void);
#endif
