/* wasm.c: the export layer, the one place that marks what JavaScript may call. It is compiled
 * into each module's wasm build with -DMLM_MODULE=<stem>, and never into native builds; the
 * algorithm files contain no Emscripten code. web/engine.js is its only caller. */
#include <emscripten.h>
#include <stddef.h>

#include "mlm.h"

#define MLM_CAT2(a, b) a##b
#define MLM_CAT(a, b) MLM_CAT2(a, b)
extern const mlm_module MLM_CAT(mlm_module_, MLM_MODULE);
#define THE_MODULE (&MLM_CAT(mlm_module_, MLM_MODULE))

/* web/engine.js reads view and panel states at these byte offsets; keep the two in step. */
_Static_assert(sizeof(void *) == 4, "the wasm ABI below assumes wasm32");
_Static_assert(offsetof(mlm_view_state, data) == 0 && offsetof(mlm_view_state, count) == 4 &&
                   offsetof(mlm_view_state, w) == 8 && offsetof(mlm_view_state, h) == 12 &&
                   offsetof(mlm_view_state, version) == 16 && offsetof(mlm_view_state, text) == 20 &&
                   offsetof(mlm_view_state, value) == 24 && offsetof(mlm_view_state, hidden) == 28 &&
                   offsetof(mlm_view_state, x0) == 32 && offsetof(mlm_view_state, lo) == 48 &&
                   sizeof(mlm_view_state) == 56,
               "mlm_view_state layout changed: update web/engine.js");
_Static_assert(offsetof(mlm_panel_state, x0) == 0 && offsetof(mlm_panel_state, hidden) == 16 &&
                   sizeof(mlm_panel_state) == 20,
               "mlm_panel_state layout changed: update web/engine.js");

EMSCRIPTEN_KEEPALIVE mlm_instance *mlm_js_create(void) { return mlm_create(THE_MODULE); }
EMSCRIPTEN_KEEPALIVE void mlm_js_destroy(mlm_instance *in) { mlm_destroy(in); }
EMSCRIPTEN_KEEPALIVE double mlm_js_set(mlm_instance *in, int i, double v) { return mlm_set(in, i, v); }
EMSCRIPTEN_KEEPALIVE double mlm_js_get(mlm_instance *in, int i) { return mlm_get(in, i); }
/* The seed arrives as a double: JavaScript numbers hold integers up to 2^53 exactly. */
EMSCRIPTEN_KEEPALIVE int mlm_js_reset(mlm_instance *in, double seed) {
    return mlm_reset(in, (uint64_t)seed);
}
EMSCRIPTEN_KEEPALIVE int mlm_js_step(mlm_instance *in, int n) { return mlm_step(in, n); }
EMSCRIPTEN_KEEPALIVE void mlm_js_draw(mlm_instance *in) { mlm_draw(in); }
/* 1: the pointer changed what training sees and the run restarted (the caller redraws from step 0). */
EMSCRIPTEN_KEEPALIVE int mlm_js_pointer(mlm_instance *in, int panel, int kind, double x, double y) {
    return mlm_pointer(in, panel, kind, x, y);
}
EMSCRIPTEN_KEEPALIVE int mlm_js_action(mlm_instance *in, int k) { return mlm_action(in, k); }
/* The reader's input as link text, in a buffer that the next call overwrites ("" for none). */
EMSCRIPTEN_KEEPALIVE const char *mlm_js_input_get(mlm_instance *in) {
    static char buf[MLM_INPUT_MAX + 1];
    mlm_input_get(in, buf, sizeof buf);
    return buf;
}
/* Where JavaScript writes an input text (up to MLM_INPUT_MAX bytes and a NUL) before passing it
   to mlm_js_input_set. */
EMSCRIPTEN_KEEPALIVE char *mlm_js_input_buffer(void) {
    static char buf[MLM_INPUT_MAX + 1];
    return buf;
}
/* text: a NUL-terminated string in the heap (mlm_js_input_buffer). 0, or -1: refused, nothing changed. */
EMSCRIPTEN_KEEPALIVE int mlm_js_input_set(mlm_instance *in, const char *text) { return mlm_input_set(in, text); }
/* TEXT parameters: the text JavaScript wrote into mlm_js_input_buffer is stored (0) or refused
   (-1, nothing changed); get returns the stored text. */
EMSCRIPTEN_KEEPALIVE int mlm_js_set_text(mlm_instance *in, int i, const char *text) { return mlm_set_text(in, i, text); }
EMSCRIPTEN_KEEPALIVE const char *mlm_js_get_text(mlm_instance *in, int i) {
    const char *t = mlm_get_text(in, i);
    return t ? t : "";
}
EMSCRIPTEN_KEEPALIVE int mlm_js_applies(mlm_instance *in, int i) {
    return mlm_param_applies(in->module, in->desc, i);
}
EMSCRIPTEN_KEEPALIVE int mlm_js_worker(void) { return THE_MODULE->worker; }
EMSCRIPTEN_KEEPALIVE int mlm_js_view_floats(mlm_instance *in, int v) { return (int)mlm_view_floats(in, v); }
EMSCRIPTEN_KEEPALIVE double mlm_js_steps(mlm_instance *in) { return (double)in->steps; }
EMSCRIPTEN_KEEPALIVE int mlm_js_status(mlm_instance *in) { return in->status; }
EMSCRIPTEN_KEEPALIVE int mlm_js_final(mlm_instance *in) { return in->final; }
EMSCRIPTEN_KEEPALIVE double mlm_js_status_step(mlm_instance *in) { return (double)in->status_step; }
EMSCRIPTEN_KEEPALIVE const char *mlm_js_reason(mlm_instance *in) { return in->reason; }
EMSCRIPTEN_KEEPALIVE mlm_view_state *mlm_js_views(mlm_instance *in) { return in->views; }
EMSCRIPTEN_KEEPALIVE mlm_panel_state *mlm_js_panels(mlm_instance *in) { return in->panels; }
EMSCRIPTEN_KEEPALIVE size_t mlm_js_snapshot_size(mlm_instance *in) { return mlm_snapshot_size(in); }
EMSCRIPTEN_KEEPALIVE int mlm_js_n_params(void) { return THE_MODULE->n_params; }
EMSCRIPTEN_KEEPALIVE int mlm_js_n_views(void) { return THE_MODULE->n_views; }
EMSCRIPTEN_KEEPALIVE int mlm_js_n_panels(void) { return THE_MODULE->n_panels; }
