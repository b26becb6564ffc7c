/* test_gpt.c: the assembled transformer (engine/core/gpt.c): the gradient of the whole model's
 * loss against central finite differences for every parameter of a small model of two blocks
 * (both nonlinearities), causality of the whole model (changing a later character never changes
 * an earlier position's prediction, bit for bit), the loss at initialisation against log V, and
 * the parameter count against the formula the chapter states. */
#include "../../engine/core/gpt.c"

#include <stdlib.h>

#include "check.h"

enum { V = 7, C = 8, L = 2, NH = 2, TM = 5, B = 2, T = 5 };

static gpt_config cfg = {V, C, L, NH, TM, GPT_GELU};
static float *params, *grads, *acts, *gacts;
static int32_t tok[B * T], tgt[B * T];

static double loss_now(void) { return gpt_forward(&cfg, params, acts, tok, tgt, B, T); }

/* ReLU's kink: a finite difference is meaningless where the step moves a pre-activation across 0.
   The pattern of signs of the feed-forward pre-activations after the last forward pass. */
static uint8_t mask0[L * B * T * 4 * C];
static int sign_pattern_changed(void) {
    gpt_acts a;
    gpt_acts_point(&a, acts, &cfg, B, T);
    int changed = 0;
    for (int i = 0; i < L * B * T * 4 * C; i++) changed |= (a.fch[i] > 0) != mask0[i];
    return changed;
}
static void keep_sign_pattern(void) {
    gpt_acts a;
    gpt_acts_point(&a, acts, &cfg, B, T);
    for (int i = 0; i < L * B * T * 4 * C; i++) mask0[i] = a.fch[i] > 0;
}

static void check_gradient(int act) {
    cfg.act = act;
    size_t P = gpt_num_params(&cfg);
    mlm_rng rng;
    mlm_rng_seed(&rng, 7, 1);
    gpt_init(&cfg, params, &rng);
    /* larger weights than GPT-2's 0.02, so every path carries a gradient well above rounding */
    for (size_t i = 0; i < P; i++) params[i] += (float)(0.3 * mlm_rng_normal(&rng));
    loss_now();
    keep_sign_pattern();
    memset(grads, 0, sizeof(float) * P);
    gpt_backward(&cfg, params, grads, acts, gacts, tok, tgt, B, T);
    int bad = 0, skipped = 0;
    /* ReLU: a smaller step crosses fewer kinks (rounding, ~1e-4 here, still well inside the
       tolerance) */
    const float h = act == GPT_RELU ? 1e-3f : 1e-2f;
    for (size_t i = 0; i < P; i++) {
        float keep = params[i];
        params[i] = keep + h;
        double lp = loss_now();
        int kink = sign_pattern_changed();
        params[i] = keep - h;
        double lm = loss_now();
        kink |= sign_pattern_changed();
        params[i] = keep;
        if (kink && act == GPT_RELU) { /* only ReLU has a kink to cross */
            skipped++;
            continue;
        }
        double fd = (lp - lm) / (2.0 * h);
        if (fabs(fd - grads[i]) > 2e-3 * fmax(1.0, fabs(fd))) {
            if (bad < 5) fprintf(stderr, "param %zu: analytic %.6g, finite difference %.6g\n", i, grads[i], fd);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %d of %zu parameter gradients off", act ? "relu" : "gelu", bad, P);
    CHECK(skipped < (int)P / 4, "%d skipped", skipped); /* GELU: none; ReLU: about 15 % */
    fprintf(stderr, "%s: %zu gradients checked, %d skipped (a step across ReLU's kink)\n",
            act ? "relu" : "gelu", P - skipped, skipped);
}

int main(void) {
    size_t P = gpt_num_params(&cfg), A = gpt_num_acts(&cfg, B, T);
    /* 12 C^2 + 13 C per block (qkv 3C^2 + 3C, proj C^2 + C, fc 4C^2 + 4C, fcproj 4C^2 + C,
       two layer norms 4C), the embeddings (V + Tm) C, the final norm 2C, the head V C + V */
    CHECK(P == (size_t)(L * (12 * C * C + 13 * C) + (V + TM) * C + 2 * C + V * C + V),
          "parameter count %zu", P);
    CHECK(P == 1919, "the chapter: \"all 1,919 parameters of a two-block model\": %zu", P);
    params = malloc(sizeof(float) * P), grads = malloc(sizeof(float) * P);
    acts = malloc(sizeof(float) * A), gacts = malloc(sizeof(float) * A);
    /* the view pointers tile the block exactly */
    gpt_params pp;
    gpt_params_point(&pp, params, &cfg);
    CHECK(pp.headb + V == params + P, "parameter layout");
    gpt_acts aa;
    gpt_acts_point(&aa, acts, &cfg, B, T);
    CHECK(aa.probs + B * T * V == acts + A, "activation layout");

    mlm_rng rng;
    mlm_rng_seed(&rng, 3, 3);
    for (int i = 0; i < B * T; i++) tok[i] = (int32_t)mlm_rng_below(&rng, V), tgt[i] = (int32_t)mlm_rng_below(&rng, V);

    /* at initialisation the logits are near 0: the loss is near log V */
    gpt_init(&cfg, params, &rng);
    CHECK_NEAR(loss_now(), log((double)V), 0.05);

    check_gradient(GPT_GELU);
    check_gradient(GPT_RELU);

    /* causality: change the character at position 3 of the first sequence; the distributions at
       positions 0..2 stay exactly the same, and position 3's changes */
    cfg.act = GPT_GELU;
    loss_now();
    float before[B * T * V];
    memcpy(before, aa.probs, sizeof before);
    tok[3] = (tok[3] + 1) % V;
    loss_now();
    int earlier = 0, at = 0;
    for (int t = 0; t < T; t++)
        for (int v = 0; v < V; v++) {
            int diff = aa.probs[t * V + v] != before[t * V + v];
            if (t < 3) earlier += diff;
            if (t == 3) at += diff;
        }
    CHECK(earlier == 0, "%d earlier probabilities changed", earlier);
    CHECK(at > 0, "the changed position's prediction did not change");
    /* the second sequence of the batch is untouched too */
    int other = 0;
    for (int i = T * V; i < B * T * V; i++) other += aa.probs[i] != before[i];
    CHECK(other == 0, "another sequence changed");

    /* a shorter pass (the sentence the reader types is shorter than the context) gives the same
       predictions as the first positions of a longer one */
    float full[T * V];
    gpt_forward(&cfg, params, acts, tok, NULL, 1, T);
    memcpy(full, aa.probs, sizeof full);
    gpt_forward(&cfg, params, acts, tok, NULL, 1, 3);
    gpt_acts_point(&aa, acts, &cfg, 1, 3);
    int shorter = 0;
    for (int i = 0; i < 3 * V; i++) shorter += aa.probs[i] != full[i];
    CHECK(shorter == 0, "a shorter pass differs in %d probabilities", shorter);

    /* one position at a time (generation) gives the bits of the whole pass */
    gpt_forward(&cfg, params, acts, tok, NULL, 1, T);
    gpt_acts_point(&aa, acts, &cfg, 1, T);
    memcpy(full, aa.probs, sizeof full);
    float *rows = malloc(sizeof(float) * gpt_num_acts(&cfg, 1, T));
    gpt_acts rr;
    gpt_acts_point(&rr, rows, &cfg, 1, T);
    gpt_forward_rows(&cfg, params, rows, tok, T, 0, 2);
    for (int t = 2; t < T; t++) gpt_forward_rows(&cfg, params, rows, tok, T, t, t + 1);
    int differ = 0;
    for (int i = 0; i < T * V; i++) differ += rr.probs[i] != full[i];
    CHECK(differ == 0, "generating position by position differs in %d probabilities", differ);
    free(rows);

    free(params), free(grads), free(acts), free(gacts);
    return CHECK_DONE("test_gpt");
}
