/* training_well.c: the engine module of the chapter "Training well". A network with far more
 * weights than data points learns a 1-D curve from a handful of noisy samples, one mini-batch per
 * step, and the widget shows the two things a practitioner watches: the error on the training
 * points, which keeps falling, and the error on held-out validation points, which falls, bottoms
 * out and rises again as the network starts to memorise the noise. The epoch with the least
 * validation error so far is the early-stopping point; its network is kept and drawn. Three
 * controls fight the rise: weight decay (an L2 penalty on the weights), dropout on the hidden
 * units, and data augmentation (each training input jittered by fresh noise every time it is
 * used).
 *
 * The network is the book's one MLP (engine/core/mlp.h): 1 input, two hidden tanh layers of
 * `width` units, 1 linear output, half squared error, trained by Adam (engine/core/optim.h) with
 * the L2 penalty's gradient λw added to the data gradient.
 *
 * Shapes (doubles unless said):
 *   N  training points (TW_N_MAX at most), V validation points (TW_VAL)
 *   B  rows in a mini-batch (B <= N, B <= TW_BATCH_MAX); an epoch is ceil(N / B) steps
 *   W  hidden units per layer; P the network's parameters
 *   K  points of a drawn curve (TW_CURVE); H points of a loss history (TW_HIST)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"
#include "optim.h"

#define TW_N_MAX 100
#define TW_VAL 100
#define TW_BATCH_MAX 64
#define TW_WIDTH_MAX 96
#define TW_CURVE 121
#define TW_HIST 600
#define TW_TEXT 96
#define TW_PI 3.14159265358979323846

typedef struct {
    int n;          /* training points; default 16 */
    double noise;   /* standard deviation of the noise on every target; default 0.25 */
    int width;      /* hidden units in each of the two layers; default 32 */
    double lr;      /* Adam's step size; default 0.01 */
    int batch;      /* rows per mini-batch; default 8 */
    double decay;   /* L2 penalty strength λ (weight decay); default 0 */
    double dropout; /* probability of dropping a hidden unit in training; default 0 */
    int augment;    /* 1: jitter the training inputs afresh at every use; default 0 */
    double jitter;  /* standard deviation of that jitter; default 0.05 */
} tw_desc;

/* What never changes after create: the data. */
typedef struct {
    double *x_tr;   /* (N, 1) training inputs */
    double *y_tr;   /* (N, 1) training targets */
    double *x_va;   /* (V, 1) validation inputs */
    double *y_va;   /* (V, 1) validation targets */
    float *pts_tr;  /* (N, 3) (x, y, class) */
    float *pts_va;  /* (V, 3) */
    float *truth;   /* (K, 2) the noiseless curve */
} tw_data;

typedef struct {
    tw_data *c;
    int N, B;
    mlp net;
    mlm_opt_state opt;
    mlm_opt_hyper hyper;
    int32_t *perm;      /* (N,) the shuffled deck this epoch's mini-batches are dealt from */
    int32_t pos;        /* next card of the deck */
    int64_t epoch;      /* epochs completed */
    double *xb, *yb;    /* (B, 1) the current mini-batch, jittered when augmenting */
    int32_t rows;       /* rows in it (B, or fewer at the end of an epoch) */
    double batch_loss;  /* the training-pass loss of the last mini-batch (dropout, jitter, penalty) */
    double mse_tr;      /* mean squared error on the clean training points, at the last epoch end */
    double mse_va;      /* on the validation points */
    double best_va;     /* least validation MSE at an epoch end so far */
    int64_t best_epoch; /* the epoch it was reached at (0: before training) */
    double *best;       /* (P,) the network's parameters then: what early stopping returns */
    mlm_series h_tr;    /* (H, 2) (epoch, training MSE) */
    mlm_series h_va;    /* (H, 2) (epoch, validation MSE) */
    float fit[2 * TW_CURVE];       /* (K, 2) the current network's curve */
    float fit_best[2 * TW_CURVE];  /* (K, 2) the early-stopped network's curve */
    int64_t fit_best_epoch;        /* the best_epoch fit_best was drawn for (-1: none yet) */
    float mark[2];                 /* (1, 2) the early-stopping point on the loss panel */
    float vline[4];                /* (1, 4) a vertical dashed line through it */
    float noise_line[4];           /* (1, 4) the noise floor σ² */
    float box[4];                  /* the data panel's range */
    char note[TW_TEXT];
} tw_state;

static const mlm_param tw_params[] = {
    {"n", "Training points", MLM_INT, offsetof(tw_desc, n), 8, TW_N_MAX, 1, 16, 0, NULL,
     "how many noisy samples the network trains on (the validation set is always 100 more)"},
    {"noise", "Noise", MLM_FLOAT, offsetof(tw_desc, noise), 0, 0.6, 0.01, 0.25, 0, NULL,
     "standard deviation of the Gaussian noise on every target, training and validation alike"},
    {"width", "Hidden units", MLM_INT, offsetof(tw_desc, width), 4, TW_WIDTH_MAX, 1, 32, 0, NULL,
     "units in each of the two hidden tanh layers"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(tw_desc, lr), 1e-4, 0.1, 0, 0.01, 1, NULL,
     "Adam's step size"},
    {"batch", "Batch size", MLM_INT, offsetof(tw_desc, batch), 1, TW_BATCH_MAX, 1, 8, 0, NULL,
     "training points per step; an epoch is one pass over all of them"},
    {"decay", "Weight decay λ", MLM_FLOAT, offsetof(tw_desc, decay), 0, 0.05, 0.0005, 0, 0, NULL,
     "strength of the L2 penalty λ/2 Σw² added to the loss (0: off)"},
    {"dropout", "Dropout", MLM_FLOAT, offsetof(tw_desc, dropout), 0, 0.8, 0.05, 0, 0, NULL,
     "probability that a hidden unit is switched off for one training example (0: off)"},
    {"augment", "Jitter inputs", MLM_BOOL, offsetof(tw_desc, augment), 0, 1, 1, 0, 0, NULL,
     "data augmentation: add fresh noise to each training input every time it is used"},
    {"jitter", "Jitter size", MLM_FLOAT, offsetof(tw_desc, jitter), 0.01, 0.3, 0.01, 0.05, 0, NULL,
     "standard deviation of that input noise"},
};

enum { P_DATA, P_LOSS, TW_N_PANELS };

static const mlm_panel tw_panels[] = {
    [P_DATA] = {"data", "Samples and the network's curve", "x", "y", 0, NULL},
    [P_LOSS] = {"loss", "Error against epoch", "epoch", "MSE",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_TRUTH, V_VAL, V_TRAIN, V_BEST, V_FIT,
    V_NOISE, V_VLINE, V_H_TR, V_H_VA, V_MARK, V_NOTE,
    V_EPOCH, V_MSE_TR, V_MSE_VA, V_BEST_VA,
    TW_N_VIEWS
};

static const mlm_view tw_views[] = {
    [V_TRUTH] = {"truth", "data", MLM_VIEW_CURVE, "true curve", 0, MLM_VIEW_FAINT | MLM_VIEW_DASHED},
    [V_VAL] = {"validation", "data", MLM_VIEW_POINTS, "validation", 1, MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_TRAIN] = {"train", "data", MLM_VIEW_POINTS, "training", 5, MLM_VIEW_LEGEND},
    [V_BEST] = {"fit_best", "data", MLM_VIEW_CURVE, "early-stopped", 3, MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    [V_FIT] = {"fit", "data", MLM_VIEW_CURVE, "now", 0, MLM_VIEW_LEGEND},
    [V_NOISE] = {"noise_floor", "loss", MLM_VIEW_SEGMENTS, "noise σ²", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_VLINE] = {"stop_line", "loss", MLM_VIEW_SEGMENTS, "", 3, MLM_VIEW_DASHED},
    [V_H_TR] = {"loss_train", "loss", MLM_VIEW_CURVE, "training", 5, MLM_VIEW_LEGEND},
    [V_H_VA] = {"loss_val", "loss", MLM_VIEW_CURVE, "validation", 1, MLM_VIEW_LEGEND},
    [V_MARK] = {"stop", "loss", MLM_VIEW_MARKERS, "early stop", 3, 0},
    [V_NOTE] = {"stop_note", "loss", MLM_VIEW_TEXT, "", 0, 0},
    [V_EPOCH] = {"epoch", NULL, MLM_VIEW_SCALAR, "epoch", 0, MLM_SCALAR_INT},
    [V_MSE_TR] = {"mse_train", NULL, MLM_VIEW_SCALAR, "train MSE", 0, 0},
    [V_MSE_VA] = {"mse_val", NULL, MLM_VIEW_SCALAR, "validation MSE", 0, 0},
    [V_BEST_VA] = {"mse_best", NULL, MLM_VIEW_SCALAR, "best validation", 0, 0},
};

_Static_assert(MLM_COUNT(tw_views) == TW_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(tw_panels) == TW_N_PANELS, "one declaration per panel");

#define TW_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define TW_P_MAX (2 * TW_WIDTH_MAX + TW_WIDTH_MAX * TW_WIDTH_MAX + TW_WIDTH_MAX + 2 * TW_WIDTH_MAX + 1)
#define TW_CONST_BYTES                                                                  \
    (TW_A16(sizeof(tw_data)) + 4 * TW_A16(sizeof(double) * TW_VAL) +                    \
     2 * TW_A16(sizeof(float) * 3 * TW_VAL) + TW_A16(sizeof(float) * 2 * TW_CURVE))
/* mlp_bytes() of the largest network, 1-96-96-1 with batch 64, written out so it is a constant
   (the test checks it against mlp_bytes): parameters and gradients, then per layer z, a, dz, da
   (and mask, drop for the two hidden layers), a[0], da[0] and y for the one input and output. */
#define TW_MLP_BYTES MLP_BYTES_MAX(1, TW_WIDTH_MAX, 2, 1, TW_BATCH_MAX) /* 1-W-W-1 */
#define TW_STATE_BYTES                                                                  \
    (TW_A16(sizeof(tw_state)) + TW_A16(sizeof(int32_t) * TW_N_MAX) +                    \
     2 * TW_A16(sizeof(double) * TW_BATCH_MAX) + TW_A16(sizeof(double) * TW_P_MAX) +     \
     TW_A16(sizeof(double) * 3 * TW_P_MAX) + 2 * TW_A16(sizeof(float) * 2 * TW_HIST) +   \
     TW_MLP_BYTES)

/* ---- the data ---- */

//> truth
/* The curve the samples come from: a sine with a slow trend, smooth enough for a small network
   but with two bends, so that a network which merely draws a line through the cloud is visibly
   wrong. */
static double tw_truth(double x) { return mlm_sin(2.5 * x) + 0.3 * x; }
//< truth

static float tw_f(double v) { return (float)mlm_clamp(mlm_isfinite(v) ? v : 0, -1e30, 1e30); }

/* Training and validation points: inputs uniform on [-1, 1], targets the curve plus Gaussian
   noise. Both sets come from the same distribution; the network only ever trains on the first. */
static void tw_make_data(tw_state *s, const tw_desc *d, mlm_rng *rng) {
    tw_data *c = s->c;
    for (int i = 0; i < s->N + TW_VAL; i++) {
        int val = i >= s->N;
        double x = mlm_rng_range(rng, -1, 1);
        double y = tw_truth(x) + d->noise * mlm_rng_normal(rng);
        double *px = val ? &c->x_va[i - s->N] : &c->x_tr[i];
        double *py = val ? &c->y_va[i - s->N] : &c->y_tr[i];
        float *pt = val ? &c->pts_va[3 * (i - s->N)] : &c->pts_tr[3 * i];
        *px = x, *py = y;
        pt[0] = (float)x, pt[1] = (float)y, pt[2] = 0;
    }
    double lo = -1.3, hi = 1.3; /* the true curve spans about [-1.3, 1.3] on [-1, 1] */
    for (int k = 0; k < TW_CURVE; k++) {
        double x = -1.0 + 2.0 * k / (TW_CURVE - 1), y = tw_truth(x);
        c->truth[2 * k] = (float)x, c->truth[2 * k + 1] = (float)y;
    }
    for (int i = 0; i < s->N; i++) lo = fmin(lo, c->y_tr[i]), hi = fmax(hi, c->y_tr[i]);
    for (int i = 0; i < TW_VAL; i++) lo = fmin(lo, c->y_va[i]), hi = fmax(hi, c->y_va[i]);
    s->box[0] = -1.08f, s->box[1] = 1.08f;
    s->box[2] = (float)(lo - 0.1 * (hi - lo)), s->box[3] = (float)(hi + 0.1 * (hi - lo));
}

/* ---- training ---- */

//> minibatch
/* Deal the next mini-batch from a shuffled deck of the training points. When the deck runs out an
   epoch is over: the deck is reshuffled, so every point is used exactly once per epoch and the
   batches differ from epoch to epoch. The last batch of an epoch may be smaller (N mod B rows).
   With augmentation on, each input gets fresh noise here, every time it is dealt: the network
   never sees the same x twice, while the stored training set is left as it was. */
static int tw_deal(tw_state *s, const tw_desc *d, mlm_rng *rng) {
    const tw_data *c = s->c;
    int rows = 0;
    while (rows < s->B && s->pos < s->N) {
        int i = s->perm[s->pos++];
        s->xb[rows] = c->x_tr[i];
        if (d->augment) s->xb[rows] += d->jitter * mlm_rng_normal(rng);
        s->yb[rows] = c->y_tr[i];
        rows++;
    }
    return rows;
}
//< minibatch

/* Mean squared error of the network on a data set (no dropout, no jitter): twice the mean of the
   half squared error the network's loss uses. */
static double tw_mse(tw_state *s, const double *x, const double *y, int n) {
    double half;
    mlp_evaluate(&s->net, x, y, n, &half, NULL);
    return 2 * half;
}

//> epoch_end
/* At the end of every epoch: measure both errors on clean data (an evaluation pass, so no
   dropout and no jitter), record them, and keep a copy of the network whenever the validation
   error is the least seen so far. That copy is what early stopping returns. */
static void tw_epoch_end(tw_state *s) {
    const tw_data *c = s->c;
    s->epoch++;
    s->mse_tr = tw_mse(s, c->x_tr, c->y_tr, s->N);
    s->mse_va = tw_mse(s, c->x_va, c->y_va, TW_VAL);
    mlm_series_push(&s->h_tr, (double)s->epoch, s->mse_tr);
    mlm_series_push(&s->h_va, (double)s->epoch, s->mse_va);
    if (s->mse_va < s->best_va) {
        s->best_va = s->mse_va;
        s->best_epoch = s->epoch;
        memcpy(s->best, s->net.params, sizeof(double) * (size_t)s->net.n_params);
    }
}
//< epoch_end

//> step
/* One step: one mini-batch, a training forward pass (dropout masks drawn, penalty added), the
   backward pass, one Adam update. */
static void tw_step(mlm_instance *in, void *self) {
    const tw_desc *d = in->desc;
    tw_state *s = self;
    if (s->pos >= s->N) {
        mlm_rng_shuffle(&in->rng, s->perm, s->N);
        s->pos = 0;
    }
    s->rows = tw_deal(s, d, &in->rng);
    s->batch_loss = mlp_forward(&s->net, s->xb, s->yb, s->rows, &in->rng);
    mlp_backward(&s->net);
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt, s->net.params, s->net.grads, s->net.n_params);
    if (!mlp_finite(&s->net) || !mlm_isfinite(s->batch_loss)) {
        mlm_diverged(in, 1, "the weights became infinite at step %lld: a learning rate of %g is "
                     "too large for this network", (long long)in->steps + 1, d->lr);
        return;
    }
    if (s->pos >= s->N) tw_epoch_end(s);
}
//< step

/* ---- lifecycle ---- */

static void *tw_create(mlm_instance *in) {
    const tw_desc *d = in->desc;
    tw_state *s = mlm_alloc(in, sizeof *s);
    tw_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) return NULL;
    s->c = c;
    s->N = d->n;
    s->B = d->batch < d->n ? d->batch : d->n;
    c->x_tr = mlm_alloc_const(in, sizeof(double) * (size_t)s->N);
    c->y_tr = mlm_alloc_const(in, sizeof(double) * (size_t)s->N);
    c->x_va = mlm_alloc_const(in, sizeof(double) * TW_VAL);
    c->y_va = mlm_alloc_const(in, sizeof(double) * TW_VAL);
    c->pts_tr = mlm_alloc_const(in, sizeof(float) * 3 * (size_t)s->N);
    c->pts_va = mlm_alloc_const(in, sizeof(float) * 3 * TW_VAL);
    c->truth = mlm_alloc_const(in, sizeof(float) * 2 * TW_CURVE);
    s->perm = mlm_alloc(in, sizeof(int32_t) * (size_t)s->N);
    s->xb = mlm_alloc(in, sizeof(double) * (size_t)s->B);
    s->yb = mlm_alloc(in, sizeof(double) * (size_t)s->B);
    if (!c->x_tr || !c->y_tr || !c->x_va || !c->y_va || !c->pts_tr || !c->pts_va || !c->truth ||
        !s->perm || !s->xb || !s->yb)
        return NULL;
    tw_make_data(s, d, &in->rng);

    int sizes[4] = {1, d->width, d->width, 1};
    /* max_batch 64 serves both the mini-batches (B <= 64) and the evaluation, which mlp_evaluate
       runs in chunks of max_batch. */
    if (mlp_init(in, &s->net, sizes, 4, MLP_TANH, MLP_MSE, TW_BATCH_MAX)) return NULL;
    s->net.l2 = d->decay;
    s->net.dropout = d->dropout;
    int P = s->net.n_params;
    s->best = mlm_alloc(in, sizeof(double) * (size_t)P);
    double *buf = mlm_alloc(in, mlm_opt_bytes(P));
    if (!s->best || !buf) return NULL;
    mlm_opt_init(&s->opt, buf, P);
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    if (mlm_series_init(in, &s->h_tr, TW_HIST) || mlm_series_init(in, &s->h_va, TW_HIST)) return NULL;

    for (int i = 0; i < s->N; i++) s->perm[i] = i;
    s->pos = s->N; /* the first step shuffles */
    /* Epoch 0: the errors of the untrained network, the first "best". */
    s->mse_tr = tw_mse(s, c->x_tr, c->y_tr, s->N);
    s->mse_va = tw_mse(s, c->x_va, c->y_va, TW_VAL);
    s->best_va = s->mse_va;
    memcpy(s->best, s->net.params, sizeof(double) * (size_t)P);
    mlm_series_push(&s->h_tr, 0, s->mse_tr);
    mlm_series_push(&s->h_va, 0, s->mse_va);
    s->fit_best_epoch = -1;
    return s;
}

/* The curve of the network with parameters `params` at K evenly spaced inputs. */
static void tw_curve(float *out /* (K, 2) */, tw_state *s, const double *params) {
    mlp view = s->net; /* the same shapes, pointing at the other parameters */
    double *p = (double *)params;
    for (int l = 1; l < view.L; l++) {
        view.W[l] = p + (s->net.W[l] - s->net.params);
        view.b[l] = p + (s->net.b[l] - s->net.params);
    }
    for (int k = 0; k < TW_CURVE; k++) {
        double x = -1.0 + 2.0 * k / (TW_CURVE - 1), y;
        mlp_predict(&view, &x, &y);
        out[2 * k] = (float)x, out[2 * k + 1] = tw_f(mlm_clamp(y, -1e3, 1e3));
    }
}

static void tw_draw(mlm_instance *in, void *self) {
    const tw_desc *d = in->desc;
    tw_state *s = self;
    const tw_data *c = s->c;
    mlm_view_state *v = in->views;
    in->panels[P_DATA] = (mlm_panel_state){s->box[0], s->box[1], s->box[2], s->box[3], 0};
    v[V_TRUTH].data = c->truth, v[V_TRUTH].count = TW_CURVE;
    v[V_TRAIN].data = c->pts_tr, v[V_TRAIN].count = s->N;
    v[V_VAL].data = c->pts_va, v[V_VAL].count = TW_VAL;
    tw_curve(s->fit, s, s->net.params);
    v[V_FIT].data = s->fit, v[V_FIT].count = TW_CURVE;
    /* The early-stopped curve changes only when a new best is found: redraw it only then. */
    if (s->fit_best_epoch != s->best_epoch) {
        tw_curve(s->fit_best, s, s->best);
        s->fit_best_epoch = s->best_epoch;
    }
    v[V_BEST].data = s->fit_best, v[V_BEST].count = TW_CURVE;
    v[V_BEST].hidden = s->best_epoch == s->epoch; /* it is the current curve */

    mlm_series_view(in, V_H_TR, &s->h_tr);
    mlm_series_view(in, V_H_VA, &s->h_va);
    /* The vertical line spans the errors drawn, so it never stretches the automatic range. */
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < s->h_tr.n; k++) lo = fmin(lo, s->h_tr.xy[2 * k + 1]), hi = fmax(hi, s->h_tr.xy[2 * k + 1]);
    for (int k = 0; k < s->h_va.n; k++) lo = fmin(lo, s->h_va.xy[2 * k + 1]), hi = fmax(hi, s->h_va.xy[2 * k + 1]);
    if (!(lo > 0)) lo = 1e-6;
    s->mark[0] = (float)s->best_epoch, s->mark[1] = tw_f(s->best_va);
    s->vline[0] = s->vline[2] = (float)s->best_epoch;
    s->vline[1] = tw_f(lo), s->vline[3] = tw_f(hi);
    v[V_MARK].data = s->mark, v[V_MARK].count = 1;
    v[V_VLINE].data = s->vline, v[V_VLINE].count = s->epoch > 0 ? 1 : 0;
    double floor = d->noise * d->noise;
    s->noise_line[0] = 0, s->noise_line[2] = (float)(s->epoch > 1 ? s->epoch : 1);
    s->noise_line[1] = s->noise_line[3] = (float)floor;
    v[V_NOISE].data = s->noise_line, v[V_NOISE].count = floor > 0 ? 1 : 0;
    snprintf(s->note, TW_TEXT, "early stop: epoch %lld", (long long)s->best_epoch);
    v[V_NOTE].text = s->note;
    v[V_EPOCH].value = (float)s->epoch;
    v[V_MSE_TR].value = tw_f(s->mse_tr);
    v[V_MSE_VA].value = tw_f(s->mse_va);
    v[V_BEST_VA].value = tw_f(s->best_va);
}

const mlm_module mlm_module_training_well = {
    .name = "training_well",
    .title = "Training well",
    .params = tw_params,
    .n_params = MLM_COUNT(tw_params),
    .desc_size = sizeof(tw_desc),
    .panels = tw_panels,
    .n_panels = TW_N_PANELS,
    .views = tw_views,
    .n_views = TW_N_VIEWS,
    .state_bytes = TW_STATE_BYTES,
    .const_bytes = TW_CONST_BYTES,
    .speed = 300,
    .t_max = 3000,
    .random = 1,
    .create = tw_create,
    .step = tw_step,
    .draw = tw_draw,
};
