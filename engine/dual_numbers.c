/* dual_numbers.c: the engine module of the chapter "Dual numbers and forward mode".
 *
 * The reader types f(x). The shared parser (engine/core/expr.c) reads it into a tape once, in
 * create; dual numbers (expr_eval_dual) give f and f' together along the plotted interval and at
 * the point x0. Each step then tries one finite-difference step h, from h = 1 down to h = 1e-16
 * in tenths of a decade, and records the error of the forward difference (f(x0+h) - f(x0)) / h
 * and of the central difference (f(x0+h) - f(x0-h)) / 2h against the dual-number derivative:
 * the two error curves on log-log axes show truncation (slopes 1 and 2) for large h and rounding
 * (slope -1) for small h, and where they cross, the best h. When the sweep is over, the slopes
 * are fitted by least squares over stated ranges of h and the run says where each difference was
 * best.
 *
 * A text that does not parse is reported at its position (the view f_error: "position:reason")
 * and the last expression that did parse keeps running: it is the run's input (input_get /
 * input_set), which mlm_reset carries into the new run; a fresh page falls back to the declared
 * default. A point where f or f' is not finite ends the run with a sentence that says so.
 *
 * Shapes: G points of the plotted interval (DN_GRID); H steps h of the sweep (DN_H).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "expr.h"
#include "mlm.h"

#define DN_TEXT 120       /* the longest f(x) */
#define DN_DEFAULT "sin(2*x) * exp(-x^2/8)"
#define DN_GRID 401
#define DN_DECADES 16     /* h from 1 to 1e-16 */
#define DN_PER_DECADE 10
#define DN_H (DN_DECADES * DN_PER_DECADE + 1)
#define DN_EPS 2.220446049250313e-16 /* machine epsilon of a double, 2^-52 */
#define DN_BIG 1e6        /* |f| beyond this is drawn at the edge of the plot */

typedef struct {
    char f[DN_TEXT + 1]; /* TEXT: the function the reader typed */
    double x0;           /* where the differences are measured */
    double range;        /* the plot shows [-range, range] */
} dn_desc;

typedef struct {
    expr_tape tape;          /* the running expression */
    char running[DN_TEXT + 1];
    int typed_ok;            /* 1: the typed text is the running expression */
    char err_text[100];      /* "position:reason" when the typed text does not parse */
    char status[160];        /* the run's sentence about the running expression */
    float fseg[(DN_GRID - 1) * 4], dseg[(DN_GRID - 1) * 4]; /* (segments, 4) f and f' */
    int32_t nf, nd;
    float ylo, yhi;
    double f0, d0, f2, f3;   /* f(x0), f'(x0) (dual numbers), f'' and f''' (differences of f') */
    float fwd[DN_H * 2], cen[DN_H * 2]; /* (k, 2): (h, error) */
    int32_t k;               /* steps h tried */
    double h;                /* the latest h */
    double err_f, err_c;     /* ... and its errors */
    int32_t best_f, best_c;  /* index of the smallest error so far */
    double slope_f, slope_c, slope_r; /* fitted when the sweep ends; NAN before */
    float tangent[4], secant[4], x0mark[2], best[4];
    float guides[3 * 4];     /* (3, 4): truncation forward, truncation central, rounding */
    float guide_xy[3 * 2];
    char guide_text[64];
    int32_t nguides;
} dn_state;

enum { DN_P_F, DN_P_X0, DN_P_RANGE };

static const mlm_param dn_params[] = {
    {"f", "f(x)", MLM_TEXT, offsetof(dn_desc, f), 0, DN_TEXT, 0, 0, 0, DN_DEFAULT,
     "the function to differentiate: numbers, x, + - * / ^, parentheses, sin cos tan exp log sqrt tanh sigmoid abs relu, pi"},
    {"x0", "Point x₀", MLM_FLOAT, offsetof(dn_desc, x0), -4, 4, 0.05, 1, 0, NULL,
     "where f' is computed and the finite differences are measured"},
    {"range", "Plot range", MLM_FLOAT, offsetof(dn_desc, range), 1, 10, 0.5, 4, 0, NULL,
     "the plot of f and f' shows x from -range to range"},
};

enum { DN_PANEL_FN, DN_PANEL_ERR, DN_N_PANELS };
static const mlm_panel dn_panels[] = {
    {"fn", "f and f′ from dual numbers", "x", "y", 0, NULL},
    {"err", "Error of finite differences", "step h", "error", MLM_PANEL_LOG_X | MLM_PANEL_LOG_Y | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    DN_V_F, DN_V_D, DN_V_TANGENT, DN_V_SECANT, DN_V_X0, DN_V_GUIDES, DN_V_GUIDE_LABELS, DN_V_FWD,
    DN_V_CEN, DN_V_BEST, DN_V_SLOPE_F, DN_V_SLOPE_C, DN_V_SLOPE_R, DN_V_F0, DN_V_D0, DN_V_H,
    DN_V_ERR_F, DN_V_ERR_C, DN_V_BEST_F, DN_V_BEST_C, DN_V_ERROR, DN_V_STATUS, DN_N_VIEWS
};
static const mlm_view dn_views[] = {
    {"f", "fn", MLM_VIEW_SEGMENTS, "f", MLM_BLUE, MLM_VIEW_LEGEND},
    {"df", "fn", MLM_VIEW_SEGMENTS, "f′ (dual numbers)", MLM_VERMILION, MLM_VIEW_LEGEND},
    {"tangent", "fn", MLM_VIEW_SEGMENTS, "tangent at x₀", MLM_INK, MLM_VIEW_LEGEND},
    {"secant", "fn", MLM_VIEW_SEGMENTS, "secant over h", MLM_ORANGE, MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    {"x0", "fn", MLM_VIEW_MARKERS, "x₀", MLM_INK, 0},
    {"guides", "err", MLM_VIEW_SEGMENTS, "model: truncation and rounding", MLM_INK,
     MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    {"guide_labels", "err", MLM_VIEW_LABELS, "", MLM_INK, 0},
    {"fwd", "err", MLM_VIEW_CURVE, "forward difference", MLM_BLUE, MLM_VIEW_LEGEND},
    {"cen", "err", MLM_VIEW_CURVE, "central difference", MLM_VERMILION, MLM_VIEW_LEGEND},
    {"best", "err", MLM_VIEW_MARKERS, "best h", MLM_INK, 0},
    {"slope_fwd", "err", MLM_VIEW_SCALAR, "slope forward", 0, 0},
    {"slope_cen", "err", MLM_VIEW_SCALAR, "slope central", 0, 0},
    {"slope_round", "err", MLM_VIEW_SCALAR, "slope rounding", 0, 0},
    {"f0", NULL, MLM_VIEW_SCALAR, "f(x₀)", 0, 0},
    {"df0", NULL, MLM_VIEW_SCALAR, "f′(x₀)", 0, 0},
    {"h", NULL, MLM_VIEW_SCALAR, "h", 0, 0},
    {"err_fwd", NULL, MLM_VIEW_SCALAR, "forward error", 0, 0},
    {"err_cen", NULL, MLM_VIEW_SCALAR, "central error", 0, 0},
    {"best_fwd", NULL, MLM_VIEW_SCALAR, "best h forward", 0, 0},
    {"best_cen", NULL, MLM_VIEW_SCALAR, "best h central", 0, 0},
    {"f_error", NULL, MLM_VIEW_TEXT, "", 0, 0},
    {"status", NULL, MLM_VIEW_TEXT, "", 0, 0},
};

static const char *const DN_VARS[] = {"x"};

static double dn_f(const dn_state *s, double x) {
    double val[EXPR_NODES_MAX];
    return expr_eval(&s->tape, &x, val);
}

static expr_dual dn_dual(const dn_state *s, double x) {
    return expr_eval_dual(&s->tape, &(expr_dual){x, 1}, NULL);
}

//> differences
/* The two finite differences of f at x with step h. */
static double dn_forward(const dn_state *s, double x, double h) { return (dn_f(s, x + h) - dn_f(s, x)) / h; }
static double dn_central(const dn_state *s, double x, double h) {
    return (dn_f(s, x + h) - dn_f(s, x - h)) / (2 * h);
}
//< differences

/* Step k tries h = 10^(-k / 10). */
static double dn_h(int k) { return mlm_exp(-(double)k / DN_PER_DECADE * 2.302585092994046); }

static float dn_clip(double y) { return (float)(y > DN_BIG ? DN_BIG : y < -DN_BIG ? -DN_BIG : y); }

/* Segments of a curve sampled on the grid, skipping every piece with an end that is not finite. */
static int dn_segments(float *seg, const double *x, const double *y, int n) {
    int m = 0;
    for (int i = 0; i + 1 < n; i++) {
        if (!isfinite(y[i]) || !isfinite(y[i + 1])) continue;
        float *q = seg + 4 * m++;
        q[0] = (float)x[i], q[1] = dn_clip(y[i]), q[2] = (float)x[i + 1], q[3] = dn_clip(y[i + 1]);
    }
    return m;
}

/* Everything that follows from the running expression and the description: the plotted f and
   f', f and its derivatives at x0, the model lines. Returns 0, or -1 when f or f' is not finite
   at x0 (the status says so). */
static int dn_prepare(mlm_instance *in, dn_state *s) {
    const dn_desc *d = in->desc;
    double xs[DN_GRID], fs[DN_GRID], ds[DN_GRID];
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < DN_GRID; i++) {
        xs[i] = -d->range + 2 * d->range * i / (DN_GRID - 1);
        expr_dual v = dn_dual(s, xs[i]);
        fs[i] = v.v, ds[i] = v.d;
        /* the plot's y range from the values of f (and f' where it is of the same size) */
        if (isfinite(v.v) && fabs(v.v) < DN_BIG) lo = fmin(lo, v.v), hi = fmax(hi, v.v);
    }
    for (int i = 0; i < DN_GRID; i++)
        if (isfinite(ds[i]) && fabs(ds[i]) < 4 * fmax(1, fmax(fabs(lo), fabs(hi)))) lo = fmin(lo, ds[i]), hi = fmax(hi, ds[i]);
    if (!(lo <= hi)) lo = -1, hi = 1;
    double pad = 0.08 * fmax(hi - lo, 1e-3);
    s->ylo = (float)(lo - pad), s->yhi = (float)(hi + pad);
    s->nf = dn_segments(s->fseg, xs, fs, DN_GRID);
    s->nd = dn_segments(s->dseg, xs, ds, DN_GRID);

    expr_dual v = dn_dual(s, d->x0);
    s->f0 = v.v, s->d0 = v.d;
    if (!isfinite(v.v) || !isfinite(v.d) || fabs(v.v) > DN_BIG || fabs(v.d) > DN_BIG) {
        snprintf(s->status, sizeof s->status, "f or f′ is not finite at x₀ = %g: choose another point", d->x0);
        return -1;
    }
    /* f'' and f''' for the model lines only: differences of the exact f' (errors far below what
       a plot on log axes shows) */
    double e = 1e-3, dp = dn_dual(s, d->x0 + e).d, dm = dn_dual(s, d->x0 - e).d;
    s->f2 = (dp - dm) / (2 * e);
    s->f3 = (dp - 2 * v.d + dm) / (e * e);
    if (!isfinite(s->f2)) s->f2 = 0;
    if (!isfinite(s->f3)) s->f3 = 0;
    snprintf(s->status, sizeof s->status, "f(x) = %s", s->running);
    return 0;
}

/* Parse text into the running expression; 0, or -1 with the position and reason in err. */
static int dn_load(dn_state *s, const char *text, expr_error *err) {
    expr_tape t;
    if (expr_parse(text, DN_VARS, 1, &t, err) != 0) return -1;
    s->tape = t;
    snprintf(s->running, sizeof s->running, "%s", text);
    return 0;
}

static void dn_restart_sweep(dn_state *s) {
    s->k = 0;
    s->best_f = s->best_c = -1;
    s->slope_f = s->slope_c = s->slope_r = NAN;
    s->h = NAN;
}

static void *dn_create(mlm_instance *in) {
    dn_desc *d = in->desc;
    dn_state *s = mlm_alloc(in, sizeof(dn_state));
    if (!s) return NULL;
    expr_error err;
    s->typed_ok = dn_load(s, d->f, &err) == 0;
    if (!s->typed_ok) {
        snprintf(s->err_text, sizeof s->err_text, "%d:%s", err.pos, err.why);
        dn_load(s, DN_DEFAULT, &err); /* parses: test_dual_numbers checks it */
    }
    dn_restart_sweep(s);
    if (dn_prepare(in, s)) mlm_finished(in, "%s", s->status);
    return s;
}

/* The last expression that parsed travels as the run's input while the typed text does not parse,
   so a restart after a mistyped edit keeps drawing it. */
static int dn_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    const dn_state *s = self;
    const dn_desc *d = in->desc;
    if (!strcmp(s->running, d->f) || !strcmp(s->running, DN_DEFAULT)) return 0;
    return mlm_b64_encode((const uint8_t *)s->running, strlen(s->running), buf, n);
}

static int dn_input_set(mlm_instance *in, void *self, const char *text) {
    dn_state *s = self;
    if (s->typed_ok) return 0; /* the typed text runs: nothing to fall back on */
    uint8_t raw[DN_TEXT + 1];
    int len = mlm_b64_decode(text, raw, DN_TEXT);
    if (len <= 0) return -1;
    raw[len] = 0;
    expr_error err;
    if (memchr(raw, 0, (size_t)len) || dn_load(s, (const char *)raw, &err)) return -1;
    dn_restart_sweep(s);
    in->status = MLM_RUNNING, in->final = 0, in->reason[0] = 0;
    if (dn_prepare(in, s)) mlm_finished(in, "%s", s->status);
    return 0;
}

/* Least-squares slope of log10(error) against log10(h) over the steps whose h lies in
   [10^a, 10^b], leaving out errors that are exactly 0; NAN with fewer than 5 points. */
static double dn_slope(const float *curve, int n, double a, double b) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        double h = curve[2 * i], e = curve[2 * i + 1];
        double lh = mlm_log10(h);
        if (e <= 0 || lh < a - 1e-9 || lh > b + 1e-9) continue;
        double le = mlm_log10(e);
        sx += lh, sy += le, sxx += lh * lh, sxy += lh * le, m++;
    }
    if (m < 5) return NAN;
    double den = m * sxx - sx * sx;
    return den > 0 ? (m * sxy - sx * sy) / den : NAN;
}

//> sweep
static void dn_step(mlm_instance *in, void *self) {
    dn_state *s = self;
    const dn_desc *d = in->desc;
    if (s->k >= DN_H) return;
    double h = dn_h(s->k);
    double ef = fabs(dn_forward(s, d->x0, h) - s->d0); /* against the dual-number derivative */
    double ec = fabs(dn_central(s, d->x0, h) - s->d0);
    /* f undefined beside x0 (log near 0): no point to draw */
    s->fwd[2 * s->k] = (float)h, s->fwd[2 * s->k + 1] = isfinite(ef) ? (float)ef : 0;
    s->cen[2 * s->k] = (float)h, s->cen[2 * s->k + 1] = isfinite(ec) ? (float)ec : 0;
    if (isfinite(ef) && ef > 0 && (s->best_f < 0 || ef < s->fwd[2 * s->best_f + 1])) s->best_f = s->k;
    if (isfinite(ec) && ec > 0 && (s->best_c < 0 || ec < s->cen[2 * s->best_c + 1])) s->best_c = s->k;
    s->h = h, s->err_f = ef, s->err_c = ec;
    s->k++;
    if (s->k < DN_H) return;
    /* Truncation dominates for large h, rounding for small: the ranges are where it does for
       any f of ordinary size (|f|, |f''|, |f'''| near 1). */
    s->slope_f = dn_slope(s->fwd, DN_H, -4, -1);
    s->slope_c = dn_slope(s->cen, DN_H, -3, -1);
    s->slope_r = dn_slope(s->fwd, DN_H, -14, -10);
    if (s->best_f >= 0 && s->best_c >= 0)
        mlm_finished(in, "h swept from 1 to 1e-16: the forward difference was best at h = %.2g (error "
                     "%.2g), the central one at h = %.2g (error %.2g)",
                     s->fwd[2 * s->best_f], s->fwd[2 * s->best_f + 1], s->cen[2 * s->best_c],
                     s->cen[2 * s->best_c + 1]);
    else
        mlm_finished(in, "h swept from 1 to 1e-16: the differences were exact or undefined throughout");
}
//< sweep

static void dn_scalar(mlm_instance *in, int v, double x) {
    in->views[v].value = (float)x;
    in->views[v].hidden = !isfinite(x) || !isfinite((float)x);
    if (in->views[v].hidden) in->views[v].value = 0;
}

static void dn_draw(mlm_instance *in, void *self) {
    dn_state *s = self;
    const dn_desc *d = in->desc;
    mlm_view_state *v = in->views;
    in->panels[DN_PANEL_FN] = (mlm_panel_state){(float)-d->range, (float)d->range, s->ylo, s->yhi, 0};
    in->panels[DN_PANEL_ERR] = (mlm_panel_state){1e-16f, 1.0f, 1e-16f, 1.0f, 0};
    v[DN_V_F].data = s->fseg, v[DN_V_F].count = s->nf;
    v[DN_V_D].data = s->dseg, v[DN_V_D].count = s->nd;
    int ok = isfinite(s->d0) && isfinite(s->f0) && fabs(s->f0) <= DN_BIG && fabs(s->d0) <= DN_BIG;
    double half = d->range / 3;
    s->tangent[0] = (float)(d->x0 - half), s->tangent[1] = dn_clip(s->f0 - half * s->d0);
    s->tangent[2] = (float)(d->x0 + half), s->tangent[3] = dn_clip(s->f0 + half * s->d0);
    v[DN_V_TANGENT].data = s->tangent, v[DN_V_TANGENT].count = ok;
    s->x0mark[0] = (float)d->x0, s->x0mark[1] = dn_clip(ok ? s->f0 : 0);
    v[DN_V_X0].data = s->x0mark, v[DN_V_X0].count = ok;
    double slope = s->k > 0 ? dn_forward(s, d->x0, s->h) : NAN;
    int sec = ok && isfinite(slope);
    if (sec) {
        s->secant[0] = (float)(d->x0 - half), s->secant[1] = dn_clip(s->f0 - half * slope);
        s->secant[2] = (float)(d->x0 + half), s->secant[3] = dn_clip(s->f0 + half * slope);
    }
    v[DN_V_SECANT].data = s->secant, v[DN_V_SECANT].count = sec;

    v[DN_V_FWD].data = s->fwd, v[DN_V_FWD].count = s->k;
    v[DN_V_CEN].data = s->cen, v[DN_V_CEN].count = s->k;
    int nb = 0;
    if (s->best_f >= 0) s->best[2 * nb] = s->fwd[2 * s->best_f], s->best[2 * nb + 1] = s->fwd[2 * s->best_f + 1], nb++;
    if (s->best_c >= 0) s->best[2 * nb] = s->cen[2 * s->best_c], s->best[2 * nb + 1] = s->cen[2 * s->best_c + 1], nb++;
    v[DN_V_BEST].data = s->best, v[DN_V_BEST].count = s->k >= DN_H ? nb : 0;

    //> model
    /* The model of each error: truncation |f''| h / 2 (forward) and |f'''| h^2 / 6 (central),
       rounding eps |f| / h; each line drawn where it is the larger term. */
    int g = 0;
    s->guide_text[0] = 0;
    double af = fabs(s->f0) > 1e-300 ? fabs(s->f0) : 1, a2 = fabs(s->f2), a3 = fabs(s->f3);
    double hf = a2 > 0 ? sqrt(2 * DN_EPS * af / a2) : 1e-16; /* where forward's two terms cross */
    double hc = a3 > 0 ? mlm_exp(mlm_log(3 * DN_EPS * af / a3) / 3) : 1e-16;
    //< model
    if (ok && a2 > 0 && hf < 1) {
        float *q = s->guides + 4 * g;
        q[0] = (float)hf, q[1] = (float)(a2 * hf / 2), q[2] = 1, q[3] = (float)(a2 / 2);
        s->guide_xy[2 * g] = (float)sqrt(hf), s->guide_xy[2 * g + 1] = (float)(a2 * sqrt(hf) / 2 * 4);
        strcat(s->guide_text, "slope 1\n");
        g++;
    }
    if (ok && a3 > 0 && hc < 1) {
        float *q = s->guides + 4 * g;
        q[0] = (float)hc, q[1] = (float)(a3 * hc * hc / 6), q[2] = 1, q[3] = (float)(a3 / 6);
        double hm = sqrt(hc);
        s->guide_xy[2 * g] = (float)hm, s->guide_xy[2 * g + 1] = (float)(a3 * hm * hm / 6 / 8);
        strcat(s->guide_text, "slope 2\n");
        g++;
    }
    if (ok && hf > 1e-16) {
        float *q = s->guides + 4 * g;
        q[0] = 1e-16f, q[1] = (float)(DN_EPS * af / 1e-16), q[2] = (float)hf, q[3] = (float)(DN_EPS * af / hf);
        double hm = sqrt(1e-16 * hf);
        s->guide_xy[2 * g] = (float)hm, s->guide_xy[2 * g + 1] = (float)(DN_EPS * af / hm * 4);
        strcat(s->guide_text, "slope −1\n");
        g++;
    }
    size_t tl = strlen(s->guide_text);
    if (tl) s->guide_text[tl - 1] = 0;
    v[DN_V_GUIDES].data = s->guides, v[DN_V_GUIDES].count = g;
    v[DN_V_GUIDE_LABELS].data = s->guide_xy, v[DN_V_GUIDE_LABELS].count = g;
    v[DN_V_GUIDE_LABELS].text = s->guide_text;

    dn_scalar(in, DN_V_SLOPE_F, s->slope_f);
    dn_scalar(in, DN_V_SLOPE_C, s->slope_c);
    dn_scalar(in, DN_V_SLOPE_R, s->slope_r);
    dn_scalar(in, DN_V_F0, s->f0);
    dn_scalar(in, DN_V_D0, s->d0);
    dn_scalar(in, DN_V_H, s->k ? s->h : NAN);
    dn_scalar(in, DN_V_ERR_F, s->k ? s->err_f : NAN);
    dn_scalar(in, DN_V_ERR_C, s->k ? s->err_c : NAN);
    dn_scalar(in, DN_V_BEST_F, s->k >= DN_H && s->best_f >= 0 ? s->fwd[2 * s->best_f] : NAN);
    dn_scalar(in, DN_V_BEST_C, s->k >= DN_H && s->best_c >= 0 ? s->cen[2 * s->best_c] : NAN);
    v[DN_V_ERROR].text = s->err_text;
    v[DN_V_ERROR].hidden = s->typed_ok;
    v[DN_V_STATUS].text = s->status;
    v[DN_V_STATUS].hidden = !s->typed_ok; /* the error says what runs instead */
}

const mlm_module mlm_module_dual_numbers = {
    .name = "dual_numbers",
    .title = "Dual numbers and forward mode",
    .params = dn_params,
    .n_params = MLM_COUNT(dn_params),
    .desc_size = sizeof(dn_desc),
    .panels = dn_panels,
    .n_panels = DN_N_PANELS,
    .views = dn_views,
    .n_views = DN_N_VIEWS,
    .state_bytes = sizeof(dn_state),
    .speed = 20,
    .random = 0,
    .t_max = DN_H,
    .create = dn_create,
    .step = dn_step,
    .draw = dn_draw,
    .input_get = dn_input_get,
    .input_set = dn_input_set,
};
