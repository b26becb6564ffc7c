/* test_naive_bayes.c: the Gaussian classifiers of engine/naive_bayes.c against mathematics:
 *   - the estimates are the maximum-likelihood ones: they equal the sample mean and the biased
 *     sample variance (and covariance) computed independently, and the log-likelihood is
 *     stationary there (its finite-difference derivatives in every mean and variance vanish) and
 *     lower at every perturbation;
 *   - posteriors are probabilities that sum to one, even far from every class, and agree with
 *     Bayes' rule computed directly from the densities;
 *   - with one variance shared by the classes the log-odds between two classes is an affine
 *     function of x, so the border is a straight line; with separate variances it is not;
 *   - what the naive assumption loses: on the crossed clouds naive Bayes is near a coin toss and
 *     the full-covariance model is not;
 *   - iris: the leave-one-out accuracy on all four measurements equals a brute-force refit;
 *   - the reader's points: a press adds one of the chosen class and the estimates include it, a
 *     press on it removes it, the link text restores it, a restart keeps it;
 *   - a sweep of every parameter. */
#include "../../engine/naive_bayes.c"

#include <stdlib.h>

#define PI_ 3.14159265358979323846

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_naive_bayes;

static mlm_instance *start(uint64_t seed, const char *data, int model, int shared) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", data);
    check_set(in, "model", model);
    check_set(in, "shared", shared);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* Log-likelihood of the points of class k under a diagonal Gaussian (mean m, variances v), no
   smoothing: sum_i sum_j log N(x_ij; m_j, v_j). */
static double loglik(const double *x, const int *y, int S, int k, const double *m, const double *v) {
    double L = 0;
    for (int i = 0; i < S; i++) {
        if (y[i] != k) continue;
        for (int j = 0; j < 2; j++) {
            double d = x[2 * i + j] - m[j];
            L += -0.5 * (log(2 * PI_ * v[j]) + d * d / v[j]);
        }
    }
    return L;
}

static void test_mle(void) {
    mlm_rng r;
    mlm_rng_seed(&r, 42, 3);
    static double x[2 * 300];
    int y[300];
    for (int trial = 0; trial < 20; trial++) {
        int S = 20 + (int)mlm_rng_below(&r, 280), K = 2 + (int)mlm_rng_below(&r, 4);
        for (int i = 0; i < S; i++) {
            y[i] = (int)mlm_rng_below(&r, (uint32_t)K);
            x[2 * i] = 3 * mlm_rng_normal(&r) + y[i], x[2 * i + 1] = 0.5 * mlm_rng_normal(&r) - 2 * y[i] + 0.3 * x[2 * i];
        }
        nb_class est[NB_K_MAX];
        nb_fit(est, x, y, S, K);
        for (int k = 0; k < K; k++) {
            /* independently: long double sums, the textbook two-pass formulas */
            long double n = 0, s0 = 0, s1 = 0;
            for (int i = 0; i < S; i++)
                if (y[i] == k) n++, s0 += x[2 * i], s1 += x[2 * i + 1];
            CHECK(est[k].n == (int)n, "count %d vs %d", est[k].n, (int)n);
            if (n == 0) continue;
            long double m0 = s0 / n, m1 = s1 / n, v0 = 0, v1 = 0, c = 0;
            for (int i = 0; i < S; i++)
                if (y[i] == k) {
                    v0 += (x[2 * i] - m0) * (x[2 * i] - m0), v1 += (x[2 * i + 1] - m1) * (x[2 * i + 1] - m1);
                    c += (x[2 * i] - m0) * (x[2 * i + 1] - m1);
                }
            CHECK_REL(est[k].mean[0], (double)m0, 1e-12);
            CHECK_REL(est[k].mean[1], (double)m1, 1e-12);
            CHECK_REL(est[k].var[0], (double)(v0 / n), 1e-12); /* biased: / n, not / (n - 1) */
            CHECK_REL(est[k].var[1], (double)(v1 / n), 1e-12);
            CHECK_REL(est[k].cov, (double)(c / n), 1e-12);
            if (n < 2) continue;
            /* the likelihood is stationary at the estimates and lower anywhere near them */
            double m[2] = {est[k].mean[0], est[k].mean[1]}, v[2] = {est[k].var[0], est[k].var[1]};
            double L0 = loglik(x, y, S, k, m, v);
            for (int j = 0; j < 4; j++) {
                double *p = j < 2 ? &m[j] : &v[j - 2], keep = *p, h = 1e-5 * fmax(1, fabs(keep));
                *p = keep + h;
                double up = loglik(x, y, S, k, m, v);
                *p = keep - h;
                double dn = loglik(x, y, S, k, m, v);
                *p = keep;
                CHECK(fabs(up - dn) / (2 * h) < 1e-5 * n, "dL/dparam %d = %g at the MLE", j, (up - dn) / (2 * h));
                CHECK(up < L0 && dn < L0, "the likelihood rose when parameter %d moved", j);
                /* and the unbiased variance (n - 1 in the denominator) is not the maximum */
                if (j >= 2) {
                    *p = keep * n / (n - 1);
                    CHECK(loglik(x, y, S, k, m, v) < L0, "the unbiased variance is as likely");
                    *p = keep;
                }
            }
        }
    }
}

static void test_posterior(void) {
    mlm_instance *in = start(3, "blobs", NB_NAIVE, 0);
    check_run_to_end(in, 1000);
    nb_state *s = in->self;
    mlm_rng r;
    mlm_rng_seed(&r, 5, 5);
    for (int full = 0; full < 2; full++)
        for (int t = 0; t < 2000; t++) {
            double spread = t < 1000 ? 6 : 1000, x[2] = {mlm_rng_range(&r, -spread, spread), mlm_rng_range(&r, -spread, spread)};
            double post[NB_K_MAX], sum = 0;
            int best = nb_posterior(s->cls, s->K, full, x, post);
            for (int k = 0; k < s->K; k++) {
                CHECK(post[k] >= 0 && post[k] <= 1, "post %g", post[k]);
                sum += post[k];
                CHECK(post[k] <= post[best], "argmax");
            }
            CHECK_NEAR(sum, 1, 1e-12);
            if (t >= 1000) continue;
            /* Bayes' rule from the densities, with <math.h> */
            double joint[NB_K_MAX], tot = 0;
            int n = 0;
            for (int k = 0; k < s->K; k++) n += s->cls[k].n;
            for (int k = 0; k < s->K; k++) {
                const nb_class *c = &s->cls[k];
                double v0 = c->var[0] + NB_EPS, v1 = c->var[1] + NB_EPS, cv = full ? c->cov : 0;
                double det = v0 * v1 - cv * cv, d0 = x[0] - c->mean[0], d1 = x[1] - c->mean[1];
                double q = (v1 * d0 * d0 - 2 * cv * d0 * d1 + v0 * d1 * d1) / det;
                joint[k] = (double)c->n / n * exp(-q / 2) / (2 * PI_ * sqrt(det));
                tot += joint[k];
            }
            if (tot > 1e-200)
                for (int k = 0; k < s->K; k++) CHECK_NEAR(post[k], joint[k] / tot, 1e-9);
        }
    mlm_destroy(in);
}

/* log P(j | x) - log P(k | x), from the posterior */
static double logodds(const nb_state *s, int full, double x0, double x1, int j, int k) {
    double x[2] = {x0, x1}, post[NB_K_MAX];
    nb_posterior(s->cls, s->K, full, x, post);
    return log(post[j]) - log(post[k]);
}

static void test_straight_border(void) {
    for (int full = 0; full < 2; full++)
        for (int shared = 0; shared < 2; shared++) {
            mlm_instance *in = start(7, "blobs", full, shared);
            check_run_to_end(in, 1000);
            nb_state *s = in->self;
            if (shared)
                CHECK(s->cls[0].var[0] == s->cls[1].var[0] && s->cls[1].var[1] == s->cls[2].var[1] &&
                          s->cls[0].cov == s->cls[2].cov, "pooled variances differ");
            /* affine log-odds: f((a + b) / 2) = (f(a) + f(b)) / 2 along random chords */
            mlm_rng r;
            mlm_rng_seed(&r, 9, 9);
            double worst = 0;
            for (int t = 0; t < 200; t++) {
                double a0 = mlm_rng_range(&r, -3, 3), a1 = mlm_rng_range(&r, -3, 3);
                double b0 = mlm_rng_range(&r, -3, 3), b1 = mlm_rng_range(&r, -3, 3);
                double mid = logodds(s, full, (a0 + b0) / 2, (a1 + b1) / 2, 0, 1);
                double avg = (logodds(s, full, a0, a1, 0, 1) + logodds(s, full, b0, b1, 0, 1)) / 2;
                worst = fmax(worst, fabs(mid - avg));
            }
            if (shared) CHECK(worst < 1e-9, "full %d shared: log-odds not affine (%g)", full, worst);
            else CHECK(worst > 1e-3, "full %d, separate variances: the log-odds look affine (%g)", full, worst);
            mlm_destroy(in);
        }
}

static void test_cross(void) {
    double acc[2];
    for (int full = 0; full < 2; full++) {
        mlm_instance *in = start(1, "cross", full, 0);
        check_run_to_end(in, 1000);
        CHECK(in->status == MLM_FINISHED, "status %d", in->status);
        mlm_draw(in);
        acc[full] = in->views[V_ACC].value;
        nb_state *s = in->self;
        if (!full) /* naive: both classes have nearly the same axis-aligned ellipse */
            CHECK(fabs(s->cls[0].var[0] - s->cls[1].var[0]) < 0.5 * s->cls[0].var[0], "variances %g %g",
                  s->cls[0].var[0], s->cls[1].var[0]);
        CHECK(s->cls[1].cov > 0 && s->cls[0].cov < 0, "the clouds are tilted: cov %g, %g", s->cls[0].cov, s->cls[1].cov);
        mlm_destroy(in);
    }
    CHECK(acc[0] < 70, "naive Bayes on crossed clouds: %g %%", acc[0]);
    CHECK(acc[1] > 85, "full covariance on crossed clouds: %g %%", acc[1]);
}

static void test_iris(void) {
    /* brute force: refit on the other 149 flowers, four features, for each flower */
    int right = 0;
    for (int i = 0; i < MLM_IRIS_N; i++) {
        double best = -INFINITY;
        int pick = -1;
        for (int k = 0; k < 3; k++) {
            double m[4] = {0}, v[4] = {0};
            int n = 0;
            for (int j = 0; j < MLM_IRIS_N; j++)
                if (j != i && mlm_iris_class[j] == k) {
                    n++;
                    for (int f = 0; f < 4; f++) m[f] += mlm_iris_value(j, f);
                }
            for (int f = 0; f < 4; f++) m[f] /= n;
            for (int j = 0; j < MLM_IRIS_N; j++)
                if (j != i && mlm_iris_class[j] == k)
                    for (int f = 0; f < 4; f++) v[f] += pow(mlm_iris_value(j, f) - m[f], 2);
            double L = log((double)n / (MLM_IRIS_N - 1));
            for (int f = 0; f < 4; f++) {
                double var = v[f] / n + NB_EPS, d = mlm_iris_value(i, f) - m[f];
                L += -0.5 * (log(2 * PI_ * var) + d * d / var);
            }
            if (L > best) best = L, pick = k;
        }
        right += pick == mlm_iris_class[i];
    }
    double want = 100.0 * right / MLM_IRIS_N;
    CHECK_NEAR(nb_iris4_loo(), want, 1e-12);
    CHECK(want > 90, "iris leave-one-out: %g %%", want);
    printf("iris, naive Bayes on 4 features, leave-one-out: %.2f %% (%d of 150)\n", want, right);
}

static void test_reader_points(void) {
    mlm_instance *in = start(2, "none", NB_NAIVE, 0);
    check_set_choice(in, "add", "c2");
    mlm_reset(in, 2);
    nb_state *s = in->self;
    CHECK(s->cls[1].n == 0, "no points yet");
    CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, 1.0, 2.0) == 1, "a press did not restart");
    CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, 3.0, -1.0) == 1, "a press did not restart");
    s = in->self;
    CHECK(s->cls[1].n == 2, "class 2 has %d points", s->cls[1].n);
    CHECK_NEAR(s->cls[1].mean[0], 2.0, 0.02);
    CHECK_NEAR(s->cls[1].mean[1], 0.5, 0.02);
    CHECK_NEAR(s->cls[1].var[0], 1.0, 0.03); /* (1 - 2)^2 and (3 - 2)^2, over 2 */
    char buf[MLM_INPUT_MAX + 1];
    int len = mlm_input_get(in, buf, sizeof buf);
    CHECK(len == 8, "link text %s", buf);
    mlm_instance *b = start(2, "none", NB_NAIVE, 0);
    CHECK(mlm_input_set(b, buf) == 0, "the link text was refused");
    CHECK(((nb_state *)b->self)->cls[1].n == 2 && ((nb_state *)b->self)->cls[1].mean[0] == s->cls[1].mean[0],
          "the link did not restore the points");
    CHECK(mlm_input_set(b, "!!") != 0 && ((nb_state *)b->self)->cls[1].n == 2, "a bad text changed the run");
    mlm_destroy(b);
    /* a press on a point removes it */
    CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, 1.0, 2.0) == 1, "no restart");
    CHECK(((nb_state *)in->self)->cls[1].n == 1, "the point was not removed");
    CHECK(mlm_action(in, 0) == 1 && ((nb_state *)in->self)->mine.n == 0, "clear");
    CHECK(check_views_nonfinite(in) == 0, "non-finite with no points");
    CHECK(in->views[V_POST].hidden, "a posterior with no class");
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    test_mle();
    test_posterior();
    test_straight_border();
    test_cross();
    test_iris();
    test_reader_points();
    int runs = check_sweep(M, 500);
    CHECK(runs > 10, "sweep made %d runs", runs);
    return CHECK_DONE("test_naive_bayes");
}
