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

/// The libx264 `asm` setting that makes its output the same on every machine, or NULL to leave
/// libx264's own detection. libx264's bitstream depends on which of its assembly levels runs (its
/// C and SSE2 paths encode differently from SSE4 and above), and its AVX-512 paths read uninitialised
/// memory, so the same frames encoded on an AVX-512 machine gave different bytes from run to run.
/// Where the CPU has the AVX2 set (AVX2, FMA3, BMI1/2, LZCNT, with OS support) this returns "AVX2",
/// which every machine of that kind runs identically.
const char *vans_x264_reproducible_asm(void);

/// Returns `av_strerror`'s text for `code` in `buffer` (always NUL-terminated).
void vans_error_string(int code, char *buffer, size_t size);

/// Silences FFmpeg's own logging below `level` (AV_LOG_* values); idempotent.
void vans_set_log_level(int level);
int vans_log_level_fatal(void);
#endif
