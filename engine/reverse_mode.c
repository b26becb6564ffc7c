/* reverse_mode.c: the engine of chapter 20, "Reverse mode and computational graphs". One module,
 * three scenes (the `scene` parameter):
 *
 *   graph    the reader types f(x, y); the shared parser (engine/core/expr.c) turns it into a tape,
 *            drawn as a graph laid out left to right (a node per operation, one node per variable
 *            however often it appears) with the tape listed beside it. One step is one node: the
 *            forward pass computes the values in tape order, then the backward pass walks the
 *            tape from the end, each node handing its adjoint to its operands times the local
 *            derivative written on the edge. When it is done the gradient is compared with
 *            forward mode (two dual-number passes) and central differences.
 *   cost     a function of n inputs built on a tape, for n = 1, 2, ... up to the reader's n:
 *            the gradient by forward mode (n dual passes over the tape) and by reverse mode (one
 *            forward and one backward pass), with the node operations each one executed counted
 *            as it runs, and their two gradients compared.
 *   network  chapter 15's small network (2-2-1, tanh, sigmoid output with cross-entropy, on XOR,
 *            one example at a time) written as a tape over its nine parameters and trained with
 *            the tape's gradients; after every example the same gradients from the book's
 *            hand-derived backward pass (engine/core/mlp.c) are shown beside them, with the
 *            largest difference.
 *
 * A text that does not parse is reported at its position (the view f_error) and the last
 * expression that parsed keeps running: it is the run's input, as in chapter 19's module.
 *
 * Shapes: T nodes of a tape (<= EXPR_NODES_MAX); D drawn nodes of the graph (T, with each
 * variable's occurrences merged); n inputs of the cost scene (<= RM_N_MAX); P = 9 parameters.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "expr.h"
#include "mlm.h"
#include "mlp.h"

#define RM_TEXT 120                /* the longest f(x, y) */
#define RM_DEFAULT "log(x) + x*y - sin(y)"
#define RM_N_MAX 36                /* inputs of the cost scene: its tape has 7n + 2 <= EXPR_NODES_MAX nodes */
#define RM_P 9                     /* parameters of the 2-2-1 network */
#define RM_NET_VARS (RM_P + 3)     /* the tape's variables: the parameters, x1, x2, y */
#define RM_EPOCHS 3000             /* the network scene stops here */
#define RM_HIST 512
#define RM_RING 25
#define RM_LABEL_BYTES (EXPR_NODES_MAX * 48)
#define RM_DX 1.6                  /* between columns of the graph */
#define RM_DY 1.0                  /* between rows */

enum { RM_GRAPH, RM_COST, RM_NETWORK };

typedef struct {
    int scene;          /* RM_*; default graph */
    char f[RM_TEXT + 1];/* TEXT: the function of x and y */
    double x0, y0;      /* where the graph is evaluated; default (2, 5) */
    int nmax;           /* the cost scene's largest n; default 30 */
    double lr;          /* the network's learning rate; default 0.2 */
} rm_desc;

typedef struct {
    int32_t scene;
    /* ---- graph ---- */
    expr_tape tape;                     /* the running expression */
    char running[RM_TEXT + 1];
    int32_t typed_ok;                   /* 1: the typed text is the running expression */
    char err_text[100];                 /* "position:reason" when it does not parse */
    double vars[2];                     /* (x, y) */
    double val[EXPR_NODES_MAX];         /* (T,) forward values, valid below `done_fwd` */
    double adj[EXPR_NODES_MAX];         /* (T,) adjoints, accumulating */
    double grad[2];                     /* (2,) d f / d (x, y), accumulating */
    int32_t done_fwd;                   /* nodes whose value is computed, 0..T */
    int32_t next_bwd;                   /* the next node the backward pass visits (T-1 .. -1) */
    int32_t cur;                        /* the node the last step visited (-1: none) */
    double fwd_grad[2], fd_grad[2];     /* forward mode and central differences, at the end */
    int32_t drawn[EXPR_NODES_MAX];      /* (T,) tape node -> drawn node */
    int32_t var_node[2];                /* drawn node of x and y (-1: absent) */
    int32_t D;                          /* drawn nodes */
    float pos[EXPR_NODES_MAX][2];       /* (D, 2) */
    int32_t rep[EXPR_NODES_MAX];        /* (D,) a tape node each drawn node stands for */
    float gx0, gx1, gy0, gy1;           /* the graph's extent */
    /* ---- cost ---- */
    int32_t n;                          /* the last n measured */
    float fcost[RM_N_MAX][2], rcost[RM_N_MAX][2]; /* (n, 2) (n, node operations) */
    double worst;                       /* largest |forward - reverse| over the gradients so far */
    double fops, rops;                  /* node operations at the last n */
    /* ---- network ---- */
    mlp net;
    expr_tape ntape;                    /* the loss of one example over RM_NET_VARS variables */
    double theta[RM_P];                 /* (P,) the parameters, in mlp's layout */
    double gtape[RM_P], ghand[RM_P];    /* (P,) the last example's gradients: tape, mlp.c */
    double diff, diff_all;              /* the last example's largest difference, and all runs' */
    double loss;                        /* mean loss over the four examples */
    int32_t epochs;
    mlm_series loss_hist, diff_hist;
    /* ---- drawing buffers ---- */
    float nodes[EXPR_NODES_MAX][3];
    float edges[2 * EXPR_NODES_MAX][5];
    float npos[EXPR_NODES_MAX][2], vpos[EXPR_NODES_MAX][2], apos[EXPR_NODES_MAX][2];
    float epos[2 * EXPR_NODES_MAX][2], tpos[EXPR_NODES_MAX][2];
    char nlab[RM_LABEL_BYTES], vlab[RM_LABEL_BYTES], alab[RM_LABEL_BYTES], elab[RM_LABEL_BYTES];
    char tlab[EXPR_NODES_MAX * 64];
    float ring[RM_RING][2], tmark[2][2];
    float bars[RM_P][2], marks[RM_P][2];
    char status[200];
} rm_state;

#define RM_STATE_BYTES (sizeof(rm_state) + 16 + 2 * (RM_HIST * 2 * sizeof(float) + 16) + \
                        MLP_BYTES_MAX(2, 2, 1, 1, 1))

enum { P_SCENE, P_F, P_X0, P_Y0, P_NMAX, P_LR };
static const mlm_param rm_params[] = {
    [P_SCENE] = {"scene", "Scene", MLM_CHOICE, offsetof(rm_desc, scene), 0, 2, 1, RM_GRAPH, 0,
                 "graph:Your expression as a graph|cost:Forward vs reverse cost|network:Chapter 15's network on a tape",
                 "what the widget shows"},
    [P_F] = {"f", "f(x, y)", MLM_TEXT, offsetof(rm_desc, f), 0, RM_TEXT, 0, 0, 0, RM_DEFAULT,
             "the function: numbers, x, y, + - * / ^, parentheses, sin cos tan exp log sqrt tanh sigmoid abs relu, pi"},
    [P_X0] = {"x0", "x", MLM_FLOAT, offsetof(rm_desc, x0), -5, 5, 0.1, 2, 0, NULL, "the point's x"},
    [P_Y0] = {"y0", "y", MLM_FLOAT, offsetof(rm_desc, y0), -5, 5, 0.1, 5, 0, NULL, "the point's y"},
    [P_NMAX] = {"nmax", "Inputs n up to", MLM_INT, offsetof(rm_desc, nmax), 2, RM_N_MAX, 1, 30, 0, NULL,
                "the cost scene measures n = 1, 2, ... up to this many inputs"},
    [P_LR] = {"lr", "Learning rate η", MLM_FLOAT, offsetof(rm_desc, lr), 0.01, 2, 0.01, 0.2, 0, NULL,
              "the network's step size, as in chapter 15"},
};

static const mlm_when rm_when[] = {
    {"f", "scene=graph"},
    {"x0", "scene=graph"},
    {"y0", "scene=graph"},
    {"nmax", "scene=cost"},
    {"lr", "scene=network"},
};

enum { PN_GRAPH, PN_TAPE, PN_COST, PN_LOSS, PN_GRADS, PN_DIFF, RM_N_PANELS };
static const mlm_panel rm_panels[] = {
    [PN_GRAPH] = {"graph", "The graph: values forward, adjoints back", "", "", MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
    [PN_TAPE] = {"tape", "The tape: one row per node, values and adjoints", "", "", MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
    [PN_COST] = {"cost", "Node operations for the whole gradient", "inputs n", "node operations",
                 MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [PN_LOSS] = {"loss", "Mean loss on the four points", "epoch", "loss", MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [PN_GRADS] = {"grads", "Last example's gradient: tape vs by hand", "parameter", "∂L/∂θ",
                  MLM_PANEL_AUTO_Y, NULL},
    [PN_DIFF] = {"diff", "Largest |tape − by hand| per epoch", "epoch", "difference",
                 MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};

enum {
    V_EDGES, V_NODES, V_RING, V_NLAB, V_VLAB, V_ALAB, V_ELAB, V_TLAB, V_TMARK,
    V_FCOST, V_RCOST,
    V_LOSS, V_BARS, V_MARKS, V_DIFF,
    V_S_F, V_S_GX, V_S_GY, V_S_FX, V_S_FY, V_S_DX, V_S_DY, V_S_NODES,
    V_S_N, V_S_FOPS, V_S_ROPS, V_S_WORST,
    V_S_LOSS, V_S_EDIFF, V_S_ALLDIFF, V_S_EPOCHS,
    V_ERROR, V_STATUS, RM_N_VIEWS
};
static const mlm_view rm_views[] = {
    [V_EDGES] = {"edges", "graph", MLM_VIEW_EDGES, "local derivative", 0, 0},
    [V_NODES] = {"nodes", "graph", MLM_VIEW_NODES, "value, then adjoint", 0, MLM_COLOR_DIVERGING},
    [V_RING] = {"current", "graph", MLM_VIEW_CURVE, "this step", MLM_VERMILION, 0},
    [V_NLAB] = {"ops", "graph", MLM_VIEW_LABELS, "operations", MLM_INK, 0},
    [V_VLAB] = {"values", "graph", MLM_VIEW_LABELS, "values", MLM_BLUE, 0},
    [V_ALAB] = {"adjoints", "graph", MLM_VIEW_LABELS, "adjoints", MLM_VERMILION, 0},
    [V_ELAB] = {"locals", "graph", MLM_VIEW_LABELS, "local derivatives", MLM_GREEN, 0},
    [V_TLAB] = {"tape_rows", "tape", MLM_VIEW_LABELS, "tape", MLM_INK, 0},
    [V_TMARK] = {"tape_now", "tape", MLM_VIEW_MARKERS, "this step", MLM_VERMILION, 0},
    [V_FCOST] = {"forward_cost", "cost", MLM_VIEW_TRAIL, "forward mode: n dual passes", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_RCOST] = {"reverse_cost", "cost", MLM_VIEW_TRAIL, "reverse mode: one forward, one backward", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_LOSS] = {"loss_curve", "loss", MLM_VIEW_CURVE, "mean loss", MLM_BLUE, 0},
    [V_BARS] = {"tape_grads", "grads", MLM_VIEW_BARS, "the tape (reverse mode)", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_MARKS] = {"hand_grads", "grads", MLM_VIEW_MARKERS, "mlp.c, by hand", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_DIFF] = {"diff_curve", "diff", MLM_VIEW_CURVE, "largest difference", MLM_VERMILION, 0},
    [V_S_F] = {"f_value", NULL, MLM_VIEW_SCALAR, "f", 0, 0},
    [V_S_GX] = {"df_dx", NULL, MLM_VIEW_SCALAR, "∂f/∂x", 0, 0},
    [V_S_GY] = {"df_dy", NULL, MLM_VIEW_SCALAR, "∂f/∂y", 0, 0},
    [V_S_FX] = {"fwd_dx", NULL, MLM_VIEW_SCALAR, "forward mode ∂f/∂x", 0, 0},
    [V_S_FY] = {"fwd_dy", NULL, MLM_VIEW_SCALAR, "forward mode ∂f/∂y", 0, 0},
    [V_S_DX] = {"fd_dx", NULL, MLM_VIEW_SCALAR, "central difference ∂f/∂x", 0, 0},
    [V_S_DY] = {"fd_dy", NULL, MLM_VIEW_SCALAR, "central difference ∂f/∂y", 0, 0},
    [V_S_NODES] = {"tape_nodes", NULL, MLM_VIEW_SCALAR, "tape nodes", 0, MLM_SCALAR_INT},
    [V_S_N] = {"n", NULL, MLM_VIEW_SCALAR, "inputs n", 0, MLM_SCALAR_INT},
    [V_S_FOPS] = {"forward_ops", NULL, MLM_VIEW_SCALAR, "forward-mode operations", 0, MLM_SCALAR_INT},
    [V_S_ROPS] = {"reverse_ops", NULL, MLM_VIEW_SCALAR, "reverse-mode operations", 0, MLM_SCALAR_INT},
    [V_S_WORST] = {"agree", NULL, MLM_VIEW_SCALAR, "largest |forward − reverse|", 0, 0},
    [V_S_LOSS] = {"loss", NULL, MLM_VIEW_SCALAR, "mean loss", 0, 0},
    [V_S_EDIFF] = {"grad_diff", NULL, MLM_VIEW_SCALAR, "last |tape − hand|", 0, 0},
    [V_S_ALLDIFF] = {"grad_diff_max", NULL, MLM_VIEW_SCALAR, "largest |tape − hand| so far", 0, 0},
    [V_S_EPOCHS] = {"epochs", NULL, MLM_VIEW_SCALAR, "epochs", 0, MLM_SCALAR_INT},
    [V_ERROR] = {"f_error", NULL, MLM_VIEW_TEXT, "", 0, 0},
    [V_STATUS] = {"status", NULL, MLM_VIEW_TEXT, "", 0, 0},
};

static const char *const RM_VARS[] = {"x", "y"};

/* ---- tapes built in C (the cost scene's function and the network's loss) ---- */

/* Append node (op, a, b) (a constant's value in c) to t; returns its index. */
static int rm_push(expr_tape *t, int op, int a, int b, double c) {
    expr_node *nd = &t->node[t->n];
    nd->op = op, nd->a = a, nd->b = b, nd->value = c, nd->pos = 0;
    return t->n++;
}

/* ================================ the graph ================================ */

/* Lay the graph out left to right: a node's column is one more than its furthest operand's, so
   every edge points right; rows in tape order within a column, centred. Each variable is drawn
   once, in column 0, however many times the tape reads it. */
static void rm_layout(rm_state *s) {
    int col[EXPR_NODES_MAX], count[EXPR_NODES_MAX] = {0}, row[EXPR_NODES_MAX], cols = 1;
    s->D = 0, s->var_node[0] = s->var_node[1] = -1;
    for (int k = 0; k < s->tape.n; k++) {
        const expr_node *nd = &s->tape.node[k];
        if (nd->op == EXPR_VAR && s->var_node[nd->a] >= 0) {
            s->drawn[k] = s->var_node[nd->a];
            continue;
        }
        int c = 0;
        if (nd->a >= 0 && nd->op != EXPR_VAR) c = col[s->drawn[nd->a]] + 1;
        if (nd->b >= 0 && col[s->drawn[nd->b]] + 1 > c) c = col[s->drawn[nd->b]] + 1;
        int d = s->D++;
        s->drawn[k] = d, s->rep[d] = k, col[d] = c, row[d] = count[c]++;
        if (nd->op == EXPR_VAR) s->var_node[nd->a] = d;
        if (c + 1 > cols) cols = c + 1;
    }
    int tall = 1;
    for (int c = 0; c < cols; c++) tall = count[c] > tall ? count[c] : tall;
    for (int d = 0; d < s->D; d++) {
        s->pos[d][0] = (float)(col[d] * RM_DX);
        s->pos[d][1] = (float)(((count[col[d]] - 1) / 2.0 - row[d]) * RM_DY);
    }
    s->gx0 = (float)(-0.7 * RM_DX), s->gx1 = (float)((cols - 1 + 0.7) * RM_DX);
    s->gy0 = (float)(-(tall / 2.0 + 0.6) * RM_DY), s->gy1 = (float)((tall / 2.0 + 0.6) * RM_DY);
}

/* Parse text; on success it becomes the running expression (0), else -1 with err. */
static int rm_load(rm_state *s, const char *text, expr_error *err) {
    expr_tape t;
    if (expr_parse(text, RM_VARS, 2, &t, err)) return -1;
    s->tape = t;
    snprintf(s->running, sizeof s->running, "%s", text);
    rm_layout(s);
    return 0;
}

static void rm_graph_restart(mlm_instance *in, rm_state *s) {
    const rm_desc *d = in->desc;
    s->vars[0] = d->x0, s->vars[1] = d->y0;
    s->done_fwd = 0, s->next_bwd = s->tape.n - 1, s->cur = -1;
    for (int k = 0; k < s->tape.n; k++) s->val[k] = 0, s->adj[k] = 0;
    s->grad[0] = s->grad[1] = 0;
    s->fwd_grad[0] = s->fwd_grad[1] = s->fd_grad[0] = s->fd_grad[1] = NAN;
    snprintf(s->status, sizeof s->status, "forward pass: values in tape order");
}

//> graph_step
/* One node per step. Forward: node k's value from its operands' (already computed: they come
   earlier on the tape). Backward, visiting the tape from its end: every node that uses node k
   comes later on the tape and has been visited, so adj[k] is complete; node k hands adj[k]
   times each local derivative to its operands (a variable's share goes to the gradient). */
static void rm_graph_step(mlm_instance *in, rm_state *s) {
    const expr_tape *t = &s->tape;
    if (s->done_fwd < t->n) {
        int k = s->done_fwd++;
        const expr_node *nd = &t->node[k];
        if (nd->op == EXPR_CONST) s->val[k] = nd->value;
        else if (nd->op == EXPR_VAR) s->val[k] = s->vars[nd->a];
        else s->val[k] = expr_apply(nd->op, s->val[nd->a], nd->b >= 0 ? s->val[nd->b] : 0);
        s->cur = k;
        if (s->done_fwd == t->n) s->adj[t->n - 1] = 1; /* the seed: d f / d f = 1 */
        return;
    }
    int k = s->next_bwd--;
    const expr_node *nd = &t->node[k];
    s->cur = k;
    if (nd->op == EXPR_VAR) s->grad[nd->a] += s->adj[k];
    else if (expr_arity(nd->op) > 0) {
        double da, db;
        expr_local(t, s->val, k, &da, &db);
        s->adj[nd->a] += s->adj[k] * da;
        if (nd->b >= 0) s->adj[nd->b] += s->adj[k] * db;
    }
    if (s->next_bwd >= 0) return;
    //< graph_step
    /* done: the same gradient two other ways */
    for (int i = 0; i < 2; i++) {
        expr_dual v[2] = {{s->vars[0], i == 0}, {s->vars[1], i == 1}};
        s->fwd_grad[i] = expr_eval_dual(t, v, NULL).d;
        double h = 1e-5 * (1 + fabs(s->vars[i])), p[2] = {s->vars[0], s->vars[1]}, m[2] = {s->vars[0], s->vars[1]};
        double tmp[EXPR_NODES_MAX];
        p[i] += h, m[i] -= h;
        s->fd_grad[i] = (expr_eval(t, p, tmp) - expr_eval(t, m, tmp)) / (2 * h);
    }
    double f = s->val[t->n - 1];
    if (!mlm_isfinite(f) || !mlm_isfinite(s->grad[0]) || !mlm_isfinite(s->grad[1])) {
        mlm_finished(in, "f or its gradient is not finite at (%g, %g): outside the domain of an operation", s->vars[0], s->vars[1]);
        return;
    }
    double e = fmax(fabs(s->grad[0] - s->fwd_grad[0]), fabs(s->grad[1] - s->fwd_grad[1]));
    mlm_converged(in, 1, "gradient (%.6g, %.6g) in one backward pass; forward mode, two passes, "
                         "agrees to %.1g", s->grad[0], s->grad[1], e);
}

/* Text for a number in a label: short, and never "nan" in the view. */
static int rm_num(char *b, size_t n, double v) {
    if (!mlm_isfinite(v)) return snprintf(b, n, "undefined");
    if (v == 0) return snprintf(b, n, "0");
    return snprintf(b, n, fabs(v) >= 1e4 || fabs(v) < 1e-3 ? "%.2e" : "%.4g", v);
}

static void rm_graph_draw(mlm_instance *in, rm_state *s) {
    mlm_view_state *v = in->views;
    const expr_tape *t = &s->tape;
    int backward = s->done_fwd == t->n && t->n > 0;
    char num[40], *np = s->nlab, *vp = s->vlab, *ap = s->alab, *ep = s->elab, *tp = s->tlab;
    size_t nr = sizeof s->nlab, vr = sizeof s->vlab, ar = sizeof s->alab, er = sizeof s->elab, tr = sizeof s->tlab;
    /* nodes: coloured by value in the forward pass, by adjoint in the backward pass */
    for (int d = 0; d < s->D; d++) {
        int k = s->rep[d];
        const expr_node *nd = &t->node[k];
        double shown = 0, a = 0;
        if (nd->op == EXPR_VAR) a = s->grad[nd->a];
        else a = s->adj[k];
        if (backward) shown = a;
        else if (k < s->done_fwd) shown = s->val[k];
        s->nodes[d][0] = s->pos[d][0], s->nodes[d][1] = s->pos[d][1];
        s->nodes[d][2] = mlm_isfinite(shown) ? (float)fmax(-1e6, fmin(1e6, shown)) : 0;
        const char *name = nd->op == EXPR_VAR ? RM_VARS[nd->a] : nd->op == EXPR_CONST ? NULL : expr_op_name(nd->op);
        int w;
        if (name) w = snprintf(np, nr, "%s\n", name);
        else { rm_num(num, sizeof num, nd->value); w = snprintf(np, nr, "%s\n", num); }
        np += w, nr -= (size_t)w;
        s->npos[d][0] = s->pos[d][0], s->npos[d][1] = s->pos[d][1] + 0.0f;
        /* the value above the node once computed; the adjoint below once the backward pass reached it */
        int have_val = k < s->done_fwd;
        if (have_val) rm_num(num, sizeof num, s->val[k]);
        w = snprintf(vp, vr, "%s\n", have_val ? num : "");
        vp += w, vr -= (size_t)w;
        s->vpos[d][0] = s->pos[d][0], s->vpos[d][1] = s->pos[d][1] + 0.36f;
        int visited = backward && (nd->op == EXPR_VAR ? s->next_bwd < 0 || a != 0 : k > s->next_bwd || k == t->n - 1);
        if (visited) rm_num(num, sizeof num, a);
        w = snprintf(ap, ar, visited ? "v̄ %s\n" : "\n", num);
        ap += w, ar -= (size_t)w;
        s->apos[d][0] = s->pos[d][0], s->apos[d][1] = s->pos[d][1] - 0.36f;
    }
    /* edges: operand -> operation, weighted by the local derivative once the operation ran */
    int ne = 0;
    for (int k = 0; k < t->n; k++) {
        const expr_node *nd = &t->node[k];
        if (expr_arity(nd->op) == 0) continue;
        double da = 0, db = 0;
        int known = k < s->done_fwd;
        if (known) expr_local(t, s->val, k, &da, &db);
        for (int side = 0; side < 2; side++) {
            int o = side ? nd->b : nd->a;
            if (o < 0) continue;
            double w = side ? db : da;
            const float *p0 = s->pos[s->drawn[o]], *p1 = s->pos[s->drawn[k]];
            s->edges[ne][0] = p0[0], s->edges[ne][1] = p0[1], s->edges[ne][2] = p1[0], s->edges[ne][3] = p1[1];
            s->edges[ne][4] = known && mlm_isfinite(w) ? (float)fmax(-1e6, fmin(1e6, w)) : 0;
            s->epos[ne][0] = p0[0] + 0.55f * (p1[0] - p0[0]), s->epos[ne][1] = p0[1] + 0.55f * (p1[1] - p0[1]);
            if (known) rm_num(num, sizeof num, w);
            int q = snprintf(ep, er, "%s\n", known ? num : "");
            ep += q, er -= (size_t)q;
            ne++;
        }
    }
    v[V_EDGES].data = &s->edges[0][0], v[V_EDGES].count = ne;
    v[V_EDGES].lo = v[V_EDGES].hi = 0;
    v[V_NODES].data = &s->nodes[0][0], v[V_NODES].count = s->D;
    v[V_NODES].lo = v[V_NODES].hi = 0;
    v[V_NLAB].data = &s->npos[0][0], v[V_NLAB].count = s->D, v[V_NLAB].text = s->nlab;
    v[V_VLAB].data = &s->vpos[0][0], v[V_VLAB].count = s->D, v[V_VLAB].text = s->vlab;
    v[V_ALAB].data = &s->apos[0][0], v[V_ALAB].count = s->D, v[V_ALAB].text = s->alab;
    v[V_ELAB].data = &s->epos[0][0], v[V_ELAB].count = ne, v[V_ELAB].text = s->elab;
    /* the node of this step, ringed */
    int rc = 0;
    if (s->cur >= 0) {
        const float *p = s->pos[s->drawn[s->cur]];
        for (int i = 0; i < RM_RING; i++) {
            double a = 2 * 3.141592653589793 * i / (RM_RING - 1);
            s->ring[i][0] = p[0] + (float)(0.3 * mlm_cos(a)), s->ring[i][1] = p[1] + (float)(0.3 * mlm_sin(a));
        }
        rc = RM_RING;
    }
    v[V_RING].data = &s->ring[0][0], v[V_RING].count = rc;
    in->panels[PN_GRAPH] = (mlm_panel_state){s->gx0, s->gx1, s->gy0, s->gy1, 0};
    /* the tape, one row per node, top to bottom */
    for (int k = 0; k < t->n; k++) {
        const expr_node *nd = &t->node[k];
        char lhs[64], val[48] = "", adj[72] = "";
        if (nd->op == EXPR_CONST) rm_num(lhs, sizeof lhs, nd->value);
        else if (nd->op == EXPR_VAR) snprintf(lhs, sizeof lhs, "%s", RM_VARS[nd->a]);
        else if (nd->b >= 0) snprintf(lhs, sizeof lhs, "v%d %s v%d", nd->a, expr_op_name(nd->op), nd->b);
        else snprintf(lhs, sizeof lhs, "%s(v%d)", expr_op_name(nd->op), nd->a);
        if (k < s->done_fwd) { rm_num(num, sizeof num, s->val[k]); snprintf(val, sizeof val, " = %s", num); }
        if (backward && (k > s->next_bwd)) { rm_num(num, sizeof num, s->adj[k]); snprintf(adj, sizeof adj, "   v̄%d = %s", k, num); }
        int w = snprintf(tp, tr, "v%d = %s%s%s\n", k, lhs, val, adj);
        if (w < 0 || (size_t)w >= tr) break;
        tp += w, tr -= (size_t)w;
        s->tpos[k][0] = 0, s->tpos[k][1] = (float)-k;
    }
    v[V_TLAB].data = &s->tpos[0][0], v[V_TLAB].count = t->n, v[V_TLAB].text = s->tlab;
    s->tmark[0][0] = -0.6f, s->tmark[0][1] = (float)-(s->cur >= 0 ? s->cur : 0);
    v[V_TMARK].data = &s->tmark[0][0], v[V_TMARK].count = s->cur >= 0;
    in->panels[PN_TAPE] = (mlm_panel_state){-1.2f, 1.2f, (float)(-(t->n - 1) - 0.8), 0.8f, 0};
    int done = s->next_bwd < 0;
    v[V_S_F].value = (float)(s->done_fwd == t->n && mlm_isfinite(s->val[t->n - 1]) ? s->val[t->n - 1] : 0);
    v[V_S_F].hidden = !(s->done_fwd == t->n && mlm_isfinite(s->val[t->n - 1]));
    double sc[6] = {s->grad[0], s->grad[1], s->fwd_grad[0], s->fwd_grad[1], s->fd_grad[0], s->fd_grad[1]};
    for (int i = 0; i < 6; i++) {
        v[V_S_GX + i].value = done && mlm_isfinite(sc[i]) ? (float)sc[i] : 0;
        v[V_S_GX + i].hidden = !(done && mlm_isfinite(sc[i]));
    }
    v[V_S_NODES].value = (float)t->n;
    if (!done && backward) snprintf(s->status, sizeof s->status, "backward pass: adjoints from the end of the tape");
    else if (!backward) snprintf(s->status, sizeof s->status, "forward pass: values in tape order");
    else snprintf(s->status, sizeof s->status, "done: the gradient is the adjoints of x and y");
    v[V_ERROR].text = s->err_text, v[V_ERROR].hidden = s->typed_ok;
    v[V_STATUS].text = s->status, v[V_STATUS].hidden = 0;
}

/* ================================ cost ================================ */

//> cost_function
/* A function of n inputs on a tape: f(x) = sum_i x_i sin(x_{i+1}) + log(1 + sum_i x_i^2) (with
   x_{n+1} = x_1): every input reaches the output along several paths, and the tape has 7n + 2
   nodes, so a pass over it costs in proportion to n. */
static void rm_cost_tape(expr_tape *t, int n) {
    t->n = 0, t->nvars = n;
    int sum = -1, sq = rm_push(t, EXPR_CONST, -1, -1, 1.0);
    for (int i = 0; i < n; i++) {
        int xi = rm_push(t, EXPR_VAR, i, -1, 0), xj = rm_push(t, EXPR_VAR, (i + 1) % n, -1, 0);
        int term = rm_push(t, EXPR_MUL, xi, rm_push(t, EXPR_SIN, xj, -1, 0), 0);
        sum = sum < 0 ? term : rm_push(t, EXPR_ADD, sum, term, 0);
        sq = rm_push(t, EXPR_ADD, sq, rm_push(t, EXPR_MUL, xi, xi, 0), 0);
    }
    rm_push(t, EXPR_ADD, sum, rm_push(t, EXPR_LOG, sq, -1, 0), 0);
}
//< cost_function

//> cost_measure
/* The whole gradient both ways, counting the node operations each executes: forward mode runs
   the tape once per input with that input's dual part seeded to 1; reverse mode runs it forward
   once and backward once. */
static void rm_cost_step(mlm_instance *in, rm_state *s) {
    const rm_desc *d = in->desc;
    int n = ++s->n;
    expr_tape t;
    rm_cost_tape(&t, n);
    double x[RM_N_MAX] = {0}, gf[RM_N_MAX], gr[RM_N_MAX], val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX];
    for (int i = 0; i < n; i++) x[i] = mlm_sin(0.7 * (i + 1)) + 0.5; /* a fixed point in R^n */
    long fops = 0, rops = 0;
    for (int i = 0; i < n; i++) { /* forward mode: n passes */
        expr_dual xd[RM_N_MAX];
        for (int j = 0; j < n; j++) xd[j] = (expr_dual){x[j], j == i};
        gf[i] = expr_eval_dual(&t, xd, NULL).d;
        fops += t.n;
    }
    expr_eval(&t, x, val); /* reverse mode: one forward pass, one backward pass */
    rops += t.n;
    expr_reverse(&t, val, adj, gr);
    rops += t.n;
    for (int i = 0; i < n; i++) s->worst = fmax(s->worst, fabs(gf[i] - gr[i]) / (1 + fabs(gr[i])));
    //< cost_measure
    s->fops = (double)fops, s->rops = (double)rops;
    s->fcost[n - 1][0] = (float)n, s->fcost[n - 1][1] = (float)fops;
    s->rcost[n - 1][0] = (float)n, s->rcost[n - 1][1] = (float)rops;
    if (n >= d->nmax)
        mlm_converged(in, 1, "at n = %d: forward mode ran %ld node operations, reverse mode %ld (%.1f times "
                             "fewer); their gradients agree to %.1g",
                      n, fops, rops, (double)fops / (double)rops, s->worst);
}

/* ================================ network ================================ */

/* The four corners and XOR, as chapter 15 trains them. */
static const double rm_x[4][2] = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
static const double rm_y[4] = {0, 1, 1, 0};

//> net_tape
/* Chapter 15's 2-2-1 network and its loss on one example, as a tape over the nine parameters
   (variables 0..8, in mlp.c's layout: W1 (2, 2), b1 (2), W2 (1, 2), b2) and the example (x1, x2,
   y as variables 9, 10, 11):
     h_j = tanh(W1[j][0] x1 + W1[j][1] x2 + b1[j]),  z = W2[0] h_1 + W2[1] h_2 + b2,
     L = log(1 + exp(z)) - y z      (the cross-entropy of a sigmoid output, as mlp.c writes it). */
static void rm_net_tape(expr_tape *t) {
    t->n = 0, t->nvars = RM_NET_VARS;
    int x1 = rm_push(t, EXPR_VAR, 9, -1, 0), x2 = rm_push(t, EXPR_VAR, 10, -1, 0);
    int h[2];
    for (int j = 0; j < 2; j++) {
        int w0 = rm_push(t, EXPR_VAR, 2 * j, -1, 0), w1 = rm_push(t, EXPR_VAR, 2 * j + 1, -1, 0);
        int b = rm_push(t, EXPR_VAR, 4 + j, -1, 0);
        int s0 = rm_push(t, EXPR_MUL, w0, x1, 0), s1 = rm_push(t, EXPR_MUL, w1, x2, 0);
        int z = rm_push(t, EXPR_ADD, rm_push(t, EXPR_ADD, s0, s1, 0), b, 0);
        h[j] = rm_push(t, EXPR_TANH, z, -1, 0);
    }
    int v0 = rm_push(t, EXPR_VAR, 6, -1, 0), v1 = rm_push(t, EXPR_VAR, 7, -1, 0), c = rm_push(t, EXPR_VAR, 8, -1, 0);
    int z = rm_push(t, EXPR_ADD, rm_push(t, EXPR_ADD, rm_push(t, EXPR_MUL, v0, h[0], 0), rm_push(t, EXPR_MUL, v1, h[1], 0), 0), c, 0);
    int one = rm_push(t, EXPR_CONST, -1, -1, 1.0);
    int sp = rm_push(t, EXPR_LOG, rm_push(t, EXPR_ADD, one, rm_push(t, EXPR_EXP, z, -1, 0), 0), -1, 0);
    int y = rm_push(t, EXPR_VAR, 11, -1, 0);
    rm_push(t, EXPR_SUB, sp, rm_push(t, EXPR_MUL, y, z, 0), 0);
}
//< net_tape

/* The tape's loss and gradient for example e at parameters theta: L returned, grad (P,). */
static double rm_net_grad(const rm_state *s, const double *theta, int e, double *grad) {
    double vars[RM_NET_VARS], val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX], g[RM_NET_VARS];
    memcpy(vars, theta, sizeof(double) * RM_P);
    vars[9] = rm_x[e][0], vars[10] = rm_x[e][1], vars[11] = rm_y[e];
    double L = expr_eval(&s->ntape, vars, val);
    expr_reverse(&s->ntape, val, adj, g);
    memcpy(grad, g, sizeof(double) * RM_P);
    return L;
}

//> net_step
/* One epoch: the four examples in turn, each an SGD step with the tape's gradient; beside it
   the hand-derived backward pass of chapter 15 on the same parameters, and their difference. */
static void rm_net_step(mlm_instance *in, rm_state *s) {
    const rm_desc *d = in->desc;
    double worst = 0;
    for (int e = 0; e < 4; e++) {
        rm_net_grad(s, s->theta, e, s->gtape);
        memcpy(s->net.params, s->theta, sizeof s->theta);
        mlp_forward(&s->net, rm_x[e], &rm_y[e], 1, NULL);
        mlp_backward(&s->net);
        for (int p = 0; p < RM_P; p++) {
            s->ghand[p] = s->net.grads[p];
            worst = fmax(worst, fabs(s->gtape[p] - s->ghand[p]));
        }
        for (int p = 0; p < RM_P; p++) s->theta[p] -= d->lr * s->gtape[p];
    }
    //< net_step
    s->epochs++;
    s->diff = worst, s->diff_all = fmax(s->diff_all, worst);
    double L = 0, g[RM_P];
    for (int e = 0; e < 4; e++) L += rm_net_grad(s, s->theta, e, g) / 4;
    s->loss = L;
    mlm_series_push(&s->loss_hist, s->epochs, L);
    mlm_series_push(&s->diff_hist, s->epochs, fmax(worst, 1e-20));
    int finite = mlm_isfinite(L);
    for (int p = 0; p < RM_P; p++) finite = finite && mlm_isfinite(s->theta[p]);
    if (!finite) {
        mlm_diverged(in, 1, "the loss became infinite at epoch %d: the learning rate %.2g is too large", s->epochs, d->lr);
        return;
    }
    if (L < 0.05)
        mlm_converged(in, 1, "mean loss below 0.05 after %d epochs; the tape's gradients matched the hand-derived "
                             "ones to %.1g throughout", s->epochs, s->diff_all);
    else if (s->epochs >= RM_EPOCHS)
        mlm_finished(in, "%d epochs without reaching a mean loss of 0.05 (this start is stuck, as chapter 15 "
                         "explains); the gradients matched to %.1g throughout", RM_EPOCHS, s->diff_all);
}

/* ================================ the module ================================ */

static void *rm_create(mlm_instance *in) {
    const rm_desc *d = in->desc;
    rm_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->loss_hist, RM_HIST) || mlm_series_init(in, &s->diff_hist, RM_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->scene = d->scene;
    expr_error err;
    s->typed_ok = rm_load(s, d->f, &err) == 0;
    if (!s->typed_ok) {
        snprintf(s->err_text, sizeof s->err_text, "%d:%s", err.pos, err.why);
        rm_load(s, RM_DEFAULT, &err); /* parses: the test checks it */
    }
    rm_graph_restart(in, s);
    if (s->scene == RM_NETWORK) {
        static const int sizes[3] = {2, 2, 1};
        if (mlp_init(in, &s->net, sizes, 3, MLP_TANH, MLP_BCE, 1)) return NULL; /* mlp_init said why */
        memcpy(s->theta, s->net.params, sizeof s->theta);
        rm_net_tape(&s->ntape);
        double g[RM_P];
        s->loss = 0;
        for (int e = 0; e < 4; e++) s->loss += rm_net_grad(s, s->theta, e, g) / 4;
        mlm_series_push(&s->loss_hist, 0, s->loss);
    }
    for (int p = 0; p < RM_N_PANELS; p++) in->panels[p].hidden = 1;
    if (s->scene == RM_GRAPH) in->panels[PN_GRAPH].hidden = in->panels[PN_TAPE].hidden = 0;
    else if (s->scene == RM_COST) in->panels[PN_COST].hidden = 0;
    else in->panels[PN_LOSS].hidden = in->panels[PN_GRADS].hidden = in->panels[PN_DIFF].hidden = 0;
    return s;
}

static void rm_step(mlm_instance *in, void *self) {
    rm_state *s = self;
    if (s->scene == RM_GRAPH) rm_graph_step(in, s);
    else if (s->scene == RM_COST) rm_cost_step(in, s);
    else rm_net_step(in, s);
}

static void rm_draw(mlm_instance *in, void *self) {
    rm_state *s = self;
    mlm_view_state *v = in->views;
    for (int i = 0; i < RM_N_VIEWS; i++) v[i].count = 0, v[i].hidden = 1;
    v[V_ERROR].text = s->err_text, v[V_STATUS].text = s->status;
    if (s->scene == RM_GRAPH) {
        for (int i = 0; i <= V_TMARK; i++) v[i].hidden = 0;
        for (int i = V_S_F; i <= V_S_NODES; i++) v[i].hidden = 0;
        rm_graph_draw(in, s);
        return;
    }
    v[V_ERROR].hidden = 1;
    v[V_STATUS].hidden = 1;
    if (s->scene == RM_COST) {
        v[V_FCOST].hidden = v[V_RCOST].hidden = 0;
        v[V_FCOST].data = &s->fcost[0][0], v[V_FCOST].count = s->n;
        v[V_RCOST].data = &s->rcost[0][0], v[V_RCOST].count = s->n;
        for (int i = V_S_N; i <= V_S_WORST; i++) v[i].hidden = s->n == 0;
        v[V_S_N].value = (float)s->n, v[V_S_FOPS].value = (float)s->fops, v[V_S_ROPS].value = (float)s->rops;
        v[V_S_WORST].value = (float)s->worst;
        return;
    }
    v[V_LOSS].hidden = v[V_BARS].hidden = v[V_MARKS].hidden = v[V_DIFF].hidden = 0;
    mlm_series_view(in, V_LOSS, &s->loss_hist);
    mlm_series_view(in, V_DIFF, &s->diff_hist);
    for (int p = 0; p < RM_P; p++) {
        s->bars[p][0] = (float)(p + 1), s->bars[p][1] = (float)s->gtape[p];
        s->marks[p][0] = (float)(p + 1), s->marks[p][1] = (float)s->ghand[p];
    }
    v[V_BARS].data = &s->bars[0][0], v[V_BARS].count = s->epochs ? RM_P : 0;
    v[V_MARKS].data = &s->marks[0][0], v[V_MARKS].count = s->epochs ? RM_P : 0;
    in->panels[PN_GRADS].x0 = 0.3f, in->panels[PN_GRADS].x1 = RM_P + 0.7f;
    for (int i = V_S_LOSS; i <= V_S_EPOCHS; i++) v[i].hidden = 0;
    v[V_S_EDIFF].hidden = v[V_S_ALLDIFF].hidden = s->epochs == 0;
    v[V_S_LOSS].value = (float)s->loss, v[V_S_EDIFF].value = (float)s->diff;
    v[V_S_ALLDIFF].value = (float)s->diff_all, v[V_S_EPOCHS].value = (float)s->epochs;
}

/* The running expression, when it is not the typed one (it does not parse) or the default. */
static int rm_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    const rm_state *s = self;
    const rm_desc *d = in->desc;
    if (!strcmp(s->running, d->f) || !strcmp(s->running, RM_DEFAULT)) return 0;
    return mlm_b64_encode((const uint8_t *)s->running, strlen(s->running), buf, n);
}

static int rm_input_set(mlm_instance *in, void *self, const char *text) {
    rm_state *s = self;
    if (s->typed_ok) return 0; /* the typed text runs: nothing to fall back on */
    uint8_t raw[RM_TEXT + 1];
    int len = mlm_b64_decode(text, raw, RM_TEXT);
    if (len <= 0) return -1;
    raw[len] = 0;
    for (int i = 0; i < len; i++)
        if (raw[i] < ' ' || raw[i] > '~') return -1;
    expr_error err;
    if (rm_load(s, (const char *)raw, &err)) return -1;
    rm_graph_restart(in, s);
    return 0;
}

const mlm_module mlm_module_reverse_mode = {
    .name = "reverse_mode",
    .title = "Reverse mode and computational graphs",
    .params = rm_params,
    .n_params = MLM_COUNT(rm_params),
    .desc_size = sizeof(rm_desc),
    .panels = rm_panels,
    .n_panels = RM_N_PANELS,
    .views = rm_views,
    .n_views = RM_N_VIEWS,
    .state_bytes = RM_STATE_BYTES,
    .speed = 2,
    .random = 1,
    .t_max = RM_EPOCHS,
    .create = rm_create,
    .step = rm_step,
    .draw = rm_draw,
    .when = rm_when,
    .n_when = MLM_COUNT(rm_when),
    .input_get = rm_input_get,
    .input_set = rm_input_set,
};
