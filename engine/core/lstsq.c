/* lstsq.c: Cholesky and least squares by the normal equations (lstsq.h). Plain loops in a fixed
 * order, sqrt only (exact in IEEE arithmetic), so wasm and native agree bit for bit. */
#include "lstsq.h"

#include <math.h>

//> cholesky
int lsq_cholesky_solve(double *x, const double *A, int lda, const double *b, int P) {
    double R[LSQ_MAX * LSQ_MAX]; /* (P, P) lower triangle */
    if (P < 1 || P > LSQ_MAX) return -1;
    for (int i = 0; i < P; i++)
        for (int j = 0; j <= i; j++) {
            double s = A[i * lda + j];
            for (int k = 0; k < j; k++) s -= R[i * LSQ_MAX + k] * R[j * LSQ_MAX + k];
            if (i == j) {
                if (!(s > 0)) return -1;
                R[i * LSQ_MAX + i] = sqrt(s);
            } else {
                R[i * LSQ_MAX + j] = s / R[j * LSQ_MAX + j];
            }
        }
    for (int i = 0; i < P; i++) { /* R z = b */
        double s = b[i];
        for (int k = 0; k < i; k++) s -= R[i * LSQ_MAX + k] * x[k];
        x[i] = s / R[i * LSQ_MAX + i];
    }
    for (int i = P - 1; i >= 0; i--) { /* Rᵀ x = z */
        double s = x[i];
        for (int k = i + 1; k < P; k++) s -= R[k * LSQ_MAX + i] * x[k];
        x[i] = s / R[i * LSQ_MAX + i];
    }
    return 0;
}
//< cholesky

//> normal_equations
int lsq_solve(double *w, const double *X, int ldx, const double *y, int N, int P) {
    if (N < 1 || P < 1 || P > LSQ_MAX) return -1;
    double G[LSQ_MAX * LSQ_MAX], A[LSQ_MAX * LSQ_MAX], c[LSQ_MAX]; /* XᵀX (P, P), Xᵀy (P,) */
    for (int i = 0; i < P; i++) {
        c[i] = 0;
        for (int j = 0; j < P; j++) G[i * LSQ_MAX + j] = 0;
    }
    for (int n = 0; n < N; n++) {
        const double *row = X + (long)n * ldx;
        for (int i = 0; i < P; i++) {
            c[i] += row[i] * y[n];
            for (int j = 0; j <= i; j++) G[i * LSQ_MAX + j] += row[i] * row[j];
        }
    }
    double trace = 0;
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < i; j++) G[j * LSQ_MAX + i] = G[i * LSQ_MAX + j];
        trace += G[i * LSQ_MAX + i];
    }
    double jitter = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
        for (int i = 0; i < P; i++)
            for (int j = 0; j < P; j++) A[i * LSQ_MAX + j] = G[i * LSQ_MAX + j] + (i == j ? jitter : 0);
        if (lsq_cholesky_solve(w, A, LSQ_MAX, c, P) == 0) return 0;
        jitter = jitter > 0 ? jitter * 100 : 1e-12 * (trace > 0 ? trace / P : 1);
    }
    for (int j = 0; j < P; j++) w[j] = 0;
    return 0;
}
//< normal_equations
