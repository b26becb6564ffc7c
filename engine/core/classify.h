/* classify.h: the book's classical classifiers of points in the plane, written once and shared:
 * logistic regression (chapter 8), the Gaussian classifiers of naive Bayes (chapter 10) and
 * k-nearest neighbours (chapter 29). Those chapters' modules train and draw with these functions,
 * and chapter 32 ("Judging a classifier") trains all of them side by side on one dataset.
 *
 * Shapes (doubles unless said):
 *   N    points; a point of the plane is (x1, x2)
 *   x3   (N, 3) rows (x1, x2, 1): logistic regression's inputs with the constant for the bias
 *   x    (N, 2) rows (x1, x2): the Gaussian classifiers' and k-NN's inputs
 *   y    (N,) labels: 0 / 1 doubles for logistic regression, classes 0..K-1 (ints) otherwise
 *   w    (3,) logistic regression's weights (w1, w2, w0)
 *   K    classes, at most MLM_GAUSS_K_MAX (Gaussian) or MLM_KNN_K_MAX (k-NN)
 */
#ifndef MLM_CLASSIFY_H
#define MLM_CLASSIFY_H

#include <stdint.h>

/* ---- logistic regression: p(y = 1 | x) = sigmoid(w . x~), x~ = (x1, x2, 1) ---- */

/* log(1 + e^z) without overflow. */
double mlm_softplus(double z);
/* The mean binary cross-entropy at w over the n rows of x3, plus l2/2 (w1^2 + w2^2) (the bias is
   not penalised); when g is not NULL its gradient g (3,), and when h is not NULL its Hessian
   h (3, 3) row-major. */
double mlm_logreg_loss(const double (*x3)[3], const double *y, int n, const double *w, double l2,
                       double *g, double *h);
/* One Newton step as iteratively reweighted least squares, in place on w: 0, or -1 (w unchanged)
   when the weighted normal equations are singular. */
int mlm_logreg_irls_step(const double (*x3)[3], const double *y, int n, double *w, double l2);
/* p(y = 1 | (x1, x2)) = sigmoid(w1 x1 + w2 x2 + w0). */
double mlm_logreg_prob(const double *w, double x1, double x2);
/* Solve the 3 x 3 system a u = b by Gaussian elimination with partial pivoting; -1 if singular. */
int mlm_solve3(const double *a, const double *b, double *u);

/* ---- Gaussian class models: naive Bayes (diagonal) and the full-covariance classifier ---- */

#define MLM_GAUSS_K_MAX 16
#define MLM_GAUSS_EPS 0.01 /* added to every variance: a class of one point, or of points on a
                              line, would otherwise have variance 0 and an infinitely tall density */

/* The maximum-likelihood Gaussian of one class. */
typedef struct {
    int n;          /* points of the class */
    double mean[2]; /* sample mean */
    double var[2];  /* biased sample variances: (1/n) sum (x_j - mean_j)^2 */
    double cov;     /* biased sample covariance of the two coordinates */
} mlm_gauss_class;

/* Each class's count, mean, biased variances and covariance from x (S, 2), y (S,), K classes. */
void mlm_gauss_fit(mlm_gauss_class *out, const double *x, const int *y, int S, int K);
/* Replace every class's (co)variance by the pooled one (the count-weighted mean). */
void mlm_gauss_pool(mlm_gauss_class *cls, int K);
/* Bayes' rule with priors n_k / n: post (K,) the posterior at x (2,), naive (full = 0: the
   coordinates independent within a class) or with the full 2 x 2 covariance. A class with no
   points gets 0. Returns the most probable class. */
int mlm_gauss_posterior(const mlm_gauss_class *cls, int K, int full, const double *x, double *post);

/* ---- k-nearest neighbours ---- */

enum { MLM_KNN_EUCLID, MLM_KNN_MANHATTAN, MLM_KNN_CHEBYSHEV };
#define MLM_KNN_K_MAX 16     /* classes */
#define MLM_KNN_NB_MAX 1024  /* neighbours a vote may take: k is cut to this */

/* Euclidean, Manhattan or Chebyshev distance between points a and b of the plane. */
double mlm_knn_dist(int metric, const double *a, const double *b);
/* The k nearest of the N points x to q, nearest first (ties in distance to the lower index):
   indices nb (k,), distances d (k,). Returns min(k, N). */
int mlm_knn_neighbours(int metric, const double (*x)[2], int N, const double *q, int k, int *nb,
                       double *d);
/* The votes of the k nearest of x (N, 2), y (N,) at q for each of K classes into votes (K,): one
   each, or 1/d each (weighted; a point at distance 0 then outvotes all others, and only such
   points vote). Returns the class the vote picks (a tie goes to the tied class with the nearest
   member), 0 when there are no points. */
int mlm_knn_votes(int metric, int weighted, const double (*x)[2], const int32_t *y, int N, int K,
                  const double *q, int k, double *votes);
/* The class mlm_knn_votes picks. */
int mlm_knn_classify(int metric, int weighted, const double (*x)[2], const int32_t *y, int N, int K,
                     const double *q, int k);

#endif
