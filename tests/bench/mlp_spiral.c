/* mlp_spiral.c: the workload `make bench` runs on the book's engine and on its peers
 * (TensorFlow.js, ConvNetJS): a 2-16-16-1 MLP, tanh hidden layers and a sigmoid output with
 * binary cross-entropy, trained by plain SGD at learning rate 0.1 on mini-batches of 32 from a
 * 512-point two-arm spiral, for 2000 steps. The book's engine is engine/core/mlp.c, the very code
 * the chapters run; this file only drives it.
 *
 * Every implementation does the same work: this program writes the data (in the fixed, shuffled
 * order the batches are cut from: batch k is rows (k mod 16) * 32 .. + 32) and the initial
 * weights (Glorot normal, drawn here) as JSON, and the peers load both.
 *
 * Native:  mlp_spiral --json            the data and initial weights
 *          mlp_spiral --bench REPEATS   steps per second (median of REPEATS runs) and final loss
 * Wasm:    the same file built with emcc exports spiral_reset / spiral_train / spiral_loss. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"

#include "workload.h"

#define N 512
#define BATCH 32
#define STEPS 2000
#define LR 0.1

static const int sizes[] = {2, 16, 16, 1};

typedef struct {
    mlp net;
    double x[N * 2]; /* (N, 2) the spiral, in batch order */
    double y[N];     /* (N, 1) its arm: 0 or 1 */
} spiral_state;

/* Two arms, 256 points each, winding 1.75 turns outwards; shuffled once so batches mix arms. */
static void *spiral_create(mlm_instance *in) {
    spiral_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    int32_t order[N];
    for (int i = 0; i < N; i++) order[i] = i;
    mlm_rng_shuffle(&in->rng, order, N);
    for (int k = 0; k < N; k++) {
        int i = order[k], arm = i & 1, j = i >> 1;
        double r = 5.0 * j / (N / 2), t = 1.75 * 2 * 3.14159265358979323846 * j / (N / 2) + arm * 3.14159265358979323846;
        s->x[2 * k] = r * mlm_sin(t); /* detmath: the same points in wasm */
        s->x[2 * k + 1] = r * mlm_cos(t);
        s->y[k] = arm;
    }
    if (mlp_init(in, &s->net, sizes, 4, MLP_TANH, MLP_BCE, BATCH) != 0) return NULL;
    return s;
}

static void spiral_step(mlm_instance *in, void *self) {
    spiral_state *s = self;
    int k = (int)(in->steps % (N / BATCH)) * BATCH;
    mlp_forward(&s->net, s->x + 2 * k, s->y + k, BATCH, NULL);
    mlp_backward(&s->net);
    mlp_sgd_step(&s->net, LR);
}

static void spiral_draw(mlm_instance *in, void *self) {
    (void)in;
    (void)self;
}

static const mlm_module spiral_module = {
    .name = "mlp_spiral",
    .title = "Bench: MLP on a spiral",
    .desc_size = 8,
    .state_bytes = sizeof(spiral_state) + 64 * 1024,
    .create = spiral_create,
    .step = spiral_step,
    .draw = spiral_draw,
};

static mlm_instance *the;

EXPORT int spiral_reset(double seed) {
    if (!the) the = mlm_create(&spiral_module);
    return the ? mlm_reset(the, (uint64_t)seed) : -1;
}

EXPORT int spiral_train(int steps) { return mlm_step(the, steps); }

/* Loss and accuracy over all 512 points (no penalty, no dropout). */
EXPORT double spiral_loss(void) {
    spiral_state *s = the->self;
    double loss, acc;
    mlp_evaluate(&s->net, s->x, s->y, N, &loss, &acc);
    return loss;
}

EXPORT double spiral_accuracy(void) {
    spiral_state *s = the->self;
    double loss, acc;
    mlp_evaluate(&s->net, s->x, s->y, N, &loss, &acc);
    return acc;
}

#ifndef __EMSCRIPTEN__
int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--json")) {
        if (spiral_reset(1) != 0) return 1;
        spiral_state *s = the->self;
        printf("{\"n\":%d,\"batch\":%d,\"steps\":%d,\"lr\":%g,\"sizes\":[2,16,16,1],", N, BATCH, STEPS, LR);
        print_array("x", s->x, 2 * N, 0);
        print_array("y", s->y, N, 0);
        /* Weights as W[l] (n_l, n_{l-1}) row-major and b[l], layer by layer. */
        printf("\"layers\":[");
        for (int l = 1; l < 4; l++) {
            printf("%s{", l > 1 ? "," : "");
            print_array("W", s->net.W[l], sizes[l] * sizes[l - 1], 0);
            print_array("b", s->net.b[l], sizes[l], 1);
            printf("}");
        }
        printf("]}\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--bench")) {
        int repeats = atoi(argv[2]);
        if (repeats < 1 || repeats > 50) repeats = 5;
        double rate[50];
        spiral_reset(1);
        spiral_train(STEPS); /* warm-up: caches, branch predictors */
        for (int r = 0; r < repeats; r++) {
            spiral_reset(1);
            double t0 = now();
            spiral_train(STEPS);
            rate[r] = STEPS / (now() - t0);
        }
        qsort(rate, (size_t)repeats, sizeof *rate, by_value);
        printf("{\"steps_per_second\":%.1f,\"repeats\":%d,\"final_loss\":%.6f,\"accuracy\":%.4f}\n",
               rate[repeats / 2], repeats, spiral_loss(), spiral_accuracy());
        return 0;
    }
    fprintf(stderr, "usage: mlp_spiral --json | --bench REPEATS\n");
    return 2;
}
#endif
