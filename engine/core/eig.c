/* eig.c: cyclic Jacobi for symmetric matrices (see eig.h). */
#include "eig.h"

#include <math.h>
#include <string.h>

#include "mlm.h"

//> jacobi
int mlm_eig_sym(const double *a, int n, double *values, double *vectors) {
    if (n < 1 || n > MLM_EIG_MAX) return -1;
    double A[MLM_EIG_MAX][MLM_EIG_MAX], V[MLM_EIG_MAX][MLM_EIG_MAX];
    double total = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (!mlm_isfinite(a[i * n + j])) return -1;
            A[i][j] = 0.5 * (a[i * n + j] + a[j * n + i]); /* symmetric by construction */
            V[i][j] = i == j;
            total += A[i][j] * A[i][j];
        }
    int sweep = 0;
    for (;; sweep++) {
        double off = 0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) off += 2 * A[p][q] * A[p][q];
        if (off <= 1e-30 * total || off == 0) break;
        if (sweep >= 60) return -1;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                if (A[p][q] == 0) continue;
                /* the rotation angle t = tan(theta) that zeroes A[p][q]: the smaller root of
                   t^2 + 2 theta t - 1 = 0 with theta = (a_qq - a_pp) / (2 a_pq) (stable form) */
                double theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) { /* A <- A J (columns p, q) */
                    double akp = A[k][p], akq = A[k][q];
                    A[k][p] = c * akp - s * akq, A[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* A <- J^T A (rows p, q) */
                    double apk = A[p][k], aqk = A[q][k];
                    A[p][k] = c * apk - s * aqk, A[q][k] = s * apk + c * aqk;
                }
                A[p][q] = A[q][p] = 0; /* zero by construction; rounding left a trace */
                for (int k = 0; k < n; k++) { /* V <- V J */
                    double vkp = V[k][p], vkq = V[k][q];
                    V[k][p] = c * vkp - s * vkq, V[k][q] = s * vkp + c * vkq;
                }
            }
    }
    //< jacobi
    /* sort by decreasing eigenvalue (selection sort: n <= 16), fix each vector's sign */
    int order[MLM_EIG_MAX];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 0; i < n; i++) {
        int m = i;
        for (int j = i + 1; j < n; j++)
            if (A[order[j]][order[j]] > A[order[m]][order[m]]) m = j;
        int t = order[i];
        order[i] = order[m], order[m] = t;
    }
    for (int j = 0; j < n; j++) {
        int o = order[j], big = 0;
        values[j] = A[o][o];
        for (int k = 1; k < n; k++)
            if (fabs(V[k][o]) > fabs(V[big][o])) big = k;
        double sg = V[big][o] < 0 ? -1 : 1;
        for (int k = 0; k < n; k++) vectors[k * n + j] = sg * V[k][o];
    }
    return sweep;
}
