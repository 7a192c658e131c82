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

/* ---- the same norms over a middle axis: x viewed as [outer, dim, inner] (contiguous), normalised over dim
 * for every (outer, inner) column, read in place with stride `inner` (no transposed copy). Work is split
 * into tasks of up to VANS_NORM_COLUMN_BLOCK adjacent columns of one outer slice:
 * task = o · ceil(inner / VANS_NORM_COLUMN_BLOCK) + block, for tasks [begin, end). ---- */
#define VANS_NORM_COLUMN_BLOCK 64
/// RMSNorm over dim (center = 0) or LayerNorm (center != 0), with optional affine weight/bias of length dim.
void vans_norm_columns_forward(const float *x, const float *weight, const float *bias, float *y, int64_t dim,
                               int64_t inner, int center, float eps, int64_t begin, int64_t end);
/// Backward of vans_norm_columns_forward: writes x_grad and adds weight/bias gradients (length dim) into
/// this range's partial buffers (either may be NULL).
void vans_norm_columns_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                                float *weight_grad_partial, float *bias_grad_partial, int64_t dim, int64_t inner,
                                int center, float eps, int64_t begin, int64_t end);

/// GroupNorm with the channels at any axis after the batch: x viewed as [batch, outer, channels, inner]
/// (contiguous; outer = 1, inner = spatial is the [N, C, ...] case, inner = 1 channels-last), read in
/// place, for (batch, group) tasks [begin, end) (task = n · groups + g); statistics summed in double.
void vans_group_norm_strided_forward(const float *x, const float *weight, const float *bias, float *y, int64_t outer,
                                     int64_t channels, int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end);
/// Its backward; per-channel gradients (indexed by absolute channel) go into per-range partials.
void vans_group_norm_strided_backward(const float *x, const float *weight, const float *y_grad, float *x_grad,
                                      float *weight_grad_partial, float *bias_grad_partial, int64_t outer, int64_t channels,
                                      int64_t inner, int64_t groups, float eps, int64_t begin, int64_t end);
#endif
