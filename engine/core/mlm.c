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
    if (p->kind == MLM_TEXT) return 0; /* texts are checked, not clamped: mlm_text_check */
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

int mlm_text_check(const mlm_param *p, const char *text) {
    if (!p || p->kind != MLM_TEXT || !text) return -1;
    size_t n = 0;
    for (; text[n]; n++)
        if (n >= (size_t)p->max || (unsigned char)text[n] < 0x20 || (unsigned char)text[n] > 0x7e) return -1;
    return 0;
}

/* A TEXT field as stored: its text if it is one mlm_text_check accepts, else the default. */
static void text_sanitize(const mlm_param *p, void *desc) {
    char *field = (char *)desc + p->offset;
    size_t cap = (size_t)p->max + 1;
    if (!memchr(field, 0, cap) || mlm_text_check(p, field)) {
        memset(field, 0, cap);
        if (p->choices && !mlm_text_check(p, p->choices)) memcpy(field, p->choices, strlen(p->choices));
    }
}

static void desc_store(const mlm_param *p, void *desc, double v) {
    char *field = (char *)desc + p->offset;
    if (p->kind == MLM_TEXT) {
        memset(field, 0xff, 1); /* not a valid text: sanitizing writes the default */
        text_sanitize(p, desc);
    } else if (p->kind == MLM_FLOAT) memcpy(field, &v, sizeof v);
    else {
        int iv = (int)v;
        memcpy(field, &iv, sizeof iv);
    }
}

static double desc_load(const mlm_param *p, const void *desc) {
    const char *field = (const char *)desc + p->offset;
    if (p->kind == MLM_TEXT) {
        const char *end = memchr(field, 0, (size_t)p->max + 1);
        return end ? (double)(end - field) : p->max + 1;
    }
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
    if (p->kind == MLM_TEXT) { /* a number cannot set a text; keep it valid and report its length */
        text_sanitize(p, in->desc);
        return desc_load(p, in->desc);
    }
    double v = mlm_param_clamp(p, value);
    desc_store(p, in->desc, v);
    return v;
}

double mlm_get(const mlm_instance *in, int i) {
    if (i < 0 || i >= in->module->n_params) return NAN;
    return desc_load(&in->module->params[i], in->desc);
}

int mlm_set_text(mlm_instance *in, int i, const char *text) {
    if (i < 0 || i >= in->module->n_params) return -1;
    const mlm_param *p = &in->module->params[i];
    if (mlm_text_check(p, text)) return -1;
    char *field = (char *)in->desc + p->offset;
    memset(field, 0, (size_t)p->max + 1);
    memcpy(field, text, strlen(text));
    return 0;
}

int mlm_set_arg(mlm_instance *in, const char *arg) {
    char name[64];
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) >= sizeof name) return -1;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = 0;
    int i = mlm_param_index(in->module, name);
    if (i < 0) return -1;
    const mlm_param *p = &in->module->params[i];
    if (p->kind == MLM_TEXT) return mlm_set_text(in, i, eq + 1);
    int k = p->kind == MLM_CHOICE ? mlm_choice_find(p, eq + 1) : -1;
    double v = k;
    if (k < 0) {
        char *end;
        v = strtod(eq + 1, &end);
        if (*end || end == eq + 1) return -1;
    }
    mlm_set(in, i, v);
    return 0;
}

const char *mlm_get_text(const mlm_instance *in, int i) {
    if (i < 0 || i >= in->module->n_params || in->module->params[i].kind != MLM_TEXT) return NULL;
    return (const char *)in->desc + in->module->params[i].offset;
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
    /* The reader's input outlives the run: read it out before the block is cleared. */
    char input[MLM_INPUT_MAX + 1];
    int has_input = mlm_input_get(in, input, sizeof input) > 0;
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
    in->out_of_memory = 0;
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
    if (has_input) mlm_input_set(in, input); /* refused by this run: dropped */
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

int mlm_pointer(mlm_instance *in, int panel, int kind, double x, double y) {
    const mlm_module *m = in->module;
    if (!in->self || !m->pointer || panel < 0 || panel >= m->n_panels) return 0;
    if (!(m->panels[panel].flags & MLM_PANEL_POINTER) || !isfinite(x) || !isfinite(y)) return 0;
    if (m->pointer(in, in->self, panel, kind, x, y) != 1) return 0;
    mlm_reset(in, in->seed);
    return 1;
}

/* The number of '|'-separated entries of a "key:Label|key:Label" list (0 for NULL or ""). */
static int list_count(const char *list) {
    if (!list || !*list) return 0;
    int n = 1;
    for (const char *c = list; *c; c++) n += *c == '|';
    return n;
}

int mlm_action_count(const mlm_module *m) { return m->action ? list_count(m->actions) : 0; }

int mlm_action(mlm_instance *in, int k) {
    const mlm_module *m = in->module;
    if (!in->self || k < 0 || k >= mlm_action_count(m)) return 0;
    if (m->action(in, in->self, k) != 1) return 0;
    mlm_reset(in, in->seed);
    return 1;
}

/* ---- the reader's input ---- */
static int input_char(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '~' || c == '-';
}

int mlm_input_get(const mlm_instance *in, char *buf, size_t n) {
    if (!buf || n == 0) return 0;
    buf[0] = 0;
    const mlm_module *m = in->module;
    if (!in->self || !m->input_get) return 0;
    int len = m->input_get(in, in->self, buf, n);
    /* Only a text the module could read back, and a link can carry, counts as an input. */
    if (len <= 0 || (size_t)len >= n || len > MLM_INPUT_MAX || strlen(buf) != (size_t)len) {
        buf[0] = 0;
        return 0;
    }
    for (int i = 0; i < len; i++)
        if (!input_char((unsigned char)buf[i])) {
            buf[0] = 0;
            return 0;
        }
    return len;
}

int mlm_input_set(mlm_instance *in, const char *text) {
    const mlm_module *m = in->module;
    if (!in->self || !m->input_set || !text) return -1;
    size_t len = 0;
    for (; text[len]; len++)
        if (len >= MLM_INPUT_MAX || !input_char((unsigned char)text[len])) return -1;
    /* A refused text leaves the run as it was, whatever the module wrote before refusing it: the
       mutable block is the whole run, so a copy of it is a complete undo. */
    size_t size = in->used;
    unsigned char *undo = malloc(size);
    if (!undo) return -1;
    memcpy(undo, in, size);
    int r = m->input_set(in, in->self, text);
    if (r != 0) memcpy(in, undo, size);
    free(undo);
    return r == 0 ? 0 : -1;
}

/* ---- conditional parameters ---- */

/* A parsed condition: parameter `on`, and either a set of values (bit k: value k) or a minimum. */
typedef struct {
    int on;
    int has_min;
    uint64_t keys;
    double min;
} when_cond;

/* Parse cond for module m; 0, or -1 with the problem in why. */
static int when_parse(const mlm_module *m, const char *cond, when_cond *w, char *why, size_t n) {
    char name[64];
    size_t k = 0;
    if (!cond) {
        snprintf(why, n, "an empty condition");
        return -1;
    }
    while (cond[k] && cond[k] != '=' && cond[k] != '>') {
        if (k + 1 >= sizeof name) {
            snprintf(why, n, "condition '%s': the parameter's name is too long", cond);
            return -1;
        }
        name[k] = cond[k];
        k++;
    }
    name[k] = 0;
    w->on = mlm_param_index(m, name);
    if (w->on < 0) {
        snprintf(why, n, "condition '%s': no parameter named '%s'", cond, name);
        return -1;
    }
    const mlm_param *p = &m->params[w->on];
    w->keys = 0;
    w->has_min = 0;
    w->min = 0;
    if (cond[k] == '>' && cond[k + 1] == '=') {
        if (p->kind != MLM_INT && p->kind != MLM_FLOAT) {
            snprintf(why, n, "condition '%s': >= needs an INT or FLOAT parameter", cond);
            return -1;
        }
        char *end;
        const char *num = cond + k + 2;
        w->min = strtod(num, &end);
        if (end == num || *end || !isfinite(w->min)) {
            snprintf(why, n, "condition '%s': '%s' is not a number", cond, num);
            return -1;
        }
        w->has_min = 1;
        return 0;
    }
    if (cond[k] != '=') {
        snprintf(why, n, "condition '%s': expected other=key|key or other>=N", cond);
        return -1;
    }
    if (p->kind == MLM_FLOAT || p->kind == MLM_TEXT) {
        snprintf(why, n, "condition '%s': = needs a CHOICE, BOOL or INT parameter", cond);
        return -1;
    }
    const char *c = cond + k + 1;
    for (;;) {
        const char *end = strchr(c, '|');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        char key[64];
        if (len == 0 || len >= sizeof key) {
            snprintf(why, n, "condition '%s': an empty or overlong value", cond);
            return -1;
        }
        memcpy(key, c, len);
        key[len] = 0;
        long v = -1;
        if (p->kind == MLM_CHOICE) v = mlm_choice_find(p, key);
        else {
            char *e;
            v = strtol(key, &e, 10);
            if (*e || v < p->min || v > p->max) v = -1;
        }
        if (v < 0 || v > 63) {
            snprintf(why, n, "condition '%.40s': '%.20s' is not a value of '%.30s'", cond, key, name);
            return -1;
        }
        w->keys |= (uint64_t)1 << v;
        if (!end) break;
        c = end + 1;
    }
    return 0;
}

/* The entry of m->when naming parameter i, or -1. */
static int when_entry(const mlm_module *m, int i) {
    for (int k = 0; k < m->n_when; k++)
        if (m->when[k].param && strcmp(m->when[k].param, m->params[i].name) == 0) return k;
    return -1;
}

static int applies(const mlm_module *m, const void *desc, int i, int depth) {
    if (i < 0 || i >= m->n_params) return 0;
    int k = when_entry(m, i);
    if (k < 0) return 1;
    char why[8];
    when_cond w;
    /* A table mlm_module_check refuses (circular, or not parsing) hides nothing, and ends. */
    if (depth > m->n_params || when_parse(m, m->when[k].cond, &w, why, sizeof why)) return 1;
    double v = desc_load(&m->params[w.on], desc);
    int holds = w.has_min ? v >= w.min : (v >= 0 && v <= 63 && (w.keys >> (int)v) & 1);
    return holds && applies(m, desc, w.on, depth + 1);
}

int mlm_param_applies(const mlm_module *m, const void *desc, int i) { return applies(m, desc, i, 0); }

/* ---- checking a declaration ---- */
static int good_name(const char *s) {
    if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* A "key:Label|key:Label" list: keys good names (CHOICE keys may also start with a digit or hold
   '-': they are URL values, not identifiers), distinct, labels non-empty. */
static int check_list(const char *list, int ident, const char *what, char *why, size_t n) {
    int count = list_count(list);
    const char *c = list;
    char keys[64][64];
    for (int k = 0; k < count && k < 64; k++) {
        const char *end = strchr(c, '|');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        const char *colon = memchr(c, ':', len);
        size_t klen = colon ? (size_t)(colon - c) : len;
        if (klen == 0 || klen >= 64 || (colon && colon + 1 == c + len) || (ident && !colon)) {
            snprintf(why, n, "%.40s: entry %d must be key:Label", what, k + 1);
            return -1;
        }
        memcpy(keys[k], c, klen);
        keys[k][klen] = 0;
        int ok = ident ? good_name(keys[k]) : 1;
        for (size_t q = 0; q < klen && ok; q++) {
            char ch = keys[k][q];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        }
        if (!ok) {
            snprintf(why, n, "%.40s: key '%.20s' must be lower-case letters, digits, _%s", what, keys[k],
                     ident ? ", starting with a letter" : " or -");
            return -1;
        }
        for (int q = 0; q < k; q++)
            if (strcmp(keys[q], keys[k]) == 0) {
                snprintf(why, n, "%.40s: key '%.20s' appears twice", what, keys[k]);
                return -1;
            }
        c = end ? end + 1 : c + len;
    }
    if (count > 64) {
        snprintf(why, n, "%s: more than 64 entries", what);
        return -1;
    }
    return 0;
}

#define FAIL(...) return snprintf(why, n, __VA_ARGS__), -1

int mlm_module_check(const mlm_module *m, char *why, size_t n) {
    char sub[160];
    if (!why || n == 0) why = sub, n = sizeof sub;
    why[0] = 0;
    if (!good_name(m->name)) FAIL("module name '%s' must be [a-z][a-z0-9_]*", m->name ? m->name : "");
    /* 100000 is web/state.js's T_MAX, the bound every link has anyway. */
    if (m->t_max < 0 || m->t_max > 100000) FAIL("t_max %d must be from 0 (no bound of its own) to 100000", m->t_max);
    for (int i = 0; i < m->n_params; i++) {
        const mlm_param *p = &m->params[i];
        if (!good_name(p->name)) FAIL("parameter '%s': a name must be [a-z][a-z0-9_]*", p->name ? p->name : "");
        if (!strcmp(p->name, "seed") || !strcmp(p->name, "t") || !strcmp(p->name, "in"))
            FAIL("parameter '%s': the name is the runtime's (seed, t: the step, in: the input)", p->name);
        for (int j = 0; j < i; j++)
            if (!strcmp(m->params[j].name, p->name)) FAIL("parameter '%s' is declared twice", p->name);
        if (!(p->min <= p->def && p->def <= p->max)) FAIL("parameter '%s': default outside [min, max]", p->name);
        if (p->log && p->min <= 0) FAIL("parameter '%s': log scale needs min > 0", p->name);
        if (p->kind == MLM_TEXT) {
            if (p->min != 0 || !(p->max >= 1 && p->max <= MLM_TEXT_MAX) || p->max != floor(p->max) ||
                p->step != 0 || p->def != 0 || p->log)
                FAIL("parameter '%s': a TEXT has min 0, max its length (1 to %d), step, def and log 0",
                     p->name, MLM_TEXT_MAX);
            if (!p->choices || mlm_text_check(p, p->choices))
                FAIL("parameter '%s': its default text (in choices) is missing, too long or not printable ASCII",
                     p->name);
            if (p->offset + (size_t)p->max + 1 > m->desc_size)
                FAIL("parameter '%s': its field lies outside the description", p->name);
            continue;
        }
        if ((int)p->kind < MLM_FLOAT || (int)p->kind > MLM_TEXT) FAIL("parameter '%s': unknown kind", p->name);
        if (p->offset + (p->kind == MLM_FLOAT ? sizeof(double) : sizeof(int)) > m->desc_size)
            FAIL("parameter '%s': its field lies outside the description", p->name);
        if (p->kind == MLM_CHOICE) {
            if (mlm_choice_count(p) != (int)p->max + 1 || p->min != 0)
                FAIL("parameter '%s': max must be the number of choices - 1", p->name);
            snprintf(sub, sizeof sub, "parameter '%s'", p->name);
            char inner[120];
            if (check_list(p->choices, 0, sub, inner, sizeof inner)) FAIL("%s", inner);
        }
        if (p->kind == MLM_BOOL && (p->min != 0 || p->max != 1)) FAIL("parameter '%s': a BOOL runs from 0 to 1", p->name);
    }
    for (int k = 0; k < m->n_when; k++) {
        const mlm_when *w = &m->when[k];
        int i = w->param ? mlm_param_index(m, w->param) : -1;
        if (i < 0) FAIL("when: no parameter named '%s'", w->param ? w->param : "");
        if (when_entry(m, i) != k) FAIL("when: parameter '%s' has two conditions", w->param);
        when_cond c;
        char inner[140];
        if (when_parse(m, w->cond, &c, inner, sizeof inner)) FAIL("when '%s': %s", w->param, inner);
        /* Follow the chain of conditions: it must end, at an unconditional parameter. */
        int at = c.on, hops = 0;
        for (;;) {
            if (at == i || hops > m->n_params) FAIL("when '%s': the conditions go round in a circle", w->param);
            int e = when_entry(m, at);
            if (e < 0 || when_parse(m, m->when[e].cond, &c, inner, sizeof inner)) break;
            at = c.on, hops++;
        }
    }
    if (m->n_when && !m->when) FAIL("n_when is %d but there is no when table", m->n_when);
    for (int i = 0; i < m->n_views; i++) {
        const mlm_view *v = &m->views[i];
        if (!good_name(v->name)) FAIL("view '%s': a name must be [a-z][a-z0-9_]*", v->name ? v->name : "");
        for (int j = 0; j < i; j++)
            if (!strcmp(m->views[j].name, v->name)) FAIL("view '%s' is declared twice", v->name);
        if (v->panel && mlm_panel_index(m, v->panel) < 0) FAIL("view '%s': no panel named '%s'", v->name, v->panel);
        if (v->color < 0 || v->color > 7) FAIL("view '%s': colour %d is not a palette index 0..7", v->name, v->color);
    }
    for (int i = 0; i < m->n_panels; i++) {
        const mlm_panel *p = &m->panels[i];
        if (!good_name(p->name)) FAIL("panel '%s': a name must be [a-z][a-z0-9_]*", p->name ? p->name : "");
        for (int j = 0; j < i; j++)
            if (!strcmp(m->panels[j].name, p->name)) FAIL("panel '%s' is declared twice", p->name);
        if ((p->flags & MLM_PANEL_POINTER) && !m->pointer)
            FAIL("panel '%s' takes pointer input but the module has no pointer()", p->name);
        if (p->click) {
            char a[64], b[64];
            if (sscanf(p->click, "%63[^,],%63s", a, b) != 2 || mlm_param_index(m, a) < 0 ||
                mlm_param_index(m, b) < 0)
                FAIL("panel '%s': click must name two parameters", p->name);
        }
    }
    if (!m->actions != !m->action) FAIL("actions and action() go together: declare both or neither");
    if (m->actions) {
        char inner[140];
        if (!list_count(m->actions) || check_list(m->actions, 1, "actions", inner, sizeof inner))
            FAIL("%s", inner[0] ? inner : "actions: an empty list");
    }
    if (!m->input_get != !m->input_set) FAIL("input_get and input_set go together: declare both or neither");
    return 0;
}
#undef FAIL

/* ---- URL-safe base64 ---- */
static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int mlm_b64_encode(const uint8_t *src, size_t n, char *out, size_t outn) {
    size_t len = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    if (!out || len + 1 > outn || len > INT32_MAX) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < n) v |= (uint32_t)src[i + 1] << 8;
        if (i + 2 < n) v |= src[i + 2];
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t c = 0; c < chars; c++) out[o++] = b64_alphabet[(v >> (18 - 6 * c)) & 63];
    }
    out[o] = 0;
    return (int)o;
}

static int b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

int mlm_b64_decode(const char *text, uint8_t *out, size_t outn) {
    if (!text) return -1;
    size_t len = strlen(text);
    if (len % 4 == 1) return -1;
    size_t bytes = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (bytes > outn || bytes > INT32_MAX) return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        size_t chars = len - i >= 4 ? 4 : len - i;
        uint32_t v = 0;
        for (size_t c = 0; c < 4; c++) {
            int d = c < chars ? b64_value((unsigned char)text[i + c]) : 0;
            if (d < 0) return -1;
            v |= (uint32_t)d << (18 - 6 * c);
        }
        size_t got = chars - 1; /* 4 chars: 3 bytes, 3: 2, 2: 1 */
        /* the bits past the last byte must be zero: one text per byte string */
        if (got < 3 && (v & (0xffffffu >> (8 * got)))) return -1;
        for (size_t b = 0; b < got; b++) out[o++] = (uint8_t)(v >> (16 - 8 * b));
    }
    return (int)o;
}

int mlm_view_stride(mlm_view_kind kind, const mlm_view_state *s) {
    switch (kind) {
    case MLM_VIEW_POINTS: case MLM_VIEW_NODES: return 3;
    case MLM_VIEW_CURVE: case MLM_VIEW_TRAIL: case MLM_VIEW_MARKERS: case MLM_VIEW_BARS:
    case MLM_VIEW_LABELS: return 2;
    case MLM_VIEW_SEGMENTS: case MLM_VIEW_ARROWS: case MLM_VIEW_BUBBLES: return 4;
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

/* The reason of a run that ran out of memory: which block, its bound and what the run needs. */
static void out_of_memory(mlm_instance *in, const char *bound, size_t have, size_t need) {
    if (in->out_of_memory) return; /* the first shortfall is the one to report */
    snprintf(in->reason, sizeof in->reason,
             "%s ran out of memory: these settings need at least %zu bytes of %s, the module "
             "declares %zu",
             in->module->name, need, bound, have);
    in->out_of_memory = 1;
}

void *mlm_alloc(mlm_instance *in, size_t bytes) {
    size_t n = ALIGN16(bytes);
    if (n > in->cap - in->used) {
        size_t run = in->used - fixed_end(in) + n;
        out_of_memory(in, "state_bytes", in->module->state_bytes, run);
        return NULL;
    }
    void *p = (unsigned char *)in + in->used;
    in->used += n;
    memset(p, 0, n);
    return p;
}

void *mlm_alloc_const(mlm_instance *in, size_t bytes) {
    size_t n = ALIGN16(bytes);
    if (!in->consts || n > in->const_cap - in->const_used) {
        out_of_memory(in, "const_bytes", in->module->const_bytes, in->const_used + n);
        return NULL;
    }
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
    if (in->out_of_memory) return; /* "out of memory" says less than the reason already there */
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
