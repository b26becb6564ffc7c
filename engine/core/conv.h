/* conv.h: two-dimensional convolution and pooling, forward and backward, the layers that Part VI
 * (convolution, a small convolutional network) builds on.
 *
 * Shape legend (llm.c style; every buffer below carries its shape):
 *   B        images in a batch
 *   C        input channels; K output channels (kernels)
 *   H, W     input height and width; R, S kernel height and width
 *   OH, OW   output height and width, from the output-size formula (conv_out_size)
 *   p, s, d  zero padding (added on every side), stride, dilation
 * Every buffer is row-major doubles: image b, channel c, row y, column x of a (B, C, H, W) buffer
 * is at [((b * C + c) * H + y) * W + x].
 *
 * A convolution layer (a cross-correlation, as every deep-learning library computes it; the
 * chapter explains the name) computes
 *   out[b, k, i, j] = bias[k] + sum_{c, r, t} w[k, c, r, t] in[b, c, i s + r d - p, j s + t d - p]
 * where an input index outside [0, H) x [0, W) reads the zero padding.
 * Pooling slides a window of side k with stride s over each channel (no padding) and keeps its
 * largest value (max) or its mean (average).
 *
 * Determinism: every sum runs in one fixed order. The inner loops that pay for SIMD (a row of
 * outputs at stride 1, the kernel gradient's dot products) are written with wasm SIMD intrinsics
 * under -msimd128 and as plain C otherwise, lane for lane the same operations in the same order,
 * so a run gives the same bits natively and in wasm. No allocation. */
#ifndef MLM_CONV_H
#define MLM_CONV_H

#include <stdint.h>

/* The output-size formula: floor((n + 2p - d (k - 1) - 1) / s) + 1 positions of a kernel of side k
   with dilation d along an input of n (padded by p on both sides) at stride s; 0 when the dilated
   kernel, d (k - 1) + 1 wide, does not fit in n + 2p, or when an argument is out of range
   (n, k, s, d >= 1, p >= 0). */
int conv_out_size(int n, int k, int pad, int stride, int dil);

typedef struct {
    int C, H, W;           /* input channels, height, width */
    int K, R, S;           /* output channels, kernel height, width */
    int pad, stride, dil;  /* p, s, d */
    int OH, OW;            /* set by conv2d_shape_init */
} conv2d_shape;

/* Fill OH and OW from the formula; 0, or -1 when the output would be empty. */
int conv2d_shape_init(conv2d_shape *s);
/* Parameters of the layer: K C R S weights and K biases. */
int conv2d_params(const conv2d_shape *s);

/* out (B, K, OH, OW) = the convolution of in (B, C, H, W) with w (K, C, R, S) plus bias (K,). */
void conv2d_forward(double *out, const double *in, const double *w, const double *bias, int B,
                    const conv2d_shape *s);
/* Given dout (B, K, OH, OW) = dL/dout for the forward pass on `in`, overwrite dw (K, C, R, S) and
   dbias (K,) with dL/dw and dL/dbias summed over the batch, and, if din is not NULL, din
   (B, C, H, W) with dL/din. */
void conv2d_backward(double *din, double *dw, double *dbias, const double *dout, const double *in,
                     const double *w, int B, const conv2d_shape *s);

enum { POOL_MAX = 0, POOL_AVG = 1 };

typedef struct {
    int C, H, W;       /* channels, input height, width */
    int k, stride;     /* window side, stride */
    int kind;          /* POOL_MAX or POOL_AVG */
    int OH, OW;        /* set by pool_shape_init: conv_out_size(H, k, 0, stride, 1) */
} pool_shape;

int pool_shape_init(pool_shape *s);

/* out (B, C, OH, OW): each window's maximum or mean. For max pooling, arg (B, C, OH, OW) receives
   the index y W + x within its channel of the input each maximum came from (the first, in
   reading order, of equal values); arg may be NULL for average pooling or when no backward pass
   follows. */
void pool_forward(double *out, int32_t *arg, const double *in, int B, const pool_shape *s);
/* din (B, C, H, W) = dL/din given dout (B, C, OH, OW): max pooling passes each output's gradient
   to the input it came from (arg of the forward pass), average pooling shares it equally among
   the window's k^2 inputs; overlapping windows add. */
void pool_backward(double *din, const double *dout, const int32_t *arg, int B,
                   const pool_shape *s);

#endif
