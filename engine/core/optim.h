/* optim.h: the book's first-order optimizers, written once for parameters of any length n and
 * shared by every chapter that trains something: the optimizer race of chapter 4, the gallery of
 * chapter 5, and later the neural networks. Ten update rules: plain SGD, momentum, Nesterov,
 * Adagrad, RMSprop, Adadelta, Adam, Adamax, Nadam and AdamW.
 *
 * Conventions. Every rule follows PyTorch's torch.optim (the form most readers will meet), except
 * Nadam, which follows Dozat (2016) with a constant beta1 (PyTorch adds a momentum schedule that
 * would hide the idea). In particular:
 *   - momentum keeps v <- mu v + g and steps x <- x - lr v (so v is a sum of gradients, not a
 *     velocity in x units); Nesterov steps x <- x - lr (g + mu v), which is Sutskever's
 *     look-ahead form rewritten so the gradient is taken at the stored point;
 *   - eps is added outside the square root (Adagrad, RMSprop, Adam, Nadam, AdamW), inside it for
 *     Adadelta, and to |g| for Adamax;
 *   - weight_decay is an L2 penalty added to the gradient (g <- g + wd x) for every rule except
 *     AdamW, which decays the parameters directly (x <- x - lr wd x): "decoupled" decay.
 * Bias corrections use beta^t kept as running products in the state (multiplied once per step),
 * never pow(): one multiplication per step gives the same bits in wasm and natively.
 *
 * Memory. The state holds three caller-provided buffers of n doubles; a module allocates them
 * with mlm_alloc() (mlm_opt_bytes(n) bytes) so they are part of the checkpointed block.
 *
 * Shapes: n parameters; x, grad, m, v, u are all (n,). */
#ifndef MLM_OPTIM_H
#define MLM_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    MLM_OPT_SGD,
    MLM_OPT_MOMENTUM,
    MLM_OPT_NESTEROV,
    MLM_OPT_ADAGRAD,
    MLM_OPT_RMSPROP,
    MLM_OPT_ADADELTA,
    MLM_OPT_ADAM,
    MLM_OPT_ADAMAX,
    MLM_OPT_NADAM,
    MLM_OPT_ADAMW,
    MLM_OPT_COUNT
} mlm_opt_kind;

/* For a CHOICE parameter over the kinds: the choice index is the kind; max is MLM_OPT_COUNT - 1. */
#define MLM_OPT_CHOICES                                                                      \
    "sgd:SGD|momentum:Momentum|nesterov:Nesterov|adagrad:Adagrad|rmsprop:RMSprop|"           \
    "adadelta:Adadelta|adam:Adam|adamax:Adamax|nadam:Nadam|adamw:AdamW"

extern const char *const mlm_opt_key[MLM_OPT_COUNT];  /* "adam", as in MLM_OPT_CHOICES */
extern const char *const mlm_opt_name[MLM_OPT_COUNT]; /* "Adam" */

/* Hyperparameters. A rule reads only the fields it uses (mlm_opt_uses); the rest are ignored. */
typedef struct {
    double lr;           /* eta: the step size (Adadelta: a multiplier, 1 in the paper) */
    double momentum;     /* mu: momentum and Nesterov */
    double beta1;        /* decay of the first moment: Adam, Adamax, Nadam, AdamW */
    double beta2;        /* decay of the second moment (Adamax: of the infinity norm) */
    double rho;          /* decay of the squared-gradient average: RMSprop, Adadelta */
    double eps;          /* keeps a division finite when the denominator is ~0 */
    double weight_decay; /* L2 penalty added to the gradient; AdamW: decoupled decay rate */
} mlm_opt_hyper;

/* Which fields of mlm_opt_hyper a rule reads (besides lr and weight_decay, which all read). */
enum {
    MLM_OPT_USES_MOMENTUM = 1 << 0,
    MLM_OPT_USES_BETA1 = 1 << 1,
    MLM_OPT_USES_BETA2 = 1 << 2,
    MLM_OPT_USES_RHO = 1 << 3,
    MLM_OPT_USES_EPS = 1 << 4
};
int mlm_opt_uses(mlm_opt_kind kind);

/* PyTorch's defaults for each rule (SGD has none there: lr 0.01, momentum 0.9 here). */
void mlm_opt_defaults(mlm_opt_kind kind, mlm_opt_hyper *h);

typedef struct {
    int64_t t;     /* updates taken */
    double b1t;    /* beta1^t, a running product (1 before the first update) */
    double b2t;    /* beta2^t */
    double *m;     /* (n,) momentum / Nesterov: v; Adam family: first moment m */
    double *v;     /* (n,) Adagrad: sum of g^2; RMSprop, Adadelta, Adam family: average of g^2;
                      Adamax: the infinity norm u */
    double *u;     /* (n,) Adadelta: average of squared updates */
} mlm_opt_state;

/* The largest learning rate at which `kind` is stable on a quadratic whose largest curvature is
   lam > 0 (the largest eigenvalue of its Hessian): 2/lam for SGD, 2(1 + mu)/lam for momentum and
   2(1 + mu)/((1 + 2 mu) lam) for Nesterov. 0 for the adaptive rules, which divide the gradient by
   its own size and so have no such limit. Divergence messages quote it. */
double mlm_opt_stable_lr(mlm_opt_kind kind, const mlm_opt_hyper *h, double lam);

/* Bytes of buffer a state for n parameters needs. */
size_t mlm_opt_bytes(int n);
/* Point the state at buf (mlm_opt_bytes(n) bytes, suitably aligned for double) and zero it. */
void mlm_opt_init(mlm_opt_state *s, double *buf, int n);
/* Forget the history (t = 0, buffers zeroed) without moving the buffers. */
void mlm_opt_reset(mlm_opt_state *s, int n);

/* One update of x (n,) given the gradient grad (n,) of the loss at x. */
void mlm_opt_step(mlm_opt_kind kind, const mlm_opt_hyper *h, mlm_opt_state *s, double *x,
                  const double *grad, int n);

#endif
