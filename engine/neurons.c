/* neurons.c: the engine module of the chapter "Neurons and activation functions". One module
 * serves the chapter's three widgets, chosen by the `scene` parameter:
 *
 *   activations  one neuron with one input, a(x) = f(w x + b), learning by gradient descent to
 *                match samples of f(2x + 1/2). Beside the fit, the activation f and its
 *                derivative f' with every sample's pre-activation z_i = w x_i + b marked on both:
 *                the reader sees where on f the samples sit and how small f'(z_i) is there, which
 *                is exactly the factor that scales each gradient step (saturation, dead units).
 *   neuron2d     one sigmoid neuron over a 2-D input, a = σ(w1 x1 + w2 x2 + b), drawn as a
 *                heatmap with its decision line w·x + b = 0 and its weight vector; it learns by
 *                gradient descent on the binary cross-entropy of a small two-class point set
 *                (the shared mlp of engine/core/mlp.h with sizes {2, 1}). The sliders set where
 *                it starts.
 *   relusum      a line bent by ReLU hinges, g(x) = b + m x + Σ_i c_i relu(x - t_i), every
 *                coefficient and every kink position t_i learnt by gradient descent to fit a
 *                curve; each hinge is drawn faintly under the sum.
 *
 * The activations come from mlp_activation / mlp_activation_grad: the functions plotted here are
 * the ones every network of Part IV runs.
 *
 * Losses (N samples; every scene uses full-batch gradient descent, one step per `step`):
 *   activations  L(w, b) = 1/(2N) Σ_n (f(w x_n + b) - y_n)²
 *   neuron2d     L(w, b) = 1/N Σ_n softplus(z_n) - y_n z_n    (binary cross-entropy, in mlp.c)
 *   relusum      L = 1/(2N) Σ_n (g(x_n) - y_n)²
 *
 * Shapes (doubles unless said):
 *   A   samples of the activations scene (NEU_AN), inputs in [-2, 2]
 *   D   points of the 2-D data set (NEU_DN); G side of the heatmap grid (NEU_GRID)
 *   K   hinges, 1..NEU_HMAX; R samples of the relusum target (NEU_RN), inputs in [-3, 3]
 *   C   points of a drawn smooth curve (NEU_CURVE); H points of the loss history (NEU_HIST)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"

#define NEU_AN 21          /* samples of the activations scene */
#define NEU_AX 2.0         /* ... spread evenly over [-AX, AX] */
#define NEU_TW 2.0         /* the target neuron's weight and bias: y = f(2x + 1/2) */
#define NEU_TB 0.5
#define NEU_CURVE 201
#define NEU_DN 60          /* points of the 2-D data set */
#define NEU_BOX 3.0        /* the heatmap shows [-BOX, BOX]² */
#define NEU_GRID 49
#define NEU_ARROW_MAX 2.5  /* the drawn weight vector is shortened to this length at most */
#define NEU_HMAX 12
#define NEU_RN 61          /* samples of the relusum target */
#define NEU_RX 3.0         /* ... over [-RX, RX] */
#define NEU_HIST 512
#define NEU_TEXT 96
#define NEU_BIG 1e8        /* a loss or parameter beyond this is reported as diverged (floats
                              in the view buffers would overflow long before doubles do) */

enum { NEU_SCENE_ACT, NEU_SCENE_2D, NEU_SCENE_RELU };
enum { NEU_BLOBS, NEU_XOR };
enum { NEU_SINE, NEU_PARABOLA, NEU_WAVE };

typedef struct {
    int scene;       /* NEU_SCENE_*; default activations */
    int act;         /* mlp_act of the activations scene; default sigmoid */
    double w0, b0;   /* where the activations scene's neuron starts; default (-1, 2) */
    double lr;       /* learning rate of the activations and neuron2d scenes; default 1 */
    int data;        /* neuron2d's point set; default two blobs */
    double w1, w2, b; /* where neuron2d's neuron starts; default (-1, 1.5, 0.5) */
    int hinges;      /* K; default 5 */
    int target;      /* the curve the hinges fit; default sine */
    double hinge_lr; /* learning rate of the relusum scene; default 0.05 */
} neu_desc;

typedef struct {
    /* ---- activations ---- */
    double w, bias;               /* the neuron a = f(w x + b) */
    double ax[NEU_AN], ay[NEU_AN]; /* (A,) inputs and targets */
    double a_loss, a_gw, a_gb;    /* loss and gradient at (w, b) */
    double a_mean_df;             /* mean of f'(z_n) over the samples */
    /* ---- neuron2d ---- */
    mlp net;                      /* sizes {2, 1}, BCE: a = σ(W x + b) */
    double *dx;                   /* (D, 2) inputs (constant block) */
    double *dy;                   /* (D, 1) labels 0 / 1 (constant block) */
    float *dpts;                  /* (D, 3) (x1, x2, class) (constant block) */
    double d_loss, d_acc, d_gnorm;
    float field[NEU_GRID * NEU_GRID]; /* (G, G) a - 1/2 over the box, row 0 at x2 = -BOX */
    double field_wb[3];           /* the (w1, w2, b) the field was drawn for */
    uint32_t field_version;
    float line[4];                /* (1, 4) the decision line, clipped by the renderer */
    float arrow[4];               /* (1, 4) the weight vector from the origin */
    /* ---- relusum ---- */
    int K;
    double hb, hm;                /* the line b + m x */
    double c[NEU_HMAX], t[NEU_HMAX]; /* (K,) hinge slopes and kinks */
    double rx[NEU_RN], ry[NEU_RN]; /* (R,) inputs and targets */
    double r_loss, r_gnorm;
    float hseg[NEU_HMAX * 2 * 4]; /* (K, 2, 4) each hinge as two segments */
    float hline[4];               /* (1, 4) the line b + m x */
    float hsum[2 * (NEU_HMAX + 2)]; /* (K + 2, 2) the sum: exact polyline through the kinks */
    float kinks[2 * NEU_HMAX];    /* (K, 2) the kinks on the sum */
    float rtarget[2 * NEU_CURVE]; /* (C, 2) the target curve */
    /* ---- shared ---- */
    mlm_series loss_hist;         /* (H, 2) (step, loss) */
    float curve_f[2 * NEU_CURVE]; /* (C, 2) f(z) */
    float curve_df[2 * NEU_CURVE]; /* (C, 2) f'(z) */
    float pts_f[3 * NEU_AN];      /* (A, 3) (z_n, f(z_n), 0) */
    float pts_df[3 * NEU_AN];     /* (A, 3) (z_n, f'(z_n), 0) */
    float fit[2 * NEU_CURVE];     /* (C, 2) the activations scene's neuron over x */
    float target[2 * NEU_CURVE];  /* (C, 2) its target f(2x + 1/2) */
    float samples[3 * NEU_AN];    /* (A, 3) (x_n, y_n, 0) */
    char note[NEU_TEXT];
} neu_state;

static const mlm_param neu_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(neu_desc, scene), 0, 2, 1, 0, 0,
     "activations:One activation|neuron2d:A neuron on the plane|relusum:A sum of hinges",
     "which picture: one activation and its derivative, a neuron over a 2-D input, or ReLU hinges bending a line"},
    {"act", "Activation", MLM_CHOICE, offsetof(neu_desc, act), 0, MLP_ACT_COUNT - 1, 1, MLP_SIGMOID,
     0, MLP_ACT_CHOICES, "the function f the neuron applies to its weighted sum z = w x + b"},
    {"w0", "Start w", MLM_FLOAT, offsetof(neu_desc, w0), -6, 6, 0.1, -1, 0, NULL,
     "the weight the one-input neuron starts from"},
    {"b0", "Start b", MLM_FLOAT, offsetof(neu_desc, b0), -8, 8, 0.1, 2, 0, NULL,
     "the bias the one-input neuron starts from"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(neu_desc, lr), 0.01, 30, 0, 1, 1, NULL,
     "step size of gradient descent on the neuron's weights and bias"},
    {"data", "Points", MLM_CHOICE, offsetof(neu_desc, data), 0, 1, 1, 0, 0,
     "blobs:Two blobs|xor:XOR (four clusters)",
     "the two-class points the 2-D neuron learns to separate"},
    {"w1", "Weight w₁", MLM_FLOAT, offsetof(neu_desc, w1), -4, 4, 0.1, -1, 0, NULL,
     "the 2-D neuron's starting weight on x₁"},
    {"w2", "Weight w₂", MLM_FLOAT, offsetof(neu_desc, w2), -4, 4, 0.1, 1.5, 0, NULL,
     "the 2-D neuron's starting weight on x₂"},
    {"b", "Bias b", MLM_FLOAT, offsetof(neu_desc, b), -4, 4, 0.1, 0.5, 0, NULL,
     "the 2-D neuron's starting bias: it slides the line w·x + b = 0"},
    {"hinges", "Hinges", MLM_INT, offsetof(neu_desc, hinges), 1, NEU_HMAX, 1, 5, 0, NULL,
     "how many ReLU hinges bend the line"},
    {"target", "Curve", MLM_CHOICE, offsetof(neu_desc, target), 0, 2, 1, 0, 0,
     "sine:sin x|parabola:A parabola|wave:sin 2x", "the curve the bent line learns to follow"},
    {"hinge_lr", "Hinge learning rate", MLM_FLOAT, offsetof(neu_desc, hinge_lr), 0.001, 0.2, 0, 0.05,
     1, NULL, "step size of gradient descent on the line, the hinges' slopes and their kinks"},
};

enum { P_ACT, P_FIT, P_HEAT, P_HINGE, P_LOSS, NEU_N_PANELS };

static const mlm_panel neu_panels[] = {
    [P_ACT] = {"act", "The activation and its slope", "z", "", 0, NULL},
    [P_FIT] = {"fit", "The neuron a = f(w x + b)", "x", "a", 0, NULL},
    [P_HEAT] = {"heat", "a = σ(w₁x₁ + w₂x₂ + b)", "x₁", "x₂", MLM_PANEL_EQUAL, NULL},
    [P_HINGE] = {"hinge", "b + m x + Σ cₖ relu(x − tₖ)", "x", "y", 0, NULL},
    [P_LOSS] = {"loss", "Loss against step", "step", "loss",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_F, V_DF, V_FPTS, V_DFPTS,
    V_TARGET, V_SAMPLES, V_NEURON,
    V_FIELD, V_DATA, V_LINE, V_ARROW,
    V_RTARGET, V_HINGES, V_HLINE, V_HSUM, V_KINKS,
    V_LOSS,
    V_S_LOSS, V_S_W, V_S_B, V_S_DF, V_S_ACC, V_S_GRAD, V_NOTE,
    NEU_N_VIEWS
};

static const mlm_view neu_views[] = {
    [V_F] = {"f", "act", MLM_VIEW_CURVE, "f(z)", 5, MLM_VIEW_LEGEND},
    [V_DF] = {"df", "act", MLM_VIEW_CURVE, "f′(z)", 6, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_FPTS] = {"f_at_samples", "act", MLM_VIEW_POINTS, "f(zᵢ)", 5, 0},
    [V_DFPTS] = {"df_at_samples", "act", MLM_VIEW_POINTS, "f′(zᵢ)", 6, 0},
    [V_TARGET] = {"target", "fit", MLM_VIEW_CURVE, "target", 3, MLM_VIEW_FAINT | MLM_VIEW_DASHED},
    [V_SAMPLES] = {"samples", "fit", MLM_VIEW_POINTS, "samples", 2, 0},
    [V_NEURON] = {"neuron", "fit", MLM_VIEW_CURVE, "neuron", 5, 0},
    [V_FIELD] = {"field", "heat", MLM_VIEW_FIELD, "a − ½", 0, MLM_FIELD_HEATMAP | MLM_COLOR_DIVERGING},
    [V_DATA] = {"points", "heat", MLM_VIEW_POINTS, "points", 1, 0},
    [V_LINE] = {"line", "heat", MLM_VIEW_SEGMENTS, "w·x + b = 0", 0, 0},
    [V_ARROW] = {"weights", "heat", MLM_VIEW_ARROWS, "w", 0, 0},
    [V_RTARGET] = {"curve", "hinge", MLM_VIEW_CURVE, "target", 3, MLM_VIEW_DASHED},
    [V_HINGES] = {"hinges", "hinge", MLM_VIEW_SEGMENTS, "hinges", 2,
                  MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_HLINE] = {"base", "hinge", MLM_VIEW_SEGMENTS, "line b + m x", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_HSUM] = {"sum", "hinge", MLM_VIEW_CURVE, "sum", 5, MLM_VIEW_LEGEND},
    [V_KINKS] = {"kinks", "hinge", MLM_VIEW_MARKERS, "kinks", 6, 0},
    [V_LOSS] = {"loss_curve", "loss", MLM_VIEW_CURVE, "loss", 0, 0},
    [V_S_LOSS] = {"loss", NULL, MLM_VIEW_SCALAR, "loss", 0, 0},
    [V_S_W] = {"w", NULL, MLM_VIEW_SCALAR, "w", 0, 0},
    [V_S_B] = {"bias", NULL, MLM_VIEW_SCALAR, "b", 0, 0},
    [V_S_DF] = {"mean_df", NULL, MLM_VIEW_SCALAR, "mean f′(zᵢ)", 0, 0},
    [V_S_ACC] = {"accuracy", NULL, MLM_VIEW_SCALAR, "accuracy", 0, 0},
    [V_S_GRAD] = {"grad", NULL, MLM_VIEW_SCALAR, "|gradient|", 0, 0},
    [V_NOTE] = {"note", "heat", MLM_VIEW_TEXT, "", 0, 0},
};

_Static_assert(MLM_COUNT(neu_views) == NEU_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(neu_panels) == NEU_N_PANELS, "one declaration per panel");

static const int neu_sizes[2] = {2, 1};

#define NEU_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
/* mlp_bytes is a function, so the network's share is a fixed allowance; the test checks that
   mlp_bytes(neu_sizes, 2, NEU_DN) fits in it. */
#define NEU_MLP_BYTES MLP_BYTES_MAX(2, 1, 0, 1, NEU_DN) /* one unit on two inputs, all points a batch */
#define NEU_STATE_BYTES \
    (NEU_A16(sizeof(neu_state)) + NEU_A16(sizeof(float) * 2 * NEU_HIST) + NEU_MLP_BYTES)
#define NEU_CONST_BYTES                                                                        \
    (NEU_A16(sizeof(double) * 2 * NEU_DN) + NEU_A16(sizeof(double) * NEU_DN) +                 \
     NEU_A16(sizeof(float) * 3 * NEU_DN))

static float neu_f(double v) { return (float)v; }

/* ---- the activations scene: one neuron, one input ---- */

//> one_neuron
/* Forward and backward pass of a = f(w x + b) over the A samples, for the loss
   L = 1/(2A) Σ (a_n - y_n)². By the chain rule, with z_n = w x_n + b,
       dL/dw = 1/A Σ (a_n - y_n) f'(z_n) x_n,      dL/db = 1/A Σ (a_n - y_n) f'(z_n):
   every sample's error reaches the weights multiplied by the slope f'(z_n) at its own z_n. Where
   f is flat (a saturated sigmoid, a ReLU below zero) that factor is near zero and so is the step. */
static double neu_one_neuron(double *gw, double *gb, double *mean_df, double w, double b,
                             const double *x /* (A,) */, const double *y /* (A,) */, int A,
                             int act, double leaky) {
    double loss = 0, sw = 0, sb = 0, sdf = 0;
    for (int n = 0; n < A; n++) {
        double z = w * x[n] + b;
        double a = mlp_activation(act, z, leaky);
        double df = mlp_activation_grad(act, z, a, leaky);
        double err = a - y[n];
        loss += 0.5 * err * err;
        sw += err * df * x[n];
        sb += err * df;
        sdf += df;
    }
    *gw = sw / A, *gb = sb / A, *mean_df = sdf / A;
    return loss / A;
}
//< one_neuron

/* ---- the relusum scene ---- */

static double neu_relu_target(int target, double x) {
    switch (target) {
    case NEU_PARABOLA: return 0.25 * x * x - 1.0;
    case NEU_WAVE: return mlm_sin(2.0 * x);
    default: return mlm_sin(x);
    }
}

//> relu_sum
/* g(x) = b + m x + Σ_k c_k relu(x - t_k): a line, bent at each kink t_k, where the slope grows
   by c_k. Between two neighbouring kinks g is a straight piece, so g is piecewise linear. */
static double neu_relu_sum(double b, double m, const double *c /* (K,) */,
                           const double *t /* (K,) */, int K, double x) {
    double g = b + m * x;
    for (int k = 0; k < K; k++) g += c[k] * (x > t[k] ? x - t[k] : 0.0);
    return g;
}

/* The loss L = 1/(2R) Σ (g(x_n) - y_n)² and its gradient. With r_n = (g(x_n) - y_n) / R:
     dL/db = Σ r_n,  dL/dm = Σ r_n x_n,  dL/dc_k = Σ r_n relu(x_n - t_k),
     dL/dt_k = -c_k Σ_{x_n > t_k} r_n      (moving a kink right lowers the hinge where it acts). */
static double neu_relu_backward(double *gb, double *gm, double *gc /* (K,) */,
                                double *gt /* (K,) */, double b, double m,
                                const double *c /* (K,) */, const double *t /* (K,) */, int K,
                                const double *x /* (R,) */, const double *y /* (R,) */, int R) {
    double loss = 0;
    *gb = *gm = 0;
    for (int k = 0; k < K; k++) gc[k] = gt[k] = 0;
    for (int n = 0; n < R; n++) {
        double r = neu_relu_sum(b, m, c, t, K, x[n]) - y[n];
        loss += 0.5 * r * r;
        r /= R;
        *gb += r;
        *gm += r * x[n];
        for (int k = 0; k < K; k++) {
            if (x[n] > t[k]) {
                gc[k] += r * (x[n] - t[k]);
                gt[k] -= r * c[k];
            }
        }
    }
    return loss / R;
}
//< relu_sum

/* ---- create ---- */

static void neu_blobs(neu_state *s, mlm_rng *rng, int data) {
    for (int n = 0; n < NEU_DN; n++) {
        double x1, x2;
        int cls;
        if (data == NEU_XOR) {
            /* four clusters at (±1.3, ±1.3); the class is 1 where x1 and x2 share a sign */
            int q = n % 4;
            double cx = q & 1 ? 1.3 : -1.3, cy = q & 2 ? 1.3 : -1.3;
            x1 = cx + 0.45 * mlm_rng_normal(rng);
            x2 = cy + 0.45 * mlm_rng_normal(rng);
            cls = (cx > 0) == (cy > 0);
        } else {
            /* two overlapping blobs, so the best line still misclassifies a few points and the
               weights settle at a finite minimum of the cross-entropy */
            cls = n % 2;
            double sgn = cls ? 1.0 : -1.0;
            x1 = sgn * 0.9 + 0.8 * mlm_rng_normal(rng);
            x2 = sgn * 0.6 + 0.8 * mlm_rng_normal(rng);
        }
        x1 = mlm_clamp(x1, -NEU_BOX + 0.1, NEU_BOX - 0.1);
        x2 = mlm_clamp(x2, -NEU_BOX + 0.1, NEU_BOX - 0.1);
        s->dx[2 * n] = x1, s->dx[2 * n + 1] = x2, s->dy[n] = cls;
        s->dpts[3 * n] = (float)x1, s->dpts[3 * n + 1] = (float)x2, s->dpts[3 * n + 2] = (float)cls;
    }
}

static void neu_measure(mlm_instance *in, neu_state *s) {
    const neu_desc *d = in->desc;
    switch (d->scene) {
    case NEU_SCENE_ACT:
        s->a_loss = neu_one_neuron(&s->a_gw, &s->a_gb, &s->a_mean_df, s->w, s->bias, s->ax, s->ay,
                                   NEU_AN, d->act, s->net.leaky);
        break;
    case NEU_SCENE_2D: {
        double acc;
        s->d_loss = mlp_forward(&s->net, s->dx, s->dy, NEU_DN, NULL);
        mlp_backward(&s->net);
        double g = 0;
        for (int p = 0; p < s->net.n_params; p++) g += s->net.grads[p] * s->net.grads[p];
        s->d_gnorm = sqrt(g);
        int right = 0;
        for (int n = 0; n < NEU_DN; n++) right += (s->net.a[1][n] > 0.5) == (s->dy[n] > 0.5);
        acc = (double)right / NEU_DN;
        s->d_acc = acc;
        break;
    }
    default: {
        double gc[NEU_HMAX], gt[NEU_HMAX], gb, gm;
        s->r_loss = neu_relu_backward(&gb, &gm, gc, gt, s->hb, s->hm, s->c, s->t, s->K, s->rx,
                                      s->ry, NEU_RN);
        double g = gb * gb + gm * gm;
        for (int k = 0; k < s->K; k++) g += gc[k] * gc[k] + gt[k] * gt[k];
        s->r_gnorm = sqrt(g);
    }
    }
}

static double neu_loss(const mlm_instance *in, const neu_state *s) {
    const neu_desc *d = in->desc;
    return d->scene == NEU_SCENE_ACT ? s->a_loss : d->scene == NEU_SCENE_2D ? s->d_loss : s->r_loss;
}

static void *neu_create(mlm_instance *in) {
    const neu_desc *d = in->desc;
    neu_state *s = mlm_alloc(in, sizeof(neu_state));
    if (!s) return NULL;
    if (mlm_series_init(in, &s->loss_hist, NEU_HIST) != 0) return NULL;
    /* neuron2d: the shared network with no hidden layer is exactly one sigmoid unit (its
       leaky-ReLU slope, 0.01, is also the one the activations scene uses) */
    if (mlp_init(in, &s->net, neu_sizes, 2, MLP_SIGMOID, MLP_BCE, NEU_DN) != 0) return NULL;
    /* activations */
    s->w = d->w0, s->bias = d->b0;
    for (int n = 0; n < NEU_AN; n++) {
        s->ax[n] = -NEU_AX + 2 * NEU_AX * n / (NEU_AN - 1);
        s->ay[n] = mlp_activation(d->act, NEU_TW * s->ax[n] + NEU_TB, s->net.leaky);
    }
    s->net.W[1][0] = d->w1, s->net.W[1][1] = d->w2, s->net.b[1][0] = d->b;
    s->dx = mlm_alloc_const(in, sizeof(double) * 2 * NEU_DN);
    s->dy = mlm_alloc_const(in, sizeof(double) * NEU_DN);
    s->dpts = mlm_alloc_const(in, sizeof(float) * 3 * NEU_DN);
    if (!s->dx || !s->dy || !s->dpts) return NULL;
    neu_blobs(s, &in->rng, d->data);
    s->field_wb[0] = NAN;
    /* relusum: a flat line with K hinges spread over the inputs, every slope c_k zero */
    s->K = d->hinges;
    for (int k = 0; k < s->K; k++) s->t[k] = -NEU_RX + 2 * NEU_RX * (k + 0.5) / s->K;
    for (int n = 0; n < NEU_RN; n++) {
        s->rx[n] = -NEU_RX + 2 * NEU_RX * n / (NEU_RN - 1);
        s->ry[n] = neu_relu_target(d->target, s->rx[n]);
    }
    neu_measure(in, s);
    mlm_series_push(&s->loss_hist, 0, neu_loss(in, s));
    return s;
}

/* ---- step ---- */

static void neu_step(mlm_instance *in, void *self) {
    const neu_desc *d = in->desc;
    neu_state *s = self;
    long long k = (long long)in->steps + 1;
    const char *names[] = {"linear", "sigmoid", "tanh", "ReLU", "leaky ReLU"};
    switch (d->scene) {
    case NEU_SCENE_ACT:
        //> one_neuron_step
        s->w -= d->lr * s->a_gw;
        s->bias -= d->lr * s->a_gb;
        //< one_neuron_step
        neu_measure(in, s);
        if (!mlm_isfinite(s->a_loss) || s->a_loss > NEU_BIG || fabs(s->w) > NEU_BIG ||
            fabs(s->bias) > NEU_BIG) {
            mlm_diverged(in, 1, "The loss blew up at step %lld: a learning rate of %.3g overshoots "
                         "this %s neuron's valley. Try a smaller one.", k, d->lr, names[d->act]);
            return;
        }
        if (s->a_loss < 1e-12) {
            mlm_converged(in, 1, "The neuron matches every sample (loss below 1e-12): w = %.3f, "
                          "b = %.3f, the target's 2 and 0.5.", s->w, s->bias);
        } else if (s->a_gw == 0 && s->a_gb == 0) {
            mlm_converged(in, 1, "Stuck for good: every sample has z = w x + b ≤ 0, where ReLU is "
                          "flat, so the gradient is exactly zero and no step can move w or b. "
                          "This unit is dead.");
        }
        break;
    case NEU_SCENE_2D:
        /* the gradient of the current weights is already in net.grads (neu_measure) */
        mlp_sgd_step(&s->net, d->lr);
        neu_measure(in, s);
        if (!mlm_isfinite(s->d_loss) || !mlp_finite(&s->net) || s->d_loss > NEU_BIG) {
            mlm_diverged(in, 1, "The loss blew up at step %lld: a learning rate of %.3g is too "
                         "large.", k, d->lr);
            return;
        }
        if (s->d_gnorm < 1e-6)
            mlm_converged(in, 1, "The gradient has vanished (below 1e-6): one neuron can do no "
                          "better on these points, loss %.4f, accuracy %.0f%%.", s->d_loss, 100 * s->d_acc);
        break;
    default: {
        double gc[NEU_HMAX], gt[NEU_HMAX], gb, gm;
        neu_relu_backward(&gb, &gm, gc, gt, s->hb, s->hm, s->c, s->t, s->K, s->rx, s->ry, NEU_RN);
        s->hb -= d->hinge_lr * gb;
        s->hm -= d->hinge_lr * gm;
        for (int j = 0; j < s->K; j++) {
            s->c[j] -= d->hinge_lr * gc[j];
            s->t[j] -= d->hinge_lr * gt[j];
        }
        neu_measure(in, s);
        int bad = !mlm_isfinite(s->r_loss) || s->r_loss > NEU_BIG;
        for (int j = 0; j < s->K; j++) bad |= !(fabs(s->c[j]) < NEU_BIG && fabs(s->t[j]) < NEU_BIG);
        if (bad) {
            mlm_diverged(in, 1, "The loss blew up at step %lld: a learning rate of %.3g is too "
                         "large for hinges this steep.", k, d->hinge_lr);
            return;
        }
        if (s->r_gnorm < 1e-7)
            mlm_converged(in, 1, "The gradient has vanished (below 1e-7): the kinks and slopes "
                          "have settled, loss %.3g.", s->r_loss);
    }
    }
    mlm_series_push(&s->loss_hist, (double)k, neu_loss(in, s));
}

/* ---- draw ---- */

/* The relusum drawing: each hinge as two segments over [lo, hi], the line, and the sum as the
   exact polyline through its kinks. Returns how many points the sum has. */
static int neu_draw_hinges(neu_state *s, double lo, double hi) {
    int K = s->K;
    for (int k = 0; k < K; k++) {
        float *g = s->hseg + 8 * k;
        double t = mlm_clamp(s->t[k], lo, hi); /* where the hinge leaves zero, within the view */
        g[0] = neu_f(lo), g[1] = 0, g[2] = neu_f(t), g[3] = 0;
        g[4] = neu_f(t), g[5] = neu_f(s->c[k] * (t > s->t[k] ? t - s->t[k] : 0.0));
        g[6] = neu_f(hi), g[7] = neu_f(s->c[k] * (hi > s->t[k] ? hi - s->t[k] : 0.0));
    }
    s->hline[0] = neu_f(lo), s->hline[1] = neu_f(s->hb + s->hm * lo);
    s->hline[2] = neu_f(hi), s->hline[3] = neu_f(s->hb + s->hm * hi);
    /* kinks inside (lo, hi), sorted (insertion sort: K <= 12) */
    double xs[NEU_HMAX + 2];
    int n = 0;
    xs[n++] = lo;
    for (int k = 0; k < K; k++) {
        if (!(s->t[k] > lo && s->t[k] < hi)) continue;
        int i = n++;
        while (i > 1 && xs[i - 1] > s->t[k]) xs[i] = xs[i - 1], i--;
        xs[i] = s->t[k];
    }
    xs[n++] = hi;
    for (int i = 0; i < n; i++) {
        s->hsum[2 * i] = neu_f(xs[i]);
        s->hsum[2 * i + 1] = neu_f(neu_relu_sum(s->hb, s->hm, s->c, s->t, K, xs[i]));
    }
    for (int k = 0; k < K; k++) {
        s->kinks[2 * k] = neu_f(s->t[k]);
        s->kinks[2 * k + 1] = neu_f(neu_relu_sum(s->hb, s->hm, s->c, s->t, K, s->t[k]));
    }
    return n;
}

static void neu_draw(mlm_instance *in, void *self) {
    const neu_desc *d = in->desc;
    neu_state *s = self;
    mlm_view_state *v = in->views;
    static const int scene_of_panel[NEU_N_PANELS] = {[P_ACT] = NEU_SCENE_ACT,
                                                     [P_FIT] = NEU_SCENE_ACT,
                                                     [P_HEAT] = NEU_SCENE_2D,
                                                     [P_HINGE] = NEU_SCENE_RELU,
                                                     [P_LOSS] = -1};
    for (int p = 0; p < NEU_N_PANELS; p++)
        in->panels[p].hidden = scene_of_panel[p] >= 0 && scene_of_panel[p] != d->scene;
    int act = d->scene == NEU_SCENE_ACT, two = d->scene == NEU_SCENE_2D;
    v[V_S_W].hidden = v[V_S_B].hidden = v[V_S_DF].hidden = !act;
    v[V_S_ACC].hidden = !two;
    v[V_S_GRAD].hidden = act;
    mlm_series_view(in, V_LOSS, &s->loss_hist);
    v[V_S_LOSS].value = neu_f(neu_loss(in, s));

    if (act) {
        double leaky = s->net.leaky;
        /* the z range covers [-6, 6] and every sample's z, so the marks stay on the plot */
        double zmax = 6;
        for (int n = 0; n < NEU_AN; n++) zmax = fmax(zmax, 1.05 * fabs(s->w * s->ax[n] + s->bias));
        zmax = fmin(zmax, 1e6);
        for (int i = 0; i < NEU_CURVE; i++) {
            double z = -zmax + 2 * zmax * i / (NEU_CURVE - 1);
            double a = mlp_activation(d->act, z, leaky);
            s->curve_f[2 * i] = s->curve_df[2 * i] = neu_f(z);
            s->curve_f[2 * i + 1] = neu_f(a);
            s->curve_df[2 * i + 1] = neu_f(mlp_activation_grad(d->act, z, a, leaky));
        }
        for (int n = 0; n < NEU_AN; n++) {
            double z = s->w * s->ax[n] + s->bias, a = mlp_activation(d->act, z, leaky);
            s->pts_f[3 * n] = s->pts_df[3 * n] = neu_f(z);
            s->pts_f[3 * n + 1] = neu_f(a);
            s->pts_df[3 * n + 1] = neu_f(mlp_activation_grad(d->act, z, a, leaky));
            s->pts_f[3 * n + 2] = s->pts_df[3 * n + 2] = 0;
            s->samples[3 * n] = neu_f(s->ax[n]), s->samples[3 * n + 1] = neu_f(s->ay[n]);
            s->samples[3 * n + 2] = 0;
        }
        double xr = NEU_AX + 0.5;
        for (int i = 0; i < NEU_CURVE; i++) {
            double x = -xr + 2 * xr * i / (NEU_CURVE - 1);
            s->fit[2 * i] = s->target[2 * i] = neu_f(x);
            s->fit[2 * i + 1] = neu_f(mlp_activation(d->act, s->w * x + s->bias, leaky));
            s->target[2 * i + 1] = neu_f(mlp_activation(d->act, NEU_TW * x + NEU_TB, leaky));
        }
        v[V_F].data = s->curve_f, v[V_F].count = NEU_CURVE;
        v[V_DF].data = s->curve_df, v[V_DF].count = NEU_CURVE;
        v[V_FPTS].data = s->pts_f, v[V_FPTS].count = NEU_AN;
        v[V_DFPTS].data = s->pts_df, v[V_DFPTS].count = NEU_AN;
        v[V_TARGET].data = s->target, v[V_TARGET].count = NEU_CURVE;
        v[V_SAMPLES].data = s->samples, v[V_SAMPLES].count = NEU_AN;
        v[V_NEURON].data = s->fit, v[V_NEURON].count = NEU_CURVE;
        /* y ranges that show each function's interesting part */
        float ylo = -1.5f, yhi = 3.0f, flo = -1.5f, fhi = 5.5f;
        if (d->act == MLP_SIGMOID) ylo = -0.15f, yhi = 1.15f, flo = -0.25f, fhi = 1.25f;
        if (d->act == MLP_TANH) ylo = flo = -1.25f, yhi = fhi = 1.25f;
        if (d->act == MLP_IDENTITY) ylo = -3, yhi = 3, flo = -4, fhi = 5;
        in->panels[P_ACT] = (mlm_panel_state){(float)-zmax, (float)zmax, ylo, yhi, 0};
        in->panels[P_FIT] = (mlm_panel_state){(float)-xr, (float)xr, flo, fhi, 0};
        v[V_S_W].value = neu_f(s->w), v[V_S_B].value = neu_f(s->bias);
        v[V_S_DF].value = neu_f(s->a_mean_df);
    } else if (two) {
        double w1 = s->net.W[1][0], w2 = s->net.W[1][1], b = s->net.b[1][0];
        if (!(w1 == s->field_wb[0] && w2 == s->field_wb[1] && b == s->field_wb[2])) {
            mlp_grid_desc g = {.x0 = -NEU_BOX, .x1 = NEU_BOX, .y0 = -NEU_BOX, .y1 = NEU_BOX,
                               .w = NEU_GRID, .h = NEU_GRID, .out = s->field};
            mlp_grid(&s->net, &g);
            /* centre the colours on a = 1/2, the neuron's boundary between the classes */
            for (int i = 0; i < NEU_GRID * NEU_GRID; i++) s->field[i] -= 0.5f;
            s->field_wb[0] = w1, s->field_wb[1] = w2, s->field_wb[2] = b;
            /* The version is a hash of the weights, not a counter: a fresh run (a moved slider)
               must never reuse the number of a field the renderer has cached from the last. */
            uint32_t h = 2166136261u;
            const unsigned char *bytes = (const unsigned char *)s->field_wb;
            for (size_t i = 0; i < sizeof s->field_wb; i++) h = (h ^ bytes[i]) * 16777619u;
            s->field_version = h | 1u;
        }
        mlm_view_state *fv = &v[V_FIELD];
        fv->data = s->field, fv->w = fv->h = NEU_GRID, fv->version = s->field_version;
        fv->x0 = fv->y0 = (float)-NEU_BOX, fv->x1 = fv->y1 = (float)NEU_BOX;
        fv->lo = -0.5f, fv->hi = 0.5f;
        v[V_DATA].data = s->dpts, v[V_DATA].count = NEU_DN;
        double nw = sqrt(w1 * w1 + w2 * w2);
        if (nw > 1e-9) {
            /* the line's point nearest the origin, -b w / |w|², and its direction (-w2, w1) */
            double px = -b * w1 / (nw * nw), py = -b * w2 / (nw * nw), ux = -w2 / nw, uy = w1 / nw;
            double far = fabs(px) + fabs(py) + 3 * NEU_BOX; /* past the box either way */
            s->line[0] = neu_f(px - far * ux), s->line[1] = neu_f(py - far * uy);
            s->line[2] = neu_f(px + far * ux), s->line[3] = neu_f(py + far * uy);
            double len = fmin(nw, NEU_ARROW_MAX) / nw;
            s->arrow[0] = s->arrow[1] = 0;
            s->arrow[2] = neu_f(w1 * len), s->arrow[3] = neu_f(w2 * len);
        }
        v[V_LINE].data = s->line, v[V_LINE].count = nw > 1e-9;
        v[V_ARROW].data = s->arrow, v[V_ARROW].count = nw > 1e-9;
        snprintf(s->note, NEU_TEXT, "w = (%.2f, %.2f), b = %.2f", w1 + 0.0, w2 + 0.0, b + 0.0);
        v[V_NOTE].text = s->note;
        in->panels[P_HEAT] =
            (mlm_panel_state){(float)-NEU_BOX, (float)NEU_BOX, (float)-NEU_BOX, (float)NEU_BOX, 0};
        v[V_S_ACC].value = neu_f(s->d_acc);
        v[V_S_GRAD].value = neu_f(s->d_gnorm);
    } else {
        double lo = -NEU_RX - 0.3, hi = NEU_RX + 0.3;
        int n = neu_draw_hinges(s, lo, hi);
        for (int i = 0; i < NEU_CURVE; i++) {
            double x = lo + (hi - lo) * i / (NEU_CURVE - 1);
            s->rtarget[2 * i] = neu_f(x);
            s->rtarget[2 * i + 1] = neu_f(neu_relu_target(d->target, x));
        }
        v[V_RTARGET].data = s->rtarget, v[V_RTARGET].count = NEU_CURVE;
        v[V_HINGES].data = s->hseg, v[V_HINGES].count = 2 * s->K;
        v[V_HLINE].data = s->hline, v[V_HLINE].count = 1;
        v[V_HSUM].data = s->hsum, v[V_HSUM].count = n;
        v[V_KINKS].data = s->kinks, v[V_KINKS].count = s->K;
        in->panels[P_HINGE] = (mlm_panel_state){(float)lo, (float)hi, -2.2f, 2.2f, 0};
        v[V_S_GRAD].value = neu_f(s->r_gnorm);
    }
}

const mlm_module mlm_module_neurons = {
    .name = "neurons",
    .title = "Neurons and activation functions",
    .params = neu_params,
    .n_params = MLM_COUNT(neu_params),
    .desc_size = sizeof(neu_desc),
    .panels = neu_panels,
    .n_panels = NEU_N_PANELS,
    .views = neu_views,
    .n_views = NEU_N_VIEWS,
    .state_bytes = NEU_STATE_BYTES,
    .const_bytes = NEU_CONST_BYTES,
    .speed = 30,
    .t_max = 50000,
    .random = 1,
    .create = neu_create,
    .step = neu_step,
    .draw = neu_draw,
};
