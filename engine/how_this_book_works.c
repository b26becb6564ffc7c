//> head
/* how_this_book_works.c: chapter 33's demo, small enough to read whole. Stochastic gradient
 * descent looks for the centre mu of a cloud: each step draws a point z ~ N(mu, sigma^2 I) and
 * moves the estimate m against the gradient of |m - z|^2 / 2, which is m - z. */
#include <math.h>
#include <stddef.h>
#include "mlm.h"
#define HOW_SEEN 256  /* the newest points, kept to be drawn */
#define HOW_HIST 512  /* points in each history */
#define HOW_STEPS 2000
//< head
//> declare
typedef struct {
    int schedule;   /* 0: a constant eta; 1: eta_t = 1/t */
    double lr;      /* eta, when constant */
    double sigma;   /* the cloud's spread along each axis */
    double mx, my;  /* its centre mu: a click in the plane moves it */
} how_desc;
typedef struct {
    double m[2];              /* the estimate */
    float seen[HOW_SEEN][3];  /* (SEEN, 3) x, y, class 0: the newest points, a ring */
    int n_seen;
    mlm_series trail, err;    /* (HIST, 2) each: m's path; (step, |m - mu|) */
    float centre[2];          /* (1, 2) mu, for its marker */
} how_state;

static const mlm_param how_params[] = {
    {"schedule", "Step size", MLM_CHOICE, offsetof(how_desc, schedule), 0, 1, 1, 0, 0,
     "const:Constant η|harmonic:η = 1/t", "a constant step, or 1/t (the running mean)"},
    {"lr", "Learning rate η", MLM_FLOAT, offsetof(how_desc, lr), 0.001, 2.5, 0, 0.1, 1, NULL,
     "the fraction of the way to each new point that m moves"},
    {"sigma", "Spread σ", MLM_FLOAT, offsetof(how_desc, sigma), 0, 3, 0.1, 1, 0, NULL,
     "the cloud's standard deviation along each axis"},
    {"mx", "Centre x", MLM_FLOAT, offsetof(how_desc, mx), -4, 4, 0.1, 2, 0, NULL, "click the plane"},
    {"my", "Centre y", MLM_FLOAT, offsetof(how_desc, my), -4, 4, 0.1, 1, 0, NULL, "click the plane"},
};
static const mlm_when how_when[] = {{"lr", "schedule=const"}};

enum { HOW_P_PLANE, HOW_P_ERR };
static const mlm_panel how_panels[] = {
    [HOW_P_PLANE] = {"plane", "Points drawn and the estimate", "x", "y", MLM_PANEL_EQUAL, "mx,my"},
    [HOW_P_ERR] = {"err", "Distance to the centre", "step", "|m − μ|",
                   MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_LOG_Y, NULL},
};
enum { HOW_V_SEEN, HOW_V_TRAIL, HOW_V_CENTRE, HOW_V_ERR, HOW_V_DIST };
static const mlm_view how_views[] = {
    [HOW_V_SEEN] = {"seen", "plane", MLM_VIEW_POINTS, "points z", MLM_SKY_BLUE, MLM_VIEW_FAINT},
    [HOW_V_TRAIL] = {"trail", "plane", MLM_VIEW_TRAIL, "estimate m", MLM_VERMILION, MLM_VIEW_LEGEND},
    [HOW_V_CENTRE] = {"centre", "plane", MLM_VIEW_MARKERS, "centre μ", MLM_INK, MLM_VIEW_LEGEND},
    [HOW_V_ERR] = {"err", "err", MLM_VIEW_CURVE, "|m − μ|", MLM_BLUE, 0},
    [HOW_V_DIST] = {"dist", NULL, MLM_VIEW_SCALAR, "|m − μ|", MLM_INK, 0},
};
//< declare
//> create
static void *how_create(mlm_instance *in) {
    how_state *s = mlm_alloc(in, sizeof *s);
    if (!s || mlm_series_init(in, &s->trail, HOW_HIST) || mlm_series_init(in, &s->err, HOW_HIST))
        return NULL; /* mlm_alloc has said why */
    mlm_series_push(&s->trail, 0, 0); /* m starts at the origin */
    return s;
}
//< create
//> step
static void how_step(mlm_instance *in, void *self) {
    how_state *s = self;
    const how_desc *d = in->desc;
    double t = (double)in->steps + 1, eta = d->schedule ? 1 / t : d->lr; /* this is step t */
    double z[2] = {d->mx + d->sigma * mlm_rng_normal(&in->rng),
                   d->my + d->sigma * mlm_rng_normal(&in->rng)};
    for (int i = 0; i < 2; i++) s->m[i] -= eta * (s->m[i] - z[i]);
    float *p = s->seen[in->steps % HOW_SEEN];
    p[0] = (float)z[0], p[1] = (float)z[1];
    s->n_seen += s->n_seen < HOW_SEEN;
    double dx = s->m[0] - d->mx, dy = s->m[1] - d->my, e = sqrt(dx * dx + dy * dy);
    if (!(e < 1e6)) {
        mlm_diverged(in, 1, "m ran away at step %.0f: with η = %.3g, above 2, each step overshoots "
                     "the new point by more than the last", t, eta);
        return;
    }
    mlm_series_push(&s->trail, s->m[0], s->m[1]);
    mlm_series_push(&s->err, t, fmax(e, 1e-12)); /* a log axis: an exact hit drawn at 1e-12 */
    if (t >= HOW_STEPS) mlm_finished(in, "%d points drawn", HOW_STEPS);
}
//< step
//> draw
static void how_draw(mlm_instance *in, void *self) {
    how_state *s = self;
    const how_desc *d = in->desc;
    mlm_view_state *v = in->views;
    in->panels[HOW_P_PLANE] = (mlm_panel_state){-5, 5, -5, 5, 0};
    v[HOW_V_SEEN].data = &s->seen[0][0], v[HOW_V_SEEN].count = s->n_seen;
    mlm_series_view(in, HOW_V_TRAIL, &s->trail);
    s->centre[0] = (float)d->mx, s->centre[1] = (float)d->my;
    v[HOW_V_CENTRE].data = s->centre, v[HOW_V_CENTRE].count = 1;
    mlm_series_view(in, HOW_V_ERR, &s->err);
    v[HOW_V_DIST].value = s->err.n ? s->err.xy[2 * s->err.n - 1] : (float)sqrt(d->mx * d->mx + d->my * d->my);
}

#define HOW_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
const mlm_module mlm_module_how_this_book_works = {
    .name = "how_this_book_works", .title = "Finding a centre by stochastic gradient descent",
    .params = how_params, .n_params = MLM_COUNT(how_params), .desc_size = sizeof(how_desc),
    .when = how_when, .n_when = MLM_COUNT(how_when), .random = 1, .speed = 30,
    .panels = how_panels, .n_panels = MLM_COUNT(how_panels),
    .views = how_views, .n_views = MLM_COUNT(how_views),
    .state_bytes = HOW_A16(sizeof(how_state)) + 2 * HOW_A16(sizeof(float) * 2 * HOW_HIST),
    .create = how_create, .step = how_step, .draw = how_draw,
};
//< draw