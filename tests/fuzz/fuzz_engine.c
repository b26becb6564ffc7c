/* fuzz_engine.c: libFuzzer target for every engine module, built with ASan and UBSan
 * (`make fuzz`). The input's bytes drive one instance the way a hostile page could drive it
 * through the wasm layer: pick a module from mlm_modules[], set any parameter to any double
 * (NaN, infinities, huge, tiny, negative zero, raw bits) through mlm_set (the clamp the wasm
 * layer's mlm_js_set uses), reset with any seed, take steps, draw, send pointer events to any
 * panel, take a checkpoint (the first mlm_snapshot_size bytes of the block, as the browser's
 * timeline does) and restore it, and, when the contract has them, set the reader's input from
 * arbitrary text and press the module's buttons.
 *
 * After every draw the instance must hold: no non-finite number in any view buffer or scalar,
 * every view buffer inside the instance's blocks (the mutable block in use, or the constant
 * block in use), no negative counts, NUL-terminated texts. A violation aborts with the module's
 * name and the view's, which libFuzzer reports as a crash with the input that caused it.
 *
 * Input layout: byte 0 picks the module, the rest is a list of operations (one opcode byte,
 * then its operands); a truncated operation reads zeros.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlm.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t take_u8(input *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

static uint64_t take_u64(input *in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | take_u8(in);
    return v;
}

/* A hostile double: mostly from a table of the values that break arithmetic, otherwise raw bits
   (any NaN payload, any denormal) or a small integer. `p` gives the parameter's own limits. */
static double take_double(input *in, const mlm_param *p) {
    static const double table[] = {NAN, -NAN, INFINITY, -INFINITY, 1.7976931348623157e308,
                                   -1.7976931348623157e308, 4.9e-324, -4.9e-324, 0.0, -0.0,
                                   2.2250738585072014e-308, 1e-300, -1e-300, 1e300, -1e300,
                                   0.5, -1.0, 1.0, 2147483648.0, -2147483649.0, 9.007199254740993e15};
    uint8_t k = take_u8(in);
    int nt = (int)(sizeof table / sizeof table[0]);
    if (k < nt) return table[k];
    if (p && k < nt + 8) {
        switch (k - nt) {
        case 0: return p->min;
        case 1: return p->max;
        case 2: return p->def;
        case 3: return nextafter(p->min, -INFINITY);
        case 4: return nextafter(p->max, INFINITY);
        case 5: return p->min + (p->max - p->min) * 0.5;
        case 6: return p->max + p->step * 0.5;
        default: return p->min - 1;
        }
    }
    if (k < 128) return (double)(int8_t)take_u8(in);
    uint64_t bits = take_u64(in);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void fail(const mlm_instance *in, const char *what, int v) {
    fprintf(stderr, "fuzz_engine: %s: %s%s%s (step %lld)\n", in->module->name, what,
            v >= 0 ? " in view " : "", v >= 0 ? in->module->views[v].name : "", (long long)in->steps);
    abort();
}

static int inside(const void *p, size_t bytes, const void *base, size_t used) {
    const unsigned char *a = p, *b = base;
    return b && a >= b && a <= b + used && bytes <= (size_t)(b + used - a);
}

/* Draw, then check every view. */
static void draw_and_check(mlm_instance *in) {
    mlm_draw(in);
    const mlm_module *m = in->module;
    for (int v = 0; v < m->n_views; v++) {
        const mlm_view_state *s = &in->views[v];
        mlm_view_kind kind = m->views[v].kind;
        if (kind == MLM_VIEW_SCALAR) {
            if (!isfinite(s->value)) fail(in, "a non-finite scalar", v);
            continue;
        }
        if (s->text && (kind == MLM_VIEW_TEXT || kind == MLM_VIEW_LABELS)) {
            /* Read it whole: ASan reports a text without its NUL. */
            volatile size_t len = strlen(s->text);
            (void)len;
        }
        if (s->count < 0) fail(in, "a negative count", v);
        if (kind == MLM_VIEW_FIELD && s->data && (s->w < 0 || s->h < 0)) fail(in, "a negative field size", v);
        long n = mlm_view_floats(in, v);
        if (n < 0) fail(in, "a negative float count", v);
        if (!s->data || n == 0) continue;
        size_t bytes = (size_t)n * sizeof(float);
        if (!inside(s->data, bytes, in, in->used) && !inside(s->data, bytes, in->consts, in->const_used))
            fail(in, "a buffer outside the instance's blocks", v);
        for (long i = 0; i < n; i++)
            if (!isfinite(s->data[i])) fail(in, "a non-finite value", v);
    }
    for (int k = 0; k < m->n_panels; k++) {
        const mlm_panel_state *ps = &in->panels[k];
        if (!isfinite(ps->x0) || !isfinite(ps->x1) || !isfinite(ps->y0) || !isfinite(ps->y1))
            fail(in, "a non-finite panel range", -1);
    }
}

/* Work per input is bounded so that an input runs in a fraction of a second even for the modules
   whose step trains on a batch of digits (40 ms a step under ASan): at most 64 steps and 0.1 s of
   stepping, 4 restarts, 8 checked draws (and one at the end). Long runs are the soak's business
   (make bench), hostile inputs this target's. The time cap only ever shortens a run, so an input
   that crashed replays the same operations up to the crash on any machine at least as fast. */
enum { STEP_BUDGET = 64, RESET_BUDGET = 4, DRAW_BUDGET = 8 };
#define STEP_SECONDS 0.1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int n_modules = -1;
    if (n_modules < 0)
        for (n_modules = 0; mlm_modules[n_modules];) n_modules++;
    if (size < 1 || n_modules == 0) return 0;
    input bytes = {data, size};
    const mlm_module *m = mlm_modules[take_u8(&bytes) % n_modules];
    mlm_instance *in = mlm_create(m);
    if (!in) return 0;
    mlm_reset(in, 1);
    int budget = STEP_BUDGET, resets = RESET_BUDGET, draws = DRAW_BUDGET;
    double step_time = 0;
    unsigned char *snap = NULL;
    size_t snap_size = 0;
    int snap_valid = 0;

    while (bytes.n) {
        uint8_t op = take_u8(&bytes);
        switch (op % 10) {
        case 0: { /* set one to four parameters, then restart, as the widget does */
            if (!m->n_params) break;
            int count = 1 + take_u8(&bytes) % 4;
            int apply = resets-- > 0; /* never a changed description without its restart */
            for (int c = 0; c < count; c++) {
                int i = take_u8(&bytes) % m->n_params;
                const mlm_param *p = &m->params[i];
                double raw = take_double(&bytes, p);
                if (!apply) continue;
                double v = mlm_set(in, i, raw);
                if (!(v >= p->min && v <= p->max) || mlm_get(in, i) != v) {
                    fprintf(stderr, "fuzz_engine: %s: mlm_set stored %g for %s, outside [%g, %g]\n",
                            m->name, v, p->name, p->min, p->max);
                    abort();
                }
            }
            if (!apply) break;
            mlm_reset(in, in->seed);
            snap_valid = 0;
            break;
        }
        case 1: /* (re)start with any seed */
        case 2: {
            uint64_t seed = take_u64(&bytes);
            if (resets-- <= 0) break;
            mlm_reset(in, seed);
            snap_valid = 0;
            break;
        }
        case 3:
        case 4: { /* steps */
            int k = 1 + take_u8(&bytes) % 64;
            if (op & 0x80) k *= 8;
            if (k > budget) k = budget;
            if (step_time > STEP_SECONDS) k = 0;
            double t0 = now();
            int taken = mlm_step(in, k);
            step_time += now() - t0;
            if (taken < 0 || taken > k) fail(in, "mlm_step returned more steps than asked", -1);
            budget -= k;
            break;
        }
        case 5:
            if (draws-- > 0) draw_and_check(in);
            break;
        case 6: { /* pointer input on any panel */
            if (!m->n_panels) break;
            int panel = take_u8(&bytes) % m->n_panels;
            int kind = take_u8(&bytes) % 3;
            double x = take_double(&bytes, NULL), y = take_double(&bytes, NULL);
#ifdef MLM_INPUT_MAX
            if (mlm_pointer(in, panel, kind, x, y)) snap_valid = 0;
#else
            mlm_pointer(in, panel, kind, x, y);
#endif
            break;
        }
        case 7: { /* checkpoint, as the timeline takes one */
            size_t n = mlm_snapshot_size(in);
            if (n > in->cap) fail(in, "a snapshot larger than the block", -1);
            unsigned char *p = realloc(snap, n ? n : 1);
            if (!p) break;
            snap = p;
            memcpy(snap, in, n);
            snap_size = n;
            snap_valid = in->self != NULL;
            break;
        }
        case 8: /* restore the checkpoint of this run (web/engine.js refuses a size mismatch) */
            if (snap_valid && snap_size == mlm_snapshot_size(in)) memcpy(in, snap, snap_size);
            break;
        case 9: { /* the reader's input and buttons, where the contract has them */
#ifdef MLM_INPUT_MAX
            char text[MLM_INPUT_MAX + 8];
            if (take_u8(&bytes) & 1) {
                int k = take_u8(&bytes);
                if (mlm_action(in, k % 4 - 1)) snap_valid = 0;
                break;
            }
            size_t len = take_u8(&bytes);
            if (len & 0x80) len = (len & 0x7f) * 9; /* up to MLM_INPUT_MAX + a little */
            if (len > sizeof text - 1) len = sizeof text - 1;
            for (size_t i = 0; i < len; i++) text[i] = (char)take_u8(&bytes);
            text[len] = 0;
            if (resets-- <= 0) break;
            mlm_input_set(in, text);
            snap_valid = 0;
            char back[MLM_INPUT_MAX + 1];
            int got = mlm_input_get(in, back, sizeof back);
            if (got < 0 || (size_t)got >= sizeof back || strlen(back) != (size_t)got)
                fail(in, "mlm_input_get returned a length that is not its text's", -1);
            for (int i = 0; i < got; i++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-", back[i]))
                    fail(in, "mlm_input_get wrote a character a link cannot carry", -1);
#endif
            break;
        }
        }
    }
    draw_and_check(in);
    free(snap);
    mlm_destroy(in);
    return 0;
}
