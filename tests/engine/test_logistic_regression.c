/* test_logistic_regression.c: logistic regression against its mathematics.
 *   - The gradient of lr_loss against central finite differences of the loss, and the Hessian
 *     against finite differences of the gradient, at random weights, with and without L2.
 *   - Convexity: vᵀ H v >= 0 for random v at random weights (H = 1/N Σ p(1-p) x xᵀ + λD).
 *   - The loss equals the negative mean log-likelihood written directly, -1/N Σ [y log p +
 *     (1 - y) log(1 - p)], where that is computable.
 *   - Full-batch descent, run to |∇L| < 1e-9, agrees with the IRLS (Newton) solution to 1e-8 in
 *     every weight, on overlapping data (with and without L2) and separable data with L2; and at the IRLS solution the gradient is
 *     zero to 1e-12.
 *   - Separable data, λ = 0: |w| keeps growing (larger at 40,000 steps than at 4,000, and at
 *     4,000 than at 400) while the loss falls towards 0; with λ > 0 the run converges and |w|
 *     stays within sqrt(2 log 2 / λ) (the penalty cannot exceed L(0) = log 2).
 *   - The stochastic methods stay finite; reader's points; a sweep of every parameter. */
#include "../../engine/logistic_regression.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_logistic_regression;

static mlm_instance *make(const char *data, const char *method, double l2, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", data);
    check_set_choice(in, "method", method);
    check_set(in, "l2", l2);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

#define X(s) ((const double(*)[3])(s)->x)

static void test_derivatives(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 42, 1);
    for (int k = 0; k < 40; k++) {
        mlm_instance *in = make(k % 2 ? "overlap" : "iris", "full", k % 3 == 0 ? 0.05 : 0, 1 + k);
        lr_state *s = in->self;
        double l2 = k % 3 == 0 ? 0.05 : 0;
        double w[3] = {mlm_rng_range(&r, -2, 2), mlm_rng_range(&r, -2, 2), mlm_rng_range(&r, -3, 3)};
        double g[3], h[9];
        double L = lr_loss(X(s), s->y, s->N, w, l2, g, h);
        /* the loss written as the negative log-likelihood */
        double nll = 0;
        for (int i = 0; i < s->N; i++) {
            double p = 1 / (1 + exp(-(w[0] * s->x[i][0] + w[1] * s->x[i][1] + w[2])));
            nll -= s->y[i] * log(p) + (1 - s->y[i]) * log(1 - p);
        }
        nll = nll / s->N + 0.5 * l2 * (w[0] * w[0] + w[1] * w[1]);
        CHECK_REL(L, nll, 1e-10);
        const double e = 1e-5;
        for (int a = 0; a < 3; a++) {
            double wp[3], wm[3], gp[3], gm[3];
            memcpy(wp, w, sizeof w), memcpy(wm, w, sizeof w);
            wp[a] += e, wm[a] -= e;
            double Lp = lr_loss(X(s), s->y, s->N, wp, l2, gp, NULL), Lm = lr_loss(X(s), s->y, s->N, wm, l2, gm, NULL);
            CHECK_REL(g[a], (Lp - Lm) / (2 * e), 1e-7);
            for (int b = 0; b < 3; b++) CHECK_REL(h[3 * b + a], (gp[b] - gm[b]) / (2 * e), 1e-6);
        }
        for (int t = 0; t < 20; t++) {
            double v[3] = {mlm_rng_normal(&r), mlm_rng_normal(&r), mlm_rng_normal(&r)}, q = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) q += v[a] * h[3 * a + b] * v[b];
            CHECK(q >= 0, "vᵀHv = %g < 0", q);
        }
        mlm_destroy(in);
    }
}

static void test_descent_agrees_with_irls(void) {
    const char *datas[3] = {"overlap", "overlap", "separable"};
    const double l2s[3] = {0, 0.01, 0.02};
    for (int k = 0; k < 3; k++) {
        mlm_instance *nt = make(datas[k], "newton", l2s[k], 3);
        check_run_to_end(nt, 100);
        lr_state *sn = nt->self;
        /* the widget stops at |g| < 1e-9; two more Newton steps (quadratic convergence) */
        for (int extra = 0; extra < 2; extra++) lr_irls_step(X(sn), sn->y, sn->N, sn->w, l2s[k]);
        CHECK(nt->status == MLM_CONVERGED && nt->steps < 30, "%s: Newton %s after %lld steps", datas[k], nt->reason,
              (long long)nt->steps);
        double g[3];
        lr_loss(X(sn), sn->y, sn->N, sn->w, l2s[k], g, NULL);
        CHECK(sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) < 1e-12, "%s: gradient at the IRLS solution", datas[k]);
        /* full-batch descent, stepped directly beyond the widget's step limit when it needs to */
        mlm_instance *gd = make(datas[k], "full", l2s[k], 3);
        lr_state *sg = gd->self;
        const lr_desc *d = gd->desc;
        double gn = 1;
        long t = 0;
        double eta = d->lr;
        for (; t < 3000000 && gn > 1e-11; t++) {
            lr_loss(X(sg), sg->y, sg->N, sg->w, l2s[k], g, NULL);
            for (int a = 0; a < 3; a++) sg->w[a] -= eta * g[a];
            gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
        }
        printf("%s: descent reached |g| %.1e after %ld steps; w = (%.10f, %.10f, %.10f), IRLS (%.10f, %.10f, %.10f)\n",
               datas[k], gn, t, sg->w[0], sg->w[1], sg->w[2], sn->w[0], sn->w[1], sn->w[2]);
        for (int a = 0; a < 3; a++) CHECK_NEAR(sg->w[a], sn->w[a], 1e-8);
        mlm_destroy(gd);
        mlm_destroy(nt);
    }
    /* the widget's own run: full batch at the defaults converges to the same weights */
    mlm_instance *a = make("overlap", "full", 0, 1), *b = make("overlap", "newton", 0, 1);
    check_run_to_end(a, 50000);
    check_run_to_end(b, 100);
    lr_state *sa = a->self, *sb = b->self;
    CHECK(a->status == MLM_CONVERGED, "%s", a->reason);
    for (int k = 0; k < 3; k++) CHECK_NEAR(sa->w[k], sb->w[k], 1e-8);
    mlm_destroy(a);
    mlm_destroy(b);
}

static double norm3(const double *w) { return sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]); }

static void test_separable(void) {
    mlm_instance *in = make("separable", "full", 0, 1);
    lr_state *s = in->self;
    double at[3];
    const int when[3] = {400, 4000, 40000};
    for (int k = 0; k < 3; k++) {
        while (in->steps < when[k] && !in->final) mlm_step(in, 1);
        at[k] = norm3(s->w);
    }
    printf("separable, no penalty: |w| = %.3f, %.3f, %.3f at steps 400, 4000, 40000; loss %.2e\n", at[0], at[1], at[2], s->loss);
    CHECK(at[1] > at[0] + 0.5 && at[2] > at[1] + 0.5, "|w| does not keep growing: %g %g %g", at[0], at[1], at[2]);
    CHECK(s->loss < 1e-3 && !in->final, "loss %g", s->loss);
    /* growth without bound: the direction settles and the loss only falls by growing |w|, so no
       finite w is a minimum: the gradient never vanishes */
    CHECK(s->gnorm > 0, "a zero gradient on separable data");
    mlm_destroy(in);
    const double l2s[3] = {0.001, 0.01, 0.1};
    for (int k = 0; k < 3; k++) {
        in = make("separable", "full", l2s[k], 1);
        s = in->self;
        double most = 0;
        while (!in->final) {
            mlm_step(in, 1);
            most = fmax(most, sqrt(s->w[0] * s->w[0] + s->w[1] * s->w[1]));
        }
        CHECK(in->status == MLM_CONVERGED, "λ = %g: %s", l2s[k], in->reason);
        CHECK(most <= sqrt(2 * log(2) / l2s[k]), "λ = %g: |w| reached %g > %g", l2s[k], most, sqrt(2 * log(2) / l2s[k]));
        mlm_destroy(in);
    }
}

static void test_stochastic_and_points(void) {
    const char *methods[2] = {"sgd", "mini"};
    for (int k = 0; k < 2; k++) {
        mlm_instance *in = make("overlap", methods[k], 0, 2);
        check_run_to_end(in, 5000);
        lr_state *s = in->self;
        CHECK(mlm_isfinite(s->loss) && s->loss < 0.7, "%s: loss %g", methods[k], s->loss);
        CHECK(check_views_nonfinite(in) == 0, "views");
        mlm_destroy(in);
    }
    mlm_instance *in = make("overlap", "full", 0, 2);
    lr_state *s = in->self;
    int n0 = s->N;
    CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, 4.0, -4.0) == 1, "a press restarts");
    s = in->self;
    CHECK(s->N == n0 + 1 && s->y[n0] == 1, "point added");
    char buf[64];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 4, "text %s", buf);
    mlm_instance *b = make("overlap", "full", 0, 2);
    CHECK(mlm_input_set(b, buf) == 0, "link");
    check_run_to_end(in, 3000), check_run_to_end(b, 3000);
    CHECK(memcmp(((lr_state *)b->self)->w, ((lr_state *)in->self)->w, 3 * sizeof(double)) == 0, "link run differs");
    CHECK(mlm_input_set(b, "*") == -1, "hostile text accepted");
    mlm_destroy(b);
    mlm_destroy(in);
    in = make("mine", "newton", 0, 1);
    check_run_to_end(in, 10);
    CHECK(in->final && strstr(in->reason, "no points"), "%s", in->reason);
    mlm_destroy(in);
}

static void test_sweep(void) {
    CHECK(check_sweep(M, 2000) > 20, "sweep");
    mlm_instance *in = make("separable", "newton", 0, 1);
    check_run_to_end(in, 1000);
    CHECK(check_views_nonfinite(in) == 0, "separable Newton: views");
    printf("separable Newton without a penalty: %s\n", in->reason);
    CHECK(in->status == MLM_FINISHED && strstr(in->reason, "no minimum"), "claims %s", in->reason);
    CHECK(check_state_used(in) <= M->state_bytes, "state");
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    mlm_destroy(in);
}

int main(void) {
    test_derivatives();
    test_descent_agrees_with_irls();
    test_separable();
    test_stochastic_and_points();
    test_sweep();
    return CHECK_DONE("test_logistic_regression");
}
