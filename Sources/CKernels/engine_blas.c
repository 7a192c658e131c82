/* OpenBLAS, loaded with dlopen at first use. OPENBLAS_CORETYPE is set first: Debian's 0.3.21 detects
 * Sapphire Rapids as Haswell and runs at about half speed, so on AVX-512 CPUs the engine asks for
 * the SkylakeX kernels unless the user chose a core type already; a VANS_CPU cap below AVX-512 asks
 * for Haswell (AVX2) or Prescott (SSE3) kernels instead. */
#include "ckernels.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*sbgemm_fn)(int, int, int, int, int, int, float, const uint16_t *, int, const uint16_t *, int,
                          float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_string_fn)(void);

static pthread_once_t vans_blas_once = PTHREAD_ONCE_INIT;
static sgemm_fn vans_cblas_sgemm;
static sbgemm_fn vans_cblas_sbgemm;
static set_threads_fn vans_set_threads;
static get_threads_fn vans_get_threads;
static get_string_fn vans_get_corename, vans_get_config;
static char vans_blas_path[512];
static char vans_blas_error[512];
static char vans_core_type[64];
/* Guards OpenBLAS's process-wide thread count: shared for calls, exclusive while it is changed. */
static pthread_rwlock_t vans_blas_threads_lock = PTHREAD_RWLOCK_INITIALIZER;

static void vans_blas_do_load(void) {
    const char *user_core = getenv("OPENBLAS_CORETYPE");
    /* The kernel level caps OpenBLAS too, so VANS_CPU=avx2 or baseline runs no wider code anywhere. */
    const int level = vans_cpu_level();
    const char *core = level == 2 ? "SkylakeX" : (vans_cpu_level_forced() ? (level == 1 ? "Haswell" : "Prescott") : NULL);
    if ((!user_core || !*user_core) && core) {
        setenv("OPENBLAS_CORETYPE", core, 0);
        snprintf(vans_core_type, sizeof vans_core_type, "%s", core);
    } else if (user_core && *user_core) {
        snprintf(vans_core_type, sizeof vans_core_type, "%s (from environment)", user_core);
    }
    const char *candidates[] = {getenv("VANS_BLAS_LIBRARY"), "libopenblas.so.0", "libopenblas.so",
                                "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "libopenblas.dylib"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !handle; i++) {
        if (!candidates[i] || !*candidates[i]) continue;
        handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) snprintf(vans_blas_path, sizeof vans_blas_path, "%s", candidates[i]);
    }
    if (!handle) {
        snprintf(vans_blas_error, sizeof vans_blas_error,
                 "could not load OpenBLAS (tried $VANS_BLAS_LIBRARY, libopenblas.so.0, libopenblas.so): %s; "
                 "install Debian's libopenblas0", dlerror());
        return;
    }
    vans_cblas_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    vans_cblas_sbgemm = (sbgemm_fn)dlsym(handle, "cblas_sbgemm");
    vans_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    vans_get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    vans_get_corename = (get_string_fn)dlsym(handle, "openblas_get_corename");
    vans_get_config = (get_string_fn)dlsym(handle, "openblas_get_config");
    if (!vans_cblas_sgemm)
        snprintf(vans_blas_error, sizeof vans_blas_error, "%s does not export cblas_sgemm", vans_blas_path);
}

int vans_blas_load(char *error, size_t error_capacity) {
    pthread_once(&vans_blas_once, vans_blas_do_load);
    if (vans_cblas_sgemm) return 0;
    if (error && error_capacity) snprintf(error, error_capacity, "%s", vans_blas_error);
    return 1;
}

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

void vans_sgemm_unlocked(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
                         const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    vans_cblas_sgemm(ROW_MAJOR, transpose_a ? TRANS : NO_TRANS, transpose_b ? TRANS : NO_TRANS, (int)m, (int)n,
                     (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

void vans_sgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    pthread_rwlock_rdlock(&vans_blas_threads_lock);
    vans_sgemm_unlocked(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    pthread_rwlock_unlock(&vans_blas_threads_lock);
}

void vans_blas_lock_shared(void) { pthread_rwlock_rdlock(&vans_blas_threads_lock); }
void vans_blas_unlock_shared(void) { pthread_rwlock_unlock(&vans_blas_threads_lock); }

void vans_blas_single_threaded_begin(void) {
    pthread_rwlock_wrlock(&vans_blas_threads_lock);
    if (vans_set_threads) vans_set_threads(1);
}

void vans_blas_single_threaded_end(int count) {
    if (vans_set_threads) vans_set_threads(count);
    pthread_rwlock_unlock(&vans_blas_threads_lock);
}

void vans_sbgemm(int transpose_a, int transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t *a,
                 int64_t lda, const uint16_t *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    pthread_rwlock_rdlock(&vans_blas_threads_lock);
    vans_cblas_sbgemm(ROW_MAJOR, transpose_a ? TRANS : NO_TRANS, transpose_b ? TRANS : NO_TRANS, (int)m, (int)n,
                      (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    pthread_rwlock_unlock(&vans_blas_threads_lock);
}

const char *vans_blas_library_path(void) { return vans_blas_path; }
const char *vans_blas_core_name(void) { return vans_get_corename ? vans_get_corename() : ""; }
const char *vans_blas_config(void) { return vans_get_config ? vans_get_config() : ""; }
const char *vans_blas_chosen_core_type(void) { return vans_core_type; }
void vans_blas_set_threads(int count) {
    if (!vans_set_threads) return;
    pthread_rwlock_wrlock(&vans_blas_threads_lock);
    vans_set_threads(count);
    pthread_rwlock_unlock(&vans_blas_threads_lock);
}
int vans_blas_threads(void) { return vans_get_threads ? vans_get_threads() : 0; }
int vans_blas_has_sbgemm(void) { return vans_cblas_sbgemm != NULL; }
