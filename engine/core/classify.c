/* classify.c: logistic regression, the Gaussian class models (naive Bayes and full covariance)
 * and k-nearest neighbours, once for the whole book (see classify.h). Moved here unchanged from
 * the modules of chapters 8, 10 and 29, which now call them, so those chapters' numbers are the
 * same bits as before. */
#include "classify.h"

#include <math.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "softmax.h"

/* ---- logistic regression ---- */

//> logistic_loss
/* log(1 + e^z) without overflow: for large z it is z, for very negative z it is e^z. */
double mlm_softplus(double z) { return (z > 0 ? z : 0) + mlm_log(1 + mlm_exp(-fabs(z))); }

/* The loss at w over the n rows of x, and (when g is not NULL) its gradient g (3,) and (when h is
   not NULL) its Hessian h (3, 3). Each point contributes softplus(z) - y z, whose derivative in
   z is σ(z) - y and second derivative σ(z)(1 - σ(z)). */
double mlm_logreg_loss(const double (*x)[3], const double *y, int n, const double *w, double l2,
                       double *g, double *h) {
    double L = 0;
    if (g) memset(g, 0, 3 * sizeof *g);
    if (h) memset(h, 0, 9 * sizeof *h);
    for (int i = 0; i < n; i++) {
        double z = w[0] * x[i][0] + w[1] * x[i][1] + w[2] * x[i][2];
        L += mlm_softplus(z) - y[i] * z;
        double p = mlm_sigmoid(z);
        if (g)
            for (int a = 0; a < 3; a++) g[a] += (p - y[i]) * x[i][a];
        if (h)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) h[3 * a + b] += p * (1 - p) * x[i][a] * x[i][b];
    }
    double inv = n > 0 ? 1.0 / n : 0;
    L = L * inv + 0.5 * l2 * (w[0] * w[0] + w[1] * w[1]);
    if (g) {
        for (int a = 0; a < 3; a++) g[a] *= inv;
        g[0] += l2 * w[0], g[1] += l2 * w[1];
    }
    if (h) {
        for (int k = 0; k < 9; k++) h[k] *= inv;
        h[0] += l2, h[4] += l2;
    }
    return L;
}
//< logistic_loss

int mlm_solve3(const double *a_in, const double *b_in, double *u) {
    double a[3][4];
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) a[r][c] = a_in[3 * r + c];
        a[r][3] = b_in[r];
    }
    for (int c = 0; c < 3; c++) {
        int piv = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c])) piv = r;
        if (!(fabs(a[piv][c]) > 1e-300)) return -1;
        for (int k = 0; k < 4; k++) {
            double t = a[c][k];
            a[c][k] = a[piv][k], a[piv][k] = t;
        }
        for (int r = c + 1; r < 3; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k < 4; k++) a[r][k] -= f * a[c][k];
        }
    }
    for (int r = 2; r >= 0; r--) {
        double s = a[r][3];
        for (int k = r + 1; k < 3; k++) s -= a[r][k] * u[k];
        u[r] = s / a[r][r];
    }
    return mlm_isfinite(u[0] + u[1] + u[2]) ? 0 : -1;
}

//> irls
/* One Newton step as iteratively reweighted least squares: with weights s_i = p_i (1 - p_i) and
   the working response t_i = z_i + (y_i - p_i) / s_i, the new weights solve the weighted least
   squares problem (Xᵀ S X + N λ D) w' = Xᵀ S t (D = diag(1, 1, 0)). Multiplying out S t =
   S X w + (y - p) avoids dividing by an s_i that may be tiny. */
int mlm_logreg_irls_step(const double (*x)[3], const double *y, int n, double *w, double l2) {
    double A[9] = {0}, b[3] = {0};
    for (int i = 0; i < n; i++) {
        double z = w[0] * x[i][0] + w[1] * x[i][1] + w[2] * x[i][2];
        double p = mlm_sigmoid(z), s = p * (1 - p);
        for (int a = 0; a < 3; a++) {
            b[a] += x[i][a] * (s * z + (y[i] - p));
            for (int c = 0; c < 3; c++) A[3 * a + c] += s * x[i][a] * x[i][c];
        }
    }
    A[0] += n * l2, A[4] += n * l2;
    /* solved into a copy: a singular system leaves w as it was */
    double u[3];
    if (mlm_solve3(A, b, u)) return -1;
    memcpy(w, u, sizeof u);
    return 0;
}
//< irls

double mlm_logreg_prob(const double *w, double x1, double x2) {
    return mlm_sigmoid(w[0] * x1 + w[1] * x2 + w[2]);
}

/* ---- the Gaussian class models ---- */

//> gauss_fit
/* The maximum-likelihood Gaussian of each class from points x (S, 2) with labels y (S,): the
   class's count, its sample mean and its biased sample variances and covariance (dividing by
   n_k, not n_k - 1: the maximum of the likelihood, as the chapter derives). */
void mlm_gauss_fit(mlm_gauss_class *out, const double *x, const int *y, int S, int K) {
    memset(out, 0, sizeof(mlm_gauss_class) * (size_t)K);
    for (int i = 0; i < S; i++) {
        mlm_gauss_class *c = &out[y[i]];
        c->n++;
        c->mean[0] += x[2 * i], c->mean[1] += x[2 * i + 1];
    }
    for (int k = 0; k < K; k++)
        if (out[k].n) out[k].mean[0] /= out[k].n, out[k].mean[1] /= out[k].n;
    for (int i = 0; i < S; i++) {
        mlm_gauss_class *c = &out[y[i]];
        double d0 = x[2 * i] - c->mean[0], d1 = x[2 * i + 1] - c->mean[1];
        c->var[0] += d0 * d0, c->var[1] += d1 * d1, c->cov += d0 * d1;
    }
    for (int k = 0; k < K; k++)
        if (out[k].n) out[k].var[0] /= out[k].n, out[k].var[1] /= out[k].n, out[k].cov /= out[k].n;
}
//< gauss_fit

void mlm_gauss_pool(mlm_gauss_class *cls, int K) {
    double v0 = 0, v1 = 0, cv = 0;
    int n = 0;
    for (int k = 0; k < K; k++) {
        v0 += cls[k].n * cls[k].var[0], v1 += cls[k].n * cls[k].var[1], cv += cls[k].n * cls[k].cov;
        n += cls[k].n;
    }
    if (!n) return;
    for (int k = 0; k < K; k++) cls[k].var[0] = v0 / n, cls[k].var[1] = v1 / n, cls[k].cov = cv / n;
}

//> gauss_posterior
/* Bayes' rule: P(k | x) = pi_k p(x | k) / sum_j pi_j p(x | j), with pi_k = n_k / n. Computed from
   logs, log pi_k + log p(x | k), and normalised by the softmax (which subtracts the largest first:
   far from every class each density underflows to 0, but their logs do not). Naive Bayes
   multiplies one Gaussian per coordinate (a diagonal covariance); the full model uses the 2 x 2
   covariance [v0 c; c v1] with determinant v0 v1 - c^2. A class with no points gets
   probability 0. post (K,). Returns the most probable class. */
int mlm_gauss_posterior(const mlm_gauss_class *cls, int K, int full, const double *x, double *post) {
    const double LOG_2PI = 1.8378770664093453;
    double logj[MLM_GAUSS_K_MAX];
    int n = 0;
    for (int k = 0; k < K; k++) n += cls[k].n;
    int present[MLM_GAUSS_K_MAX], P = 0;
    for (int k = 0; k < K; k++) {
        const mlm_gauss_class *c = &cls[k];
        if (!c->n) continue;
        double v0 = c->var[0] + MLM_GAUSS_EPS, v1 = c->var[1] + MLM_GAUSS_EPS;
        double d0 = x[0] - c->mean[0], d1 = x[1] - c->mean[1], q, logdet;
        if (full) {
            double det = v0 * v1 - c->cov * c->cov;
            q = (v1 * d0 * d0 - 2 * c->cov * d0 * d1 + v0 * d1 * d1) / det;
            logdet = mlm_log(det);
        } else {
            q = d0 * d0 / v0 + d1 * d1 / v1;
            logdet = mlm_log(v0) + mlm_log(v1);
        }
        logj[P] = mlm_log((double)c->n / n) - 0.5 * (2 * LOG_2PI + logdet + q);
        present[P++] = k;
    }
    for (int k = 0; k < K; k++) post[k] = 0;
    if (!P) return 0;
    double p[MLM_GAUSS_K_MAX];
    mlm_softmax(p, logj, P);
    int best = present[0];
    for (int j = 0; j < P; j++) {
        post[present[j]] = p[j];
        if (p[j] > post[best]) best = present[j];
    }
    return best;
}
//< gauss_posterior

/* ---- k-nearest neighbours ---- */

//> knn_distance
/* The three distances between points a and b of the plane. */
double mlm_knn_dist(int metric, const double *a, const double *b) {
    double dx = fabs(a[0] - b[0]), dy = fabs(a[1] - b[1]);
    if (metric == MLM_KNN_MANHATTAN) return dx + dy;
    if (metric == MLM_KNN_CHEBYSHEV) return dx > dy ? dx : dy;
    return sqrt(dx * dx + dy * dy);
}
//< knn_distance

//> knn_neighbours
/* The k nearest of the N points x to q: their indices into nb (k,) and distances into d (k,),
   nearest first, a tie in distance going to the lower index. One pass, keeping the k best so far
   in order (an insertion sort that only ever holds k): N k comparisons at worst. */
int mlm_knn_neighbours(int metric, const double (*x)[2], int N, const double *q, int k, int *nb,
                       double *d) {
    int m = 0;
    if (k > N) k = N;
    for (int i = 0; i < N; i++) {
        double di = mlm_knn_dist(metric, x[i], q);
        if (m == k && !(di < d[k - 1])) continue; /* no nearer than the k-th: the lower index stays */
        int j = m < k ? m++ : k - 1;
        while (j > 0 && di < d[j - 1]) d[j] = d[j - 1], nb[j] = nb[j - 1], j--;
        d[j] = di, nb[j] = i;
    }
    return m;
}
//< knn_neighbours

//> knn_vote
/* The votes of the k nearest of x (N, 2), y (N,) at q: one each, or 1/d each. A point at
   distance 0 outweighs every other (its class wins among such points). A tie goes to the tied
   class with the nearest member. votes (K,). */
int mlm_knn_votes(int metric, int weighted, const double (*x)[2], const int32_t *y, int N, int K,
                  const double *q, int k, double *votes) {
    int nb[MLM_KNN_NB_MAX];
    double d[MLM_KNN_NB_MAX];
    for (int c = 0; c < K; c++) votes[c] = 0;
    if (k > MLM_KNN_NB_MAX) k = MLM_KNN_NB_MAX;
    int m = mlm_knn_neighbours(metric, x, N, q, k, nb, d);
    if (m == 0) return 0;
    int exact = weighted && d[0] == 0;
    for (int j = 0; j < m; j++) {
        if (exact && d[j] != 0) break;
        votes[y[nb[j]]] += weighted && !exact ? 1.0 / d[j] : 1.0;
    }
    double best = -1;
    for (int c = 0; c < K; c++) best = votes[c] > best ? votes[c] : best;
    for (int j = 0; j < m; j++) /* the nearest neighbour whose class has the most votes */
        if (votes[y[nb[j]]] == best) return y[nb[j]];
    return 0;
}
//< knn_vote

int mlm_knn_classify(int metric, int weighted, const double (*x)[2], const int32_t *y, int N, int K,
                     const double *q, int k) {
    double votes[MLM_KNN_K_MAX];
    return mlm_knn_votes(metric, weighted, x, y, N, K, q, k, votes);
}
