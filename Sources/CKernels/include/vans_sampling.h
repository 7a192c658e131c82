#ifndef VANS_SAMPLING_H
#define VANS_SAMPLING_H
#include <stdint.h>

/// Shape of a 3D pooling or resampling over contiguous planes [planes, T, H, W].
typedef struct {
    int64_t in[3], out[3];
    int64_t kernel[3], stride[3], padding[3]; /* pooling only */
} vans_volume_geometry;

/// Average pooling (zero padding counted in the divisor, as PyTorch's default) for planes [begin, end).
void vans_avg_pool3d_forward(const vans_volume_geometry *g, const float *x, float *y, int64_t begin, int64_t end);
/// Adds the average-pooling input gradient of planes [begin, end) into x_grad.
void vans_avg_pool3d_backward(const vans_volume_geometry *g, const float *y_grad, float *x_grad, int64_t begin, int64_t end);
/// Max pooling (padding is -inf) for planes [begin, end); `indices` gets each maximum's flat
/// position inside its input plane (first maximum wins, NaN propagates).
void vans_max_pool3d_forward(const vans_volume_geometry *g, const float *x, float *y, int64_t *indices, int64_t begin, int64_t end);
/// Adds the max-pooling input gradient of planes [begin, end) into x_grad.
void vans_max_pool3d_backward(const vans_volume_geometry *g, const float *y_grad, const int64_t *indices, float *x_grad,
                              int64_t begin, int64_t end);

/// Interpolation modes (align_corners = False, as PyTorch's default).
typedef enum {
    VANS_RESAMPLE_NEAREST = 0,       /* src = floor(dst · scale) */
    VANS_RESAMPLE_NEAREST_EXACT = 1, /* src = floor((dst + 0.5) · scale) */
    VANS_RESAMPLE_LINEAR = 2,        /* trilinear; src = (dst + 0.5) · scale - 0.5, clamped at 0 */
} vans_resample_mode;

/// Resamples planes [begin, end) from g->in to g->out; `scale[axis]` is the source step per
/// output step (in/out, or 1/scale_factor when PyTorch is given a scale factor).
void vans_resample3d_forward(const vans_volume_geometry *g, const double scale[3], vans_resample_mode mode,
                             const float *x, float *y, int64_t begin, int64_t end);
/// Adds the resampling input gradient of planes [begin, end) into x_grad.
void vans_resample3d_backward(const vans_volume_geometry *g, const double scale[3], vans_resample_mode mode,
                              const float *y_grad, float *x_grad, int64_t begin, int64_t end);
#endif
