/* test_neurons.c: checks the neurons module against mathematics, not against itself: the drawn
 * activation curves equal the closed forms of sigmoid, tanh, ReLU and leaky ReLU, and the drawn
 * derivatives equal central differences of them; the one-input neuron's gradient, the 2-D neuron's
 * cross-entropy gradient and the hinge sum's gradient (kinks included) match finite differences
 * of their losses; the hinge sum equals the line plus its drawn hinges at every x, and the drawn
 * polyline is the sum itself; the heatmap is σ(w·x + b) - 1/2, zero on the drawn decision line,
 * with the arrow along w; learning lowers every scene's loss, a saturated sigmoid learns slowly, a
 * dead ReLU not at all, a leaky one recovers; a single neuron separates the blobs but cannot do
 * better than chance on XOR. Plus a sweep of every parameter's min, max and default per scene. */
#include "../../engine/neurons.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_neurons;
#define P_(name) mlm_param_index(M, name)

static mlm_instance *start(int scene, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("scene"), scene);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

static mlm_instance *restart(mlm_instance *in, uint64_t seed) {
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* The activations from their definitions, with the C library's exp and tanh. */
static double closed_f(int act, double z) {
    switch (act) {
    case MLP_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case MLP_TANH: return tanh(z);
    case MLP_RELU: return z > 0 ? z : 0;
    case MLP_LEAKY_RELU: return z > 0 ? z : 0.01 * z;
    default: return z;
    }
}

/* Every drawn f is the closed form at the drawn z; every drawn f' is the central difference of
   the closed form there (away from the kink at 0, where the one-sided slopes differ). */
static void check_activation_curves(void) {
    mlm_instance *in = start(NEU_SCENE_ACT, 1);
    for (int act = 0; act < MLP_ACT_COUNT; act++) {
        mlm_set(in, P_("act"), act);
        restart(in, 1);
        mlm_draw(in);
        const mlm_view_state *f = &in->views[V_F], *df = &in->views[V_DF];
        CHECK(f->count == NEU_CURVE && df->count == NEU_CURVE, "curves drawn");
        for (int i = 0; i < f->count; i++) {
            double z = f->data[2 * i];
            CHECK_NEAR(df->data[2 * i], z, 0);
            CHECK_NEAR(f->data[2 * i + 1], closed_f(act, z), 2e-6 * (1 + fabs(z)));
            if (fabs(z) < 1e-3) continue;
            double h = 1e-5, fd = (closed_f(act, z + h) - closed_f(act, z - h)) / (2 * h);
            CHECK_NEAR(df->data[2 * i + 1], fd, 1e-5);
        }
        /* and the marks on them sit on the curves, at z = w x + b of each sample */
        const neu_state *s = in->self;
        for (int n = 0; n < NEU_AN; n++) {
            double z = s->w * s->ax[n] + s->bias;
            CHECK_NEAR(in->views[V_FPTS].data[3 * n], z, 1e-5 * (1 + fabs(z)));
            CHECK_NEAR(in->views[V_FPTS].data[3 * n + 1], closed_f(act, z), 1e-6);
        }
    }
    /* ReLU's derivative at the kink is the subgradient 0; leaky ReLU's is its slope. */
    CHECK_NEAR(mlp_activation_grad(MLP_RELU, 0, 0, 0.01), 0, 0);
    CHECK_NEAR(mlp_activation_grad(MLP_LEAKY_RELU, 0, 0, 0.01), 0.01, 0);
    mlm_destroy(in);
}

/* The one-input neuron: the chain-rule gradient against central differences of the loss. */
static void check_one_neuron_gradient(void) {
    mlm_rng rng;
    mlm_rng_seed(&rng, 5, 1);
    double x[NEU_AN], y[NEU_AN];
    for (int n = 0; n < NEU_AN; n++) x[n] = -2 + 4.0 * n / (NEU_AN - 1) + 0.013, y[n] = mlm_rng_normal(&rng);
    for (int act = 0; act < MLP_ACT_COUNT; act++)
        for (int trial = 0; trial < 8; trial++) {
            double w = 2 * mlm_rng_normal(&rng), b = 2 * mlm_rng_normal(&rng), gw, gb, mdf, g2, dummy;
            neu_one_neuron(&gw, &gb, &mdf, w, b, x, y, NEU_AN, act, 0.01);
            double h = 1e-6;
            double lwp = neu_one_neuron(&g2, &g2, &dummy, w + h, b, x, y, NEU_AN, act, 0.01);
            double lwm = neu_one_neuron(&g2, &g2, &dummy, w - h, b, x, y, NEU_AN, act, 0.01);
            double lbp = neu_one_neuron(&g2, &g2, &dummy, w, b + h, x, y, NEU_AN, act, 0.01);
            double lbm = neu_one_neuron(&g2, &g2, &dummy, w, b - h, x, y, NEU_AN, act, 0.01);
            CHECK_REL(gw, (lwp - lwm) / (2 * h), 1e-6);
            CHECK_REL(gb, (lbp - lbm) / (2 * h), 1e-6);
        }
}

/* The 2-D neuron: the network's gradient equals the closed form of the cross-entropy's,
   dL/dw = 1/D Σ (σ(z) - y) x and dL/db = 1/D Σ (σ(z) - y), and central differences of the
   cross-entropy -y log σ(z) - (1 - y) log(1 - σ(z)) computed here. */
static double bce_here(const neu_state *s, double w1, double w2, double b) {
    double L = 0;
    for (int n = 0; n < NEU_DN; n++) {
        double p = 1.0 / (1.0 + exp(-(w1 * s->dx[2 * n] + w2 * s->dx[2 * n + 1] + b)));
        L -= s->dy[n] > 0.5 ? log(p) : log(1 - p);
    }
    return L / NEU_DN;
}

static void check_neuron2d_gradient(void) {
    for (int data = 0; data < 2; data++) {
        mlm_instance *in = mlm_create(M);
        mlm_set(in, P_("scene"), NEU_SCENE_2D);
        mlm_set(in, P_("data"), data);
        restart(in, 3);
        mlm_step(in, 7); /* somewhere along the way, not only at the sliders' start */
        const neu_state *s = in->self;
        double w1 = s->net.W[1][0], w2 = s->net.W[1][1], b = s->net.b[1][0];
        double g[3] = {0, 0, 0};
        for (int n = 0; n < NEU_DN; n++) {
            double x1 = s->dx[2 * n], x2 = s->dx[2 * n + 1];
            double r = 1.0 / (1.0 + exp(-(w1 * x1 + w2 * x2 + b))) - s->dy[n];
            g[0] += r * x1 / NEU_DN, g[1] += r * x2 / NEU_DN, g[2] += r / NEU_DN;
        }
        CHECK_REL(s->net.dW[1][0], g[0], 1e-10);
        CHECK_REL(s->net.dW[1][1], g[1], 1e-10);
        CHECK_REL(s->net.db[1][0], g[2], 1e-10);
        CHECK_REL(s->d_loss, bce_here(s, w1, w2, b), 1e-10);
        double h = 1e-6;
        CHECK_REL(s->net.dW[1][0], (bce_here(s, w1 + h, w2, b) - bce_here(s, w1 - h, w2, b)) / (2 * h), 1e-6);
        CHECK_REL(s->net.dW[1][1], (bce_here(s, w1, w2 + h, b) - bce_here(s, w1, w2 - h, b)) / (2 * h), 1e-6);
        CHECK_REL(s->net.db[1][0], (bce_here(s, w1, w2, b + h) - bce_here(s, w1, w2, b - h)) / (2 * h), 1e-6);
        mlm_destroy(in);
    }
}

/* The heatmap is σ(w·x + b) - 1/2 at each grid point; the drawn line has w·x + b = 0 at both
   ends; the arrow points along w. */
static void check_neuron2d_drawing(void) {
    mlm_instance *in = start(NEU_SCENE_2D, 2);
    for (int round = 0; round < 3; round++) {
        mlm_step(in, round * 10);
        mlm_draw(in);
        const neu_state *s = in->self;
        double w1 = s->net.W[1][0], w2 = s->net.W[1][1], b = s->net.b[1][0];
        const mlm_view_state *f = &in->views[V_FIELD];
        CHECK(f->w == NEU_GRID && f->h == NEU_GRID, "grid size");
        for (int r = 0; r < NEU_GRID; r += 6)
            for (int c = 0; c < NEU_GRID; c += 6) {
                double x1 = -NEU_BOX + 2 * NEU_BOX * c / (NEU_GRID - 1);
                double x2 = -NEU_BOX + 2 * NEU_BOX * r / (NEU_GRID - 1);
                CHECK_NEAR(f->data[r * NEU_GRID + c], 1.0 / (1.0 + exp(-(w1 * x1 + w2 * x2 + b))) - 0.5, 1e-6);
            }
        const float *L = in->views[V_LINE].data;
        CHECK(in->views[V_LINE].count == 1, "line drawn");
        for (int e = 0; e < 2; e++) CHECK_NEAR(w1 * L[2 * e] + w2 * L[2 * e + 1] + b, 0, 1e-4 * (1 + fabs(L[2 * e]) + fabs(L[2 * e + 1])));
        const float *A = in->views[V_ARROW].data;
        double len = sqrt((double)A[2] * A[2] + (double)A[3] * A[3]), nw = sqrt(w1 * w1 + w2 * w2);
        CHECK_NEAR((A[2] * w1 + A[3] * w2) / (len * nw), 1, 1e-6);
        CHECK(len <= NEU_ARROW_MAX + 1e-5, "arrow kept on the plot: %g", len);
    }
    /* a moved slider gives a different field version (the renderer caches by version) */
    uint32_t v0 = in->views[V_FIELD].version;
    mlm_set(in, P_("w1"), 2.5);
    restart(in, 2);
    mlm_draw(in);
    CHECK(in->views[V_FIELD].version != v0, "fresh field version");
    mlm_destroy(in);
}

/* Linear interpolation of a polyline (x ascending) at x. */
static double polyline_at(const float *p, int n, double x) {
    for (int i = 0; i + 1 < n; i++)
        if (x >= p[2 * i] && x <= p[2 * i + 2]) {
            double x0 = p[2 * i], x1 = p[2 * i + 2];
            double u = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
            return p[2 * i + 1] + u * (p[2 * i + 3] - p[2 * i + 1]);
        }
    return NAN;
}

/* The hinge sum equals b + m x + the drawn hinges at every x, the drawn sum polyline is the sum,
   and the sum is what its definition says, before and after training. */
static void check_relu_sum(void) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("scene"), NEU_SCENE_RELU);
    mlm_set(in, P_("hinges"), 7);
    restart(in, 1);
    for (int round = 0; round < 3; round++) {
        mlm_step(in, round == 0 ? 0 : 400);
        mlm_draw(in);
        const neu_state *s = in->self;
        const mlm_view_state *hs = &in->views[V_HINGES], *line = &in->views[V_HLINE], *sum = &in->views[V_HSUM];
        CHECK(hs->count == 2 * s->K, "two segments per hinge");
        double lo = line->data[0], hi = line->data[2];
        for (int q = 0; q <= 300; q++) {
            double x = lo + (hi - lo) * q / 300.0;
            double want = s->hb + s->hm * x;
            for (int k = 0; k < s->K; k++) want += s->c[k] * (x > s->t[k] ? x - s->t[k] : 0);
            /* the line plus each drawn hinge, read off its two segments */
            double got = line->data[1] + (x - lo) / (hi - lo) * (line->data[3] - line->data[1]);
            for (int k = 0; k < s->K; k++) {
                const float *g = hs->data + 8 * k;
                double u = polyline_at((const float[]){g[0], g[1], g[2], g[3], g[6], g[7]}, 3, x);
                if (g[2] == g[0]) u = g[5] + (x - g[4]) / (g[6] - g[4]) * (g[7] - g[5]);
                got += u;
            }
            double scale = 1 + fabs(want);
            CHECK_NEAR(got, want, 1e-4 * scale);
            CHECK_NEAR(polyline_at(sum->data, sum->count, x), want, 1e-4 * scale);
            CHECK_NEAR(neu_relu_sum(s->hb, s->hm, s->c, s->t, s->K, x), want, 1e-12 * scale);
        }
    }
    mlm_destroy(in);
}

/* The hinge-sum gradient, kinks included, against central differences (the data points are a
   grid, and the kinks are kept off it, where the loss is smooth in t). */
static void check_relu_gradient(void) {
    mlm_rng rng;
    mlm_rng_seed(&rng, 9, 2);
    double x[NEU_RN], y[NEU_RN];
    for (int n = 0; n < NEU_RN; n++) x[n] = -3 + 6.0 * n / (NEU_RN - 1), y[n] = mlm_sin(x[n]);
    for (int trial = 0; trial < 6; trial++) {
        int K = 1 + trial * 2;
        double c[NEU_HMAX], t[NEU_HMAX], gc[NEU_HMAX], gt[NEU_HMAX], gb, gm, d1, d2, dc[NEU_HMAX], dt[NEU_HMAX];
        double b = mlm_rng_normal(&rng), m = mlm_rng_normal(&rng);
        for (int k = 0; k < K; k++) c[k] = mlm_rng_normal(&rng), t[k] = -2.9 + 5.8 * mlm_rng_uniform(&rng);
        for (int k = 0; k < K; k++) t[k] = floor(t[k] * 10) / 10 + 0.05; /* halfway between grid points */
        neu_relu_backward(&gb, &gm, gc, gt, b, m, c, t, K, x, y, NEU_RN);
        double h = 1e-6;
#define L_(bb, mm) neu_relu_backward(&d1, &d2, dc, dt, bb, mm, c, t, K, x, y, NEU_RN)
        CHECK_REL(gb, (L_(b + h, m) - L_(b - h, m)) / (2 * h), 1e-6);
        CHECK_REL(gm, (L_(b, m + h) - L_(b, m - h)) / (2 * h), 1e-6);
        for (int k = 0; k < K; k++) {
            double keep = c[k];
            c[k] = keep + h; double up = L_(b, m);
            c[k] = keep - h; double dn = L_(b, m);
            c[k] = keep;
            CHECK_REL(gc[k], (up - dn) / (2 * h), 1e-6);
            keep = t[k];
            t[k] = keep + h; up = L_(b, m);
            t[k] = keep - h; dn = L_(b, m);
            t[k] = keep;
            CHECK_REL(gt[k], (up - dn) / (2 * h), 1e-6);
        }
#undef L_
    }
}

static double loss_now(mlm_instance *in) { return neu_loss(in, in->self); }

/* Learning: every scene's loss falls; the stories the chapter tells about saturation. */
static void check_learning(void) {
    for (int scene = 0; scene < 3; scene++) {
        mlm_instance *in = mlm_create(M);
        mlm_set(in, P_("scene"), scene);
        if (scene == NEU_SCENE_2D) mlm_set(in, P_("lr"), 0.5);
        if (scene == NEU_SCENE_RELU) mlm_set(in, P_("hinge_lr"), 0.05);
        restart(in, 1);
        double L0 = loss_now(in);
        mlm_step(in, 3);
        CHECK(in->status == MLM_RUNNING, "defaults do not finish at once (scene %d)", scene);
        mlm_step(in, 300);
        double L1 = loss_now(in);
        CHECK(L1 < 0.5 * L0, "scene %d: loss %g -> %g", scene, L0, L1);
        if (scene == NEU_SCENE_RELU) {
            mlm_step(in, 700);
            CHECK(loss_now(in) < 0.01, "1000 steps of hinges fit sin x: loss %g", loss_now(in));
        }
        mlm_destroy(in);
    }
    /* the default sigmoid neuron finds the target's weight and bias */
    mlm_instance *in = start(NEU_SCENE_ACT, 1);
    mlm_step(in, 3000);
    const neu_state *s = in->self;
    CHECK(in->status == MLM_CONVERGED, "sigmoid converges: %s", in->reason);
    CHECK_NEAR(s->w, NEU_TW, 1e-4);
    CHECK_NEAR(s->bias, NEU_TB, 1e-4);
    /* saturated start: the mean slope over the samples is tiny and 100 steps barely help */
    mlm_set(in, P_("w0"), 0.5);
    mlm_set(in, P_("b0"), -6);
    restart(in, 1);
    s = in->self;
    CHECK(s->a_mean_df < 0.01, "saturated sigmoid: mean f' %g", s->a_mean_df);
    double L0 = loss_now(in);
    mlm_step(in, 100);
    CHECK(loss_now(in) > 0.9 * L0, "a saturated sigmoid learns slowly: %g -> %g", L0, loss_now(in));
    mlm_step(in, 1900);
    CHECK(loss_now(in) < 1e-3 * L0, "but it gets there: %g", loss_now(in));
    /* ReLU from the same start: dead, gradient exactly zero, stuck at step 1 */
    mlm_set(in, P_("act"), MLP_RELU);
    restart(in, 1);
    mlm_step(in, 50);
    CHECK(in->steps == 1 && in->status == MLM_CONVERGED, "dead ReLU stops at once: %lld %s",
          (long long)in->steps, in->reason);
    CHECK_NEAR(((neu_state *)in->self)->w, 0.5, 0);
    /* leaky ReLU from the same start recovers */
    mlm_set(in, P_("act"), MLP_LEAKY_RELU);
    restart(in, 1);
    mlm_step(in, 1000);
    CHECK(in->status == MLM_CONVERGED && loss_now(in) < 1e-10, "leaky ReLU recovers: %s", in->reason);
    mlm_destroy(in);
    /* one neuron separates the blobs well, but XOR no better than chance */
    in = mlm_create(M);
    mlm_set(in, P_("scene"), NEU_SCENE_2D);
    mlm_set(in, P_("lr"), 0.5);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        mlm_set(in, P_("data"), NEU_BLOBS);
        restart(in, seed);
        mlm_step(in, 2000);
        CHECK(((neu_state *)in->self)->d_acc >= 0.8, "blobs: accuracy %g", ((neu_state *)in->self)->d_acc);
        mlm_set(in, P_("data"), NEU_XOR);
        restart(in, seed);
        mlm_step(in, 2000);
        CHECK(((neu_state *)in->self)->d_acc <= 0.7, "XOR: accuracy %g", ((neu_state *)in->self)->d_acc);
    }
    mlm_destroy(in);
    /* a learning rate far too large is reported, not drawn */
    in = mlm_create(M);
    mlm_set(in, P_("act"), MLP_IDENTITY);
    mlm_set(in, P_("lr"), 30);
    restart(in, 1);
    mlm_step(in, 300);
    CHECK(in->status == MLM_DIVERGED, "diverges: status %d", in->status);
    CHECK(check_views_nonfinite(in) == 0, "finite views after divergence");
    mlm_destroy(in);
}

/* Every parameter at its min, max and default, in every scene: 300 steps, finite views. */
static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    for (int scene = 0; scene < 3; scene++)
        for (int p = 0; p < M->n_params; p++) {
            const mlm_param *q = &M->params[p];
            double vals[3] = {q->min, q->max, q->def};
            for (int k = 0; k < 3; k++) {
                mlm_desc_defaults(M, in->desc);
                mlm_set(in, P_("scene"), scene);
                mlm_set(in, p, vals[k]);
                if (mlm_reset(in, 11) != 0) {
                    CHECK(0, "reset %s=%g: %s", q->name, vals[k], in->reason);
                    continue;
                }
                mlm_step(in, 300);
                long bad = check_views_nonfinite(in);
                CHECK(bad == 0, "scene %d %s=%g: %ld non-finite", scene, q->name, vals[k], bad);
                CHECK(check_state_used(in) <= M->state_bytes, "state bound %zu > %zu", check_state_used(in), M->state_bytes);
            }
        }
    mlm_destroy(in);
}

int main(void) {
    const char *err = mlm_manifest_check(M);
    CHECK(err == NULL, "manifest: %s", err ? err : "");
    CHECK(mlp_bytes(neu_sizes, 2, NEU_DN) <= NEU_MLP_BYTES, "network allowance");
    check_activation_curves();
    check_one_neuron_gradient();
    check_neuron2d_gradient();
    check_neuron2d_drawing();
    check_relu_sum();
    check_relu_gradient();
    check_learning();
    test_sweep();
    return CHECK_DONE("test_neurons");
}
