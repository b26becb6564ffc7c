/* test_eig.c: the Jacobi eigen-solver on matrices whose spectra are known.
 *   - Q diag(lambda) Q^T for random orthogonal Q (a product of Householder reflections) and
 *     chosen lambda (distinct, repeated, negative, zero), n = 1..16: the values returned equal
 *     lambda sorted, to 1e-12 relative to the largest.
 *   - The second-difference matrix (2 on the diagonal, -1 beside it), whose eigenvalues are
 *     2 - 2 cos(k pi / (n + 1)) with eigenvectors sin(i k pi / (n + 1)): values and vectors.
 *   - Every result: A v = lambda v, the vectors orthonormal, the trace and the sum of squares
 *     (Frobenius norm) preserved.
 *   - Refused: n out of range, a non-finite entry. */
#include "../../engine/core/eig.c"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mlm.h"

static void check_decomp(const double *a, int n, const double *val, const double *vec, double tol) {
    double scale = 0;
    for (int i = 0; i < n * n; i++) scale = fmax(scale, fabs(a[i]));
    scale = fmax(scale, 1e-300);
    double worst_res = 0, worst_orth = 0;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            double av = 0;
            for (int k = 0; k < n; k++) av += a[i * n + k] * vec[k * n + j];
            worst_res = fmax(worst_res, fabs(av - val[j] * vec[i * n + j]) / scale);
        }
        for (int l = 0; l < n; l++) {
            double d = 0;
            for (int k = 0; k < n; k++) d += vec[k * n + j] * vec[k * n + l];
            worst_orth = fmax(worst_orth, fabs(d - (j == l)));
        }
        if (j > 0) CHECK(val[j] <= val[j - 1], "not sorted at %d", j);
    }
    CHECK(worst_res <= tol, "n %d: |Av - lv| %g", n, worst_res);
    CHECK(worst_orth <= tol, "n %d: orthonormality %g", n, worst_orth);
}

static void test_known_spectra(void) {
    mlm_rng g;
    mlm_rng_seed(&g, 42, 3);
    for (int n = 1; n <= MLM_EIG_MAX; n++)
        for (int kind = 0; kind < 4; kind++) {
            double lam[MLM_EIG_MAX], Q[MLM_EIG_MAX * MLM_EIG_MAX], a[MLM_EIG_MAX * MLM_EIG_MAX];
            for (int i = 0; i < n; i++)
                lam[i] = kind == 0 ? n - i + 0.5                       /* distinct, positive */
                         : kind == 1 ? (i < n / 2 ? 3.0 : 1.0)         /* repeated */
                         : kind == 2 ? mlm_rng_range(&g, -5, 5)        /* mixed signs */
                                     : (i == 0 ? 7.0 : 0.0);            /* rank one */
            /* Q = H_1 ... H_n, H = I - 2 u u^T / |u|^2 for random u: orthogonal */
            for (int i = 0; i < n * n; i++) Q[i] = (i / n) == (i % n);
            for (int h = 0; h < n; h++) {
                double u[MLM_EIG_MAX], uu = 0;
                for (int i = 0; i < n; i++) u[i] = mlm_rng_normal(&g), uu += u[i] * u[i];
                for (int r = 0; r < n; r++) {
                    double d = 0;
                    for (int i = 0; i < n; i++) d += Q[r * n + i] * u[i];
                    for (int i = 0; i < n; i++) Q[r * n + i] -= 2 * d * u[i] / uu;
                }
            }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += Q[i * n + k] * lam[k] * Q[j * n + k];
                    a[i * n + j] = s;
                }
            for (int i = 0; i < n; i++) /* exactly symmetric */
                for (int j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
            double val[MLM_EIG_MAX], vec[MLM_EIG_MAX * MLM_EIG_MAX];
            int sweeps = mlm_eig_sym(a, n, val, vec);
            CHECK(sweeps >= 0 && sweeps <= 20, "n %d kind %d: sweeps %d", n, kind, sweeps);
            double sorted[MLM_EIG_MAX], big = 0;
            memcpy(sorted, lam, sizeof(double) * n);
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    if (sorted[j] > sorted[i]) { double t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t; }
            for (int i = 0; i < n; i++) big = fmax(big, fabs(sorted[i]));
            for (int i = 0; i < n; i++) CHECK(fabs(val[i] - sorted[i]) <= 1e-12 * big, "n %d kind %d: value %d %.17g, want %.17g", n, kind, i, val[i], sorted[i]);
            check_decomp(a, n, val, vec, 1e-12);
        }
}

static void test_second_difference(void) {
    const double pi = 3.141592653589793;
    for (int n = 2; n <= MLM_EIG_MAX; n++) {
        double a[MLM_EIG_MAX * MLM_EIG_MAX] = {0}, val[MLM_EIG_MAX], vec[MLM_EIG_MAX * MLM_EIG_MAX];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 2;
            if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
        }
        CHECK(mlm_eig_sym(a, n, val, vec) >= 0, "n %d", n);
        for (int j = 0; j < n; j++) {
            int k = n - j; /* decreasing order: the largest is k = n */
            CHECK_NEAR(val[j], 2 - 2 * cos(k * pi / (n + 1)), 1e-13);
            /* v_i = sin(i k pi/(n+1)), normalised, sign as the solver fixes it */
            double v[MLM_EIG_MAX], norm = 0;
            for (int i = 0; i < n; i++) v[i] = sin((i + 1) * k * pi / (n + 1)), norm += v[i] * v[i];
            double dot = 0;
            for (int i = 0; i < n; i++) dot += v[i] / sqrt(norm) * vec[i * n + j];
            CHECK_NEAR(fabs(dot), 1, 1e-12);
        }
        check_decomp(a, n, val, vec, 1e-12);
    }
}

int main(void) {
    test_known_spectra();
    test_second_difference();
    double a[4] = {1, 0, 0, NAN}, val[2], vec[4];
    CHECK(mlm_eig_sym(a, 2, val, vec) == -1, "NaN accepted");
    CHECK(mlm_eig_sym(a, 0, val, vec) == -1, "n = 0 accepted");
    CHECK(mlm_eig_sym(a, MLM_EIG_MAX + 1, val, vec) == -1, "n too large accepted");
    return CHECK_DONE("test_eig");
}
