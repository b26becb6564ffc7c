/* test_mlp.c: the shared multilayer perceptron (engine/core/mlp.c) against mathematics: every
 * activation's derivative against central differences (both sides of the ReLU kinks); the whole
 * backward pass, for every loss and every hidden activation, against central differences of the
 * loss in every weight, bias and input, with and without L1/L2 penalties and with dropout (masks
 * held fixed); the losses against their formulas, finite at logits of +-1000; softmax summing to
 * 1 and ignoring a shift of its logits; inverted dropout preserving the mean; initial weights
 * with the Glorot and He variances; the grid helper agreeing with single predictions and those
 * with a batched pass, bit for bit; XOR learnt by a 2-3-1 tanh network; and a run repeated
 * exactly from its seed. */
#include "../../engine/core/mlp.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const act_name[MLP_ACT_COUNT] = {"identity", "sigmoid", "tanh", "relu",
                                                    "leaky"};
static const char *const out_name[MLP_OUT_COUNT] = {"mse", "bce", "softmax"};

/* An instance with room for a few networks, seeded as mlm_reset would seed it. */
static const mlm_module test_module = {.name = "test_mlp", .title = "test", .state_bytes = 4 << 20};

static mlm_instance *make_instance(uint64_t seed) {
    mlm_instance *in = mlm_create(&test_module);
    if (!in) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    mlm_rng_seed(&in->rng, seed, 0x6d6c6d);
    return in;
}

/* ---- activations ---- */

static void test_activations(void) {
    /* values against their definitions (libm is fine here: this runs natively only) */
    for (double z = -6; z <= 6; z += 0.25) {
        CHECK_REL(mlp_activation(MLP_SIGMOID, z, 0), 1 / (1 + exp(-z)), 1e-15);
        CHECK_REL(mlp_activation(MLP_TANH, z, 0), tanh(z), 1e-15);
        CHECK(mlp_activation(MLP_RELU, z, 0) == (z > 0 ? z : 0), "relu(%g)", z);
        CHECK(mlp_activation(MLP_LEAKY_RELU, z, 0.01) == (z > 0 ? z : 0.01 * z), "leaky(%g)", z);
        CHECK(mlp_activation(MLP_IDENTITY, z, 0) == z, "identity(%g)", z);
    }
    /* derivatives against central differences, at many points and just either side of 0 */
    double pts[100];
    int n = 0;
    for (double z = -7.3; z < 7.3; z += 0.19) pts[n++] = z;
    pts[n++] = 1e-3, pts[n++] = -1e-3, pts[n++] = 2e-5, pts[n++] = -2e-5;
    for (int act = 0; act < MLP_ACT_COUNT; act++) {
        double leaky = act == MLP_LEAKY_RELU ? 0.07 : 0.01;
        for (int k = 0; k < n; k++) {
            double z = pts[k], h = fabs(z) < 1e-3 ? 1e-6 : 1e-5;
            double fd = (mlp_activation(act, z + h, leaky) - mlp_activation(act, z - h, leaky)) /
                        (2 * h);
            double d = mlp_activation_grad(act, z, mlp_activation(act, z, leaky), leaky);
            CHECK(fabs(d - fd) <= 1e-8, "%s'(%g) = %.17g, central difference %.17g", act_name[act],
                  z, d, fd);
        }
    }
}

/* ---- the losses against their formulas, and their extremes ---- */

static void test_losses(void) {
    double a[6], z[6], y[6];
    /* MSE: half the squared error, summed over outputs: (1/2)(0.5^2 + 2^2) */
    z[0] = 1.5, z[1] = -1, y[0] = 1, y[1] = 1;
    CHECK_NEAR(mse_forward(a, z, y, 1, 2), 0.5 * (0.25 + 4), 1e-15);
    /* BCE against -y log p - (1-y) log(1-p) where that is accurate */
    for (double s = -8; s <= 8; s += 0.5) {
        double p = 1 / (1 + exp(-s));
        for (double t = 0; t <= 1; t += 0.25) {
            z[0] = s, y[0] = t;
            CHECK_REL(bce_forward(a, z, y, 1, 1), -t * log(p) - (1 - t) * log(1 - p), 1e-13);
        }
    }
    /* BCE at huge logits: finite, and the right size (log(1 + e^1000) = 1000) */
    z[0] = 1000, y[0] = 0, z[1] = -1000, y[1] = 1, z[2] = 1000, y[2] = 1, z[3] = -1000, y[3] = 0;
    CHECK_NEAR(bce_forward(a, z, y, 1, 4), 2000, 1e-9);
    CHECK(a[0] == 1 && a[1] == 0, "sigmoid(+-1000) = %g, %g", a[0], a[1]);
    /* softmax: -log p_k; a row sums to 1; a shift of the logits changes nothing */
    double zs[3] = {0.3, -1.2, 2.0}, ys[3] = {0, 1, 0}, p[3];
    double e0 = exp(0.3), e1 = exp(-1.2), e2 = exp(2.0), S = e0 + e1 + e2;
    CHECK_REL(softmax_forward(p, zs, ys, 1, 3), -log(e1 / S), 1e-14);
    CHECK_NEAR(p[0] + p[1] + p[2], 1, 1e-15);
    CHECK_REL(p[2], e2 / S, 1e-15);
    double shifted[3] = {0.3 + 50, -1.2 + 50, 2.0 + 50}, q[3];
    CHECK_REL(softmax_forward(q, shifted, ys, 1, 3), -log(e1 / S), 1e-13);
    for (int k = 0; k < 3; k++) CHECK_NEAR(q[k], p[k], 1e-14);
    /* huge logits: finite loss and probabilities */
    double zh[3] = {1000, -1000, 0}, y0[3] = {1, 0, 0}, y1[3] = {0, 1, 0}, ph[3];
    CHECK_NEAR(softmax_forward(ph, zh, y0, 1, 3), 0, 1e-12);
    CHECK_NEAR(softmax_forward(ph, zh, y1, 1, 3), 2000, 1e-9);
    CHECK(ph[0] == 1 && ph[1] == 0 && ph[2] == 0, "softmax(1000, -1000, 0) = %g %g %g", ph[0],
          ph[1], ph[2]);
    double zn[3] = {-1000, -1000, -1001};
    CHECK(mlm_isfinite(softmax_forward(ph, zn, y1, 1, 3)), "softmax loss at -1000");
    CHECK_NEAR(ph[0] + ph[1] + ph[2], 1, 1e-15);
}

/* ---- the backward pass against central differences ---- */

typedef struct {
    int sizes[4];
    int L;
} shape;

/* Random inputs and targets for a batch of B rows. */
static void random_batch(mlm_rng *r, double *x, double *y, int B, int I, int O, int kind) {
    for (int k = 0; k < B * I; k++) x[k] = 1.3 * mlm_rng_normal(r);
    for (int b = 0; b < B; b++) {
        double *yr = y + b * O;
        if (kind == MLP_SOFTMAX) {
            memset(yr, 0, sizeof(double) * O);
            yr[mlm_rng_below(r, (uint32_t)O)] = 1;
        } else if (kind == MLP_BCE) {
            for (int k = 0; k < O; k++) yr[k] = mlm_rng_uniform(r) < 0.5 ? 0 : 1;
        } else {
            for (int k = 0; k < O; k++) yr[k] = mlm_rng_normal(r);
        }
    }
}

/* Smallest |z| of any hidden unit in the last pass: a ReLU network's loss has kinks where a z
   crosses 0, and a central difference straddling one is not a derivative. */
static double min_hidden_z(const mlp *net) {
    double m = INFINITY;
    for (int l = 1; l < net->L - 1; l++)
        for (int k = 0; k < net->batch * net->sizes[l]; k++) m = fmin(m, fabs(net->z[l][k]));
    return m;
}

/* One configuration: analytic gradients of every parameter and input against central
   differences of mlp_forward's loss. With dropout the rng is rewound before every pass so that
   every pass draws the same masks. Returns the number of mismatches. */
static int grad_check(const shape *s, int act, int kind, double l1, double l2, double dropout,
                      uint64_t seed) {
    enum { B = 5 };
    int I = s->sizes[0], O = s->sizes[s->L - 1], bad = 0;
    double x[B * 8], y[B * 8];
    mlm_instance *in = make_instance(seed);
    mlp net;
    if (mlp_init(in, &net, s->sizes, s->L, act, kind, B) != 0) {
        CHECK(0, "mlp_init failed: %s", in->reason);
        mlm_destroy(in);
        return 1;
    }
    net.l1 = l1, net.l2 = l2, net.dropout = dropout, net.input_grad = 1;
    net.leaky = 0.05;
    /* Biases away from 0 so that every unit's z is not symmetric around the kink. */
    for (int l = 1; l < net.L; l++)
        for (int j = 0; j < net.sizes[l]; j++) net.b[l][j] = 0.3 * mlm_rng_normal(&in->rng);
    mlm_rng mrng;
    for (int tries = 0;; tries++) {
        random_batch(&in->rng, x, y, B, I, O, kind);
        mrng = in->rng;
        mlp_forward(&net, x, y, B, &mrng);
        if (act < MLP_RELU || min_hidden_z(&net) > 1e-3 || tries == 50) break;
    }
    mlm_rng start = in->rng;
    mrng = start;
    double loss = mlp_forward(&net, x, y, B, dropout > 0 ? &mrng : NULL);
    CHECK(mlm_isfinite(loss), "loss %g", loss);
    mlp_backward(&net);
    double *g = malloc(sizeof(double) * net.n_params), dx[B * 8];
    memcpy(g, net.grads, sizeof(double) * net.n_params);
    memcpy(dx, net.da[0], sizeof(double) * B * I);
    /* The penalty's |w| has a kink at 0 too: the differences must not cross it. */
    const double h = 1e-6;
    for (int k = 0; k < net.n_params; k++) {
        double keep = net.params[k];
        if (l1 > 0 && fabs(keep) < 10 * h) continue;
        net.params[k] = keep + h;
        mrng = start;
        double lp = mlp_forward(&net, x, y, B, dropout > 0 ? &mrng : NULL);
        net.params[k] = keep - h;
        mrng = start;
        double lm = mlp_forward(&net, x, y, B, dropout > 0 ? &mrng : NULL);
        net.params[k] = keep;
        double fd = (lp - lm) / (2 * h);
        if (fabs(g[k] - fd) > 1e-6 * fmax(1, fabs(fd)) && bad++ < 3) {
            fprintf(stderr, "  %s/%s l1=%g l2=%g p=%g: dL/dparam[%d] = %.12g, central difference "
                    "%.12g\n", act_name[act], out_name[kind], l1, l2, dropout, k, g[k], fd);
        }
    }
    for (int k = 0; k < B * I; k++) {
        double keep = x[k];
        x[k] = keep + h;
        mrng = start;
        double lp = mlp_forward(&net, x, y, B, dropout > 0 ? &mrng : NULL);
        x[k] = keep - h;
        mrng = start;
        double lm = mlp_forward(&net, x, y, B, dropout > 0 ? &mrng : NULL);
        x[k] = keep;
        double fd = (lp - lm) / (2 * h);
        if (fabs(dx[k] - fd) > 1e-6 * fmax(1, fabs(fd)) && bad++ < 3) {
            fprintf(stderr, "  %s/%s: dL/dx[%d] = %.12g, central difference %.12g\n", act_name[act],
                    out_name[kind], k, dx[k], fd);
        }
    }
    free(g);
    mlm_destroy(in);
    return bad;
}

static void test_gradients(void) {
    static const shape shapes[] = {{{3, 4, 3, 2}, 4}, {{2, 5, 1}, 3}, {{3, 4, 3, 4}, 4},
                                   {{2, 3}, 2}};
    static const double pens[][2] = {{0, 0}, {0.03, 0}, {0, 0.05}, {0.02, 0.04}};
    int configs = 0;
    for (int si = 0; si < COUNT(shapes); si++)
        for (int kind = 0; kind < MLP_OUT_COUNT; kind++) {
            /* softmax over one output is constant: pair it with the shapes of several outputs */
            if (kind == MLP_SOFTMAX && shapes[si].sizes[shapes[si].L - 1] < 2) continue;
            for (int act = 0; act < MLP_ACT_COUNT; act++)
                for (int pi = 0; pi < COUNT(pens); pi++) {
                    int bad = grad_check(&shapes[si], act, kind, pens[pi][0], pens[pi][1], 0,
                                         1000 + 17 * si + 5 * kind + act);
                    CHECK(bad == 0, "shape %d, %s hidden, %s output, l1 %g, l2 %g: %d gradients "
                          "differ from central differences", si, act_name[act], out_name[kind],
                          pens[pi][0], pens[pi][1], bad);
                    configs++;
                }
        }
    /* dropout: the same check with the masks held fixed (backward must use the stored ones) */
    for (int kind = 0; kind < MLP_OUT_COUNT; kind++)
        for (int act = 0; act < MLP_ACT_COUNT; act++) {
            int bad = grad_check(&shapes[2], act, kind, 0.01, 0.01, 0.3, 77 + act);
            CHECK(bad == 0, "dropout, %s hidden, %s output: %d gradients differ", act_name[act],
                  out_name[kind], bad);
            configs++;
        }
    CHECK(configs > 150, "only %d gradient configurations", configs);
}

/* ---- dropout ---- */

/* mlp_backward_from: for a blame c (B, O) chosen by the caller, the gradients are those of
   F = sum_{r,o} c[r,o] z_out[r,o] + l2/2 sum w^2 (a linear loss of the logits, and the penalty),
   with respect to every parameter and, with input_grad, every input: checked by central
   differences of F computed from mlp_forward without targets. The GAN's generator is trained
   through exactly this call. */
static double linear_of_logits(mlp *net, const double *x, const double *c, int B) {
    mlp_forward(net, x, NULL, B, NULL);
    int L = net->L, O = net->sizes[L - 1];
    double F = 0, w2 = 0;
    for (int k = 0; k < B * O; k++) F += c[k] * net->z[L - 1][k];
    for (int l = 1; l < L; l++)
        for (int k = 0; k < net->sizes[l] * net->sizes[l - 1]; k++) w2 += net->W[l][k] * net->W[l][k];
    return F + 0.5 * net->l2 * w2;
}

static void test_backward_from(void) {
    static const shape shapes[] = {{{3, 4, 3, 2}, 4}, {{1, 6, 1}, 3}, {{2, 5, 5, 2}, 4}};
    enum { B = 4 };
    int configs = 0;
    for (int si = 0; si < COUNT(shapes); si++)
        for (int act = 0; act < MLP_ACT_COUNT; act++)
            for (int pen = 0; pen < 2; pen++) {
                const shape *sh = &shapes[si];
                mlm_instance *in = make_instance(77 + 3 * si + act);
                mlp net;
                if (mlp_init(in, &net, sh->sizes, sh->L, act, MLP_MSE, B) != 0) {
                    CHECK(0, "mlp_init: %s", in->reason);
                    mlm_destroy(in);
                    continue;
                }
                net.input_grad = 1, net.l2 = pen ? 0.04 : 0, net.leaky = 0.05;
                for (int l = 1; l < net.L; l++)
                    for (int j = 0; j < net.sizes[l]; j++) net.b[l][j] = 0.3 * mlm_rng_normal(&in->rng);
                int I = sh->sizes[0], O = sh->sizes[sh->L - 1];
                double x[B * 8], c[B * 8], dx[B * 8];
                for (int tries = 0;; tries++) { /* away from ReLU kinks, as grad_check */
                    for (int k = 0; k < B * I; k++) x[k] = mlm_rng_normal(&in->rng);
                    mlp_forward(&net, x, NULL, B, NULL);
                    if (act < MLP_RELU || min_hidden_z(&net) > 1e-3 || tries == 50) break;
                }
                for (int k = 0; k < B * O; k++) c[k] = mlm_rng_normal(&in->rng);
                mlp_forward(&net, x, NULL, B, NULL);
                mlp_backward_from(&net, c);
                double *g = malloc(sizeof(double) * net.n_params);
                memcpy(g, net.grads, sizeof(double) * net.n_params);
                memcpy(dx, net.da[0], sizeof(double) * B * I);
                const double h = 1e-6;
                int bad = 0;
                for (int k = 0; k < net.n_params; k++) {
                    double keep = net.params[k];
                    net.params[k] = keep + h;
                    double fp = linear_of_logits(&net, x, c, B);
                    net.params[k] = keep - h;
                    double fm = linear_of_logits(&net, x, c, B);
                    net.params[k] = keep;
                    double fd = (fp - fm) / (2 * h);
                    bad += fabs(g[k] - fd) > 1e-6 * fmax(1, fabs(fd));
                }
                for (int k = 0; k < B * I; k++) {
                    double keep = x[k];
                    x[k] = keep + h;
                    double fp = linear_of_logits(&net, x, c, B);
                    x[k] = keep - h;
                    double fm = linear_of_logits(&net, x, c, B);
                    x[k] = keep;
                    double fd = (fp - fm) / (2 * h);
                    bad += fabs(dx[k] - fd) > 1e-6 * fmax(1, fabs(fd));
                }
                CHECK(bad == 0, "backward_from: shape %d, %s, l2 %d: %d gradients differ", si,
                      act_name[act], pen, bad);
                /* mlp_backward is mlp_backward_from with the loss's own blame (a - y) / B */
                double y[B * 8];
                for (int k = 0; k < B * O; k++) y[k] = mlm_rng_normal(&in->rng);
                mlp_forward(&net, x, y, B, NULL);
                mlp_backward(&net);
                memcpy(g, net.grads, sizeof(double) * net.n_params);
                for (int k = 0; k < B * O; k++) c[k] = (net.a[net.L - 1][k] - y[k]) / B;
                mlp_backward_from(&net, c);
                int same = 1;
                for (int k = 0; k < net.n_params; k++) same &= g[k] == net.grads[k];
                CHECK(same, "mlp_backward and mlp_backward_from((a - y) / B) differ");
                free(g);
                mlm_destroy(in);
                configs++;
            }
    CHECK(configs == 30, "%d configurations", configs);
}

static void test_dropout(void) {
    enum { B = 2000, PASSES = 20 };
    static const int sizes[] = {3, 6, 5, 2};
    mlm_instance *in = make_instance(5);
    mlp net;
    CHECK(mlp_init(in, &net, sizes, 4, MLP_TANH, MLP_MSE, B) == 0, "init: %s", in->reason);
    static double x[B * 3], y[B * 2], out_plain[B * 2];
    for (int r = 0; r < B; r++)
        for (int i = 0; i < 3; i++) x[r * 3 + i] = 0.7 * (i + 1) - 1.1 + (r % 7) * 0.05;
    memset(y, 0, sizeof y);

    /* rate 0: a training pass is the plain pass, and draws nothing */
    mlp_forward(&net, x, y, B, NULL);
    memcpy(out_plain, net.a[3], sizeof out_plain);
    mlm_rng before = in->rng;
    mlp_forward(&net, x, y, B, &in->rng);
    CHECK(memcmp(out_plain, net.a[3], sizeof out_plain) == 0, "rate 0 changed the outputs");
    CHECK(memcmp(&before, &in->rng, sizeof before) == 0, "rate 0 drew random numbers");

    /* rate p: each unit's passed-on value averages to its activation, and about p are dropped */
    double p = 0.4;
    net.dropout = p;
    static double sum1[B * 6];
    memset(sum1, 0, sizeof sum1);
    long dropped = 0, total = 0, unscaled = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        mlp_forward(&net, x, y, B, &in->rng);
        for (int k = 0; k < B * 6; k++) {
            sum1[k % 42] += net.drop[1][k]; /* rows r and r + 7 have the same input */
            dropped += net.mask[1][k] == 0;
            total++;
            unscaled += net.mask[1][k] != 0 && net.drop[1][k] != net.a[1][k] * (1 / (1 - p));
        }
    }
    CHECK(unscaled == 0, "%ld kept units not scaled by 1/(1-p)", unscaled);
    CHECK_NEAR((double)dropped / total, p, 0.01);
    double worst = 0;
    for (int k = 0; k < 42; k++) {
        double mean = sum1[k] / (PASSES * (double)B / 7);
        worst = fmax(worst, fabs(mean - net.a[1][k]));
    }
    /* the sd of a mean over 20 * 2000 / 7 masks is |a| sqrt(p / (1 - p)) / 76 < 0.011 */
    CHECK(worst < 0.05, "dropout changed a unit's mean value by %g", worst);

    /* backward: a dropped unit gets no blame, and neither do the weights into or out of it */
    mlp_forward(&net, x, y, 1, &in->rng);
    mlp_backward(&net);
    int seen = 0;
    for (int j = 0; j < 6; j++) {
        if (net.mask[1][j] != 0) continue;
        seen++;
        CHECK(net.dz[1][j] == 0, "dropped unit %d has dL/dz %g", j, net.dz[1][j]);
        CHECK(net.db[1][j] == 0, "dropped unit %d's bias has gradient", j);
        for (int i = 0; i < 3; i++) CHECK(net.dW[1][j * 3 + i] == 0, "edge into a dropped unit");
        for (int o = 0; o < 5; o++) CHECK(net.dW[2][o * 6 + j] == 0, "edge out of a dropped unit");
    }
    for (int tries = 0; !seen && tries < 100; tries++) {
        mlp_forward(&net, x, y, 1, &in->rng);
        for (int j = 0; j < 6; j++) seen += net.mask[1][j] == 0;
    }
    CHECK(seen > 0, "no unit was ever dropped at p = 0.4");

    /* evaluation never drops, whatever the rate */
    mlp_forward(&net, x, y, B, NULL);
    CHECK(memcmp(out_plain, net.a[3], sizeof out_plain) == 0, "evaluation used dropout");
    mlm_destroy(in);
}

/* ---- softmax and BCE through the whole network, at extreme logits ---- */

static void test_extremes(void) {
    static const int sizes[] = {2, 4, 3};
    mlm_instance *in = make_instance(9);
    mlp net;
    CHECK(mlp_init(in, &net, sizes, 3, MLP_TANH, MLP_SOFTMAX, 8) == 0, "init");
    double x[16], y[24] = {0};
    for (int k = 0; k < 16; k++) x[k] = mlm_rng_normal(&in->rng);
    for (int r = 0; r < 8; r++) y[r * 3 + r % 3] = 1;
    double loss = mlp_forward(&net, x, y, 8, NULL);
    double p0[24];
    memcpy(p0, net.a[2], sizeof p0);
    for (int r = 0; r < 8; r++) CHECK_NEAR(p0[r * 3] + p0[r * 3 + 1] + p0[r * 3 + 2], 1, 1e-15);
    /* adding c to every logit (through the output biases) changes neither p nor the loss */
    for (int k = 0; k < 3; k++) net.b[2][k] += 7.25;
    CHECK_REL(mlp_forward(&net, x, y, 8, NULL), loss, 1e-12);
    for (int k = 0; k < 24; k++) CHECK_NEAR(net.a[2][k], p0[k], 1e-13);
    /* logits of +-1000: finite loss and gradients */
    net.b[2][0] = 1000, net.b[2][1] = -1000, net.b[2][2] = 0;
    CHECK(mlm_isfinite(mlp_forward(&net, x, y, 8, NULL)), "softmax loss at logits +-1000");
    mlp_backward(&net);
    int finite = 1;
    for (int k = 0; k < net.n_params; k++) finite &= mlm_isfinite(net.grads[k]);
    for (int k = 0; k < 24; k++) finite &= mlm_isfinite(net.da[2][k]);
    CHECK(finite, "softmax gradients not finite at logits +-1000");

    static const int bs[] = {2, 3, 1};
    mlp bnet;
    CHECK(mlp_init(in, &bnet, bs, 3, MLP_RELU, MLP_BCE, 8) == 0, "init");
    double yb[8];
    for (int r = 0; r < 8; r++) yb[r] = r & 1;
    bnet.b[2][0] = 1000;
    double lb = mlp_forward(&bnet, x, yb, 8, NULL);
    CHECK(mlm_isfinite(lb) && lb > 400, "BCE at logit 1000: %g", lb);
    mlp_backward(&bnet);
    finite = 1;
    for (int k = 0; k < bnet.n_params; k++) finite &= mlm_isfinite(bnet.grads[k]);
    for (int k = 0; k < 8; k++) finite &= mlm_isfinite(bnet.da[2][k]);
    CHECK(finite, "BCE gradients not finite at logit 1000");
    bnet.b[2][0] = -1000;
    CHECK(mlm_isfinite(mlp_forward(&bnet, x, yb, 8, NULL)), "BCE at logit -1000");
    mlm_destroy(in);
}

/* ---- initialisation ---- */

static void test_init(void) {
    static const int sizes[] = {64, 48, 10};
    mlm_instance *in = make_instance(3);
    for (int act = 0; act < MLP_ACT_COUNT; act++) {
        mlp net;
        CHECK(mlp_init(in, &net, sizes, 3, act, MLP_SOFTMAX, 1) == 0, "init");
        double s[3][2] = {{0}}; /* per layer: sum w, sum w^2 */
        long n[3] = {0};
        int biases_zero = 1;
        for (int draw = 0; draw < 30; draw++) {
            mlp_init_params(&net, &in->rng);
            for (int l = 1; l < 3; l++) {
                for (int k = 0; k < sizes[l] * sizes[l - 1]; k++) {
                    s[l][0] += net.W[l][k];
                    s[l][1] += net.W[l][k] * net.W[l][k];
                    n[l]++;
                }
                for (int k = 0; k < sizes[l]; k++) biases_zero &= net.b[l][k] == 0;
            }
        }
        int he = act == MLP_RELU || act == MLP_LEAKY_RELU;
        double want1 = he ? 2.0 / 64 : 2.0 / (64 + 48), want2 = 2.0 / (48 + 10);
        double var1 = s[1][1] / n[1] - pow(s[1][0] / n[1], 2);
        double var2 = s[2][1] / n[2] - pow(s[2][0] / n[2], 2);
        /* relative sd of a variance estimate from n normal draws: sqrt(2 / n), under 0.6 % and
           1.2 % here; the tolerance is about five of those */
        CHECK(fabs(var1 / want1 - 1) < 0.03, "%s: hidden weights' variance %g, formula %g",
              act_name[act], var1, want1);
        CHECK(fabs(var2 / want2 - 1) < 0.06, "%s: output weights' variance %g, formula %g",
              act_name[act], var2, want2);
        CHECK(fabs(s[1][0] / n[1]) < 5 * sqrt(want1 / n[1]), "%s: hidden weights' mean %g",
              act_name[act], s[1][0] / n[1]);
        CHECK(biases_zero, "%s: biases not zero", act_name[act]);
    }
    mlm_destroy(in);
}

/* ---- memory: the bound holds, invalid shapes are refused ---- */

static void test_memory(void) {
    static const int shapes[][10] = {{2, 8, 8, 8, 8, 8, 8, 1}, {64, 64, 10}, {1, 16, 1}, {7, 1}};
    static const int Ls[] = {8, 3, 3, 2};
    mlm_instance *in = make_instance(1);
    for (int s = 0; s < 4; s++)
        for (int B = 1; B <= 33; B += 8) {
            size_t before = in->used, bound = mlp_bytes(shapes[s], Ls[s], B);
            mlp net;
            CHECK(mlp_init(in, &net, shapes[s], Ls[s], MLP_TANH, MLP_BCE, B) == 0, "init");
            CHECK(in->used - before <= bound && bound > 0, "shape %d B %d: used %zu, bound %zu", s,
                  B, in->used - before, bound);
        }
    static const int wide[] = {2, MLP_MAX_WIDTH + 1, 1}, zero[] = {2, 0, 1};
    mlp net;
    CHECK(mlp_bytes(wide, 3, 4) == 0 && mlp_init(in, &net, wide, 3, 0, 0, 4) == -1 &&
              in->reason[0], "too wide a layer accepted");
    CHECK(mlp_init(in, &net, zero, 3, 0, 0, 4) == -1, "an empty layer accepted");
    CHECK(mlp_init(in, &net, zero, 1, 0, 0, 4) == -1, "one layer accepted");
    static const int big[] = {256, 256, 256};
    mlm_instance *small = make_instance(1);
    small->cap = small->used + 1000; /* pretend the block is nearly full */
    CHECK(mlp_init(small, &net, big, 3, 0, 0, 4) == -1, "a full instance accepted a network");
    mlm_destroy(small);
    mlm_destroy(in);
}

/* ---- the grid helper, single predictions and batched passes agree exactly ---- */

static void test_grid(void) {
    enum { W = 13, H = 7 };
    unsigned feats = MLP_FEAT_X1 | MLP_FEAT_X2 | MLP_FEAT_X1SQ | MLP_FEAT_SIN2;
    static const int sizes[] = {4, 8, 8, 1};
    mlm_instance *in = make_instance(21);
    mlp net;
    CHECK(mlp_init(in, &net, sizes, 4, MLP_TANH, MLP_BCE, W * H) == 0, "init");
    for (int k = 0; k < 8; k++) net.b[1][k] = 0.2 * k - 0.7;
    int U = mlp_hidden_units(&net);
    CHECK(U == 16 && mlp_unit_index(&net, 2, 3) == 11, "unit indexing");
    static float out[W * H], units[16 * W * H], tiles[16 * (3 + W * H)];
    mlp_grid_desc g = {.x0 = -6, .x1 = 6, .y0 = -5, .y1 = 5, .w = W, .h = H, .features = feats,
                       .out = out, .units = units};
    mlp_grid(&net, &g);
    mlp_grid_desc t = g;
    t.out = NULL, t.units = tiles + 3, t.unit_stride = 3 + W * H, t.units_top_down = 1;
    mlp_grid(&net, &t);
    static double X[W * H * 4];
    int mismatches = 0;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            double f[4], o[1], u[16];
            double px = -6 + c * (12.0 / (W - 1)), py = -5 + r * (10.0 / (H - 1));
            CHECK(mlp_features_2d(f, px, py, feats) == 4, "feature count");
            CHECK(f[2] == px * px && f[3] == mlm_sin(py), "features");
            memcpy(X + (r * W + c) * 4, f, sizeof f);
            mlp_predict_units(&net, f, o, u);
            mismatches += out[r * W + c] != (float)o[0];
            for (int k = 0; k < U; k++) {
                mismatches += units[k * W * H + r * W + c] != (float)u[k];
                mismatches += tiles[3 + k * (3 + W * H) + (H - 1 - r) * W + c] != (float)u[k];
            }
        }
    CHECK(mismatches == 0, "%d grid values differ from single predictions", mismatches);
    /* a batched evaluation pass computes the very same bits */
    mlp_forward(&net, X, NULL, W * H, NULL);
    int diff = 0;
    for (int k = 0; k < W * H; k++) {
        double o;
        mlp_predict(&net, X + k * 4, &o);
        diff += o != net.a[3][k];
    }
    CHECK(diff == 0, "%d batched outputs differ from single predictions", diff);
    /* the 2-D default: no feature mask means the inputs are (x, y) */
    double f2[2];
    CHECK(mlp_features_2d(f2, 0.5, -2, 0) == 2 && f2[0] == 0.5 && f2[1] == -2, "default features");
    mlm_destroy(in);
}

/* ---- evaluation: loss and accuracy by hand, through chunks smaller than the data ---- */

static void test_evaluate(void) {
    mlm_instance *in = make_instance(4);
    static const int one[] = {1, 1}, three[] = {1, 3};
    mlp net;
    double loss, acc;
    /* BCE on p = sigmoid(x): right where p > 1/2 agrees with y > 1/2: 3 of 5 */
    CHECK(mlp_init(in, &net, one, 2, MLP_TANH, MLP_BCE, 2) == 0, "init");
    net.W[1][0] = 1, net.b[1][0] = 0;
    double xb[5] = {-2, -0.1, 0.3, 1, 3}, yb[5] = {0, 1, 1, 0, 1}, want = 0;
    for (int k = 0; k < 5; k++) {
        double p = 1 / (1 + exp(-xb[k]));
        want += -yb[k] * log(p) - (1 - yb[k]) * log(1 - p);
    }
    mlp_evaluate(&net, xb, yb, 5, &loss, &acc);
    CHECK_REL(loss, want / 5, 1e-14);
    CHECK_NEAR(acc, 0.6, 1e-15);
    /* MSE on a = x: right where |a - y| < 1/2: 2 of 3 */
    CHECK(mlp_init(in, &net, one, 2, MLP_TANH, MLP_MSE, 2) == 0, "init");
    net.W[1][0] = 1, net.b[1][0] = 0;
    double xm[3] = {0.2, 0.9, 1.6}, ym[3] = {0, 1, 1};
    mlp_evaluate(&net, xm, ym, 3, &loss, &acc);
    CHECK_REL(loss, (0.02 + 0.005 + 0.18) / 3, 1e-14);
    CHECK_NEAR(acc, 2.0 / 3, 1e-15);
    /* softmax on z = (x, 0, -x): right where the largest logit is the label's: 2 of 3 */
    CHECK(mlp_init(in, &net, three, 2, MLP_TANH, MLP_SOFTMAX, 2) == 0, "init");
    net.W[1][0] = 1, net.W[1][1] = 0, net.W[1][2] = -1;
    memset(net.b[1], 0, 3 * sizeof(double));
    double xs[3] = {2, -2, 0.5}, ys[9] = {1, 0, 0, 0, 0, 1, 0, 1, 0};
    double e = exp(2), e5 = exp(0.5);
    want = -log(e / (e + 1 + 1 / e)) * 2 - log(1 / (e5 + 1 + 1 / e5));
    mlp_evaluate(&net, xs, ys, 3, &loss, &acc);
    CHECK_REL(loss, want / 3, 1e-14);
    CHECK_NEAR(acc, 2.0 / 3, 1e-15);
    mlm_destroy(in);
}

/* ---- learning: XOR with a 2-3-1 tanh network ---- */

static void test_xor(void) {
    static const double x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 1, 0};
    static const int sizes[] = {2, 3, 1};
    mlm_instance *in = make_instance(2024);
    mlp net;
    CHECK(mlp_init(in, &net, sizes, 3, MLP_TANH, MLP_BCE, 4) == 0, "init");
    double acc = 0, loss = 0;
    int step;
    for (step = 0; step < 5000; step++) {
        mlp_forward(&net, x, y, 4, &in->rng);
        mlp_backward(&net);
        mlp_sgd_step(&net, 0.5);
        mlp_evaluate(&net, x, y, 4, &loss, &acc);
        if (acc == 1 && loss < 0.1) break;
    }
    CHECK(acc == 1 && loss < 0.1, "XOR: accuracy %g, loss %g after %d steps", acc, loss, step);
    printf("XOR learnt in %d steps (loss %.4f)\n", step + 1, loss);
    /* mlp_evaluate's loss is the mean per-example loss, by hand */
    double sum = 0, o;
    for (int k = 0; k < 4; k++) {
        mlp_predict(&net, x + 2 * k, &o);
        sum += -y[k] * log(o) - (1 - y[k]) * log(1 - o);
    }
    CHECK_REL(loss, sum / 4, 1e-12);
    mlm_destroy(in);
}

/* ---- determinism: a run is a function of its seed ---- */

enum { RUN_B = 16, RUN_N = 64 };
static double run_x[RUN_N * 2], run_y[RUN_N];

static void run_setup(mlm_instance *in, mlp *net) {
    static const int sizes[] = {2, 8, 8, 1};
    CHECK(mlp_init(in, net, sizes, 4, MLP_RELU, MLP_BCE, RUN_B) == 0, "init");
    net->dropout = 0.2, net->l1 = 1e-3, net->l2 = 1e-3;
    for (int k = 0; k < RUN_N; k++) {
        run_x[2 * k] = mlm_rng_range(&in->rng, -1, 1);
        run_x[2 * k + 1] = mlm_rng_range(&in->rng, -1, 1);
        run_y[k] = run_x[2 * k] * run_x[2 * k + 1] > 0;
    }
}

static void run_train(mlm_instance *in, mlp *net, int steps) {
    double xb[RUN_B * 2], yb[RUN_B];
    for (int s = 0; s < steps; s++) {
        for (int r = 0; r < RUN_B; r++) {
            int k = (int)mlm_rng_below(&in->rng, RUN_N);
            xb[2 * r] = run_x[2 * k], xb[2 * r + 1] = run_x[2 * k + 1], yb[r] = run_y[k];
        }
        mlp_forward(net, xb, yb, RUN_B, &in->rng);
        mlp_backward(net);
        mlp_sgd_step(net, 0.1);
    }
}

static void test_determinism(void) {
    mlm_instance *a = make_instance(42), *b = make_instance(42), *c = make_instance(43);
    /* the networks live in their instances' blocks, as a module's state does */
    mlp *na = mlm_alloc(a, sizeof(mlp)), *nb = mlm_alloc(b, sizeof(mlp)), *nc = mlm_alloc(c, sizeof(mlp));
    run_setup(a, na), run_train(a, na, 300);
    run_setup(b, nb), run_train(b, nb, 300);
    run_setup(c, nc), run_train(c, nc, 300);
    size_t bytes = sizeof(double) * na->n_params;
    CHECK(memcmp(na->params, nb->params, bytes) == 0, "same seed, different weights");
    CHECK(memcmp(na->params, nc->params, bytes) != 0, "different seeds, same weights");
    CHECK(mlp_finite(na), "weights not finite");
    /* the instance block is the checkpoint: restoring a copy taken mid-run replays exactly */
    run_setup(c, nc);
    run_train(c, nc, 100);
    size_t size = mlm_snapshot_size(c);
    unsigned char *snap = malloc(size);
    memcpy(snap, c, size);
    run_train(c, nc, 200);
    double *want = malloc(bytes);
    memcpy(want, nc->params, bytes);
    memcpy(c, snap, size);
    run_train(c, nc, 200);
    CHECK(memcmp(want, nc->params, bytes) == 0, "a restored checkpoint ran differently");
    free(snap);
    free(want);
    mlm_destroy(a);
    mlm_destroy(b);
    mlm_destroy(c);
}

/* MLP_BYTES_MAX(I, W, H, O, B) bounds mlp_bytes of every network it covers: I inputs, 0..H
   hidden layers of 1..W units each, O outputs, batches 1..B; and it is not loose by more than the
   even rounding and the I O + O allowance at the largest shape. */
static void test_bytes_max(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 5, 2);
    int over = 0;
    for (int trial = 0; trial < 4000; trial++) {
        int I = 1 + (int)mlm_rng_below(&r, 70), W = 1 + (int)mlm_rng_below(&r, 130);
        int H = (int)mlm_rng_below(&r, 7), O = 1 + (int)mlm_rng_below(&r, 12);
        int B = 1 + (int)mlm_rng_below(&r, 200);
        int sizes[MLP_MAX_LAYERS], n = 0, h = (int)mlm_rng_below(&r, (uint32_t)H + 1);
        sizes[n++] = I;
        for (int k = 0; k < h; k++) sizes[n++] = 1 + (int)mlm_rng_below(&r, (uint32_t)W);
        sizes[n++] = O;
        int b = 1 + (int)mlm_rng_below(&r, (uint32_t)B);
        size_t got = mlp_bytes(sizes, n, b), bound = MLP_BYTES_MAX(I, W, H, O, B);
        if (got == 0 || got > bound) {
            over++;
            if (over < 5) fprintf(stderr, "I %d W %d H %d O %d B %d: mlp_bytes %zu > %zu\n", I, W, H, O, B, got, bound);
        }
    }
    CHECK(over == 0, "%d shapes above MLP_BYTES_MAX", over);
    /* the largest shape: within the allowance of the bound */
    int big[8] = {64, 128, 128, 128, 10};
    size_t got = mlp_bytes(big, 5, 100), bound = MLP_BYTES_MAX(64, 128, 3, 10, 100);
    size_t slack = 2 * 16 * 2 + sizeof(double) * (2 * (64 * 10 + 10) + 2 + 18 + 5) + 48;
    CHECK(got <= bound && bound - got <= slack, "64-128x3-10: %zu, bound %zu", got, bound);
}

int main(void) {
    test_bytes_max();
    test_activations();
    test_losses();
    test_gradients();
    test_backward_from();
    test_dropout();
    test_extremes();
    test_init();
    test_memory();
    test_grid();
    test_evaluate();
    test_xor();
    test_determinism();
    return CHECK_DONE("test_mlp");
}
