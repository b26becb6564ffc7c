/* svm.h: support vector machines, written once for the chapter that derives them (chapter 30) and
 * for every chapter that trains one among other classifiers (model evaluation, chapter 32).
 *
 * Labels. A point is in the positive class (+1) when its integer label is > 0 and in the negative
 * class (-1) otherwise, so the book's 0/1 labels and -1/+1 labels both work as they are.
 *
 * The soft-margin problem, in its two forms (n points x_i in R^d, labels y_i = +-1, C > 0):
 *   primal   minimise  1/2 |w|^2 + C sum_i max(0, 1 - y_i (w . phi(x_i) + b))
 *   dual     maximise  D(a) = sum_i a_i - 1/2 sum_ij a_i a_j y_i y_j K(x_i, x_j)
 *            subject to 0 <= a_i <= C and sum_i a_i y_i = 0,
 * with the decision function f(x) = sum_i a_i y_i K(x_i, x) + b (a real-valued score: its sign is
 * the class, |f| / |w| the distance from the boundary for the linear kernel, and thresholding it
 * at other values than 0 traces a ROC curve). The points with a_i > 0 are the support vectors.
 *
 * Two solvers:
 *   SMO       (Platt 1998) on the dual: each step moves two multipliers a_i, a_j, the least that
 *             keeps sum a_i y_i = 0, to the best point on their segment inside the box. The pair
 *             is the one that breaks the optimality (KKT) conditions most, chosen as in LIBSVM
 *             (Keerthi et al. 2001; Fan, Chen and Lin 2005): i the maximal violator, j the partner
 *             that promises the greatest decrease of the objective (second-order choice). The run
 *             stops when the largest violation m - M (the "gap" below) is at most tol; then every
 *             point satisfies its KKT condition to within tol:
 *                a_i = 0      =>  y_i f(x_i) >= 1 - tol
 *                0 < a_i < C  =>  |y_i f(x_i) - 1| <= tol
 *                a_i = C      =>  y_i f(x_i) <= 1 + tol.
 *             Any kernel. The step-wise API (mlm_svm_smo_step) lets a widget show each pair.
 *   Pegasos   (Shalev-Shwartz, Singer and Srebro 2007) on the linear primal written as
 *             F(w, b) = lambda/2 |w|^2 + 1/n sum_i max(0, 1 - y_i (w . x_i + b)),
 *             which is the primal above divided by nC when lambda = 1 / (n C). Stochastic
 *             sub-gradient steps of size 1 / (lambda t) on a mini-batch, w projected onto the
 *             ball of radius 1 / sqrt(lambda) (where the optimum lies); the bias b is not
 *             penalised and takes the same sub-gradient step. The running average of the
 *             iterates is kept too (the output the convergence bound is about).
 *
 * Memory. Solvers carve their arrays from one caller-provided block of mlm_svm_*_bytes() bytes
 * (a module takes it from mlm_alloc, so a checkpoint holds the solver; nothing here allocates).
 * They keep pointers to the caller's x and y, which must outlive them and stay unchanged.
 *
 * Shapes: n points, d features; x (n, d) row-major; y (n,) integer labels; a (n,); w (d,). */
#ifndef MLM_SVM_H
#define MLM_SVM_H

#include <stddef.h>
#include <stdint.h>

#include "mlm.h"

/* ---- kernels ---- */
typedef enum {
    MLM_SVM_LINEAR = 0, /* K(x, z) = x . z */
    MLM_SVM_POLY,       /* K(x, z) = (gamma x . z + coef0)^degree, degree 1..10 */
    MLM_SVM_RBF,        /* K(x, z) = exp(-gamma |x - z|^2), gamma > 0 */
    MLM_SVM_KERNEL_COUNT
} mlm_svm_kernel_kind;

typedef struct {
    int kind;     /* mlm_svm_kernel_kind */
    int degree;   /* POLY */
    double gamma; /* POLY, RBF */
    double coef0; /* POLY */
} mlm_svm_kernel;

/* K(x, z) for two points x (d,), z (d,). */
double mlm_svm_kernel_eval(const mlm_svm_kernel *k, const double *x, const double *z, int d);

/* +1 for a label > 0, -1 otherwise. */
static inline double mlm_svm_sign(int label) { return label > 0 ? 1.0 : -1.0; }

/* ---- SMO on the dual ---- */
typedef struct {
    int n, d;
    const double *x;      /* (n, d) the caller's points */
    const int *y;         /* (n,) the caller's labels */
    mlm_svm_kernel kern;
    double C;             /* box bound, > 0 */
    double tol;           /* stopping gap, > 0 */
    double *a;            /* (n,) the multipliers a_i, 0 <= a_i <= C */
    double *g;            /* (n,) gradient of the minimised -D: g_i = y_i sum_j a_j y_j K_ij - 1 */
    double *ys;           /* (n,) labels as +-1 */
    double *kdiag;        /* (n,) K(x_i, x_i) */
    double *kc;           /* (n, n) the kernel matrix, or NULL (computed on demand) */
    double b;             /* the bias of f, refreshed after every step */
    double gap;           /* m - M: the largest KKT violation; converged when gap <= tol */
    long steps;           /* pair updates taken */
    int last_i, last_j;   /* the pair the last step moved (-1 before the first) */
    int converged;        /* 1 once gap <= tol */
} mlm_svm_smo;

/* Bytes the solver needs for n points (cache = 1 also keeps the n x n kernel matrix, which makes
   a step O(n) instead of O(n d); worth it up to a few hundred points). */
size_t mlm_svm_smo_bytes(int n, int cache);

/* Start from a = 0 (so b = 0 and f = 0): x (n, d), y (n,), kernel k, box C > 0, stopping gap tol
   > 0, mem a block of mlm_svm_smo_bytes(n, cache) bytes (8-byte aligned). Computes the kernel
   cache when cache is set: O(n^2 d). */
void mlm_svm_smo_init(mlm_svm_smo *s, int n, int d, const double *x, const int *y,
                      const mlm_svm_kernel *k, double C, double tol, int cache, void *mem);

/* K(x_i, x_j) for two training points (from the cache when there is one). */
double mlm_svm_smo_k(const mlm_svm_smo *s, int i, int j);

/* One SMO step: choose the most violating pair, move its two multipliers, update g, b and gap.
   Returns 1 when a pair moved, 0 when already converged (gap <= tol: nothing to do). O(n) with
   the cache, O(n d) without. */
int mlm_svm_smo_step(mlm_svm_smo *s);

/* Step until converged or max_steps steps were taken; returns the steps taken by this call. */
long mlm_svm_smo_fit(mlm_svm_smo *s, long max_steps);

/* The decision score f(x) = sum_i a_i y_i K(x_i, x) + b for a point x (d,). O(n d) (terms with
   a_i = 0 skipped). */
double mlm_svm_smo_decision(const mlm_svm_smo *s, const double *x);

/* Scores f(x_q) for m query points xq (m, d) into out (m,). */
void mlm_svm_smo_decision_many(const mlm_svm_smo *s, int m, const double *xq, double *out);

/* The linear kernel's weight vector w = sum_i a_i y_i x_i into w (d,) (for other kernels w lives
   in feature space and this is not its meaning; the caller checks the kernel). */
void mlm_svm_smo_w(const mlm_svm_smo *s, double *w);

/* The dual objective D(a) = sum a_i - 1/2 sum_ij a_i a_j y_i y_j K_ij (computed from a afresh,
   O(n^2 d) without the cache). */
double mlm_svm_smo_dual(const mlm_svm_smo *s);

/* Support vectors: the indices with a_i > 0, in increasing order, into idx (n,) if not NULL;
   returns their number. */
int mlm_svm_smo_support(const mlm_svm_smo *s, int *idx);

/* ---- hinge loss and the primal ---- */
/* max(0, 1 - m) for the functional margin m = y f(x). */
static inline double mlm_svm_hinge(double margin) { return margin < 1.0 ? 1.0 - margin : 0.0; }

/* F(w, b) = lambda/2 |w|^2 + 1/n sum_i max(0, 1 - y_i (w . x_i + b)) for x (n, d), y (n,),
   w (d,). */
double mlm_svm_primal_objective(int n, int d, const double *x, const int *y, const double *w,
                                double b, double lambda);

/* ---- Pegasos on the linear primal ---- */
typedef struct {
    int n, d;
    const double *x;   /* (n, d) */
    const int *y;      /* (n,) */
    double lambda;     /* > 0; lambda = 1 / (n C) for the problem with box C */
    int batch;         /* points per step, 1..n; batch >= n takes every point, no randomness */
    double *w;         /* (d,) the current iterate */
    double b;
    double *wavg;      /* (d,) the average of the iterates w_1..w_t */
    double bavg;
    long t;            /* steps taken */
} mlm_svm_pegasos;

/* Bytes for d features. */
size_t mlm_svm_pegasos_bytes(int d);

/* Start at w = 0, b = 0: x (n, d), y (n,), lambda > 0, batch >= 1, mem of mlm_svm_pegasos_bytes(d)
   bytes. */
void mlm_svm_pegasos_init(mlm_svm_pegasos *p, int n, int d, const double *x, const int *y,
                          double lambda, int batch, void *mem);

/* One step t <- t + 1: draw a mini-batch A of p->batch points from rng (uniformly, with
   replacement; all n points in order when batch >= n), take
       w <- (1 - 1/t) w + 1/(lambda t |A|) sum_{i in A, y_i f(x_i) < 1} y_i x_i
       b <- b + 1/(lambda t |A|) sum_{i in A, y_i f(x_i) < 1} y_i
   (f evaluated at the old w, b), project w onto |w| <= 1/sqrt(lambda), and fold (w, b) into the
   averages. */
void mlm_svm_pegasos_step(mlm_svm_pegasos *p, mlm_rng *rng);

/* f(x) = w . x + b for the current iterate, x (d,). */
double mlm_svm_pegasos_decision(const mlm_svm_pegasos *p, const double *x);

#endif
