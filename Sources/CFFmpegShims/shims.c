#include "cffmpeg_shims.h"
#include <libavutil/error.h>
#include <libavutil/avutil.h>
#include <errno.h>
int vans_averror_eof(void) { return AVERROR_EOF; }
int vans_averror_eagain(void) { return AVERROR(EAGAIN); }
int64_t vans_av_nopts_value(void) { return AV_NOPTS_VALUE; }
