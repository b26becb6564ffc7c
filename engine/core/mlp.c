/* mlp.c: the multilayer perceptron of mlp.h, the one network the chapters of Part IV share.
 * Read it top to bottom: the activation table, then each piece of a layer as a _forward /
 * _backward pair (dense, activation, dropout, loss, penalty), then the passes that chain them
 * (mlp_forward, mlp_backward), the update, and the evaluation helpers for drawing.
 *
 * Shapes follow the legend of mlp.h: B rows in a batch, n_l units in layer l (I inputs, O
 * outputs), P parameters, U hidden units. Every buffer is a row-major array of doubles; row r of
 * a (B, n) buffer starts at [r * n].
 *
 * Determinism: the only transcendental functions are detmath.h's (mlm_tanh, mlm_sigmoid,
 * mlm_exp, mlm_log, mlm_log1p, mlm_sin), every sum runs in one fixed order, and the only
 * randomness is the caller's mlm_rng, so a run gives the same bits natively and in wasm. */
#include "mlp.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "detmath.h"

/* A (B, n) buffer is rounded up to an even number of doubles so that every buffer carved from a
   block starts 16-byte aligned, as mlm_alloc's own blocks do (wasm SIMD loads like that). */
#define MLP_EVEN(n) (((size_t)(n) + 1) & ~(size_t)1)
#define MLP_ALIGN16(n) (((size_t)(n) + 15) & ~(size_t)15)

/* ---- the activation table ---- */

//> activations
/* f(z) and f'(z) of each hidden activation. f' is also given a = f(z): for sigmoid and tanh the
   derivative is a cheap function of the output, which saves a second exponential per unit. */
static inline double act_f(int act, double z, double leaky) {
    switch (act) {
    case MLP_SIGMOID: return mlm_sigmoid(z);            /* 1 / (1 + e^-z) */
    case MLP_TANH: return mlm_tanh(z);                  /* (e^z - e^-z) / (e^z + e^-z) */
    case MLP_RELU: return z > 0 ? z : 0.0;              /* max(0, z) */
    case MLP_LEAKY_RELU: return z > 0 ? z : leaky * z;  /* a small slope keeps units alive */
    default: return z;                                  /* identity */
    }
}

static inline double act_df(int act, double z, double a, double leaky) {
    switch (act) {
    case MLP_SIGMOID: return a * (1.0 - a);             /* sigma' = sigma (1 - sigma) */
    case MLP_TANH: return 1.0 - a * a;                  /* tanh' = 1 - tanh^2 */
    case MLP_RELU: return z > 0 ? 1.0 : 0.0;            /* 0 at the kink: a subgradient */
    case MLP_LEAKY_RELU: return z > 0 ? 1.0 : leaky;
    default: return 1.0;
    }
}
//< activations

double mlp_activation(int act, double z, double leaky) { return act_f(act, z, leaky); }

double mlp_activation_grad(int act, double z, double a, double leaky) {
    return act_df(act, z, a, leaky);
}

/* ---- a fully connected layer ---- */

//> dense_forward
/* z = W a_in + b for each of the B rows: z[r, o] = b[o] + sum_i W[o, i] in[r, i]. Every caller
   (training, evaluation, a single prediction, a grid) sums in this one order, bias first and
   then i upwards, so they all agree to the last bit. */
static void dense_forward(double *z /* (B, O) */, const double *in /* (B, I) */,
                          const double *W /* (O, I) */, const double *bias /* (O,) */, int B,
                          int I, int O) {
    for (int r = 0; r < B; r++) {
        const double *x = in + (size_t)r * I;
        double *zr = z + (size_t)r * O;
        for (int o = 0; o < O; o++) {
            const double *w = W + (size_t)o * I;
            double s = bias[o];
            for (int i = 0; i < I; i++) s += w[i] * x[i];
            zr[o] = s;
        }
    }
}
//< dense_forward

//> dense_backward
/* Given dz = dL/dz (B, O), the gradients of the layer's parameters and of its input:
     dL/dW[o, i] = sum_r dz[r, o] in[r, i]    (each edge: the signal into it times the blame
                                               on the unit it feeds)
     dL/db[o]    = sum_r dz[r, o]
     dL/din[r, i] = sum_o dz[r, o] W[o, i]    (a unit's blame sums over its outgoing edges)
   dW and db are overwritten; din may be NULL (the network's inputs need no gradient). The inner
   loops run over contiguous i, which compilers vectorise. */
static void dense_backward(double *din /* (B, I) or NULL */, double *dW /* (O, I) */,
                           double *db /* (O,) */, const double *dz /* (B, O) */,
                           const double *in /* (B, I) */, const double *W /* (O, I) */, int B,
                           int I, int O) {
    memset(dW, 0, sizeof(double) * (size_t)O * I);
    memset(db, 0, sizeof(double) * (size_t)O);
    for (int r = 0; r < B; r++) {
        const double *x = in + (size_t)r * I;
        const double *g = dz + (size_t)r * O;
        for (int o = 0; o < O; o++) {
            double *dw = dW + (size_t)o * I;
            for (int i = 0; i < I; i++) dw[i] += g[o] * x[i];
            db[o] += g[o];
        }
    }
    if (!din) return;
    for (int r = 0; r < B; r++) {
        const double *g = dz + (size_t)r * O;
        double *d = din + (size_t)r * I;
        memset(d, 0, sizeof(double) * (size_t)I);
        for (int o = 0; o < O; o++) {
            const double *w = W + (size_t)o * I;
            for (int i = 0; i < I; i++) d[i] += g[o] * w[i];
        }
    }
}
//< dense_backward

/* ---- the activation of a hidden layer, n = B * n_l values ---- */

//> act_forward
/* a = f(z) for every unit of every row. */
static void act_forward(double *a /* (n,) */, const double *z /* (n,) */, int n, int act,
                        double leaky) {
    for (int i = 0; i < n; i++) a[i] = act_f(act, z[i], leaky);
}
//< act_forward

//> act_backward
/* The chain rule through one unit: dL/dz = dL/da * f'(z). */
static void act_backward(double *dz /* (n,) */, const double *da /* (n,) */,
                         const double *z /* (n,) */, const double *a /* (n,) */, int n, int act,
                         double leaky) {
    for (int i = 0; i < n; i++) dz[i] = da[i] * act_df(act, z[i], a[i], leaky);
}
//< act_backward

/* ---- dropout ---- */

//> dropout
/* Inverted dropout: in training each hidden unit is kept with probability 1 - p and the kept
   ones are scaled by 1 / (1 - p), so the value a layer passes on is unchanged on average and an
   evaluation pass simply skips this step. The mask is stored, because backward must send blame
   only through the units that were kept, scaled alike. */
static void dropout_forward(double *out /* (n,) */, double *mask /* (n,) */,
                            const double *a /* (n,) */, int n, double p, mlm_rng *rng) {
    double keep = p < 1 ? 1.0 / (1.0 - p) : 0.0;
    for (int i = 0; i < n; i++) {
        mask[i] = mlm_rng_uniform(rng) < p ? 0.0 : keep;
        out[i] = a[i] * mask[i];
    }
}

static void dropout_backward(double *da /* (n,) */, const double *dout /* (n,) */,
                             const double *mask /* (n,) */, int n) {
    for (int i = 0; i < n; i++) da[i] = dout[i] * mask[i];
}
//< dropout

/* ---- output functions and losses: each turns the logits z into outputs a and, given targets
   y, returns the loss summed over the B rows ---- */

//> loss_mse
/* Regression: the outputs are the logits, the loss half the squared error. */
static double mse_forward(double *a /* (B, O) */, const double *z /* (B, O) */,
                          const double *y /* (B, O) or NULL */, int B, int O) {
    double sum = 0;
    for (size_t k = 0; k < (size_t)B * O; k++) {
        a[k] = z[k];
        if (y) sum += 0.5 * (a[k] - y[k]) * (a[k] - y[k]);
    }
    return sum;
}
//< loss_mse

//> loss_bce
/* A yes/no per output: p = sigmoid(z), loss -y log p - (1 - y) log(1 - p). Written with the
   logit, that is softplus(z) - y z, and softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
   never overflows (e^-|z| <= 1) and stays exact where log(p) would round p = 1 - 1e-17 to 1. */
static double bce_forward(double *a /* (B, O) */, const double *z /* (B, O) */,
                          const double *y /* (B, O) or NULL */, int B, int O) {
    double sum = 0;
    for (size_t k = 0; k < (size_t)B * O; k++) {
        a[k] = mlm_sigmoid(z[k]);
        if (y) sum += (z[k] > 0 ? z[k] : 0.0) + mlm_log1p(mlm_exp(-fabs(z[k]))) - y[k] * z[k];
    }
    return sum;
}
//< loss_bce

//> loss_softmax
/* One of O classes: p_k = e^{z_k} / sum_j e^{z_j}, loss -sum_k y_k log p_k = logsumexp(z) -
   sum_k y_k z_k (the rows of y sum to 1). Subtracting the largest logit m first changes nothing
   mathematically (the factor e^-m cancels) but keeps every e^{z_k - m} in (0, 1]: no overflow at
   z = 1000, and the sum is at least 1, so its log is safe. */
static double softmax_forward(double *a /* (B, O) */, const double *z /* (B, O) */,
                              const double *y /* (B, O) or NULL */, int B, int O) {
    double sum = 0;
    for (int r = 0; r < B; r++) {
        const double *zr = z + (size_t)r * O;
        double *p = a + (size_t)r * O;
        double m = zr[0];
        for (int k = 1; k < O; k++) m = zr[k] > m ? zr[k] : m;
        double s = 0;
        for (int k = 0; k < O; k++) {
            p[k] = mlm_exp(zr[k] - m);
            s += p[k];
        }
        for (int k = 0; k < O; k++) p[k] /= s;
        if (y) {
            double lse = m + mlm_log(s);
            const double *yr = y + (size_t)r * O;
            for (int k = 0; k < O; k++) sum += yr[k] * (lse - zr[k]);
        }
    }
    return sum;
}
//< loss_softmax

static double loss_forward(double *a /* (B, O) */, const double *z /* (B, O) */,
                           const double *y /* (B, O) or NULL */, int B, int O, int kind) {
    switch (kind) {
    case MLP_BCE: return bce_forward(a, z, y, B, O);
    case MLP_SOFTMAX: return softmax_forward(a, z, y, B, O);
    default: return mse_forward(a, z, y, B, O);
    }
}

//> loss_backward
/* The three pairs share one output gradient: for the mean loss over B rows,
   dL/dz = (a - y) / B. (MSE: d/da of (a - y)^2 / 2. BCE: sigmoid' = p (1 - p) cancels the
   1 / (p (1 - p)) of the log loss. Softmax: the Jacobian of softmax folds the cross-entropy's
   -y_k / p_k into p - y.) The drawing also wants dL/da at the outputs; it goes into da, with its
   denominators floored at the smallest double so a saturated output shows a huge but finite
   blame. */
static void loss_backward(double *dz /* (B, O) */, double *da /* (B, O) */,
                          const double *a /* (B, O) */, const double *y /* (B, O) */, int B,
                          int O, int kind) {
    for (size_t k = 0; k < (size_t)B * O; k++) {
        dz[k] = (a[k] - y[k]) / B;
        if (kind == MLP_BCE) da[k] = dz[k] / fmax(a[k] * (1.0 - a[k]), DBL_MIN);
        else if (kind == MLP_SOFTMAX) da[k] = -y[k] / fmax(a[k], DBL_MIN) / B;
        else da[k] = dz[k];
    }
}
//< loss_backward

/* ---- the penalty on the weights ---- */

//> penalty
/* l1 sum |w| + l2/2 sum w^2 over every weight (never the biases). Its gradient, added to the
   data's: l1 sign(w) + l2 w. |w| has no derivative at 0; sign(0) = 0 is the subgradient that
   leaves a weight at exactly 0 where it is. */
static double penalty_forward(const mlp *net) {
    if (net->l1 == 0 && net->l2 == 0) return 0;
    double s1 = 0, s2 = 0;
    for (int l = 1; l < net->L; l++) {
        const double *W = net->W[l];
        for (size_t k = 0; k < (size_t)net->sizes[l] * net->sizes[l - 1]; k++) {
            s1 += fabs(W[k]);
            s2 += W[k] * W[k];
        }
    }
    return net->l1 * s1 + 0.5 * net->l2 * s2;
}

static void penalty_backward(mlp *net) {
    if (net->l1 == 0 && net->l2 == 0) return;
    for (int l = 1; l < net->L; l++) {
        const double *W = net->W[l];
        double *dW = net->dW[l];
        for (size_t k = 0; k < (size_t)net->sizes[l] * net->sizes[l - 1]; k++) {
            double sign = W[k] > 0 ? 1.0 : W[k] < 0 ? -1.0 : 0.0;
            dW[k] += net->l1 * sign + net->l2 * W[k];
        }
    }
}
//< penalty

/* ---- building ---- */

static int mlp_n_params(const int *sizes, int L) {
    int P = 0;
    for (int l = 1; l < L; l++) P += sizes[l] * sizes[l - 1] + sizes[l];
    return P;
}

/* Doubles in the per-batch block, each buffer rounded to keep the next aligned. */
static size_t mlp_batch_doubles(const int *sizes, int L, int B) {
    size_t n = 2 * MLP_EVEN((size_t)B * sizes[0]);               /* a[0], da[0] */
    for (int l = 1; l < L; l++) {
        size_t one = MLP_EVEN((size_t)B * sizes[l]);
        n += 4 * one;                                            /* z, a, dz, da */
        if (l < L - 1) n += 2 * one;                             /* mask, drop */
    }
    return n + MLP_EVEN((size_t)B * sizes[L - 1]);               /* y */
}

static int mlp_sizes_ok(const int *sizes, int L, int B) {
    if (!sizes || L < 2 || L > MLP_MAX_LAYERS || B < 1 || B > MLP_MAX_BATCH) return 0;
    int units = 0;
    for (int l = 0; l < L; l++) {
        if (sizes[l] < 1 || sizes[l] > MLP_MAX_WIDTH) return 0;
        if (l > 0 && l < L - 1) units += sizes[l];
    }
    return units <= MLP_MAX_UNITS;
}

size_t mlp_bytes(const int *sizes, int n_layers, int max_batch) {
    if (!mlp_sizes_ok(sizes, n_layers, max_batch)) return 0;
    size_t P = (size_t)mlp_n_params(sizes, n_layers);
    return 2 * MLP_ALIGN16(sizeof(double) * P) +
           MLP_ALIGN16(sizeof(double) * mlp_batch_doubles(sizes, n_layers, max_batch));
}

void mlp_init_params(mlp *net, mlm_rng *rng) {
    for (int l = 1; l < net->L; l++) {
        int fan_in = net->sizes[l - 1], fan_out = net->sizes[l];
        int relu = l < net->L - 1 &&
                   (net->hidden_act == MLP_RELU || net->hidden_act == MLP_LEAKY_RELU);
        /* He: a ReLU zeroes half its inputs' variance, so doubling 1/fan_in keeps the signal's
           variance constant from layer to layer. Glorot: the compromise 2 / (fan_in + fan_out)
           keeps both the forward signal and the backward gradient near unit variance for
           functions with slope 1 at 0 (tanh, identity; sigmoid is near enough). */
        double sd = sqrt(relu ? 2.0 / fan_in : 2.0 / (fan_in + fan_out));
        for (int k = 0; k < fan_out * fan_in; k++) net->W[l][k] = sd * mlm_rng_normal(rng);
        memset(net->b[l], 0, sizeof(double) * (size_t)fan_out);
    }
}

int mlp_init(mlm_instance *in, mlp *net, const int *sizes, int n_layers, int hidden_act,
             int out_kind, int max_batch) {
    if (!mlp_sizes_ok(sizes, n_layers, max_batch) || hidden_act < 0 ||
        hidden_act >= MLP_ACT_COUNT || out_kind < 0 || out_kind >= MLP_OUT_COUNT) {
        mlm_fail(in, "this network shape is not supported (2 to %d layers of 1 to %d units)",
                 MLP_MAX_LAYERS, MLP_MAX_WIDTH);
        return -1;
    }
    memset(net, 0, sizeof *net);
    net->L = n_layers;
    memcpy(net->sizes, sizes, sizeof(int) * (size_t)n_layers);
    net->hidden_act = hidden_act;
    net->out_kind = out_kind;
    net->max_batch = max_batch;
    net->n_params = mlp_n_params(sizes, n_layers);
    net->leaky = 0.01;

    /* One block per kind of memory, as llm.c does: parameters, gradients, per-batch values. */
    size_t P = (size_t)net->n_params;
    net->params = mlm_alloc(in, sizeof(double) * P);
    net->grads = mlm_alloc(in, sizeof(double) * P);
    double *m = mlm_alloc(in, sizeof(double) * mlp_batch_doubles(sizes, n_layers, max_batch));
    if (!net->params || !net->grads || !m) {
        mlm_fail(in, "out of memory for a network of %d parameters", net->n_params);
        return -1;
    }
    double *p = net->params, *g = net->grads;
    for (int l = 1; l < n_layers; l++) {
        size_t nw = (size_t)sizes[l] * sizes[l - 1];
        net->W[l] = p, net->dW[l] = g, p += nw, g += nw;
        net->b[l] = p, net->db[l] = g, p += sizes[l], g += sizes[l];
    }
    size_t B = (size_t)max_batch;
    net->a[0] = m, m += MLP_EVEN(B * sizes[0]);
    net->da[0] = m, m += MLP_EVEN(B * sizes[0]);
    for (int l = 1; l < n_layers; l++) {
        size_t one = MLP_EVEN(B * sizes[l]);
        net->z[l] = m, m += one;
        net->a[l] = m, m += one;
        net->dz[l] = m, m += one;
        net->da[l] = m, m += one;
        if (l < n_layers - 1) {
            net->mask[l] = m, m += one;
            net->drop[l] = m, m += one;
        }
    }
    net->y = m;
    mlp_init_params(net, &in->rng);
    return 0;
}

/* ---- the passes ---- */

/* The forward pass, returning the summed (not yet averaged) data loss. */
static double mlp_forward_sum(mlp *net, const double *x /* (B, I) */,
                              const double *y /* (B, O) or NULL */, int B, mlm_rng *rng) {
    int L = net->L;
    net->batch = B;
    net->trained = rng && net->dropout > 0;
    memcpy(net->a[0], x, sizeof(double) * (size_t)B * net->sizes[0]);
    const double *in = net->a[0]; /* (B, n_{l-1}) what layer l reads */
    for (int l = 1; l < L; l++) {
        int n = net->sizes[l];
        dense_forward(net->z[l], in, net->W[l], net->b[l], B, net->sizes[l - 1], n);
        if (l == L - 1) break;
        act_forward(net->a[l], net->z[l], B * n, net->hidden_act, net->leaky);
        in = net->a[l];
        if (net->trained) {
            dropout_forward(net->drop[l], net->mask[l], net->a[l], B * n, net->dropout, rng);
            in = net->drop[l];
        }
    }
    int O = net->sizes[L - 1];
    if (y) memcpy(net->y, y, sizeof(double) * (size_t)B * O);
    else memset(net->y, 0, sizeof(double) * (size_t)B * O);
    return loss_forward(net->a[L - 1], net->z[L - 1], y, B, O, net->out_kind);
}

//> mlp_forward
double mlp_forward(mlp *net, const double *x, const double *y, int B, mlm_rng *rng) {
    if (B > net->max_batch) B = net->max_batch; /* never write past the buffers */
    double sum = mlp_forward_sum(net, x, y, B, rng);
    if (!y) {
        net->loss = net->data_loss = net->penalty = 0;
        return 0;
    }
    net->data_loss = sum / B;
    net->penalty = penalty_forward(net);
    net->loss = net->data_loss + net->penalty;
    return net->loss;
}
//< mlp_forward

//> mlp_backward
/* The layers in reverse, from the blame dz_out = dL/dz (B, O) on the output layer's weighted
   sums: each dense layer turns its dz into its parameters' gradients and the blame on its inputs
   (da of the layer below); dropout sends that only through the kept units; the activation turns
   da into dz. The loss need not be the network's own: a GAN's generator is blamed through the
   discriminator that reads its outputs. */
void mlp_backward_from(mlp *net, const double *dz_out) {
    int L = net->L, B = net->batch;
    if (dz_out != net->dz[L - 1])
        memcpy(net->dz[L - 1], dz_out, sizeof(double) * (size_t)B * net->sizes[L - 1]);
    for (int l = L - 1; l >= 1; l--) {
        int I = net->sizes[l - 1], O = net->sizes[l];
        int hidden_below = l - 1 >= 1;
        const double *in = hidden_below && net->trained ? net->drop[l - 1] : net->a[l - 1];
        double *din = hidden_below || net->input_grad ? net->da[l - 1] : NULL;
        dense_backward(din, net->dW[l], net->db[l], net->dz[l], in, net->W[l], B, I, O);
        if (!hidden_below) continue;
        if (net->trained) dropout_backward(net->da[l - 1], net->da[l - 1], net->mask[l - 1], B * I);
        act_backward(net->dz[l - 1], net->da[l - 1], net->z[l - 1], net->a[l - 1], B * I,
                     net->hidden_act, net->leaky);
    }
    penalty_backward(net);
}

/* With the network's own loss, the blame on the output sums is (a - y) / B. */
void mlp_backward(mlp *net) {
    int L = net->L;
    loss_backward(net->dz[L - 1], net->da[L - 1], net->a[L - 1], net->y, net->batch,
                  net->sizes[L - 1], net->out_kind);
    mlp_backward_from(net, net->dz[L - 1]);
}
//< mlp_backward

//> sgd_step
/* Plain mini-batch gradient descent: every parameter moves against its gradient. */
void mlp_sgd_step(mlp *net, double lr) {
    for (int k = 0; k < net->n_params; k++) net->params[k] -= lr * net->grads[k];
}
//< sgd_step

int mlp_finite(const mlp *net) {
    for (int k = 0; k < net->n_params; k++)
        if (!mlm_isfinite(net->params[k])) return 0;
    return 1;
}

/* ---- evaluation ---- */

/* 1 if row r's outputs a (O,) count as right for targets y (O,); see mlp_evaluate. */
static int mlp_correct(const double *a, const double *y, int O, int kind) {
    if (kind == MLP_SOFTMAX) {
        int pa = 0, py = 0;
        for (int k = 1; k < O; k++) {
            if (a[k] > a[pa]) pa = k;
            if (y[k] > y[py]) py = k;
        }
        return pa == py;
    }
    for (int k = 0; k < O; k++) {
        if (kind == MLP_BCE ? (a[k] > 0.5) != (y[k] > 0.5) : fabs(a[k] - y[k]) >= 0.5) return 0;
    }
    return 1;
}

void mlp_evaluate(mlp *net, const double *x, const double *y, int N, double *loss, double *acc) {
    int I = net->sizes[0], O = net->sizes[net->L - 1];
    double sum = 0;
    int right = 0;
    for (int s = 0; s < N; s += net->max_batch) {
        int B = N - s < net->max_batch ? N - s : net->max_batch;
        const double *yb = y + (size_t)s * O;
        sum += mlp_forward_sum(net, x + (size_t)s * I, yb, B, NULL);
        for (int r = 0; r < B; r++)
            right += mlp_correct(net->a[net->L - 1] + (size_t)r * O, yb + (size_t)r * O, O,
                                 net->out_kind);
    }
    if (loss) *loss = N > 0 ? sum / N : 0;
    if (acc) *acc = N > 0 ? (double)right / N : 0;
}

int mlp_hidden_units(const mlp *net) {
    int U = 0;
    for (int l = 1; l < net->L - 1; l++) U += net->sizes[l];
    return U;
}

int mlp_unit_index(const mlp *net, int l, int j) {
    int u = 0;
    for (int k = 1; k < l; k++) u += net->sizes[k];
    return u + j;
}

/* One row through the same kernels as a batch, with two layers' worth of stack. */
void mlp_predict_units(const mlp *net, const double *x, double *out, double *units) {
    double buf[2][MLP_MAX_WIDTH];
    const double *in = x;
    int L = net->L;
    for (int l = 1; l < L; l++) {
        int n = net->sizes[l];
        double *z = buf[l & 1], *a = buf[l & 1]; /* in place: f(z) overwrites z */
        dense_forward(z, in, net->W[l], net->b[l], 1, net->sizes[l - 1], n);
        if (l == L - 1) {
            loss_forward(out, z, NULL, 1, n, net->out_kind);
            break;
        }
        act_forward(a, z, n, net->hidden_act, net->leaky);
        if (units) memcpy(units, a, sizeof(double) * (size_t)n), units += n;
        in = a;
    }
}

void mlp_predict(const mlp *net, const double *x, double *out) {
    mlp_predict_units(net, x, out, NULL);
}

int mlp_features_2d(double *f, double x1, double x2, unsigned mask) {
    if (!mask) mask = MLP_FEAT_X1 | MLP_FEAT_X2;
    int n = 0;
    if (mask & MLP_FEAT_X1) f[n++] = x1;
    if (mask & MLP_FEAT_X2) f[n++] = x2;
    if (mask & MLP_FEAT_X1SQ) f[n++] = x1 * x1;
    if (mask & MLP_FEAT_X2SQ) f[n++] = x2 * x2;
    if (mask & MLP_FEAT_X1X2) f[n++] = x1 * x2;
    if (mask & MLP_FEAT_SIN1) f[n++] = mlm_sin(x1);
    if (mask & MLP_FEAT_SIN2) f[n++] = mlm_sin(x2);
    return n;
}

void mlp_grid(const mlp *net, const mlp_grid_desc *g) {
    /* f is as wide as any layer, zeroed: a network with more inputs than features reads 0s */
    double f[MLP_MAX_WIDTH] = {0}, out[MLP_MAX_WIDTH], units[MLP_MAX_UNITS];
    int U = mlp_hidden_units(net), w = g->w, h = g->h;
    int stride = g->unit_stride ? g->unit_stride : w * h;
    double dx = w > 1 ? (g->x1 - g->x0) / (w - 1) : 0, dy = h > 1 ? (g->y1 - g->y0) / (h - 1) : 0;
    for (int r = 0; r < h; r++) {
        double y = g->y0 + r * dy;
        int ur = g->units_top_down ? h - 1 - r : r;
        for (int c = 0; c < w; c++) {
            double x = g->x0 + c * dx;
            mlp_features_2d(f, x, y, g->features);
            mlp_predict_units(net, f, out, g->units ? units : NULL);
            if (g->out) g->out[r * w + c] = (float)out[g->output];
            if (g->units)
                for (int u = 0; u < U; u++) g->units[(size_t)u * stride + ur * w + c] = (float)units[u];
        }
    }
}
