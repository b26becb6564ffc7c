/* test_softmax_regression.c: softmax regression (engine/softmax_regression.c) against
 * mathematics:
 *   - the softmax: probabilities are positive and sum to one; adding a constant to every logit
 *     changes nothing; logits of 1000 give finite, correct probabilities (against closed forms),
 *     where the naive formula gives NaN;
 *   - the loss and its gradient p - y: the loss equals an independent computation with <math.h>
 *     from one-hot targets, and the gradient equals central finite differences of it;
 *   - at the start (W = 0) the loss is log K and the bias gradient is 1/K - (share of class k);
 *   - at convergence the gradient vanishes, which says the predicted probabilities of each class
 *     add up to its count and their first moments match the class's coordinates;
 *   - the naive scene: with the coordinates in small units the naive softmax's run stops with a
 *     reason that names the overflow, no non-finite number reaches a view, and the stable run of
 *     the same settings stays finite;
 *   - a sweep of every parameter's min, max and default. */
#include "../../engine/softmax_regression.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_softmax_regression;

static mlm_instance *start(uint64_t seed, const char *const *names, const double *vals, int n) {
    mlm_instance *in = mlm_create(M);
    for (int k = 0; k < n; k++) check_set(in, names[k], vals[k]);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* The loss from its definition: one-hot targets t_ik, p from exp / sum with <math.h>, in long
   double so that it is a reference, not a copy. */
static double ref_loss(const sm_state *s, const double *W, const double *b) {
    long double sum = 0;
    for (int i = 0; i < s->N; i++) {
        const double *x = s->c->x + 2 * i;
        long double z[SM_K_MAX], m = -INFINITY, e = 0;
        for (int k = 0; k < s->K; k++) {
            z[k] = (long double)W[2 * k] * s->scale * x[0] + (long double)W[2 * k + 1] * s->scale * x[1] + b[k];
            if (z[k] > m) m = z[k];
        }
        for (int k = 0; k < s->K; k++) e += expl(z[k] - m);
        for (int k = 0; k < s->K; k++) {
            long double t = k == s->c->y[i] ? 1 : 0, logp = z[k] - m - logl(e);
            sum += -t * logp;
        }
    }
    return (double)(sum / s->N);
}

static void test_declaration(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
}

static void test_softmax(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 7, 1);
    for (int trial = 0; trial < 2000; trial++) {
        int K = 1 + (int)mlm_rng_below(&r, SM_K_MAX);
        double z[SM_K_MAX], zc[SM_K_MAX], p[SM_K_MAX], pc[SM_K_MAX];
        double spread = trial < 1000 ? 10 : 2000; /* ordinary logits, then huge ones */
        for (int k = 0; k < K; k++) z[k] = mlm_rng_range(&r, -spread, spread);
        double lse = mlm_softmax(p, z, K), sum = 0;
        for (int k = 0; k < K; k++) {
            CHECK(p[k] >= 0 && p[k] <= 1, "p[%d] = %g", k, p[k]);
            sum += p[k];
        }
        CHECK_NEAR(sum, 1.0, 1e-14);
        /* log-sum-exp against the definition where it is representable */
        if (spread < 100) {
            double e = 0;
            for (int k = 0; k < K; k++) e += exp(z[k]);
            CHECK_REL(lse, log(e), 1e-13);
            for (int k = 0; k < K; k++) CHECK_NEAR(p[k], exp(z[k]) / e, 1e-14);
        }
        /* invariance: adding a constant to every logit changes no probability, and shifts the
           log-sum-exp by exactly that constant */
        double cst = mlm_rng_range(&r, -500, 500);
        for (int k = 0; k < K; k++) zc[k] = z[k] + cst;
        double lsec = mlm_softmax(pc, zc, K);
        for (int k = 0; k < K; k++) CHECK_NEAR(pc[k], p[k], 1e-12);
        CHECK_REL(lsec, lse + cst, 1e-13);
    }
    /* logits of 1000: closed forms. softmax(1000, 999, 0) = (1, e^-1, e^-1000) / (1 + e^-1 + ...) */
    double z[3] = {1000, 999, 0}, p[3];
    double lse = mlm_softmax(p, z, 3);
    double e1 = exp(-1.0);
    CHECK_NEAR(p[0], 1 / (1 + e1), 1e-15);
    CHECK_NEAR(p[1], e1 / (1 + e1), 1e-15);
    CHECK(p[2] >= 0 && p[2] < 1e-300, "p[2] = %g", p[2]);
    CHECK_NEAR(lse, 1000 + log1p(e1), 1e-12);
    /* the naive formula on the same logits: e^1000 is infinite, infinity / infinity is NaN */
    double pn[3];
    double sum = mlm_softmax_naive(pn, z, 3);
    CHECK(isinf(sum) && isnan(pn[0]), "naive: sum %g, p0 %g (expected inf and NaN)", sum, pn[0]);
    double worst;
    CHECK(sm_naive_failure(z, 3, &worst) && worst == 1000, "the failure is not recognised");
    double zl[3] = {-1000, -1001, -2000};
    mlm_softmax(p, zl, 3);
    CHECK_NEAR(p[0], 1 / (1 + e1), 1e-15);
    mlm_softmax_naive(pn, zl, 3);
    CHECK(isnan(pn[0]), "naive with every logit below -745: %g (expected NaN: 0 / 0)", pn[0]);
    /* on ordinary logits the two agree */
    double zo[4] = {0.3, -1.2, 2.5, 0}, a[4], bn[4];
    mlm_softmax(a, zo, 4), mlm_softmax_naive(bn, zo, 4);
    for (int k = 0; k < 4; k++) CHECK_NEAR(a[k], bn[k], 1e-15);
}

static void test_gradient(void) {
    const char *names[] = {"classes", "n", "scale"};
    for (int K = 3; K <= SM_K_MAX; K++) {
        for (int sc = 0; sc < 2; sc++) {
            double vals[] = {K, 120, sc ? 3.0 : 1.0};
            mlm_instance *in = start(11 + K, names, vals, 3);
            sm_state *s = in->self;
            mlm_rng r;
            mlm_rng_seed(&r, 99, (uint64_t)K);
            double W[SM_K_MAX * 2], b[SM_K_MAX], gW[SM_K_MAX * 2], gb[SM_K_MAX];
            for (int k = 0; k < K; k++) {
                W[2 * k] = mlm_rng_range(&r, -1, 1), W[2 * k + 1] = mlm_rng_range(&r, -1, 1);
                b[k] = mlm_rng_range(&r, -1, 1);
            }
            for (int naive = 0; naive < 2; naive++) {
                double L = sm_loss_grad(s, W, b, gW, gb, naive, NULL, NULL, NULL);
                CHECK_REL(L, ref_loss(s, W, b), 1e-12);
                const double h = 1e-6;
                for (int j = 0; j < 3 * K; j++) {
                    double *w = j < 2 * K ? &W[j] : &b[j - 2 * K];
                    double g = j < 2 * K ? gW[j] : gb[j - 2 * K], keep = *w;
                    *w = keep + h;
                    double up = ref_loss(s, W, b);
                    *w = keep - h;
                    double dn = ref_loss(s, W, b);
                    *w = keep;
                    CHECK_NEAR(g, (up - dn) / (2 * h), 1e-7 * fmax(1, fabs(g)));
                }
            }
            mlm_destroy(in);
        }
    }
}

static void test_start_and_optimum(void) {
    const char *names[] = {"classes", "noise"};
    for (int K = 3; K <= SM_K_MAX; K++) {
        double vals[] = {K, 0.8}; /* overlapping classes: a finite optimum exists */
        mlm_instance *in = start(5, names, vals, 2);
        sm_state *s = in->self;
        int count[SM_K_MAX] = {0};
        for (int i = 0; i < s->N; i++) count[s->c->y[i]]++;
        double L0 = sm_loss_grad(s, s->W, s->b, s->gW, s->gb, 0, NULL, NULL, NULL);
        CHECK_NEAR(L0, log((double)K), 1e-14);
        for (int k = 0; k < K; k++) CHECK_NEAR(s->gb[k], 1.0 / K - (double)count[k] / s->N, 1e-15);
        check_run_to_end(in, 20000);
        CHECK(in->status == MLM_CONVERGED, "K = %d did not converge: %s", K, in->reason);
        /* at the optimum, sum_i p_ik = n_k and sum_i p_ik x_i = sum of class k's points */
        double z[SM_K_MAX], p[SM_K_MAX], mass[SM_K_MAX] = {0}, mom[SM_K_MAX][2] = {{0}}, own[SM_K_MAX][2] = {{0}};
        for (int i = 0; i < s->N; i++) {
            const double *x = s->c->x + 2 * i;
            sm_logits(s, s->W, s->b, x, z);
            mlm_softmax(p, z, K);
            for (int k = 0; k < K; k++) mass[k] += p[k], mom[k][0] += p[k] * x[0], mom[k][1] += p[k] * x[1];
            own[s->c->y[i]][0] += x[0], own[s->c->y[i]][1] += x[1];
        }
        for (int k = 0; k < K; k++) {
            CHECK_NEAR(mass[k], count[k], 1e-5 * s->N);
            CHECK_NEAR(mom[k][0], own[k][0], 1e-5 * s->N);
            CHECK_NEAR(mom[k][1], own[k][1], 1e-5 * s->N);
        }
        /* the loss curve never rose (a small enough step on a convex, smooth loss) */
        for (int j = 1; j < s->hist.n; j++)
            CHECK(s->hist.xy[2 * j + 1] <= s->hist.xy[2 * j - 1] + 1e-6f, "loss rose at %g", s->hist.xy[2 * j]);
        mlm_destroy(in);
    }
}

static void test_naive_overflow(void) {
    const char *names[] = {"softmax", "scale"};
    double vals[] = {SM_NAIVE, 100};
    mlm_instance *in = start(1, names, vals, 2);
    check_run_to_end(in, 200);
    CHECK(in->status == MLM_DIVERGED && in->final, "the naive run at scale 100 did not stop: %s", in->reason);
    CHECK(strstr(in->reason, "naive softmax") && strstr(in->reason, "not a number"), "reason: %s", in->reason);
    CHECK(in->status_step <= 5, "it overflowed only at step %lld", (long long)in->status_step);
    CHECK(check_views_nonfinite(in) == 0, "non-finite numbers reached a view");
    for (int k = 0; k < 2 * SM_K_MAX; k++) CHECK(isfinite(((sm_state *)in->self)->W[k]), "W[%d]", k);
    CHECK(in->views[V_ZMAX].value > 709, "the largest logit shown is %g", in->views[V_ZMAX].value);
    mlm_destroy(in);
    /* the same settings with the stable softmax: finite all along */
    double vals2[] = {SM_STABLE, 100};
    in = start(1, names, vals2, 2);
    check_run_to_end(in, 500);
    CHECK(in->status != MLM_DIVERGED, "the stable run diverged: %s", in->reason);
    CHECK(check_views_nonfinite(in) == 0, "non-finite numbers reached a view");
    mlm_destroy(in);
    /* at scale 1 the naive softmax never meets a large logit and trains exactly like the stable
       one, to rounding */
    double vals3[] = {SM_NAIVE, 1}, vals4[] = {SM_STABLE, 1};
    mlm_instance *a = start(2, names, vals3, 2), *b = start(2, names, vals4, 2);
    mlm_step(a, 300), mlm_step(b, 300);
    CHECK(a->status != MLM_DIVERGED, "%s", a->reason);
    for (int k = 0; k < 2 * SM_K_MAX; k++)
        CHECK_NEAR(((sm_state *)a->self)->W[k], ((sm_state *)b->self)->W[k], 1e-9);
    mlm_destroy(a), mlm_destroy(b);
}

static void test_regions(void) {
  for (int data = 0; data < 2; data++) {
    const char *names[] = {"data"};
    double vals[] = {data};
    mlm_instance *in = start(3, names, vals, 1);
    mlm_step(in, data ? 3000 : 200);
    mlm_draw(in);
    sm_state *s = in->self;
    const float *f = in->views[V_REGIONS].data;
    /* every cell against an independent argmax of the logits (the softmax is monotone) */
    int bad = 0;
    for (int r = 0; r < SM_GRID; r++)
        for (int q = 0; q < SM_GRID; q++) {
            double x[2] = {s->box[0] + q * (s->box[1] - s->box[0]) / (SM_GRID - 1),
                           s->box[2] + r * (s->box[3] - s->box[2]) / (SM_GRID - 1)};
            double best = -INFINITY;
            int kb = 0;
            for (int k = 0; k < s->K; k++) {
                double z = s->W[2 * k] * x[0] + s->W[2 * k + 1] * x[1] + s->b[k];
                if (z > best) best = z, kb = k;
            }
            double v = f[r * SM_GRID + q];
            bad += (int)floor(v) != kb || v - floor(v) < 0 || v - floor(v) >= 1;
        }
    CHECK(bad == 0, "%d cells disagree with the argmax of the logits", bad);
    double acc = in->views[V_ACC].value;
    CHECK(acc > 90, "data %d: accuracy %g %%", data, acc);
    if (data) CHECK(s->N == 150 && s->K == 3, "iris: %d points, %d classes", s->N, s->K);
    mlm_destroy(in);
  }
}

int main(void) {
    test_declaration();
    test_softmax();
    test_gradient();
    test_start_and_optimum();
    test_naive_overflow();
    test_regions();
    int runs = check_sweep(M, 300);
    CHECK(runs > 20, "sweep made %d runs", runs);
    return CHECK_DONE("test_softmax_regression");
}
