/* optim.c: the ten update rules of optim.h. Each rule is one small function over the n
 * coordinates, written to read like its formula in chapter 4 (which weaves the regions marked
 * //> name ... //< name), and checked against steps computed by hand in tests/engine/test_optim.c.
 *
 * Shapes: x, g, m, v, u are (n,). Every rule treats the coordinates independently: the adaptive
 * rules give each coordinate its own step size, which is the whole point of them. */
#include "optim.h"

#include <math.h>
#include <string.h>

const char *const mlm_opt_key[MLM_OPT_COUNT] = {
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam", "adamw"};
const char *const mlm_opt_name[MLM_OPT_COUNT] = {
    "SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adadelta", "Adam", "Adamax", "Nadam", "AdamW"};

int mlm_opt_uses(mlm_opt_kind kind) {
    switch (kind) {
    case MLM_OPT_MOMENTUM:
    case MLM_OPT_NESTEROV: return MLM_OPT_USES_MOMENTUM;
    case MLM_OPT_ADAGRAD: return MLM_OPT_USES_EPS;
    case MLM_OPT_RMSPROP:
    case MLM_OPT_ADADELTA: return MLM_OPT_USES_RHO | MLM_OPT_USES_EPS;
    case MLM_OPT_ADAM:
    case MLM_OPT_ADAMAX:
    case MLM_OPT_NADAM:
    case MLM_OPT_ADAMW: return MLM_OPT_USES_BETA1 | MLM_OPT_USES_BETA2 | MLM_OPT_USES_EPS;
    default: return 0;
    }
}

void mlm_opt_defaults(mlm_opt_kind kind, mlm_opt_hyper *h) {
    *h = (mlm_opt_hyper){.lr = 0.01, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, .rho = 0.99,
                         .eps = 1e-8, .weight_decay = 0};
    switch (kind) {
    case MLM_OPT_ADAGRAD: h->eps = 1e-10; break;
    case MLM_OPT_ADADELTA: h->lr = 1.0, h->rho = 0.9, h->eps = 1e-6; break;
    case MLM_OPT_ADAM: h->lr = 1e-3; break;
    case MLM_OPT_ADAMAX:
    case MLM_OPT_NADAM: h->lr = 2e-3; break;
    case MLM_OPT_ADAMW: h->lr = 1e-3, h->weight_decay = 1e-2; break;
    default: break;
    }
}

/* On f = lam x^2 / 2 each rule is a linear map of its state; it is stable while the map's
   eigenvalues stay inside the unit circle. For SGD that is |1 - lr lam| < 1. Momentum maps
   (x, v) by [[1 - a, -lr mu], [lam, mu]] with a = lr lam: trace 1 - a + mu, determinant mu, and
   the eigenvalue -1 is reached at a = 2(1 + mu). Nesterov's map has trace 1 + mu - a(1 + mu) and
   determinant mu(1 - a), which reach -1 at a = 2(1 + mu)/(1 + 2 mu). */
double mlm_opt_stable_lr(mlm_opt_kind kind, const mlm_opt_hyper *h, double lam) {
    double mu = h->momentum;
    switch (kind) {
    case MLM_OPT_SGD: return 2 / lam;
    case MLM_OPT_MOMENTUM: return 2 * (1 + mu) / lam;
    case MLM_OPT_NESTEROV: return 2 * (1 + mu) / ((1 + 2 * mu) * lam);
    default: return 0;
    }
}

size_t mlm_opt_bytes(int n) { return sizeof(double) * 3 * (size_t)(n > 0 ? n : 0); }

void mlm_opt_init(mlm_opt_state *s, double *buf, int n) {
    s->m = buf;
    s->v = buf + n;
    s->u = buf + 2 * n;
    mlm_opt_reset(s, n);
}

void mlm_opt_reset(mlm_opt_state *s, int n) {
    s->t = 0;
    s->b1t = s->b2t = 1;
    if (n > 0) memset(s->m, 0, mlm_opt_bytes(n));
}

/* ---- the rules. Each is called after t, beta1^t and beta2^t have been advanced. ---- */

//> sgd
/* Plain (stochastic) gradient descent: a step against the gradient. */
static void opt_sgd(const mlm_opt_hyper *h, double *x, const double *g, int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        x[i] -= h->lr * gi;
    }
}
//< sgd

//> momentum
/* Heavy ball: v is an exponentially weighted sum of past gradients (weights 1, mu, mu^2, ...),
   so steps along a direction the gradient keeps pointing grow up to 1/(1 - mu) times. */
static void opt_momentum(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                         int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->m[i] = h->momentum * s->m[i] + gi;
        x[i] -= h->lr * s->m[i];
    }
}
//< momentum

//> nesterov
/* Nesterov: the same sum, but the step uses where the momentum is about to carry us,
   g + mu v, rather than v: the new gradient counts once more, so a turn is felt a step earlier. */
static void opt_nesterov(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                         int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->m[i] = h->momentum * s->m[i] + gi;
        x[i] -= h->lr * (gi + h->momentum * s->m[i]);
    }
}
//< nesterov

//> adagrad
/* Adagrad: each coordinate's step is divided by the root of the sum of all its squared
   gradients so far: steep coordinates slow down, and every step size only ever shrinks. */
static void opt_adagrad(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                        int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->v[i] += gi * gi;
        x[i] -= h->lr * gi / (sqrt(s->v[i]) + h->eps);
    }
}
//< adagrad

//> rmsprop
/* RMSprop: Adagrad with a leaky sum: an exponential average of g^2 (rho ~ 0.99 remembers about
   1/(1 - rho) = 100 steps), so the step size can grow again when the gradients get smaller. */
static void opt_rmsprop(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                        int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->v[i] = h->rho * s->v[i] + (1 - h->rho) * gi * gi;
        x[i] -= h->lr * gi / (sqrt(s->v[i]) + h->eps);
    }
}
//< rmsprop

//> adadelta
/* Adadelta: RMSprop's denominator, and in the numerator the RMS of the recent updates
   themselves, so the step has the units of x (no learning rate needed; lr is a multiplier). */
static void opt_adadelta(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                         int n) {
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->v[i] = h->rho * s->v[i] + (1 - h->rho) * gi * gi;
        double dx = sqrt(s->u[i] + h->eps) / sqrt(s->v[i] + h->eps) * gi;
        s->u[i] = h->rho * s->u[i] + (1 - h->rho) * dx * dx;
        x[i] -= h->lr * dx;
    }
}
//< adadelta

//> adam
/* Adam: exponential averages of g (the first moment, m) and of g^2 (the second, v), both
   started at zero and so biased towards zero early on; dividing by 1 - beta^t removes the bias.
   The step m / sqrt(v) is about +-1 per coordinate whatever the gradient's scale. */
static void opt_adam(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g, int n,
                     double wd) {
    double c1 = 1 - s->b1t, c2 = 1 - s->b2t; /* bias corrections */
    for (int i = 0; i < n; i++) {
        double gi = g[i] + wd * x[i];
        s->m[i] = h->beta1 * s->m[i] + (1 - h->beta1) * gi;
        s->v[i] = h->beta2 * s->v[i] + (1 - h->beta2) * gi * gi;
        double mhat = s->m[i] / c1, vhat = s->v[i] / c2;
        x[i] -= h->lr * mhat / (sqrt(vhat) + h->eps);
    }
}
//< adam

//> adamax
/* Adamax: Adam with the root mean square replaced by a decaying maximum of |g| (the limit of
   an L^p average as p -> infinity), which needs no bias correction. */
static void opt_adamax(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                       int n) {
    double c1 = 1 - s->b1t;
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->m[i] = h->beta1 * s->m[i] + (1 - h->beta1) * gi;
        s->v[i] = fmax(h->beta2 * s->v[i], fabs(gi) + h->eps);
        x[i] -= h->lr / c1 * s->m[i] / s->v[i];
    }
}
//< adamax

//> nadam
/* Nadam: Adam's first moment with Nesterov's look-ahead: the step uses the momentum the next
   update will have, beta1 m_t (bias-corrected with beta1^(t+1)), plus the fresh gradient's share
   (1 - beta1) g_t (bias-corrected with beta1^t). */
static void opt_nadam(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                      int n) {
    double c1 = 1 - s->b1t, c1next = 1 - s->b1t * h->beta1, c2 = 1 - s->b2t;
    for (int i = 0; i < n; i++) {
        double gi = g[i] + h->weight_decay * x[i];
        s->m[i] = h->beta1 * s->m[i] + (1 - h->beta1) * gi;
        s->v[i] = h->beta2 * s->v[i] + (1 - h->beta2) * gi * gi;
        double mbar = h->beta1 * s->m[i] / c1next + (1 - h->beta1) * gi / c1;
        x[i] -= h->lr * mbar / (sqrt(s->v[i] / c2) + h->eps);
    }
}
//< nadam

//> adamw
/* AdamW: weight decay taken out of the gradient. The parameters shrink by the factor
   1 - lr wd directly, and Adam then sees the loss's gradient alone, so the decay is not
   divided by sqrt(v) as an L2 term in the gradient would be. */
static void opt_adamw(const mlm_opt_hyper *h, mlm_opt_state *s, double *x, const double *g,
                      int n) {
    for (int i = 0; i < n; i++) x[i] -= h->lr * h->weight_decay * x[i];
    opt_adam(h, s, x, g, n, 0.0);
}
//< adamw

//> step
void mlm_opt_step(mlm_opt_kind kind, const mlm_opt_hyper *h, mlm_opt_state *s, double *x,
                  const double *grad, int n) {
    s->t++;
    s->b1t *= h->beta1; /* beta1^t and beta2^t for the bias corrections */
    s->b2t *= h->beta2;
    switch (kind) {
    case MLM_OPT_SGD: opt_sgd(h, x, grad, n); break;
    case MLM_OPT_MOMENTUM: opt_momentum(h, s, x, grad, n); break;
    case MLM_OPT_NESTEROV: opt_nesterov(h, s, x, grad, n); break;
    case MLM_OPT_ADAGRAD: opt_adagrad(h, s, x, grad, n); break;
    case MLM_OPT_RMSPROP: opt_rmsprop(h, s, x, grad, n); break;
    case MLM_OPT_ADADELTA: opt_adadelta(h, s, x, grad, n); break;
    case MLM_OPT_ADAM: opt_adam(h, s, x, grad, n, h->weight_decay); break;
    case MLM_OPT_ADAMAX: opt_adamax(h, s, x, grad, n); break;
    case MLM_OPT_NADAM: opt_nadam(h, s, x, grad, n); break;
    case MLM_OPT_ADAMW: opt_adamw(h, s, x, grad, n); break;
    default: break;
    }
}
//< step
