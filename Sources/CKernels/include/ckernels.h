#ifndef CKERNELS_H
#define CKERNELS_H
/* The engine's C kernels. Every kernel that can be threaded takes a work range
 * [start, end) so the Swift side (Tensor's parallel-for) partitions the work. */
#include <stdint.h>
#include <stddef.h>

/* ---- CPU features ---- */
/// Returns non-zero when the CPU and OS support AVX-512F (checked with CPUID/XGETBV at run time).
int vans_cpu_has_avx512f(void);
/// Non-zero when the CPU supports AVX-512 BF16 (vdpbf16ps) and the OS saves ZMM state.
int vans_cpu_has_avx512bf16(void);
/// Non-zero when the CPU supports AVX2 and FMA and the OS saves YMM state.
int vans_cpu_has_avx2(void);
/// Non-zero when the CPU supports F16C.
int vans_cpu_has_f16c(void);
/// A spin-wait hint (x86 `pause`): lets the sibling hyper-thread run and saves power while spinning.
void vans_cpu_relax(void);

/* ---- kernel levels: 0 baseline, 1 AVX2+FMA, 2 AVX-512 (F/BW/DQ/VL) ---- */
/// Families of multi-versioned kernels, each of which may prefer a narrower level on some CPUs.
enum VansKernelFamily {
    VANS_KERNEL_VECTOR_MATH = 0, /* exp/tanh/erf through libmvec: activations, softmax */
    VANS_KERNEL_ATTENTION = 1,
    VANS_KERNEL_NORMALIZATION = 2,
    VANS_KERNEL_ROTARY = 3,
    VANS_KERNEL_CONVOLUTION = 4,
    VANS_KERNEL_CONVERSION = 5, /* float32 <-> bf16/f16 */
    VANS_KERNEL_FAMILY_COUNT = 6
};
/// The highest level this CPU (and OS) supports.
int vans_cpu_detected_level(void);
/// The level in force: the detected one, capped by VANS_CPU=baseline|avx2|avx512|auto (read once).
int vans_cpu_level(void);
/// Non-zero when VANS_CPU named a level, so every family runs at exactly vans_cpu_level().
int vans_cpu_level_forced(void);
/// The level VANS_CPU asked for (-1: auto or unset); may exceed the detected level, which then applies.
int vans_cpu_level_requested(void);
/// Non-zero when VANS_CPU held a value other than baseline, avx2, avx512 or auto (treated as auto).
int vans_cpu_level_request_invalid(void);
/// The level a kernel family runs at: vans_cpu_level(), or 1 where the family is faster at 256 bits
/// on this CPU and the level was not forced.
int vans_cpu_kernel_level(int family);

/* ---- dtype conversion (round to nearest even as PyTorch; bf16 NaN -> 0xFFFF like ATen's vector path) ---- */
void vans_f32_to_bf16(const float *src, uint16_t *dst, int64_t count);
void vans_bf16_to_f32(const uint16_t *src, float *dst, int64_t count);
void vans_f32_to_f16(const float *src, uint16_t *dst, int64_t count);
void vans_f16_to_f32(const uint16_t *src, float *dst, int64_t count);
/// Scalar reference conversions (also used for tails).
uint16_t vans_f32_to_bf16_scalar(float value);
uint16_t vans_f32_to_f16_scalar(float value);
float vans_f16_to_f32_scalar(uint16_t value);

/* ---- products against low-precision weights ---- */
/// y[i, r] = Σ_p x[i, p]·w[r, p] for i < m and weight rows r in [row_begin, row_end): x [m, k] float32
/// contiguous, w [n, k] bfloat16 (w_dtype VANS_BF16) or float16 (VANS_F16) contiguous, y [m, n] float32.
/// The weight is widened a few rows at a time into a small buffer, never copied whole. Returns non-zero
/// only when the small buffer cannot be allocated.
int vans_linear_lowp_rows(const float *x, int64_t m, int64_t k, const uint16_t *w, int w_dtype, float *y, int64_t n,
                          int64_t row_begin, int64_t row_end);

/* ---- bfloat16 GEMM with AVX512-BF16 (vdpbf16ps) ---- */
/// Non-zero where the CPU has AVX512-BF16 and the kernel level is AVX-512 (VANS_CPU not below it).
int vans_gemm_bf16_available(void);
/// bf16 elements of B [k, n] packed into 32-column panels of k-pairs.
int64_t vans_gemm_bf16_packed_count(int64_t k, int64_t n);
/// Packs panels [panel_begin, panel_end) of B (row-major, ldb) for vans_gemm_bf16_rows; edges zero-padded.
void vans_gemm_bf16_pack_b(const uint16_t *b, int64_t ldb, int64_t k, int64_t n, uint16_t *packed,
                           int64_t panel_begin, int64_t panel_end);
/// C rows [row_begin, row_end) = A · B in float32 (A bf16 row-major with lda, B packed, C row-major with ldc).
/// Returns non-zero when its small buffer cannot be allocated.
int vans_gemm_bf16_rows(const uint16_t *a, int64_t lda, int64_t k, const uint16_t *packed, int64_t n, float *c,
                         int64_t ldc, int64_t row_begin, int64_t row_end);

/* ---- strided copy: dst[linear i] (strided dst) = src (strided), for i in [start, end) of the
 * element order given by shape; element_size is 1, 2, 4 or 8 bytes; strides in elements. ---- */
void vans_copy_strided(const void *src, const int64_t *src_strides, void *dst, const int64_t *dst_strides,
                       int64_t element_size, int ndim, const int64_t *shape, int64_t start, int64_t end);
/// Converts between element types while copying with strides (codes: see VansDType).
void vans_convert_strided(const void *src, int src_dtype, const int64_t *src_strides, void *dst, int dst_dtype,
                          int ndim, const int64_t *shape, int64_t start, int64_t end);
enum VansDType { VANS_F32 = 0, VANS_BF16 = 1, VANS_F16 = 2, VANS_I32 = 3, VANS_I64 = 4, VANS_BOOL = 5 };

/* ---- elementwise float32 ---- */
enum VansUnary {
    VANS_NEG = 0, VANS_EXP, VANS_LOG, VANS_SQRT, VANS_RSQRT, VANS_TANH, VANS_SIGMOID, VANS_ERF, VANS_ABS,
    VANS_RELU, VANS_SILU, VANS_GELU_ERF, VANS_GELU_TANH, VANS_QUICK_GELU, VANS_POW_SCALAR, VANS_CLAMP,
    VANS_MUL_SCALAR, VANS_ADD_SCALAR, VANS_SQUARE, VANS_RECIPROCAL, VANS_SIN, VANS_COS
};
/// y[i] = op(x[i]) for i in [start, end); p0/p1 parameterise pow (exponent), clamp (low, high), scalar ops.
void vans_unary_f32(int op, const float *x, float *y, float p0, float p1, int64_t start, int64_t end);
/// gx[i] = g[i] * op'(x[i]) (y is the forward output, used where cheaper).
void vans_unary_backward_f32(int op, const float *x, const float *y, const float *g, float *gx, float p0,
                             float p1, int64_t start, int64_t end);

enum VansBinary { VANS_ADD = 0, VANS_SUB, VANS_MUL, VANS_DIV, VANS_POW, VANS_MAXIMUM, VANS_MINIMUM };
enum VansCompare { VANS_EQ = 0, VANS_NE, VANS_LT, VANS_LE, VANS_GT, VANS_GE };
/// out[i] (contiguous) = a op b with broadcasting strides (0 on broadcast axes), i in [start, end).
void vans_binary_f32(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                     float *out, int ndim, const int64_t *shape, int64_t start, int64_t end);
void vans_compare_f32(int op, const float *a, const int64_t *a_strides, const float *b, const int64_t *b_strides,
                      uint8_t *out, int ndim, const int64_t *shape, int64_t start, int64_t end);
/// out[i] = condition[i] ? a[i] : b[i], all contiguous, i in [start, end).
void vans_where_f32(const uint8_t *condition, const float *a, const float *b, float *out, int64_t start, int64_t end);

/* ---- reductions over x viewed as [outer, reduce, inner] (contiguous); out is [outer, inner].
 * The range is over outer rows. ---- */
void vans_reduce_sum_f32(const float *x, int64_t reduce, int64_t inner, float *out, int64_t start, int64_t end);
/// mode 0 = max, 1 = min; writes the value and (if indices != NULL) the first index of it.
void vans_reduce_extreme_f32(const float *x, int64_t reduce, int64_t inner, int mode, float *out,
                             int64_t *indices, int64_t start, int64_t end);
/// Row-wise softmax / log-softmax over contiguous rows of length n (rows in [start, end)).
void vans_softmax_rows_f32(const float *x, float *y, int64_t n, int log_space, int64_t start, int64_t end);
/// Backward of softmax (log_space = 0: gx = y (g - sum g y)) or log-softmax (gx = g - exp(y) sum g).
void vans_softmax_backward_rows_f32(const float *y, const float *g, float *gx, int64_t n, int log_space,
                                    int64_t start, int64_t end);

/* ---- indexing over [outer, axis, inner] layouts; indices are int64, already bounds-checked ---- */
/// out[o, j, i] = x[o, index[j], i] with x [outer, axis, inner], out [outer, count, inner]; range over outer.
void vans_index_select_f32(const float *x, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                           float *out, int64_t start, int64_t end);
/// out[o, index[j], i] += src[o, j, i]; range over outer (rows of one outer slice never race).
void vans_index_add_f32(float *out, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                        const float *src, int64_t start, int64_t end);
/// torch.gather along the middle axis: out[o, j, i] = x[o, index[o, j, i], i]; x [outer, axis, inner].
void vans_gather_f32(const float *x, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                     float *out, int64_t start, int64_t end);
/// torch.scatter_add_ along the middle axis: out[o, index[o, j, i], i] += src[o, j, i].
void vans_scatter_add_f32(float *out, int64_t axis, int64_t inner, const int64_t *index, int64_t count,
                          const float *src, int64_t start, int64_t end);

/* ---- counter-based random numbers (Philox4x32-10): element i depends only on (seed, offset + i),
 * so results are identical for any thread partition. ---- */
void vans_random_uniform_f32(uint64_t seed, uint64_t offset, float *out, float low, float high, int64_t start,
                             int64_t end);
void vans_random_normal_f32(uint64_t seed, uint64_t offset, float *out, float mean, float std, int64_t start,
                            int64_t end);
/// Raw 32-bit random words.
void vans_random_bits_u32(uint64_t seed, uint64_t offset, uint32_t *out, int64_t start, int64_t end);

/* ---- BLAS (OpenBLAS loaded with dlopen at first use) ---- */
/// Loads the BLAS library (once). Returns 0 on success; otherwise writes a message into error.
int vans_blas_load(char *error, size_t error_capacity);
/// Row-major sgemm: C = alpha op(A) op(B) + beta C. Requires a successful vans_blas_load. Runs under the shared
/// side of the BLAS thread-count lock, so it always sees the configured thread count (see below).
void vans_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// The loaded library path, OpenBLAS core name and configuration (empty until loaded).
const char *vans_blas_library_path(void);
const char *vans_blas_core_name(void);
const char *vans_blas_config(void);
/// OPENBLAS_CORETYPE as chosen by the engine (empty when left to OpenBLAS).
const char *vans_blas_chosen_core_type(void);
/// OpenBLAS's thread count is one process-wide setting, and its results depend on it (threads split the
/// work at different boundaries). A kernel that runs single-threaded sgemms on the engine's own workers
/// switches it to 1 inside a section that holds the lock exclusively; every other BLAS call holds it shared, so
/// no call ever sees another thread's switch (concurrent callers get the same numbers as a lone caller).
void vans_blas_set_threads(int count);
int vans_blas_threads(void);
/// Takes the lock exclusively and sets 1 thread; _end restores `count` threads and releases it.
void vans_blas_single_threaded_begin(void);
void vans_blas_single_threaded_end(int count);
/// The shared side, for a caller that issues vans_sgemm_unlocked calls itself.
void vans_blas_lock_shared(void);
void vans_blas_unlock_shared(void);
/// sgemm without taking the lock: only inside a single-threaded section (from any of its workers) or while
/// holding the shared side.
void vans_sgemm_unlocked(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);
/// Non-zero when the loaded library exports cblas_sbgemm.
int vans_blas_has_sbgemm(void);
/// Row-major bf16 gemm with float32 output via cblas_sbgemm (only when vans_blas_has_sbgemm()).
void vans_sbgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t *a,
                 int64_t lda, const uint16_t *b, int64_t ldb, float beta, float *c, int64_t ldc);

#endif
