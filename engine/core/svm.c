/* svm.c: kernels, SMO on the soft-margin dual, Pegasos on the linear primal (see svm.h). */
#include "svm.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

/* A pair whose curvature a_ii + a_jj - 2 a_ij is not positive (two equal points, or a kernel
   that is not positive definite) is given this one instead, as LIBSVM does: the step then goes
   to the end of the segment, which is the right move for an objective linear along it. */
#define SMO_TAU 1e-12

//> kernel
double mlm_svm_kernel_eval(const mlm_svm_kernel *k, const double *x, const double *z, int d) {
    if (k->kind == MLM_SVM_RBF) {
        double s = 0;
        for (int t = 0; t < d; t++) {
            double u = x[t] - z[t];
            s += u * u;
        }
        return mlm_exp(-k->gamma * s);
    }
    double dot = 0;
    for (int t = 0; t < d; t++) dot += x[t] * z[t];
    if (k->kind == MLM_SVM_POLY) {
        double base = k->gamma * dot + k->coef0, p = 1;
        int deg = k->degree < 1 ? 1 : k->degree > 10 ? 10 : k->degree;
        for (int e = 0; e < deg; e++) p *= base;
        return p;
    }
    return dot;
}
//< kernel

/* ---- SMO ---- */
size_t mlm_svm_smo_bytes(int n, int cache) {
    if (n < 0) n = 0;
    size_t b = 4 * (size_t)n * sizeof(double);
    if (cache) b += (size_t)n * (size_t)n * sizeof(double);
    return b;
}

double mlm_svm_smo_k(const mlm_svm_smo *s, int i, int j) {
    if (s->kc) return s->kc[(size_t)i * s->n + j];
    if (i == j) return s->kdiag[i];
    return mlm_svm_kernel_eval(&s->kern, s->x + (size_t)i * s->d, s->x + (size_t)j * s->d, s->d);
}

static int in_up(const mlm_svm_smo *s, int t) {
    return s->ys[t] > 0 ? s->a[t] < s->C : s->a[t] > 0;
}
static int in_low(const mlm_svm_smo *s, int t) {
    return s->ys[t] > 0 ? s->a[t] > 0 : s->a[t] < s->C;
}

//> smo_refresh
/* m = max over I_up of -y g, M = min over I_low of -y g; b the average of -y g over the free
   multipliers (0 < a < C, where the KKT condition is an equality), else the middle of [M, m]. */
static void smo_refresh(mlm_svm_smo *s) {
    double m = -INFINITY, M = INFINITY, free_sum = 0;
    int n_free = 0;
    for (int t = 0; t < s->n; t++) {
        double v = -s->ys[t] * s->g[t];
        if (in_up(s, t) && v > m) m = v;
        if (in_low(s, t) && v < M) M = v;
        if (s->a[t] > 0 && s->a[t] < s->C) {
            free_sum += v;
            n_free++;
        }
    }
    if (n_free > 0) s->b = free_sum / n_free;
    else if (isfinite(m) && isfinite(M)) s->b = 0.5 * (m + M);
    else if (isfinite(m)) s->b = m; /* one class only: every point on its side */
    else if (isfinite(M)) s->b = M;
    else s->b = 0;
    s->gap = (isfinite(m) && isfinite(M)) ? m - M : 0;
    s->converged = s->gap <= s->tol;
}
//< smo_refresh

void mlm_svm_smo_init(mlm_svm_smo *s, int n, int d, const double *x, const int *y,
                      const mlm_svm_kernel *k, double C, double tol, int cache, void *mem) {
    memset(s, 0, sizeof *s);
    s->n = n < 0 ? 0 : n;
    s->d = d;
    s->x = x;
    s->y = y;
    s->kern = *k;
    s->C = C;
    s->tol = tol;
    double *p = mem;
    s->a = p, p += s->n;
    s->g = p, p += s->n;
    s->ys = p, p += s->n;
    s->kdiag = p, p += s->n;
    s->kc = cache ? p : NULL;
    for (int i = 0; i < s->n; i++) {
        s->a[i] = 0;
        s->g[i] = -1;
        s->ys[i] = mlm_svm_sign(y[i]);
        s->kdiag[i] = mlm_svm_kernel_eval(k, x + (size_t)i * d, x + (size_t)i * d, d);
    }
    if (s->kc)
        for (int i = 0; i < s->n; i++)
            for (int j = 0; j <= i; j++) {
                double v = i == j ? s->kdiag[i]
                                  : mlm_svm_kernel_eval(k, x + (size_t)i * d, x + (size_t)j * d, d);
                s->kc[(size_t)i * s->n + j] = s->kc[(size_t)j * s->n + i] = v;
            }
    s->last_i = s->last_j = -1;
    smo_refresh(s);
}

//> smo_select
/* The working pair: i the maximal violator in I_up; j, among the points of I_low that violate
   together with i, the one whose two-variable step would lower the objective most,
   -(m - (-y_t g_t))^2 / curvature (Fan, Chen and Lin 2005). Returns 0 when there is none. */
static int smo_select(const mlm_svm_smo *s, int *pi, int *pj) {
    int i = -1;
    double gmax = -INFINITY;
    for (int t = 0; t < s->n; t++)
        if (in_up(s, t) && -s->ys[t] * s->g[t] > gmax) gmax = -s->ys[t] * s->g[t], i = t;
    if (i < 0) return 0;
    int j = -1;
    double best = INFINITY, kii = s->kdiag[i];
    for (int t = 0; t < s->n; t++) {
        if (!in_low(s, t)) continue;
        double bit = gmax + s->ys[t] * s->g[t];
        if (bit <= 0) continue;
        double ait = kii + s->kdiag[t] - 2 * mlm_svm_smo_k(s, i, t);
        if (ait <= 0) ait = SMO_TAU;
        double obj = -(bit * bit) / ait;
        if (obj < best) best = obj, j = t;
    }
    *pi = i, *pj = j;
    return j >= 0;
}
//< smo_select

//> smo_update
/* Move a_j along the constraint line a_i y_i + a_j y_j = const to the optimum of the objective
   on it, clipped to the segment [L, H] that keeps both multipliers in the box; a_i follows, so
   sum a y is unchanged. Then every g_t changes by the two columns of the kernel matrix. */
static void smo_update(mlm_svm_smo *s, int i, int j) {
    double C = s->C, ai = s->a[i], aj = s->a[j], yi = s->ys[i], yj = s->ys[j];
    double eta = s->kdiag[i] + s->kdiag[j] - 2 * mlm_svm_smo_k(s, i, j); /* the curvature */
    if (eta <= 0) eta = SMO_TAU;
    double Ei = yi * s->g[i], Ej = yj * s->g[j]; /* f(x) - y, leaving out b */
    double L, H;
    if (yi != yj) {
        L = fmax(0, aj - ai);
        H = fmin(C, C + aj - ai);
    } else {
        L = fmax(0, ai + aj - C);
        H = fmin(C, ai + aj);
    }
    double aj_new = aj + yj * (Ei - Ej) / eta;
    if (aj_new < L) aj_new = L;
    if (aj_new > H) aj_new = H;
    double ai_new = ai + yi * yj * (aj - aj_new);
    /* Snap round-off at the bounds, so a multiplier at its bound is exactly there. */
    double snap = 1e-12 * C;
    if (ai_new < snap) ai_new = 0;
    if (ai_new > C - snap) ai_new = C;
    if (aj_new < snap) aj_new = 0;
    if (aj_new > C - snap) aj_new = C;
    double di = ai_new - ai, dj = aj_new - aj;
    s->a[i] = ai_new;
    s->a[j] = aj_new;
    for (int t = 0; t < s->n; t++)
        s->g[t] += s->ys[t] * (yi * di * mlm_svm_smo_k(s, t, i) + yj * dj * mlm_svm_smo_k(s, t, j));
}
//< smo_update

int mlm_svm_smo_step(mlm_svm_smo *s) {
    int i, j;
    if (s->converged) return 0;
    if (!smo_select(s, &i, &j)) {
        s->converged = 1;
        return 0;
    }
    smo_update(s, i, j);
    s->steps++;
    s->last_i = i;
    s->last_j = j;
    smo_refresh(s);
    return 1;
}

long mlm_svm_smo_fit(mlm_svm_smo *s, long max_steps) {
    long k = 0;
    while (k < max_steps && mlm_svm_smo_step(s)) k++;
    return k;
}

double mlm_svm_smo_decision(const mlm_svm_smo *s, const double *x) {
    double f = s->b;
    for (int i = 0; i < s->n; i++)
        if (s->a[i] > 0)
            f += s->a[i] * s->ys[i] * mlm_svm_kernel_eval(&s->kern, s->x + (size_t)i * s->d, x, s->d);
    return f;
}

void mlm_svm_smo_decision_many(const mlm_svm_smo *s, int m, const double *xq, double *out) {
    for (int q = 0; q < m; q++) out[q] = mlm_svm_smo_decision(s, xq + (size_t)q * s->d);
}

void mlm_svm_smo_w(const mlm_svm_smo *s, double *w) {
    for (int t = 0; t < s->d; t++) w[t] = 0;
    for (int i = 0; i < s->n; i++)
        if (s->a[i] > 0)
            for (int t = 0; t < s->d; t++) w[t] += s->a[i] * s->ys[i] * s->x[(size_t)i * s->d + t];
}

double mlm_svm_smo_dual(const mlm_svm_smo *s) {
    double lin = 0, quad = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->a[i] <= 0) continue;
        lin += s->a[i];
        for (int j = 0; j < s->n; j++)
            if (s->a[j] > 0) quad += s->a[i] * s->a[j] * s->ys[i] * s->ys[j] * mlm_svm_smo_k(s, i, j);
    }
    return lin - 0.5 * quad;
}

int mlm_svm_smo_support(const mlm_svm_smo *s, int *idx) {
    int k = 0;
    for (int i = 0; i < s->n; i++)
        if (s->a[i] > 0) {
            if (idx) idx[k] = i;
            k++;
        }
    return k;
}

/* ---- the primal and Pegasos ---- */
double mlm_svm_primal_objective(int n, int d, const double *x, const int *y, const double *w,
                                double b, double lambda) {
    double ww = 0, h = 0;
    for (int t = 0; t < d; t++) ww += w[t] * w[t];
    for (int i = 0; i < n; i++) {
        double f = b;
        for (int t = 0; t < d; t++) f += w[t] * x[(size_t)i * d + t];
        h += mlm_svm_hinge(mlm_svm_sign(y[i]) * f);
    }
    return 0.5 * lambda * ww + (n > 0 ? h / n : 0);
}

size_t mlm_svm_pegasos_bytes(int d) { return 3 * (size_t)(d < 0 ? 0 : d) * sizeof(double); }

void mlm_svm_pegasos_init(mlm_svm_pegasos *p, int n, int d, const double *x, const int *y,
                          double lambda, int batch, void *mem) {
    memset(p, 0, sizeof *p);
    p->n = n;
    p->d = d;
    p->x = x;
    p->y = y;
    p->lambda = lambda;
    p->batch = batch < 1 ? 1 : batch;
    double *m = mem;
    p->w = m;
    p->wavg = m + d;
    for (int t = 0; t < 3 * d; t++) m[t] = 0;
}

double mlm_svm_pegasos_decision(const mlm_svm_pegasos *p, const double *x) {
    double f = p->b;
    for (int t = 0; t < p->d; t++) f += p->w[t] * x[t];
    return f;
}

//> pegasos
void mlm_svm_pegasos_step(mlm_svm_pegasos *p, mlm_rng *rng) {
    if (p->n <= 0) return;
    int d = p->d, all = p->batch >= p->n, k = all ? p->n : p->batch;
    double *gw = p->wavg + d, gb = 0; /* the sum of y_i x_i over the batch's violators */
    for (int t = 0; t < d; t++) gw[t] = 0;
    for (int r = 0; r < k; r++) {
        int i = all ? r : (int)mlm_rng_below(rng, (uint32_t)p->n);
        const double *xi = p->x + (size_t)i * d;
        double yi = mlm_svm_sign(p->y[i]);
        if (yi * mlm_svm_pegasos_decision(p, xi) < 1) {
            for (int t = 0; t < d; t++) gw[t] += yi * xi[t];
            gb += yi;
        }
    }
    p->t++;
    double eta = 1.0 / (p->lambda * (double)p->t), shrink = 1.0 - 1.0 / (double)p->t;
    double ww = 0;
    for (int t = 0; t < d; t++) {
        p->w[t] = shrink * p->w[t] + eta / k * gw[t];
        ww += p->w[t] * p->w[t];
    }
    p->b += eta / k * gb;
    /* Project onto the ball |w| <= 1/sqrt(lambda), which holds the optimum. */
    if (ww * p->lambda > 1) {
        double sc = 1.0 / sqrt(ww * p->lambda);
        for (int t = 0; t < d; t++) p->w[t] *= sc;
    }
    double inv = 1.0 / (double)p->t;
    for (int t = 0; t < d; t++) p->wavg[t] += (p->w[t] - p->wavg[t]) * inv;
    p->bavg += (p->b - p->bavg) * inv;
}
//< pegasos
