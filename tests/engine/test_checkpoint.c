/* test_checkpoint.c: the checkpoint promise of mlm.h, for every module in the registry (a new
 * engine/x.c is covered without a line here): copying the instance block and copying it back
 * restores the run exactly, and what draw() shows depends on the state alone.
 *
 * For each module, at its defaults and with each parameter at its minimum and at its maximum:
 *   reset, take K1 steps, draw (views V0), copy the block (the snapshot S);
 *   take K2 steps: bytes B1, draw: views V1;
 *   restore S, dirty the stack, take K2 steps: bytes B2 == B1, draw: views == V1;
 *   restore S, draw: views == V0 (a restored run shows what it showed at that step);
 *   take K2 steps with a draw in the middle, draw: views == V1 (how often frames were drawn does
 *   not change the picture).
 * The stack is filled with a different byte before each pass, so state copied from an
 * uninitialised local array differs between passes. Every module must also pass
 * mlm_module_check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mlm.h"

#define K1 23
#define K2 14

/* Step until `target` steps are taken or the run is final, going on after non-final reports. */
static void advance(mlm_instance *in, int64_t target) {
    while (in->steps < target && mlm_step(in, (int)(target - in->steps)) > 0) {
    }
}

/* Fill 64 KiB of the stack below the caller with `byte`. */
__attribute__((noinline)) static void dirty_stack(int byte) {
    volatile unsigned char junk[1 << 16];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)byte;
}

/* Everything the renderer reads, copied out of the views and panels. */
typedef struct {
    unsigned char *bytes;
    size_t n, cap;
} blob;

static void put(blob *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = 2 * (b->n + n);
        b->bytes = realloc(b->bytes, b->cap);
    }
    memcpy(b->bytes + b->n, p, n);
    b->n += n;
}

/* The drawing of view v (or of panel v - n_views) into b; the version counter is left out: it is
   a cache key, not something shown. */
static void capture_one(const mlm_instance *in, int v, blob *b) {
    const mlm_module *m = in->module;
    if (v >= m->n_views) {
        put(b, &in->panels[v - m->n_views], sizeof(mlm_panel_state));
        return;
    }
    const mlm_view_state *s = &in->views[v];
    put(b, &s->hidden, sizeof s->hidden);
    if (s->hidden) return;
    put(b, &s->count, sizeof s->count);
    put(b, &s->w, sizeof s->w), put(b, &s->h, sizeof s->h);
    put(b, &s->value, sizeof s->value);
    put(b, &s->x0, 4 * sizeof(float));
    put(b, &s->lo, 2 * sizeof(float));
    long n = mlm_view_floats(in, v);
    if (n > 0) put(b, s->data, sizeof(float) * (size_t)n);
    if (s->text) put(b, s->text, strlen(s->text) + 1);
}

typedef struct {
    blob part[256];
    int n;
} views;

static void capture(mlm_instance *in, views *out) {
    mlm_draw(in);
    const mlm_module *m = in->module;
    out->n = m->n_views + m->n_panels;
    for (int v = 0; v < out->n && v < 256; v++) {
        out->part[v].n = 0;
        capture_one(in, v, &out->part[v]);
    }
}

/* The first view or panel that differs, or NULL. */
static const char *differs(const mlm_module *m, const views *a, const views *b) {
    for (int v = 0; v < a->n && v < 256; v++)
        if (a->part[v].n != b->part[v].n || memcmp(a->part[v].bytes, b->part[v].bytes, a->part[v].n) != 0)
            return v < m->n_views ? m->views[v].name : m->panels[v - m->n_views].name;
    return NULL;
}

static views v0, v1, v2;
static int configs, skipped;

/* One configuration of the module (the instance's description as set). */
static void check_config(mlm_instance *in, const char *what) {
    const mlm_module *m = in->module;
    if (mlm_reset(in, 1) != 0) {
        /* these settings are refused with a reason (test_<module> checks it), never for want of
           memory: state_bytes and const_bytes bound every valid description */
        CHECK(!in->out_of_memory, "%s %s: %s", m->name, what, in->reason);
        skipped++;
        return;
    }
    configs++;
    advance(in, K1);
    capture(in, &v0);
    size_t size = mlm_snapshot_size(in);
    unsigned char *snap = malloc(size), *b1 = NULL;
    memcpy(snap, in, size);

    dirty_stack(0x11);
    advance(in, K1 + K2);
    size_t size1 = mlm_snapshot_size(in);
    b1 = malloc(size1);
    memcpy(b1, in, size1);
    capture(in, &v1);

    /* restore, then the same steps: the same bytes and the same drawing */
    memcpy(in, snap, size);
    dirty_stack(0xa7);
    advance(in, K1 + K2);
    size_t size2 = mlm_snapshot_size(in);
    size_t at = 0;
    while (at < size1 && at < size2 && ((unsigned char *)in)[at] == b1[at]) at++;
    CHECK(size1 == size2 && at == size1, "%s %s: the replayed state differs at byte %zu of %zu (%zu)",
          m->name, what, at, size1, size2);
    capture(in, &v2);
    const char *d = differs(m, &v1, &v2);
    CHECK(d == NULL, "%s %s: view %s differs after replaying the steps", m->name, what, d);

    /* restored: the drawing of that step; then stepping with more frames drawn on the way */
    memcpy(in, snap, size);
    capture(in, &v2);
    d = differs(m, &v0, &v2);
    CHECK(d == NULL, "%s %s: view %s differs from its drawing at step %d after a restore", m->name, what, d, K1);
    advance(in, K1 + K2 / 2);
    mlm_draw(in);
    advance(in, K1 + K2);
    capture(in, &v2);
    d = differs(m, &v1, &v2);
    CHECK(d == NULL, "%s %s: view %s depends on how many frames were drawn", m->name, what, d);
    free(snap);
    free(b1);
}

static void check_module(const mlm_module *m) {
    char why[200];
    CHECK(mlm_module_check(m, why, sizeof why) == 0, "%s: %s", m->name, why);
    mlm_instance *in = mlm_create(m);
    CHECK(in != NULL, "%s: mlm_create", m->name);
    if (!in) return;
    check_config(in, "at its defaults");
    for (int i = 0; i < m->n_params; i++)
        for (int end = 0; end < 2; end++) {
            const mlm_param *p = &m->params[i];
            char what[96];
            snprintf(what, sizeof what, "with %s at its %s", p->name, end ? "maximum" : "minimum");
            mlm_desc_defaults(m, in->desc);
            mlm_set(in, i, end ? p->max : p->min);
            check_config(in, what);
        }
    mlm_destroy(in);
}

int main(void) {
    int modules = 0;
    for (int k = 0; mlm_modules[k]; k++, modules++) check_module(mlm_modules[k]);
    printf("checkpoint: %d modules, %d configurations replayed, %d refused\n", modules, configs, skipped);
    CHECK(modules > 0 && configs > 0, "nothing was checked");
    for (int v = 0; v < 256; v++) free(v0.part[v].bytes), free(v1.part[v].bytes), free(v2.part[v].bytes);
    return CHECK_DONE("test_checkpoint");
}
