/* svm_checks.h: the shared support vector machine (engine/core/svm.c) against mathematics, not
 * against a copy of itself. Included by test_svm.c (the chapter's test); the core is linked or
 * included by the test that includes this.
 *   - Kernels: values worked by hand (a dot product, a cube, exp(-gamma d^2)), symmetry, K(x,x) = 1
 *     for RBF, and the polynomial kernel equal to the dot product of its explicit feature map.
 *   - SMO on problems solved on paper: two points (a = 1/2, w = (1,0), b = 0, margin 2) and a
 *     square of four points where one is not a support vector.
 *   - The KKT conditions hold at SMO's solution within its tolerance, with f recomputed from the
 *     multipliers by brute force (every kernel, several C, separable and overlapping data); the
 *     box and the equality constraint hold; the dual objective never falls from step to step;
 *     the reported gap is the violation measured afresh.
 *   - The margin: with a hard margin (large C) on separable data, 2/|w| equals the widest band
 *     between the classes found by brute force over 20000 directions, and the nearest point of
 *     each class lies at 1/|w| from the boundary.
 *   - Strong duality: the primal objective at the dual's (w, b) equals the dual's value (the gap
 *     shrinks with tol); Pegasos' primal iterate approaches it, and its w is close to the dual's
 *     w within the distance strong convexity allows: |w - w*|^2 <= 2 (F(w, b) - F*) / lambda.
 *   - Training on the support vectors alone gives the same w and b (the others do not matter). */
#ifndef SVM_CHECKS_H
#define SVM_CHECKS_H

#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "datasets2d.h"
#include "svm.h"

#define SC_NMAX 200
#define SC_PI 3.14159265358979323846

typedef struct {
    int n;
    double x[SC_NMAX][2];
    int y[SC_NMAX];
} sc_data;

static void sc_make(sc_data *D, int kind, int n, double noise, double margin, uint64_t seed) {
    mlm_rng r;
    mlm_rng_seed(&r, seed, 7);
    mlm_d2_spec spec = {.kind = kind, .n = n, .noise = noise, .margin = margin, .classes = 2};
    D->n = n;
    mlm_d2_generate(&spec, &r, &D->x[0][0], D->y, NULL);
}

/* f(x_i) recomputed from a, b and the kernel formula, no cache or gradient involved. */
static double sc_f(const mlm_svm_smo *s, const double *xq) {
    double f = s->b;
    for (int j = 0; j < s->n; j++) {
        const double *xj = s->x + 2 * j;
        double kv;
        if (s->kern.kind == MLM_SVM_LINEAR) kv = xj[0] * xq[0] + xj[1] * xq[1];
        else if (s->kern.kind == MLM_SVM_POLY) kv = pow(s->kern.gamma * (xj[0] * xq[0] + xj[1] * xq[1]) + s->kern.coef0, s->kern.degree);
        else kv = exp(-s->kern.gamma * ((xj[0] - xq[0]) * (xj[0] - xq[0]) + (xj[1] - xq[1]) * (xj[1] - xq[1])));
        f += s->a[j] * mlm_svm_sign(s->y[j]) * kv;
    }
    return f;
}

static void sc_kernels(void) {
    double x[3] = {1, 2, 3}, z[3] = {-1, 0.5, 2};
    mlm_svm_kernel lin = {MLM_SVM_LINEAR, 0, 0, 0};
    CHECK_NEAR(mlm_svm_kernel_eval(&lin, x, z, 3), -1 + 1 + 6, 1e-15);
    mlm_svm_kernel poly = {MLM_SVM_POLY, 3, 0.5, 1};
    CHECK_NEAR(mlm_svm_kernel_eval(&poly, x, z, 3), 64, 1e-12); /* (0.5 * 6 + 1)^3 */
    mlm_svm_kernel rbf = {MLM_SVM_RBF, 0, 0.25, 0};
    CHECK_NEAR(mlm_svm_kernel_eval(&rbf, x, z, 3), exp(-0.25 * (4 + 2.25 + 1)), 1e-15);
    CHECK_NEAR(mlm_svm_kernel_eval(&rbf, x, x, 3), 1.0, 0);
    for (int k = 0; k < 3; k++) {
        mlm_svm_kernel *kk = k == 0 ? &lin : k == 1 ? &poly : &rbf;
        CHECK(mlm_svm_kernel_eval(kk, x, z, 3) == mlm_svm_kernel_eval(kk, z, x, 3), "kernel %d symmetric", k);
    }
    /* (x.z + 1)^2 in 2-D is phi(x).phi(z) with phi = (x1^2, x2^2, sqrt2 x1 x2, sqrt2 x1, sqrt2 x2, 1). */
    mlm_svm_kernel p2 = {MLM_SVM_POLY, 2, 1, 1};
    mlm_rng r;
    mlm_rng_seed(&r, 5, 1);
    for (int t = 0; t < 50; t++) {
        double a[2] = {mlm_rng_range(&r, -3, 3), mlm_rng_range(&r, -3, 3)};
        double c[2] = {mlm_rng_range(&r, -3, 3), mlm_rng_range(&r, -3, 3)};
        double pa[6] = {a[0] * a[0], a[1] * a[1], sqrt(2) * a[0] * a[1], sqrt(2) * a[0], sqrt(2) * a[1], 1};
        double pc[6] = {c[0] * c[0], c[1] * c[1], sqrt(2) * c[0] * c[1], sqrt(2) * c[0], sqrt(2) * c[1], 1};
        double dot = 0;
        for (int u = 0; u < 6; u++) dot += pa[u] * pc[u];
        CHECK_REL(mlm_svm_kernel_eval(&p2, a, c, 2), dot, 1e-12);
    }
}

static void sc_paper(void) {
    /* Two points: the boundary is their perpendicular bisector, w = (1, 0), b = 0, a = 1/2 each. */
    double x2[2][2] = {{1, 0}, {-1, 0}};
    int y2[2] = {1, 0};
    mlm_svm_kernel lin = {MLM_SVM_LINEAR, 0, 0, 0};
    static double mem[64];
    mlm_svm_smo s;
    mlm_svm_smo_init(&s, 2, 2, &x2[0][0], y2, &lin, 100, 1e-9, 1, mem);
    mlm_svm_smo_fit(&s, 100);
    CHECK(s.converged, "two points converge");
    double w[2];
    mlm_svm_smo_w(&s, w);
    CHECK_NEAR(w[0], 1, 1e-9);
    CHECK_NEAR(w[1], 0, 1e-9);
    CHECK_NEAR(s.b, 0, 1e-9);
    CHECK_NEAR(s.a[0], 0.5, 1e-9);
    CHECK_NEAR(s.a[1], 0.5, 1e-9);
    CHECK_NEAR(2 / hypot(w[0], w[1]), 2, 1e-9); /* the margin: the distance between the points */
    CHECK_NEAR(mlm_svm_smo_dual(&s), 0.5, 1e-9);  /* = 1/2 |w|^2 at the optimum */
    /* With C = 0.2 < 1/2 both multipliers sit at C: w = 2C (1, 0), both points inside the margin. */
    mlm_svm_smo_init(&s, 2, 2, &x2[0][0], y2, &lin, 0.2, 1e-9, 1, mem);
    mlm_svm_smo_fit(&s, 100);
    mlm_svm_smo_w(&s, w);
    CHECK_NEAR(s.a[0], 0.2, 1e-12);
    CHECK_NEAR(w[0], 0.4, 1e-12);
    /* A square with a fourth point further out: (1,1),(1,-1) positive, (-1,1),(-1,-1) negative,
       (3, 0) positive is no support vector; w = (1, 0), b = 0, margin 2. */
    double x5[5][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}, {3, 0}};
    int y5[5] = {1, 1, -1, -1, 1};
    mlm_svm_smo_init(&s, 5, 2, &x5[0][0], y5, &lin, 1000, 1e-10, 0, mem);
    mlm_svm_smo_fit(&s, 1000);
    mlm_svm_smo_w(&s, w);
    CHECK_NEAR(w[0], 1, 1e-9);
    CHECK_NEAR(w[1], 0, 1e-9);
    CHECK_NEAR(s.b, 0, 1e-9);
    CHECK(s.a[4] == 0, "the far point is not a support vector (a = %g)", s.a[4]);
    /* (the square's own multipliers are not unique: any a with a1 + a2 = a3 + a4 = 1/2 and
       a1 - a2 - a3 + a4 = 0 gives the same w, so only the count's range is fixed) */
    int idx[5], nsv = mlm_svm_smo_support(&s, idx);
    CHECK(nsv >= 2 && nsv <= 4 && idx[nsv - 1] <= 3, "support vectors %d", nsv);
    /* One class only: converged at once, every point on its side. */
    int y1[2] = {1, 1};
    mlm_svm_smo_init(&s, 2, 2, &x2[0][0], y1, &lin, 1, 1e-3, 1, mem);
    CHECK(mlm_svm_smo_step(&s) == 0 && mlm_svm_smo_decision(&s, x2[0]) > 0, "one class");
}

/* Solve with SMO, then check every KKT condition with f recomputed by brute force. */
static void sc_kkt_case(const sc_data *D, mlm_svm_kernel k, double C, double tol, int cache) {
    static double mem[4 * SC_NMAX + SC_NMAX * SC_NMAX];
    mlm_svm_smo s;
    mlm_svm_smo_init(&s, D->n, 2, &D->x[0][0], D->y, &k, C, tol, cache, mem);
    double dprev = mlm_svm_smo_dual(&s);
    int monotone = 1;
    while (s.steps < 200000 && mlm_svm_smo_step(&s)) {
        if (s.steps % 7 == 0 || s.steps < 50) {
            double dnow = mlm_svm_smo_dual(&s);
            if (dnow < dprev - 1e-9 * fmax(1, fabs(dnow))) monotone = 0;
            dprev = dnow;
        }
    }
    CHECK(s.converged, "kernel %d C %g: converged after %ld steps (gap %g)", k.kind, C, s.steps, s.gap);
    CHECK(monotone, "kernel %d C %g: the dual objective fell", k.kind, C);
    double sum_ay = 0, worst = 0, m = -INFINITY, M = INFINITY;
    int box = 1;
    for (int i = 0; i < D->n; i++) {
        double a = s.a[i], yi = mlm_svm_sign(D->y[i]);
        box &= a >= 0 && a <= C;
        sum_ay += a * yi;
        double yf = yi * sc_f(&s, D->x[i]);
        if (a < C) worst = fmax(worst, 1 - yf); /* a = 0 or free: y f >= 1 */
        if (a > 0) worst = fmax(worst, yf - 1); /* a = C or free: y f <= 1 */
        /* the gap from its definition: -y g over I_up and I_low, g = y (f - b) - 1 */
        double v = -yi * (yi * (sc_f(&s, D->x[i]) - s.b) - 1);
        if ((yi > 0 && a < C) || (yi < 0 && a > 0)) m = fmax(m, v);
        if ((yi > 0 && a > 0) || (yi < 0 && a < C)) M = fmin(M, v);
    }
    CHECK(box, "kernel %d C %g: 0 <= a <= C", k.kind, C);
    CHECK_NEAR(sum_ay, 0, 1e-9 * C * D->n);
    CHECK(worst <= tol * (1 + 1e-9), "kernel %d C %g: KKT violated by %g > tol %g", k.kind, C, worst, tol);
    CHECK_NEAR(s.gap, m - M, 1e-8);
    double xq[3][2] = {{0.3, -1}, {4, 4}, {-2, 5}}, out[3];
    mlm_svm_smo_decision_many(&s, 3, &xq[0][0], out);
    for (int q = 0; q < 3; q++) CHECK_NEAR(out[q], sc_f(&s, xq[q]), 1e-9);
}

static void sc_kkt(void) {
    sc_data D;
    mlm_svm_kernel lin = {MLM_SVM_LINEAR, 0, 0, 0}, rbf = {MLM_SVM_RBF, 0, 0.5, 0},
                   poly = {MLM_SVM_POLY, 3, 0.2, 1};
    double Cs[3] = {0.05, 1, 50};
    for (int c = 0; c < 3; c++) {
        sc_make(&D, MLM_D2_OVERLAP, 120, 0.5, 0, 11 + c);
        sc_kkt_case(&D, lin, Cs[c], 1e-3, c & 1);
        sc_make(&D, MLM_D2_CIRCLES, 150, 0.3, 0, 21 + c);
        sc_kkt_case(&D, rbf, Cs[c], 1e-3, 1);
        sc_make(&D, MLM_D2_MOONS, 100, 0.2, 0, 31 + c);
        sc_kkt_case(&D, poly, Cs[c], 1e-3, c != 1);
        sc_make(&D, MLM_D2_LINEAR, 80, 0.2, 0.5, 41 + c);
        sc_kkt_case(&D, lin, Cs[c], 1e-4, 1);
    }
}

/* The widest band between the classes over 20000 directions u: min over class +1 of u.x minus
   max over class -1 of u.x, refined around the best direction. */
static double sc_brute_margin(const sc_data *D) {
    double best = -INFINITY, bt = 0;
    for (int pass = 0; pass < 3; pass++) {
        double lo = pass == 0 ? 0 : bt - 2 * SC_PI / pow(20000, pass), span = pass == 0 ? 2 * SC_PI : 4 * SC_PI / pow(20000, pass);
        for (int k = 0; k < 20000; k++) {
            double th = lo + span * k / 20000.0, u0 = cos(th), u1 = sin(th);
            double pmin = INFINITY, nmax = -INFINITY;
            for (int i = 0; i < D->n; i++) {
                double p = u0 * D->x[i][0] + u1 * D->x[i][1];
                if (D->y[i] > 0) pmin = fmin(pmin, p);
                else nmax = fmax(nmax, p);
            }
            if (pmin - nmax > best) best = pmin - nmax, bt = th;
        }
    }
    return best;
}

static void sc_margin(void) {
    sc_data D;
    static double mem[4 * SC_NMAX + SC_NMAX * SC_NMAX];
    mlm_svm_kernel lin = {MLM_SVM_LINEAR, 0, 0, 0};
    for (int seed = 1; seed <= 4; seed++) {
        sc_make(&D, MLM_D2_LINEAR, 60, 0.3, 0.4 * seed, 100 + seed);
        mlm_svm_smo s;
        mlm_svm_smo_init(&s, D.n, 2, &D.x[0][0], D.y, &lin, 1e4, 1e-8, 1, mem);
        mlm_svm_smo_fit(&s, 1000000);
        CHECK(s.converged, "hard margin converged");
        double w[2];
        mlm_svm_smo_w(&s, w);
        double nw = hypot(w[0], w[1]), brute = sc_brute_margin(&D);
        CHECK(brute > 0, "the data are separable");
        CHECK_REL(2 / nw, brute, 1e-6);
        double pmin = INFINITY, nmin = INFINITY;
        for (int i = 0; i < D.n; i++) {
            double dist = mlm_svm_sign(D.y[i]) * (w[0] * D.x[i][0] + w[1] * D.x[i][1] + s.b) / nw;
            if (D.y[i] > 0) pmin = fmin(pmin, dist);
            else nmin = fmin(nmin, dist);
        }
        CHECK_REL(pmin, 1 / nw, 1e-6);
        CHECK_REL(nmin, 1 / nw, 1e-6);
        /* Only the support vectors matter: train on them alone and get the same line. */
        sc_data S = {0};
        for (int i = 0; i < D.n; i++)
            if (s.a[i] > 0) {
                S.x[S.n][0] = D.x[i][0], S.x[S.n][1] = D.x[i][1], S.y[S.n] = D.y[i];
                S.n++;
            }
        CHECK(S.n >= 2 && S.n < D.n, "support vectors %d of %d", S.n, D.n);
        static double mem2[4 * SC_NMAX + SC_NMAX * SC_NMAX];
        mlm_svm_smo s2;
        mlm_svm_smo_init(&s2, S.n, 2, &S.x[0][0], S.y, &lin, 1e4, 1e-8, 1, mem2);
        mlm_svm_smo_fit(&s2, 1000000);
        double w2[2];
        mlm_svm_smo_w(&s2, w2);
        CHECK_REL(w2[0], w[0], 1e-5);
        CHECK_REL(w2[1], w[1], 1e-5);
        CHECK_REL(s2.b, s.b, 1e-5);
    }
}

static void sc_primal(void) {
    sc_data D;
    static double mem[4 * SC_NMAX + SC_NMAX * SC_NMAX];
    mlm_svm_kernel lin = {MLM_SVM_LINEAR, 0, 0, 0};
    for (int c = 0; c < 3; c++) {
        double C = c == 0 ? 0.01 : c == 1 ? 0.1 : 1;
        sc_make(&D, c == 2 ? MLM_D2_LINEAR : MLM_D2_OVERLAP, 100, 0.4, 0.2, 300 + c);
        int n = D.n;
        double lambda = 1.0 / (n * C);
        mlm_svm_smo s;
        mlm_svm_smo_init(&s, n, 2, &D.x[0][0], D.y, &lin, C, 1e-6, 1, mem);
        mlm_svm_smo_fit(&s, 1000000);
        double w[2];
        mlm_svm_smo_w(&s, w);
        /* Strong duality: F(w, b) = P / (n C) and D(a) / (n C) meet; weak duality orders them. */
        double F = mlm_svm_primal_objective(n, 2, &D.x[0][0], D.y, w, s.b, lambda);
        double Dv = mlm_svm_smo_dual(&s) / (n * C);
        CHECK(F >= Dv - 1e-12, "weak duality: F %g < D %g", F, Dv);
        CHECK(F - Dv <= 1e-5 * fmax(1, F), "duality gap %g (F %g)", F - Dv, F);
        /* Pegasos: full batch, deterministic; then mini-batches of 10. */
        for (int mode = 0; mode < 2; mode++) {
            static double pm[16];
            mlm_svm_pegasos p;
            mlm_svm_pegasos_init(&p, n, 2, &D.x[0][0], D.y, lambda, mode == 0 ? n : 10, pm);
            mlm_rng r;
            mlm_rng_seed(&r, 9, 3);
            for (int t = 0; t < 20000; t++) mlm_svm_pegasos_step(&p, &r);
            double Fp = mlm_svm_primal_objective(n, 2, &D.x[0][0], D.y, p.wavg, p.bavg, lambda);
            CHECK(Fp >= Dv - 1e-12, "Pegasos below the dual: %g < %g", Fp, Dv);
            CHECK(Fp - Dv <= 0.02 * Dv, "C %g mode %d: Pegasos F %g vs optimum %g", C, mode, Fp, Dv);
            double dw = hypot(p.wavg[0] - w[0], p.wavg[1] - w[1]);
            double bound = sqrt(2 * (Fp - Dv) / lambda) + sqrt(2 * fmax(0, F - Dv) / lambda);
            CHECK(dw <= bound + 1e-9, "C %g: |w_peg - w_dual| = %g beyond strong convexity's %g", C, dw, bound);
            CHECK(dw <= 0.1 * hypot(w[0], w[1]), "C %g mode %d: |w_peg - w_dual| = %g, |w| = %g", C, mode, dw, hypot(w[0], w[1]));
        }
    }
}

static void sc_check_all(void) {
    sc_kernels();
    sc_paper();
    sc_kkt();
    sc_margin();
    sc_primal();
}

#endif
