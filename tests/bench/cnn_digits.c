/* cnn_digits.c: the convolutional workload `make bench` runs on the book's engine and on its
 * peers (TensorFlow.js, ConvNetJS): chapter 22's network at its defaults (engine/cnn.c: K = 8
 * learnt 3x3 kernels with padding 1, ReLU, 2x2 max pooling at stride 2, a dense layer from the
 * 128 pooled values to 10 softmax units, cross-entropy over the ten digits, batches of 32) on the
 * book's 8x8 UCI digits (engine/core/digits), for 500 steps.
 *
 * The passes are the chapter's own: this file includes engine/cnn.c and calls its cn_forward and
 * cn_backward (engine/core/conv.c for the convolution and pooling, engine/core/mlp.c for the dense
 * layer and its loss) on the state the module itself creates at its defaults, kernels and dense
 * weights drawn by the module from seed 1. Only two things differ from the widget, so that every
 * peer can do exactly the same: the batches are cut in a fixed order (the first 1472 = 46 x 32
 * of the split's 1500 training images, shuffled once here; batch k is rows (k mod 46) * 32 ..
 * + 32), and the update is plain SGD at learning rate 0.1 on every parameter, where the widget
 * uses Adam at 0.01 (ConvNetJS's Adam is not TensorFlow.js's, and plain SGD is the same rule
 * everywhere).
 *
 * Native:  cnn_digits --json            the images, labels (in batch order) and initial weights
 *          cnn_digits --bench REPEATS   images per second (median of REPEATS runs), final loss
 * Wasm:    the same file built with emcc exports cnnb_reset / cnnb_train / cnnb_loss. */
#define _POSIX_C_SOURCE 199309L
#include "../../engine/cnn.c"

#include <stdlib.h>
#include <time.h>

#include "workload.h"

#define NB 46                 /* batches in one pass over the data */
#define BATCH 32              /* the chapter's default batch */
#define N (NB * BATCH)        /* 1472 images */
#define STEPS 500
#define LR 0.1

static mlm_instance *the;
static int32_t order[N];      /* training image (index into the split's 1500) of each row */
static int64_t done;          /* steps taken since the reset */

/* The network at the chapter's defaults (ten digits, K = 8, batch 32), built by the module. */
EXPORT int cnnb_reset(double seed) {
    if (!the) the = mlm_create(&mlm_module_cnn);
    if (!the || mlm_reset(the, (uint64_t)seed) != 0) return -1;
    cn_state *s = the->self;
    if (s->B != BATCH || s->O != 10 || s->c->T < N) return -1;
    int32_t all[MLM_DIGITS_TRAIN];
    for (int i = 0; i < MLM_DIGITS_TRAIN; i++) all[i] = i;
    mlm_rng r;
    mlm_rng_seed(&r, 1, 0x62656e6368 /* "bench" */);
    mlm_rng_shuffle(&r, all, MLM_DIGITS_TRAIN);
    memcpy(order, all, sizeof order);
    done = 0;
    return 0;
}

/* Rows k .. k + B of the fixed order into the module's batch buffers. */
static void cnnb_batch(cn_state *s, int k, int B) {
    for (int r = 0; r < B; r++) {
        int i = order[k + r];
        memcpy(s->xb + (size_t)r * CN_PIX, s->c->x_tr + (size_t)i * CN_PIX, sizeof(double) * CN_PIX);
        for (int o = 0; o < 10; o++) s->yb[(size_t)r * 10 + o] = o == s->c->l_tr[i];
    }
}

/* One step: the chapter's forward and backward passes, then plain SGD on the kernels, their
   biases and the dense layer. */
EXPORT int cnnb_train(int steps) {
    cn_state *s = the->self;
    for (int n = 0; n < steps; n++, done++) {
        cnnb_batch(s, (int)(done % NB) * BATCH, BATCH);
        cn_forward(s, BATCH);
        cn_backward(s, BATCH);
        for (int q = 0; q < s->K * 10; q++) s->cparams[q] -= LR * s->cgrads[q];
        mlp_sgd_step(&s->dense, LR);
    }
    return steps;
}

/* Mean cross-entropy and accuracy over the 1472 images, batch by batch through cn_forward. */
static double cnnb_eval(double *acc) {
    cn_state *s = the->self;
    double sum = 0;
    int right = 0;
    for (int b = 0; b < NB; b++) {
        cnnb_batch(s, b * BATCH, BATCH);
        sum += cn_forward(s, BATCH) * BATCH;
        for (int r = 0; r < BATCH; r++) {
            const double *p = s->dense.a[1] + (size_t)r * 10;
            int best = 0;
            for (int o = 1; o < 10; o++)
                if (p[o] > p[best]) best = o;
            right += best == s->c->l_tr[order[b * BATCH + r]];
        }
    }
    if (acc) *acc = (double)right / N;
    return sum / N;
}

EXPORT double cnnb_loss(void) { return cnnb_eval(NULL); }

EXPORT double cnnb_accuracy(void) {
    double acc;
    cnnb_eval(&acc);
    return acc;
}

#ifndef __EMSCRIPTEN__
int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--json")) {
        if (cnnb_reset(1) != 0) return 1;
        cn_state *s = the->self;
        printf("{\"n\":%d,\"batch\":%d,\"steps\":%d,\"lr\":%g,\"side\":8,\"kernels\":%d,\"classes\":10,"
               "\"initial_loss\":%.17g,",
               N, BATCH, STEPS, LR, s->K, cnnb_loss());
        /* x (N, 64): image k's pixels row by row (y, then x), in [0, 1]; y (N,): its digit. */
        printf("\"x\":[");
        for (int k = 0; k < N; k++)
            for (int p = 0; p < CN_PIX; p++)
                printf("%s%.17g", k || p ? "," : "", s->c->x_tr[(size_t)order[k] * CN_PIX + p]);
        printf("],\"y\":[");
        for (int k = 0; k < N; k++) printf("%s%d", k ? "," : "", s->c->l_tr[order[k]]);
        printf("],");
        /* The kernels (K, 1, 3, 3) row-major (k, r, t), their biases (K,); the dense layer's
           W (10, 128), its input index d * 16 + y * 4 + x (channel, pooled row, pooled column),
           and b (10,). */
        print_array("conv_w", s->cparams, s->K * 9, 0);
        print_array("conv_b", s->cparams + s->K * 9, s->K, 0);
        print_array("dense_W", s->dense.W[1], 10 * s->F, 0);
        print_array("dense_b", s->dense.b[1], 10, 1);
        printf("}\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--bench")) {
        int repeats = atoi(argv[2]);
        if (repeats < 1 || repeats > 50) repeats = 5;
        double rate[50];
        cnnb_reset(1);
        cnnb_train(STEPS); /* warm-up: caches, branch predictors */
        for (int r = 0; r < repeats; r++) {
            cnnb_reset(1);
            double t0 = now();
            cnnb_train(STEPS);
            rate[r] = (double)STEPS * BATCH / (now() - t0);
        }
        qsort(rate, (size_t)repeats, sizeof *rate, by_value);
        double acc, loss = cnnb_eval(&acc);
        printf("{\"images_per_second\":%.1f,\"repeats\":%d,\"final_loss\":%.17g,\"accuracy\":%.4f}\n",
               rate[repeats / 2], repeats, loss, acc);
        return 0;
    }
    fprintf(stderr, "usage: cnn_digits --json | --bench REPEATS\n");
    return 2;
}
#endif
