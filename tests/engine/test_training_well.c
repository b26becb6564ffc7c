/* test_training_well.c: checks the training-well module against what the chapter claims, with
 * numbers computed here rather than read back from the module where possible:
 *   - the data: inputs in [-1, 1], targets the true curve plus noise whose spread matches σ;
 *   - mini-batches: every training point is dealt exactly once per epoch, epochs = ceil(N/B) steps;
 *   - the errors: the module's training and validation MSE equal a forward pass written out here
 *     (tanh layers by hand), so they are evaluation passes (no dropout, no jitter);
 *   - overfitting at the defaults: the validation error reaches a minimum and then rises well
 *     above it while the training error keeps falling; the early-stopping point is the argmin of
 *     the validation error of every epoch, and the kept network has exactly that error;
 *   - weight decay: its gradient is λw (finite differences), and on the default seed it lowers
 *     the validation error after 6000 steps (0.166 without, 0.075 with λ = 0.0005);
 *   - dropout: applied in training passes only, and inverted: the mean of the dropped
 *     activations over many masks is the undropped activation;
 *   - augmentation: jitters only the inputs of the mini-batch (spread = the jitter size), never
 *     the stored training or validation data or the targets;
 *   - determinism and checkpoints, the memory bound, and a sweep of every parameter. */
#include "../../engine/training_well.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_training_well;
#define P_(name) mlm_param_index(M, name)

static mlm_instance *start(uint64_t seed, const char *name, double value, const char *name2,
                           double value2) {
    mlm_instance *in = mlm_create(M);
    if (name) mlm_set(in, P_(name), value);
    if (name2) mlm_set(in, P_(name2), value2);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* The network's output for one input, written out independently of mlp.c: two tanh layers and a
   linear output, weights row-major (out, in), each layer's biases after its weights. */
static double hand_forward(const tw_state *s, const double *params, double x) {
    int W = s->net.sizes[1];
    const double *W1 = params, *b1 = W1 + W, *W2 = b1 + W, *b2 = W2 + W * W, *W3 = b2 + W,
                 *b3 = W3 + W;
    double h1[TW_WIDTH_MAX], h2[TW_WIDTH_MAX];
    for (int j = 0; j < W; j++) h1[j] = tanh(W1[j] * x + b1[j]);
    for (int j = 0; j < W; j++) {
        double z = b2[j];
        for (int i = 0; i < W; i++) z += W2[j * W + i] * h1[i];
        h2[j] = tanh(z);
    }
    double y = b3[0];
    for (int i = 0; i < W; i++) y += W3[i] * h2[i];
    return y;
}

static double hand_mse(const tw_state *s, const double *params, const double *x, const double *y,
                       int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double e = hand_forward(s, params, x[i]) - y[i];
        sum += e * e;
    }
    return sum / n;
}

static double d_noise_sq(const mlm_instance *in) {
    const tw_desc *d = in->desc;
    return d->noise * d->noise;
}

static void check_memory_bound(void) {
    static const int sizes[4] = {1, TW_WIDTH_MAX, TW_WIDTH_MAX, 1};
    CHECK(TW_MLP_BYTES >= mlp_bytes(sizes, 4, TW_BATCH_MAX), "TW_MLP_BYTES %zu < mlp_bytes %zu",
          (size_t)TW_MLP_BYTES, mlp_bytes(sizes, 4, TW_BATCH_MAX));
    /* The largest configuration fits. */
    mlm_instance *in = start(3, "width", TW_WIDTH_MAX, "n", TW_N_MAX);
    mlm_set(in, P_("batch"), TW_BATCH_MAX);
    CHECK(mlm_reset(in, 3) == 0, "%s", in->reason);
    mlm_step(in, 5);
    CHECK(in->used <= in->cap && in->const_used <= in->const_cap, "memory");
    mlm_destroy(in);
}

/* Targets minus the true curve are the noise: mean near 0, spread near σ (validation: 100
   draws, so within about 3 standard errors). */
static void check_data(void) {
    mlm_instance *in = start(7, "noise", 0.4, NULL, 0);
    tw_state *s = in->self;
    double sum = 0, sq = 0;
    int inside = 1;
    for (int i = 0; i < TW_VAL; i++) {
        double e = s->c->y_va[i] - tw_truth(s->c->x_va[i]);
        sum += e, sq += e * e;
        inside &= s->c->x_va[i] >= -1 && s->c->x_va[i] <= 1;
    }
    for (int i = 0; i < s->N; i++) inside &= s->c->x_tr[i] >= -1 && s->c->x_tr[i] <= 1;
    CHECK(inside, "inputs outside [-1, 1]");
    CHECK(fabs(sum / TW_VAL) < 3 * 0.4 / 10, "noise mean %g", sum / TW_VAL);
    CHECK(fabs(sqrt(sq / TW_VAL) - 0.4) < 0.4 * 3 / sqrt(2.0 * TW_VAL), "noise sd %g", sqrt(sq / TW_VAL));
    CHECK(fabs(tw_truth(0.3) - (sin(0.75) + 0.09)) < 1e-12, "truth");
    mlm_destroy(in);
}

/* One epoch deals every training point once; N = 16, B = 5 gives batches 5, 5, 5, 1. */
static void check_minibatches(void) {
    mlm_instance *in = start(2, "batch", 5, "n", 16);
    tw_state *s = in->self;
    for (int epoch = 0; epoch < 3; epoch++) {
        int seen[TW_N_MAX] = {0};
        int sizes[8], nb = 0;
        for (int k = 0; k < 4; k++) {
            mlm_step(in, 1);
            int rows = s->rows;
            sizes[nb++] = rows;
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < s->N; i++)
                    if (s->xb[r] == s->c->x_tr[i]) seen[i]++;
        }
        int once = 1;
        for (int i = 0; i < s->N; i++) once &= seen[i] == 1;
        CHECK(once, "epoch %d: not every point dealt exactly once", epoch);
        CHECK(sizes[0] == 5 && sizes[1] == 5 && sizes[2] == 5 && sizes[3] == 1, "batch sizes %d %d %d %d",
              sizes[0], sizes[1], sizes[2], sizes[3]);
        CHECK(s->epoch == epoch + 1, "epoch %lld after %lld steps", (long long)s->epoch,
              (long long)in->steps);
    }
    mlm_destroy(in);
}

/* The defaults overfit: record the validation error of every epoch and check its shape, the
   early-stopping point, and that the errors are evaluation passes. */
static double final_val_at(double decay, double dropout, int augment, int steps) {
    mlm_instance *in = start(1, "decay", decay, "dropout", dropout);
    mlm_set(in, P_("augment"), augment);
    mlm_reset(in, 1);
    mlm_step(in, steps);
    double v = ((tw_state *)in->self)->mse_va;
    mlm_destroy(in);
    return v;
}

static void check_overfitting(void) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_reset(in, 1) == 0, "%s", in->reason);
    tw_state *s = in->self;
    enum { STEPS = 6000 };
    static double va[STEPS + 1], tr[STEPS + 1];
    int ne = 0;
    va[ne] = s->mse_va, tr[ne++] = s->mse_tr;
    for (int t = 0; t < STEPS; t++) {
        int64_t e = s->epoch;
        mlm_step(in, 1);
        if (s->epoch != e) va[ne] = s->mse_va, tr[ne++] = s->mse_tr;
    }
    CHECK(ne - 1 == STEPS / 2, "%d epochs in %d steps of 8 out of 16", ne - 1, STEPS);
    int arg = 0;
    for (int e = 1; e < ne; e++)
        if (va[e] < va[arg]) arg = e;
    CHECK(s->best_epoch == arg, "early stop at epoch %lld, argmin %d", (long long)s->best_epoch, arg);
    CHECK(s->best_va == va[arg], "best %g, min %g", s->best_va, va[arg]);
    /* The kept network has the recorded error: early stopping returns it. */
    CHECK_REL(hand_mse(s, s->best, s->c->x_va, s->c->y_va, TW_VAL), s->best_va, 1e-9);
    /* Overfitting: the minimum comes early, the last validation error is far above it, and the
       training error has fallen well below where it was at the minimum. */
    CHECK(arg > 0 && arg < ne / 4, "minimum at epoch %d of %d", arg, ne - 1);
    CHECK(va[ne - 1] > 1.5 * va[arg], "validation %g at the end, %g at the minimum", va[ne - 1], va[arg]);
    CHECK(tr[ne - 1] < 0.5 * tr[arg], "training %g at the end, %g at the minimum", tr[ne - 1], tr[arg]);
    CHECK(tr[ne - 1] < d_noise_sq(in) / 4, "training MSE %g not far below the noise σ²", tr[ne - 1]);
    printf("defaults: validation min %.4f at epoch %d, %.4f at epoch %d; training %.4f -> %.4f\n",
           va[arg], arg, va[ne - 1], ne - 1, tr[arg], tr[ne - 1]);
    /* Both errors are clean evaluation passes over the current network. */
    CHECK_REL(hand_mse(s, s->net.params, s->c->x_tr, s->c->y_tr, s->N), s->mse_tr, 1e-9);
    CHECK_REL(hand_mse(s, s->net.params, s->c->x_va, s->c->y_va, TW_VAL), s->mse_va, 1e-9);
    mlm_destroy(in);
}

/* Weight decay is the L2 penalty λ/2 Σw²: the loss's gradient matches finite differences of the
   loss (penalty included) on a fixed batch, and on the default seed decay lowers the validation
   error after 6000 steps, while the other two cures also end below the unregularised run. */
static void check_weight_decay(void) {
    mlm_instance *in = start(4, "decay", 0.004, NULL, 0);
    tw_state *s = in->self;
    mlm_step(in, 30);
    mlp *net = &s->net;
    double x[4] = {-0.7, -0.1, 0.4, 0.9}, y[4] = {0.2, -0.3, 0.5, 1.1};
    mlp_forward(net, x, y, 4, NULL);
    mlp_backward(net);
    int idx[3] = {3, net->sizes[1] * 2 + 5, net->n_params - 3};
    for (int k = 0; k < 3; k++) {
        double *w = &net->params[idx[k]], w0 = *w, h = 1e-6;
        *w = w0 + h;
        double lp = mlp_forward(net, x, y, 4, NULL);
        *w = w0 - h;
        double lm = mlp_forward(net, x, y, 4, NULL);
        *w = w0;
        mlp_forward(net, x, y, 4, NULL);
        mlp_backward(net);
        CHECK_NEAR(net->grads[idx[k]], (lp - lm) / (2 * h), 1e-7);
    }
    /* The penalty's own part is exactly λw: gradients with and without it differ by that. */
    double g_with = net->grads[idx[0]];
    net->l2 = 0;
    mlp_forward(net, x, y, 4, NULL);
    mlp_backward(net);
    CHECK_NEAR(g_with - net->grads[idx[0]], 0.004 * net->params[idx[0]], 1e-15);
    mlm_destroy(in);

    double off = final_val_at(0, 0, 0, 6000), decay = final_val_at(0.0005, 0, 0, 6000);
    double drop = final_val_at(0, 0.2, 0, 6000), aug = final_val_at(0, 0, 1, 6000);
    printf("validation MSE after 6000 steps, seed 1: none %.4f, decay 0.0005 %.4f, dropout 0.2 "
           "%.4f, jitter 0.05 %.4f\n", off, decay, drop, aug);
    CHECK(decay < 0.7 * off, "decay %g, none %g", decay, off);
    CHECK(drop < off && aug < off, "dropout %g, jitter %g, none %g", drop, aug, off);
}

/* Dropout only in training passes, and inverted: E[mask * a] = a. */
static void check_dropout(void) {
    mlm_instance *in = start(5, "dropout", 0.5, NULL, 0);
    tw_state *s = in->self;
    mlm_step(in, 50);
    mlp *net = &s->net;
    /* The module's errors are evaluation passes: no mask, whatever the dropout rate. */
    int64_t e = s->epoch;
    while (s->epoch == e) mlm_step(in, 1);
    CHECK_REL(hand_mse(s, net->params, s->c->x_va, s->c->y_va, TW_VAL), s->mse_va, 1e-9);
    double x = 0.3, y = 0;
    int W = net->sizes[1];
    double mean[TW_WIDTH_MAX] = {0};
    int trials = 20000, dropped = 0;
    for (int t = 0; t < trials; t++) {
        mlp_forward(net, &x, &y, 1, &in->rng);
        CHECK(net->trained, "a pass with an rng and dropout is a training pass");
        for (int j = 0; j < W; j++) mean[j] += net->drop[1][j] / trials, dropped += net->mask[1][j] == 0;
    }
    double worst = 0;
    for (int j = 0; j < W; j++) worst = fmax(worst, fabs(mean[j] - net->a[1][j]));
    /* Each mean is of 20000 values a * {0, 2}: standard error |a| / sqrt(20000) <= 0.0071. */
    CHECK(worst < 0.03, "mean dropped activation differs from the activation by %g", worst);
    CHECK(fabs((double)dropped / (trials * W) - 0.5) < 0.01, "dropped share %g", (double)dropped / (trials * W));
    double out_eval;
    mlp_forward(net, &x, NULL, 1, NULL);
    CHECK(!net->trained, "an evaluation pass drops nothing");
    out_eval = net->a[3][0];
    CHECK_REL(out_eval, hand_forward(s, net->params, x), 1e-12);
    mlm_destroy(in);
}

/* Augmentation jitters the batch's inputs only. */
static void check_augmentation(void) {
    mlm_instance *in = start(6, "augment", 1, "jitter", 0.1);
    tw_state *s = in->self;
    double x0[TW_N_MAX], y0[TW_N_MAX], xv = s->c->x_va[17], yv = s->c->y_va[17];
    memcpy(x0, s->c->x_tr, sizeof(double) * s->N);
    memcpy(y0, s->c->y_tr, sizeof(double) * s->N);
    double sum = 0, sq = 0;
    int n = 0, targets_ok = 1;
    for (int t = 0; t < 2000; t++) {
        int start_pos = s->pos >= s->N ? 0 : s->pos;
        mlm_step(in, 1);
        for (int r = 0; r < s->rows; r++) {
            int i = s->perm[start_pos + r];
            double e = s->xb[r] - x0[i];
            sum += e, sq += e * e, n++;
            targets_ok &= s->yb[r] == y0[i];
        }
    }
    CHECK(memcmp(x0, s->c->x_tr, sizeof(double) * s->N) == 0, "training inputs changed");
    CHECK(memcmp(y0, s->c->y_tr, sizeof(double) * s->N) == 0, "training targets changed");
    CHECK(xv == s->c->x_va[17] && yv == s->c->y_va[17], "validation data changed");
    CHECK(targets_ok, "a target was jittered");
    CHECK(fabs(sum / n) < 0.005, "jitter mean %g", sum / n);
    CHECK(fabs(sqrt(sq / n) - 0.1) < 0.005, "jitter sd %g over %d inputs", sqrt(sq / n), n);
    mlm_destroy(in);
    /* Off: the batch holds the stored inputs exactly. */
    in = start(6, NULL, 0, NULL, 0);
    s = in->self;
    mlm_step(in, 1);
    int same = 1;
    for (int r = 0; r < s->rows; r++) same &= s->xb[r] == s->c->x_tr[s->perm[r]];
    CHECK(same, "without augmentation the inputs must be the data");
    mlm_destroy(in);
}

/* A learning rate far too large must end in a sentence, never in non-finite views. */
static void check_divergence(void) {
    mlm_instance *in = start(1, "lr", 0.1, "width", TW_WIDTH_MAX);
    mlm_step(in, 2000);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");
    if (in->status == MLM_DIVERGED) CHECK(strstr(in->reason, "learning rate") != NULL, "%s", in->reason);
    mlm_destroy(in);
}

/* Same seed, same run; a copied block is a complete checkpoint. */
static void check_determinism(void) {
    mlm_instance *in = start(9, "dropout", 0.3, "augment", 1);
    mlm_step(in, 40);
    size_t size = mlm_snapshot_size(in);
    unsigned char *snap = malloc(size);
    memcpy(snap, in, size);
    mlm_step(in, 77);
    mlm_draw(in);
    float a = in->views[V_FIT].data[61], b1 = in->views[V_H_VA].data[3];
    memcpy(in, snap, size);
    mlm_step(in, 77);
    mlm_draw(in);
    CHECK(a == in->views[V_FIT].data[61] && b1 == in->views[V_H_VA].data[3], "restored run differs");
    free(snap);
    mlm_destroy(in);
}

/* Every parameter at its min, max and default: no failure, finite views, memory in bounds. */
static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    int runs = 0;
    for (int p = 0; p < M->n_params; p++) {
        const mlm_param *q = &M->params[p];
        double vals[3] = {q->min, q->max, q->def};
        for (int k = 0; k < 3; k++) {
            mlm_desc_defaults(M, in->desc);
            mlm_set(in, p, vals[k]);
            int ok = mlm_reset(in, 1 + (uint64_t)k) == 0;
            CHECK(ok, "%s=%g: %s", q->name, vals[k], in->reason);
            if (!ok) continue;
            CHECK(check_views_nonfinite(in) == 0, "%s=%g: non-finite view at step 0", q->name, vals[k]);
            mlm_step(in, 400);
            CHECK(check_views_nonfinite(in) == 0, "%s=%g: non-finite view", q->name, vals[k]);
            CHECK(in->used <= in->cap && in->const_used <= in->const_cap, "memory");
            runs++;
        }
    }
    CHECK(runs == 3 * M->n_params, "%d runs", runs);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    check_memory_bound();
    check_data();
    check_minibatches();
    check_overfitting();
    check_weight_decay();
    check_dropout();
    check_augmentation();
    check_divergence();
    check_determinism();
    test_sweep();
    return CHECK_DONE("test_training_well");
}
