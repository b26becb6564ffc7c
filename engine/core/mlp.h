/* mlp.h: the one multilayer perceptron of the book, shared by the chapters of Part IV (neurons,
 * function approximation, backpropagation, the playground, training well, digits). Fully
 * connected layers, five hidden activations, three output/loss pairs, forward and backward passes
 * over a mini-batch that keep every intermediate value readable, L1/L2 penalties, inverted
 * dropout, Glorot/He initialisation, a plain SGD step, and the evaluation helpers the widgets
 * draw with (a dataset's loss and accuracy, one input, a grid of inputs for heatmaps).
 *
 * Shape legend (llm.c style; every buffer below carries its shape):
 *   L        layers of units, the input and output layers included: sizes[0..L), 2 <= L <= 10
 *            (L - 2 hidden layers; "2-8-8-1" is L = 4, sizes {2, 8, 8, 1})
 *   n_l      units in layer l = sizes[l]; I = n_0 inputs, O = n_{L-1} outputs
 *   B        rows (examples) in a mini-batch, B <= max_batch
 *   P        all parameters: sum over l = 1..L-1 of n_l n_{l-1} + n_l
 *   U        hidden units: n_1 + ... + n_{L-2}
 * Layer l (1 <= l < L) computes, for every row of the batch,
 *   z_l = W_l a_{l-1} + b_l,   W_l (n_l, n_{l-1}) row-major: W_l[o * n_{l-1} + i] is the weight
 *                              on the edge from unit i of layer l-1 to unit o of layer l
 *   a_l = f(z_l)               f the hidden activation for 1 <= l < L-1; for the output layer
 *                              the output function of the loss (identity, sigmoid or softmax)
 * and a hidden layer in training with dropout passes a_l * mask_l on instead of a_l.
 *
 * Losses: the mean over the batch of a per-example loss, plus the penalty on the weights (biases
 * are never penalised: shifting a unit's threshold makes no function more complex):
 *   MLP_MSE      linear output  l = 1/2 sum_o (a_o - y_o)^2
 *   MLP_BCE      sigmoid output l = sum_o softplus(z_o) - y_o z_o  (= -y log p - (1-y) log(1-p))
 *   MLP_SOFTMAX  softmax output l = logsumexp(z) - sum_k y_k z_k    (= -sum_k y_k log p_k; each
 *                               row of y must sum to 1: a one-hot label or a distribution)
 *   penalty      l1 sum |w| + l2/2 sum w^2 over every weight
 * All three pairs give the same output gradient, dl/dz_o = a_o - y_o: the reason these outputs
 * and losses come in pairs.
 *
 * Precision: doubles throughout. The arithmetic that dominates these small networks is the
 * deterministic tanh/sigmoid/exp of detmath.h, which works in double whatever the storage, so
 * floats would buy little speed but cost conversions, gradient checks at 1e-3 instead of 1e-7,
 * and the use of engine/core/optim.h, whose update rules take (P,) doubles: net->params and
 * net->grads can be handed to mlm_opt_step as they are. The checkpoint cost stays modest:
 * mlp_bytes is 29 kB for a 2-8-8-1 network with batch 32, 221 kB for 64-64-10 with batch 32.
 *
 * Memory: mlp_init carves three blocks from the instance (parameters, gradients, per-batch
 * values) with mlm_alloc, so a copy of the instance is a checkpoint of the network too; the mlp
 * struct itself lives in the module's own state. No other allocation, ever. */
#ifndef MLM_MLP_H
#define MLM_MLP_H

#include <stddef.h>

#include "mlm.h"

#define MLP_MAX_LAYERS 10   /* layers of units, input and output included: up to 8 hidden */
#define MLP_MAX_WIDTH 256   /* units in any layer (mlp_predict keeps two layers on the stack) */
#define MLP_MAX_UNITS 1024  /* hidden units in all (mlp_grid keeps them all on the stack) */
#define MLP_MAX_BATCH 65536 /* rows in a batch */

/* Hidden activations. The order is the order of MLP_ACT_CHOICES, for a CHOICE parameter. */
typedef enum {
    MLP_IDENTITY,   /* f(z) = z                                    "linear" */
    MLP_SIGMOID,    /* f(z) = 1 / (1 + e^-z) */
    MLP_TANH,       /* f(z) = tanh z */
    MLP_RELU,       /* f(z) = max(0, z) */
    MLP_LEAKY_RELU, /* f(z) = z for z > 0, leaky z otherwise (net->leaky, default 0.01) */
    MLP_ACT_COUNT
} mlp_act;

#define MLP_ACT_CHOICES "linear:Linear|sigmoid:Sigmoid|tanh:Tanh|relu:ReLU|leaky:Leaky ReLU"

/* Output layer and loss, always in these pairs. */
typedef enum {
    MLP_MSE,      /* linear outputs, half squared error (regression) */
    MLP_BCE,      /* sigmoid outputs, binary cross-entropy (one yes/no per output) */
    MLP_SOFTMAX,  /* softmax over the O outputs, cross-entropy (one of O classes) */
    MLP_OUT_COUNT
} mlp_out;

/* Playground input features of a 2-D point (x1, x2), as bits of a mask. mlp_features_2d writes
   the selected ones in this order. */
enum {
    MLP_FEAT_X1 = 1 << 0,
    MLP_FEAT_X2 = 1 << 1,
    MLP_FEAT_X1SQ = 1 << 2,  /* x1^2 */
    MLP_FEAT_X2SQ = 1 << 3,  /* x2^2 */
    MLP_FEAT_X1X2 = 1 << 4,  /* x1 x2 */
    MLP_FEAT_SIN1 = 1 << 5,  /* sin x1 */
    MLP_FEAT_SIN2 = 1 << 6,  /* sin x2 */
    MLP_FEAT_COUNT = 7
};

typedef struct {
    /* ---- architecture (set by mlp_init; do not change) ---- */
    int L;                        /* layers of units, input and output included */
    int sizes[MLP_MAX_LAYERS];    /* n_l; sizes[0] = I, sizes[L-1] = O */
    int hidden_act;               /* mlp_act of every hidden layer */
    int out_kind;                 /* mlp_out */
    int max_batch;                /* the largest B mlp_forward accepts */
    int n_params;                 /* P */

    /* ---- settings a chapter may change between steps (mlp_init sets the defaults) ---- */
    double leaky;                 /* leaky ReLU's slope for z <= 0 (default 0.01) */
    double l1, l2;                /* penalty strengths (default 0: none) */
    double dropout;               /* rate p in [0, 1): a hidden unit is dropped with probability
                                     p in training forward passes (default 0: off) */
    int input_grad;               /* 1: mlp_backward also fills da[0] = dL/dx (default 0: it costs
                                     as much as a layer, and inputs are not trained) */

    /* ---- parameters and their gradients: contiguous, same layout ---- */
    double *params;               /* (P,) W_1, b_1, W_2, b_2, ... */
    double *grads;                /* (P,) dL/dparams, written by mlp_backward */
    double *W[MLP_MAX_LAYERS];    /* W[l] (n_l, n_{l-1}) within params, l = 1..L-1 */
    double *b[MLP_MAX_LAYERS];    /* b[l] (n_l,) within params */
    double *dW[MLP_MAX_LAYERS];   /* dW[l] (n_l, n_{l-1}) within grads */
    double *db[MLP_MAX_LAYERS];   /* db[l] (n_l,) within grads */

    /* ---- values of the last forward/backward pass, row r of unit j at [r * n_l + j] ---- */
    int batch;                    /* B of the last mlp_forward */
    int trained;                  /* 1: the last forward was a training pass (dropout applied) */
    double *a[MLP_MAX_LAYERS];    /* a[l] (B, n_l), l = 0..L-1: a[0] the inputs, a[L-1] the
                                     outputs (identity, probabilities); hidden: f(z) before
                                     dropout, so a dropped unit still shows its value */
    double *z[MLP_MAX_LAYERS];    /* z[l] (B, n_l), l >= 1: pre-activations (output: logits) */
    double *da[MLP_MAX_LAYERS];   /* da[l] (B, n_l): dL/da (hidden: of a before dropout);
                                     da[0] only with input_grad; da[L-1] is for display only
                                     (backward goes through dz), floored so it stays finite */
    double *dz[MLP_MAX_LAYERS];   /* dz[l] (B, n_l), l >= 1: dL/dz */
    double *mask[MLP_MAX_LAYERS]; /* mask[l] (B, n_l), hidden l: 0 (dropped) or 1/(1-p) (kept);
                                     valid when trained && dropout > 0 */
    double *drop[MLP_MAX_LAYERS]; /* drop[l] (B, n_l), hidden l: a[l] * mask[l], what layer l+1
                                     read in a training pass with dropout */
    double *y;                    /* (B, O) the targets of the last forward (NULL targets: 0) */

    /* ---- the loss of the last forward with targets ---- */
    double loss;                  /* data_loss + penalty */
    double data_loss;             /* mean over the batch of the per-example loss */
    double penalty;               /* l1 sum |w| + l2/2 sum w^2 */
} mlp;

/* ---- building ---- */

/* Upper bound on the bytes mlp_init takes from an instance for these sizes and batch: add it to
   a module's state_bytes (it includes mlm_alloc's 16-byte rounding). 0 if the sizes are invalid. */
size_t mlp_bytes(const int *sizes, int n_layers, int max_batch);
/* A compile-time upper bound of mlp_bytes for every network with I inputs, at most H hidden
   layers of at most W units, O outputs, and a batch of at most B, for a module's state_bytes:
   the parameters and gradients of the largest such network (plus I O + O for the network
   without hidden layers, which can hold more when W is small), and the per-batch values, each
   buffer rounded up to an even count. test_mlp checks it against mlp_bytes. */
#define MLP_A16_(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define MLP_PARAMS_MAX(I, W, H, O)                                                           \
    ((size_t)(I) * (W) + (W) + ((H) > 1 ? (size_t)((H) - 1) * ((size_t)(W) * (W) + (W)) : 0) + \
     (size_t)(W) * (O) + (O) + (size_t)(I) * (O) + (O))
#define MLP_BYTES_MAX(I, W, H, O, B)                                                        \
    (2 * MLP_A16_(sizeof(double) * MLP_PARAMS_MAX(I, W, H, O)) +                             \
     MLP_A16_(sizeof(double) * (2 * ((size_t)(B) * (I) + 1) +                               \
                                6 * (size_t)(H) * ((size_t)(B) * (W) + 1) +                 \
                                5 * ((size_t)(B) * (O) + 1))))
/* Set up *net (owned by the caller, normally inside the module's state) for sizes[0..n_layers),
   carve its buffers from `in` and draw its initial weights from in->rng (mlp_init_params).
   Returns 0, or -1 after mlm_fail(in, reason) for invalid sizes or a full instance. */
int mlp_init(mlm_instance *in, mlp *net, const int *sizes, int n_layers, int hidden_act,
             int out_kind, int max_batch);
/* Draw fresh weights from rng and zero the biases. The variance of layer l's weights follows the
   function after it: He, 2 / n_{l-1}, before ReLU and leaky ReLU; Glorot, 2 / (n_{l-1} + n_l),
   before anything else (tanh, sigmoid, identity, and every output layer). Weights are normal. */
void mlp_init_params(mlp *net, mlm_rng *rng);

/* ---- activations, one unit at a time (the neurons chapter plots these) ---- */

/* f(z) of activation `act`; `leaky` is leaky ReLU's slope (ignored by the others). */
double mlp_activation(int act, double z, double leaky);
/* f'(z), given also a = f(z) (sigmoid and tanh compute it from a; the others from z). ReLU's
   derivative at exactly 0 is taken as 0 (a subgradient); leaky ReLU's as `leaky`. */
double mlp_activation_grad(int act, double z, double a, double leaky);

/* ---- training ---- */

/* Forward pass over the B rows of x (B, I), keeping every z and a in *net. With targets y (B, O)
   also compute the loss (returned, and stored with its parts); with y NULL return 0. A non-NULL
   rng makes it a training pass: dropout masks are drawn from rng (pass &in->rng); NULL is an
   evaluation pass without dropout. B <= max_batch. */
double mlp_forward(mlp *net, const double *x, const double *y, int B, mlm_rng *rng);
/* Backward pass for the last mlp_forward (which must have had targets): overwrite net->grads
   with dL/dparams (penalty included) and fill every dz and da. */
void mlp_backward(mlp *net);
/* Backward pass for the last mlp_forward (targets or not) from a blame the caller computed:
   dz_out (B, O) is dL/dz of the output layer's weighted sums (the logits) for some loss L of the
   caller's, e.g. a loss read through another network. Overwrites net->grads with dL/dparams
   (plus the penalty's gradient) and fills every dz and the hidden da; da[0] = dL/dx too with
   input_grad. da[L-1] is left as it was. */
void mlp_backward_from(mlp *net, const double *dz_out);
/* One plain gradient-descent step on the parameters: params -= lr * grads. Reads only the
   buffers, so any other rule (engine/core/optim.h) can take its place. */
void mlp_sgd_step(mlp *net, double lr);
/* 1 if every parameter is finite (check after a step before drawing). */
int mlp_finite(const mlp *net);

/* ---- evaluation (never dropout; never touches the parameters) ---- */

/* Mean data loss (no penalty) and accuracy over N examples x (N, I), y (N, O), in chunks of
   max_batch through mlp_forward: it overwrites the per-batch values, so call it between steps.
   Accuracy counts an example right when softmax: argmax a = argmax y; BCE: every output is on
   y's side of 1/2; MSE: every output is within 1/2 of its target. Either pointer may be NULL. */
void mlp_evaluate(mlp *net, const double *x, const double *y, int N, double *loss, double *acc);
/* The outputs out (O,) for one input x (I,): no allocation, no state written, the same bits as
   row r of a batched evaluation forward. */
void mlp_predict(const mlp *net, const double *x, double *out);
/* Like mlp_predict, and also every hidden unit's activation into units (U,), layer by layer
   (unit j of layer l at mlp_unit_index(net, l, j)). units may be NULL. */
void mlp_predict_units(const mlp *net, const double *x, double *out, double *units);
/* Hidden units in all (U), and the index of unit j of hidden layer l (1 <= l < L-1) among them. */
int mlp_hidden_units(const mlp *net);
int mlp_unit_index(const mlp *net, int l, int j);

/* Write the features of (x1, x2) selected by mask (MLP_FEAT_*) into f, in MLP_FEAT_* order;
   returns how many. mask 0 means x1, x2. */
int mlp_features_2d(double *f, double x1, double x2, unsigned mask);

/* A w x h grid over [x0, x1] x [y0, y1] for heatmaps. Point (c, r) is (x0 + c (x1-x0)/(w-1),
   y0 + r (y1-y0)/(h-1)), as MLM_VIEW_FIELD draws it; the network's input there is
   mlp_features_2d(point, features). */
typedef struct {
    double x0, x1, y0, y1;  /* the region */
    int w, h;               /* points per row, rows (>= 1 each) */
    unsigned features;      /* MLP_FEAT_* mask (default 0: the inputs are x, y) */
    int output;             /* which output goes to `out` (default 0; softmax: a class) */
    float *out;             /* (h, w) that output, row 0 at y0: an MLM_VIEW_FIELD buffer;
                               NULL: not wanted */
    float *units;           /* U images of every hidden unit's activation; NULL: not wanted */
    int unit_stride;        /* floats from one unit's image to the next (default w * h; 3 + w * h
                               writes straight into the images of an MLM_VIEW_TILES buffer, with
                               units pointing at the first tile's image) */
    int units_top_down;     /* 1: the unit images have row 0 at y1 (MLM_VIEW_TILES' order) */
} mlp_grid_desc;

/* Evaluate the network at every point of the grid described by *g, writing what g asks for.
   No allocation, no state written; each value equals mlp_predict_units at that point. */
void mlp_grid(const mlp *net, const mlp_grid_desc *g);

#endif
