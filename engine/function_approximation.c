/* function_approximation.c: the engine module of the chapter "Networks approximate functions".
 * A multilayer perceptron with one input, one or two hidden layers of `width` units and one
 * linear output (the shared mlp of engine/core/mlp.h) fits N samples of a 1-D target curve:
 * a sine, a step, an absolute value, a cubic or a narrow bump. Each step is one full-batch
 * gradient step (Adam by default, or plain gradient descent) on the mean squared error.
 *
 * What the chapter wants seen is how the output is built. The output layer computes
 *     ŷ(x) = b_out + Σ_j v_j a_j(x),
 * a_j the activation of unit j of the last hidden layer and v_j its outgoing weight, so the curve
 * is literally a sum of the curves v_j a_j(x): bumps and steps for tanh and sigmoid units,
 * hinges for ReLU units. The second panel draws every one of those contributions, the output
 * bias and their sum, which is the first panel's curve.
 *
 * Loss: the mean squared error MSE = 1/N Σ_n (ŷ(x_n) - y_n)², as the chapter writes it, is what
 * is minimised and shown. mlp's MSE pair computes half of it, L = MSE / 2 (the convention that
 * makes the output gradient ŷ - y), so fa_measure doubles both the loss and the gradient.
 *
 * Shapes (doubles unless said):
 *   N  samples, FA_NMIN..FA_NMAX, inputs evenly spaced over [-1, 1]
 *   W  hidden units per layer (width), 1..FA_WMAX; depth 1 or 2 hidden layers
 *   P  network parameters (mlp's n_params)
 *   C  points of a drawn curve (FA_CURVE), over [-FA_XR, FA_XR]
 *   H  points of the loss history (FA_HIST)
 *   G  colour groups of the contribution curves (FA_GROUPS): unit j is drawn in group j % G
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

#define FA_NMIN 8
#define FA_NMAX 200
#define FA_WMAX 32
#define FA_CURVE 121
#define FA_XR 1.25        /* curves are drawn over [-XR, XR]: a little beyond the data */
#define FA_HIST 512
#define FA_GROUPS 7
#define FA_SEG_MAX (FA_WMAX * (FA_CURVE - 1)) /* contribution segments, all groups together */
#define FA_BIG 1e8        /* a loss beyond this is reported as diverged */

enum { FA_SINE, FA_STEP, FA_ABS, FA_POLY, FA_BUMP };
enum { FA_TANH, FA_RELU, FA_SIGMOID };
enum { FA_ADAM, FA_SGD };

typedef struct {
    int target;     /* FA_*; default sine */
    int width;      /* hidden units per layer; default 8 */
    int depth;      /* hidden layers, 1 or 2; default 1 */
    int act;        /* FA_TANH, FA_RELU, FA_SIGMOID; default tanh */
    int optimizer;  /* FA_ADAM or FA_SGD; default Adam */
    double lr;      /* learning rate; default 0.01 */
    int points;     /* N; default 40 */
    double noise;   /* standard deviation of the noise on each sample; default 0 */
} fa_desc;

typedef struct {
    mlp net;                      /* {1, W, [W,] 1}, MSE */
    int L;                        /* mlp layers: 3 or 4 */
    int N;
    double *x;                    /* (N, 1) inputs (constant block) */
    double *y;                    /* (N, 1) noisy targets (constant block) */
    float *pts;                   /* (N, 3) (x, y, 0) (constant block) */
    float *target;                /* (C, 2) the clean target curve (constant block) */
    mlm_opt_state opt;            /* Adam's moments over net.params */
    mlm_opt_hyper hyper;
    double mse;                   /* 1/N Σ (ŷ - y)² at the current parameters */
    mlm_series loss_hist;         /* (H, 2) (step, MSE) */
    float out[2 * FA_CURVE];      /* (C, 2) the network's output */
    float seg[FA_SEG_MAX * 4];    /* (contributions, 4) the contribution polylines, group by group */
    int nseg[FA_GROUPS];          /* segments in each group */
    float bias[4];                /* (1, 4) the output bias as a horizontal line */
} fa_state;

static const mlm_param fa_params[] = {
    {"target", "Target", MLM_CHOICE, offsetof(fa_desc, target), 0, 4, 1, FA_SINE, 0,
     "sine:A sine wave|step:A step|abs:Absolute value|poly:A cubic|bump:A narrow bump",
     "the curve the network learns from samples"},
    {"width", "Width", MLM_INT, offsetof(fa_desc, width), 1, FA_WMAX, 1, 8, 0, NULL,
     "hidden units in each hidden layer"},
    {"depth", "Hidden layers", MLM_INT, offsetof(fa_desc, depth), 1, 2, 1, 1, 0, NULL,
     "one or two hidden layers; the contributions drawn are the last layer's units"},
    {"act", "Activation", MLM_CHOICE, offsetof(fa_desc, act), 0, 2, 1, FA_TANH, 0,
     "tanh:Tanh|relu:ReLU|sigmoid:Sigmoid", "the hidden units' activation function"},
    {"optimizer", "Optimizer", MLM_CHOICE, offsetof(fa_desc, optimizer), 0, 1, 1, FA_ADAM, 0,
     "adam:Adam|sgd:Gradient descent", "the update rule: Adam (chapter 4) or plain gradient descent"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(fa_desc, lr), 1e-4, 3, 0, 0.01, 1, NULL,
     "step size of the update rule"},
    {"points", "Samples", MLM_INT, offsetof(fa_desc, points), FA_NMIN, FA_NMAX, 1, 40, 0, NULL,
     "how many samples of the target, evenly spaced over [-1, 1]"},
    {"noise", "Noise", MLM_FLOAT, offsetof(fa_desc, noise), 0, 0.5, 0.01, 0, 0, NULL,
     "standard deviation of the Gaussian noise added to each sample"},
};

enum { P_FIT, P_UNITS, P_LOSS, FA_N_PANELS };

static const mlm_panel fa_panels[] = {
    [P_FIT] = {"fit", "Output and samples", "x", "y", 0, NULL},
    [P_UNITS] = {"units", "Each unit's contribution vⱼ aⱼ(x)", "x", "vⱼ aⱼ(x)",
                 MLM_PANEL_AUTO_Y, NULL},
    [P_LOSS] = {"loss", "Error against step", "step", "MSE",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_TARGET, V_SAMPLES, V_OUT,
    V_C0, V_BIAS = V_C0 + FA_GROUPS, V_SUM,
    V_LOSS, V_S_MSE, V_S_PARAMS,
    FA_N_VIEWS
};

#define FA_GROUP_VIEW(name, k) {name, "units", MLM_VIEW_SEGMENTS, "", 1 + (k), 0}

static const mlm_view fa_views[] = {
    [V_TARGET] = {"target", "fit", MLM_VIEW_CURVE, "target", 3, MLM_VIEW_FAINT | MLM_VIEW_DASHED},
    [V_SAMPLES] = {"samples", "fit", MLM_VIEW_POINTS, "samples", 2, 0},
    [V_OUT] = {"output", "fit", MLM_VIEW_CURVE, "network", 0, 0},
    [V_C0 + 0] = FA_GROUP_VIEW("units_1", 0),
    [V_C0 + 1] = FA_GROUP_VIEW("units_2", 1),
    [V_C0 + 2] = FA_GROUP_VIEW("units_3", 2),
    [V_C0 + 3] = FA_GROUP_VIEW("units_4", 3),
    [V_C0 + 4] = FA_GROUP_VIEW("units_5", 4),
    [V_C0 + 5] = FA_GROUP_VIEW("units_6", 5),
    [V_C0 + 6] = FA_GROUP_VIEW("units_7", 6),
    [V_BIAS] = {"out_bias", "units", MLM_VIEW_SEGMENTS, "output bias", 0, MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    [V_SUM] = {"sum", "units", MLM_VIEW_CURVE, "sum", 0, MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_LOSS] = {"loss_curve", "loss", MLM_VIEW_CURVE, "MSE", 0, 0},
    [V_S_MSE] = {"mse", NULL, MLM_VIEW_SCALAR, "MSE", 0, 0},
    [V_S_PARAMS] = {"params", NULL, MLM_VIEW_SCALAR, "parameters", 0, MLM_SCALAR_INT},
};

_Static_assert(MLM_COUNT(fa_views) == FA_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(fa_panels) == FA_N_PANELS, "one declaration per panel");

#define FA_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
/* mlp_bytes is a function, so the network's share is a fixed allowance; the test checks that
   mlp_bytes({1, 32, 32, 1}, 4, FA_NMAX) fits in it. Adam's buffers: 3 P doubles, P <= 1153. */
#define FA_MLP_BYTES MLP_BYTES_MAX(1, FA_WMAX, 2, 1, FA_NMAX) /* 1-W-W-1, the whole set a batch */
#define FA_P_MAX (FA_WMAX * 1 + FA_WMAX + FA_WMAX * FA_WMAX + FA_WMAX + FA_WMAX + 1)
#define FA_STATE_BYTES                                                                         \
    (FA_A16(sizeof(fa_state)) + FA_A16(sizeof(float) * 2 * FA_HIST) + FA_MLP_BYTES +            \
     FA_A16(sizeof(double) * 3 * FA_P_MAX))
#define FA_CONST_BYTES                                                                         \
    (2 * FA_A16(sizeof(double) * FA_NMAX) + FA_A16(sizeof(float) * 3 * FA_NMAX) +              \
     FA_A16(sizeof(float) * 2 * FA_CURVE))

static float fa_f(double v) { return (float)v; }

static double fa_target(int target, double x) {
    switch (target) {
    case FA_STEP: return x > 0 ? 1.0 : -1.0;
    case FA_ABS: return 2.0 * fabs(x) - 1.0;
    case FA_POLY: return 4.0 * x * x * x - 3.0 * x;  /* the Chebyshev cubic: two turns in [-1, 1] */
    case FA_BUMP: return 2.0 * mlm_exp(-(x * x) / (0.15 * 0.15)) - 1.0;
    default: return mlm_sin(3.14159265358979323846 * x);
    }
}

static int fa_mlp_act(int act) {
    return act == FA_RELU ? MLP_RELU : act == FA_SIGMOID ? MLP_SIGMOID : MLP_TANH;
}

//> contributions
/* The output at x taken apart: contrib[j] = v_j a_j(x) for each unit j of the last hidden layer,
   and the return value b_out + Σ_j contrib[j], summed in the order mlp's dense layer sums (bias
   first, then j upwards), so it is the network's output to the last bit. */
static double fa_contributions(double *contrib /* (W,) */, const mlp *net, double x) {
    double units[MLP_MAX_UNITS], out;
    mlp_predict_units(net, &x, &out, units);
    int last = net->L - 2, W = net->sizes[last];
    const double *a = units + mlp_unit_index(net, last, 0);
    const double *v = net->W[net->L - 1]; /* (1, W) the output unit's weights */
    double s = net->b[net->L - 1][0];
    for (int j = 0; j < W; j++) {
        contrib[j] = v[j] * a[j];
        s += contrib[j];
    }
    return s;
}
//< contributions

/* The loss and gradient at the current parameters: a full-batch forward and backward pass. The
   network's loss is L = MSE / 2, so the MSE's gradient is twice L's. */
static void fa_measure(fa_state *s) {
    double L = mlp_forward(&s->net, s->x, s->y, s->N, NULL);
    mlp_backward(&s->net);
    for (int k = 0; k < s->net.n_params; k++) s->net.grads[k] *= 2;
    s->mse = 2 * L;
}

static void *fa_create(mlm_instance *in) {
    const fa_desc *d = in->desc;
    fa_state *s = mlm_alloc(in, sizeof(fa_state));
    if (!s) return NULL;
    if (mlm_series_init(in, &s->loss_hist, FA_HIST) != 0) return NULL;
    s->N = d->points;
    s->x = mlm_alloc_const(in, sizeof(double) * FA_NMAX);
    s->y = mlm_alloc_const(in, sizeof(double) * FA_NMAX);
    s->pts = mlm_alloc_const(in, sizeof(float) * 3 * FA_NMAX);
    s->target = mlm_alloc_const(in, sizeof(float) * 2 * FA_CURVE);
    if (!s->x || !s->y || !s->pts || !s->target) return NULL;
    for (int n = 0; n < s->N; n++) {
        double x = -1.0 + 2.0 * n / (s->N - 1);
        double y = fa_target(d->target, x) + d->noise * mlm_rng_normal(&in->rng);
        s->x[n] = x, s->y[n] = y;
        s->pts[3 * n] = fa_f(x), s->pts[3 * n + 1] = fa_f(y), s->pts[3 * n + 2] = 0;
    }
    for (int i = 0; i < FA_CURVE; i++) {
        double x = -FA_XR + 2 * FA_XR * i / (FA_CURVE - 1);
        s->target[2 * i] = fa_f(x), s->target[2 * i + 1] = fa_f(fa_target(d->target, x));
    }
    int sizes[4] = {1, d->width, d->width, 1};
    s->L = d->depth + 2;
    sizes[s->L - 1] = 1;
    if (mlp_init(in, &s->net, sizes, s->L, fa_mlp_act(d->act), MLP_MSE, s->N) != 0) return NULL;
    int P = s->net.n_params;
    double *buf = mlm_alloc(in, mlm_opt_bytes(P));
    if (!buf) return NULL;
    mlm_opt_init(&s->opt, buf, P);
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    fa_measure(s);
    mlm_series_push(&s->loss_hist, 0, s->mse);
    return s;
}

static void fa_step(mlm_instance *in, void *self) {
    const fa_desc *d = in->desc;
    fa_state *s = self;
    //> train_step
    /* net.grads holds dL/dparams at the current parameters (from the last fa_measure): update,
       then measure the loss and gradient where the update landed. */
    if (d->optimizer == FA_SGD) mlp_sgd_step(&s->net, d->lr);
    else mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt, s->net.params, s->net.grads, s->net.n_params);
    fa_measure(s);
    //< train_step
    long long k = (long long)in->steps + 1;
    if (!mlm_isfinite(s->mse) || s->mse > FA_BIG || !mlp_finite(&s->net)) {
        mlm_diverged(in, 1, "The error became too large to draw at step %lld: a learning rate of "
                     "%.3g is too large for %s on this network. Try a smaller one.", k, d->lr,
                     d->optimizer == FA_SGD ? "gradient descent" : "Adam");
        return;
    }
    mlm_series_push(&s->loss_hist, (double)k, s->mse);
}

static void fa_draw(mlm_instance *in, void *self) {
    fa_state *s = self;
    mlm_view_state *v = in->views;
    int last = s->L - 2, W = s->net.sizes[last];
    float *group[FA_GROUPS];
    /* carve the segment buffer into groups sized for their units: unit j goes to group j % G */
    float *p = s->seg;
    for (int g = 0; g < FA_GROUPS; g++) {
        int units = g < W ? (W - 1 - g) / FA_GROUPS + 1 : 0;
        group[g] = p;
        s->nseg[g] = 0;
        p += 4 * units * (FA_CURVE - 1);
    }
    double prev[FA_WMAX], cur[FA_WMAX], prev_x = 0;
    for (int i = 0; i < FA_CURVE; i++) {
        double x = -FA_XR + 2 * FA_XR * i / (FA_CURVE - 1);
        double y = fa_contributions(cur, &s->net, x);
        s->out[2 * i] = fa_f(x), s->out[2 * i + 1] = fa_f(y);
        if (i > 0)
            for (int j = 0; j < W; j++) {
                int g = j % FA_GROUPS;
                float *q = group[g] + 4 * s->nseg[g]++;
                q[0] = fa_f(prev_x), q[1] = fa_f(prev[j]), q[2] = fa_f(x), q[3] = fa_f(cur[j]);
            }
        memcpy(prev, cur, sizeof(double) * W);
        prev_x = x;
    }
    for (int g = 0; g < FA_GROUPS; g++) v[V_C0 + g].data = group[g], v[V_C0 + g].count = s->nseg[g];
    double b = s->net.b[s->L - 1][0];
    s->bias[0] = fa_f(-FA_XR), s->bias[2] = fa_f(FA_XR), s->bias[1] = s->bias[3] = fa_f(b);
    v[V_BIAS].data = s->bias, v[V_BIAS].count = 1;
    v[V_SUM].data = s->out, v[V_SUM].count = FA_CURVE;
    v[V_OUT].data = s->out, v[V_OUT].count = FA_CURVE;
    v[V_TARGET].data = s->target, v[V_TARGET].count = FA_CURVE;
    v[V_SAMPLES].data = s->pts, v[V_SAMPLES].count = s->N;
    mlm_series_view(in, V_LOSS, &s->loss_hist);
    v[V_S_MSE].value = fa_f(s->mse);
    v[V_S_PARAMS].value = (float)s->net.n_params;
    in->panels[P_FIT] = (mlm_panel_state){(float)-FA_XR, (float)FA_XR, -2.0f, 2.0f, 0};
    in->panels[P_UNITS] = (mlm_panel_state){(float)-FA_XR, (float)FA_XR, -2.0f, 2.0f, 0};
}

const mlm_module mlm_module_function_approximation = {
    .name = "function_approximation",
    .title = "Networks approximate functions",
    .params = fa_params,
    .n_params = MLM_COUNT(fa_params),
    .desc_size = sizeof(fa_desc),
    .panels = fa_panels,
    .n_panels = FA_N_PANELS,
    .views = fa_views,
    .n_views = FA_N_VIEWS,
    .state_bytes = FA_STATE_BYTES,
    .const_bytes = FA_CONST_BYTES,
    .speed = 60,
    .t_max = 15000,
    .random = 1,
    .create = fa_create,
    .step = fa_step,
    .draw = fa_draw,
};
