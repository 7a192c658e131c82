// Small C wrappers for FFmpeg macros and tuple-typed fields that Swift cannot import directly.
#include "cffmpeg_shims.h"
#include <libavutil/error.h>
#include <libavutil/avutil.h>
#include <libavutil/log.h>
#include <errno.h>
#include <string.h>
#include <stdio.h>

int vans_averror_eof(void) { return AVERROR_EOF; }
int vans_averror_eagain(void) { return AVERROR(EAGAIN); }
int vans_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
int64_t vans_av_nopts_value(void) { return AV_NOPTS_VALUE; }
int vans_av_time_base(void) { return AV_TIME_BASE; }

uint8_t *const *vans_frame_planes(const AVFrame *frame) { return frame->data; }
const int *vans_frame_linesizes(const AVFrame *frame) { return frame->linesize; }

void vans_error_string(int code, char *buffer, size_t size) {
    if (size == 0) return;
    if (av_strerror(code, buffer, size) < 0) {
        snprintf(buffer, size, "unknown FFmpeg error %d", code);
    }
    buffer[size - 1] = 0;
}

void vans_set_log_level(int level) { av_log_set_level(level); }
int vans_log_level_fatal(void) { return AV_LOG_FATAL; }

#if defined(__x86_64__)
#include <cpuid.h>
const char *vans_x264_reproducible_asm(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return NULL;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!fma || !osxsave || !avx) return NULL;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return NULL; /* XMM and YMM state saved by the OS */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NULL;
    const int bmi1 = (b >> 3) & 1, avx2 = (b >> 5) & 1, bmi2 = (b >> 8) & 1;
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d)) return NULL;
    const int lzcnt = (c >> 5) & 1;
    return bmi1 && avx2 && bmi2 && lzcnt ? "AVX2" : NULL;
}
#else
const char *vans_x264_reproducible_asm(void) { return NULL; }
#endif
