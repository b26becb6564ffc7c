/* test_regularization.c: checks the regularization module against mathematics, not against
 * itself: the Legendre features are orthonormal on [-1, 1]; ridge equals (ΦᵀΦ + MλI')⁻¹Φᵀy solved
 * here by Gaussian elimination from the raw features; the gradient matches finite differences;
 * soft-thresholding is the minimiser of its definition; every lasso solution on the path meets the
 * KKT conditions, computed here from the raw features, and all coefficients vanish exactly from
 * λ_max on; least-squares training error never rises with the degree, while test error is least at
 * an intermediate degree; the constrained optima sit where Lagrange says (a corner of the diamond,
 * off the axes on the circle). Plus a sweep of every parameter's min, max and default. */
#include "../../engine/regularization.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_regularization;
#define P_(name) mlm_param_index(M, name)

static mlm_instance *start(int scene, int penalty, double lambda, int degree, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("scene"), scene);
    mlm_set(in, P_("penalty"), penalty);
    mlm_set(in, P_("lambda"), lambda);
    mlm_set(in, P_("degree"), degree);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

/* ---- independent linear algebra ---- */

/* Solves A x = b (n x n, row-major, copied) by Gaussian elimination with partial pivoting. */
static void gauss_solve(double *x, const double *A_in, const double *b_in, int n) {
    double A[REG_P * REG_P], b[REG_P];
    memcpy(A, A_in, sizeof(double) * n * n);
    memcpy(b, b_in, sizeof(double) * n);
    for (int col = 0; col < n; col++) {
        int piv = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(A[r * n + col]) > fabs(A[piv * n + col])) piv = r;
        for (int k = 0; k < n; k++) {
            double t = A[col * n + k];
            A[col * n + k] = A[piv * n + k];
            A[piv * n + k] = t;
        }
        double t = b[col];
        b[col] = b[piv];
        b[piv] = t;
        for (int r = col + 1; r < n; r++) {
            double f = A[r * n + col] / A[col * n + col];
            for (int k = col; k < n; k++) A[r * n + k] -= f * A[col * n + k];
            b[r] -= f * b[col];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < n; k++) s -= A[r * n + k] * x[k];
        x[r] = s / A[r * n + r];
    }
}

/* The gradient of the data term from the raw features: g_j = 1/M Σ_i φ_ij (φ_iᵀw - y_i). */
static void raw_gradient(double *g, const reg_state *s, const double *w, int P) {
    for (int j = 0; j < P; j++) g[j] = 0;
    for (int i = 0; i < s->M; i++) {
        const double *f = s->c->phi_tr + (size_t)i * REG_P;
        double r = -s->c->y_tr[i];
        for (int k = 0; k < P; k++) r += f[k] * w[k];
        for (int j = 0; j < P; j++) g[j] += f[j] * r / s->M;
    }
}

/* Legendre polynomials straight from their closed forms, for x in [-1, 1]. */
static double legendre_closed(int k, double x) {
    switch (k) {
    case 0: return 1;
    case 1: return x;
    case 2: return (3 * x * x - 1) / 2;
    case 3: return (5 * x * x * x - 3 * x) / 2;
    default: return (35 * pow(x, 4) - 30 * x * x + 3) / 8;
    }
}

static void check_features(void) {
    double phi[REG_P];
    for (double x = -1; x <= 1.0001; x += 0.125) {
        reg_features(phi, x, REG_P);
        for (int k = 0; k <= 4; k++) CHECK_NEAR(phi[k], sqrt(2.0 * k + 1) * legendre_closed(k, x), 1e-12);
    }
    reg_features(phi, 1, REG_P); /* P_k(1) = 1 */
    for (int k = 0; k < REG_P; k++) CHECK_NEAR(phi[k], sqrt(2.0 * k + 1), 1e-10);
    /* Orthonormal under the uniform measure on [-1, 1]: 1/2 ∫ φ_j φ_k dx = δ_jk (midpoint rule). */
    const int Q = 20000;
    double gram[REG_P][REG_P] = {{0}};
    for (int q = 0; q < Q; q++) {
        reg_features(phi, -1 + (q + 0.5) * 2.0 / Q, REG_P);
        for (int j = 0; j < REG_P; j++)
            for (int k = 0; k < REG_P; k++) gram[j][k] += phi[j] * phi[k] / Q;
    }
    for (int j = 0; j < REG_P; j++)
        for (int k = 0; k < REG_P; k++) CHECK_NEAR(gram[j][k], j == k, 2e-4);
}

/* Ridge: the solver against (ΦᵀΦ + M λ I') w = Φᵀy assembled from the raw training features and
   solved by elimination, for several degrees and penalties, including degrees with more
   coefficients than training points. */
static void check_ridge_closed_form(void) {
    mlm_instance *in = start(REG_SCENE_FIT, REG_RIDGE, 1e-3, 12, 1);
    reg_state *s = in->self;
    const int degrees[] = {0, 3, 12, 15};
    const double lams[] = {1e-6, 1e-3, 0.1, 10};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
            int P = degrees[a] + 1;
            double lam = lams[b], A[REG_P * REG_P], rhs[REG_P], w_ref[REG_P], w[REG_P];
            for (int i = 0; i < P; i++) {
                rhs[i] = 0;
                for (int j = 0; j < P; j++) A[i * P + j] = i == j && i > 0 ? s->M * lam : 0;
            }
            for (int m = 0; m < s->M; m++) {
                const double *f = s->c->phi_tr + (size_t)m * REG_P;
                for (int i = 0; i < P; i++) {
                    rhs[i] += f[i] * s->c->y_tr[m];
                    for (int j = 0; j < P; j++) A[i * P + j] += f[i] * f[j];
                }
            }
            gauss_solve(w_ref, A, rhs, P);
            reg_ridge_solve(w, s->c->gram, s->c->corr, P, lam);
            double scale = 0;
            for (int j = 0; j < P; j++) scale = fmax(scale, fabs(w_ref[j]));
            for (int j = 0; j < P; j++) CHECK_NEAR(w[j], w_ref[j], 1e-7 * (1 + scale));
            /* and the gradient of the ridge objective vanishes there */
            double g[REG_P];
            raw_gradient(g, s, w, P);
            for (int j = 1; j < P; j++) g[j] += lam * w[j];
            for (int j = 0; j < P; j++) CHECK_NEAR(g[j], 0, 1e-8 * (1 + scale));
        }
    mlm_destroy(in);
}

/* The backward pass against central differences of the data term f = MSE / 2. */
static void check_gradient(void) {
    mlm_instance *in = start(REG_SCENE_FIT, REG_NONE, 1e-3, 9, 4);
    reg_state *s = in->self;
    int P = 10;
    mlm_rng rng;
    mlm_rng_seed(&rng, 77, 1);
    for (int trial = 0; trial < 5; trial++) {
        double w[REG_P], g[REG_P], yhat[REG_N_MAX];
        for (int j = 0; j < P; j++) w[j] = mlm_rng_normal(&rng);
        reg_forward(yhat, s->c->phi_tr, w, s->M, P);
        reg_backward(g, yhat, s->c->y_tr, s->c->phi_tr, s->M, P);
        for (int j = 0; j < P; j++) {
            double h = 1e-4, wp[REG_P], wm[REG_P];
            memcpy(wp, w, sizeof wp);
            memcpy(wm, w, sizeof wm);
            wp[j] += h, wm[j] -= h;
            reg_forward(yhat, s->c->phi_tr, wp, s->M, P);
            double fp = 0.5 * reg_mse(yhat, s->c->y_tr, s->M);
            reg_forward(yhat, s->c->phi_tr, wm, s->M, P);
            double fm = 0.5 * reg_mse(yhat, s->c->y_tr, s->M);
            CHECK_REL(g[j], (fp - fm) / (2 * h), 1e-7);
        }
        /* the Gram form used by the exact solvers agrees: ∇f = G w - c */
        for (int j = 0; j < P; j++) {
            double gg = -s->c->corr[j];
            for (int k = 0; k < P; k++) gg += s->c->gram[j * REG_P + k] * w[k];
            CHECK_REL(g[j], gg, 1e-10);
        }
    }
    mlm_destroy(in);
}

/* S(z, a) minimises (w - z)²/2 + a|w|: compare with a search over a fine grid, and the formula. */
static void check_soft_threshold(void) {
    const double zs[] = {-2.5, -1, -0.3, 0, 0.2, 0.7, 3};
    const double as[] = {0, 0.25, 0.7, 1.5};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 4; k++) {
            double z = zs[i], a = as[k], best = 0, fbest = INFINITY;
            for (int q = -40000; q <= 40000; q++) {
                double w = q * 1e-4, f = 0.5 * (w - z) * (w - z) + a * fabs(w);
                if (f < fbest) fbest = f, best = w;
            }
            double sz = reg_soft_threshold(z, a);
            CHECK_NEAR(sz, best, 1.5e-4);
            CHECK(fabs(z) <= a ? sz == 0 : sz == z - (z > 0 ? a : -a), "S(%g, %g) = %g", z, a, sz);
        }
}

/* KKT for lasso at w, from the raw features: the largest violation. */
static double raw_kkt(const reg_state *s, const double *w, int P, double lam) {
    double g[REG_P], worst = 0;
    raw_gradient(g, s, w, P);
    for (int j = 0; j < P; j++) {
        double bad = j == 0 ? fabs(g[0])
                     : w[j] != 0 ? fabs(g[j] + (w[j] > 0 ? lam : -lam))
                                 : fmax(0, fabs(g[j]) - lam);
        worst = fmax(worst, bad);
    }
    return worst;
}

/* The whole lasso path of the paths scene: every point optimal, all zero from λ_max on, every
   coefficient alive at the smallest λ. (The count of nonzero coefficients need not fall
   monotonically as λ grows when features are correlated; check_lasso_orthonormal tests it where
   it must.) Ridge shrinks but never zeroes. */
static void check_lasso_path(void) {
    mlm_instance *in = start(REG_SCENE_PATHS, REG_NONE, 1e-3, 12, 1);
    reg_state *s = in->self;
    reg_paths *p = s->paths;
    int P = s->P;
    mlm_step(in, 1);
    CHECK(in->status == MLM_RUNNING, "paths stopped after one step");
    mlm_step(in, 1000);
    CHECK(in->status == MLM_CONVERGED && p->k == REG_LAMS, "status %d after %d λ", in->status, p->k);
    /* λ_max from the raw data: with the other coefficients 0 the intercept is the mean of the
       targets (φ_0 = 1), and the largest |∂f/∂w_j| there is the threshold. */
    double ybar = 0, lam_max = 0;
    for (int m = 0; m < s->M; m++) ybar += s->c->y_tr[m] / s->M;
    for (int j = 1; j < P; j++) {
        double g = 0;
        for (int m = 0; m < s->M; m++) g += s->c->phi_tr[m * REG_P + j] * (s->c->y_tr[m] - ybar) / s->M;
        lam_max = fmax(lam_max, fabs(g));
    }
    CHECK_REL(p->lam_max, lam_max, 1e-12);
    int worst_sweeps = 0;
    for (int g = 0; g < REG_LAMS; g++) {
        const double *w = p->lasso + (size_t)g * REG_P;
        double lam = p->lam[g];
        CHECK(raw_kkt(s, w, P, lam) <= 1e-9 * (1 + lam), "KKT violated by %g at λ = %g",
              raw_kkt(s, w, P, lam), lam);
        if (lam >= lam_max) CHECK(p->nz[g] == 0, "%d nonzero at λ = %g >= λ_max", p->nz[g], lam);
        /* ridge: every coefficient nonzero, and the norm grows as λ falls */
        const double *r = p->ridge + (size_t)g * REG_P;
        double n2 = 0, n2prev = 0;
        for (int j = 1; j < P; j++) {
            CHECK(r[j] != 0, "ridge zeroed w_%d at λ = %g", j, lam);
            n2 += r[j] * r[j];
            if (g > 0) n2prev += r[j - REG_P] * r[j - REG_P];
        }
        if (g > 0) CHECK(n2 >= n2prev, "ridge norm shrank as λ fell at λ = %g", lam);
        worst_sweeps = worst_sweeps > p->sweeps[g] ? worst_sweeps : p->sweeps[g];
    }
    CHECK(worst_sweeps < REG_CD_SWEEPS, "a lasso solve hit the sweep cap");
    CHECK(p->nz[REG_LAMS - 1] == P - 1, "at λ = 1e-6 lasso keeps %d of %d", p->nz[REG_LAMS - 1], P - 1);
    /* Just below λ_max one coefficient wakes up; just above, none. */
    double w[REG_P] = {0};
    reg_lasso_cd(w, s->c->gram, s->c->corr, P, 0.98 * lam_max, REG_CD_SWEEPS);
    CHECK(reg_count_nonzero(w, P) == 1, "%d nonzero just below λ_max", reg_count_nonzero(w, P));
    memset(w, 0, sizeof w);
    reg_lasso_cd(w, s->c->gram, s->c->corr, P, 1.02 * lam_max, REG_CD_SWEEPS);
    CHECK(reg_count_nonzero(w, P) == 0, "%d nonzero just above λ_max", reg_count_nonzero(w, P));
    CHECK_NEAR(w[0], ybar, 1e-12);
    mlm_destroy(in);
}

/* With orthonormal features (G = I) the lasso is soft-thresholding of the least-squares
   coefficients, w_j = S(c_j, λ): coordinate descent must find exactly that, and then the number
   of nonzero coefficients can only fall as λ grows. */
static void check_lasso_orthonormal(void) {
    double gram[REG_P * REG_P] = {0}, corr[REG_P];
    mlm_rng rng;
    mlm_rng_seed(&rng, 3, 9);
    for (int j = 0; j < REG_P; j++) gram[j * REG_P + j] = 1, corr[j] = mlm_rng_normal(&rng);
    int prev = REG_P;
    for (double lam = 1e-3; lam < 5; lam *= 1.3) {
        double w[REG_P] = {0};
        reg_lasso_cd(w, gram, corr, REG_P, lam, REG_CD_SWEEPS);
        CHECK(w[0] == corr[0], "intercept %g vs %g", w[0], corr[0]);
        for (int j = 1; j < REG_P; j++) CHECK_NEAR(w[j], reg_soft_threshold(corr[j], lam), 1e-15);
        int nz = reg_count_nonzero(w, REG_P);
        CHECK(nz <= prev, "count rose from %d to %d at λ = %g", prev, nz, lam);
        prev = nz;
    }
    CHECK(prev == 0, "%d coefficients survive λ = 5", prev);
}

/* The fit scene's descent reaches the exact optimum: ridge's closed form, lasso's KKT point, and
   with lasso exact zeros appear along the way. */
static void check_fit_runs(void) {
    for (int pen = REG_NONE; pen <= REG_LASSO; pen++)
        for (int mom = 0; mom <= 1; mom++) {
            mlm_instance *in = mlm_create(M);
            mlm_set(in, P_("penalty"), pen);
            mlm_set(in, P_("lambda"), pen == REG_LASSO ? 0.03 : 0.01);
            mlm_set(in, P_("degree"), pen == REG_NONE ? 4 : 12);
            mlm_set(in, P_("momentum"), mom);
            CHECK(mlm_reset(in, 1) == 0, "%s", in->reason);
            reg_state *s = in->self;
            reg_fit *f = s->fit;
            mlm_step(in, 3);
            CHECK(in->status == MLM_RUNNING, "converged within 3 steps (penalty %d)", pen);
            mlm_step(in, 100000);
            CHECK(in->status == MLM_CONVERGED, "penalty %d momentum %d: status %d: %s", pen, mom,
                  in->status, in->reason);
            int P = s->P;
            double lam = ((const reg_desc *)in->desc)->lambda;
            if (pen == REG_LASSO) {
                CHECK(f->nonzero < P - 1, "lasso kept every coefficient");
                CHECK(f->J >= f->J_opt - 1e-12, "descent beat the optimum: %g < %g", f->J, f->J_opt);
                CHECK(raw_kkt(s, f->w_opt, P, lam) <= 1e-9, "the reference optimum is not optimal");
                for (int j = 1; j < P; j++)
                    CHECK((f->w[j] == 0) == (f->w_opt[j] == 0) || fabs(f->w_opt[j]) < 1e-3,
                          "w_%d: descent %g, optimum %g", j, f->w[j], f->w_opt[j]);
            } else {
                double g[REG_P];
                raw_gradient(g, s, f->w_opt, P);
                for (int j = 1; j < P && pen == REG_RIDGE; j++) g[j] += lam * f->w_opt[j];
                for (int j = 0; j < P; j++) CHECK_NEAR(g[j], 0, 1e-9);
            }
            /* Excess objective below tolerance means the fitted curves agree to the pixel. */
            for (double x = -1; x <= 1; x += 0.1)
                CHECK_NEAR(reg_poly(f->w, x, P), reg_poly(f->w_opt, x, P), 0.02);
            mlm_destroy(in);
        }
}

/* Too long a step diverges, and says so, naming the step size. */
static void check_divergence(void) {
    mlm_instance *in = mlm_create(M);
    mlm_set(in, P_("lr"), 2.5);
    mlm_set(in, P_("momentum"), 0);
    mlm_reset(in, 1);
    mlm_step(in, 10000);
    CHECK(in->status == MLM_DIVERGED && in->final, "lr 2.5/L: status %d", in->status);
    CHECK(strstr(in->reason, "2/L") != NULL, "%s", in->reason);
    mlm_set(in, P_("lr"), 1.9);
    mlm_reset(in, 1);
    mlm_step(in, 3000);
    CHECK(in->status != MLM_DIVERGED, "plain descent at 1.9/L diverged: %s", in->reason);
    mlm_destroy(in);
}

/* The U-curve on the default data: least-squares training error never rises with the degree
   (each degree's features contain the previous ones), while test error is least at an
   intermediate degree and far larger at the highest. */
static void check_ucurve(void) {
    mlm_instance *in = start(REG_SCENE_FIT, REG_NONE, 1e-3, 12, 1);
    reg_state *s = in->self;
    const float *tr = s->c->u_tr, *te = s->c->u_te;
    int best = 0;
    for (int D = 1; D <= REG_DMAX; D++) {
        CHECK(tr[2 * D + 1] <= tr[2 * D - 1] * (1 + 1e-6) + 1e-9, "train MSE rose from degree %d to %d: %g > %g",
              D - 1, D, tr[2 * D + 1], tr[2 * D - 1]);
        if (te[2 * D + 1] < te[2 * best + 1]) best = D;
    }
    CHECK(best > 0 && best < REG_DMAX, "test error is least at degree %d", best);
    CHECK(te[2 * REG_DMAX + 1] > 10 * te[2 * best + 1], "no overfitting at degree %d", REG_DMAX);
    CHECK(te[1] > 2 * te[2 * best + 1], "no underfitting at degree 0");
    printf("U-curve on the default data: least test MSE %.4g at degree %d; degree 0: %.4g; "
           "degree 12: %.4g; degree 15: %.4g\n", te[2 * best + 1], best, te[1], te[25], te[31]);
    /* The same over several seeds: the minimum is never at an end. */
    for (uint64_t seed = 2; seed < 12; seed++) {
        mlm_reset(in, seed);
        s = in->self;
        int b = 0;
        for (int D = 1; D <= REG_DMAX; D++)
            if (s->c->u_te[2 * D + 1] < s->c->u_te[2 * b + 1]) b = D;
        CHECK(b > 0 && b < REG_DMAX, "seed %llu: test error least at degree %d", (unsigned long long)seed, b);
    }
    mlm_destroy(in);
}

/* Projections: the nearest point of the ball, checked against a dense search of the boundary. */
static void check_projections(void) {
    const double pts[][2] = {{1.7, 0.4}, {-0.3, 2.1}, {0.2, 0.1}, {-1.5, -1.4}, {0.9, -0.05}};
    for (int i = 0; i < 5; i++)
        for (int ball = 0; ball < 2; ball++) {
            double t = 1, w[2] = {pts[i][0], pts[i][1]};
            if (ball == 0) reg_project_l1(w, 2, t);
            else reg_project_l2(w, 2, t);
            double inside = ball == 0 ? fabs(pts[i][0]) + fabs(pts[i][1]) : hypot(pts[i][0], pts[i][1]);
            double best = INFINITY, bw[2] = {pts[i][0], pts[i][1]};
            if (inside > t) {
                for (int q = 0; q < 400000; q++) {
                    double a = 2 * 3.14159265358979323846 * q / 400000, c = cos(a), sn = sin(a);
                    double n = ball == 0 ? fabs(c) + fabs(sn) : 1, x = t * c / n, y = t * sn / n;
                    double dd = (x - pts[i][0]) * (x - pts[i][0]) + (y - pts[i][1]) * (y - pts[i][1]);
                    if (dd < best) best = dd, bw[0] = x, bw[1] = y;
                }
            }
            CHECK_NEAR(w[0], bw[0], 1e-4);
            CHECK_NEAR(w[1], bw[1], 1e-4);
        }
    /* In higher dimensions, the L1 projection against its KKT conditions: it lands on the
       boundary, and every nonzero coordinate moved by the same θ towards 0, every zero one had
       |v_j| <= θ. */
    double v[6] = {0.9, -0.1, 0.5, -1.2, 0.05, 0.3}, w[6];
    memcpy(w, v, sizeof w);
    reg_project_l1(w, 6, 1.0);
    double l1 = 0, theta = -1;
    for (int j = 0; j < 6; j++) l1 += fabs(w[j]);
    CHECK_NEAR(l1, 1.0, 1e-12);
    for (int j = 0; j < 6; j++)
        if (w[j] != 0) {
            double th = fabs(v[j]) - fabs(w[j]);
            if (theta < 0) theta = th;
            CHECK_NEAR(th, theta, 1e-12);
            CHECK(w[j] * v[j] > 0, "coordinate %d changed sign", j);
        }
    for (int j = 0; j < 6; j++)
        if (w[j] == 0) CHECK(fabs(v[j]) <= theta + 1e-12, "v_%d = %g zeroed above θ = %g", j, v[j], theta);
}

/* The constraint picture at the defaults: on the diamond the optimum is a corner (one coordinate
   exactly 0), on the circle it is not; both satisfy the Lagrange conditions, and the penalised
   problems with the reported multipliers give the same points. */
static void check_constraint(void) {
    mlm_instance *in = start(REG_SCENE_CONSTRAINT, REG_NONE, 1e-3, 12, 1);
    reg_state *s = in->self;
    reg_cons *k = s->cons;
    const reg_desc *d = in->desc;
    mlm_step(in, 3);
    CHECK(in->status == MLM_RUNNING, "constraint scene stopped within 3 steps");
    mlm_step(in, 100000);
    CHECK(in->status == MLM_CONVERGED, "status %d", in->status);
    const double *w1 = k->w[0], *w2 = k->w[1];
    CHECK((w1[0] == 0) != (w1[1] == 0), "diamond optimum (%g, %g) has not exactly one zero", w1[0], w1[1]);
    CHECK_NEAR(fabs(w1[0]) + fabs(w1[1]), d->radius, 1e-12);
    CHECK(w2[0] != 0 && w2[1] != 0 && fabs(w2[0]) > 1e-3 && fabs(w2[1]) > 1e-3,
          "circle optimum (%g, %g) on an axis", w2[0], w2[1]);
    CHECK_NEAR(hypot(w2[0], w2[1]), d->radius, 1e-9);
    /* Lagrange on the circle: -∇L = μ w with μ > 0. */
    double rho = d->rho, a = w2[0] - d->opt1, b = w2[1] - d->opt2;
    double g1 = a + rho * b, g2 = rho * a + b;
    double mu = reg_cons_multiplier(k, 1);
    CHECK(mu > 0, "μ = %g", mu);
    CHECK_NEAR(-g1, mu * w2[0], 1e-9);
    CHECK_NEAR(-g2, mu * w2[1], 1e-9);
    /* The penalised problem L(w) + μ/2 ||w||² in closed form: (A + μ I) w = A w*. */
    double A11 = 1 + mu, A12 = rho, A22 = 1 + mu, r1 = d->opt1 + rho * d->opt2, r2 = rho * d->opt1 + d->opt2;
    double det = A11 * A22 - A12 * A12;
    CHECK_NEAR((A22 * r1 - A12 * r2) / det, w2[0], 1e-9);
    CHECK_NEAR((A11 * r2 - A12 * r1) / det, w2[1], 1e-9);
    /* On the diamond: the penalised problem L(w) + μ ||w||₁ by coordinate descent on the 2x2
       quadratic lands on the same corner. */
    double lam1 = reg_cons_multiplier(k, 0), v[2] = {0, 0};
    CHECK(lam1 > 0, "λ = %g", lam1);
    for (int it = 0; it < 10000; it++) {
        v[0] = reg_soft_threshold(r1 - rho * v[1], lam1);
        v[1] = reg_soft_threshold(r2 - rho * v[0], lam1);
    }
    CHECK_NEAR(v[0], w1[0], 1e-9);
    CHECK_NEAR(v[1], w1[1], 1e-9);
    mlm_destroy(in);
}

static int all_finite(const mlm_instance *in) {
    for (int v = 0; v < M->n_views; v++) {
        const mlm_view_state *st = &in->views[v];
        int stride = 0;
        switch (M->views[v].kind) {
        case MLM_VIEW_POINTS: stride = 3; break;
        case MLM_VIEW_CURVE: case MLM_VIEW_TRAIL: case MLM_VIEW_MARKERS: stride = 2; break;
        case MLM_VIEW_SEGMENTS: case MLM_VIEW_ARROWS: stride = 4; break;
        case MLM_VIEW_FIELD:
            if (st->data)
                for (int i = 0; i < st->w * st->h; i++)
                    if (!mlm_isfinite(st->data[i])) return 0;
            break;
        case MLM_VIEW_SCALAR:
            if (!mlm_isfinite(st->value)) return 0;
            break;
        default: break; /* kinds this module does not use */
        }
        if (stride && st->count > 0 && !st->data) return 0;
        for (int i = 0; i < st->count * stride; i++)
            if (!mlm_isfinite(st->data[i])) return 0;
    }
    for (int p = 0; p < M->n_panels; p++) {
        const mlm_panel_state *ps = &in->panels[p];
        if (ps->hidden) continue;
        if (!(M->panels[p].flags & MLM_PANEL_AUTO_X) && !(ps->x0 < ps->x1)) return 0;
        if (!(M->panels[p].flags & MLM_PANEL_AUTO_Y) && !(ps->y0 < ps->y1)) return 0;
    }
    return 1;
}

/* Every parameter at its min, max and default, in every scene (and, fitting, every penalty). */
static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    int runs = 0;
    for (int scene = 0; scene < 3; scene++)
        for (int pen = 0; pen < (scene == REG_SCENE_FIT ? 3 : 1); pen++)
            for (int p = 0; p < M->n_params; p++) {
                const mlm_param *q = &M->params[p];
                const double vals[3] = {q->min, q->max, q->def};
                for (int k = 0; k < 3; k++) {
                    mlm_desc_defaults(M, in->desc);
                    mlm_set(in, P_("scene"), scene);
                    mlm_set(in, P_("penalty"), pen);
                    mlm_set(in, p, vals[k]);
                    int ok = mlm_reset(in, 1 + (uint64_t)k) == 0;
                    CHECK(ok, "%s=%g: %s", q->name, vals[k], in->reason);
                    if (!ok) continue;
                    mlm_draw(in);
                    CHECK(all_finite(in), "scene %d %s=%g: non-finite view at step 0", scene, q->name, vals[k]);
                    mlm_step(in, 500);
                    mlm_draw(in);
                    CHECK(all_finite(in), "scene %d penalty %d %s=%g: non-finite view", scene, pen, q->name,
                          vals[k]);
                    CHECK(mlm_snapshot_size(in) <= in->cap && in->const_used <= in->const_cap, "memory");
                    runs++;
                }
            }
    CHECK(runs == 5 * M->n_params * 3, "%d runs", runs);
    mlm_destroy(in);
}

/* Same seed, same run; a copied block is a complete checkpoint. */
static void check_determinism(void) {
    for (int scene = 0; scene < 3; scene++) {
        mlm_instance *in = start(scene, REG_LASSO, 0.01, 12, 5);
        mlm_step(in, 10);
        size_t size = mlm_snapshot_size(in);
        unsigned char *snap = malloc(size);
        memcpy(snap, in, size);
        mlm_step(in, 15);
        mlm_draw(in);
        float a = in->views[scene == 0 ? V_CURVE : scene == 1 ? V_LASSO0 : V_TRAIL1].data[3];
        memcpy(in, snap, size);
        mlm_step(in, 15);
        mlm_draw(in);
        float b = in->views[scene == 0 ? V_CURVE : scene == 1 ? V_LASSO0 : V_TRAIL1].data[3];
        CHECK(a == b, "scene %d: restored run differs", scene);
        free(snap);
        mlm_destroy(in);
    }
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    check_features();
    check_ridge_closed_form();
    check_gradient();
    check_soft_threshold();
    check_lasso_path();
    check_lasso_orthonormal();
    check_fit_runs();
    check_divergence();
    check_ucurve();
    check_projections();
    check_constraint();
    check_determinism();
    test_sweep();
    return CHECK_DONE("test_regularization");
}
