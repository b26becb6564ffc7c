/* backpropagation.c: the engine of chapter 15, "Backpropagation, step by step". One module
 * serves the chapter's two kinds of widget, chosen by the `scene` parameter:
 *
 *   walk       a small network (2-1-1-1, 2-2-1, 2-3-1 or 2-2-2-1) learning a four-point dataset
 *              (XOR, OR or AND) one example at a time, drawn as a diagram that advances one
 *              micro-step per step: the forward pass one unit at a time (its z, then its a), the
 *              loss, the backward pass one unit at a time (its δ = ∂L/∂z and the gradients of
 *              the edges into it, with the chain-rule product written out), then the update of
 *              every weight, then the next example;
 *   landscape  the same training one epoch per step, drawn as a slice of the loss over two
 *              chosen weights with every other parameter held at its current value, the path of
 *              those two weights, and the loss against the update.
 *
 * The numbers are the shared network's (engine/core/mlp.c). At the first micro-step of an
 * example one call of mlp_forward (batch of one row) and one of mlp_backward fill every z, a,
 * dz, da, dW and db; the walk then reveals them in the order a hand calculation would produce
 * them, and writes each chain-rule product from those same numbers (the test checks that the
 * factors shown multiply to the gradient shown, and that every gradient matches central finite
 * differences of the loss).
 *
 * Shapes (doubles unless said):
 *   L   layers of units, input and output included (3 or 4); n_l units in layer l
 *   N   examples, BP_N = 4: x (N, 2) in {-1, 1}², y (N, 1) in {0, 1}
 *   P   parameters of the network (7 to 15), laid out as mlp.h says: W_1, b_1, W_2, b_2, ...
 *   V   nodes of the diagram: every unit, inputs included, then the loss (<= BP_MAXV)
 *   E   edges of the diagram: every weight, then the link from the output to the loss
 *   G   side of the landscape's grid (BP_GRID); H points a history holds (BP_HIST)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"

#define BP_N 4           /* examples: the four corners of the square */
#define BP_MAXL 4        /* layers of units in the deepest architecture */
#define BP_MAXV 9        /* nodes: 2-2-2-1 has 7 units, 2-3-1 has 6; plus the loss */
#define BP_MAXE 11       /* edges: 2-2-2-1 has 10 weights; plus the link to the loss */
#define BP_MAXP 16       /* parameters: 2-2-2-1 has 15 */
#define BP_MAXSEQ 12     /* micro-steps per example: 2 * 5 units + loss + update */
#define BP_GRID 40       /* side of the landscape grid: 6400 forward passes per redraw (about a millisecond) */
#define BP_PLANE 32     /* side of the grid of the network's output over the inputs */
#define BP_PLANE_LIM 1.6 /* ... drawn over [-LIM, LIM]² */
#define BP_HIST 512
#define BP_TEXT 256
#define BP_LINES 4       /* lines of the walk's chain-rule readout */
#define BP_RING 33       /* points of the ring around the unit being computed */
#define BP_LABELS 1024   /* bytes of label text per labels view */
#define BP_WMAX 1e6      /* a weight beyond this means the run has blown up */

/* The diagram's layout, in its own data units. */
#define BP_DX 2.2        /* between layers */
#define BP_DY 1.0        /* between units of a layer */
#define BP_LOSS_DX 1.3   /* from the output to the loss node */
#define BP_LAB_DY 0.40   /* a unit's z/δ label above it, its a below */
#define BP_EDGE_T 0.4    /* an edge's label sits this far along it from its source: there the
                            labels of every architecture are at least 0.2 apart vertically (the
                            crossing edges of a 2-2 layer meet at 0.5), and a short label
                            clears both nodes even on a phone-wide diagram */

enum { BP_SCENE_WALK, BP_SCENE_LANDSCAPE };
enum { BP_ARCH_CHAIN, BP_ARCH_SMALL, BP_ARCH_WIDE, BP_ARCH_DEEP, BP_ARCH_COUNT };
enum { BP_DATA_XOR, BP_DATA_OR, BP_DATA_AND };
enum { BP_OUT_BCE, BP_OUT_MSE };
enum { BP_FWD, BP_LOSS, BP_BWD, BP_UPDATE };                /* kinds of micro-step */
enum { BP_W_H1X1, BP_W_H1X2, BP_W_H2X1, BP_W_H2X2, BP_W_H1B, BP_W_Y1, BP_W_Y2, BP_W_YB };

typedef struct {
    int scene; /* BP_SCENE_*; default walk */
    int arch;  /* BP_ARCH_*; default 2-2-1 */
    int act;   /* hidden activation, mlp_act; default tanh */
    int out;   /* BP_OUT_*: sigmoid + cross-entropy, or linear + squared error; default the first */
    int data;  /* BP_DATA_*; default XOR */
    double lr; /* SGD learning rate η; default 0.2 */
    int wa;    /* the landscape's first weight (x axis), BP_W_*; default x₁ → h₁ */
    int wb;    /* its second weight (y axis); default x₂ → h₁ */
} bp_desc;

static const int bp_arch_L[BP_ARCH_COUNT] = {4, 3, 3, 4};
static const int bp_arch_sizes[BP_ARCH_COUNT][BP_MAXL] = {{2, 1, 1, 1}, {2, 2, 1}, {2, 3, 1}, {2, 2, 2, 1}};

/* The four corners, and the three labellings of them. */
static const double bp_x[BP_N * 2] = {-1, -1, -1, 1, 1, -1, 1, 1}; /* (N, 2) */
static const double bp_y[3][BP_N] = {{0, 1, 1, 0}, {0, 1, 1, 1}, {0, 0, 0, 1}};

/* One micro-step of the walk: what it computes, and for which unit (layer l, unit j). */
typedef struct {
    int kind, l, j;
} bp_micro;

/* The numbers of the micro-step just taken, in the order the readout writes them. Every field is
   read from the network's forward/backward buffers; the products are the chain rule. */
typedef struct {
    int kind, l, j;     /* the micro-step (kind -1: none taken yet in this example) */
    int n_in;           /* FWD: inputs of the unit */
    double b, w[BP_MAXL], ain[BP_MAXL]; /* FWD: bias, weights in, inputs in (n_in each) */
    double z, a;        /* FWD: pre-activation and activation; LOSS/BWD of the output: a = ŷ */
    double y, loss;     /* LOSS, BWD of the output: target and this example's loss */
    int n_out;          /* BWD hidden: edges out of the unit */
    double wout[BP_MAXL], dout[BP_MAXL]; /* their weights and the δ of the units they feed */
    double da;          /* BWD: ∂L/∂a = Σ wout δout (hidden) */
    double fprime;      /* BWD: f'(z) (hidden) */
    double delta;       /* BWD: δ = ∂L/∂z = ∂L/∂a f'(z), or a - y at the output */
    double in0, grad0;  /* BWD: the first edge in: its input and ∂L/∂w = δ · input */
    int p0;             /* BWD: that edge's index in the parameters; UPDATE: the first weight's */
    double before, after; /* UPDATE: that parameter before and after */
} bp_terms;

typedef struct {
    mlp net;
    int L, P;
    const double *y;       /* (N,) the targets, one of bp_y */
    int ia, ib;            /* the landscape's two parameters, indices into net.params */
    int same;              /* 1: wa and wb named the same parameter, so ib was moved on */

    /* the walk */
    bp_micro seq[BP_MAXSEQ]; /* (K,) the micro-steps of one example */
    int K;                 /* micro-steps per example: forward units + loss + backward units + 1 */
    int k;                 /* micro-steps of the current example taken, 0..K */
    int ex;                /* the current example */
    int fwd_at[BP_MAXL][4], bwd_at[BP_MAXL][4]; /* where unit (l, j) comes in seq */
    int loss_at;
    double ex_loss;        /* the current example's loss before its update */
    double ex_after;       /* ... and after it */
    double before[BP_MAXP]; /* (P,) the parameters before the last update */

    /* training record */
    int64_t updates;       /* SGD updates so far */
    double loss;           /* the mean loss over the N examples now */
    double box;            /* the landscape shows [-box, box]²; it only grows */
    mlm_series hist;       /* (H, 2) (update, mean loss) */
    mlm_series trail;      /* (H, 2) (w_a, w_b) after each update */

    /* drawing, written by draw */
    float vx[BP_MAXV], vy[BP_MAXV]; /* (V,) node positions */
    int V, E;
    int e_l[BP_MAXE], e_o[BP_MAXE], e_i[BP_MAXE]; /* (E,) layer, unit, input of each weight */
    float nodes[3 * BP_MAXV];    /* (V, 3) */
    float edges[5 * BP_MAXE];    /* (E, 5) */
    float active[4 * BP_MAXE];   /* (E, 4) the edges the current micro-step reads or writes */
    int n_active;
    float ring[2 * BP_RING];     /* (BP_RING, 2) */
    float nlab_xy[2 * 3 * BP_MAXV]; /* (3V, 2) name, above, below */
    char nlab[BP_LABELS];
    float elab_xy[2 * BP_MAXE];  /* (E, 2) */
    char elab[BP_LABELS];
    char text[BP_LINES][BP_TEXT];
    float field[BP_GRID * BP_GRID]; /* (G, G) the loss slice, row 0 at w_b = -box */
    int64_t field_at;      /* the update count the field was computed at; -1: never */
    uint32_t field_version;
    float smin[2];         /* (1, 2) the slice's lowest grid point */
    char stext[BP_TEXT];
    float plane[BP_PLANE * BP_PLANE]; /* (PG, PG) the network's output over the inputs */
    float pts[3 * BP_N];   /* (N, 3) the examples (x₁, x₂, target) */
    float link[4];         /* (1, 4) the output's link to the loss node */
} bp_state;

static const mlm_param bp_params[] = {
    {"scene", "Scene", MLM_CHOICE, offsetof(bp_desc, scene), 0, 1, 1, 0, 0,
     "walk:Step through the passes|landscape:Loss landscape slice",
     "the diagram stepping one unit at a time, or a slice of the loss over two weights"},
    {"arch", "Network", MLM_CHOICE, offsetof(bp_desc, arch), 0, 3, 1, BP_ARCH_SMALL, 0,
     "chain:2-1-1-1 (a chain)|small:2-2-1|wide:2-3-1|deep:2-2-2-1",
     "units per layer, inputs first: a chain of single neurons, one hidden layer, or two"},
    {"act", "Hidden activation", MLM_CHOICE, offsetof(bp_desc, act), 0, MLP_ACT_COUNT - 1, 1,
     MLP_TANH, 0, MLP_ACT_CHOICES, "the function f each hidden unit applies to its weighted sum"},
    {"out", "Output and loss", MLM_CHOICE, offsetof(bp_desc, out), 0, 1, 1, BP_OUT_BCE, 0,
     "bce:Sigmoid, cross-entropy|mse:Linear, squared error",
     "the output unit and its loss; either way δ at the output is a − y"},
    {"data", "Data", MLM_CHOICE, offsetof(bp_desc, data), 0, 2, 1, BP_DATA_XOR, 0,
     "xor:XOR|or:OR|and:AND",
     "the targets of the four corners (±1, ±1): XOR needs a hidden layer, OR and AND do not"},
    {"lr", "Learning rate η", MLM_FLOAT, offsetof(bp_desc, lr), 0.01, 5, 0, 0.2, 1, NULL,
     "step size of each update w ← w − η ∂L/∂w, taken after every example"},
    {"wa", "Weight a (x axis)", MLM_CHOICE, offsetof(bp_desc, wa), 0, 7, 1, BP_W_H1X1, 0,
     "h1x1:x₁ → h₁|h1x2:x₂ → h₁|h2x1:x₁ → h₂|h2x2:x₂ → h₂|h1b:bias of h₁|y1:1st input → ŷ|"
     "y2:2nd input → ŷ|yb:bias of ŷ",
     "the landscape's first weight (a 2-1-1-1 chain has no h₂, and its ŷ one input: the first)"},
    {"wb", "Weight b (y axis)", MLM_CHOICE, offsetof(bp_desc, wb), 0, 7, 1, BP_W_H1X2, 0,
     "h1x1:x₁ → h₁|h1x2:x₂ → h₁|h2x1:x₁ → h₂|h2x2:x₂ → h₂|h1b:bias of h₁|y1:1st input → ŷ|"
     "y2:2nd input → ŷ|yb:bias of ŷ",
     "the landscape's second weight"},
};

enum { P_NET, P_SLICE, P_PLANE, P_LOSS, BP_N_PANELS };

static const mlm_panel bp_panels[] = {
    [P_NET] = {"net", "", NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
    [P_SLICE] = {"slice", "Loss over weights a, b (rest held)", "weight a", "weight b",
                 MLM_PANEL_EQUAL, NULL},
    [P_PLANE] = {"plane", "Output over the inputs", "x₁", "x₂", MLM_PANEL_EQUAL, NULL},
    [P_LOSS] = {"loss", "Mean loss, 4 examples", "update", "loss",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_EDGES, V_LINK, V_ACTIVE, V_RING, V_NODES, V_NLAB, V_ELAB, V_T0,
    V_FIELD = V_T0 + BP_LINES, V_TRAIL, V_SMIN, V_STEXT, V_OUTPUT, V_DATA,
    V_HIST, V_UPDATES, V_EPOCH, V_LOSSNOW, BP_N_VIEWS
};

static const mlm_view bp_views[] = {
    [V_EDGES] = {"edges", "net", MLM_VIEW_EDGES, "weights", 0, 0},
    [V_LINK] = {"link", "net", MLM_VIEW_SEGMENTS, "to the loss", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_ACTIVE] = {"active", "net", MLM_VIEW_SEGMENTS, "edges in use", 7, 0},
    [V_RING] = {"ring", "net", MLM_VIEW_CURVE, "unit being computed", 7, 0},
    [V_NODES] = {"nodes", "net", MLM_VIEW_NODES, "units", 0, 0},
    [V_NLAB] = {"unit_labels", "net", MLM_VIEW_LABELS, "unit values", 0, 0},
    [V_ELAB] = {"edge_labels", "net", MLM_VIEW_LABELS, "edge values", 0, 0},
    [V_T0 + 0] = {"line1", "net", MLM_VIEW_TEXT, "", 0, 0},
    [V_T0 + 1] = {"line2", "net", MLM_VIEW_TEXT, "", 0, 0},
    [V_T0 + 2] = {"line3", "net", MLM_VIEW_TEXT, "", 0, 0},
    [V_T0 + 3] = {"line4", "net", MLM_VIEW_TEXT, "", 0, 0},
    [V_FIELD] = {"slice", "slice", MLM_VIEW_FIELD, "loss", 0,
                 MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR | MLM_FIELD_LOG_LEVELS},
    [V_TRAIL] = {"path", "slice", MLM_VIEW_TRAIL, "(a, b) during training", 6, 0},
    [V_SMIN] = {"slice_min", "slice", MLM_VIEW_MARKERS, "lowest point of this slice", 0, 0},
    [V_STEXT] = {"slice_text", "slice", MLM_VIEW_TEXT, "", 0, 0},
    [V_OUTPUT] = {"output", "plane", MLM_VIEW_FIELD, "output", 0, MLM_FIELD_HEATMAP | MLM_FIELD_CONTOUR},
    [V_DATA] = {"examples", "plane", MLM_VIEW_POINTS, "examples (colour: target)", 6, 0},
    [V_HIST] = {"loss_curve", "loss", MLM_VIEW_CURVE, "mean loss", 5, 0},
    [V_UPDATES] = {"updates", NULL, MLM_VIEW_SCALAR, "update", 0, MLM_SCALAR_INT},
    [V_EPOCH] = {"epoch", NULL, MLM_VIEW_SCALAR, "epoch", 0, MLM_SCALAR_INT},
    [V_LOSSNOW] = {"loss_now", NULL, MLM_VIEW_SCALAR, "loss", 0, 0},
};

_Static_assert(MLM_COUNT(bp_views) == BP_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(bp_panels) == BP_N_PANELS, "one declaration per panel");

/* ---- the network's parameters by name ---- */

/* Index into net->params of the weight a CHOICE names, for this architecture. A unit the
   architecture lacks (h₂ of the chain, the chain's second input to ŷ) falls back to unit 1. */
static int bp_param_index(const mlp *net, int which) {
    int L = net->L, I = net->sizes[0], two = net->sizes[1] > 1;
    int top = L - 1, below = net->sizes[L - 2];
    ptrdiff_t W1 = net->W[1] - net->params, b1 = net->b[1] - net->params;
    ptrdiff_t WL = net->W[top] - net->params, bL = net->b[top] - net->params;
    switch (which) {
    case BP_W_H1X1: return (int)W1;
    case BP_W_H1X2: return (int)W1 + 1;
    case BP_W_H2X1: return (int)W1 + (two ? I : 0);
    case BP_W_H2X2: return (int)W1 + (two ? I : 0) + 1;
    case BP_W_H1B: return (int)b1;
    case BP_W_Y1: return (int)WL;
    case BP_W_Y2: return (int)WL + (below > 1 ? 1 : 0);
    default: return (int)bL;
    }
}

/* ---- names and numbers in the readouts ---- */

static const char *const bp_sub[] = {"₁", "₂", "₃", "₄"};

/* The name of unit j of layer l: x₁ x₂ for inputs, h for the first hidden layer, g for the
   second, ŷ for the output. */
static void bp_unit_name(char *buf, size_t n, int L, int l, int j) {
    if (l == L - 1) snprintf(buf, n, "ŷ");
    else snprintf(buf, n, "%s%s", l == 0 ? "x" : l == 1 ? "h" : "g", bp_sub[j & 3]);
}

/* A number to three significant figures with a typographic minus (and no "-0"). */
static void bp_num(char *buf, size_t n, double v) {
    if (fabs(v) < 5e-13) v = 0;
    if (v < 0) snprintf(buf, n, "−%.3g", -v);
    else snprintf(buf, n, "%.3g", v);
}

/* Two significant figures: the short labels on the diagram's edges. */
static void bp_short(char *buf, size_t n, double v) {
    if (fabs(v) < 5e-13) v = 0;
    if (v < 0) snprintf(buf, n, "−%.2g", -v);
    else snprintf(buf, n, "%.2g", v);
}

/* The same, in parentheses when negative: a factor in a product. */
static void bp_factor(char *buf, size_t n, double v) {
    char t[24];
    bp_num(t, sizeof t, v);
    if (v < 0 && fabs(v) >= 5e-13) snprintf(buf, n, "(%s)", t);
    else snprintf(buf, n, "%s", t);
}

static const char *bp_act_name(int act) {
    static const char *const f[] = {"z", "σ(z)", "tanh(z)", "max(0, z)", "leaky(z)"};
    return f[act >= 0 && act < MLP_ACT_COUNT ? act : 0];
}

static const char *bp_act_short(int act) {
    static const char *const f[] = {"nothing (linear)", "σ", "tanh", "ReLU", "leaky ReLU"};
    return f[act >= 0 && act < MLP_ACT_COUNT ? act : 0];
}

static const char *bp_act_prime(int act) {
    static const char *const f[] = {"1", "σ′(z)", "tanh′(z)", "ReLU′(z)", "leaky′(z)"};
    return f[act >= 0 && act < MLP_ACT_COUNT ? act : 0];
}

/* ---- the loss, evaluated without touching the network's training buffers ---- */

//> loss_at
/* The mean loss over the N examples for the parameters of `net`: each example's last hidden
   layer through mlp_predict_units, then the output unit's z summed in dense_forward's order
   (bias first) and the loss written as mlp.c writes it, so at the network's own parameters this
   is mlp_evaluate's loss to the last bit. The walk cannot call mlp_evaluate: it would overwrite
   the forward values the diagram is showing. */
static double bp_loss_at(const mlp *net, const double *y /* (N,) */, int out) {
    int L = net->L, H = net->sizes[L - 2];
    int first = mlp_unit_index(net, L - 2, 0);
    double units[MLP_MAX_UNITS], o[1], sum = 0;
    for (int e = 0; e < BP_N; e++) {
        mlp_predict_units(net, bp_x + 2 * e, o, units);
        double z = net->b[L - 1][0];
        for (int i = 0; i < H; i++) z += net->W[L - 1][i] * units[first + i];
        if (out == BP_OUT_MSE) sum += 0.5 * (z - y[e]) * (z - y[e]);
        else sum += (z > 0 ? z : 0.0) + mlm_log1p(mlm_exp(-fabs(z))) - y[e] * z;
    }
    return sum / BP_N;
}
//< loss_at

/* A copy of `net` that reads its parameters from `params` (P,): the landscape moves two of them
   without writing the network being trained. */
static void bp_net_alias(mlp *dst, const mlp *src, double *params) {
    *dst = *src;
    dst->params = params;
    for (int l = 1; l < src->L; l++) {
        dst->W[l] = params + (src->W[l] - src->params);
        dst->b[l] = params + (src->b[l] - src->params);
    }
}

/* ---- create ---- */

/* The landscape's half-width: at least 3, and room for the weights with a margin. It only grows,
   so the picture never jumps back. */
static double bp_box_for(double box, double wa, double wb) {
    double m = fmax(fabs(wa), fabs(wb));
    if (m > 0.8 * box) box = ceil(1.3 * m);
    return box;
}

static void *bp_create(mlm_instance *in) {
    const bp_desc *d = in->desc;
    bp_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    s->L = bp_arch_L[d->arch];
    if (mlp_init(in, &s->net, bp_arch_sizes[d->arch], s->L, d->act,
                 d->out == BP_OUT_MSE ? MLP_MSE : MLP_BCE, BP_N))
        return NULL;
    if (mlm_series_init(in, &s->hist, BP_HIST) || mlm_series_init(in, &s->trail, BP_HIST)) return NULL;
    mlp *net = &s->net;
    s->P = net->n_params;
    s->y = bp_y[d->data];
    s->ia = bp_param_index(net, d->wa);
    s->ib = bp_param_index(net, d->wb);
    if (s->ib == s->ia) { /* one weight cannot span a plane: take the next parameter */
        s->ib = (s->ia + 1) % s->P;
        s->same = 1;
    }

    /* The micro-steps of one example: each unit forward, layer by layer, then the loss, then
       each unit backward from the output down, then one update of everything. */
    int K = 0;
    for (int l = 1; l < s->L; l++)
        for (int j = 0; j < net->sizes[l]; j++) {
            s->fwd_at[l][j] = K;
            s->seq[K++] = (bp_micro){BP_FWD, l, j};
        }
    s->loss_at = K;
    s->seq[K++] = (bp_micro){BP_LOSS, s->L - 1, 0};
    for (int l = s->L - 1; l >= 1; l--)
        for (int j = 0; j < net->sizes[l]; j++) {
            s->bwd_at[l][j] = K;
            s->seq[K++] = (bp_micro){BP_BWD, l, j};
        }
    s->seq[K++] = (bp_micro){BP_UPDATE, 0, 0};
    s->K = K;

    /* The diagram: layer l at x = l DX, its units centred on y = 0, the loss to the right. */
    int v = 0;
    for (int l = 0; l < s->L; l++)
        for (int j = 0; j < net->sizes[l]; j++, v++) {
            s->vx[v] = (float)(l * BP_DX);
            s->vy[v] = (float)((0.5 * (net->sizes[l] - 1) - j) * BP_DY);
        }
    s->vx[v] = (float)((s->L - 1) * BP_DX + BP_LOSS_DX);
    s->vy[v] = 0;
    s->V = v + 1;
    int e = 0;
    for (int l = 1; l < s->L; l++)
        for (int o = 0; o < net->sizes[l]; o++)
            for (int i = 0; i < net->sizes[l - 1]; i++, e++) s->e_l[e] = l, s->e_o[e] = o, s->e_i[e] = i;
    s->E = e;

    s->loss = bp_loss_at(net, s->y, d->out);
    s->box = bp_box_for(3, net->params[s->ia], net->params[s->ib]);
    s->field_at = -1;
    mlm_series_push(&s->hist, 0, s->loss);
    mlm_series_push(&s->trail, net->params[s->ia], net->params[s->ib]);
    return s;
}

/* Index of node (l, j) in the diagram. */
static int bp_node(const bp_state *s, int l, int j) {
    int v = 0;
    for (int k = 0; k < l; k++) v += s->net.sizes[k];
    return v + j;
}

/* ---- step ---- */

//> pass
/* The forward and backward pass of one example (a batch of one row): every z, a, δ and gradient
   the walk then reveals one unit at a time. */
static void bp_pass(bp_state *s) {
    mlp *net = &s->net;
    double y = s->y[s->ex];
    s->ex_loss = mlp_forward(net, bp_x + 2 * s->ex, &y, 1, NULL);
    mlp_backward(net);
}
//< pass

/* One SGD update from the gradients of the current example, then the record. Returns 0, or -1
   (having restored the parameters and reported it) if a weight blew up. */
static int bp_update(mlm_instance *in, bp_state *s) {
    const bp_desc *d = in->desc;
    mlp *net = &s->net;
    memcpy(s->before, net->params, sizeof(double) * (size_t)s->P);
    //> update
    mlp_sgd_step(net, d->lr); /* w <- w - η ∂L/∂w, every weight and bias at once */
    //< update
    double big = 0;
    for (int k = 0; k < s->P; k++) big = fmax(big, fabs(net->params[k]));
    if (!mlp_finite(net) || !(big < BP_WMAX)) {
        memcpy(net->params, s->before, sizeof(double) * (size_t)s->P);
        mlm_diverged(in, 1, "the weights blew up at update %lld: a learning rate of %g is too "
                     "large for this network (each update overshot and the next gradient was "
                     "larger still); try a smaller one", (long long)s->updates + 1, d->lr);
        return -1;
    }
    s->updates++;
    s->loss = bp_loss_at(net, s->y, d->out);
    mlm_series_push(&s->hist, (double)s->updates, s->loss);
    mlm_series_push(&s->trail, net->params[s->ia], net->params[s->ib]);
    s->box = bp_box_for(s->box, net->params[s->ia], net->params[s->ib]);
    return 0;
}

/* One micro-step of the walk. */
static void bp_step_walk(mlm_instance *in, bp_state *s) {
    if (s->k == s->K) { /* the last example is done: on to the next */
        s->k = 0;
        s->ex = (s->ex + 1) % BP_N;
    }
    if (s->k == 0) bp_pass(s);
    if (s->seq[s->k].kind == BP_UPDATE) {
        if (bp_update(in, s)) return;
        /* this example's loss after its own update: did the step help it? */
        double y = s->y[s->ex], o[1];
        mlp_predict(&s->net, bp_x + 2 * s->ex, o);
        if (((const bp_desc *)in->desc)->out == BP_OUT_MSE) s->ex_after = 0.5 * (o[0] - y) * (o[0] - y);
        else s->ex_after = -(y > 0.5 ? mlm_log(fmax(o[0], 1e-300)) : mlm_log(fmax(1 - o[0], 1e-300)));
    }
    s->k++;
}

/* One epoch: every example in turn, forward, backward, update. */
static void bp_step_landscape(mlm_instance *in, bp_state *s) {
    for (int e = 0; e < BP_N; e++) {
        s->ex = e;
        bp_pass(s);
        if (bp_update(in, s)) return;
    }
    s->ex = 0;
    s->k = 0;
}

static void bp_step(mlm_instance *in, void *self) {
    const bp_desc *d = in->desc;
    if (d->scene == BP_SCENE_LANDSCAPE) bp_step_landscape(in, self);
    else bp_step_walk(in, self);
}

/* ---- the chain rule of the current micro-step ---- */

//> chain_terms
/* The factors of the micro-step just taken, read from the buffers mlp_forward and mlp_backward
   filled (row 0: the batch is one example). For a hidden unit j of layer l,
     ∂L/∂a_j = Σ_k W[k, j] δ_k          over the units k of layer l+1 that j feeds
     δ_j     = ∂L/∂a_j f'(z_j)
     ∂L/∂W[j, i] = δ_j a_i               for each input i of unit j, and ∂L/∂b_j = δ_j;
   at the output δ = a − y, whatever the output function (see mlp.h). */
static bp_terms bp_chain(const bp_state *s, int act) {
    bp_terms t;
    memset(&t, 0, sizeof t);
    t.kind = -1;
    if (s->k == 0) return t;
    const mlp *net = &s->net;
    bp_micro m = s->seq[s->k - 1];
    int L = s->L, l = m.l, j = m.j;
    t.kind = m.kind, t.l = l, t.j = j;
    t.y = s->y[s->ex];
    t.loss = s->ex_loss;
    if (m.kind == BP_FWD) {
        int I = net->sizes[l - 1];
        t.n_in = I;
        t.b = net->b[l][j];
        for (int i = 0; i < I; i++) t.w[i] = net->W[l][j * I + i], t.ain[i] = net->a[l - 1][i];
        t.z = net->z[l][j];
        t.a = net->a[l][j];
    } else if (m.kind == BP_LOSS) {
        t.z = net->z[L - 1][0];
        t.a = net->a[L - 1][0];
    } else if (m.kind == BP_BWD) {
        int I = net->sizes[l - 1];
        t.z = net->z[l][j];
        t.a = net->a[l][j];
        t.delta = net->dz[l][j];
        if (l < L - 1) {
            int O = net->sizes[l + 1];
            t.n_out = O;
            for (int o = 0; o < O; o++) t.wout[o] = net->W[l + 1][o * net->sizes[l] + j], t.dout[o] = net->dz[l + 1][o];
            t.da = net->da[l][j];
            t.fprime = mlp_activation_grad(act, t.z, t.a, net->leaky);
        } else {
            t.da = net->da[l][j];
            t.fprime = 1;
        }
        t.in0 = net->a[l - 1][0];
        t.p0 = (int)(net->W[l] - net->params) + j * I;
        t.grad0 = net->dW[l][j * I];
    } else {
        t.p0 = (int)(net->W[1] - net->params);
        t.before = s->before[t.p0];
        t.after = net->params[t.p0];
        t.grad0 = net->grads[t.p0];
    }
    return t;
}
//< chain_terms

/* ---- draw ---- */

/* The four lines of the walk's readout. */
static void bp_describe(bp_state *s, const bp_desc *d) {
    char (*t)[BP_TEXT] = s->text;
    char a[32], b[32], c[32], e[32], nm[16], nm2[16];
    bp_terms m = bp_chain(s, d->act);
    int L = s->L;
    for (int k = 0; k < BP_LINES; k++) t[k][0] = 0;
    if (m.kind < 0) {
        int ex = s->k == 0 ? s->ex : (s->ex + 1) % BP_N;
        bp_num(a, sizeof a, bp_x[2 * ex]), bp_num(b, sizeof b, bp_x[2 * ex + 1]);
        snprintf(t[0], BP_TEXT, "Example %d of %d: x = (%s, %s), target y = %g", ex + 1, BP_N, a, b,
                 s->y[ex]);
        snprintf(t[1], BP_TEXT, "Step: the forward pass computes one unit at a time");
        return;
    }
    bp_unit_name(nm, sizeof nm, L, m.l, m.j);
    if (m.kind == BP_FWD) {
        int out = m.l == L - 1;
        snprintf(t[0], BP_TEXT, "Forward · %s: weighted sum of its inputs, then %s", nm,
                 out ? (d->out == BP_OUT_MSE ? "nothing (linear)" : "σ") : bp_act_short(d->act));
        size_t len = 0;
        bp_num(a, sizeof a, m.b);
        len += (size_t)snprintf(t[1] + len, BP_TEXT - len, "z = %s", a);
        for (int i = 0; i < m.n_in && len < BP_TEXT; i++) {
            bp_num(a, sizeof a, fabs(m.w[i]));
            bp_factor(b, sizeof b, m.ain[i]);
            len += (size_t)snprintf(t[1] + len, BP_TEXT - len, " %s %s·%s", m.w[i] < 0 ? "−" : "+", a, b);
        }
        bp_num(a, sizeof a, m.z);
        if (len < BP_TEXT) snprintf(t[1] + len, BP_TEXT - len, " = %s", a);
        bp_num(b, sizeof b, m.a);
        if (out) snprintf(t[2], BP_TEXT, "a = %s = %s", d->out == BP_OUT_MSE ? "z" : "σ(z)", b);
        else snprintf(t[2], BP_TEXT, "a = %s = %s", bp_act_name(d->act), b);
    } else if (m.kind == BP_LOSS) {
        snprintf(t[0], BP_TEXT, "Forward · the loss of this example (target y = %g)", m.y);
        bp_num(a, sizeof a, m.a), bp_num(c, sizeof c, m.loss);
        if (d->out == BP_OUT_MSE) {
            snprintf(t[1], BP_TEXT, "L = ½ (a − y)²");
            snprintf(t[2], BP_TEXT, "  = ½ (%s − %g)² = %s", a, m.y, c);
        } else {
            snprintf(t[1], BP_TEXT, "L = −y log a − (1 − y) log(1 − a)");
            if (m.y > 0.5) snprintf(t[2], BP_TEXT, "  = −log %s = %s", a, c);
            else snprintf(t[2], BP_TEXT, "  = −log(1 − %s) = %s", a, c);
        }
    } else if (m.kind == BP_BWD) {
        bp_unit_name(nm2, sizeof nm2, L, m.l - 1, 0);
        bp_num(c, sizeof c, m.delta);
        if (m.l == L - 1) {
            snprintf(t[0], BP_TEXT, "Backward · %s: δ = ∂L/∂z (edges now show ∂L/∂w)", nm);
            bp_num(a, sizeof a, m.a);
            snprintf(t[1], BP_TEXT, "δ = ∂L/∂a · %s = a − y = %s − %g = %s",
                     d->out == BP_OUT_MSE ? "1" : "σ′(z)", a, m.y, c);
        } else {
            snprintf(t[0], BP_TEXT, "Backward · %s: its blame sums over the edges out", nm);
            size_t len = (size_t)snprintf(t[1], BP_TEXT, "∂L/∂a = Σ w·δ =");
            for (int o = 0; o < m.n_out && len < BP_TEXT; o++) {
                bp_num(a, sizeof a, m.wout[o]);
                bp_factor(b, sizeof b, m.dout[o]);
                len += (size_t)snprintf(t[1] + len, BP_TEXT - len, "%s %s·%s", o ? " +" : "", a, b);
            }
            bp_num(a, sizeof a, m.da);
            if (len < BP_TEXT) snprintf(t[1] + len, BP_TEXT - len, " = %s", a);
            bp_factor(b, sizeof b, m.fprime);
            snprintf(t[2], BP_TEXT, "δ = ∂L/∂a · %s = %s × %s = %s", bp_act_prime(d->act), a, b, c);
        }
        bp_factor(a, sizeof a, m.in0);
        bp_num(e, sizeof e, m.grad0);
        char sub[16];
        snprintf(sub, sizeof sub, "%s", m.l == 1 ? "x₁" : nm2);
        snprintf(t[3], BP_TEXT, "∂L/∂w(%s→%s) = δ·%s = %s × %s = %s;  ∂L/∂b = δ", sub, nm, sub, c, a, e);
    } else {
        snprintf(t[0], BP_TEXT, "Update · w ← w − η ∂L/∂w, every weight and bias, η = %g", d->lr);
        bp_unit_name(nm, sizeof nm, L, 1, 0);
        bp_num(a, sizeof a, m.before), bp_factor(b, sizeof b, m.grad0), bp_num(c, sizeof c, m.after);
        snprintf(t[1], BP_TEXT, "e.g. w(x₁→%s) = %s − %g × %s = %s", nm, a, d->lr, b, c);
        bp_num(a, sizeof a, s->ex_loss), bp_num(b, sizeof b, s->ex_after);
        snprintf(t[2], BP_TEXT, "loss on this example: %s → %s", a, b);
        bp_num(a, sizeof a, s->loss);
        snprintf(t[3], BP_TEXT, "mean loss over all %d examples: %s", BP_N, a);
    }
}

/* Append one label (a line of `buf`) at (x, y). */
static void bp_label(float *xy, char *buf, int *n, size_t *len, float x, float y, const char *text) {
    xy[2 * *n] = x;
    xy[2 * *n + 1] = y;
    *len += (size_t)snprintf(buf + *len, BP_LABELS - *len, "%s%s", *n ? "\n" : "", text);
    if (*len >= BP_LABELS) *len = BP_LABELS - 1;
    (*n)++;
}

/* An ellipse around node v: the unit the current micro-step computes. */
static void bp_ring_at(bp_state *s, int v) {
    for (int k = 0; k < BP_RING; k++) {
        double t = 2 * 3.14159265358979323846 * k / (BP_RING - 1);
        s->ring[2 * k] = (float)(s->vx[v] + 0.38 * mlm_cos(t));
        s->ring[2 * k + 1] = (float)(s->vy[v] + 0.27 * mlm_sin(t));
    }
}

static void bp_segment(bp_state *s, int v0, int v1) {
    float *a = s->active + 4 * s->n_active++;
    a[0] = s->vx[v0], a[1] = s->vy[v0], a[2] = s->vx[v1], a[3] = s->vy[v1];
}

/* The diagram: units coloured by a (forward) or δ (backward), labels, the focus. */
static void bp_draw_net(mlm_instance *in, bp_state *s) {
    const bp_desc *d = in->desc;
    const mlp *net = &s->net;
    int L = s->L, walk = d->scene == BP_SCENE_WALK;
    int done = s->k;                            /* micro-steps of this example taken */
    int backward = walk && done > s->loss_at + 1;
    bp_micro cur = done > 0 ? s->seq[done - 1] : (bp_micro){-1, 0, 0};
    int loss_v = s->V - 1, out_v = bp_node(s, L - 1, 0);
    char num[32], lab[48], nm[16];

    /* panel range: the layers with a margin, and a band on top for the readout */
    int widest = 0;
    for (int l = 0; l < L; l++) widest = net->sizes[l] > widest ? net->sizes[l] : widest;
    float half = (float)(0.5 * (widest - 1) * BP_DY + 0.62);
    in->panels[P_NET] = (mlm_panel_state){-0.6f, s->vx[loss_v] + 0.6f, -half,
                                          half + (walk ? 2 * half / 3 + 0.5f : 0.4f), 0};

    /* edges: the weights (width |w|, colour by sign); labels: weights, or gradients once known */
    int n_el = 0, n_nl = 0;
    size_t el = 0, nl = 0;
    s->elab[0] = s->nlab[0] = 0;
    s->n_active = 0;
    for (int e = 0; e < s->E; e++) {
        int l = s->e_l[e], o = s->e_o[e], i = s->e_i[e], I = net->sizes[l - 1];
        int v0 = bp_node(s, l - 1, i), v1 = bp_node(s, l, o);
        double w = net->W[l][o * I + i];
        float *q = s->edges + 5 * e;
        q[0] = s->vx[v0], q[1] = s->vy[v0], q[2] = s->vx[v1], q[3] = s->vy[v1], q[4] = (float)w;
        float lx = (float)(q[0] + BP_EDGE_T * (q[2] - q[0])), ly = (float)(q[1] + BP_EDGE_T * (q[3] - q[1]));
        int p = (int)(net->W[l] - net->params) + o * I + i;
        lab[0] = 0;
        if (!walk) {
            if (p == s->ia || p == s->ib) {
                bp_num(num, sizeof num, w);
                snprintf(lab, sizeof lab, "%s = %s", p == s->ia ? "a" : "b", num);
                bp_segment(s, v0, v1);
            }
        } else if (backward && done > s->bwd_at[l][o]) {
            bp_short(lab, sizeof lab, net->dW[l][o * I + i]); /* ∂L/∂w, once known */
        }
        bp_label(s->elab_xy, s->elab, &n_el, &el, lx, ly, lab);
        /* the edges this micro-step reads (forward: into the unit; backward: out of it, and the
           edges into it whose gradients it writes) */
        if (walk && cur.kind == BP_FWD && l == cur.l && o == cur.j) bp_segment(s, v0, v1);
        if (walk && cur.kind == BP_BWD && ((l == cur.l && o == cur.j) || (l == cur.l + 1 && i == cur.j)))
            bp_segment(s, v0, v1);
        if (walk && cur.kind == BP_UPDATE) bp_segment(s, v0, v1);
    }
    if (walk && (cur.kind == BP_LOSS || (cur.kind == BP_BWD && cur.l == L - 1))) bp_segment(s, out_v, loss_v);

    /* nodes and their labels: the name inside, z or δ above, a below */
    for (int l = 0; l < L; l++)
        for (int j = 0; j < net->sizes[l]; j++) {
            int v = bp_node(s, l, j);
            int fwd = l == 0 || (walk && done > s->fwd_at[l][j]);
            int bwd = l > 0 && backward && done > s->bwd_at[l][j];
            double value = 0;
            if (walk && !backward && fwd) value = net->a[l][j];
            if (bwd) value = net->dz[l][j];
            if (l == 0 && !walk) value = 0;
            s->nodes[3 * v] = s->vx[v], s->nodes[3 * v + 1] = s->vy[v], s->nodes[3 * v + 2] = (float)value;
            bp_unit_name(nm, sizeof nm, L, l, j);
            bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[v], s->vy[v], nm);
            lab[0] = 0;
            if (walk && bwd) {
                bp_num(num, sizeof num, net->dz[l][j]);
                snprintf(lab, sizeof lab, "δ %s", num);
            } else if (walk && fwd && l > 0) {
                bp_num(num, sizeof num, net->z[l][j]);
                snprintf(lab, sizeof lab, "z %s", num);
            }
            bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[v], (float)(s->vy[v] + BP_LAB_DY), lab);
            lab[0] = 0;
            if (walk && fwd) {
                bp_num(num, sizeof num, l == 0 ? bp_x[2 * s->ex + j] : net->a[l][j]);
                snprintf(lab, sizeof lab, "%s%s", l == 0 ? "" : "a ", num);
            }
            bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[v], (float)(s->vy[v] - BP_LAB_DY), lab);
        }
    /* the loss node: target above, this example's loss below once computed */
    s->nodes[3 * loss_v] = s->vx[loss_v], s->nodes[3 * loss_v + 1] = s->vy[loss_v], s->nodes[3 * loss_v + 2] = 0;
    bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[loss_v], s->vy[loss_v], "L");
    lab[0] = 0;
    if (walk) snprintf(lab, sizeof lab, "y = %g", s->y[s->ex]);
    bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[loss_v], (float)(s->vy[loss_v] + BP_LAB_DY), lab);
    lab[0] = 0;
    if (walk && done > s->loss_at) {
        bp_num(num, sizeof num, s->ex_loss);
        snprintf(lab, sizeof lab, "%s", num);
    }
    bp_label(s->nlab_xy, s->nlab, &n_nl, &nl, s->vx[loss_v], (float)(s->vy[loss_v] - BP_LAB_DY), lab);

    mlm_view_state *vs = in->views;
    vs[V_EDGES].data = s->edges, vs[V_EDGES].count = s->E;
    vs[V_ACTIVE].data = s->active, vs[V_ACTIVE].count = s->n_active;
    s->link[0] = s->vx[out_v], s->link[1] = s->vy[out_v];
    s->link[2] = s->vx[loss_v], s->link[3] = s->vy[loss_v];
    vs[V_LINK].data = s->link, vs[V_LINK].count = 1;
    vs[V_NODES].data = s->nodes, vs[V_NODES].count = s->V;
    /* colour scale: activations on [-1, 1]; gradients fitted to their own size */
    vs[V_NODES].lo = backward ? 0.0f : -1.0f;
    vs[V_NODES].hi = backward ? 0.0f : 1.0f;
    vs[V_NLAB].data = s->nlab_xy, vs[V_NLAB].count = n_nl, vs[V_NLAB].text = s->nlab;
    vs[V_ELAB].data = s->elab_xy, vs[V_ELAB].count = n_el, vs[V_ELAB].text = s->elab;
    int ring_v = -1;
    if (walk && (cur.kind == BP_FWD || cur.kind == BP_BWD)) ring_v = bp_node(s, cur.l, cur.j);
    if (walk && cur.kind == BP_LOSS) ring_v = loss_v;
    if (ring_v >= 0) bp_ring_at(s, ring_v);
    vs[V_RING].data = s->ring, vs[V_RING].count = ring_v >= 0 ? BP_RING : 0;
}

//> slice
/* The loss over a G x G grid of (w_a, w_b), every other parameter where training has put it
   now: a copy of the parameters with two entries overwritten, evaluated by bp_loss_at. */
static void bp_slice(bp_state *s, int out) {
    double p[BP_MAXP];
    mlp loc;
    memcpy(p, s->net.params, sizeof(double) * (size_t)s->P);
    bp_net_alias(&loc, &s->net, p);
    double best = INFINITY, h = 2 * s->box / (BP_GRID - 1);
    for (int r = 0; r < BP_GRID; r++) {
        p[s->ib] = -s->box + r * h;
        for (int c = 0; c < BP_GRID; c++) {
            p[s->ia] = -s->box + c * h;
            double v = bp_loss_at(&loc, s->y, out);
            if (v < best) best = v, s->smin[0] = (float)p[s->ia], s->smin[1] = (float)p[s->ib];
            s->field[r * BP_GRID + c] = (float)fmin(v, 1e30); /* float range, even for a blown-up MSE */
        }
    }
}
//< slice

static void bp_draw_slice(mlm_instance *in, bp_state *s) {
    const bp_desc *d = in->desc;
    float B = (float)s->box;
    in->panels[P_SLICE] = (mlm_panel_state){-B, B, -B, B, 0};
    if (s->field_at != s->updates || s->field_version == 0) {
        bp_slice(s, d->out);
        mlp_grid_desc g = {-BP_PLANE_LIM, BP_PLANE_LIM, -BP_PLANE_LIM, BP_PLANE_LIM, BP_PLANE, BP_PLANE,
                           0, 0, s->plane, NULL, 0, 0};
        mlp_grid(&s->net, &g);
        s->field_at = s->updates;
        s->field_version++;
    }
    mlm_view_state *f = &in->views[V_FIELD];
    f->data = s->field;
    f->w = f->h = BP_GRID;
    f->count = BP_GRID * BP_GRID;
    f->x0 = f->y0 = -B;
    f->x1 = f->y1 = B;
    f->version = s->field_version;
    mlm_series_view(in, V_TRAIL, &s->trail);
    in->views[V_SMIN].data = s->smin;
    in->views[V_SMIN].count = 1;
    char a[32], b[32];
    bp_num(a, sizeof a, s->loss), bp_num(b, sizeof b, fmin(s->field[0], s->loss));
    float lo = s->field[0];
    for (int k = 1; k < BP_GRID * BP_GRID; k++) lo = fminf(lo, s->field[k]);
    bp_num(b, sizeof b, lo);
    snprintf(s->stext, BP_TEXT, "%shere %s · slice min %s (×)", s->same ? "b = next parameter · " : "", a, b);
    in->views[V_STEXT].text = s->stext;

    /* the network's output over the input plane, with the four examples */
    mlm_view_state *o = &in->views[V_OUTPUT];
    o->data = s->plane;
    o->w = o->h = BP_PLANE;
    o->count = BP_PLANE * BP_PLANE;
    o->x0 = o->y0 = (float)-BP_PLANE_LIM;
    o->x1 = o->y1 = (float)BP_PLANE_LIM;
    o->version = s->field_version;
    o->lo = 0, o->hi = d->out == BP_OUT_BCE ? 1.0f : 0.0f; /* probabilities on [0, 1] */
    for (int e = 0; e < BP_N; e++)
        s->pts[3 * e] = (float)bp_x[2 * e], s->pts[3 * e + 1] = (float)bp_x[2 * e + 1], s->pts[3 * e + 2] = (float)s->y[e];
    in->views[V_DATA].data = s->pts;
    in->views[V_DATA].count = BP_N;
    in->panels[P_PLANE] = (mlm_panel_state){(float)-BP_PLANE_LIM, (float)BP_PLANE_LIM, (float)-BP_PLANE_LIM,
                                            (float)BP_PLANE_LIM, 0};
}

static void bp_draw(mlm_instance *in, void *self) {
    bp_state *s = self;
    const bp_desc *d = in->desc;
    int walk = d->scene == BP_SCENE_WALK;
    bp_draw_net(in, s);
    if (walk) {
        bp_describe(s, d);
    } else {
        char na[48], nb[48], wa[32], wb[32];
        const mlm_param *pa = &bp_params[6];
        mlm_choice_label(pa, d->wa, na, sizeof na);
        mlm_choice_label(pa, d->wb, nb, sizeof nb);
        bp_num(wa, sizeof wa, s->net.params[s->ia]), bp_num(wb, sizeof wb, s->net.params[s->ib]);
        snprintf(s->text[0], BP_TEXT, "a: %s = %s   b: %s = %s", na, wa, s->same ? "the next parameter" : nb, wb);
        for (int k = 1; k < BP_LINES; k++) s->text[k][0] = 0;
    }
    for (int k = 0; k < BP_LINES; k++) {
        in->views[V_T0 + k].text = s->text[k];
        in->views[V_T0 + k].hidden = s->text[k][0] == 0;
    }
    in->panels[P_SLICE].hidden = in->panels[P_PLANE].hidden = in->panels[P_LOSS].hidden = walk;
    for (int v = V_FIELD; v <= V_HIST; v++) in->views[v].hidden = walk;
    if (!walk) bp_draw_slice(in, s);
    mlm_series_view(in, V_HIST, &s->hist);
    in->views[V_UPDATES].value = (float)s->updates;
    in->views[V_EPOCH].value = (float)(s->updates / BP_N);
    in->views[V_LOSSNOW].value = (float)s->loss;
}

/* Memory: the state, two histories, and the network: every architecture has 2 inputs, at most
   2 hidden layers of at most 3 units and one output, with a batch of N. */
#define BP_NET_BYTES MLP_BYTES_MAX(2, 3, 2, 1, BP_N)
#define BP_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)

const mlm_module mlm_module_backpropagation = {
    .name = "backpropagation",
    .title = "Backpropagation, step by step",
    .params = bp_params,
    .n_params = MLM_COUNT(bp_params),
    .desc_size = sizeof(bp_desc),
    .panels = bp_panels,
    .n_panels = MLM_COUNT(bp_panels),
    .views = bp_views,
    .n_views = MLM_COUNT(bp_views),
    .state_bytes = BP_A16(sizeof(bp_state)) + 2 * BP_A16(sizeof(float) * 2 * BP_HIST) + BP_NET_BYTES,
    .const_bytes = 0,
    .speed = 3,
    .t_max = 40000,
    .random = 1,
    .create = bp_create,
    .step = bp_step,
    .draw = bp_draw,
};
