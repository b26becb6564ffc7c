/* expr_parse.c: the time to parse a 256-character expression with the shared parser
 * (engine/core/expr.c), natively: a text of every operation, padded to exactly EXPR_LEN_MAX
 * characters, parsed for about half a second; prints {"chars":256,"us_per_parse":...} for
 * tests/bench/bench.mjs. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "expr.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void) {
    static const char *const vars[] = {"x", "y"};
    char text[EXPR_LEN_MAX + 1] = "";
    const char *piece = "sin(x)*cos(y) + exp(-x^2)/sqrt(1+y^2) - log(2+tanh(x*y)) + sigmoid(x)*abs(y) - relu(x-1)^3 + ";
    while (strlen(text) + strlen(piece) < EXPR_LEN_MAX) strcat(text, piece);
    while (strlen(text) < EXPR_LEN_MAX - 1) strcat(text, "1");
    strcat(text, strlen(text) < EXPR_LEN_MAX ? "1" : "");
    if (text[strlen(text) - 2] == '+' || text[strlen(text) - 2] == ' ') text[strlen(text) - 1] = '1';
    expr_tape t;
    expr_error e;
    if (expr_parse(text, vars, 2, &t, &e) != 0) {
        fprintf(stderr, "expr_parse: %s at %d\n", e.why, e.pos);
        return 1;
    }
    long n = 0;
    double t0 = now(), t1;
    do {
        for (int k = 0; k < 1000; k++) n += expr_parse(text, vars, 2, &t, &e) == 0;
    } while ((t1 = now()) - t0 < 0.5);
    printf("{\"chars\":%zu,\"nodes\":%d,\"us_per_parse\":%.4f}\n", strlen(text), t.n, (t1 - t0) / (double)n * 1e6);
    return 0;
}
