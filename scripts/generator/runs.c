/* runs.c: numbers computed when the book is built. A ```run block names a module and its
 * settings; the generator runs it here, natively and in-process (the same engine the widgets run
 * in wasm), and prose quotes what it read with {{name.view}}:
 *
 *   ```run spiral
 *   module = playground
 *   dataset = spiral          # any parameter, validated exactly as in a widget block
 *   seed = 1                  # or seeds = 1-8 (quotes then say .min, .max or .mean)
 *   steps = 3000              # at most this many steps (fewer if the run ends)
 *   until = accuracy >= 95    # optional: stop at the first checked step where this holds
 *   every = 1                 # optional: check `until` every k steps (default 1)
 *   check = loss < 0.69       # optional, repeatable: the build fails unless it holds at the end
 *   ```
 *
 * A run reads, after mlm_draw, `step` (steps taken), `status_step` and every scalar view by
 * name. Runs are collected (and run) before the chapter's math is cut out, so quotes may come
 * before their run and may stand inside $math$. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlm.h"
#include "mlmbook.h"

struct mlmbook_run {
    char name[64];
    int line;
    const mlm_module *m; /* NULL: the block was broken (already reported) */
    int ok;              /* 1: it ran and its numbers can be quoted */
    int nseeds;          /* 0: one seed and plain quotes; >0: seeds = a-b, quotes aggregate */
    double *vals;        /* (2 + n_views) x max(1, nseeds): step, status_step, then the views */
};

long mlmbook_run_step_limit = 100000000;

/* Quantity q of a run: 0 step, 1 status_step, 2 + v scalar view v. */
static int quantity_index(const mlm_module *m, const char *name) {
    if (!strcmp(name, "step")) return 0;
    if (!strcmp(name, "status_step")) return 1;
    int v = mlm_view_index(m, name);
    return v < 0 ? -1 : 2 + v;
}

static int quantity_integer(const mlm_module *m, int q) {
    return q < 2 || (m->views[q - 2].flags & MLM_SCALAR_INT);
}

static const char *const kind_names[] = {"points", "curve", "trail", "segments", "arrows",
                                         "markers", "field", "scalar", "text", "bars",
                                         "tiles", "edges", "nodes", "labels",
                                         "bubbles"};

static void scalar_names(mlmbook_buf *b, const mlm_module *m) {
    mlmbook_buf_puts(b, "step, status_step");
    for (int v = 0; v < m->n_views; v++)
        if (m->views[v].kind == MLM_VIEW_SCALAR) mlmbook_buf_printf(b, ", %s", m->views[v].name);
}

/* The quantity called `name`, or -1 after reporting an unknown name or a view that is no scalar. */
static int quantity_find(mlmbook_chapter *ch, int line, const char *run, const mlm_module *m,
                         const char *name) {
    int q = quantity_index(m, name);
    if (q >= 2 && m->views[q - 2].kind != MLM_VIEW_SCALAR) {
        int k = (int)m->views[q - 2].kind;
        mlmbook_buf b = {0};
        scalar_names(&b, m);
        mlmbook_error(ch->path, line,
                      "run '%s': view '%s' of %s is a %s view, not a scalar (scalars: %s)", run, name,
                      m->name, k >= 0 && k < MLM_COUNT(kind_names) ? kind_names[k] : "drawing",
                      b.data);
        mlmbook_buf_free(&b);
        return -1;
    }
    if (q < 0) {
        mlmbook_buf b = {0};
        scalar_names(&b, m);
        mlmbook_error(ch->path, line, "run '%s': %s has no view '%s' (scalars: %s)", run, m->name,
                      name, b.data);
        mlmbook_buf_free(&b);
    }
    return q;
}

/* ---- conditions: `view op number` ---- */

typedef struct {
    int q;       /* quantity */
    int op;      /* 0 <, 1 <=, 2 >, 3 >=, 4 == */
    double x;
    const char *text;
    int line;
} condition;


static int condition_holds(const condition *c, double v) {
    switch (c->op) {
    case 0: return v < c->x;
    case 1: return v <= c->x;
    case 2: return v > c->x;
    case 3: return v >= c->x;
    default: return v == c->x;
    }
}

static int condition_parse(mlmbook_chapter *ch, const char *run, const mlm_module *m,
                           const char *key, const char *s, int line, condition *c) {
    const char *p = s;
    char name[64];
    size_t n = 0;
    while (p[n] && (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_')) n++;
    const char *q = p + n;
    while (*q == ' ' || *q == '\t') q++;
    int op = -1;
    if (q[0] == '<' && q[1] == '=') op = 1;
    else if (q[0] == '>' && q[1] == '=') op = 3;
    else if (q[0] == '=' && q[1] == '=') op = 4;
    else if (q[0] == '<') op = 0;
    else if (q[0] == '>') op = 2;
    char *end = NULL;
    double x = 0;
    if (op >= 0) {
        const char *num = q + (op == 0 || op == 2 ? 1 : 2);
        while (*num == ' ' || *num == '\t') num++;
        x = *num ? strtod(num, &end) : 0;
        if (end == num) end = NULL;
    }
    if (n == 0 || n >= sizeof name || !islower((unsigned char)p[0]) || op < 0 || !end || *end ||
        !isfinite(x)) {
        mlmbook_error(ch->path, line,
                      "run '%s': %s is 'view op number' with op one of < <= > >= == "
                      "(accuracy >= 95), not '%s'", run, key, s);
        return -1;
    }
    memcpy(name, p, n);
    name[n] = 0;
    int qi = quantity_find(ch, line, run, m, name);
    if (qi < 0) return -1;
    *c = (condition){qi, op, x, s, line};
    return 0;
}

/* ---- running ---- */

static double quantity_read(const mlm_instance *in, int q) {
    if (q == 0) return (double)in->steps;
    if (q == 1) return (double)in->status_step;
    return (double)in->views[q - 2].value;
}

static void put_value(mlmbook_buf *b, double v) {
    if (!isfinite(v)) {
        mlmbook_buf_puts(b, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    char s[40];
    snprintf(s, sizeof s, "%.6g", v);
    mlmbook_buf_puts(b, s);
}

/* ---- a cache of runs, keyed by the generator's own bytes (which hold the engine) and the run ----
 * A run gives the same numbers for the same engine, module, parameters, seeds, steps and until,
 * so a rebuild of the book need not repeat it. The key hashes the running executable itself, so
 * any change to the engine or the generator (a relink) misses. */
const char *mlmbook_run_cache_dir;

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211u;
    return h;
}

/* A hash of /proc/self/exe; 0 when it cannot be read (then nothing is cached). */
static uint64_t build_id(void) {
    static uint64_t id;
    static int done;
    if (done) return id;
    done = 1;
    FILE *f = fopen("/proc/self/exe", "rb");
    if (!f) return 0;
    uint64_t h = 1469598103934665603u;
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) h = fnv(h, chunk, n);
    if (!ferror(f)) id = h ? h : 1;
    fclose(f);
    return id;
}

/* The cache file of a run, or an empty buffer when there is no cache. */
static void cache_path(mlmbook_buf *path, const struct mlmbook_run *r, const double *params,
                       uint64_t seed0, long steps, const condition *until, long every) {
    uint64_t id = mlmbook_run_cache_dir ? build_id() : 0;
    if (!id) return;
    mlmbook_buf k = {0};
    mlmbook_buf_printf(&k, "%016llx %s %llu %d %ld", (unsigned long long)id, r->m->name,
                       (unsigned long long)seed0, r->nseeds, steps);
    for (int i = 0; i < r->m->n_params; i++) mlmbook_buf_printf(&k, " %.17g", params[i]);
    if (until) mlmbook_buf_printf(&k, " until %d %d %.17g every %ld", until->q, until->op, until->x, every);
    uint64_t h = fnv(1469598103934665603u, k.data, k.len);
    mlmbook_buf_free(&k);
    mlmbook_buf_printf(path, "%s/%016llx.run", mlmbook_run_cache_dir, (unsigned long long)h);
}

static int cache_load(const char *path, double *vals, size_t count) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t have = 0;
    int ok = fscanf(f, "mlmbook-run 1 %zu", &have) == 1 && have == count;
    for (size_t i = 0; ok && i < count; i++) ok = fscanf(f, "%lf", &vals[i]) == 1;
    fclose(f);
    return ok;
}

static void cache_store(const char *path, const double *vals, size_t count) {
    mkdir(mlmbook_run_cache_dir, 0777); /* one level: it lives under build/ */
    mlmbook_buf tmp = {0};
    mlmbook_buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp.data, "wb");
    if (f) {
        int ok = fprintf(f, "mlmbook-run 1 %zu\n", count) > 0;
        for (size_t i = 0; ok && i < count; i++) ok = fprintf(f, "%.17g\n", vals[i]) > 0;
        if (fclose(f) != 0) ok = 0;
        if (!ok || rename(tmp.data, path) != 0) remove(tmp.data);
    }
    mlmbook_buf_free(&tmp);
}

/* Run every seed of r; fill r->vals (quantity-major: vals[q * seeds + k]). Returns 0, or -1 after
   reporting why the prose would lie. */
static int run_simulate(mlmbook_chapter *ch, struct mlmbook_run *r, const double *params,
                        uint64_t seed0, long steps, const condition *until, long every) {
    const mlm_module *m = r->m;
    int nq = 2 + m->n_views, ns = r->nseeds ? r->nseeds : 1;
    mlm_instance *in = mlm_create(m);
    if (!in) {
        mlmbook_error(ch->path, r->line, "run '%s': out of memory creating %s", r->name, m->name);
        return -1;
    }
    int bad = 0;
    for (int i = 0; i < m->n_params; i++) mlm_set(in, i, params[i]);
    for (int k = 0; k < ns && !bad; k++) {
        uint64_t seed = seed0 + (uint64_t)k;
        char which[48] = "";
        if (r->nseeds) snprintf(which, sizeof which, " (seed %llu)", (unsigned long long)seed);
        if (mlm_reset(in, seed) != 0) {
            mlmbook_error(ch->path, r->line, "run '%s'%s: %s could not start: %s", r->name, which,
                          m->name, in->reason);
            bad = 1;
            break;
        }
        int crossed = 0;
        if (until) {
            while (in->steps < steps && !in->final) {
                int64_t target = (in->steps / every + 1) * every;
                if (target > steps) target = steps;
                while (in->steps < target && !in->final) {
                    int64_t left = target - in->steps;
                    mlm_step(in, left > 1000000 ? 1000000 : (int)left);
                }
                mlm_draw(in);
                if (condition_holds(until, quantity_read(in, until->q))) {
                    crossed = 1;
                    break;
                }
            }
            if (!crossed) {
                mlmbook_buf b = {0};
                if (in->steps == 0) mlm_draw(in);
                put_value(&b, quantity_read(in, until->q));
                char how[64] = "";
                if (every > 1) snprintf(how, sizeof how, ", checked every %ld steps", every);
                mlmbook_error(ch->path, until->line,
                              "run '%s'%s: until %s never held within %ld steps%s (it %s at step "
                              "%lld with %s = %s)", r->name, which, until->text, steps, how,
                              in->final ? "ended" : "stopped", (long long)in->steps,
                              until->q < 2 ? (until->q ? "status_step" : "step")
                                           : m->views[until->q - 2].name, b.data);
                mlmbook_buf_free(&b);
                bad = 1;
                break;
            }
        } else {
            while (in->steps < steps && !in->final) {
                int64_t left = steps - in->steps;
                mlm_step(in, left > 1000000 ? 1000000 : (int)left);
            }
            mlm_draw(in);
        }
        for (int q = 0; q < nq; q++) {
            double v = 0;
            if (q < 2 || m->views[q - 2].kind == MLM_VIEW_SCALAR) v = quantity_read(in, q);
            r->vals[(size_t)q * (size_t)ns + (size_t)k] = v;
        }
    }
    mlm_destroy(in);
    return bad ? -1 : 0;
}

/* The run's numbers (from the cache, or by running it), then its checks on every seed. */
static int run_execute(mlmbook_chapter *ch, struct mlmbook_run *r, const double *params,
                       uint64_t seed0, long steps, const condition *until, long every,
                       const condition *checks, int nchecks) {
    int nq = 2 + r->m->n_views, ns = r->nseeds ? r->nseeds : 1;
    size_t count = (size_t)nq * (size_t)ns;
    r->vals = mlmbook_alloc(sizeof(double) * count);
    mlmbook_buf path = {0};
    cache_path(&path, r, params, seed0, steps, until, every);
    if (!path.len || !cache_load(path.data, r->vals, count)) {
        if (run_simulate(ch, r, params, seed0, steps, until, every) != 0) {
            mlmbook_buf_free(&path);
            return -1;
        }
        if (path.len) cache_store(path.data, r->vals, count);
    }
    mlmbook_buf_free(&path);
    int bad = 0;
    for (int k = 0; k < ns; k++)
        for (int c = 0; c < nchecks; c++) {
            double v = r->vals[(size_t)checks[c].q * (size_t)ns + (size_t)k];
            if (condition_holds(&checks[c], v)) continue;
            char which[48] = "";
            if (r->nseeds) snprintf(which, sizeof which, " (seed %llu)", (unsigned long long)(seed0 + (uint64_t)k));
            mlmbook_buf b = {0};
            put_value(&b, v);
            mlmbook_error(ch->path, checks[c].line, "run '%s'%s: check %s failed: it is %s at step %.0f",
                          r->name, which, checks[c].text, b.data, r->vals[k]);
            mlmbook_buf_free(&b);
            bad = 1;
        }
    return bad ? -1 : 0;
}

static int parse_count(const char *s, long lo, long hi, long *out) {
    char *end;
    if (!*s || !isdigit((unsigned char)*s)) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static const char *const run_keys = "module, seed, seeds, steps, until, every, check";

/* Parse and run one ```run block found in the unprotected source. */
static void run_block(mlmbook_chapter *ch, cmark_node *block, const char *info) {
    char words[4][128];
    int nw = mlmbook_split_words(info, words, 4);
    int line = mlmbook_chapter_line(ch, cmark_node_get_start_line(block));
    if (nw != 2 || !islower((unsigned char)words[1][0]) || !mlmbook_is_name(words[1], "_-") ||
        strlen(words[1]) >= sizeof ch->runs[0].name) {
        mlmbook_error(ch->path, line,
                      "a run block starts with ```run <name> (lowercase letters, digits, _ and -)");
        return;
    }
    for (int i = 0; i < ch->nruns; i++)
        if (!strcmp(ch->runs[i].name, words[1])) {
            mlmbook_error(ch->path, line, "run '%s' is defined twice (first at line %d)", words[1],
                          ch->runs[i].line);
            return;
        }
    ch->runs = mlmbook_realloc(ch->runs, (size_t)(ch->nruns + 1) * sizeof *ch->runs);
    struct mlmbook_run *r = &ch->runs[ch->nruns++];
    memset(r, 0, sizeof *r);
    memcpy(r->name, words[1], strlen(words[1]) + 1); /* checked shorter than name above */
    r->line = line;

    mlmbook_entry *e;
    int n = mlmbook_parse_entries(ch, block, &e, "check");
    for (int k = 0; k < n; k++) { /* a run block's values may end with a # comment */
        char *v = e[k].value;
        for (char *h = strchr(v, '#'); h; h = strchr(h + 1, '#'))
            if (h > v && isspace((unsigned char)h[-1])) {
                *h = 0;
                break;
            }
        size_t len = strlen(v);
        while (len && isspace((unsigned char)v[len - 1])) v[--len] = 0;
    }
    const mlmbook_entry *mod = NULL;
    for (int k = 0; k < n; k++)
        if (!strcmp(e[k].key, "module")) mod = &e[k];
    if (!mod) {
        mlmbook_error(ch->path, line, "run '%s' has no 'module = ...' line", r->name);
        mlmbook_free_entries(e, n);
        return;
    }
    const mlm_module *m = mlmbook_find_module(ch, mod->line, mod->value);
    if (!m) {
        mlmbook_free_entries(e, n);
        return;
    }
    double *params = mlmbook_alloc(sizeof(double) * (size_t)(m->n_params + 1));
    for (int i = 0; i < m->n_params; i++) params[i] = m->params[i].def;
    condition until = {0}, *checks = mlmbook_alloc(sizeof *checks * (size_t)(n + 1));
    int has_until = 0, nchecks = 0, bad = 0, seed_given = 0;
    long steps = -1, every = 1, seed_a = 1, seed_b = 1, every_line = 0;
    for (int k = 0; k < n; k++) {
        const char *key = e[k].key, *val = e[k].value;
        int l = e[k].line;
        if (!strcmp(key, "module")) {
            continue;
        } else if (!strcmp(key, "seed") || !strcmp(key, "seeds")) {
            if (seed_given) {
                mlmbook_error(ch->path, l, "run '%s': give either seed or seeds, once", r->name);
                bad = 1;
                continue;
            }
            seed_given = 1;
            if (key[4]) {
                const char *dash = strchr(val, '-');
                char a[32];
                if (!dash || (size_t)(dash - val) >= sizeof a) dash = NULL;
                else snprintf(a, sizeof a, "%.*s", (int)(dash - val), val);
                if (!dash || parse_count(a, 0, 1000000000, &seed_a) ||
                    parse_count(dash + 1, 0, 1000000000, &seed_b) || seed_b <= seed_a ||
                    seed_b - seed_a >= 1000) {
                    mlmbook_error(ch->path, l,
                                  "run '%s': seeds is a range a-b of at most 1000 seeds with a < b "
                                  "(1-8), not '%s'", r->name, val);
                    bad = 1;
                    continue;
                }
                r->nseeds = (int)(seed_b - seed_a + 1);
            } else if (parse_count(val, 0, 1000000000, &seed_a)) {
                mlmbook_error(ch->path, l, "run '%s': seed is a whole number from 0, not '%s'",
                              r->name, val);
                bad = 1;
            }
        } else if (!strcmp(key, "steps")) {
            if (parse_count(val, 1, 1000000000, &steps)) {
                mlmbook_error(ch->path, l, "run '%s': steps is a whole number from 1 to 1000000000, "
                              "not '%s'", r->name, val);
                bad = 1;
                steps = 0;
            }
        } else if (!strcmp(key, "every")) {
            every_line = l;
            if (parse_count(val, 1, 1000000000, &every)) {
                mlmbook_error(ch->path, l, "run '%s': every is a whole number of steps from 1, not '%s'",
                              r->name, val);
                bad = 1;
                every = 1;
            }
        } else if (!strcmp(key, "until")) {
            if (condition_parse(ch, r->name, m, key, val, l, &until)) bad = 1;
            else has_until = 1;
        } else if (!strcmp(key, "check")) {
            if (condition_parse(ch, r->name, m, key, val, l, &checks[nchecks])) bad = 1;
            else nchecks++;
        } else {
            int i = mlm_param_index(m, key);
            if (i < 0) {
                mlmbook_buf b = {0};
                mlmbook_param_names(&b, m);
                mlmbook_error(ch->path, l,
                              "unknown key '%s' for run %s (parameters of %s: %s; other keys: %s)",
                              key, r->name, m->name, b.data, run_keys);
                mlmbook_buf_free(&b);
                bad = 1;
                continue;
            }
            if (m->params[i].kind == MLM_TEXT) {
                /* a run block's cache key and settings are numbers: it runs the declared text */
                mlmbook_error(ch->path, l, "run '%s': '%s' is a text; a run block uses its default",
                              r->name, key);
                bad = 1;
                continue;
            }
            if (mlmbook_parse_value(ch, &e[k], &m->params[i], &params[i])) bad = 1;
        }
    }
    if (steps < 0) {
        mlmbook_error(ch->path, line, "run '%s' has no 'steps = N' line (the most steps it may take)",
                      r->name);
        bad = 1;
    }
    if (!bad && steps * (r->nseeds ? r->nseeds : 1) > mlmbook_run_step_limit) {
        mlmbook_error(ch->path, line, "run '%s' asks for %ld steps in all, more than the %ld a book "
                      "build allows", r->name, steps * (r->nseeds ? r->nseeds : 1), mlmbook_run_step_limit);
        bad = 1;
    }
    if (every_line && !has_until) {
        mlmbook_error(ch->path, every_line, "run '%s': every applies to until, and there is no until",
                      r->name);
        bad = 1;
    }
    if (!bad) {
        r->m = m;
        r->ok = run_execute(ch, r, params, (uint64_t)seed_a, steps, has_until ? &until : NULL,
                            every, checks, nchecks) == 0;
    } else {
        r->m = m; /* quotes can still be checked against its views */
    }
    free(params);
    free(checks);
    mlmbook_free_entries(e, n);
}

void mlmbook_runs_collect(mlmbook_chapter *ch, const char *src) {
    cmark_node *doc = cmark_parse_document(src, strlen(src), CMARK_OPT_DEFAULT);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_CODE_BLOCK) continue;
        const char *info = cmark_node_get_fence_info(node);
        char words[1][128];
        if (mlmbook_split_words(info, words, 1) >= 1 && !strcmp(words[0], "run"))
            run_block(ch, node, info);
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
}

void mlmbook_runs_free(mlmbook_chapter *ch) {
    for (int i = 0; i < ch->nruns; i++) free(ch->runs[i].vals);
    free(ch->runs);
    ch->runs = NULL;
    ch->nruns = 0;
}

/* ---- numbers as prose writes them ---- */

/* Put a plain decimal (digits and at most one '.', no sign) with thousands separators. */
static void put_grouped(mlmbook_buf *b, const char *s, int in_math) {
    size_t int_len = strcspn(s, ".");
    for (size_t i = 0; i < int_len; i++) {
        if (i && (int_len - i) % 3 == 0 && int_len >= 4) mlmbook_buf_puts(b, in_math ? "{,}" : ",");
        mlmbook_buf_putc(b, s[i]);
    }
    mlmbook_buf_puts(b, s + int_len);
}

void mlmbook_format_number(mlmbook_buf *b, double v, int mode, int digits, int in_math) {
    char s[400];
    double a = fabs(v);
    if (mode == MLMBOOK_FMT_DECIMALS) {
        snprintf(s, sizeof s, "%.*f", digits, a);
    } else if (mode == MLMBOOK_FMT_INTEGER) {
        snprintf(s, sizeof s, "%.0f", round(a)); /* halves away from zero, not to even */
    } else {
        /* `digits` significant digits, written out in full: never 1e+03. */
        char e[64];
        snprintf(e, sizeof e, "%.*e", digits - 1, a);
        char mant[40];
        size_t nm = 0;
        const char *p = e;
        for (; *p && *p != 'e'; p++)
            if (isdigit((unsigned char)*p)) mant[nm++] = *p;
        int exp = *p ? atoi(p + 1) : 0;
        size_t o = 0;
        if (exp >= digits - 1) {
            memcpy(s, mant, nm);
            o = nm;
            for (int z = 0; z < exp - (digits - 1) && o < sizeof s - 1; z++) s[o++] = '0';
        } else if (exp >= 0) {
            memcpy(s, mant, (size_t)exp + 1);
            o = (size_t)exp + 1;
            s[o++] = '.';
            memcpy(s + o, mant + exp + 1, nm - (size_t)exp - 1);
            o += nm - (size_t)exp - 1;
        } else {
            s[o++] = '0';
            s[o++] = '.';
            for (int z = 0; z < -exp - 1 && o < sizeof s - 60; z++) s[o++] = '0';
            memcpy(s + o, mant, nm);
            o += nm;
        }
        s[o] = 0;
    }
    int zero = strspn(s, "0.") == strlen(s);
    if (v < 0 && !zero) mlmbook_buf_puts(b, in_math ? "-" : "\xE2\x88\x92");
    put_grouped(b, s, in_math);
}

/* ---- quotes ---- */

/* Is s[0, n) (the text between {{ and }}) meant as a quote? Lowercase first, a dot inside, and
   only the characters quotes use: TeX such as x^{{a}} is left alone. */
int mlmbook_quote_like(const char *s, size_t n) {
    if (!n || !islower((unsigned char)s[0]) || !memchr(s, '.', n)) return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("_.:-", s[i]))
            return 0;
    return 1;
}

void mlmbook_quote(mlmbook_chapter *ch, mlmbook_buf *out, const char *s, size_t n, int line,
                   int in_math) {
    char q[160];
    if (n >= sizeof q) n = sizeof q - 1;
    memcpy(q, s, n);
    q[n] = 0;
    /* run . view [. min|max|mean] [: N | : .N] */
    char *colon = strchr(q, ':');
    int mode = 0, digits = 3, bad = 0;
    if (colon) {
        *colon = 0;
        const char *f = colon + 1;
        int dec = *f == '.';
        if (dec) f++;
        long d;
        if (parse_count(f, dec ? 0 : 1, dec ? 15 : 15, &d)) bad = 1;
        mode = dec ? MLMBOOK_FMT_DECIMALS : MLMBOOK_FMT_SIGNIFICANT;
        digits = (int)d;
    }
    char *dot = strchr(q, '.');
    char *agg = dot ? strchr(dot + 1, '.') : NULL;
    if (agg) *agg++ = 0;
    if (dot) *dot = 0;
    const char *view = dot ? dot + 1 : "";
    if (!bad && (!dot || !*q || !*view || !mlmbook_is_name(q, "_-") || !mlmbook_is_name(view, "_") ||
                 (agg && strcmp(agg, "min") && strcmp(agg, "max") && strcmp(agg, "mean"))))
        bad = 1;
    if (bad) {
        mlmbook_error(ch->path, line,
                      "bad quote '{{%.*s}}': write {{run.view}}, with .min, .max or .mean after a "
                      "run of several seeds, and :N (significant digits) or :.N (decimals) to format",
                      (int)n, s);
        return;
    }
    const struct mlmbook_run *r = NULL;
    for (int i = 0; i < ch->nruns; i++)
        if (!strcmp(ch->runs[i].name, q)) r = &ch->runs[i];
    if (!r) {
        mlmbook_buf b = {0};
        for (int i = 0; i < ch->nruns; i++) mlmbook_buf_printf(&b, "%s%s", i ? ", " : "", ch->runs[i].name);
        mlmbook_error(ch->path, line, "quote {{%.*s}}: there is no run '%s' in this chapter (runs: %s)",
                      (int)n, s, q, b.len ? b.data : "none");
        mlmbook_buf_free(&b);
        return;
    }
    if (!r->m) return; /* the run's block was broken: already reported */
    int qi = quantity_find(ch, line, r->name, r->m, view);
    if (qi < 0) return;
    if (r->nseeds && !agg) {
        mlmbook_error(ch->path, line,
                      "quote {{%.*s}}: run '%s' has several seeds: say which number, %s.%s.min, .max "
                      "or .mean", (int)n, s, r->name, r->name, view);
        return;
    }
    if (!r->nseeds && agg) {
        mlmbook_error(ch->path, line, "quote {{%.*s}}: run '%s' has one seed: .%s needs seeds = a-b",
                      (int)n, s, r->name, agg);
        return;
    }
    if (!r->ok) return; /* it failed: already reported */
    int ns = r->nseeds ? r->nseeds : 1;
    const double *vals = r->vals + (size_t)qi * (size_t)ns;
    double v = vals[0];
    for (int k = 1; k < ns; k++) {
        if (!strcmp(agg, "min") && vals[k] < v) v = vals[k];
        if (!strcmp(agg, "max") && vals[k] > v) v = vals[k];
        if (!strcmp(agg, "mean")) v += vals[k];
    }
    if (agg && !strcmp(agg, "mean")) v /= ns;
    if (!isfinite(v)) {
        mlmbook_error(ch->path, line, "quote {{%.*s}}: the value is not a finite number", (int)n, s);
        return;
    }
    if (!mode) mode = quantity_integer(r->m, qi) ? MLMBOOK_FMT_INTEGER : MLMBOOK_FMT_SIGNIFICANT;
    mlmbook_format_number(out, v, mode, digits, in_math);
}
