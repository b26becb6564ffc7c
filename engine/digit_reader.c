/* digit_reader.c: the engine module of the chapter "Reading handwritten digits". A 64-H-10
 * network with a softmax output learns the book's shipped 8x8 digits (engine/core/digits.h: the
 * UCI "Optical Recognition of Handwritten Digits" test set, E. Alpaydin and C. Kaynak, 1998,
 * CC BY 4.0) one mini-batch per step, trained by Adam. The widget shows the first layer's
 * weights as one 8x8 image per hidden unit, the accuracy on training and test images against the
 * step, the test set's confusion matrix, and a canvas the reader draws on: the drawing is turned
 * into an 8x8 image the way the dataset's images were made, and the network's ten probabilities
 * for it are shown as it is drawn.
 *
 * From a drawing to the network's input (dr_render):
 *   1. the reader's strokes are kept as points in a 32 x 32 frame (the size of the dataset's
 *      original bitmaps);
 *   2. they are scaled, keeping their proportions, so that the drawing's longer side fills the
 *      frame, and centred (the dataset's bitmaps were size-normalised like this before pooling);
 *   3. they are inked into a 32 x 32 bitmap with a round pen of fixed width;
 *   4. each 4 x 4 block of the bitmap becomes one pixel: the number of inked pixels, 0..16,
 *      divided by 16, exactly the dataset's rule.
 *
 * The drawn digit is the reader's input: it lives in the state (checkpoints hold it), a restart
 * keeps it, and a link carries its 8 x 8 grey levels, 5 bits a pixel in URL-safe base64: 54
 * characters (dr_input_get). A digit read from a link has no strokes; the canvas shows its 8 x 8
 * pixels enlarged, and the next stroke starts a new drawing. "Clear" is a button (an action).
 *
 * Shapes (doubles unless said):
 *   N  images, 1797 = T training (DR_TRAIN) + S test (DR_TEST); E training images the training
 *      accuracy is measured on (DR_TRAIN_EVAL, the first E of the shuffled training set)
 *   I  64 inputs (8 x 8 pixels, row by row from the top left); H hidden units; O 10 classes
 *   B  rows in a mini-batch
 *   F  32, the side of the drawing's bitmap; Q stroke points kept (DR_POINTS)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "digits.h"
#include "mlm.h"
#include "mlp.h"
#include "optim.h"

#define DR_I MLM_DIGITS_PIXELS
#define DR_O 10
#define DR_N MLM_DIGITS_N
#define DR_TEST 297
#define DR_TRAIN (DR_N - DR_TEST)
#define DR_TRAIN_EVAL 500
#define DR_H_MAX 128
#define DR_BATCH_MAX 128
#define DR_EVAL_EVERY 10     /* steps between measurements of the accuracies */
#define DR_HIST 400
#define DR_F 32              /* side of the drawing's bitmap */
#define DR_POINTS 800
#define DR_PEN 1.7           /* the pen's radius, in pixels of the normalised 32 x 32 bitmap */
#define DR_RAW_PEN 1.3       /* the radius of the raw drawing as shown */
#define DR_TEXT 64

typedef struct {
    int hidden;   /* H, hidden units; default 32 */
    int act;      /* hidden activation (mlp_act); default ReLU */
    double lr;    /* Adam's step size; default 0.003 */
    int batch;    /* images per step; default 32 */
    double decay; /* L2 penalty on the weights; default 0 */
} dr_desc;

/* What never changes after create: the data, split. */
typedef struct {
    double *x_tr;   /* (T, I) training images, pixels in [0, 1] */
    double *y_tr;   /* (T, O) one-hot labels */
    double *x_te;   /* (S, I) test images */
    double *y_te;   /* (S, O) */
    int32_t *l_te;  /* (S,) test labels */
    int32_t count[DR_O]; /* test images of each digit */
} dr_data;

typedef struct {
    dr_data *c;
    int B;
    mlp net;
    mlm_opt_state opt;
    mlm_opt_hyper hyper;
    int32_t *perm;             /* (T,) the shuffled deck of training images */
    int32_t pos;
    int64_t epoch;
    double *xb, *yb;           /* (B, I), (B, O) the current mini-batch */
    double loss;               /* training-pass loss of the last mini-batch */
    double acc_tr, acc_te;     /* accuracies at the last measurement, in [0, 1] */
    double loss_te;            /* mean cross-entropy on the test set then */
    int32_t confusion[DR_O * DR_O]; /* (O, O) test images of true digit r predicted as c, [r * O + c] */
    int64_t reached90;         /* the first step the test accuracy was >= 90 % (-1: not yet) */
    mlm_series h_tr, h_te;     /* (HIST, 2) (step, accuracy in %) */

    /* The reader's drawing: strokes as points in the frame [0, 32]^2 (y up), and what they
       become. */
    float pts[2 * DR_POINTS];  /* (Q, 2) */
    uint8_t starts[DR_POINTS]; /* (Q,) 1: this point begins a stroke */
    int32_t npts;
    int32_t drawing;           /* 1: the pointer is down in the canvas */
    int32_t custom;            /* 1: the reader's digit (drawn, cleared or from a link), not the
                                  seven drawn at create: an input to keep */
    float raw[DR_F * DR_F];    /* (F, F) the strokes as drawn, row 0 at the top: what is shown */
    float bitmap[DR_F * DR_F]; /* (F, F) normalised and inked, 0 or 1 */
    double input[DR_I];        /* (I,) pooled: the network's input */

    /* Drawing buffers, refilled by draw. */
    float *tiles;              /* (H, 3 + I) first-layer weights as tiles */
    float canvas[2 * (3 + DR_F * DR_F)]; /* the raw drawing as one tile */
    float small[3 + DR_I];     /* the 8 x 8 input as one tile */
    float conf_tile[3 + DR_O * DR_O]; /* the confusion matrix's colours as one tile */
    float conf_xy[2 * (DR_O * DR_O + 2 * DR_O)]; /* label positions: cells, then row and column heads */
    char conf_text[DR_O * DR_O * 5 + 2 * DR_O * 2 + 8];
    float bars_top[2], bars_rest[2 * DR_O]; /* (1, 2), (9, 2) probabilities */
    float prob_xy[4 * DR_O];   /* label positions: digits under the bars, percentages above */
    char prob_text[DR_O * 8 + DR_O * 3];
    float canvas_xy[2];        /* position of the canvas's label */
    float line90[4];           /* (1, 4) the 90 % line */
    char verdict[DR_TEXT];
    char acc_note[DR_TEXT];
} dr_state;

static const mlm_param dr_params[] = {
    {"hidden", "Hidden units", MLM_INT, offsetof(dr_desc, hidden), 4, DR_H_MAX, 1, 32, 0, NULL,
     "units in the hidden layer: each sees all 64 pixels through an 8x8 image of weights"},
    {"act", "Activation", MLM_CHOICE, offsetof(dr_desc, act), 0, MLP_ACT_COUNT - 1, 1, MLP_RELU, 0,
     MLP_ACT_CHOICES, "the hidden units' activation function"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(dr_desc, lr), 1e-4, 0.3, 0, 0.003, 1, NULL,
     "Adam's step size"},
    {"batch", "Batch size", MLM_INT, offsetof(dr_desc, batch), 1, DR_BATCH_MAX, 1, 32, 0, NULL,
     "training images per step"},
    {"decay", "Weight decay λ", MLM_FLOAT, offsetof(dr_desc, decay), 0, 0.01, 0.0001, 0, 0, NULL,
     "strength of the L2 penalty λ/2 Σw² on the weights (0: off)"},
};

enum { P_DRAW, P_PROBS, P_ACC, P_CONF, P_WEIGHTS, DR_N_PANELS };

static const mlm_panel dr_panels[] = {
    [P_DRAW] = {"draw", "Draw a digit (Clear to start again)", NULL, NULL,
                MLM_PANEL_POINTER | MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
    [P_PROBS] = {"probs", "What the network reads", NULL, NULL, MLM_PANEL_NOAXES, NULL},
    [P_ACC] = {"acc", "Accuracy against step", "step", "% right",
               MLM_PANEL_AUTO_X | MLM_PANEL_LOG_X, NULL},
    [P_CONF] = {"confusion", "Confusion: true (rows), read as (columns)", NULL, NULL,
                MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
    [P_WEIGHTS] = {"weights", "First-layer weights, one 8×8 per unit", NULL, NULL,
                   MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
};

enum {
    V_CANVAS, V_SMALL, V_CANVAS_LABELS,
    V_BARS, V_TOP, V_PROB_LABELS, V_VERDICT,
    V_LINE90, V_ACC_TR, V_ACC_TE, V_ACC_NOTE,
    V_CONF, V_CONF_LABELS,
    V_WEIGHTS,
    V_STEP_EPOCH, V_S_ACC_TR, V_S_ACC_TE, V_S_LOSS,
    DR_N_VIEWS
};

static const mlm_view dr_views[] = {
    [V_CANVAS] = {"canvas", "draw", MLM_VIEW_TILES, "your drawing", 0, MLM_COLOR_GRAY},
    [V_SMALL] = {"input", "draw", MLM_VIEW_TILES, "8×8 input", 0, MLM_COLOR_GRAY},
    [V_CANVAS_LABELS] = {"draw_labels", "draw", MLM_VIEW_LABELS, "", 0, 0},
    [V_BARS] = {"probs", "probs", MLM_VIEW_BARS, "probability", 5, 0},
    [V_TOP] = {"top", "probs", MLM_VIEW_BARS, "most probable", 1, 0},
    [V_PROB_LABELS] = {"prob_labels", "probs", MLM_VIEW_LABELS, "", 0, 0},
    [V_VERDICT] = {"verdict", "probs", MLM_VIEW_TEXT, "", 0, 0},
    [V_LINE90] = {"line90", "acc", MLM_VIEW_SEGMENTS, "90 %", 0, MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_ACC_TR] = {"acc_train", "acc", MLM_VIEW_CURVE, "training", 5, MLM_VIEW_LEGEND},
    [V_ACC_TE] = {"acc_test", "acc", MLM_VIEW_CURVE, "test", 1, MLM_VIEW_LEGEND},
    [V_ACC_NOTE] = {"acc_note", "acc", MLM_VIEW_TEXT, "", 0, 0},
    [V_CONF] = {"confusion", "confusion", MLM_VIEW_TILES, "share of the row", 0, MLM_COLOR_DIVERGING},
    [V_CONF_LABELS] = {"counts", "confusion", MLM_VIEW_LABELS, "", 0, 0},
    [V_WEIGHTS] = {"weights", "weights", MLM_VIEW_TILES, "weights", 0, MLM_COLOR_DIVERGING},
    [V_STEP_EPOCH] = {"epoch", NULL, MLM_VIEW_SCALAR, "epoch", 0, MLM_SCALAR_INT},
    [V_S_ACC_TR] = {"train_acc", NULL, MLM_VIEW_SCALAR, "train accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_ACC_TE] = {"test_acc", NULL, MLM_VIEW_SCALAR, "test accuracy", 0, MLM_SCALAR_PERCENT},
    [V_S_LOSS] = {"test_loss", NULL, MLM_VIEW_SCALAR, "test loss", 0, 0},
};

_Static_assert(MLM_COUNT(dr_views) == DR_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(dr_panels) == DR_N_PANELS, "one declaration per panel");

#define DR_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define DR_P_MAX (DR_H_MAX * DR_I + DR_H_MAX + DR_O * DR_H_MAX + DR_O)
/* The largest network, 64-128-10, with the largest batch (at least the 100 rows of an
   evaluation chunk: dr_create). */
#define DR_MLP_BYTES MLP_BYTES_MAX(DR_I, DR_H_MAX, 1, DR_O, DR_BATCH_MAX > 100 ? DR_BATCH_MAX : 100)
#define DR_STATE_BYTES                                                                  \
    (DR_A16(sizeof(dr_state)) + DR_A16(sizeof(int32_t) * DR_TRAIN) +                    \
     DR_A16(sizeof(double) * DR_BATCH_MAX * (DR_I + DR_O)) * 2 +                         \
     DR_A16(sizeof(double) * 3 * DR_P_MAX) + 2 * DR_A16(sizeof(float) * 2 * DR_HIST) +   \
     DR_A16(sizeof(float) * DR_H_MAX * (3 + DR_I)) + DR_MLP_BYTES)
#define DR_CONST_BYTES                                                                  \
    (DR_A16(sizeof(dr_data)) + DR_A16(sizeof(double) * DR_N * DR_I) * 2 +               \
     DR_A16(sizeof(double) * DR_N * DR_O) * 2 + DR_A16(sizeof(int32_t) * DR_TEST))

static float dr_f(double v) { return (float)(mlm_isfinite(v) ? mlm_clamp(v, -1e30, 1e30) : 0); }

/* ---- the data ---- */

//> split
/* The images are shuffled once with a fixed seed and split: the last 297 are the test set, never
   trained on; the rest train. The split is the same for every run, so accuracies from different
   seeds and settings are measured on the same test images. */
static void dr_load(dr_data *c) {
    int32_t order[DR_N];
    mlm_digits_split(order);          /* the book's one split (digits.h) */
    for (int k = 0; k < DR_N; k++) {
        int i = order[k], test = k >= DR_TRAIN, row = test ? k - DR_TRAIN : k;
        double *x = (test ? c->x_te : c->x_tr) + (size_t)row * DR_I;
        double *y = (test ? c->y_te : c->y_tr) + (size_t)row * DR_O;
        float px[DR_I];
        mlm_digits_pixels(i, px);       /* the image as a vector of 64 numbers in [0, 1] */
        for (int p = 0; p < DR_I; p++) x[p] = px[p];
        int label = mlm_digits_label(i);
        y[label] = 1;                   /* one-hot: the target distribution is all on the label */
        if (test) c->l_te[row] = label, c->count[label]++;
    }
}
//< split

/* ---- from a drawing to 64 numbers ---- */

/* Ink every pixel of a side x side bitmap (row 0 at the top, y up in the frame [0, side]) whose
   centre lies within `radius` of the segment (ax, ay)-(bx, by). */
static void dr_ink(float *bmp, int side, double ax, double ay, double bx, double by, double radius) {
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    int c0 = (int)floor(fmin(ax, bx) - radius), c1 = (int)ceil(fmax(ax, bx) + radius);
    int r0 = (int)floor(fmin(ay, by) - radius), r1 = (int)ceil(fmax(ay, by) + radius);
    if (c0 < 0) c0 = 0;
    if (r0 < 0) r0 = 0;
    if (c1 > side - 1) c1 = side - 1;
    if (r1 > side - 1) r1 = side - 1;
    for (int yy = r0; yy <= r1; yy++)
        for (int xx = c0; xx <= c1; xx++) {
            double px = xx + 0.5, py = yy + 0.5;
            double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = ax + t * dx - px, ey = ay + t * dy - py;
            if (ex * ex + ey * ey <= radius * radius) bmp[(side - 1 - yy) * side + xx] = 1;
        }
}

//> pool
/* The dataset's rule: each 4 x 4 block of the 32 x 32 bitmap becomes one pixel of the 8 x 8
   image, the number of inked pixels in the block (0..16), scaled to [0, 1] as the book reads the
   dataset (mlm_digits_pixels divides by 16 too). */
static void dr_pool(double *out /* (I,) */, const float *bmp /* (F, F) */) {
    for (int r = 0; r < MLM_DIGITS_SIDE; r++)
        for (int c = 0; c < MLM_DIGITS_SIDE; c++) {
            int ink = 0;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) ink += bmp[(4 * r + i) * DR_F + 4 * c + j] > 0.5f;
            out[r * MLM_DIGITS_SIDE + c] = ink / 16.0;
        }
}
//< pool

//> render
/* The strokes, scaled so the drawing's longer side spans the frame (less a pen's width), centred,
   inked with a round pen, and pooled. The dataset's bitmaps were size-normalised before pooling,
   so a digit drawn small in a corner must be enlarged and moved to look like them. */
static void dr_render(dr_state *s) {
    memset(s->bitmap, 0, sizeof s->bitmap);
    if (s->npts == 0) {
        memset(s->input, 0, sizeof s->input);
        return;
    }
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (int k = 0; k < s->npts; k++) {
        x0 = fmin(x0, s->pts[2 * k]), x1 = fmax(x1, s->pts[2 * k]);
        y0 = fmin(y0, s->pts[2 * k + 1]), y1 = fmax(y1, s->pts[2 * k + 1]);
    }
    double span = fmax(fmax(x1 - x0, y1 - y0), 1.0); /* a dot is not blown up to fill the frame */
    double room = DR_F - 2 * (DR_PEN + 0.5), scale = room / span;
    double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1), mid = 0.5 * DR_F;
    for (int k = 0; k < s->npts; k++) {
        double ax = mid + scale * (s->pts[2 * k] - cx), ay = mid + scale * (s->pts[2 * k + 1] - cy);
        int joined = k + 1 < s->npts && !s->starts[k + 1];
        double bx = joined ? mid + scale * (s->pts[2 * k + 2] - cx) : ax;
        double by = joined ? mid + scale * (s->pts[2 * k + 3] - cy) : ay;
        if (joined || s->starts[k]) dr_ink(s->bitmap, DR_F, ax, ay, bx, by, DR_PEN);
    }
    dr_pool(s->input, s->bitmap);
}
//< render

static void dr_clear(dr_state *s) {
    s->npts = 0;
    s->drawing = 0;
    memset(s->raw, 0, sizeof s->raw);
    dr_render(s);
}

/* Add a point to the drawing: a new stroke, or the next point of the current one. */
static void dr_add_point(dr_state *s, double x, double y, int start) {
    if (s->npts >= DR_POINTS) return; /* the drawing is full: clear it to draw more */
    x = mlm_clamp(x, 0, DR_F), y = mlm_clamp(y, 0, DR_F);
    if (!start && s->npts > 0) {
        double dx = x - s->pts[2 * s->npts - 2], dy = y - s->pts[2 * s->npts - 1];
        if (dx * dx + dy * dy < 0.09) return; /* closer than 0.3 pixel: nothing new */
    }
    int k = s->npts++;
    s->pts[2 * k] = (float)x, s->pts[2 * k + 1] = (float)y;
    s->starts[k] = (uint8_t)start;
    double ax = start ? x : s->pts[2 * k - 2], ay = start ? y : s->pts[2 * k - 1];
    dr_ink(s->raw, DR_F, ax, ay, x, y, DR_RAW_PEN);
    dr_render(s);
}

/* A digit drawn at create, so the widget has something to read before the reader draws: a 7 in
   two strokes. */
static void dr_draw_seven(dr_state *s) {
    static const float seven[][3] = {{8, 27, 1}, {16, 27.5f, 0}, {24, 27, 0}, {20, 18, 0},
                                     {16.5f, 10, 0}, {14, 4, 0}};
    for (int k = 0; k < MLM_COUNT(seven); k++) dr_add_point(s, seven[k][0], seven[k][1], (int)seven[k][2]);
}

//> pointer
/* Pressing in the canvas starts a stroke, dragging extends it. Nothing here trains: the
   probabilities are recomputed when drawn, and the run goes on (0: no restart). */
static int dr_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    (void)in;
    dr_state *s = self;
    if (panel != P_DRAW) return 0;
    int inside = x >= 0 && x <= DR_F && y >= 0 && y <= DR_F;
    if (kind == MLM_POINTER_DOWN) {
        if (inside) {
            if (s->npts == 0) memset(s->raw, 0, sizeof s->raw); /* a digit from a link: start anew */
            dr_add_point(s, x, y, 1), s->drawing = 1, s->custom = 1;
        }
    } else if (kind == MLM_POINTER_MOVE && s->drawing) {
        if (inside) dr_add_point(s, x, y, 0);
    } else if (kind == MLM_POINTER_UP) {
        s->drawing = 0;
    }
    return 0;
}
//< pointer

/* The one button, "Clear": wipes the drawing; training goes on. */
static int dr_action(mlm_instance *in, void *self, int k) {
    (void)in;
    dr_state *s = self;
    if (k == 0) dr_clear(s), s->custom = 1;
    return 0;
}

/* ---- the drawn digit in a link: 64 grey levels 0..16, 5 bits each, 40 bytes, 54 characters ---- */
#define DR_LINK_BYTES (DR_I * 5 / 8)

static int dr_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const dr_state *s = self;
    if (!s->custom) return 0;
    uint8_t packed[DR_LINK_BYTES] = {0};
    for (int p = 0; p < DR_I; p++) {
        unsigned level = (unsigned)floor(s->input[p] * 16 + 0.5); /* input is level / 16 */
        for (int b = 0; b < 5; b++)
            if (level >> (4 - b) & 1) packed[(5 * p + b) / 8] |= (uint8_t)(0x80u >> ((5 * p + b) % 8));
    }
    int len = mlm_b64_encode(packed, sizeof packed, buf, n);
    return len > 0 ? len : 0;
}

static int dr_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    dr_state *s = self;
    uint8_t packed[DR_LINK_BYTES + 1];
    if (mlm_b64_decode(text, packed, sizeof packed) != DR_LINK_BYTES) return -1;
    double input[DR_I];
    for (int p = 0; p < DR_I; p++) {
        unsigned level = 0;
        for (int b = 0; b < 5; b++) level = level << 1 | (packed[(5 * p + b) / 8] >> (7 - (5 * p + b) % 8) & 1);
        if (level > 16) return -1; /* a 4 x 4 block has 16 pixels */
        input[p] = level / 16.0;
    }
    dr_clear(s);
    memcpy(s->input, input, sizeof input);
    /* no strokes to show: the canvas shows the 8 x 8 pixels, each a 4 x 4 block */
    for (int r = 0; r < DR_F; r++)
        for (int c = 0; c < DR_F; c++) s->raw[r * DR_F + c] = (float)input[(r / 4) * MLM_DIGITS_SIDE + c / 4];
    s->custom = 1;
    return 0;
}

/* ---- training ---- */

/* Accuracy and mean loss on the test set, and its confusion matrix: an evaluation pass (no
   dropout) in chunks of the network's batch. */
static void dr_measure(dr_state *s) {
    const dr_data *c = s->c;
    mlp *net = &s->net;
    memset(s->confusion, 0, sizeof s->confusion);
    int right = 0;
    double sum = 0;
    for (int b0 = 0; b0 < DR_TEST; b0 += net->max_batch) {
        int n = DR_TEST - b0 < net->max_batch ? DR_TEST - b0 : net->max_batch;
        mlp_forward(net, c->x_te + (size_t)b0 * DR_I, c->y_te + (size_t)b0 * DR_O, n, NULL);
        sum += net->data_loss * n;
        for (int r = 0; r < n; r++) {
            const double *p = net->a[2] + (size_t)r * DR_O;
            int best = 0;
            for (int k = 1; k < DR_O; k++)
                if (p[k] > p[best]) best = k;
            int truth = c->l_te[b0 + r];
            s->confusion[truth * DR_O + best]++;
            right += best == truth;
        }
    }
    s->acc_te = (double)right / DR_TEST;
    s->loss_te = sum / DR_TEST;
    mlp_evaluate(net, c->x_tr, c->y_tr, DR_TRAIN_EVAL, NULL, &s->acc_tr);
}

/* Measure and record the accuracies after `step` steps. */
static void dr_record(dr_state *s, int64_t step) {
    dr_measure(s);
    mlm_series_push(&s->h_tr, (double)step, 100 * s->acc_tr);
    mlm_series_push(&s->h_te, (double)step, 100 * s->acc_te);
    if (s->reached90 < 0 && s->acc_te >= 0.9) s->reached90 = step;
}

//> step
/* One step: a mini-batch dealt from the shuffled training images, a forward pass through the
   softmax, the backward pass (whose output gradient is p - y), one Adam update. */
static void dr_step(mlm_instance *in, void *self) {
    const dr_desc *d = in->desc;
    dr_state *s = self;
    const dr_data *c = s->c;
    int rows = 0;
    while (rows < s->B) {
        if (s->pos >= DR_TRAIN) {
            mlm_rng_shuffle(&in->rng, s->perm, DR_TRAIN);
            s->pos = 0;
            s->epoch++;
        }
        int i = s->perm[s->pos++];
        memcpy(s->xb + (size_t)rows * DR_I, c->x_tr + (size_t)i * DR_I, sizeof(double) * DR_I);
        memcpy(s->yb + (size_t)rows * DR_O, c->y_tr + (size_t)i * DR_O, sizeof(double) * DR_O);
        rows++;
    }
    s->loss = mlp_forward(&s->net, s->xb, s->yb, rows, &in->rng);
    mlp_backward(&s->net);
    mlm_opt_step(MLM_OPT_ADAM, &s->hyper, &s->opt, s->net.params, s->net.grads, s->net.n_params);
    if (!mlp_finite(&s->net) || !mlm_isfinite(s->loss)) {
        mlm_diverged(in, 1, "the weights became infinite at step %lld: a learning rate of %g is "
                     "too large for this network", (long long)in->steps + 1, d->lr);
        return;
    }
    int64_t done = in->steps + 1; /* in->steps counts the steps before this one */
    if (done % DR_EVAL_EVERY == 0) dr_record(s, done);
}
//< step

/* ---- lifecycle ---- */

static void *dr_create(mlm_instance *in) {
    const dr_desc *d = in->desc;
    dr_state *s = mlm_alloc(in, sizeof *s);
    dr_data *c = mlm_alloc_const(in, sizeof *c);
    if (!s || !c) return NULL;
    s->c = c;
    s->B = d->batch;
    c->x_tr = mlm_alloc_const(in, sizeof(double) * DR_TRAIN * DR_I);
    c->y_tr = mlm_alloc_const(in, sizeof(double) * DR_TRAIN * DR_O);
    c->x_te = mlm_alloc_const(in, sizeof(double) * DR_TEST * DR_I);
    c->y_te = mlm_alloc_const(in, sizeof(double) * DR_TEST * DR_O);
    c->l_te = mlm_alloc_const(in, sizeof(int32_t) * DR_TEST);
    s->perm = mlm_alloc(in, sizeof(int32_t) * DR_TRAIN);
    s->xb = mlm_alloc(in, sizeof(double) * (size_t)s->B * DR_I);
    s->yb = mlm_alloc(in, sizeof(double) * (size_t)s->B * DR_O);
    s->tiles = mlm_alloc(in, sizeof(float) * (size_t)d->hidden * (3 + DR_I));
    if (!c->x_tr || !c->y_tr || !c->x_te || !c->y_te || !c->l_te || !s->perm || !s->xb || !s->yb ||
        !s->tiles)
        return NULL;
    dr_load(c);

    int sizes[3] = {DR_I, d->hidden, DR_O};
    /* max_batch: the mini-batch, and at least 100 rows for the evaluation's chunks */
    if (mlp_init(in, &s->net, sizes, 3, d->act, MLP_SOFTMAX, s->B > 100 ? s->B : 100)) return NULL;
    s->net.l2 = d->decay;
    int P = s->net.n_params;
    double *buf = mlm_alloc(in, mlm_opt_bytes(P));
    if (!buf) return NULL;
    mlm_opt_init(&s->opt, buf, P);
    mlm_opt_defaults(MLM_OPT_ADAM, &s->hyper);
    s->hyper.lr = d->lr;
    if (mlm_series_init(in, &s->h_tr, DR_HIST) || mlm_series_init(in, &s->h_te, DR_HIST)) return NULL;
    for (int i = 0; i < DR_TRAIN; i++) s->perm[i] = i;
    s->pos = DR_TRAIN; /* the first step shuffles */
    s->epoch = -1;     /* ... and that starts epoch 0 */
    s->reached90 = -1;
    dr_record(s, 0);
    dr_draw_seven(s);
    return s;
}

static void dr_draw(mlm_instance *in, void *self) {
    dr_state *s = self;
    mlm_view_state *v = in->views;
    mlp *net = &s->net;
    int H = net->sizes[1];

    /* The drawing: the raw strokes at 32 x 32 on the left, the 8 x 8 input on the right. */
    in->panels[P_DRAW] = (mlm_panel_state){-0.5f, 45, -0.5f, 32.5f, 0};
    s->canvas[0] = 16, s->canvas[1] = 16, s->canvas[2] = 32;
    memcpy(s->canvas + 3, s->raw, sizeof s->raw);
    v[V_CANVAS].data = s->canvas, v[V_CANVAS].count = 1, v[V_CANVAS].w = v[V_CANVAS].h = DR_F;
    v[V_CANVAS].lo = 0, v[V_CANVAS].hi = 1;
    s->small[0] = 39.5f, s->small[1] = 16, s->small[2] = 10;
    for (int p = 0; p < DR_I; p++) s->small[3 + p] = (float)s->input[p];
    v[V_SMALL].data = s->small, v[V_SMALL].count = 1, v[V_SMALL].w = v[V_SMALL].h = MLM_DIGITS_SIDE;
    v[V_SMALL].lo = 0, v[V_SMALL].hi = 1;
    s->canvas_xy[0] = 39.5f, s->canvas_xy[1] = 23;
    v[V_CANVAS_LABELS].data = s->canvas_xy, v[V_CANVAS_LABELS].count = 1;
    v[V_CANVAS_LABELS].text = (char *)"8×8 input";

    /* The ten probabilities of the drawing: one forward pass. */
    double p[DR_O];
    mlp_predict(net, s->input, p);
    int top = 0;
    for (int k = 1; k < DR_O; k++)
        if (p[k] > p[top]) top = k;
    int nb = 0;
    char *t = s->prob_text;
    size_t room = sizeof s->prob_text;
    for (int k = 0; k < DR_O; k++) {
        if (k == top) s->bars_top[0] = (float)k, s->bars_top[1] = dr_f(p[k]);
        else s->bars_rest[2 * nb] = (float)k, s->bars_rest[2 * nb + 1] = dr_f(p[k]), nb++;
        s->prob_xy[2 * k] = (float)k, s->prob_xy[2 * k + 1] = -0.09f;
        s->prob_xy[2 * DR_O + 2 * k] = (float)k, s->prob_xy[2 * DR_O + 2 * k + 1] = dr_f(p[k] + 0.08);
    }
    for (int k = 0; k < DR_O; k++) {
        int n = snprintf(t, room, "%d\n", k);
        t += n, room -= (size_t)n;
    }
    for (int k = 0; k < DR_O; k++) {
        int pct = (int)floor(100 * p[k] + 0.5);
        int n = pct >= 1 ? snprintf(t, room, "%d%s", pct, k + 1 < DR_O ? "\n" : "")
                         : snprintf(t, room, "%s", k + 1 < DR_O ? "\n" : "");
        t += n, room -= (size_t)n;
    }
    v[V_BARS].data = s->bars_rest, v[V_BARS].count = DR_O - 1;
    v[V_TOP].data = s->bars_top, v[V_TOP].count = 1;
    v[V_PROB_LABELS].data = s->prob_xy, v[V_PROB_LABELS].count = 2 * DR_O;
    v[V_PROB_LABELS].text = s->prob_text;
    in->panels[P_PROBS] = (mlm_panel_state){-0.6f, 9.6f, -0.18f, 1.3f, 0};
    double ink = 0;
    for (int q = 0; q < DR_I; q++) ink += s->input[q];
    if (ink == 0) snprintf(s->verdict, DR_TEXT, "draw a digit on the left");
    else snprintf(s->verdict, DR_TEXT, "reads a %d (%.0f %%)", top, 100 * p[top]);
    v[V_VERDICT].text = s->verdict;

    /* Accuracy against step, with the 90 % line across it. */
    in->panels[P_ACC] = (mlm_panel_state){0, 1, 0, 100, 0};
    mlm_series_view(in, V_ACC_TR, &s->h_tr);
    mlm_series_view(in, V_ACC_TE, &s->h_te);
    s->line90[0] = DR_EVAL_EVERY, s->line90[1] = 90, s->line90[2] = (float)(in->steps > 10 ? in->steps : 10);
    s->line90[3] = 90;
    v[V_LINE90].data = s->line90, v[V_LINE90].count = 1;
    if (s->reached90 >= 0)
        snprintf(s->acc_note, DR_TEXT, "90 %% at step %lld", (long long)s->reached90);
    else snprintf(s->acc_note, DR_TEXT, "below 90 %%");
    v[V_ACC_NOTE].text = s->acc_note;

    /* The confusion matrix: true digit r on row r from the top, the network's answer c in column
       c, each cell labelled with its count (blank when 0). Its colour is its share of the row on
       a square-root scale, so that a few mistakes among thirty show: blue on the diagonal (read
       right), orange off it (read as the wrong digit). */
    in->panels[P_CONF] = (mlm_panel_state){-1.5f, 9.6f, -0.6f, 10.6f, 0};
    char *q = s->conf_text;
    room = sizeof s->conf_text;
    int nl = 0;
    for (int r = 0; r < DR_O; r++) {
        int total = s->c->count[r];
        for (int col = 0; col < DR_O; col++) {
            int n = s->confusion[r * DR_O + col];
            /* the tile's row 0 is at the top: true digit r is drawn at y = 9 - r */
            double share = total > 0 ? sqrt((double)n / total) : 0;
            s->conf_tile[3 + r * DR_O + col] = (float)(col == r ? share : -share);
            s->conf_xy[2 * nl] = (float)col, s->conf_xy[2 * nl + 1] = (float)(DR_O - 1 - r);
            int w = n > 0 ? snprintf(q, room, "%d\n", n) : snprintf(q, room, "\n");
            q += w, room -= (size_t)w, nl++;
        }
    }
    for (int k = 0; k < DR_O; k++) {
        s->conf_xy[2 * nl] = -1.0f, s->conf_xy[2 * nl + 1] = (float)(DR_O - 1 - k);
        int w = snprintf(q, room, "%d\n", k);
        q += w, room -= (size_t)w, nl++;
    }
    for (int k = 0; k < DR_O; k++) {
        s->conf_xy[2 * nl] = (float)k, s->conf_xy[2 * nl + 1] = 10.1f;
        int w = snprintf(q, room, "%d%s", k, k + 1 < DR_O ? "\n" : "");
        q += w, room -= (size_t)w, nl++;
    }
    s->conf_tile[0] = 4.5f, s->conf_tile[1] = 4.5f, s->conf_tile[2] = DR_O; /* cells at 0..9 */
    mlm_view_state *f = &v[V_CONF];
    f->data = s->conf_tile, f->count = 1, f->w = f->h = DR_O, f->lo = -1, f->hi = 1;
    v[V_CONF_LABELS].data = s->conf_xy, v[V_CONF_LABELS].count = nl;
    v[V_CONF_LABELS].text = s->conf_text;

    /* First-layer weights: hidden unit j's 64 incoming weights as an 8 x 8 image, in a grid as
       nearly square as the count allows (the panel is about square on a wide screen). */
    int cols = (int)ceil(sqrt((double)H)), rows = (H + cols - 1) / cols;
    double wmax = 0; /* one colour scale for all: a unit whose weights have shrunk looks pale */
    for (int k = 0; k < H * DR_I; k++) wmax = fmax(wmax, fabs(net->W[1][k]));
    for (int j = 0; j < H; j++) {
        float *tile = s->tiles + (size_t)j * (3 + DR_I);
        tile[0] = (float)(j % cols) + 0.5f, tile[1] = (float)(rows - 1 - j / cols) + 0.5f, tile[2] = 0.92f;
        const double *w = net->W[1] + (size_t)j * DR_I;
        for (int p2 = 0; p2 < DR_I; p2++) tile[3 + p2] = dr_f(w[p2]);
    }
    v[V_WEIGHTS].data = s->tiles, v[V_WEIGHTS].count = H;
    v[V_WEIGHTS].w = v[V_WEIGHTS].h = MLM_DIGITS_SIDE;
    v[V_WEIGHTS].lo = -dr_f(wmax > 0 ? wmax : 1), v[V_WEIGHTS].hi = dr_f(wmax > 0 ? wmax : 1);
    in->panels[P_WEIGHTS] = (mlm_panel_state){0, (float)cols, 0, (float)rows, 0};

    v[V_STEP_EPOCH].value = (float)(s->epoch > 0 ? s->epoch : 0);
    v[V_S_ACC_TR].value = dr_f(100 * s->acc_tr);
    v[V_S_ACC_TE].value = dr_f(100 * s->acc_te);
    v[V_S_LOSS].value = dr_f(s->loss_te);
}

const mlm_module mlm_module_digit_reader = {
    .name = "digit_reader",
    .title = "Reading handwritten digits",
    .params = dr_params,
    .n_params = MLM_COUNT(dr_params),
    .desc_size = sizeof(dr_desc),
    .panels = dr_panels,
    .n_panels = DR_N_PANELS,
    .views = dr_views,
    .n_views = DR_N_VIEWS,
    .state_bytes = DR_STATE_BYTES,
    .const_bytes = DR_CONST_BYTES,
    .speed = 100,
    .t_max = 1000,
    .random = 1,
    .create = dr_create,
    .step = dr_step,
    .draw = dr_draw,
    .pointer = dr_pointer,
    .input_get = dr_input_get,
    .input_set = dr_input_set,
    .actions = "clear:Clear",
    .action = dr_action,
    .worker = 1,
};
