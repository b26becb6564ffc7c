/* test_playground.c: the playground (engine/playground.c) against mathematics. The network itself
 * is the shared MLP, whose own test covers its kernels; this one checks what the playground adds
 * and promises:
 *   - the datasets are what the chapter says (circles split by radius, XOR by quadrant, the
 *     spiral's arms half a turn apart), and the stored features are x1, x2, x1², x2², x1x2,
 *     sin x1, sin x2 of each point;
 *   - the loss the playground trains on (mean cross-entropy with 0/1 labels plus the L1 or L2
 *     penalty) equals an independent computation from the raw coordinates, and its gradient
 *     equals central finite differences of that independent loss, through every feature;
 *   - learning targets: the spiral at the defaults passes 95 % training accuracy within 3000
 *     steps (for several seeds, printing the step), circles, XOR and the blobs are learnt too;
 *     L1 drives many more weights to (near) zero than no penalty; a large learning rate is
 *     reported as divergence and nothing non-finite reaches a view;
 *   - the drawing: every cell of the decision-boundary grid and every unit's tile equals an
 *     independent forward pass at that point; the probe's values are that point's forward pass;
 *   - determinism, checkpoints (a copy of the instance block restores a run exactly), pointer
 *     input (moves the probe, takes no step), and a sweep of every parameter's min, max, default. */
#include "../../engine/playground.c"

#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_playground;
#define P_(name) mlm_param_index(M, name)

/* A run with the defaults changed by "name", value pairs (NULL-terminated). */
static mlm_instance *start(uint64_t seed, const char *name, ...) {
    mlm_instance *in = mlm_create(M);
    va_list ap;
    va_start(ap, name);
    for (const char *n = name; n; n = va_arg(ap, const char *)) {
        double v = va_arg(ap, double);
        CHECK(P_(n) >= 0, "no parameter %s", n);
        mlm_set(in, P_(n), v);
    }
    va_end(ap);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* ---- an independent forward pass, from the raw coordinates, with <math.h> ---- */

static double ref_act(int act, double z) {
    switch (act) {
    case MLP_SIGMOID: return 1 / (1 + exp(-z));
    case MLP_TANH: return tanh(z);
    case MLP_RELU: return z > 0 ? z : 0;
    case MLP_LEAKY_RELU: return z > 0 ? z : 0.01 * z;
    default: return z;
    }
}

/* The features the chapter lists, selected by mask, in its order. */
static int ref_features(double *f, double x1, double x2, unsigned mask) {
    double all[7] = {x1, x2, x1 * x1, x2 * x2, x1 * x2, sin(x1), sin(x2)};
    int n = 0;
    for (int k = 0; k < 7; k++)
        if (mask & (1u << k)) f[n++] = all[k];
    return n;
}

/* A running hash of which side of 0 every ReLU-like unit's input was on, over the forward passes
   since it was last cleared: two evaluations with different hashes straddle a kink. */
static uint64_t ref_signs;

/* P(class 1) at (x1, x2) for parameters p laid out as mlp.h says (W_1, b_1, W_2, b_2, ...);
   units (U,) gets every hidden unit's activation when not NULL. */
static double ref_predict(const pg_state *s, const double *p, double x1, double x2, double *units) {
    double a[PG_WMAX > MLP_FEAT_COUNT ? PG_WMAX : MLP_FEAT_COUNT], z[PG_WMAX];
    int I = ref_features(a, x1, x2, s->mask);
    const mlp *net = &s->net;
    for (int l = 1; l < net->L; l++) {
        int O = net->sizes[l];
        const double *W = p, *b = p + (size_t)O * I;
        for (int o = 0; o < O; o++) {
            double sum = b[o];
            for (int i = 0; i < I; i++) sum += W[o * I + i] * a[i];
            z[o] = sum;
        }
        p += (size_t)O * I + O;
        if (l == net->L - 1) return 1 / (1 + exp(-z[0]));
        for (int o = 0; o < O; o++) {
            a[o] = ref_act(net->hidden_act, z[o]);
            ref_signs = ref_signs * 31 + (z[o] > 0);
        }
        if (units) memcpy(units, a, sizeof(double) * (size_t)O), units += O;
        I = O;
    }
    return 0;
}

/* The training objective over rows idx[0..B) of the dataset, from raw coordinates:
   mean of -y log p - (1 - y) log(1 - p), plus l1 Σ|w| + l2/2 Σ w² over the weights. */
static double ref_loss(const pg_state *s, const double *p, const double (*pts)[2], const double *y,
                       int B, double l1, double l2) {
    double sum = 0;
    for (int r = 0; r < B; r++) {
        double q = ref_predict(s, p, pts[r][0], pts[r][1], NULL);
        sum += -(y[r] * log(q) + (1 - y[r]) * log(1 - q));
    }
    double pen = 0;
    const mlp *net = &s->net;
    for (int l = 1, off = 0; l < net->L; l++) {
        int nw = net->sizes[l] * net->sizes[l - 1];
        for (int k = 0; k < nw; k++) pen += l1 * fabs(p[off + k]) + 0.5 * l2 * p[off + k] * p[off + k];
        off += nw + net->sizes[l];
    }
    return sum / B + pen;
}

/* The raw coordinates of stored row r: x1, x2 are the first two features when both are on. */
static void row_point(const pg_state *s, int r, double *pt) {
    pt[0] = s->c->x[(size_t)r * s->F], pt[1] = s->c->x[(size_t)r * s->F + 1];
}

static double train_accuracy(pg_state *s) {
    double acc;
    pg_evaluate(s, 0, NULL, &acc);
    return acc;
}

/* ---- the tests ---- */

static void test_declaration(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    int big[] = {MLP_FEAT_COUNT, PG_WMAX, PG_WMAX, PG_WMAX, PG_WMAX, PG_WMAX, PG_WMAX, 1};
    size_t need = mlp_bytes(big, 8, PG_BATCH_MAX);
    CHECK(need > 0 && need <= PG_MLP_BYTES_MAX, "the largest network needs %zu bytes", need);
    /* the largest everything must fit the declared bounds */
    mlm_instance *in = start(3, "n", 1000.0, "layers", 6.0, "batch", 64.0, "f_x1sq", 1.0,
                             "f_x2sq", 1.0, "f_x1x2", 1.0, "train_frac", 0.9, NULL);
    CHECK(in->self != NULL, "the largest configuration did not start: %s", in->reason);
    CHECK(mlm_step(in, 20) == 20, "the largest configuration did not step");
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");
    mlm_destroy(in);
}

static void test_datasets(void) {
    for (int ds = 0; ds < 4; ds++) {
        mlm_instance *in = start(5, "dataset", (double)ds, "n", 400.0, NULL);
        pg_state *s = in->self;
        int ones = 0, wrong = 0;
        for (int r = 0; r < s->N; r++) {
            const double *f = s->c->x + (size_t)r * s->F;
            double x1 = f[0], x2 = f[1], y = s->c->y[r], rad = sqrt(x1 * x1 + x2 * x2);
            ones += y > 0.5;
            /* defaults: x1, x2, sin x1, sin x2 */
            CHECK(s->F == 4 && fabs(f[2] - sin(x1)) < 1e-12 && fabs(f[3] - sin(x2)) < 1e-12,
                  "stored features of row %d are not x1, x2, sin x1, sin x2", r);
            CHECK(fabs(x1) <= PG_BOX && fabs(x2) <= PG_BOX, "point (%g, %g) outside the square", x1, x2);
            if (ds == PG_CIRCLES) wrong += (y > 0.5) != (rad <= 2) || (y < 0.5 && (rad < 3.5 - 1e-9 || rad > 5 + 1e-9));
            if (ds == PG_XOR) wrong += (y > 0.5) != (x1 * x2 > 0) || fabs(x1) < 0.3 || fabs(x2) < 0.3;
        }
        CHECK(wrong == 0, "dataset %d: %d points break its rule", ds, wrong);
        /* circles, blobs and spiral alternate the classes: exactly half each */
        if (ds != PG_XOR) CHECK(ones == s->N / 2, "dataset %d: %d of %d in class 1", ds, ones, s->N);
        else CHECK(ones > s->N / 3 && ones < 2 * s->N / 3, "xor: %d of %d in class 1", ones, s->N);
        CHECK(s->M == 200 && s->T == 200, "train/test split %d/%d", s->M, s->T);
        mlm_destroy(in);
    }
    /* the spiral: a point of one arm turned by half a turn lies on the other arm. Without noise,
       each class-1 point's mirror image (-x1, -x2) is a class-0 point of the same radius. */
    mlm_instance *in = start(2, "n", 200.0, NULL);
    pg_state *s = in->self;
    int unmatched = 0;
    for (int r = 0; r < s->N; r++) {
        if (s->c->y[r] < 0.5) continue;
        double pt[2], best = 1e9;
        row_point(s, r, pt);
        for (int q = 0; q < s->N; q++) {
            if (s->c->y[q] > 0.5) continue;
            double o[2];
            row_point(s, q, o);
            best = fmin(best, hypot(o[0] + pt[0], o[1] + pt[1]));
        }
        unmatched += best > 1e-9;
    }
    CHECK(unmatched == 0, "%d spiral points have no mirror image on the other arm", unmatched);
    mlm_destroy(in);
}

/* The playground's loss and gradient against the independent objective, through all seven
   features, with each penalty. */
static void test_gradients(void) {
    for (int reg = 0; reg < 3; reg++) {
        for (int act = 0; act < MLP_ACT_COUNT; act++) {
            mlm_instance *in = start(11 + act, "layers", 3.0, "n1", 5.0, "n2", 3.0, "n3", 4.0,
                                     "f_x1sq", 1.0, "f_x2sq", 1.0, "f_x1x2", 1.0, "act", (double)act,
                                     "reg", (double)reg, "reg_rate", 0.01, "batch", 12.0,
                                     "dataset", (double)PG_CIRCLES, NULL);
            pg_state *s = in->self;
            mlm_step(in, 30); /* leave the initial point, so biases are non-zero too */
            double l1 = reg == PG_REG_L1 ? 0.01 : 0, l2 = reg == PG_REG_L2 ? 0.01 : 0;
            CHECK(s->net.l1 == l1 && s->net.l2 == l2, "penalty wiring: l1 %g l2 %g", s->net.l1, s->net.l2);
            int B = 12;
            double pts[12][2], y[12], xb[12 * MLP_FEAT_COUNT];
            for (int r = 0; r < B; r++) {
                row_point(s, 3 * r, pts[r]);
                y[r] = s->c->y[3 * r];
                memcpy(xb + r * s->F, s->c->x + (size_t)(3 * r) * s->F, sizeof(double) * s->F);
            }
            double loss = mlp_forward(&s->net, xb, y, B, NULL);
            mlp_backward(&s->net);
            int P = s->net.n_params;
            double *p = malloc(sizeof(double) * P), *g = malloc(sizeof(double) * P);
            memcpy(p, s->net.params, sizeof(double) * P);
            memcpy(g, s->net.grads, sizeof(double) * P);
            double want = ref_loss(s, p, (const double(*)[2])pts, y, B, l1, l2);
            CHECK_REL(loss, want, 1e-10);
            double worst = 0;
            int kinks = 0;
            for (int k = 0; k < P; k++) {
                double h = 1e-6, keep = p[k];
                p[k] = keep + h;
                ref_signs = 0;
                double up = ref_loss(s, p, (const double(*)[2])pts, y, B, l1, l2);
                uint64_t signs_up = ref_signs;
                p[k] = keep - h;
                ref_signs = 0;
                double dn = ref_loss(s, p, (const double(*)[2])pts, y, B, l1, l2);
                p[k] = keep;
                /* ReLU has no derivative where its input is exactly 0 (a unit fed only by dead
                   units sees just its bias, which stays 0), nor |w| at w = 0. The MLP takes the
                   subgradient 0 there; finite differences across the kink cannot check that, so
                   such parameters are skipped (and counted). */
                int relu_kink = signs_up != ref_signs;
                int l1_kink = l1 > 0 && fabs(keep) <= h;
                if (relu_kink || l1_kink) {
                    kinks++;
                    continue;
                }
                double fd = (up - dn) / (2 * h);
                double err = fabs(fd - g[k]) / fmax(1e-3, fabs(fd) + fabs(g[k]));
                worst = fmax(worst, err);
            }
            CHECK(worst < 1e-5, "reg %d act %d: gradient differs from finite differences by %g (relative)",
                  reg, act, worst);
            int relu_like = act == MLP_RELU || act == MLP_LEAKY_RELU;
            CHECK(kinks <= (relu_like ? P / 4 : 0), "reg %d act %d: %d of %d parameters at a kink", reg,
                  act, kinks, P);
            free(p);
            free(g);
            mlm_destroy(in);
        }
    }
}

/* Steps until training accuracy first exceeds `target` (checked every 10 steps), or -1. */
static int steps_to(mlm_instance *in, double target, int max) {
    pg_state *s = in->self;
    for (int t = 10; t <= max; t += 10) {
        mlm_step(in, 10);
        if (in->status == MLM_DIVERGED) return -1;
        if (train_accuracy(s) > target) return t;
    }
    return -1;
}

static void test_learning(void) {
    /* the done criterion: the spiral at the defaults, > 95 % training accuracy within 3000 steps */
    printf("spiral at the defaults, first step past 95%% training accuracy:");
    for (uint64_t seed = 1; seed <= 8; seed++) {
        mlm_instance *in = start(seed, NULL);
        int t = steps_to(in, 0.95, 3000);
        printf(" seed %llu: %d;", (unsigned long long)seed, t);
        CHECK(t > 0, "seed %llu: the spiral was not learnt within 3000 steps", (unsigned long long)seed);
        mlm_destroy(in);
    }
    printf("\n");
    for (int ds = 0; ds < 3; ds++) {
        mlm_instance *in = start(1, "dataset", (double)ds, NULL);
        int t = steps_to(in, 0.95, 3000);
        CHECK(t > 0, "dataset %d not learnt within 3000 steps", ds);
        mlm_destroy(in);
    }
    /* and with only x1 and x2 the circles and XOR are still learnt (the hidden units build the
       curved boundary themselves) */
    for (int ds = 0; ds < 2; ds++) {
        mlm_instance *in = start(1, "dataset", (double)ds, "f_sinx1", 0.0, "f_sinx2", 0.0, NULL);
        int t = steps_to(in, 0.95, 6000);
        CHECK(t > 0, "dataset %d not learnt from x1, x2 within 6000 steps", ds);
        mlm_destroy(in);
    }
}

/* L1 pulls weights to zero and holds them there (within about lr λ, the size of one step of
   its constant pull); without a penalty almost none are that small. */
static void test_l1(void) {
    int small[2] = {0, 0}, total = 0;
    for (int reg = 0; reg < 2; reg++) {
        mlm_instance *in = start(4, "dataset", (double)PG_CIRCLES, "reg", (double)reg, "reg_rate", 0.01,
                                 "f_x1sq", 1.0, "f_x2sq", 1.0, "f_x1x2", 1.0, NULL);
        pg_state *s = in->self;
        mlm_step(in, 4000);
        total = 0;
        for (int l = 1; l < s->net.L; l++)
            for (int k = 0; k < s->net.sizes[l] * s->net.sizes[l - 1]; k++, total++)
                small[reg] += fabs(s->net.W[l][k]) < 0.01;
        if (reg == PG_REG_L1) CHECK(train_accuracy(s) > 0.95, "L1 at 0.01 stopped the circles being learnt");
        mlm_destroy(in);
    }
    printf("weights below 0.01 after 4000 steps on the circles: %d of %d without a penalty, %d with L1\n",
           small[0], total, small[1]);
    CHECK(small[1] >= total / 2 && small[0] <= total / 10, "L1: %d small weights, none: %d (of %d)",
          small[1], small[0], total);
}

static void test_divergence(void) {
    mlm_instance *in = start(1, "act", (double)MLP_IDENTITY, "lr", 10.0, NULL);
    mlm_step(in, 500);
    CHECK(in->status == MLM_DIVERGED && in->final, "a learning rate of 10 did not diverge");
    CHECK(strstr(in->reason, "infinite") && strstr(in->reason, "learning rate"), "reason: %s", in->reason);
    CHECK(mlp_finite(&((pg_state *)in->self)->net), "the shown network is not finite");
    CHECK(check_views_nonfinite(in) == 0, "non-finite values reach the views after divergence");
    mlm_destroy(in);
}

/* Every cell of the boundary grid, every unit's tile and the probe's values are forward passes. */
static void test_drawing(void) {
    mlm_instance *in = start(6, "layers", 3.0, "n2", 5.0, "f_x1x2", 1.0, NULL);
    pg_state *s = in->self;
    mlm_step(in, 700);
    mlm_draw(in);
    const double *p = s->net.params;
    double worst = 0;
    for (int r = 0; r < PG_GRID; r += 3)
        for (int c = 0; c < PG_GRID; c += 3) {
            double x = -PG_BOX + c * 2 * PG_BOX / (PG_GRID - 1), y = -PG_BOX + r * 2 * PG_BOX / (PG_GRID - 1);
            worst = fmax(worst, fabs(s->c->field[r * PG_GRID + c] - (ref_predict(s, p, x, y, NULL) - 0.5)));
        }
    CHECK(worst < 1e-6, "the boundary grid differs from forward passes by %g", worst);
    /* tiles: features first, then hidden units, then the output; row 0 at the top */
    const int S = PG_TILE, stride = 3 + S * S;
    double units[PG_HMAX * PG_WMAX], f[MLP_FEAT_COUNT];
    worst = 0;
    for (int r = 0; r < S; r++)
        for (int c = 0; c < S; c++) {
            double x = -PG_BOX + c * 2 * PG_BOX / (S - 1), y = PG_BOX - r * 2 * PG_BOX / (S - 1);
            int F = ref_features(f, x, y, s->mask);
            double q = ref_predict(s, p, x, y, units);
            for (int k = 0; k < F; k++) worst = fmax(worst, fabs(s->c->tiles[k * stride + 3 + r * S + c] - f[k]));
            for (int u = 0; u < s->U; u++)
                worst = fmax(worst, fabs(s->c->tiles[(F + u) * stride + 3 + r * S + c] - units[u]));
            worst = fmax(worst, fabs(s->c->tiles[(F + s->U) * stride + 3 + r * S + c] - (q - 0.5)));
        }
    CHECK(worst < 1e-5, "the tiles differ from forward passes by %g", worst);
    CHECK(in->views[V_TILES].count == s->F + s->U + 1, "%d tiles", in->views[V_TILES].count);
    int E = 0;
    for (int l = 1; l < s->net.L; l++) E += s->net.sizes[l] * s->net.sizes[l - 1];
    CHECK(in->views[V_EDGES].count == E, "%d edges, want %d", in->views[V_EDGES].count, E);
    /* the histogram counts every weight once */
    double bars = 0;
    for (int b = 0; b < in->views[V_HIST].count; b++) bars += in->views[V_HIST].data[2 * b + 1];
    CHECK(bars == E, "the weight histogram holds %g weights, not %d", bars, E);

    /* the probe: a press moves it, takes no step, and the diagram shows its forward pass */
    int64_t steps = in->steps;
    mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, -2.5, 1.25);
    mlm_pointer(in, P_NET, MLM_POINTER_DOWN, 4, 4); /* not the data panel: ignored */
    CHECK(in->steps == steps, "the pointer took a step");
    CHECK(s->probe[0] == -2.5 && s->probe[1] == 1.25, "probe at (%g, %g)", s->probe[0], s->probe[1]);
    mlm_draw(in);
    double q = ref_predict(s, p, -2.5, 1.25, units);
    int F = ref_features(f, -2.5, 1.25, s->mask);
    double want[PG_TILES];
    memcpy(want, f, sizeof(double) * F);
    memcpy(want + F, units, sizeof(double) * s->U);
    want[F + s->U] = q;
    /* the labels read back as the values, to their two decimals */
    const char *t = in->views[V_VALS].text;
    int K = in->views[V_VALS].count, bad = 0;
    for (int k = 0; k < K; k++) {
        char *end;
        double v = strtod(t, &end);
        bad += end == t || fabs(v - want[k]) > 0.0051;
        t = *end ? end + 1 : end;
    }
    CHECK(K == F + s->U + 1 && bad == 0, "%d of %d probe labels are not the forward pass", bad, K);
    double vals[PG_TILES];
    pg_probe_values(s, vals);
    worst = 0;
    for (int k = 0; k < K; k++) worst = fmax(worst, fabs(vals[k] - want[k]));
    CHECK(worst < 1e-12, "the probe's values differ from the forward pass by %g", worst);
    CHECK(in->views[V_PROBE].data[0] == -2.5f && in->views[V_PROBE].data[1] == 1.25f, "probe marker");
    /* a press outside the square is clamped to it */
    mlm_pointer(in, P_DATA, MLM_POINTER_MOVE, 50, -50);
    CHECK(s->probe[0] == PG_BOX && s->probe[1] == -PG_BOX, "probe not clamped");
    mlm_destroy(in);
}

/* The same seed gives the same run; a copy of the instance block is a complete checkpoint. */
static void test_determinism(void) {
    mlm_instance *a = start(9, NULL), *b = start(9, NULL), *c = start(10, NULL);
    mlm_step(a, 333), mlm_step(b, 333), mlm_step(c, 333);
    pg_state *sa = a->self, *sb = b->self, *sc = c->self;
    size_t P = sizeof(double) * sa->net.n_params;
    CHECK(memcmp(sa->net.params, sb->net.params, P) == 0, "same seed, different weights");
    CHECK(memcmp(sa->net.params, sc->net.params, P) != 0, "different seeds, same weights");
    /* checkpoint at 333, run on to 600, restore, run again to 600: the same weights */
    size_t n = mlm_snapshot_size(a);
    unsigned char *snap = malloc(n);
    memcpy(snap, a, n);
    mlm_step(a, 267);
    double *w600 = malloc(P);
    memcpy(w600, sa->net.params, P);
    mlm_draw(a);
    float field600 = a->views[V_FIELD].data[1234];
    memcpy(a, snap, n);
    CHECK(a->steps == 333, "restored to step %lld", (long long)a->steps);
    mlm_step(a, 267);
    CHECK(memcmp(sa->net.params, w600, P) == 0, "a restored checkpoint replays differently");
    mlm_draw(a);
    CHECK(a->views[V_FIELD].data[1234] == field600, "the replayed drawing differs");
    printf("checkpoint: %zu bytes\n", n);
    free(snap);
    free(w600);
    mlm_destroy(a), mlm_destroy(b), mlm_destroy(c);
}

static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    for (int i = 0; i < M->n_params; i++) {
        const mlm_param *p = &M->params[i];
        double vals[3] = {p->min, p->max, p->def};
        for (int k = 0; k < 3; k++) {
            mlm_desc_defaults(M, in->desc);
            mlm_set(in, i, vals[k]);
            int ok = mlm_reset(in, 7) == 0;
            CHECK(ok, "%s = %g: reset failed: %s", p->name, vals[k], in->reason);
            if (!ok) continue;
            mlm_step(in, 300);
            CHECK(check_views_nonfinite(in) == 0, "%s = %g: non-finite views", p->name, vals[k]);
        }
    }
    /* every dataset with every activation, and every depth */
    for (int ds = 0; ds < 4; ds++)
        for (int act = 0; act < MLP_ACT_COUNT; act++)
            for (int layers = 0; layers <= PG_HMAX; layers += 3) {
                mlm_desc_defaults(M, in->desc);
                mlm_set(in, P_("dataset"), ds), mlm_set(in, P_("act"), act), mlm_set(in, P_("layers"), layers);
                mlm_set(in, P_("lr"), 3.0);
                int ok = mlm_reset(in, 3) == 0;
                CHECK(ok, "reset failed: %s", in->reason);
                mlm_step(in, 300);
                CHECK(check_views_nonfinite(in) == 0, "dataset %d act %d layers %d: non-finite views", ds, act, layers);
            }
    /* no feature ticked: refused with a reason the widget shows, never trained on x1, x2 behind
       the reader's back */
    mlm_desc_defaults(M, in->desc);
    for (int k = 0; k < MLP_FEAT_COUNT; k++) mlm_set(in, P_("f_x1") + k, 0);
    CHECK(mlm_reset(in, 1) == -1 && in->self == NULL && in->final, "no features: the run started");
    CHECK(strstr(in->reason, "Switch on at least one input feature") != NULL, "reason: %s", in->reason);
    mlm_set(in, P_("f_x2sq"), 1); /* any one will do */
    CHECK(mlm_reset(in, 1) == 0 && ((pg_state *)in->self)->F == 1, "one feature: %s", in->reason);
    /* layers = 0 is logistic regression: no hidden unit, F + 1 tiles, F edges */
    mlm_desc_defaults(M, in->desc);
    mlm_set(in, P_("layers"), 0);
    mlm_reset(in, 1);
    mlm_step(in, 10);
    mlm_draw(in);
    CHECK(((pg_state *)in->self)->U == 0 && in->views[V_TILES].count == 5 && in->views[V_EDGES].count == 4,
          "layers 0: %d tiles, %d edges", in->views[V_TILES].count, in->views[V_EDGES].count);
    mlm_destroy(in);
}

/* Layer k's width applies while there are at least k layers; the penalty's rate with a penalty. */
static void test_when(void) {
    pg_desc d;
    mlm_desc_defaults(M, &d);
    for (int layers = 0; layers <= PG_HMAX; layers++) {
        d.layers = layers;
        for (int k = 1; k <= PG_HMAX; k++) {
            char name[4] = {'n', (char)('0' + k), 0};
            CHECK(mlm_param_applies(M, &d, P_(name)) == (k <= layers), "%s with %d layers", name, layers);
        }
    }
    for (int reg = 0; reg < 3; reg++) {
        d.reg = reg;
        CHECK(mlm_param_applies(M, &d, P_("reg_rate")) == (reg != PG_REG_NONE), "reg_rate with reg %d", reg);
    }
    CHECK(mlm_param_applies(M, &d, P_("lr")) && mlm_param_applies(M, &d, P_("layers")), "unconditional");
}

/* The probe is the reader's input: it survives a reset and any parameter change, a link's text
   puts it back exactly, and texts that are not a point of the square are refused without
   changing the run. */
static void test_input(void) {
    mlm_instance *in = start(4, NULL);
    pg_state *s = in->self;
    char buf[MLM_INPUT_MAX + 1];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 0, "at (px, py) there is nothing to keep: '%s'", buf);
    mlm_step(in, 20);
    mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, -2.504, 1.3333);
    CHECK(s->probe[0] == -2.5 && s->probe[1] == 1.33, "probe at (%.17g, %.17g)", s->probe[0], s->probe[1]);
    int len = mlm_input_get(in, buf, sizeof buf);
    CHECK(len > 0 && strcmp(buf, "-2.50~1.33") == 0, "input '%s'", buf);
    /* kept by a reset with other parameters */
    mlm_set(in, P_("layers"), 3);
    CHECK(mlm_reset(in, 5) == 0, "%s", in->reason);
    s = in->self;
    CHECK(in->steps == 0 && s->probe[0] == -2.5 && s->probe[1] == 1.33, "lost by reset: (%g, %g)", s->probe[0], s->probe[1]);
    /* a link's text into a fresh instance: the same point, to the bit, the same drawing */
    mlm_instance *b = start(5, "layers", 3.0, NULL);
    CHECK(mlm_input_set(b, buf) == 0, "'%s' refused", buf);
    pg_state *sb = b->self;
    CHECK(sb->probe[0] == s->probe[0] && sb->probe[1] == s->probe[1], "(%.17g, %.17g)", sb->probe[0], sb->probe[1]);
    mlm_draw(in), mlm_draw(b);
    CHECK(strcmp(in->views[V_PROBE_TEXT].text, b->views[V_PROBE_TEXT].text) == 0, "%s / %s",
          in->views[V_PROBE_TEXT].text, b->views[V_PROBE_TEXT].text);
    static const char *const good[] = {"6~-6", "0.5~0", "-0.05~5.99"};
    static const double want[][2] = {{6, -6}, {0.5, 0}, {-0.05, 5.99}};
    for (int k = 0; k < MLM_COUNT(good); k++) {
        CHECK(mlm_input_set(b, good[k]) == 0 && sb->probe[0] == want[k][0] && sb->probe[1] == want[k][1],
              "'%s' read as (%g, %g)", good[k], sb->probe[0], sb->probe[1]);
    }
    /* hostile or malformed: refused, the run unchanged */
    size_t size = mlm_snapshot_size(b);
    unsigned char *before = malloc(size);
    memcpy(before, b, size);
    static const char *const bad[] = {"", "1", "1~", "~1", "1~2~3", "6.01~0", "0~-7", "1e1~0", "inf~0",
                                      "nan~nan", "0x1~0", "1.~2", "1.234~0", "--1~0", "1 ~2", "1~2 ",
                                      "100~0", ".5~0", "1,2", "AAAA"};
    for (int k = 0; k < MLM_COUNT(bad); k++) {
        CHECK(mlm_input_set(b, bad[k]) == -1, "'%s' accepted", bad[k]);
        CHECK(memcmp(before, b, size) == 0, "'%s' changed the run", bad[k]);
    }
    free(before);
    mlm_destroy(b);
    mlm_destroy(in);
}

int main(void) {
    test_when();
    test_input();
    test_declaration();
    test_datasets();
    test_gradients();
    test_learning();
    test_l1();
    test_divergence();
    test_drawing();
    test_determinism();
    test_sweep();
    return CHECK_DONE("test_playground");
}
