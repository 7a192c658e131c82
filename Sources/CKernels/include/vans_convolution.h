#ifndef VANS_CONVOLUTION_H
#define VANS_CONVOLUTION_H
#include <stdint.h>

/// Geometry of one group of a 3D convolution (1D and 2D use size-1 leading axes).
/// `padding_front` is the zero padding before each axis; the padding behind is implied by
/// the output size (so causal temporal padding is padding_front[0] = 2·pad and no back padding).
typedef struct {
    int64_t channels;                    /* input channels in this group */
    int64_t in[3], out[3];               /* T, H, W */
    int64_t kernel[3], stride[3], dilation[3], padding_front[3];
} vans_convolution_geometry;

/// Unfolds input [channels, T, H, W] into columns [channels · kT · kH · kW, column_count] for
/// output positions [column_begin, column_begin + column_count) (flat over out T·H·W);
/// rows [row_begin, row_end) only (written at their own row), so callers can split the copy across threads.
void vans_vol2col(const vans_convolution_geometry *g, const float *input, float *columns,
                  int64_t column_begin, int64_t column_count, int64_t row_begin, int64_t row_end);

/// Adds columns [channels · kT · kH · kW, column_count] (output positions starting at
/// column_begin) back into input_grad [channels, T, H, W] for input channels
/// [channel_begin, channel_end): the transpose of vans_vol2col.
void vans_col2vol(const vans_convolution_geometry *g, const float *columns, float *input_grad,
                  int64_t column_begin, int64_t column_count, int64_t channel_begin, int64_t channel_end);

/// Copies rows [row_begin, row_end) of src [rows, small T, H, W] into dst [rows, big T, H, W] at offset
/// `front` per axis, zeroing the rest of each dst row (the padded input of the shifted-GEMM lowering).
void vans_conv_embed(const float *src, float *dst, const int64_t *small, const int64_t *big, const int64_t *front,
                     int64_t row_begin, int64_t row_end);

/// vans_conv_embed into a time-major dst [big T, rows, big H, big W] (row r of time step t at
/// (t · rows + r) · big H · big W), for rows [row_begin, row_end) of `rows`.
void vans_conv_embed_time_major(const float *src, float *dst, const int64_t *small, const int64_t *big, const int64_t *front,
                                int64_t rows, int64_t row_begin, int64_t row_end);

/// vans_conv_embed with explicit row strides (src row r at src + r · src_stride, dst row r at dst + r · dst_stride,
/// each dst row [big T, H, W]); `small` is the block copied (its T may be a window of a longer src row).
void vans_conv_embed_strided(const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *small,
                             const int64_t *big, const int64_t *front, int64_t row_begin, int64_t row_end);

/// The inverse: dst[row, t, h, w] = src[row, t + front[0], h + front[1], w + front[2]] (+ bias[row] when bias
/// is not NULL) for rows [row_begin, row_end); src is [rows, big T, H, W], dst [rows, small T, H, W].
void vans_conv_extract(const float *src, float *dst, const int64_t *big, const int64_t *small, const int64_t *front,
                       const float *bias, int64_t row_begin, int64_t row_end);

/// vans_conv_extract with explicit row strides (src row r at src + r · src_stride, dst row r at dst + r · dst_stride).
void vans_conv_extract_strided(const float *src, int64_t src_stride, float *dst, int64_t dst_stride, const int64_t *big,
                               const int64_t *small, const int64_t *front, const float *bias, int64_t row_begin, int64_t row_end);

/// Winograd F(2×2×2, 3×3×3) (winograd.c). The filter transform of weight [O, C, 3, 3, 3] for output channels
/// [o_begin, o_end) into transformed [64, O, C] (one [O, C] matrix per transformed point ξ).
void vans_winograd3d_filter(const float *weight, int64_t out_channels, int64_t in_channels, float *transformed,
                            int64_t o_begin, int64_t o_end);

/// The input transform of tiles [tile_begin, tile_begin + tile_count) (flat over `tiles` = [nT, nH, nW] 2×2×2 output
/// tiles) of a zero-padded input [channels, padded_shape] (tile i of an axis reads padded rows 2i…2i+3) into
/// v [channels, 64, block] (columns from 0; those past tile_count up to the next multiple of 8 are zeros): point ξ's
/// [channels, block] matrix starts at v + ξ · block with rows 64 · block apart, and one channel's 64 points are
/// contiguous for the transform's stores.
/// block ≥ tile_count rounded up to 8.
void vans_winograd3d_input(const float *padded, int64_t channels, const int64_t *padded_shape, const int64_t *tiles,
                           int64_t tile_begin, int64_t tile_count, int64_t block, float *v);

/// The output transform of m [out_channels, 64, block] (point ξ's [O, block] product at m + ξ · block, rows
/// 64 · block apart) for the same tiles into output channels `channel_stride` floats apart, each [out_shape]
/// (+ bias[o] when bias is not NULL); outputs past out_shape (odd sizes) are not written.
void vans_winograd3d_output(const float *m, int64_t out_channels, int64_t block, const int64_t *tiles,
                            int64_t tile_begin, int64_t tile_count, const float *bias, const int64_t *out_shape,
                            float *output, int64_t channel_stride);
#endif
