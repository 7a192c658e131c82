#ifndef CFFMPEG_SHIMS_H
#define CFFMPEG_SHIMS_H
#include <stdint.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

/// FFmpeg macros Swift cannot import (AVERROR_EOF, AVERROR(EAGAIN), AV_NOPTS_VALUE, ...).
int vans_averror_eof(void);
int vans_averror_eagain(void);
int vans_averror_invaliddata(void);
int64_t vans_av_nopts_value(void);
int vans_av_time_base(void);

/// The 8 plane pointers of a frame, as a plain pointer (the struct field imports as a tuple).
uint8_t *const *vans_frame_planes(const AVFrame *frame);
/// The 8 line sizes of a frame, as a plain pointer.
const int *vans_frame_linesizes(const AVFrame *frame);

/// Returns `av_strerror`'s text for `code` in `buffer` (always NUL-terminated).
void vans_error_string(int code, char *buffer, size_t size);

/// Silences FFmpeg's own logging below `level` (AV_LOG_* values); idempotent.
void vans_set_log_level(int level);
int vans_log_level_fatal(void);
#endif
