/* conv.c: the convolution and pooling layers of conv.h, each a _forward / _backward pair.
 * Shapes follow the legend of conv.h. */
#include "conv.h"

#include <stddef.h>
#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

//> out_size
int conv_out_size(int n, int k, int pad, int stride, int dil) {
    if (n < 1 || k < 1 || pad < 0 || stride < 1 || dil < 1) return 0;
    int span = dil * (k - 1) + 1;        /* the dilated kernel's extent */
    int room = n + 2 * pad - span;       /* how far it can slide */
    if (room < 0) return 0;
    return room / stride + 1;            /* the start 0, then every s-th position that fits */
}
//< out_size

int conv2d_shape_init(conv2d_shape *s) {
    s->OH = conv_out_size(s->H, s->R, s->pad, s->stride, s->dil);
    s->OW = conv_out_size(s->W, s->S, s->pad, s->stride, s->dil);
    return s->OH > 0 && s->OW > 0 && s->C > 0 && s->K > 0 ? 0 : -1;
}

int conv2d_params(const conv2d_shape *s) { return s->K * s->C * s->R * s->S + s->K; }

/* ---- the two inner loops, plain C and wasm SIMD, the same operations lane for lane ---- */

/* y[i] += a x[i] for i < n: each element on its own, so two at a time changes nothing. */
static inline void conv_axpy(double *y, double a, const double *x, int n) {
    int i = 0;
#ifdef __wasm_simd128__
    v128_t av = wasm_f64x2_splat(a);
    for (; i + 2 <= n; i += 2)
        wasm_v128_store(y + i, wasm_f64x2_add(wasm_v128_load(y + i),
                                              wasm_f64x2_mul(av, wasm_v128_load(x + i))));
#endif
    for (; i < n; i++) y[i] += a * x[i];
}

/* sum_i a[i] b[i] in two lanes: even i into one sum, odd i into the other, added at the end. The
   plain C keeps the same two sums, so the order (and every rounding) is the same. */
static inline double conv_dot(const double *a, const double *b, int n) {
    int i = 0;
    double s0, s1;
#ifdef __wasm_simd128__
    v128_t acc = wasm_f64x2_splat(0.0);
    for (; i + 2 <= n; i += 2)
        acc = wasm_f64x2_add(acc, wasm_f64x2_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s0 = wasm_f64x2_extract_lane(acc, 0);
    s1 = wasm_f64x2_extract_lane(acc, 1);
#else
    s0 = 0.0;
    s1 = 0.0;
    for (; i + 2 <= n; i += 2) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
    }
#endif
    if (i < n) s0 += a[i] * b[i];
    return s0 + s1;
}

/* The outputs j in [*lo, *hi) whose input column j s + off lies in [0, n): off = t d - p. */
static inline void conv_valid(int off, int n, int stride, int outn, int *lo, int *hi) {
    int a = off >= 0 ? 0 : (-off + stride - 1) / stride;          /* first j with j s + off >= 0 */
    int b = n - 1 - off < 0 ? 0 : (n - 1 - off) / stride + 1;     /* first j past the last fit */
    *lo = a;
    *hi = b < outn ? b : outn;
}

//> conv2d_forward
/* Each output plane starts at its bias, then every (channel, kernel row, kernel column) adds its
   weight times the input shifted under it: a whole row of outputs at a time, which at stride 1 is
   one axpy over contiguous memory. Outputs whose tap falls on the zero padding are skipped (they
   would add 0). The images of the batch are the innermost loop but one, so each weight and the
   range of columns it reaches are worked out once a batch, not once an image. The order of the
   terms of each output is c, r, t ascending. */
void conv2d_forward(double *out /* (B, K, OH, OW) */, const double *in /* (B, C, H, W) */,
                    const double *w /* (K, C, R, S) */, const double *bias /* (K,) */, int B,
                    const conv2d_shape *s) {
    const int C = s->C, H = s->H, W = s->W, K = s->K, R = s->R, S = s->S;
    const int OH = s->OH, OW = s->OW, st = s->stride, d = s->dil, p = s->pad;
    for (int k = 0; k < K; k++) {
        for (int b = 0; b < B; b++) {
            double *o = out + ((size_t)b * K + k) * OH * OW;             /* (OH, OW) */
            for (int q = 0; q < OH * OW; q++) o[q] = bias[k];
        }
        for (int c = 0; c < C; c++) {
            const double *wk = w + ((size_t)k * C + c) * R * S;          /* (R, S) */
            for (int r = 0; r < R; r++)
                for (int t = 0; t < S; t++) {
                    double wv = wk[r * S + t];
                    int off = t * d - p, j0, j1;
                    conv_valid(off, W, st, OW, &j0, &j1);
                    if (j0 >= j1) continue;
                    for (int b = 0; b < B; b++) {
                        const double *x = in + ((size_t)b * C + c) * H * W;  /* (H, W) */
                        double *o = out + ((size_t)b * K + k) * OH * OW;     /* (OH, OW) */
                        for (int i = 0; i < OH; i++) {
                            int y = i * st + r * d - p;
                            if (y < 0 || y >= H) continue;
                            double *orow = o + (size_t)i * OW;
                            const double *xrow = x + (size_t)y * W;
                            if (st == 1) conv_axpy(orow + j0, wv, xrow + j0 + off, j1 - j0);
                            else
                                for (int j = j0; j < j1; j++) orow[j] += wv * xrow[j * st + off];
                        }
                    }
                }
        }
    }
}
//< conv2d_forward

//> conv2d_backward
/* The forward pass is linear in w, in bias and in `in`, so each gradient is the same sum read the
   other way round:
     dL/dbias[k]       = sum over b, i, j of dout[b, k, i, j]
     dL/dw[k, c, r, t] = sum over b, i, j of dout[b, k, i, j] in[b, c, i s + r d - p, j s + t d - p]
     dL/din[b, c, y, x] = sum over the (k, r, t, i, j) that read (y, x) of w[k, c, r, t] dout[b, k, i, j]
   (the last is a convolution of dout with the kernels flipped, scattered back at stride s). */
void conv2d_backward(double *din /* (B, C, H, W) or NULL */, double *dw /* (K, C, R, S) */,
                     double *dbias /* (K,) */, const double *dout /* (B, K, OH, OW) */,
                     const double *in /* (B, C, H, W) */, const double *w /* (K, C, R, S) */,
                     int B, const conv2d_shape *s) {
    const int C = s->C, H = s->H, W = s->W, K = s->K, R = s->R, S = s->S;
    const int OH = s->OH, OW = s->OW, st = s->stride, d = s->dil, p = s->pad;
    memset(dw, 0, sizeof(double) * (size_t)K * C * R * S);
    memset(dbias, 0, sizeof(double) * (size_t)K);
    if (din) memset(din, 0, sizeof(double) * (size_t)B * C * H * W);
    for (int k = 0; k < K; k++) {
        for (int b = 0; b < B; b++) {                                    /* image by image */
            const double *g = dout + ((size_t)b * K + k) * OH * OW;      /* (OH, OW) */
            double sb = 0.0;
            for (int q = 0; q < OH * OW; q++) sb += g[q];
            dbias[k] += sb;
        }
        for (int c = 0; c < C; c++) {
            const double *wk = w + ((size_t)k * C + c) * R * S;          /* (R, S) */
            double *dwk = dw + ((size_t)k * C + c) * R * S;              /* (R, S) */
            for (int r = 0; r < R; r++)
                for (int t = 0; t < S; t++) {
                    double wv = wk[r * S + t];
                    int off = t * d - p, j0, j1;
                    conv_valid(off, W, st, OW, &j0, &j1);
                    if (j0 >= j1) continue;
                    for (int b = 0; b < B; b++) {                        /* image by image */
                        const double *g = dout + ((size_t)b * K + k) * OH * OW;  /* (OH, OW) */
                        const double *x = in + ((size_t)b * C + c) * H * W;      /* (H, W) */
                        double *dx = din ? din + ((size_t)b * C + c) * H * W : NULL;
                        double acc = 0.0;
                        for (int i = 0; i < OH; i++) {
                            int y = i * st + r * d - p;
                            if (y < 0 || y >= H) continue;
                            const double *grow = g + (size_t)i * OW;
                            const double *xrow = x + (size_t)y * W;
                            if (st == 1) {
                                acc += conv_dot(grow + j0, xrow + j0 + off, j1 - j0);
                                if (dx) conv_axpy(dx + (size_t)y * W + j0 + off, wv, grow + j0, j1 - j0);
                            } else {
                                for (int j = j0; j < j1; j++) acc += grow[j] * xrow[j * st + off];
                                if (dx)
                                    for (int j = j0; j < j1; j++)
                                        dx[(size_t)y * W + j * st + off] += wv * grow[j];
                            }
                        }
                        dwk[r * S + t] += acc;
                    }
                }
        }
    }
}
//< conv2d_backward

int pool_shape_init(pool_shape *s) {
    s->OH = conv_out_size(s->H, s->k, 0, s->stride, 1);
    s->OW = conv_out_size(s->W, s->k, 0, s->stride, 1);
    return s->OH > 0 && s->OW > 0 && s->C > 0 ? 0 : -1;
}

//> pool_forward
void pool_forward(double *out /* (B, C, OH, OW) */, int32_t *arg /* (B, C, OH, OW) or NULL */,
                  const double *in /* (B, C, H, W) */, int B, const pool_shape *s) {
    const int H = s->H, W = s->W, k = s->k, st = s->stride, OH = s->OH, OW = s->OW;
    const double inv = 1.0 / ((double)k * k);
    for (int bc = 0; bc < B * s->C; bc++) {
        const double *x = in + (size_t)bc * H * W;                       /* (H, W) */
        double *o = out + (size_t)bc * OH * OW;                          /* (OH, OW) */
        int32_t *a = arg ? arg + (size_t)bc * OH * OW : NULL;
        if (s->kind == POOL_MAX && k == 2 && a) {
            /* the common 2 x 2 window, written out: the same comparisons in the same order */
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++) {
                    int q0 = i * st * W + j * st, q1 = q0 + 1, q2 = q0 + W, q3 = q2 + 1, best = q0;
                    double m = x[q0];
                    best = x[q1] > m ? q1 : best, m = x[q1] > m ? x[q1] : m;
                    best = x[q2] > m ? q2 : best, m = x[q2] > m ? x[q2] : m;
                    best = x[q3] > m ? q3 : best, m = x[q3] > m ? x[q3] : m;
                    o[i * OW + j] = m;
                    a[i * OW + j] = best;
                }
            continue;
        }
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                int y0 = i * st, x0 = j * st, best = y0 * W + x0;
                if (s->kind == POOL_MAX) {
                    double m = x[best];
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++) {
                            int q = (y0 + u) * W + x0 + v, more = x[q] > m; /* strictly: */
                            m = more ? x[q] : m;                   /* the first maximum wins */
                            best = more ? q : best;                /* (selects, not branches) */
                        }
                    o[i * OW + j] = m;
                    if (a) a[i * OW + j] = best;
                } else {
                    double sum = 0.0;
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++) sum += x[(y0 + u) * W + x0 + v];
                    o[i * OW + j] = sum * inv;
                }
            }
    }
}
//< pool_forward

//> pool_backward
void pool_backward(double *din /* (B, C, H, W) */, const double *dout /* (B, C, OH, OW) */,
                   const int32_t *arg /* (B, C, OH, OW) */, int B, const pool_shape *s) {
    const int H = s->H, W = s->W, k = s->k, st = s->stride, OH = s->OH, OW = s->OW;
    const double inv = 1.0 / ((double)k * k);
    memset(din, 0, sizeof(double) * (size_t)B * s->C * H * W);
    for (int bc = 0; bc < B * s->C; bc++) {
        double *dx = din + (size_t)bc * H * W;
        const double *g = dout + (size_t)bc * OH * OW;
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                double gv = g[i * OW + j];
                if (s->kind == POOL_MAX) {
                    dx[arg[(size_t)bc * OH * OW + i * OW + j]] += gv;   /* only the winner moved it */
                } else {
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++) dx[(i * st + u) * W + j * st + v] += gv * inv;
                }
            }
    }
}
//< pool_backward
