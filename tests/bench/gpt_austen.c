/* gpt_austen.c: the transformer workload `make bench` runs on the book's engine and on its peers
 * (TensorFlow.js cpu and wasm, tests/bench/peers_gpt.mjs): chapter 26's character-level model at
 * its widget's defaults (engine/attention.c: 1 block, 4 heads, width 48, context 32, ReLU, 16
 * windows a step, vocabulary of 48 characters), trained the way the chapter's tf_step trains it:
 * gpt_forward, gpt_backward, the gradient's norm clipped to 1, then tn_adamw (lr 0.005, betas
 * 0.9 and 0.99, eps 1e-8, weight decay 0). The engine is engine/core/gpt.c and tensor.c, the very
 * code the chapter runs; this file only drives it.
 *
 * Every implementation does the same work: this program writes the configuration, the initial
 * weights (gpt_init, seed 1) and STEPS fixed batches (windows of T + 1 characters cut at random
 * places from the Austen training text, seed 2) as JSON, and the peers load them.
 *
 * Native:  gpt_austen --json            config, weights (gpt.h's layout) and batches
 *          gpt_austen --bench REPEATS   characters per second (median of REPEATS runs), losses
 * Wasm:    the same file built with emcc exports gpt_reset / gpt_train / gpt_loss. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "austen.h"
#include "gpt.h"
#include "mlm.h"
#include "tensor.h"

#include "workload.h"

/* engine/attention.c's defaults (its tf_params and TF_B, TF_CLIP, tf_step's AdamW) */
#define V AUSTEN_V
#define C 48
#define L 1
#define NH 4
#define T 32
#define B 16
#define LR 0.005
#define BETA1 0.9
#define BETA2 0.99
#define EPS 1e-8
#define WD 0.0
#define CLIP 1.0
#define STEPS 50 /* distinct batches, one a step */

static const gpt_config cfg = {V, C, L, NH, T, GPT_RELU};

static float *params, *m, *v, *grads, *acts, *dacts;
static size_t P;
static double b1t, b2t, last_loss;
static int32_t *ids;                 /* (mlm_austen_len,) */
static int32_t batches[STEPS][B][T + 1]; /* windows: tokens [0, T), targets [1, T] */
static int32_t tok[B * T], tgt[B * T];
static int step;

static void cut(int k) {
    for (int b = 0; b < B; b++) {
        memcpy(tok + b * T, batches[k][b], sizeof(int32_t) * T);
        memcpy(tgt + b * T, batches[k][b] + 1, sizeof(int32_t) * T);
    }
}

EXPORT int gpt_reset(double seed) {
    if (!params) {
        P = gpt_num_params(&cfg);
        size_t A = gpt_num_acts(&cfg, B, T);
        params = malloc(sizeof(float) * P), m = malloc(sizeof(float) * P), v = malloc(sizeof(float) * P);
        grads = malloc(sizeof(float) * P);
        acts = malloc(sizeof(float) * A), dacts = malloc(sizeof(float) * A);
        ids = malloc(sizeof(int32_t) * (size_t)mlm_austen_len);
        if (!params || !m || !v || !grads || !acts || !dacts || !ids) return -1;
        austen_ids(ids);
        mlm_rng r;
        mlm_rng_seed(&r, 2, 0);
        for (int k = 0; k < STEPS; k++)
            for (int b = 0; b < B; b++) {
                long at = (long)mlm_rng_below(&r, (uint32_t)(mlm_austen_train_len - T));
                memcpy(batches[k][b], ids + at, sizeof(int32_t) * (T + 1));
            }
    }
    mlm_rng rng;
    mlm_rng_seed(&rng, (uint64_t)seed, 0);
    gpt_init(&cfg, params, &rng);
    memset(m, 0, sizeof(float) * P), memset(v, 0, sizeof(float) * P);
    b1t = b2t = 1;
    step = 0;
    return 0;
}

/* tf_step of engine/attention.c on batch (step mod STEPS) */
EXPORT int gpt_train(int steps) {
    for (int i = 0; i < steps; i++, step++) {
        cut(step % STEPS);
        last_loss = gpt_forward(&cfg, params, acts, tok, tgt, B, T);
        memset(grads, 0, sizeof(float) * P);
        gpt_backward(&cfg, params, grads, acts, dacts, tok, tgt, B, T);
        double norm = 0;
        for (size_t j = 0; j < P; j++) norm += (double)grads[j] * grads[j];
        norm = sqrt(norm);
        if (norm > CLIP)
            for (size_t j = 0; j < P; j++) grads[j] *= (float)(CLIP / norm);
        b1t *= BETA1, b2t *= BETA2;
        tn_adamw_hyper h = {LR, BETA1, BETA2, EPS, WD};
        tn_adamw(params, grads, m, v, P, &h, b1t, b2t);
    }
    return steps;
}

/* The loss (nats per character) of the model as it is on batch 0: before training, the initial
   loss every peer must match; after, the final loss. */
EXPORT double gpt_loss(void) {
    cut(0);
    return gpt_forward(&cfg, params, acts, tok, tgt, B, T);
}

/* The loss of the last training step's batch, before its update. */
EXPORT double gpt_last_loss(void) { return last_loss; }

EXPORT int gpt_steps(void) { return STEPS; }
EXPORT int gpt_chars_per_step(void) { return B * T; }

#ifndef __EMSCRIPTEN__
static void print_floats(const char *name, const float *p, size_t n) {
    printf("\"%s\":[", name);
    for (size_t i = 0; i < n; i++) printf("%s%.9g", i ? "," : "", p[i]);
    printf("]");
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--json")) {
        if (gpt_reset(1) != 0) return 1;
        printf("{\"V\":%d,\"C\":%d,\"L\":%d,\"NH\":%d,\"T\":%d,\"B\":%d,\"act\":\"relu\","
               "\"lr\":%g,\"beta1\":%g,\"beta2\":%g,\"eps\":%g,\"wd\":%g,\"clip\":%g,\"steps\":%d,",
               V, C, L, NH, T, B, LR, BETA1, BETA2, EPS, WD, CLIP, STEPS);
        printf("\"initial_loss\":%.9f,", gpt_loss());
        /* The weights, tensor by tensor in gpt.h's layout (each row-major as gpt_params says). */
        gpt_params p;
        gpt_params_point(&p, params, &cfg);
        printf("\"params\":{");
        print_floats("wte", p.wte, (size_t)V * C), printf(",");
        print_floats("wpe", p.wpe, (size_t)T * C), printf(",");
        print_floats("ln1w", p.ln1w, (size_t)L * C), printf(",");
        print_floats("ln1b", p.ln1b, (size_t)L * C), printf(",");
        print_floats("qkvw", p.qkvw, (size_t)L * 3 * C * C), printf(",");
        print_floats("qkvb", p.qkvb, (size_t)L * 3 * C), printf(",");
        print_floats("projw", p.projw, (size_t)L * C * C), printf(",");
        print_floats("projb", p.projb, (size_t)L * C), printf(",");
        print_floats("ln2w", p.ln2w, (size_t)L * C), printf(",");
        print_floats("ln2b", p.ln2b, (size_t)L * C), printf(",");
        print_floats("fcw", p.fcw, (size_t)L * 4 * C * C), printf(",");
        print_floats("fcb", p.fcb, (size_t)L * 4 * C), printf(",");
        print_floats("fcprojw", p.fcprojw, (size_t)L * C * 4 * C), printf(",");
        print_floats("fcprojb", p.fcprojb, (size_t)L * C), printf(",");
        print_floats("lnfw", p.lnfw, C), printf(",");
        print_floats("lnfb", p.lnfb, C), printf(",");
        print_floats("headw", p.headw, (size_t)V * C), printf(",");
        print_floats("headb", p.headb, V);
        printf("},\"batches\":[");
        for (int k = 0; k < STEPS; k++)
            for (int b = 0; b < B; b++)
                for (int t = 0; t <= T; t++) printf("%s%d", k + b + t ? "," : "", batches[k][b][t]);
        printf("]}\n");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--bench")) {
        int repeats = atoi(argv[2]);
        if (repeats < 1 || repeats > 50) repeats = 5;
        double rate[50];
        gpt_reset(1);
        double initial = gpt_loss();
        gpt_train(STEPS); /* warm-up: caches, branch predictors */
        for (int r = 0; r < repeats; r++) {
            gpt_reset(1);
            double t0 = now();
            gpt_train(STEPS);
            rate[r] = (double)STEPS * B * T / (now() - t0);
        }
        qsort(rate, (size_t)repeats, sizeof *rate, by_value);
        printf("{\"chars_per_second\":%.1f,\"steps_per_second\":%.2f,\"repeats\":%d,\"initial_loss\":%.6f,"
               "\"last_step_loss\":%.6f,\"final_loss\":%.6f}\n",
               rate[repeats / 2], rate[repeats / 2] / (B * T), repeats, initial, gpt_last_loss(), gpt_loss());
        return 0;
    }
    fprintf(stderr, "usage: gpt_austen --json | --bench REPEATS\n");
    return 2;
}
#endif
