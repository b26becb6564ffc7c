/* mlm.c: the machinery every module shares: the random generator, instances and their two
 * memory blocks, parameter clamping, status reports and decimating histories. See mlm.h for the
 * contract; this file holds no algorithm. */
#include "mlm.h"

#include "detmath.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PCG32: 64-bit LCG state, output permuted by xorshift and a random rotation ---- */
void mlm_rng_seed(mlm_rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    mlm_rng_u32(r);
    r->state += seed;
    mlm_rng_u32(r);
}

uint32_t mlm_rng_u32(mlm_rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

double mlm_rng_uniform(mlm_rng *r) {
    uint64_t hi = mlm_rng_u32(r) >> 5, lo = mlm_rng_u32(r) >> 6; /* 27 + 26 = 53 bits */
    return (double)(hi * 67108864.0 + lo) / 9007199254740992.0;
}

double mlm_rng_range(mlm_rng *r, double lo, double hi) {
    return lo + (hi - lo) * mlm_rng_uniform(r);
}

uint32_t mlm_rng_below(mlm_rng *r, uint32_t n) {
    /* Rejection removes the bias a plain modulo would have when n does not divide 2^32. */
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t x = mlm_rng_u32(r);
        if (x >= threshold) return x % n;
    }
}

double mlm_rng_normal(mlm_rng *r) {
    /* The polar method needs only sqrt and log; mlm_log (detmath.h) is the same bit for bit in
       wasm and natively, which the C library's log is not. */
    for (;;) {
        double u = 2.0 * mlm_rng_uniform(r) - 1.0, v = 2.0 * mlm_rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * mlm_log(s) / s);
    }
}

void mlm_rng_shuffle(mlm_rng *r, int32_t *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int)mlm_rng_below(r, (uint32_t)(i + 1));
        int32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* ---- small helpers ---- */
int mlm_isfinite(double x) { return isfinite(x); }

double mlm_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* ---- parameters ---- */
double mlm_param_clamp(const mlm_param *p, double v) {
    if (!isfinite(v)) v = p->def;
    v = mlm_clamp(v, p->min, p->max);
    if (p->kind != MLM_FLOAT) {
        v = floor(v + 0.5);
        if (p->kind == MLM_BOOL) v = v != 0.0;
        if (p->kind == MLM_CHOICE) v = mlm_clamp(v, 0, mlm_choice_count(p) - 1);
    } else if (p->step > 0 && !p->log) {
        /* Snap to the control's grid, measured from min, so URL values match slider positions. */
        v = p->min + floor((v - p->min) / p->step + 0.5) * p->step;
        /* -4 + 23 * 0.1 is -1.6999999999999997: round to three digits finer than the step so
           a URL reads "-1.7". web/state.js does the same arithmetic, so both agree exactly. */
        double scale = 1000.0;
        for (double s = p->step; s < 1.0 && scale < 1e15; s *= 10.0) scale *= 10.0;
        v = floor(v * scale + 0.5) / scale;
        v = mlm_clamp(v, p->min, p->max);
    }
    return v;
}

static void desc_store(const mlm_param *p, void *desc, double v) {
    char *field = (char *)desc + p->offset;
    if (p->kind == MLM_FLOAT) memcpy(field, &v, sizeof v);
    else {
        int iv = (int)v;
        memcpy(field, &iv, sizeof iv);
    }
}

static double desc_load(const mlm_param *p, const void *desc) {
    const char *field = (const char *)desc + p->offset;
    if (p->kind == MLM_FLOAT) {
        double v;
        memcpy(&v, field, sizeof v);
        return v;
    }
    int iv;
    memcpy(&iv, field, sizeof iv);
    return iv;
}

void mlm_desc_defaults(const mlm_module *m, void *desc) {
    memset(desc, 0, m->desc_size);
    for (int i = 0; i < m->n_params; i++) desc_store(&m->params[i], desc, m->params[i].def);
}

int mlm_choice_count(const mlm_param *p) {
    if (p->kind != MLM_CHOICE || !p->choices || !*p->choices) return 0;
    int n = 1;
    for (const char *c = p->choices; *c; c++) n += *c == '|';
    return n;
}

/* Copies part `part` (0: key, 1: label) of choice k into buf. */
static int choice_part(const mlm_param *p, int k, int part, char *buf, size_t n) {
    const char *c = p->choices;
    if (!c || k < 0 || n == 0) return -1;
    for (int i = 0; i < k; i++) {
        c = strchr(c, '|');
        if (!c) return -1;
        c++;
    }
    const char *end = strchr(c, '|');
    if (!end) end = c + strlen(c);
    const char *colon = memchr(c, ':', (size_t)(end - c));
    const char *from = c, *to = colon ? colon : end;
    if (part == 1 && colon) from = colon + 1, to = end;
    size_t len = (size_t)(to - from);
    if (len >= n) len = n - 1;
    memcpy(buf, from, len);
    buf[len] = 0;
    return 0;
}

int mlm_choice_key(const mlm_param *p, int k, char *buf, size_t n) { return choice_part(p, k, 0, buf, n); }
int mlm_choice_label(const mlm_param *p, int k, char *buf, size_t n) { return choice_part(p, k, 1, buf, n); }

int mlm_choice_find(const mlm_param *p, const char *key) {
    char buf[64];
    for (int k = 0; k < mlm_choice_count(p); k++)
        if (mlm_choice_key(p, k, buf, sizeof buf) == 0 && strcmp(buf, key) == 0) return k;
    return -1;
}

int mlm_param_index(const mlm_module *m, const char *name) {
    for (int i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0) return i;
    return -1;
}

int mlm_view_index(const mlm_module *m, const char *name) {
    for (int i = 0; i < m->n_views; i++)
        if (strcmp(m->views[i].name, name) == 0) return i;
    return -1;
}

int mlm_panel_index(const mlm_module *m, const char *name) {
    for (int i = 0; i < m->n_panels; i++)
        if (strcmp(m->panels[i].name, name) == 0) return i;
    return -1;
}

/* ---- instances ---- */
#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

mlm_instance *mlm_create(const mlm_module *m) {
    size_t head = ALIGN16(sizeof(mlm_instance));
    size_t fixed = ALIGN16(m->desc_size) + ALIGN16(sizeof(mlm_view_state) * (size_t)m->n_views) +
                   ALIGN16(sizeof(mlm_panel_state) * (size_t)m->n_panels);
    size_t cap = head + fixed + ALIGN16(m->state_bytes);
    /* aligned_alloc wants a size that is a multiple of the alignment; cap is. */
    mlm_instance *in = aligned_alloc(16, cap);
    if (!in) return NULL;
    memset(in, 0, cap);
    in->module = m;
    in->cap = cap;
    in->used = head;
    in->desc = mlm_alloc(in, m->desc_size);
    mlm_desc_defaults(m, in->desc);
    in->views = mlm_alloc(in, sizeof(mlm_view_state) * (size_t)m->n_views);
    in->panels = mlm_alloc(in, sizeof(mlm_panel_state) * (size_t)m->n_panels);
    in->const_cap = ALIGN16(m->const_bytes);
    if (in->const_cap) {
        in->consts = aligned_alloc(16, in->const_cap);
        if (!in->consts) {
            free(in);
            return NULL;
        }
    }
    return in;
}

void mlm_destroy(mlm_instance *in) {
    if (!in) return;
    free(in->consts);
    free(in);
}

double mlm_set(mlm_instance *in, int i, double value) {
    if (i < 0 || i >= in->module->n_params) return NAN;
    const mlm_param *p = &in->module->params[i];
    double v = mlm_param_clamp(p, value);
    desc_store(p, in->desc, v);
    return v;
}

double mlm_get(const mlm_instance *in, int i) {
    if (i < 0 || i >= in->module->n_params) return NAN;
    return desc_load(&in->module->params[i], in->desc);
}

/* Everything allocated after the fixed part (description, views, panels) belongs to one run. */
static size_t fixed_end(const mlm_instance *in) {
    const mlm_module *m = in->module;
    return ALIGN16(sizeof(mlm_instance)) + ALIGN16(m->desc_size) +
           ALIGN16(sizeof(mlm_view_state) * (size_t)m->n_views) +
           ALIGN16(sizeof(mlm_panel_state) * (size_t)m->n_panels);
}

int mlm_reset(mlm_instance *in, uint64_t seed) {
    const mlm_module *m = in->module;
    size_t keep = fixed_end(in);
    memset((unsigned char *)in + keep, 0, in->cap - keep);
    memset(in->views, 0, sizeof(mlm_view_state) * (size_t)m->n_views);
    memset(in->panels, 0, sizeof(mlm_panel_state) * (size_t)m->n_panels);
    if (in->consts) memset(in->consts, 0, in->const_cap);
    in->used = keep;
    in->const_used = 0;
    in->seed = seed;
    in->steps = 0;
    in->status = MLM_RUNNING;
    in->final = 0;
    in->status_step = 0;
    in->reason[0] = 0;
    mlm_rng_seed(&in->rng, seed, 0x6d6c6d /* "mlm" */);
    /* Re-clamp: the description may have been written directly by a native caller. */
    for (int i = 0; i < m->n_params; i++) mlm_set(in, i, mlm_get(in, i));
    in->self = m->create(in);
    if (!in->self) {
        if (!in->reason[0]) snprintf(in->reason, sizeof in->reason, "%s could not start", m->name);
        in->status = MLM_DIVERGED;
        in->final = 1;
        return -1;
    }
    return 0;
}

int mlm_step(mlm_instance *in, int n) {
    if (!in->self || in->final) return 0;
    /* A non-final report has been shown to the reader by now: carry on. */
    if (in->status != MLM_RUNNING) {
        in->status = MLM_RUNNING;
        in->reason[0] = 0;
    }
    int taken = 0;
    while (taken < n) {
        in->module->step(in, in->self);
        in->steps++;
        taken++;
        if (in->status != MLM_RUNNING || in->final) break;
    }
    return taken;
}

void mlm_draw(mlm_instance *in) {
    if (in->self) in->module->draw(in, in->self);
}

void mlm_pointer(mlm_instance *in, int panel, int kind, double x, double y) {
    const mlm_module *m = in->module;
    if (!in->self || !m->pointer || panel < 0 || panel >= m->n_panels) return;
    if (!(m->panels[panel].flags & MLM_PANEL_POINTER) || !isfinite(x) || !isfinite(y)) return;
    m->pointer(in, in->self, panel, kind, x, y);
}

int mlm_view_stride(mlm_view_kind kind, const mlm_view_state *s) {
    switch (kind) {
    case MLM_VIEW_POINTS: case MLM_VIEW_NODES: return 3;
    case MLM_VIEW_CURVE: case MLM_VIEW_TRAIL: case MLM_VIEW_MARKERS: case MLM_VIEW_BARS:
    case MLM_VIEW_LABELS: return 2;
    case MLM_VIEW_SEGMENTS: case MLM_VIEW_ARROWS: return 4;
    case MLM_VIEW_EDGES: return 5;
    case MLM_VIEW_TILES: return 3 + (s ? s->w * s->h : 0);
    case MLM_VIEW_FIELD: return 1;
    default: return 0;
    }
}

long mlm_view_floats(const mlm_instance *in, int v) {
    const mlm_view_state *s = &in->views[v];
    if (!s->data) return 0;
    mlm_view_kind k = in->module->views[v].kind;
    if (k == MLM_VIEW_FIELD) return (long)s->w * s->h;
    return (long)s->count * mlm_view_stride(k, s);
}

size_t mlm_snapshot_size(const mlm_instance *in) { return in->used; }

void *mlm_alloc(mlm_instance *in, size_t bytes) {
    size_t n = ALIGN16(bytes);
    if (n > in->cap - in->used) return NULL;
    void *p = (unsigned char *)in + in->used;
    in->used += n;
    memset(p, 0, n);
    return p;
}

void *mlm_alloc_const(mlm_instance *in, size_t bytes) {
    size_t n = ALIGN16(bytes);
    if (!in->consts || n > in->const_cap - in->const_used) return NULL;
    void *p = in->consts + in->const_used;
    in->const_used += n;
    memset(p, 0, n);
    return p;
}

static void report(mlm_instance *in, mlm_status s, int final, const char *fmt, va_list ap) {
    in->status = s;
    in->final = in->final || final;
    in->status_step = in->steps + 1; /* reported from inside the step that is being taken */
    vsnprintf(in->reason, sizeof in->reason, fmt, ap);
}

void mlm_converged(mlm_instance *in, int final, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(in, MLM_CONVERGED, final, fmt, ap);
    va_end(ap);
}

void mlm_diverged(mlm_instance *in, int final, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(in, MLM_DIVERGED, final, fmt, ap);
    va_end(ap);
}

void mlm_finished(mlm_instance *in, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report(in, MLM_FINISHED, 1, fmt, ap);
    va_end(ap);
}

void mlm_fail(mlm_instance *in, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->reason, sizeof in->reason, fmt, ap);
    va_end(ap);
}

/* ---- histories ---- */
int mlm_series_init(mlm_instance *in, mlm_series *s, int cap) {
    s->xy = mlm_alloc(in, sizeof(float) * 2 * (size_t)cap);
    s->cap = cap;
    s->n = 0;
    s->every = 1;
    s->skipped = 0;
    return s->xy ? 0 : -1;
}

void mlm_series_clear(mlm_series *s) {
    s->n = 0;
    s->every = 1;
    s->skipped = 0;
}

void mlm_series_push(mlm_series *s, double x, double y) {
    if (s->cap < 2) return;
    /* A push that is not recorded still moves the curve's end to "now". */
    if (s->n > 0 && ++s->skipped < s->every) {
        s->xy[2 * (s->n - 1)] = (float)x;
        s->xy[2 * (s->n - 1) + 1] = (float)y;
        return;
    }
    s->skipped = 0;
    if (s->n == s->cap) {
        for (int i = 0; i < s->cap / 2; i++) {
            s->xy[2 * i] = s->xy[4 * i];
            s->xy[2 * i + 1] = s->xy[4 * i + 1];
        }
        s->n = s->cap / 2;
        s->every *= 2;
    }
    s->xy[2 * s->n] = (float)x;
    s->xy[2 * s->n + 1] = (float)y;
    s->n++;
}

void mlm_field_view(mlm_instance *in, int v, float *data, int w, int h, double x0, double x1,
                    double y0, double y1, uint32_t version) {
    mlm_view_state *f = &in->views[v];
    f->data = data;
    f->w = w;
    f->h = h;
    f->count = w * h;
    f->x0 = (float)x0, f->x1 = (float)x1, f->y0 = (float)y0, f->y1 = (float)y1;
    f->version = version;
}

void mlm_series_view(mlm_instance *in, int v, const mlm_series *s) {
    in->views[v].data = s->xy;
    in->views[v].count = s->n;
}
