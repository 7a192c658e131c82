#ifndef VANS_NORMALIZATION_H
#define VANS_NORMALIZATION_H
#include <stdint.h>

/// RMSNorm over the last dimension of contiguous rows [rows, dim] for rows [begin, end):
/// y = x · rsqrt(mean(x²) + eps) · weight (weight may be NULL).
void vans_rms_norm_forward(const float *x, const float *weight, float *y, int64_t dim, float eps,
                           int64_t begin, int64_t end);
/// RMSNorm backward for rows [begin, end): writes x_grad (may be NULL) and adds this
/// range's weight gradient into weight_grad_partial (may be NULL; one buffer per range,
/// summed by the caller, so ranges never race).
void vans_rms_norm_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                            float *weight_grad_partial, int64_t dim, float eps, int64_t begin, int64_t end);

/// LayerNorm over the last dimension: y = (x - mean) · rstd · weight + bias (either may be NULL).
void vans_layer_norm_forward(const float *x, const float *weight, const float *bias, float *y,
                             int64_t dim, float eps, int64_t begin, int64_t end);
/// LayerNorm backward for rows [begin, end); weight/bias gradients go into per-range partials.
void vans_layer_norm_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                              float *weight_grad_partial, float *bias_grad_partial,
                              int64_t dim, float eps, int64_t begin, int64_t end);

/// GroupNorm of contiguous [batch, channels, spatial] for (batch, group) tasks [begin, end)
/// (task = n · groups + g); per-channel affine weight/bias may be NULL.
void vans_group_norm_forward(const float *x, const float *weight, const float *bias, float *y,
                             int64_t channels, int64_t spatial, int64_t groups, float eps,
                             int64_t begin, int64_t end);
/// GroupNorm backward for tasks [begin, end); per-channel gradients go into per-range partials.
void vans_group_norm_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                              float *weight_grad_partial, float *bias_grad_partial,
                              int64_t channels, int64_t spatial, int64_t groups, float eps,
                              int64_t begin, int64_t end);
#endif
