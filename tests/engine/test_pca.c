/* test_pca.c: principal component analysis against its mathematics.
 *   - The covariance: C computed here as mean products of the centred features, after
 *     standardising each has variance 1 (the trace is d).
 *   - Explained variances sum to the total variance: the solver's eigenvalues add up to the sum of
 *     the features' variances, computed from the points (1e-12 relative), for the cloud, iris and
 *     wine, raw and standardised.
 *   - The reconstruction error equals the sum of the dropped eigenvalues, for every k = 0..d,
 *     measured on the points (1e-10 relative to the total).
 *   - The variance along an axis: along every angle, the mean squared projection plus the mean
 *     squared residual is the total variance; no axis in the plane beats lambda_1 (brute force
 *     over 3,600 angles), and the first eigenvector attains it.
 *   - Power iteration matches the solver: the first component found is the solver's first
 *     eigenvector (|v . e_1| to 1e-10) with its eigenvalue (1e-10 relative), and after
 *     deflation every later component found matches the solver's too, on iris and wine.
 *   - In the plane the second component takes exactly two steps after deflation.
 *   - Its rate: tan of the angle to e_1 never exceeds tan(theta_0) (lambda_2/lambda_1)^t (within
 *     rounding), and in two dimensions equals it.
 *   - The angle helper equals atan2 (to 1e-12 degrees); the reader's axis: a press sets it
 *     without restarting, the link text restores it, hostile texts are refused.
 *   - The chapter's wine figures: alcohol's and proline's standard deviations, proline's variance
 *     against the next largest.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/pca.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_pca;

static mlm_instance *make(int data, int standardise, int k, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "data", data);
    check_set(in, "standardise", standardise);
    check_set(in, "k", k);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

static void test_covariance_and_sums(void) {
    for (int data = 0; data < 3; data++)
        for (int st = 0; st < 2; st++)
            for (uint64_t seed = 1; seed <= (data == 0 ? 5u : 1u); seed++) {
                mlm_instance *in = make(data, st, 2, seed);
                pca_state *s = in->self;
                /* the covariance and each feature's variance from the raw points */
                double var_sum = 0;
                for (int f = 0; f < s->d; f++) {
                    double m = 0, q = 0;
                    for (int i = 0; i < s->N; i++) m += s->x[i][f];
                    CHECK(fabs(m / s->N) < 1e-12, "data %d: feature %d not centred (%g)", data, f, m / s->N);
                    for (int i = 0; i < s->N; i++) q += s->x[i][f] * s->x[i][f];
                    var_sum += q / s->N;
                    if (st && data != 0) CHECK_NEAR(q / s->N, 1, 1e-12);
                    for (int g = 0; g < s->d; g++) {
                        double c = 0;
                        for (int i = 0; i < s->N; i++) c += s->x[i][f] * s->x[i][g];
                        CHECK_REL(s->C[f][g] + 1, c / s->N + 1, 1e-12);
                    }
                }
                /* the eigenvalues add up to the total variance */
                double lsum = 0;
                for (int j = 0; j < s->d; j++) lsum += s->lam[j];
                CHECK_REL(lsum, var_sum, 1e-12);
                CHECK_REL(s->total, var_sum, 1e-12);
                /* the reconstruction error is the sum of the dropped eigenvalues, for every k */
                for (int k = 0; k <= s->d; k++) {
                    double drop = 0;
                    for (int j = k; j < s->d; j++) drop += s->lam[j];
                    CHECK(fabs(pca_recon_error(s, k) - drop) <= 1e-10 * s->total,
                          "data %d st %d k %d: error %.15g, dropped %.15g", data, st, k, pca_recon_error(s, k), drop);
                }
                /* projections: along every angle var + residual = total; none beats lambda_1 */
                double best = 0;
                for (int a = 0; a < 3600; a++) {
                    double u[PCA_D_MAX], var, res;
                    pca_axis_dir(s, a / 20.0, u);
                    pca_along(s, u, &var, &res);
                    CHECK(fabs(var + res - s->total) <= 1e-12 * s->total, "data %d: var + res %.15g, total %.15g", data, var + res, s->total);
                    best = fmax(best, var);
                }
                CHECK(best <= s->lam[0] * (1 + 1e-12), "data %d: an axis beats lambda_1: %.15g > %.15g", data, best, s->lam[0]);
                double e1[PCA_D_MAX], v1, r1;
                for (int f = 0; f < s->d; f++) e1[f] = s->E[f][0];
                pca_along(s, e1, &v1, &r1);
                CHECK_REL(v1, s->lam[0], 1e-12);
                CHECK(best >= s->lam[0] * (1 - 1e-4), "data %d: the best sampled angle %.15g is far below lambda_1 %.15g", data, best, s->lam[0]);
                mlm_destroy(in);
            }
}

static void test_power_iteration(void) {
    for (int data = 0; data < 3; data++)
        for (uint64_t seed = 1; seed <= 4; seed++) {
            int st = 1;
            mlm_instance *in = mlm_create(M);
            check_set(in, "data", data);
            check_set(in, "standardise", st);
            check_set(in, "k", data == 0 ? 2 : data == 1 ? 4 : 5);
            check_set(in, "stretch", 1.3 + 0.4 * (double)seed);
            CHECK(mlm_reset(in, seed) == 0, "reset");
            pca_state *s = in->self;
            int bad_bound = 0, bad_equal = 0;
            int64_t first_found = -1;
            while (!in->final && in->steps < 20000) {
                int comp = s->comp, it = s->it;
                double tan0 = s->tan0;
                mlm_step(in, 1);
                if (comp == 0 && s->comp == 1) first_found = in->steps;
                if (s->comp != comp) continue; /* a component was found: the next one started */
                if (comp + 1 >= s->d) continue; /* the last: no lambda_{j+1}, it settles in one step */
                double r = s->lam[comp + 1] / s->lam[comp];
                double t = pca_tan_to(s, s->v, comp), bound = tan0 * pow(r, it + 1);
                /* a floor of rounding: the deflations before this component leave errors of about
                   1e-11 in A, below which the bound no longer bites */
                if (t > bound * (1 + 1e-6) + 1e-10) bad_bound++;
                if (s->d == 2 && comp == 0 && fabs(t - bound) > 1e-9 * bound + 1e-15) bad_equal++;
            }
            CHECK(bad_bound == 0, "data %d seed %llu: the rate bound failed %d times", data, (unsigned long long)seed, bad_bound);
            CHECK(bad_equal == 0, "data %d seed %llu: in 2-D tan theta_t != tan theta_0 r^t %d times", data,
                  (unsigned long long)seed, bad_equal);
            CHECK(in->status == MLM_CONVERGED, "data %d: status %d (%s)", data, in->status, in->reason);
            /* the chapter: in the plane the second component takes two steps after deflation */
            if (data == PCA_CLOUD) CHECK(in->steps - first_found == 2, "seed %llu: the second component took %lld steps",
                                         (unsigned long long)seed, (long long)(in->steps - first_found));
            for (int j = 0; j < s->k; j++) {
                double dot = 0;
                for (int f = 0; f < s->d; f++) dot += s->fvec[j][f] * s->E[f][j];
                CHECK(fabs(fabs(dot) - 1) < 1e-10, "data %d component %d: |v.e| = %.15g", data, j, fabs(dot));
                CHECK(fabs(s->found[j] - s->lam[j]) <= 1e-10 * s->lam[0], "data %d component %d: %.15g vs %.15g", data, j,
                      s->found[j], s->lam[j]);
            }
            mlm_destroy(in);
        }
}

static void test_axis_input(void) {
    for (int a = 0; a < 720; a++) {
        double r = a * PCA_PI / 360, x = cos(r) * (1 + a % 7), y = sin(r) * (1 + a % 7);
        double want = atan2(y, x) * 180 / PCA_PI;
        while (want < 0) want += 180;
        while (want >= 180) want -= 180;
        double got = pca_line_angle(y, x);
        double d = fabs(got - want);
        if (d > 90) d = 180 - d; /* 0 and 180 are one line */
        CHECK(d < 1e-12, "angle of (%g, %g): %.17g, atan2 %.17g", x, y, got, want);
    }
    mlm_instance *in = make(0, 1, 2, 3);
    pca_state *s = in->self;
    mlm_step(in, 3);
    char buf[64];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 0, "the default axis is no input");
    /* a press up and to the right of the mean, at 45 degrees */
    CHECK(mlm_pointer(in, P_DATA, MLM_POINTER_DOWN, s->origin[0] + 1, s->origin[1] + 1) == 0, "press restarted");
    CHECK_NEAR(s->phi, 45, 1e-12);
    CHECK(in->steps == 3, "the press moved the step");
    double var, res, u[PCA_D_MAX];
    pca_axis_dir(s, 45, u);
    pca_along(s, u, &var, &res);
    mlm_draw(in);
    CHECK_REL(in->views[V_S_VAR].value, var, 1e-6);
    /* below the mean: the same line, angle in [0, 180) */
    mlm_pointer(in, P_DATA, MLM_POINTER_MOVE, s->origin[0] + 1, s->origin[1] - 1);
    CHECK_NEAR(s->phi, 135, 1e-12);
    int n = mlm_input_get(in, buf, sizeof buf);
    CHECK(n > 0 && strcmp(buf, "135.0") == 0, "input text %s", buf);
    mlm_instance *b = make(0, 1, 2, 3);
    CHECK(mlm_input_set(b, buf) == 0, "input refused");
    CHECK_NEAR(((pca_state *)b->self)->phi, 135, 0);
    const char *bad[] = {"", "180", "-5", "1e2", "12.34", ".5", "1.2.3", "nan", "9999999", "12a"};
    for (int i = 0; i < MLM_COUNT(bad); i++) {
        CHECK(mlm_input_set(b, bad[i]) == -1, "accepted %s", bad[i]);
        CHECK_NEAR(((pca_state *)b->self)->phi, 135, 0);
    }
    mlm_destroy(b);
    mlm_destroy(in);
}

/* The chapter: "alcohol in percent (standard deviation 0.81) next to proline in milligrams per
   litre (standard deviation 314): ... proline's variance is nearly five hundred times the next
   largest (magnesium's)". */
static void test_wine_quotes(void) {
    mlm_instance *in = make(PCA_WINE, 1, 2, 1);
    pca_state *s = in->self;
    CHECK_NEAR(s->sd[0], 0.81, 0.005);
    CHECK_NEAR(s->sd[12], 314, 0.5);
    int next = -1;
    for (int f = 0; f < 12; f++)
        if (next < 0 || s->sd[f] > s->sd[next]) next = f;
    CHECK(next == 4 && strcmp(mlm_wine_features[next], "magnesium") == 0, "next largest is %d", next);
    double ratio = s->sd[12] * s->sd[12] / (s->sd[next] * s->sd[next]);
    CHECK(ratio > 450 && ratio < 500, "proline / magnesium variance %g", ratio);
    mlm_destroy(in);
    /* "Without standardising, the first component ... would be proline" */
    in = make(PCA_WINE, 0, 1, 1);
    s = in->self;
    CHECK(fabs(s->E[12][0]) > 0.999, "unstandardised wine: e1's proline part %g", s->E[12][0]);
    mlm_destroy(in);
}

int main(void) {
    test_wine_quotes();
    test_covariance_and_sums();
    test_power_iteration();
    test_axis_input();
    CHECK(check_sweep(M, 200) > 0, "sweep");
    for (int data = 0; data < 3; data++) {
        mlm_instance *in = make(data, 1, PCA_D_MAX, 1);
        check_run_to_end(in, 30000);
        CHECK(check_views_nonfinite(in) == 0, "non-finite view");
        CHECK(check_state_used(in) <= M->state_bytes, "state bound");
        mlm_destroy(in);
    }
    return CHECK_DONE("test_pca");
}
