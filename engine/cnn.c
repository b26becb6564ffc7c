/* cnn.c: chapter 22, a small convolutional network that learns to read the 8x8 digits.
 *
 * The network: one convolution layer of K learnt 3x3 kernels (padding 1, so each feature map is
 * 8x8), ReLU, 2x2 max pooling at stride 2 (K maps of 4x4), and a dense layer to the output: one
 * sigmoid unit when it tells two digits apart, ten softmax units for all ten. The convolution and
 * the pooling are the book's shared layers (engine/core/conv.c); the dense layer and its loss are
 * the book's MLP (engine/core/mlp.c) with no hidden layer, asked for the gradient of its input so
 * that the backward pass can continue into the pooling and the kernels. Beside it, on the same
 * split and the same mini-batches, trains the network of chapter 18 (64-32-O, ReLU, Adam at its
 * learning rate 0.003) for comparison. Optional data augmentation: each training image is shifted
 * by a few pixels and rotated by a small angle before it is used.
 *
 * Shape legend:
 *   B        images in a mini-batch (batch); N8 = 8 the image side, 64 pixels
 *   K        kernels (channels) of the convolution layer
 *   F        K * 16, the pooled features the dense layer reads
 *   O        outputs: 1 (two digits) or 10
 *   T, S     training images used (train_n of the split's 1500, or of the pair's), test images
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"
#include "detmath.h"
#include "digits.h"
#include "mlm.h"
#include "mlp.h"
#include "optim.h"

#define CN_SIDE 8
#define CN_PIX 64
#define CN_K_MAX 16
#define CN_F_MAX (CN_K_MAX * 16)
#define CN_B_MAX 64
#define CN_O_MAX 10
#define CN_EVAL_EVERY 10   /* test accuracy is measured every 10 steps */
#define CN_TRAIN_EVAL 300  /* training accuracy: on the first 300 training images used */
#define CN_HIST 400
#define CN_MLP_HIDDEN 32
#define CN_MLP_LR 0.003

enum { MODE_PAIR, MODE_TEN };

typedef struct {
    int mode, da, db, channels;
    double lr;
    int batch, train_n, augment, shift;
    double rotate;
    int watch, watch2;
} cn_desc;

static const mlm_param cn_params[] = {
    {"mode", "Task", MLM_CHOICE, offsetof(cn_desc, mode), 0, 1, 1, MODE_TEN, 0,
     "pair:One digit against another|ten:All ten digits", "two classes (a sigmoid output) or ten"},
    {"da", "Digit A", MLM_INT, offsetof(cn_desc, da), 0, 9, 1, 3, 0, NULL,
     "the digit the sigmoid output should call 0"},
    {"db", "Digit B", MLM_INT, offsetof(cn_desc, db), 0, 9, 1, 8, 0, NULL,
     "the digit the sigmoid output should call 1"},
    {"channels", "Kernels K", MLM_INT, offsetof(cn_desc, channels), 1, CN_K_MAX, 1, 8, 0, NULL,
     "3x3 kernels the convolution layer learns"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(cn_desc, lr), 1e-4, 0.1, 0, 0.01, 1, NULL,
     "Adam's step size for the convolutional network"},
    {"batch", "Batch size", MLM_INT, offsetof(cn_desc, batch), 1, CN_B_MAX, 1, 32, 0, NULL,
     "training images per step"},
    {"train_n", "Training images", MLM_INT, offsetof(cn_desc, train_n), 20, MLM_DIGITS_TRAIN, 1,
     MLM_DIGITS_TRAIN, 0, NULL, "how many of the training images are used (fewer: overfitting)"},
    {"augment", "Augment", MLM_BOOL, offsetof(cn_desc, augment), 0, 1, 1, 0, 0, NULL,
     "shift and rotate each training image a little before using it"},
    {"shift", "Largest shift", MLM_INT, offsetof(cn_desc, shift), 0, 2, 1, 1, 0, NULL,
     "pixels an image may move in each direction"},
    {"rotate", "Largest rotation (°)", MLM_FLOAT, offsetof(cn_desc, rotate), 0, 30, 1, 0, 0, NULL,
     "degrees an image may turn either way"},
    {"watch", "Watched image", MLM_INT, offsetof(cn_desc, watch), 0, MLM_DIGITS_TEST - 1, 1, 0, 0,
     NULL, "the test image whose feature maps are shown (counted within the task's test images)"},
    {"watch2", "Second image", MLM_INT, offsetof(cn_desc, watch2), 0, MLM_DIGITS_TEST - 1, 1, 1, 0,
     NULL, "a second test image whose probability is followed"},
};

static const mlm_when cn_when[] = {
    {"da", "mode=pair"}, {"db", "mode=pair"}, {"shift", "augment=1"}, {"rotate", "augment=1"},
};

enum { P_ACC, P_WATCH, P_PICS, P_MAPS, CN_N_PANELS };

static const mlm_panel cn_panels[] = {
    [P_ACC] = {"acc", "Accuracy against step", "step", "% right", MLM_PANEL_AUTO_X, NULL},
    [P_WATCH] = {"watch", "Probability of the right answer", "step",
                 "probability", MLM_PANEL_AUTO_X, NULL},
    [P_PICS] = {"pics", "The two test images", NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_EQUAL,
                NULL},
    [P_MAPS] = {"maps", "Learnt kernels (top) and their feature maps for the first image",
                NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_EQUAL | MLM_PANEL_WIDE, NULL},
};

enum {
    V_ACC_CNN, V_ACC_MLP, V_ACC_TRAIN, V_ACC_NOTE,
    V_P1, V_P2,
    V_PICS, V_PIC_LABELS,
    V_KERNELS, V_MAPS,
    V_S_CNN, V_S_MLP, V_S_TRAIN, V_S_LOSS, V_S_EPOCH,
    CN_N_VIEWS
};

static const mlm_view cn_views[] = {
    [V_ACC_CNN] = {"acc_cnn", "acc", MLM_VIEW_CURVE, "CNN, test", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_ACC_MLP] = {"acc_mlp", "acc", MLM_VIEW_CURVE, "MLP (chapter 18), test", MLM_ORANGE,
                   MLM_VIEW_LEGEND},
    [V_ACC_TRAIN] = {"acc_train", "acc", MLM_VIEW_CURVE, "CNN, training", MLM_BLUE,
                     MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_ACC_NOTE] = {"acc_note", "acc", MLM_VIEW_TEXT, "", 0, 0},
    [V_P1] = {"p1", "watch", MLM_VIEW_CURVE, "first image", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_P2] = {"p2", "watch", MLM_VIEW_CURVE, "second image", MLM_GREEN, MLM_VIEW_LEGEND},
    [V_PICS] = {"pictures", "pics", MLM_VIEW_TILES, "test images", 0, MLM_COLOR_GRAY},
    [V_PIC_LABELS] = {"picture_labels", "pics", MLM_VIEW_LABELS, "", 0, 0},
    [V_KERNELS] = {"kernels", "maps", MLM_VIEW_TILES, "kernels", 0, MLM_COLOR_DIVERGING},
    [V_MAPS] = {"feature_maps", "maps", MLM_VIEW_TILES, "feature maps", 0, MLM_COLOR_GRAY},
    [V_S_CNN] = {"test_acc", NULL, MLM_VIEW_SCALAR, "CNN test accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_MLP] = {"mlp_acc", NULL, MLM_VIEW_SCALAR, "MLP test accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_TRAIN] = {"train_acc", NULL, MLM_VIEW_SCALAR, "CNN training accuracy", 0,
                   MLM_SCALAR_PERCENT},
    [V_S_LOSS] = {"loss", NULL, MLM_VIEW_SCALAR, "batch loss", 0, 0},
    [V_S_EPOCH] = {"epoch", NULL, MLM_VIEW_SCALAR, "epoch", 0, MLM_SCALAR_INT},
};

_Static_assert(MLM_COUNT(cn_views) == CN_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(cn_panels) == CN_N_PANELS, "one declaration per panel");

/* What never changes after create: the images of the task, split. */
typedef struct {
    int T, S, O;
    double *x_tr;    /* (T, 64) pixels in [0, 1] */
    int32_t *l_tr;   /* (T,) digit labels */
    double *x_te;    /* (S, 64) */
    int32_t *l_te;   /* (S,) */
} cn_data;

typedef struct {
    cn_data *c;
    int K, B, O, F;
    conv2d_shape cs;          /* 1 -> K channels, 3x3, padding 1: 8x8 maps */
    pool_shape ps;            /* K maps, 2x2 windows at stride 2: 4x4 */
    double *cparams;          /* (K*9 + K,) the kernels (K, 1, 3, 3), then their biases (K,) */
    double *cgrads;           /* (K*9 + K,) */
    mlp dense;                /* F -> O: the output layer and its loss */
    mlp base;                 /* 64 -> 32 -> O: chapter 18's network, for comparison */
    mlm_opt_state opt_c, opt_d, opt_b;
    mlm_opt_hyper hyper, hyper_b;
    /* per-batch values */
    double *xb;               /* (B, 1, 8, 8) the mini-batch, augmented */
    double *yb;               /* (B, O) targets */
    double *conv;             /* (B, K, 8, 8) the convolution's outputs */
    double *act;              /* (B, K, 8, 8) after ReLU */
    double *pool;             /* (B, K, 4, 4) = (B, F) pooled: the dense layer's input */
    int32_t *arg;             /* (B, K, 4, 4) where each maximum came from */
    double *dact;             /* (B, K, 8, 8) dL/dact */
    int32_t *perm;            /* (T,) the shuffled deck of training images */
    int32_t pos;
    int64_t epoch;
    double loss;
    double acc_te, acc_mlp, acc_tr;
    int w1, w2;               /* the watched test images */
    double p1, p2;            /* their probability of the right answer */
    float maps[CN_K_MAX * CN_PIX]; /* (K, 8, 8) the first watched image's feature maps (ReLU) */
    mlm_series h_cnn, h_mlp, h_tr, h_p1, h_p2;
    /* drawing */
    float pics[2 * (3 + CN_PIX)];
    float pic_xy[4];
    char pic_text[96];
    float ktiles[CN_K_MAX * (3 + 9)];
    float mtiles[CN_K_MAX * (3 + CN_PIX)];
    char note[96];
} cn_state;

/* ---- data augmentation ---- */

//> augment
/* out = in moved by (dx, dy) pixels and turned by `angle` radians about the image's centre: each
   output pixel reads the input at the point that the inverse motion sends it to, by bilinear
   interpolation, and reads 0 (no ink) outside the image. Bilinear weights are non-negative and
   add up to at most 1, so pixels stay in [0, 1]; the label is not touched: a 3 moved one pixel
   and turned 10 degrees is still a 3. */
static void cn_augment(double *out /* (8, 8) */, const double *in /* (8, 8) */, double dx,
                       double dy, double angle) {
    const double c = mlm_cos(angle), s = mlm_sin(angle), mid = (CN_SIDE - 1) / 2.0;
    for (int y = 0; y < CN_SIDE; y++)
        for (int x = 0; x < CN_SIDE; x++) {
            double u = x - dx - mid, v = y - dy - mid;        /* undo the shift, centre */
            double sx = c * u + s * v + mid, sy = -s * u + c * v + mid; /* undo the turn */
            double fx = floor(sx), fy = floor(sy), ax = sx - fx, ay = sy - fy, sum = 0;
            for (int q = 0; q < 4; q++) {
                int px = (int)fx + (q & 1), py = (int)fy + (q >> 1);
                double wgt = ((q & 1) ? ax : 1 - ax) * ((q >> 1) ? ay : 1 - ay);
                if (px >= 0 && px < CN_SIDE && py >= 0 && py < CN_SIDE)
                    sum += wgt * in[py * CN_SIDE + px];
            }
            out[y * CN_SIDE + x] = sum < 0 ? 0 : sum > 1 ? 1 : sum; /* rounding only */
        }
}
//< augment

/* ---- the network ---- */

//> forward
/* The batch's forward pass: convolution, ReLU, max pooling, then the dense layer and its loss
   (mlp_forward with targets). Returns the mean loss. */
static double cn_forward(cn_state *s, int B) {
    conv2d_forward(s->conv, s->xb, s->cparams, s->cparams + s->K * 9, B, &s->cs);
    for (size_t q = 0; q < (size_t)B * s->K * CN_PIX; q++)
        s->act[q] = s->conv[q] > 0 ? s->conv[q] : 0.0;            /* ReLU */
    pool_forward(s->pool, s->arg, s->act, B, &s->ps);
    return mlp_forward(&s->dense, s->pool, s->yb, B, NULL);
}
//< forward

//> backward
/* And back: the dense layer gives dL/dpool (its input gradient, dense.da[0]); max pooling
   passes it to the winners; ReLU lets it through where the convolution's output was positive;
   the convolution turns it into the kernels' and biases' gradients. */
static void cn_backward(cn_state *s, int B) {
    mlp_backward(&s->dense);
    pool_backward(s->dact, s->dense.da[0], s->arg, B, &s->ps);
    for (size_t q = 0; q < (size_t)B * s->K * CN_PIX; q++)
        s->dact[q] = s->conv[q] > 0 ? s->dact[q] : 0.0;          /* ReLU' */
    conv2d_backward(NULL, s->cgrads, s->cgrads + s->K * 9, s->dact, s->xb, s->cparams, B, &s->cs);
}
//< backward

/* One image's outputs (O,) through the same layers, without touching the batch buffers (the
   maps (K, 64) after ReLU, if wanted). */
static void cn_predict(const cn_state *s, const double *x, double *out, float *maps) {
    double conv[CN_K_MAX * CN_PIX], pool[CN_F_MAX];
    conv2d_forward(conv, x, s->cparams, s->cparams + s->K * 9, 1, &s->cs);
    for (int q = 0; q < s->K * CN_PIX; q++) {
        conv[q] = conv[q] > 0 ? conv[q] : 0.0;
        if (maps) maps[q] = (float)conv[q];
    }
    pool_forward(pool, NULL, conv, 1, &s->ps);
    mlp_predict(&s->dense, pool, out);
}

static int cn_right(const cn_state *s, const double *out, int truth) {
    if (s->O == 1) return (out[0] >= 0.5) == (truth == 1);
    int best = 0;
    for (int k = 1; k < s->O; k++)
        if (out[k] > out[best]) best = k;
    return best == truth;
}

/* In the pair task labels are 0 (digit A) and 1 (digit B); the probability of the right answer
   is p for B and 1 - p for A. */
static double cn_p_right(const cn_state *s, const double *out, int truth) {
    if (s->O == 1) return truth == 1 ? out[0] : 1 - out[0];
    return out[truth];
}

static void cn_measure(cn_state *s) {
    const cn_data *c = s->c;
    double out[CN_O_MAX];
    int right = 0, right_mlp = 0, right_tr = 0;
    for (int i = 0; i < c->S; i++) {
        cn_predict(s, c->x_te + (size_t)i * CN_PIX, out, NULL);
        right += cn_right(s, out, c->l_te[i]);
        mlp_predict(&s->base, c->x_te + (size_t)i * CN_PIX, out);
        right_mlp += cn_right(s, out, c->l_te[i]);
    }
    int ntr = c->T < CN_TRAIN_EVAL ? c->T : CN_TRAIN_EVAL;
    for (int i = 0; i < ntr; i++) {
        cn_predict(s, c->x_tr + (size_t)i * CN_PIX, out, NULL);
        right_tr += cn_right(s, out, c->l_tr[i]);
    }
    s->acc_te = (double)right / c->S;
    s->acc_mlp = (double)right_mlp / c->S;
    s->acc_tr = (double)right_tr / ntr;
}

static void cn_watch(cn_state *s, int64_t step) {
    double out[CN_O_MAX];
    const cn_data *c = s->c;
    cn_predict(s, c->x_te + (size_t)s->w1 * CN_PIX, out, s->maps);
    s->p1 = cn_p_right(s, out, c->l_te[s->w1]);
    cn_predict(s, c->x_te + (size_t)s->w2 * CN_PIX, out, NULL);
    s->p2 = cn_p_right(s, out, c->l_te[s->w2]);
    mlm_series_push(&s->h_p1, (double)step, s->p1);
    mlm_series_push(&s->h_p2, (double)step, s->p2);
}

static void cn_record(cn_state *s, int64_t step) {
    cn_measure(s);
    mlm_series_push(&s->h_cnn, (double)step, 100 * s->acc_te);
    mlm_series_push(&s->h_mlp, (double)step, 100 * s->acc_mlp);
    mlm_series_push(&s->h_tr, (double)step, 100 * s->acc_tr);
}

//> step
/* One step: a mini-batch dealt from the shuffled training images (each shifted and turned at
   random when augmenting), the CNN's forward and backward passes and an Adam update; then the
   MLP of chapter 18 takes the same batch. */
static void cn_step(mlm_instance *in, void *self) {
    const cn_desc *d = in->desc;
    cn_state *s = self;
    const cn_data *c = s->c;
    for (int r = 0; r < s->B; r++) {
        if (s->pos >= c->T) {
            mlm_rng_shuffle(&in->rng, s->perm, c->T);
            s->pos = 0;
            s->epoch++;
        }
        int i = s->perm[s->pos++];
        double *x = s->xb + (size_t)r * CN_PIX;
        if (d->augment) {
            int dx = (int)mlm_rng_below(&in->rng, 2 * d->shift + 1) - d->shift;
            int dy = (int)mlm_rng_below(&in->rng, 2 * d->shift + 1) - d->shift;
            double a = mlm_rng_range(&in->rng, -d->rotate, d->rotate) * (3.14159265358979323846 / 180);
            cn_augment(x, c->x_tr + (size_t)i * CN_PIX, dx, dy, a);
        } else {
            memcpy(x, c->x_tr + (size_t)i * CN_PIX, sizeof(double) * CN_PIX);
        }
        double *y = s->yb + (size_t)r * s->O;
        if (s->O == 1) y[0] = c->l_tr[i];
        else
            for (int k = 0; k < s->O; k++) y[k] = k == c->l_tr[i];
    }
    s->loss = cn_forward(s, s->B);
    cn_backward(s, s->B);
    int PC = s->K * 10;
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt_c, s->cparams, s->cgrads, PC);
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt_d, s->dense.params, s->dense.grads,
                 s->dense.n_params);
    /* the comparison: chapter 18's network on the same images */
    mlp_forward(&s->base, s->xb, s->yb, s->B, NULL);
    mlp_backward(&s->base);
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper_b, &s->opt_b, s->base.params, s->base.grads,
                 s->base.n_params);
    int finite = mlm_isfinite(s->loss) && mlp_finite(&s->dense) && mlp_finite(&s->base);
    for (int q = 0; q < PC && finite; q++) finite = mlm_isfinite(s->cparams[q]);
    if (!finite) {
        mlm_diverged(in, 1, "the weights became infinite at step %lld: a learning rate of %g is "
                     "too large for this network", (long long)in->steps + 1, d->lr);
        return;
    }
    int64_t done = in->steps + 1;
    cn_watch(s, done);
    if (done % CN_EVAL_EVERY == 0) cn_record(s, done);
}
//< step

/* ---- lifecycle ---- */

#define CN_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define CN_PC_MAX (CN_K_MAX * 10)
#define CN_STATE_BYTES                                                                          \
    (CN_A16(sizeof(cn_state)) + 2 * CN_A16(sizeof(double) * CN_PC_MAX) +                        \
     MLP_BYTES_MAX(CN_F_MAX, 1, 0, CN_O_MAX, CN_B_MAX) +                                        \
     MLP_BYTES_MAX(CN_PIX, CN_MLP_HIDDEN, 1, CN_O_MAX, CN_B_MAX) +                              \
     CN_A16(3 * sizeof(double) * CN_PC_MAX) +                                                   \
     CN_A16(3 * sizeof(double) * MLP_PARAMS_MAX(CN_F_MAX, 1, 0, CN_O_MAX)) +                    \
     CN_A16(3 * sizeof(double) * MLP_PARAMS_MAX(CN_PIX, CN_MLP_HIDDEN, 1, CN_O_MAX)) +          \
     CN_A16(sizeof(double) * CN_B_MAX * CN_PIX) + CN_A16(sizeof(double) * CN_B_MAX * CN_O_MAX) + \
     3 * CN_A16(sizeof(double) * CN_B_MAX * CN_K_MAX * CN_PIX) +                                \
     CN_A16(sizeof(double) * CN_B_MAX * CN_F_MAX) + CN_A16(sizeof(int32_t) * CN_B_MAX * CN_F_MAX) + \
     CN_A16(sizeof(int32_t) * MLM_DIGITS_TRAIN) + 5 * CN_A16(sizeof(float) * 2 * CN_HIST))
#define CN_CONST_BYTES                                                                          \
    (CN_A16(sizeof(cn_data)) + CN_A16(sizeof(double) * MLM_DIGITS_TRAIN * CN_PIX) +             \
     CN_A16(sizeof(int32_t) * MLM_DIGITS_TRAIN) + CN_A16(sizeof(double) * MLM_DIGITS_TEST * CN_PIX) + \
     CN_A16(sizeof(int32_t) * MLM_DIGITS_TEST))

/* The task's images from the book's one split (digits.h): all ten digits, or only A and B
   relabelled 0 and 1; the first train_n training images of them. */
static int cn_load(mlm_instance *in, cn_data *c, const cn_desc *d) {
    int32_t order[MLM_DIGITS_N];
    mlm_digits_split(order);
    int pair = d->mode == MODE_PAIR;
    c->O = pair ? 1 : 10;
    c->x_tr = mlm_alloc_const(in, sizeof(double) * MLM_DIGITS_TRAIN * CN_PIX);
    c->l_tr = mlm_alloc_const(in, sizeof(int32_t) * MLM_DIGITS_TRAIN);
    c->x_te = mlm_alloc_const(in, sizeof(double) * MLM_DIGITS_TEST * CN_PIX);
    c->l_te = mlm_alloc_const(in, sizeof(int32_t) * MLM_DIGITS_TEST);
    if (!c->x_tr || !c->l_tr || !c->x_te || !c->l_te) return -1;
    c->T = c->S = 0;
    for (int k = 0; k < MLM_DIGITS_N; k++) {
        int i = order[k], test = k >= MLM_DIGITS_TRAIN, label = mlm_digits_label(i);
        if (pair && label != d->da && label != d->db) continue;
        if (!test && c->T >= d->train_n) continue;
        int row = test ? c->S++ : c->T++;
        float px[CN_PIX];
        mlm_digits_pixels(i, px);
        double *x = (test ? c->x_te : c->x_tr) + (size_t)row * CN_PIX;
        for (int p = 0; p < CN_PIX; p++) x[p] = px[p];
        (test ? c->l_te : c->l_tr)[row] = pair ? label == d->db : label;
    }
    return 0;
}

static void *cn_create(mlm_instance *in) {
    const cn_desc *d = in->desc;
    if (d->mode == MODE_PAIR && d->da == d->db) {
        mlm_fail(in, "Digit A and digit B are both %d: choose two different digits.", d->da);
        return NULL;
    }
    cn_state *s = mlm_alloc(in, sizeof *s);
    cn_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c || cn_load(in, c, d)) return NULL;
    s->c = c;
    s->K = d->channels, s->B = d->batch, s->O = c->O, s->F = s->K * 16;
    s->cs = (conv2d_shape){1, CN_SIDE, CN_SIDE, s->K, 3, 3, 1, 1, 1, 0, 0};
    s->ps = (pool_shape){s->K, CN_SIDE, CN_SIDE, 2, 2, POOL_MAX, 0, 0};
    conv2d_shape_init(&s->cs);
    pool_shape_init(&s->ps);
    int PC = s->K * 10;
    s->cparams = mlm_alloc(in, sizeof(double) * PC);
    s->cgrads = mlm_alloc(in, sizeof(double) * PC);
    s->xb = mlm_alloc(in, sizeof(double) * s->B * CN_PIX);
    s->yb = mlm_alloc(in, sizeof(double) * s->B * s->O);
    s->conv = mlm_alloc(in, sizeof(double) * s->B * s->K * CN_PIX);
    s->act = mlm_alloc(in, sizeof(double) * s->B * s->K * CN_PIX);
    s->dact = mlm_alloc(in, sizeof(double) * s->B * s->K * CN_PIX);
    s->pool = mlm_alloc(in, sizeof(double) * s->B * s->F);
    s->arg = mlm_alloc(in, sizeof(int32_t) * s->B * s->F);
    s->perm = mlm_alloc(in, sizeof(int32_t) * c->T);
    if (!s->cparams || !s->cgrads || !s->xb || !s->yb || !s->conv || !s->act || !s->dact ||
        !s->pool || !s->arg || !s->perm)
        return NULL;
    /* He initialisation for the kernels (ReLU follows): variance 2 / fan-in, fan-in 9 */
    for (int q = 0; q < s->K * 9; q++) s->cparams[q] = mlm_rng_normal(&in->rng) * sqrt(2.0 / 9);
    int out_kind = s->O == 1 ? MLP_BCE : MLP_SOFTMAX;
    int dsz[2] = {s->F, s->O}, bsz[3] = {CN_PIX, CN_MLP_HIDDEN, s->O};
    if (mlp_init(in, &s->dense, dsz, 2, MLP_RELU, out_kind, s->B)) return NULL;
    s->dense.input_grad = 1;
    if (mlp_init(in, &s->base, bsz, 3, MLP_RELU, out_kind, s->B)) return NULL;
    double *b1 = mlm_alloc(in, mlm_opt_bytes(PC)), *b2 = mlm_alloc(in, mlm_opt_bytes(s->dense.n_params)),
           *b3 = mlm_alloc(in, mlm_opt_bytes(s->base.n_params));
    if (!b1 || !b2 || !b3) return NULL;
    mlm_opt_init(&s->opt_c, b1, PC);
    mlm_opt_init(&s->opt_d, b2, s->dense.n_params);
    mlm_opt_init(&s->opt_b, b3, s->base.n_params);
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper_b);
    s->hyper_b.lr = CN_MLP_LR;
    if (mlm_series_init(in, &s->h_cnn, CN_HIST) || mlm_series_init(in, &s->h_mlp, CN_HIST) ||
        mlm_series_init(in, &s->h_tr, CN_HIST) || mlm_series_init(in, &s->h_p1, CN_HIST) ||
        mlm_series_init(in, &s->h_p2, CN_HIST))
        return NULL;
    for (int i = 0; i < c->T; i++) s->perm[i] = i;
    s->pos = c->T;
    s->epoch = -1;
    /* The watched images; in the pair task the first is digit B's first test image (its
       probability of being a B should climb to 1) and the second digit A's, unless the reader
       chose others (watch and watch2 count within the task's test images). */
    s->w1 = d->watch % c->S, s->w2 = d->watch2 % c->S;
    if (s->O == 1 && d->watch == 0 && d->watch2 == 1) {
        int fb = -1, fa = -1;
        for (int i = 0; i < c->S; i++) {
            if (c->l_te[i] == 1 && fb < 0) fb = i;
            if (c->l_te[i] == 0 && fa < 0) fa = i;
        }
        s->w1 = fb >= 0 ? fb : 0, s->w2 = fa >= 0 ? fa : 0;
    }
    cn_watch(s, 0);
    cn_record(s, 0);
    in->panels[P_ACC] = (mlm_panel_state){0, 1, 0, 101, 0};
    in->panels[P_WATCH] = (mlm_panel_state){0, 1, 0, 1.02f, 0};
    in->panels[P_PICS] = (mlm_panel_state){-0.6f, 2.6f, -0.9f, 0.6f, 0};
    float wdt = 1.25f * (s->K > 8 ? 8 : s->K);
    int rows = s->K > 8 ? 2 : 1;
    in->panels[P_MAPS] = (mlm_panel_state){-0.65f, wdt - 0.6f, -(2.5f * rows) + 0.75f, 0.6f, 0};
    return s;
}

static void cn_draw(mlm_instance *in, void *self) {
    const cn_desc *d = in->desc;
    cn_state *s = self;
    const cn_data *c = s->c;
    mlm_view_state *v = in->views;
    mlm_series_view(in, V_ACC_CNN, &s->h_cnn);
    mlm_series_view(in, V_ACC_MLP, &s->h_mlp);
    mlm_series_view(in, V_ACC_TRAIN, &s->h_tr);
    mlm_series_view(in, V_P1, &s->h_p1);
    mlm_series_view(in, V_P2, &s->h_p2);
    snprintf(s->note, sizeof s->note, "measured every %d steps on %d test images", CN_EVAL_EVERY,
             c->S);
    v[V_ACC_NOTE].text = s->note;

    /* the two watched images, with their probability of the right answer */
    int ws[2] = {s->w1, s->w2};
    double ps[2] = {s->p1, s->p2};
    char *t = s->pic_text;
    size_t room = sizeof s->pic_text;
    for (int k = 0; k < 2; k++) {
        float *tile = s->pics + k * (3 + CN_PIX);
        tile[0] = 2.0f * k, tile[1] = 0, tile[2] = 1;
        for (int q = 0; q < CN_PIX; q++) tile[3 + q] = (float)c->x_te[(size_t)ws[k] * CN_PIX + q];
        s->pic_xy[2 * k] = 2.0f * k, s->pic_xy[2 * k + 1] = -0.75f;
        int label = c->l_te[ws[k]], digit = s->O == 1 ? (label ? d->db : d->da) : label;
        int w = snprintf(t, room, "%sa %d: p = %.2f", k ? "\n" : "", digit, ps[k]);
        if (w > 0 && (size_t)w < room) t += w, room -= (size_t)w;
    }
    v[V_PICS].data = s->pics, v[V_PICS].count = 2, v[V_PICS].w = v[V_PICS].h = CN_SIDE;
    v[V_PICS].lo = 0, v[V_PICS].hi = 1;
    v[V_PIC_LABELS].data = s->pic_xy, v[V_PIC_LABELS].count = 2;
    v[V_PIC_LABELS].text = s->pic_text;

    /* kernels (top) and the first image's feature maps (below each) */
    for (int k = 0; k < s->K; k++) {
        float cx = 1.25f * (k % 8), cy = -2.5f * (k / 8);
        float *kt = s->ktiles + k * 12, *mt = s->mtiles + k * (3 + CN_PIX);
        kt[0] = cx, kt[1] = cy, kt[2] = 1.0f;
        for (int q = 0; q < 9; q++) kt[3 + q] = (float)s->cparams[k * 9 + q];
        mt[0] = cx, mt[1] = cy - 1.2f, mt[2] = 1.0f;
        memcpy(mt + 3, s->maps + k * CN_PIX, sizeof(float) * CN_PIX);
    }
    v[V_KERNELS].data = s->ktiles, v[V_KERNELS].count = s->K, v[V_KERNELS].w = v[V_KERNELS].h = 3;
    v[V_MAPS].data = s->mtiles, v[V_MAPS].count = s->K, v[V_MAPS].w = v[V_MAPS].h = CN_SIDE;

    v[V_S_CNN].value = (float)(100 * s->acc_te);
    v[V_S_MLP].value = (float)(100 * s->acc_mlp);
    v[V_S_TRAIN].value = (float)(100 * s->acc_tr);
    v[V_S_LOSS].value = mlm_isfinite(s->loss) ? (float)s->loss : 0.0f;
    v[V_S_EPOCH].value = (float)(s->epoch < 0 ? 0 : s->epoch);
}

const mlm_module mlm_module_cnn = {
    .name = "cnn",
    .title = "A small convolutional network",
    .params = cn_params,
    .n_params = MLM_COUNT(cn_params),
    .desc_size = sizeof(cn_desc),
    .panels = cn_panels,
    .n_panels = CN_N_PANELS,
    .views = cn_views,
    .n_views = CN_N_VIEWS,
    .state_bytes = CN_STATE_BYTES,
    .const_bytes = CN_CONST_BYTES,
    .speed = 30,
    .random = 1,
    .create = cn_create,
    .step = cn_step,
    .draw = cn_draw,
    .when = cn_when,
    .n_when = MLM_COUNT(cn_when),
    .worker = 1,
    .t_max = 1500,
};
