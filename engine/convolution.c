/* convolution.c: chapter 21, convolution and pooling, watched one output at a time.
 *
 * A kernel (or a pooling window) slides over an image; each step computes one more output and the
 * widget shows where the kernel sits (its taps, spread by the dilation), the products it sums,
 * and the output filling in. The outputs are those of the book's one convolution and pooling
 * layers (engine/core/conv.c, conv2d_forward and pool_forward), computed when the run starts; the
 * steps reveal them in reading order and the status line spells out the current one's sum.
 *
 * Shape legend:
 *   n        the image's side (a small numbered image, n = size, or an 8x8 digit)
 *   k        the kernel's side (3 for the named kernels and the reader's own), or the pooling
 *            window's side
 *   p, s, d  padding, stride, dilation (pooling: p = 0, d = 1)
 *   P        n + 2p, the padded side; O the output side, conv_out_size(n, k, p, s, d)
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"
#include "digits.h"
#include "mlm.h"

#define CV_N_MAX 8                   /* the image side: the digits are 8x8 */
#define CV_PAD_MAX 3
#define CV_K_MAX 4
#define CV_P_MAX (CV_N_MAX + 2 * CV_PAD_MAX)   /* 14: the padded side */
#define CV_O_MAX CV_P_MAX                      /* a 1x1 kernel at stride 1 over the padded image */

enum { IMG_SMALL, IMG_DIGIT };
enum { OP_CONV, OP_MAX, OP_AVG };
enum { K_NUMBERS, K_EDGE, K_BLUR, K_SHARPEN, K_CUSTOM };

typedef struct {
    int image, size, digit, op, kernel, ksize;
    double w[9];
    int padding, stride, dilation, window;
} cv_desc;

#define CV_W(i, def)                                                                             \
    {"w" #i, "Weight " #i, MLM_FLOAT, offsetof(cv_desc, w) + sizeof(double) * ((i) - 1), -4, 4, \
     0.25, def, 0, NULL, "your kernel's weight " #i ", row by row from the top left"}

static const mlm_param cv_params[] = {
    {"image", "Image", MLM_CHOICE, offsetof(cv_desc, image), 0, 1, 1, IMG_SMALL, 0,
     "small:Numbered squares|digit:A handwritten digit", "what the kernel slides over"},
    {"size", "Image side n", MLM_INT, offsetof(cv_desc, size), 2, CV_N_MAX, 1, 3, 0, NULL,
     "the numbered image is n x n"},
    {"digit", "Digit", MLM_INT, offsetof(cv_desc, digit), 0, MLM_DIGITS_N - 1, 1, 0, 0, NULL,
     "which of the 1,797 shipped 8x8 digits"},
    {"op", "Operation", MLM_CHOICE, offsetof(cv_desc, op), 0, 2, 1, OP_CONV, 0,
     "conv:Convolution|max:Max pooling|avg:Average pooling", "what slides over the image"},
    {"kernel", "Kernel", MLM_CHOICE, offsetof(cv_desc, kernel), 0, 4, 1, K_NUMBERS, 0,
     "numbers:Numbered|edge:Edges|blur:Blur|sharpen:Sharpen|custom:Your own",
     "the kernel's weights (Your own: set them below)"},
    {"ksize", "Kernel side k", MLM_INT, offsetof(cv_desc, ksize), 1, CV_K_MAX, 1, 3, 0, NULL,
     "the numbered kernel is k x k"},
    CV_W(1, 1), CV_W(2, 0), CV_W(3, -1), CV_W(4, 2), CV_W(5, 0), CV_W(6, -2), CV_W(7, 1),
    CV_W(8, 0), CV_W(9, -1),
    {"padding", "Padding p", MLM_INT, offsetof(cv_desc, padding), 0, CV_PAD_MAX, 1, 1, 0, NULL,
     "rings of zeros added around the image"},
    {"stride", "Stride s", MLM_INT, offsetof(cv_desc, stride), 1, 4, 1, 1, 0, NULL,
     "how far the kernel or window moves between outputs"},
    {"dilation", "Dilation d", MLM_INT, offsetof(cv_desc, dilation), 1, 3, 1, 1, 0, NULL,
     "the gap between the kernel's taps (1: adjacent pixels)"},
    {"window", "Window side", MLM_INT, offsetof(cv_desc, window), 1, CV_K_MAX, 1, 2, 0, NULL,
     "the pooling window is this many pixels on a side"},
};

static const mlm_when cv_when[] = {
    {"size", "image=small"},   {"digit", "image=digit"},  {"kernel", "op=conv"},
    {"ksize", "kernel=numbers"}, {"w1", "kernel=custom"}, {"w2", "kernel=custom"},
    {"w3", "kernel=custom"},   {"w4", "kernel=custom"},   {"w5", "kernel=custom"},
    {"w6", "kernel=custom"},   {"w7", "kernel=custom"},   {"w8", "kernel=custom"},
    {"w9", "kernel=custom"},   {"padding", "op=conv"},    {"dilation", "op=conv"},
    {"window", "op=max|avg"},
};

enum { P_IN, P_KER, P_OUT, CV_N_PANELS };

static const mlm_panel cv_panels[] = {
    [P_IN] = {"input", "Input, zero padding around it", NULL, NULL,
              MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
    [P_KER] = {"kernel", "Kernel", NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
    [P_OUT] = {"output", "Output", NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_EQUAL, NULL},
};

enum {
    V_IMG, V_IMG_LABELS, V_BORDER, V_WINDOW, V_TAPS,
    V_KER, V_KER_LABELS,
    V_OUT_DIV, V_OUT_GRAY, V_OUT_LABELS, V_CELL, V_FORMULA,
    V_SUM, V_SIDE, V_DONE,
    CV_N_VIEWS
};

static const mlm_view cv_views[] = {
    [V_IMG] = {"image", "input", MLM_VIEW_TILES, "pixels", 0, MLM_COLOR_GRAY},
    [V_IMG_LABELS] = {"image_values", "input", MLM_VIEW_LABELS, "", 0, 0},
    [V_BORDER] = {"border", "input", MLM_VIEW_SEGMENTS, "image edge", MLM_SKY_BLUE,
                  MLM_VIEW_DASHED},
    [V_WINDOW] = {"window", "input", MLM_VIEW_SEGMENTS, "kernel's reach", MLM_VERMILION, 0},
    [V_TAPS] = {"taps", "input", MLM_VIEW_MARKERS, "pixels it reads", MLM_VERMILION, 0},
    [V_KER] = {"kernel", "kernel", MLM_VIEW_TILES, "weights", 0, MLM_COLOR_DIVERGING},
    [V_KER_LABELS] = {"kernel_values", "kernel", MLM_VIEW_LABELS, "", 0, 0},
    [V_OUT_DIV] = {"output", "output", MLM_VIEW_TILES, "outputs", 0, MLM_COLOR_DIVERGING},
    [V_OUT_GRAY] = {"pooled", "output", MLM_VIEW_TILES, "pooled", 0, MLM_COLOR_GRAY},
    [V_OUT_LABELS] = {"output_values", "output", MLM_VIEW_LABELS, "", 0, 0},
    [V_CELL] = {"cell", "output", MLM_VIEW_SEGMENTS, "this output", MLM_VERMILION, 0},
    [V_FORMULA] = {"formula", NULL, MLM_VIEW_TEXT, "", 0, 0},
    [V_SUM] = {"sum", NULL, MLM_VIEW_TEXT, "", 0, 0},
    [V_SIDE] = {"out_side", NULL, MLM_VIEW_SCALAR, "output side", 0, MLM_SCALAR_INT},
    [V_DONE] = {"done", NULL, MLM_VIEW_SCALAR, "outputs computed", 0, MLM_SCALAR_INT},
};

_Static_assert(MLM_COUNT(cv_views) == CV_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(cv_panels) == CV_N_PANELS, "one declaration per panel");

/* The named kernels, 3x3 row by row. */
static const double cv_named[5][9] = {
    [K_EDGE] = {-1, -1, -1, -1, 8, -1, -1, -1, -1},          /* zero on flat ground */
    [K_BLUR] = {1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9, 1. / 9},
    [K_SHARPEN] = {0, -1, 0, -1, 5, -1, 0, -1, 0},           /* the pixel plus its edge */
};

typedef struct {
    int n, k, p, s, d, O, P; /* as in the legend; O = 0: the kernel does not fit */
    int op, small;
    double img[CV_N_MAX * CV_N_MAX];       /* (n, n) */
    double ker[CV_K_MAX * CV_K_MAX];       /* (k, k) */
    double out[CV_O_MAX * CV_O_MAX];       /* (O, O): conv2d_forward's or pool_forward's */
    double out_lo, out_hi;                 /* the output's range, for a colour scale that holds */
    /* drawing buffers */
    float img_tile[3 + CV_P_MAX * CV_P_MAX];
    float ker_tile[3 + CV_K_MAX * CV_K_MAX];
    float out_tile[3 + CV_O_MAX * CV_O_MAX];
    float img_xy[2 * CV_P_MAX * CV_P_MAX];
    char img_text[CV_P_MAX * CV_P_MAX * 4];
    float ker_xy[2 * CV_K_MAX * CV_K_MAX];
    char ker_text[CV_K_MAX * CV_K_MAX * 8];
    float out_xy[2 * CV_O_MAX * CV_O_MAX];
    char out_text[CV_O_MAX * CV_O_MAX * 8];
    float border[16], window[16], cell[16];
    float taps[2 * CV_K_MAX * CV_K_MAX];
    char formula[160];
    char sum[600];
} cv_state;

static void *cv_create(mlm_instance *in) {
    const cv_desc *D = in->desc;
    cv_state *S = mlm_alloc(in, sizeof(cv_state));
    if (!S) return NULL;
    S->op = D->op;
    S->small = D->image == IMG_SMALL;
    S->n = S->small ? D->size : MLM_DIGITS_SIDE;
    /* The numbered image: 1..9 in reading order, again from 1 after 9, so a sum can be checked
       by hand. The digit: its pixels scaled to [0, 1]. */
    if (S->small) {
        for (int q = 0; q < S->n * S->n; q++) S->img[q] = q % 9 + 1;
    } else {
        float px[MLM_DIGITS_PIXELS];
        mlm_digits_pixels(D->digit, px);
        for (int q = 0; q < MLM_DIGITS_PIXELS; q++) S->img[q] = px[q];
    }
    if (S->op == OP_CONV) {
        S->k = D->kernel == K_NUMBERS ? D->ksize : 3;
        S->p = D->padding;
        S->d = D->dilation;
        /* The numbered kernel: -1, 0, 1 across each row, a left-to-right difference. */
        for (int q = 0; q < S->k * S->k; q++)
            S->ker[q] = D->kernel == K_NUMBERS ? (q % S->k) % 3 - 1
                        : D->kernel == K_CUSTOM ? D->w[q] : cv_named[D->kernel][q];
    } else {
        S->k = D->window;
        S->p = 0;
        S->d = 1;
    }
    S->s = D->stride;
    S->P = S->n + 2 * S->p;
    S->O = conv_out_size(S->n, S->k, S->p, S->s, S->d);
    if (S->O > 0) {
        if (S->op == OP_CONV) {
            conv2d_shape sh = {1, S->n, S->n, 1, S->k, S->k, S->p, S->s, S->d, 0, 0};
            conv2d_shape_init(&sh);
            double zero = 0.0;
            conv2d_forward(S->out, S->img, S->ker, &zero, 1, &sh);
        } else {
            pool_shape sh = {1, S->n, S->n, S->k, S->s, S->op == OP_MAX ? POOL_MAX : POOL_AVG, 0, 0};
            pool_shape_init(&sh);
            pool_forward(S->out, NULL, S->img, 1, &sh);
        }
    }
    S->out_lo = S->out_hi = 0;
    for (int q = 0; q < S->O * S->O; q++) {
        if (S->out[q] < S->out_lo) S->out_lo = S->out[q];
        if (S->out[q] > S->out_hi) S->out_hi = S->out[q];
    }
    /* panels: image pixel (y, x) is drawn at (x, -y) */
    float lo = -S->p - 0.7f, hi = S->n + S->p - 0.3f;
    in->panels[P_IN] = (mlm_panel_state){lo, hi, -hi, -lo, 0};
    in->panels[P_KER] = (mlm_panel_state){-0.7f, S->k - 0.3f, -(S->k - 0.3f), 0.7f,
                                          S->op != OP_CONV};
    int O = S->O > 0 ? S->O : 1;
    in->panels[P_OUT] = (mlm_panel_state){-0.7f, O - 0.3f, -(O - 0.3f), 0.7f, 0};
    return S;
}

//> step
/* One step computes one more output (reading order). After the last position the scan starts
   again from the top left, so the animation can be watched as often as wanted. */
static void cv_step(mlm_instance *in, void *self) {
    cv_state *S = self;
    if (S->O == 0)
        mlm_finished(in, "The kernel does not fit: it spans d(k-1)+1 = %d pixels, more than the "
                         "padded image's n+2p = %d, so there is no output.",
                     S->d * (S->k - 1) + 1, S->P);
}
//< step

static void cv_rect(float *r, double x0, double y0, double x1, double y1) {
    float q[16] = {(float)x0, (float)y0, (float)x1, (float)y0, (float)x1, (float)y0, (float)x1,
                   (float)y1, (float)x1, (float)y1, (float)x0, (float)y1, (float)x0, (float)y1,
                   (float)x0, (float)y0};
    memcpy(r, q, sizeof q);
}

/* A number as a label: integers plainly, others with two decimals; a real minus sign. */
static int cv_num(char *buf, size_t n, double v) {
    double r = v < 0 ? -v : v;
    const char *sign = v < -0.0049 ? "−" : "";
    if (r == (double)(long)r) return snprintf(buf, n, "%s%ld", sign, (long)r);
    return snprintf(buf, n, "%s%.2f", sign, r);
}

static void cv_draw(mlm_instance *in, void *self) {
    cv_state *S = self;
    mlm_view_state *v = in->views;
    const int n = S->n, p = S->p, P = S->P, k = S->k, O = S->O;
    /* outputs computed in the current pass of the scan: 1..O^2 (0 before the first step) */
    long done = O > 0 && in->steps > 0 ? (long)((in->steps - 1) % ((int64_t)O * O)) + 1 : 0;
    int cur = done > 0 ? (int)done - 1 : 0; /* the output just computed (at step 0: the first) */
    if (O == 0) cur = -1;

    /* the padded input */
    S->img_tile[0] = (float)((P - 1) / 2.0 - p);
    S->img_tile[1] = (float)-((P - 1) / 2.0 - p);
    S->img_tile[2] = (float)P;
    char *t = S->img_text;
    size_t room = sizeof S->img_text;
    int nl = 0;
    for (int y = 0; y < P; y++)
        for (int x = 0; x < P; x++) {
            int iy = y - p, ix = x - p;
            double val = iy >= 0 && iy < n && ix >= 0 && ix < n ? S->img[iy * n + ix] : 0.0;
            S->img_tile[3 + y * P + x] = (float)val;
            if (S->small) {
                S->img_xy[2 * nl] = (float)ix;
                S->img_xy[2 * nl + 1] = (float)-iy;
                int w = cv_num(t, room, val);
                t += w, room -= (size_t)w;
                if (room > 1) *t++ = '\n', room--;
                nl++;
            }
        }
    if (nl) t[-1] = 0;
    else S->img_text[0] = 0;
    v[V_IMG].data = S->img_tile, v[V_IMG].count = 1, v[V_IMG].w = v[V_IMG].h = P;
    v[V_IMG].lo = 0, v[V_IMG].hi = S->small ? 9 : 1;
    v[V_IMG_LABELS].data = S->img_xy, v[V_IMG_LABELS].count = nl;
    v[V_IMG_LABELS].text = S->img_text;
    cv_rect(S->border, -0.5, 0.5, n - 0.5, -(n - 0.5));
    v[V_BORDER].data = S->border, v[V_BORDER].count = p > 0 ? 4 : 0;

    /* where the kernel sits: its reach and its taps */
    int i = cur >= 0 ? cur / O : 0, j = cur >= 0 ? cur % O : 0;
    int span = S->d * (k - 1) + 1, y0 = i * S->s - p, x0 = j * S->s - p;
    cv_rect(S->window, x0 - 0.5, -(y0 - 0.5), x0 + span - 0.5, -(y0 + span - 0.5));
    v[V_WINDOW].data = S->window, v[V_WINDOW].count = cur >= 0 ? 4 : 0;
    for (int r = 0; r < k; r++)
        for (int c = 0; c < k; c++) {
            S->taps[2 * (r * k + c)] = (float)(x0 + c * S->d);
            S->taps[2 * (r * k + c) + 1] = (float)-(y0 + r * S->d);
        }
    v[V_TAPS].data = S->taps, v[V_TAPS].count = cur >= 0 && S->d > 1 ? k * k : 0;

    /* the kernel */
    S->ker_tile[0] = (float)((k - 1) / 2.0);
    S->ker_tile[1] = (float)-((k - 1) / 2.0);
    S->ker_tile[2] = (float)k;
    t = S->ker_text, room = sizeof S->ker_text;
    double kmax = 0;
    for (int q = 0; q < k * k; q++) {
        S->ker_tile[3 + q] = (float)S->ker[q];
        kmax = S->ker[q] > kmax ? S->ker[q] : -S->ker[q] > kmax ? -S->ker[q] : kmax;
        S->ker_xy[2 * q] = (float)(q % k);
        S->ker_xy[2 * q + 1] = (float)-(q / k);
        int w = S->ker[q] != 0 && S->ker[q] == 1.0 / 9 ? snprintf(t, room, "1/9")
                                                       : cv_num(t, room, S->ker[q]);
        t += w, room -= (size_t)w;
        if (room > 1) *t++ = '\n', room--;
    }
    t[-1] = 0;
    int conv = S->op == OP_CONV;
    v[V_KER].data = S->ker_tile, v[V_KER].count = conv, v[V_KER].w = v[V_KER].h = k;
    v[V_KER].lo = (float)-(kmax > 0 ? kmax : 1), v[V_KER].hi = (float)(kmax > 0 ? kmax : 1);
    v[V_KER_LABELS].data = S->ker_xy, v[V_KER_LABELS].count = conv ? k * k : 0;
    v[V_KER_LABELS].text = S->ker_text;

    /* the output so far */
    int Od = O > 0 ? O : 1;
    S->out_tile[0] = (float)((Od - 1) / 2.0);
    S->out_tile[1] = (float)-((Od - 1) / 2.0);
    S->out_tile[2] = (float)Od;
    t = S->out_text, room = sizeof S->out_text;
    int ol = 0;
    for (int q = 0; q < Od * Od; q++) {
        double val = q < done ? S->out[q] : 0.0;
        S->out_tile[3 + q] = (float)val;
        if (q < done && S->small) {
            S->out_xy[2 * ol] = (float)(q % Od);
            S->out_xy[2 * ol + 1] = (float)-(q / Od);
            int w = cv_num(t, room, val);
            t += w, room -= (size_t)w;
            if (room > 1) *t++ = '\n', room--;
            ol++;
        }
    }
    if (ol) t[-1] = 0;
    else S->out_text[0] = 0;
    mlm_view_state *ov = &v[conv ? V_OUT_DIV : V_OUT_GRAY], *other = &v[conv ? V_OUT_GRAY : V_OUT_DIV];
    ov->data = S->out_tile, ov->count = O > 0, ov->w = ov->h = Od;
    double m = S->out_hi > -S->out_lo ? S->out_hi : -S->out_lo;
    if (m <= 0) m = 1;
    ov->lo = conv ? (float)-m : 0.0f;
    ov->hi = conv ? (float)m : (float)(S->small ? 9 : 1);
    other->count = 0;
    v[V_OUT_LABELS].data = S->out_xy, v[V_OUT_LABELS].count = ol;
    v[V_OUT_LABELS].text = S->out_text;
    cv_rect(S->cell, j - 0.5, 0.5 - i, j + 0.5, -0.5 - i);
    v[V_CELL].data = S->cell, v[V_CELL].count = cur >= 0 ? 4 : 0;

    /* the output-size formula, with this run's numbers */
    if (conv)
        snprintf(S->formula, sizeof S->formula, "⌊(%d + 2·%d − %d·(%d−1) − 1) / %d⌋ + 1 = %d", n,
                 p, S->d, k, S->s, O);
    else
        snprintf(S->formula, sizeof S->formula, "⌊(%d − %d) / %d⌋ + 1 = %d", n, k, S->s, O);
    v[V_FORMULA].text = S->formula;

    /* the current output spelled out */
    t = S->sum, room = sizeof S->sum;
    if (cur < 0) {
        snprintf(t, room, "No output: the kernel does not fit in the padded image.");
    } else if (done == 0) {
        snprintf(t, room, "Press step: the %s starts at the top left.", conv ? "kernel" : "window");
    } else if (conv && S->small) {
        int w = snprintf(t, room, "out[%d,%d] = ", i, j);
        t += w, room -= (size_t)w;
        for (int r = 0; r < k && room > 40; r++)
            for (int c = 0; c < k && room > 40; c++) {
                int yy = y0 + r * S->d, xx = x0 + c * S->d;
                double px = yy >= 0 && yy < n && xx >= 0 && xx < n ? S->img[yy * n + xx] : 0.0;
                char a[16], b[16];
                cv_num(a, sizeof a, S->ker[r * k + c]);
                cv_num(b, sizeof b, px);
                /* weight·pixel, a negative weight in brackets */
                w = snprintf(t, room, S->ker[r * k + c] < 0 ? "%s(%s)·%s" : "%s%s·%s",
                             r + c ? " + " : "", a, b);
                t += w, room -= (size_t)w;
            }
        char o[16];
        cv_num(o, sizeof o, S->out[cur]);
        w = snprintf(t, room, " = %s", o);
        t += w, room -= (size_t)w;
        if (done == (long)O * O)
            snprintf(t, room, ". All %d×%d positions done; the next step starts again.", O, O);
    } else {
        char o[16];
        cv_num(o, sizeof o, S->out[cur]);
        snprintf(t, room, "out[%d,%d] = %s: %s over the %d×%d %s", i, j, o,
                 conv ? "the weighted sum" : S->op == OP_MAX ? "the largest value" : "the mean",
                 k, k, conv ? "taps" : "window");
        if (done == (long)O * O) {
            size_t len = strlen(S->sum);
            snprintf(S->sum + len, sizeof S->sum - len,
                     ". All %d×%d positions done; the next step starts again.", O, O);
        }
    }
    v[V_SUM].text = S->sum;
    v[V_SIDE].value = (float)O;
    v[V_DONE].value = (float)done;
}

const mlm_module mlm_module_convolution = {
    .name = "convolution",
    .title = "Convolution and pooling",
    .params = cv_params,
    .n_params = MLM_COUNT(cv_params),
    .desc_size = sizeof(cv_desc),
    .panels = cv_panels,
    .n_panels = CV_N_PANELS,
    .views = cv_views,
    .n_views = CV_N_VIEWS,
    .state_bytes = (sizeof(cv_state) + 15) & ~(size_t)15,
    .const_bytes = 0,
    .speed = 2,
    .random = 0,
    .create = cv_create,
    .step = cv_step,
    .draw = cv_draw,
    .when = cv_when,
    .n_when = MLM_COUNT(cv_when),
    .t_max = CV_O_MAX * CV_O_MAX + 1,
};
