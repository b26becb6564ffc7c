/* fuzz_expr.c: libFuzzer target for the expression parser (engine/core/expr.c), built with ASan
 * and UBSan (`make fuzz`). The input's bytes are the text a reader or a link could type, any
 * bytes at all (NULs cut it, as a C string would be cut). Parsing must finish quickly, refuse
 * what it cannot read with a position inside the text and a reason, and a tape it accepts must be
 * well formed (operands earlier on the tape, variables in range) and evaluate in all three ways
 * without reading outside it. Byte 0 chooses one variable (x) or two (x, y).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, const char *text) {
    fprintf(stderr, "fuzz_expr: %s in \"%.300s\"\n", what, text);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const vars[] = {"x", "y"};
    if (size < 1) return 0;
    int nvars = 1 + (data[0] & 1);
    char text[2048];
    size_t n = size - 1 < sizeof text - 1 ? size - 1 : sizeof text - 1;
    memcpy(text, data + 1, n);
    text[n] = 0;
    static expr_tape t;
    expr_error err;
    double t0 = now();
    int r = expr_parse(text, vars, nvars, &t, &err);
    /* a hang guard, not a benchmark: a loaded machine may pause any process for a while */
    if (now() - t0 > 1.0) die("parsing took more than a second", text);
    size_t len = strlen(text);
    if (r != 0) {
        if (t.n != 0) die("a refused text left a tape", text);
        if (err.pos < 0 || (size_t)err.pos > len) die("the error's position is outside the text", text);
        if (!err.why[0] || !memchr(err.why, 0, sizeof err.why)) die("a refusal without a reason", text);
        return 0;
    }
    if (len > EXPR_LEN_MAX) die("an overlong text was accepted", text);
    if (t.n < 1 || t.n > EXPR_NODES_MAX) die("an accepted tape of impossible length", text);
    for (int k = 0; k < t.n; k++) {
        const expr_node *nd = &t.node[k];
        if (nd->op < 0 || nd->op >= EXPR_N_OPS) die("an unknown operation", text);
        int ar = expr_arity(nd->op);
        if (nd->op == EXPR_VAR && (nd->a < 0 || nd->a >= nvars)) die("a variable out of range", text);
        if (ar >= 1 && (nd->a < 0 || nd->a >= k)) die("an operand that is not earlier on the tape", text);
        if (ar == 2 && (nd->b < 0 || nd->b >= k)) die("a second operand that is not earlier", text);
        if (ar < 2 && nd->op != EXPR_VAR && nd->b != -1) die("a stray second operand", text);
        if (nd->pos < 0 || (size_t)nd->pos >= len) die("a node placed outside the text", text);
    }
    double x[2] = {0.5, -1.25}, val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX], grad[2];
    double v = expr_eval(&t, x, val);
    expr_dual dx[2] = {{x[0], 1}, {x[1], 0}};
    expr_dual d = expr_eval_dual(&t, dx, NULL);
    double g = expr_reverse(&t, val, adj, grad);
    /* The three evaluators agree on the value (NaN with NaN). */
    if (!(v == d.v || (v != v && d.v != d.v)) || !(v == g || (v != v && g != g)))
        die("the evaluators disagree on the value", text);
    return 0;
}
