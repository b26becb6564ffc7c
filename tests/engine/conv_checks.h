/* conv_checks.h: engine/core/conv.c checked against mathematics, shared by test_conv.c (the core
 * test) and the tests of the chapters that use it (test_convolution.c, test_cnn.c), so that
 * `make check` of either chapter runs them:
 *   - the output-size formula against counting, by brute force, the positions where the dilated
 *     kernel fits, for every n <= 10, k <= 5, padding <= 3, stride <= 4, dilation <= 3;
 *   - conv2d_forward against the direct sum over an explicitly zero-padded copy of the input, for
 *     every padding 0..3, stride 1..3 and dilation 1..3 (two images, two channels, two kernels,
 *     several image and kernel sizes, square and not);
 *   - conv2d_backward: the gradients for the kernels, the biases and the input against central
 *     finite differences of L = sum G * out for a random G, over the same grid of settings;
 *   - pooling, max and average, against brute force over each window, and its gradient by finite
 *     differences (inputs drawn without ties, so max is differentiable there). */
#ifndef CONV_CHECKS_H
#define CONV_CHECKS_H

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conv.h"

static int cc_count_positions(int n, int k, int p, int s, int d) {
    int span = d * (k - 1) + 1, count = 0;
    for (int x0 = 0; x0 + span <= n + 2 * p; x0 += s) count++;
    return count;
}

static void cc_check_out_sizes(void) {
    int bad = 0, total = 0;
    for (int n = 1; n <= 10; n++)
        for (int k = 1; k <= 5; k++)
            for (int p = 0; p <= 3; p++)
                for (int s = 1; s <= 4; s++)
                    for (int d = 1; d <= 3; d++) {
                        total++;
                        bad += conv_out_size(n, k, p, s, d) != cc_count_positions(n, k, p, s, d);
                    }
    CHECK(bad == 0, "%d of %d output sizes differ from counting", bad, total);
    /* The chapter's examples: 3x3 with padding 1 keeps 3; 6 with 2x2 at stride 2 gives 3; 8 with
       3x3, no padding: 6. */
    CHECK(conv_out_size(3, 3, 1, 1, 1) == 3, "3x3 same");
    CHECK(conv_out_size(6, 2, 0, 2, 1) == 3, "6, 2x2, stride 2");
    CHECK(conv_out_size(8, 3, 0, 1, 1) == 6, "8, 3x3");
    CHECK(conv_out_size(8, 3, 0, 1, 2) == 4, "8, 3x3 dilated 2");
    CHECK(conv_out_size(2, 3, 0, 1, 1) == 0, "kernel larger than the image");
}

static double cc_rand(unsigned *st) {
    *st = *st * 1103515245u + 12345u;
    return ((*st >> 8) & 0xffff) / 32768.0 - 1.0;
}

/* The direct sum, over a padded copy: the definition read literally. */
static void cc_direct(double *out, const double *in, const double *w, const double *bias, int B,
                      const conv2d_shape *s) {
    int HP = s->H + 2 * s->pad, WP = s->W + 2 * s->pad;
    double *padded = calloc((size_t)HP * WP, sizeof(double));
    for (int b = 0; b < B; b++)
        for (int k = 0; k < s->K; k++)
            for (int i = 0; i < s->OH; i++)
                for (int j = 0; j < s->OW; j++) {
                    double sum = bias[k];
                    for (int c = 0; c < s->C; c++) {
                        memset(padded, 0, sizeof(double) * HP * WP);
                        for (int y = 0; y < s->H; y++)
                            for (int x = 0; x < s->W; x++)
                                padded[(y + s->pad) * WP + x + s->pad] =
                                    in[((b * s->C + c) * s->H + y) * s->W + x];
                        for (int r = 0; r < s->R; r++)
                            for (int t = 0; t < s->S; t++)
                                sum += w[((k * s->C + c) * s->R + r) * s->S + t] *
                                       padded[(i * s->stride + r * s->dil) * WP + j * s->stride +
                                              t * s->dil];
                    }
                    out[((b * s->K + k) * s->OH + i) * s->OW + j] = sum;
                }
    free(padded);
}

static double cc_loss(const double *in, const double *w, const double *bias, const double *G,
                      double *out, int B, const conv2d_shape *s) {
    conv2d_forward(out, in, w, bias, B, s);
    double L = 0;
    for (int q = 0; q < B * s->K * s->OH * s->OW; q++) L += G[q] * out[q];
    return L;
}

static void cc_check_conv(void) {
    static const int sizes[][4] = {{3, 3, 3, 3}, {6, 6, 2, 2}, {5, 7, 3, 2}, {8, 8, 3, 3}};
    unsigned st = 7;
    int settings = 0, bad_fwd = 0, bad_grad = 0;
    double worst_fwd = 0, worst_grad = 0;
    for (int z = 0; z < 4; z++)
        for (int p = 0; p <= 3; p++)
            for (int str = 1; str <= 3; str++)
                for (int d = 1; d <= 3; d++) {
                    conv2d_shape s = {2, sizes[z][0], sizes[z][1], 2, sizes[z][2], sizes[z][3],
                                      p, str, d, 0, 0};
                    if (conv2d_shape_init(&s) != 0) continue;
                    settings++;
                    const int B = 2, NI = B * s.C * s.H * s.W, NW = s.K * s.C * s.R * s.S,
                              NO = B * s.K * s.OH * s.OW;
                    double *in = malloc(sizeof(double) * NI), *w = malloc(sizeof(double) * NW);
                    double bias[2], *out = malloc(sizeof(double) * NO),
                                    *ref = malloc(sizeof(double) * NO),
                                    *G = malloc(sizeof(double) * NO);
                    double *din = malloc(sizeof(double) * NI), *dw = malloc(sizeof(double) * NW),
                           db[2];
                    for (int q = 0; q < NI; q++) in[q] = cc_rand(&st);
                    for (int q = 0; q < NW; q++) w[q] = cc_rand(&st);
                    for (int q = 0; q < 2; q++) bias[q] = cc_rand(&st);
                    for (int q = 0; q < NO; q++) G[q] = cc_rand(&st);
                    conv2d_forward(out, in, w, bias, B, &s);
                    cc_direct(ref, in, w, bias, B, &s);
                    for (int q = 0; q < NO; q++) {
                        double e = fabs(out[q] - ref[q]);
                        if (e > worst_fwd) worst_fwd = e;
                        bad_fwd += e > 1e-12;
                    }
                    conv2d_backward(din, dw, db, G, in, w, B, &s);
                    const double h = 1e-5;
                    double *sets[3] = {w, bias, in}, *grads[3] = {dw, db, din};
                    int ns[3] = {NW, 2, NI};
                    for (int v = 0; v < 3; v++)
                        for (int q = 0; q < ns[v]; q++) {
                            double keep = sets[v][q];
                            sets[v][q] = keep + h;
                            double Lp = cc_loss(in, w, bias, G, out, B, &s);
                            sets[v][q] = keep - h;
                            double Lm = cc_loss(in, w, bias, G, out, B, &s);
                            sets[v][q] = keep;
                            double fd = (Lp - Lm) / (2 * h), e = fabs(fd - grads[v][q]);
                            if (e > worst_grad) worst_grad = e;
                            bad_grad += e > 1e-7 * fmax(1.0, fabs(fd));
                        }
                    free(in); free(w); free(out); free(ref); free(G); free(din); free(dw);
                }
    CHECK(settings == 132, "only %d settings had an output", settings);
    CHECK(bad_fwd == 0, "%d outputs differ from the direct sum (worst %g)", bad_fwd, worst_fwd);
    CHECK(bad_grad == 0, "%d gradients differ from finite differences (worst %g)", bad_grad,
          worst_grad);
    printf("conv2d: %d settings of padding, stride and dilation; forward within %.1e of the "
           "direct sum, gradients within %.1e of finite differences\n",
           settings, worst_fwd, worst_grad);
}

static void cc_check_pool(void) {
    unsigned st = 99;
    int bad = 0, badg = 0, cases = 0;
    for (int kind = 0; kind < 2; kind++)
        for (int k = 1; k <= 3; k++)
            for (int str = 1; str <= 3; str++) {
                pool_shape s = {2, 7, 6, k, str, kind, 0, 0};
                if (pool_shape_init(&s) != 0) continue;
                cases++;
                const int B = 2, NI = B * 2 * 7 * 6, NO = B * 2 * s.OH * s.OW;
                double in[2 * 2 * 7 * 6], din[2 * 2 * 7 * 6], out[2 * 2 * 7 * 6],
                    G[2 * 2 * 7 * 6], dout[2 * 2 * 7 * 6];
                int32_t arg[2 * 2 * 7 * 6];
                /* distinct values: a shuffled ramp */
                for (int q = 0; q < NI; q++) in[q] = (double)q / NI;
                for (int q = NI - 1; q > 0; q--) {
                    st = st * 1103515245u + 12345u;
                    int r = (int)((st >> 8) % (unsigned)(q + 1));
                    double tmp = in[q]; in[q] = in[r]; in[r] = tmp;
                }
                for (int q = 0; q < NO; q++) G[q] = cc_rand(&st);
                pool_forward(out, arg, in, B, &s);
                for (int bc = 0; bc < B * 2; bc++)
                    for (int i = 0; i < s.OH; i++)
                        for (int j = 0; j < s.OW; j++) {
                            double m = -1e300, sum = 0;
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++) {
                                    double x = in[bc * 42 + (i * str + u) * 6 + j * str + v];
                                    sum += x;
                                    m = x > m ? x : m;
                                }
                            double want = kind == POOL_MAX ? m : sum / (k * k);
                            bad += fabs(out[(bc * s.OH + i) * s.OW + j] - want) > 1e-15;
                        }
                memcpy(dout, G, sizeof(double) * NO);
                pool_backward(din, dout, arg, B, &s);
                const double h = 1e-6; /* below half the smallest gap between inputs */
                for (int q = 0; q < NI; q++) {
                    double keep = in[q], L[2];
                    for (int sgn = 0; sgn < 2; sgn++) {
                        in[q] = keep + (sgn ? -h : h);
                        pool_forward(out, NULL, in, B, &s);
                        L[sgn] = 0;
                        for (int o = 0; o < NO; o++) L[sgn] += G[o] * out[o];
                    }
                    in[q] = keep;
                    badg += fabs((L[0] - L[1]) / (2 * h) - din[q]) > 1e-6;
                }
            }
    CHECK(cases == 18, "%d pooling cases", cases);
    CHECK(bad == 0, "%d pooled values differ from brute force", bad);
    CHECK(badg == 0, "%d pooling gradients differ from finite differences", badg);
}

static void cc_check_all(void) {
    cc_check_out_sizes();
    cc_check_conv();
    cc_check_pool();
}

#endif
