/* perceptron.c: the engine of chapter 7, "The perceptron". Rosenblatt's rule learns a line that
 * separates two classes of points in the plane, one point at a time:
 *
 *   predict  ŷ = sign(w · x̃), where x̃ = (x1, x2, 1) carries the bias as a third weight;
 *   update   on a mistake (y w · x̃ <= 0), w <- w + lr y x̃; on a correct point, nothing.
 *
 * One step visits one point, in a fixed order, epoch after epoch. The run converges when a whole
 * epoch passes without a mistake. On data that no line separates it never does; instead the
 * weights come back, exactly, to where they were at the end of an earlier epoch, and from there
 * the run repeats itself for ever: the module detects that cycle and stops, and the two classic
 * remedies are drawn beside it: the pocket perceptron (the weights with the fewest training
 * errors seen so far) and the averaged perceptron (the mean of the weights over every visit).
 *
 * Data: the book's 2-D datasets (engine/core/datasets2d.h), linearly separable with a chosen
 * margin or overlapping, two iris scenes (engine/core/iris.h), or only the reader's own points;
 * the reader's placed points (mlm_points) are added to any of them, and a press on the data panel
 * adds or removes one. Generated coordinates are rounded to multiples of 1/64, like the reader's
 * points lie on their grid, so every sum the rule makes is exact for a learning rate of 1 and the
 * cycle is an exact repeat, not a near one.
 *
 * Shapes: N points (generated G plus the reader's P <= MLM_POINTS_MAX); x (N, 3) rows (x1, x2, 1);
 * y (N,) labels -1 / +1; w (3,) (w1, w2, w0): the line is w1 x1 + w2 x2 + w0 = 0.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "datasets2d.h"
#include "iris.h"
#include "mlm.h"

#define PC_G_MAX 200                       /* generated points */
#define PC_N_MAX (PC_G_MAX + MLM_POINTS_MAX) /* with the reader's */
#define PC_EPOCHS_MAX 2000                 /* a run stops after this many epochs */
#define PC_RING 512                        /* epoch-end weights remembered to find a cycle */
#define PC_HIST 512                        /* points of a history */

enum { PC_SEPARABLE, PC_OVERLAP, PC_IRIS_SEPAL, PC_IRIS_PETAL, PC_MINE };
enum { PC_REMEDY_NONE, PC_REMEDY_POCKET, PC_REMEDY_AVERAGED };

typedef struct {
    int data;      /* PC_*; default separable */
    int n;         /* generated points; default 40 */
    double margin; /* separable data: least distance of a point from the true line; default 0.5 */
    double lr;     /* learning rate; default 1 */
    int remedy;    /* which remedy's line is drawn beside the perceptron's; default pocket */
    int place;     /* the class a press adds: 0 for -1, 1 for +1; default +1 */
} pc_desc;

typedef struct {
    int32_t N, G;            /* points, generated points */
    double x[PC_N_MAX][3];   /* (N, 3) x1, x2, 1 */
    double y[PC_N_MAX];      /* (N,) -1 / +1 */
    double box[4];           /* the data panel: x0, x1, y0, y1 */
    mlm_rng rng0;            /* the generator as create found it: the data are drawn from it */
    double R;                /* max |x̃_i| */
    mlm_d2_line truth;       /* separable data: the line that made the labels */
    double gamma;            /* margin of the known separating line for x̃ (0: none known) */
    double bound;            /* (R / gamma)^2, or 0 */
    mlm_points mine;         /* the reader's points: the reader's input */
    double w[3];             /* (3,) the perceptron's weights */
    double w_prev[3];        /* (3,) before the last update */
    double pocket[3];        /* (3,) the weights with the fewest errors seen so far */
    int32_t pocket_errors;   /* its training errors */
    double wsum[3];          /* (3,) sum of w over every visit, for the averaged perceptron */
    int64_t visits;
    int32_t cursor;          /* the next point to visit */
    int32_t epoch;           /* epochs completed */
    int32_t epoch_mistakes;  /* mistakes so far in this epoch */
    int64_t mistakes;        /* mistakes in the whole run */
    int32_t last_i;          /* the point visited last (-1: none) */
    int32_t last_mistake;    /* 1: that visit was a mistake */
    double ring[PC_RING][3]; /* (PC_RING, 3) the weights at the end of the last epochs */
    int32_t ring_epoch[PC_RING];
    mlm_series hist_mistakes; /* (step, cumulative mistakes) */
    mlm_series hist_errors;   /* (step, training errors of w) after each update */
    mlm_series trail;         /* (w1, w2) after each update */
    /* drawing buffers, rewritten by draw from the state above */
    float pts[PC_N_MAX][3];
    float line[3][4];        /* the perceptron's line, the previous one, the remedy's */
    float mark[2][2];        /* the visited point, and the point that caused the update */
    float arrows[2][4];      /* the normal before and after the update, in the data panel */
    float upd[4];            /* the update lr y x̃ (its w1, w2 part) in the weights panel */
    float bound_curve[2][2];
    char note[160];
} pc_state;

static const mlm_param pc_params[] = {
    {"data", "Data", MLM_CHOICE, offsetof(pc_desc, data), 0, 4, 1, PC_SEPARABLE, 0,
     "separable:Separable, with a margin|overlap:Overlapping classes|iris_sepal:Iris: setosa or versicolor (sepals)|"
     "iris_petal:Iris: versicolor or virginica (petals)|mine:Only my points",
     "the two classes to separate"},
    {"n", "Points", MLM_INT, offsetof(pc_desc, n), 10, PC_G_MAX, 10, 40, 0, NULL,
     "points generated (the iris scenes have 100 flowers)"},
    {"margin", "Margin", MLM_FLOAT, offsetof(pc_desc, margin), 0.05, 2, 0.05, 0.5, 0, NULL,
     "no generated point lies closer than this to the line that made the labels"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(pc_desc, lr), 0.01, 10, 0, 1, 1, NULL,
     "how far one update moves the weights: w <- w + lr y x"},
    {"remedy", "Remedy", MLM_CHOICE, offsetof(pc_desc, remedy), 0, 2, 1, PC_REMEDY_POCKET, 0,
     "none:None|pocket:Pocket|averaged:Averaged",
     "the line drawn dashed beside the perceptron's: the best weights so far, or their average"},
    {"place", "A press adds", MLM_CHOICE, offsetof(pc_desc, place), 0, 1, 1, 1, 0,
     "neg:class −1 (orange)|pos:class +1 (blue)",
     "the class of a point you add by pressing the data panel (press a point to remove it)"},
};

static const mlm_when pc_when[] = {
    {"n", "data=separable|overlap"},
    {"margin", "data=separable"},
};

enum { P_DATA, P_WEIGHTS, P_MISTAKES, PC_N_PANELS };
static const mlm_panel pc_panels[] = {
    [P_DATA] = {"data", "Data and the line (press: add or remove a point)", "x₁", "x₂",
                MLM_PANEL_EQUAL | MLM_PANEL_POINTER, NULL},
    [P_WEIGHTS] = {"weights", "Weights (w₁, w₂) after each update", "w₁", "w₂",
                   MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
    [P_MISTAKES] = {"mistakes", "Mistakes and training errors", "step", "count",
                    MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    V_PTS, V_LINE, V_PREV, V_REMEDY, V_VISIT, V_MISTAKE, V_NORMALS, V_NOTE,
    V_TRAIL, V_UPDATE,
    V_HIST_MISTAKES, V_HIST_ERRORS, V_BOUND,
    V_S_MISTAKES, V_S_EPOCH, V_S_ERRORS, V_S_BOUND, V_S_POCKET, V_S_AVG,
    PC_N_VIEWS
};
static const mlm_view pc_views[] = {
    /* class -1 drawn in vermilion (6 + 0), class +1 in blue (6 + (-1)): see pc_point_class */
    [V_PTS] = {"points", "data", MLM_VIEW_POINTS, "points", MLM_VERMILION, 0},
    [V_LINE] = {"line", "data", MLM_VIEW_SEGMENTS, "perceptron", MLM_INK, MLM_VIEW_LEGEND},
    [V_PREV] = {"prev_line", "data", MLM_VIEW_SEGMENTS, "before the update", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_FAINT | MLM_VIEW_LEGEND},
    [V_REMEDY] = {"remedy_line", "data", MLM_VIEW_SEGMENTS, "remedy", MLM_GREEN, MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    [V_VISIT] = {"visit", "data", MLM_VIEW_MARKERS, "visited point", MLM_INK, 0},
    [V_MISTAKE] = {"mistake", "data", MLM_VIEW_MARKERS, "mistake", MLM_PURPLE, 0},
    [V_NORMALS] = {"normals", "data", MLM_VIEW_ARROWS, "normal (w₁, w₂)", MLM_PURPLE, 0},
    [V_NOTE] = {"note", "data", MLM_VIEW_TEXT, "", 0, 0},
    [V_TRAIL] = {"trail", "weights", MLM_VIEW_TRAIL, "w after each update", MLM_BLUE, 0},
    [V_UPDATE] = {"update", "weights", MLM_VIEW_ARROWS, "last update lr·y·x", MLM_PURPLE, MLM_VIEW_LEGEND},
    [V_HIST_MISTAKES] = {"hist_mistakes", "mistakes", MLM_VIEW_CURVE, "mistakes so far", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_HIST_ERRORS] = {"hist_errors", "mistakes", MLM_VIEW_CURVE, "training errors of w", MLM_ORANGE, MLM_VIEW_LEGEND},
    [V_BOUND] = {"bound_line", "mistakes", MLM_VIEW_CURVE, "bound (R/γ)²", MLM_INK, MLM_VIEW_DASHED | MLM_VIEW_LEGEND},
    [V_S_MISTAKES] = {"mistakes", NULL, MLM_VIEW_SCALAR, "mistakes", 0, MLM_SCALAR_INT},
    [V_S_EPOCH] = {"epoch", NULL, MLM_VIEW_SCALAR, "epoch", 0, MLM_SCALAR_INT},
    [V_S_ERRORS] = {"errors", NULL, MLM_VIEW_SCALAR, "training errors", 0, MLM_SCALAR_INT},
    [V_S_BOUND] = {"bound", NULL, MLM_VIEW_SCALAR, "bound (R/γ)²", 0, 0},
    [V_S_POCKET] = {"pocket_errors", NULL, MLM_VIEW_SCALAR, "pocket's errors", 0, MLM_SCALAR_INT},
    [V_S_AVG] = {"averaged_errors", NULL, MLM_VIEW_SCALAR, "averaged's errors", 0, MLM_SCALAR_INT},
};
_Static_assert(MLM_COUNT(pc_views) == PC_N_VIEWS, "one declaration per view");

#define PC_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define PC_STATE_BYTES (PC_A16(sizeof(pc_state)) + 3 * PC_A16(sizeof(float) * 2 * PC_HIST))

static float pc_point_class(double y) { return y > 0 ? -1.0f : 0.0f; }

//> predict
/* The decision rule: the side of the line w1 x1 + w2 x2 + w0 = 0 the point falls on. A point
   exactly on the line counts as a mistake for either class (the rule cannot decide it). */
static double pc_score(const double *w /* (3,) */, const double *x /* (3,) */) {
    return w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
}
static int pc_wrong(const double *w, const double *x, double y) { return y * pc_score(w, x) <= 0; }
//< predict

static int pc_errors(const pc_state *s, const double *w) {
    int e = 0;
    for (int i = 0; i < s->N; i++) e += pc_wrong(w, s->x[i], s->y[i]);
    return e;
}

/* Add point (x1, x2) with label y (+1 / -1). */
static void pc_add(pc_state *s, double x1, double x2, double y) {
    s->x[s->N][0] = x1, s->x[s->N][1] = x2, s->x[s->N][2] = 1, s->y[s->N] = y;
    s->N++;
}

/* The data, the reader's points after the generated ones; R and the margin of the known line. */
static void pc_build_data(mlm_instance *in, pc_state *s) {
    const pc_desc *d = in->desc;
    s->N = 0;
    s->gamma = 0;
    if (d->data == PC_SEPARABLE || d->data == PC_OVERLAP) {
        double x[PC_G_MAX][2];
        int y[PC_G_MAX];
        mlm_d2_line line = {0, 0, 0};
        mlm_d2_spec spec = {.kind = d->data == PC_SEPARABLE ? MLM_D2_LINEAR : MLM_D2_OVERLAP,
                            .n = d->n, .margin = d->margin};
        mlm_d2_generate(&spec, &in->rng, &x[0][0], y, &line);
        for (int i = 0; i < d->n; i++)
            pc_add(s, floor(x[i][0] * 64 + 0.5) / 64, floor(x[i][1] * 64 + 0.5) / 64, y[i] ? 1 : -1);
        s->truth = line;
        if (d->data == PC_SEPARABLE) {
            /* The line that made the labels, u = (nx, ny, b) / |(nx, ny, b)|, separates x̃ with
               margin gamma = min y u·x̃ (after rounding the points to 1/64: measured, not assumed). */
            double nrm = sqrt(line.nx * line.nx + line.ny * line.ny + line.b * line.b);
            double u[3] = {line.nx / nrm, line.ny / nrm, line.b / nrm}, g = INFINITY;
            for (int i = 0; i < s->N; i++) g = fmin(g, s->y[i] * pc_score(u, s->x[i]));
            s->gamma = g > 0 ? g : 0;
        }
    } else if (d->data == PC_IRIS_SEPAL || d->data == PC_IRIS_PETAL) {
        /* sepals: setosa (-1) or versicolor (+1); petals: versicolor (-1) or virginica (+1) */
        int sepal = d->data == PC_IRIS_SEPAL, first = sepal ? 0 : 50;
        int f0 = sepal ? MLM_IRIS_SEPAL_LENGTH : MLM_IRIS_PETAL_LENGTH;
        for (int i = first; i < first + 100; i++)
            pc_add(s, mlm_iris_value(i, f0), mlm_iris_value(i, f0 + 1), i < first + 50 ? -1 : 1);
    }
    s->G = s->N;
    for (int k = 0; k < s->mine.n; k++) {
        double px, py;
        mlm_points_xy(&s->mine, k, &px, &py);
        pc_add(s, px, py, s->mine.cls[k] ? 1 : -1);
        s->gamma = 0; /* the reader's points may break the known line: no bound is claimed */
    }
    s->R = 0;
    for (int i = 0; i < s->N; i++) s->R = fmax(s->R, sqrt(pc_score(s->x[i], s->x[i])));
    s->bound = s->gamma > 0 ? (s->R / s->gamma) * (s->R / s->gamma) : 0;
}

/* A fresh start at w = 0, on the data as it is now (create, and again when the reader's points
   arrive from a link). */
static void pc_start(mlm_instance *in, pc_state *s) {
    in->rng = s->rng0; /* the same points whether or not the reader's arrived since */
    pc_build_data(in, s);
    memset(s->w, 0, sizeof s->w);
    memset(s->w_prev, 0, sizeof s->w_prev);
    memset(s->pocket, 0, sizeof s->pocket);
    memset(s->wsum, 0, sizeof s->wsum);
    s->pocket_errors = s->N; /* w = 0 gets every point wrong: y · 0 <= 0 */
    s->visits = 0, s->cursor = 0, s->epoch = 0, s->epoch_mistakes = 0, s->mistakes = 0;
    s->last_i = -1, s->last_mistake = 0;
    mlm_series_clear(&s->hist_mistakes);
    mlm_series_clear(&s->hist_errors);
    mlm_series_clear(&s->trail);
    mlm_series_push(&s->hist_mistakes, 0, 0);
    mlm_series_push(&s->hist_errors, 0, s->N);
    mlm_series_push(&s->trail, 0, 0);
    in->panels[P_DATA].x0 = (float)s->box[0], in->panels[P_DATA].x1 = (float)s->box[1];
    in->panels[P_DATA].y0 = (float)s->box[2], in->panels[P_DATA].y1 = (float)s->box[3];
}

/* The data panel's box for a scene (the reader's points live on a grid over it). */
static void pc_box(int data, double *box) {
    if (data == PC_IRIS_SEPAL) box[0] = 4, box[1] = 7.5, box[2] = 1.6, box[3] = 4.8;
    else if (data == PC_IRIS_PETAL) box[0] = 2.5, box[1] = 7.3, box[2] = 0.6, box[3] = 2.9;
    else box[0] = box[2] = -MLM_D2_BOX, box[1] = box[3] = MLM_D2_BOX;
}

static void *pc_create(mlm_instance *in) {
    const pc_desc *d = in->desc;
    pc_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->hist_mistakes, PC_HIST) || mlm_series_init(in, &s->hist_errors, PC_HIST) ||
        mlm_series_init(in, &s->trail, PC_HIST)) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    s->rng0 = in->rng;
    pc_box(d->data, s->box);
    mlm_points_init(&s->mine, s->box[0], s->box[1], s->box[2], s->box[3], 2);
    pc_start(in, s);
    return s;
}

//> step
/* One visit: point i in the fixed order. A mistake moves w towards y x̃ (by lr y x̃), which turns
   the line so that x̃ is more on its own side: y w'·x̃ = y w·x̃ + lr |x̃|² > y w·x̃. */
static void pc_visit(pc_state *s, double lr) {
    int i = s->cursor;
    const double *x = s->x[i], y = s->y[i];
    s->last_i = i, s->last_mistake = 0;
    if (pc_wrong(s->w, x, y)) {
        memcpy(s->w_prev, s->w, sizeof s->w);
        for (int k = 0; k < 3; k++) s->w[k] += lr * y * x[k];
        s->last_mistake = 1;
        s->mistakes++, s->epoch_mistakes++;
    }
    for (int k = 0; k < 3; k++) s->wsum[k] += s->w[k];
    s->visits++;
    s->cursor++;
}
//< step

static void pc_step(mlm_instance *in, void *self) {
    pc_state *s = self;
    const pc_desc *d = in->desc;
    int64_t step = in->steps + 1;
    if (s->N == 0) {
        mlm_finished(in, "no points yet: press the data panel to place some (choose their class with "
                         "\"A press adds\")");
        return;
    }
    pc_visit(s, d->lr);
    if (s->last_mistake) {
        /* the pocket: keep the weights with the fewest training errors seen so far */
        int e = pc_errors(s, s->w);
        if (e < s->pocket_errors) memcpy(s->pocket, s->w, sizeof s->w), s->pocket_errors = e;
        mlm_series_push(&s->hist_mistakes, (double)step, (double)s->mistakes);
        mlm_series_push(&s->hist_errors, (double)step, e);
        mlm_series_push(&s->trail, s->w[0], s->w[1]);
        if (!mlm_isfinite(s->w[0]) || !mlm_isfinite(s->w[1]) || !mlm_isfinite(s->w[2])) {
            mlm_diverged(in, 1, "the weights overflowed at step %lld", (long long)step);
            return;
        }
    }
    if (s->cursor < s->N) return;
    //> epoch_end
    /* An epoch is over. No mistake in it: every point is on its side, and w will never change
       again. Otherwise look for the same weights at the end of an earlier epoch: the visits that
       follow are then the same ones, so the run repeats that stretch for ever. */
    s->cursor = 0;
    s->epoch++;
    if (s->epoch_mistakes == 0) {
        if (s->bound > 0)
            mlm_converged(in, 1, "converged: a whole pass over the %d points without a mistake, after %lld "
                                 "mistakes (the theorem's bound (R/γ)² is %.0f)",
                          s->N, (long long)s->mistakes, s->bound);
        else
            mlm_converged(in, 1, "converged: a whole pass over the %d points without a mistake, after %lld "
                                 "mistakes", s->N, (long long)s->mistakes);
        return;
    }
    s->epoch_mistakes = 0;
    int slots = s->epoch - 1 < PC_RING ? s->epoch - 1 : PC_RING;
    for (int k = 0; k < slots; k++)
        if (memcmp(s->ring[k], s->w, sizeof s->w) == 0) {
            int pe = pc_errors(s, s->pocket);
            mlm_finished(in, "the line cycles: the weights after epoch %d are exactly those after epoch %d, "
                             "so the same %d epochs repeat for ever; no line gets every point right. "
                             "The pocket's line has %d errors",
                         s->epoch, s->ring_epoch[k], s->epoch - s->ring_epoch[k], pe);
            return;
        }
    int slot = (s->epoch - 1) % PC_RING;
    memcpy(s->ring[slot], s->w, sizeof s->w);
    s->ring_epoch[slot] = s->epoch;
    //< epoch_end
    if (s->epoch >= PC_EPOCHS_MAX)
        mlm_finished(in, "stopped after %d epochs without a clean pass or an exact cycle", PC_EPOCHS_MAX);
}

/* The part of the line w1 x1 + w2 x2 + w0 = 0 inside the box, as one segment (0: none). */
static int pc_clip(const double *w, const double *box, float *seg /* (4,) */) {
    double pts[4][2];
    int n = 0;
    if (fabs(w[1]) > 1e-300)
        for (int e = 0; e < 2; e++) {
            double xx = box[e], yy = -(w[0] * xx + w[2]) / w[1];
            if (yy >= box[2] && yy <= box[3] && n < 4) pts[n][0] = xx, pts[n][1] = yy, n++;
        }
    if (fabs(w[0]) > 1e-300)
        for (int e = 2; e < 4; e++) {
            double yy = box[e], xx = -(w[1] * yy + w[2]) / w[0];
            if (xx >= box[0] && xx <= box[1] && n < 4) pts[n][0] = xx, pts[n][1] = yy, n++;
        }
    if (n < 2 || !mlm_isfinite(pts[0][0] + pts[0][1] + pts[n - 1][0] + pts[n - 1][1])) return 0;
    seg[0] = (float)pts[0][0], seg[1] = (float)pts[0][1];
    seg[2] = (float)pts[n - 1][0], seg[3] = (float)pts[n - 1][1];
    return 1;
}

/* The normal (w1, w2) drawn as an arrow of fixed length from the line's point nearest the box's
   centre: it points to the side the line calls +1. */
static int pc_normal(const double *w, const double *box, float *arrow /* (4,) */) {
    double n2 = w[0] * w[0] + w[1] * w[1];
    if (!(n2 > 1e-300) || !mlm_isfinite(n2)) return 0;
    double cx = 0.5 * (box[0] + box[1]), cy = 0.5 * (box[2] + box[3]);
    double t = (w[0] * cx + w[1] * cy + w[2]) / n2, len = 0.15 * (box[1] - box[0]), r = sqrt(n2);
    double px = cx - t * w[0], py = cy - t * w[1];
    if (!mlm_isfinite(px) || !mlm_isfinite(py)) return 0;
    arrow[0] = (float)px, arrow[1] = (float)py;
    arrow[2] = (float)(len * w[0] / r), arrow[3] = (float)(len * w[1] / r);
    return 1;
}

static void pc_draw(mlm_instance *in, void *self) {
    pc_state *s = self;
    const pc_desc *d = in->desc;
    mlm_view_state *v = in->views;
    for (int i = 0; i < s->N; i++)
        s->pts[i][0] = (float)s->x[i][0], s->pts[i][1] = (float)s->x[i][1], s->pts[i][2] = pc_point_class(s->y[i]);
    v[V_PTS].data = &s->pts[0][0], v[V_PTS].count = s->N;
    v[V_LINE].data = s->line[0], v[V_LINE].count = pc_clip(s->w, s->box, s->line[0]);
    int show_prev = s->last_mistake && s->mistakes > 1;
    v[V_PREV].data = s->line[1], v[V_PREV].count = show_prev ? pc_clip(s->w_prev, s->box, s->line[1]) : 0;
    double avg[3] = {0, 0, 0};
    if (s->visits > 0)
        for (int k = 0; k < 3; k++) avg[k] = s->wsum[k] / (double)s->visits;
    const double *rw = d->remedy == PC_REMEDY_POCKET ? s->pocket : avg;
    v[V_REMEDY].data = s->line[2];
    v[V_REMEDY].count = d->remedy == PC_REMEDY_NONE ? 0 : pc_clip(rw, s->box, s->line[2]);
    v[V_VISIT].data = s->mark[0], v[V_VISIT].count = 0;
    v[V_MISTAKE].data = s->mark[1], v[V_MISTAKE].count = 0;
    v[V_NORMALS].data = s->arrows[0], v[V_NORMALS].count = 0;
    v[V_UPDATE].data = s->upd, v[V_UPDATE].count = 0;
    if (s->last_i >= 0 && s->last_i < s->N) {
        float *m = s->mark[s->last_mistake ? 1 : 0];
        m[0] = (float)s->x[s->last_i][0], m[1] = (float)s->x[s->last_i][1];
        v[s->last_mistake ? V_MISTAKE : V_VISIT].count = 1;
        if (s->last_mistake) {
            int n = 0;
            n += pc_normal(s->w, s->box, s->arrows[n]);
            v[V_NORMALS].count = n;
            /* the update in weight space: from w_prev to w, which is lr y (x1, x2) */
            s->upd[0] = (float)s->w_prev[0], s->upd[1] = (float)s->w_prev[1];
            s->upd[2] = (float)(s->w[0] - s->w_prev[0]), s->upd[3] = (float)(s->w[1] - s->w_prev[1]);
            v[V_UPDATE].count = mlm_isfinite(s->upd[0] + s->upd[1] + s->upd[2] + s->upd[3]);
        }
    }
    if (s->last_i >= 0 && s->last_mistake)
        snprintf(s->note, sizeof s->note, "point %d wrong: w += %.3g·(%+.0f)·x̃", s->last_i + 1, d->lr,
                 s->y[s->last_i]);
    else if (s->last_i >= 0)
        snprintf(s->note, sizeof s->note, "point %d right: no change", s->last_i + 1);
    else
        snprintf(s->note, sizeof s->note, "w = 0: every point is a mistake");
    v[V_NOTE].text = s->note;
    mlm_series_view(in, V_TRAIL, &s->trail);
    mlm_series_view(in, V_HIST_MISTAKES, &s->hist_mistakes);
    mlm_series_view(in, V_HIST_ERRORS, &s->hist_errors);
    double xend = in->steps > 1 ? (double)in->steps : 1;
    s->bound_curve[0][0] = 0, s->bound_curve[1][0] = (float)xend;
    s->bound_curve[0][1] = s->bound_curve[1][1] = (float)fmin(s->bound, 1e30);
    v[V_BOUND].data = &s->bound_curve[0][0];
    /* drawn only while it is in view of the mistakes: a bound of thousands would flatten them */
    v[V_BOUND].count = s->bound > 0 && s->bound < 4.0 * (double)(s->mistakes + 5) ? 2 : 0;
    v[V_S_MISTAKES].value = (float)s->mistakes;
    v[V_S_EPOCH].value = (float)s->epoch;
    v[V_S_ERRORS].value = (float)pc_errors(s, s->w);
    v[V_S_BOUND].value = (float)fmin(s->bound, 1e30);
    v[V_S_BOUND].hidden = !(s->bound > 0);
    v[V_S_POCKET].value = (float)s->pocket_errors;
    v[V_S_POCKET].hidden = d->remedy != PC_REMEDY_POCKET;
    v[V_S_AVG].value = (float)pc_errors(s, avg);
    v[V_S_AVG].hidden = d->remedy != PC_REMEDY_AVERAGED;
}

/* ---- the reader's points ---- */

static int pc_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    pc_state *s = self;
    const pc_desc *d = in->desc;
    if (panel != P_DATA || kind != MLM_POINTER_DOWN) return 0;
    /* a press within 3 % of the panel's width of a point of yours removes it */
    return mlm_points_click(&s->mine, x, y, d->place, 0.03 * (s->box[1] - s->box[0]));
}

static int pc_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const pc_state *s = self;
    return mlm_points_get(&s->mine, buf, n);
}

static int pc_input_set(mlm_instance *in, void *self, const char *text) {
    pc_state *s = self;
    if (mlm_points_set(&s->mine, text)) return -1;
    pc_start(in, s); /* the data changed: start again on it */
    return 0;
}

const mlm_module mlm_module_perceptron = {
    .name = "perceptron",
    .title = "The perceptron",
    .params = pc_params,
    .n_params = MLM_COUNT(pc_params),
    .desc_size = sizeof(pc_desc),
    .panels = pc_panels,
    .n_panels = PC_N_PANELS,
    .views = pc_views,
    .n_views = PC_N_VIEWS,
    .state_bytes = PC_STATE_BYTES,
    .const_bytes = 0,
    .speed = 12,
    .random = 1,
    .create = pc_create,
    .step = pc_step,
    .draw = pc_draw,
    .pointer = pc_pointer,
    .when = pc_when,
    .n_when = MLM_COUNT(pc_when),
    .input_get = pc_input_get,
    .input_set = pc_input_set,
};
