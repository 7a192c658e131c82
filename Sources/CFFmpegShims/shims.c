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
