/* workload.h: what the bench's workload programs (mlp_spiral.c, cnn_digits.c, gpt_austen.c)
 * share: the EXPORT marker for the functions their wasm builds export, and natively a monotonic
 * clock, a comparison for taking medians with qsort and a JSON array printer. Header-only: each
 * program is one file built natively and with emcc. */
#ifndef MLM_BENCH_WORKLOAD_H
#define MLM_BENCH_WORKLOAD_H

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define EXPORT
#include <stdio.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* qsort's comparison for doubles, ascending. */
static inline int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "name":[v0,...] in full precision, then a comma unless it is the last field. */
static inline void print_array(const char *name, const double *v, int n, int last) {
    printf("\"%s\":[", name);
    for (int i = 0; i < n; i++) printf("%s%.17g", i ? "," : "", v[i]);
    printf("]%s", last ? "" : ",");
}
#endif

#endif
