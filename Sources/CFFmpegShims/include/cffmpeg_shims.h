#ifndef CFFMPEG_SHIMS_H
#define CFFMPEG_SHIMS_H
#include <stdint.h>
/// FFmpeg macros Swift cannot import (AVERROR_EOF, AV_NOPTS_VALUE, ...).
int vans_averror_eof(void);
int vans_averror_eagain(void);
int64_t vans_av_nopts_value(void);
#endif
