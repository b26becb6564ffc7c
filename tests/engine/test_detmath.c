/* test_detmath.c: the deterministic elementary functions against the C library's, in ulps,
 * over wide ranges and at the special values, and the identities they must keep. (That native
 * and wasm builds agree bit for bit is checked by tests/web/parity.test.mjs, module by module.) */
#include "../../engine/core/detmath.c"

#include <stdint.h>
#include <string.h>

#include "check.h"

/* Distance in units in the last place between two finite doubles of the same sign. */
static double ulps(double a, double b) {
    if (a == b) return 0;
    int64_t ia, ib;
    memcpy(&ia, &a, 8);
    memcpy(&ib, &b, 8);
    if (ia < 0) ia = INT64_MIN - ia;
    if (ib < 0) ib = INT64_MIN - ib;
    int64_t d = ia > ib ? ia - ib : ib - ia;
    return (double)d;
}

typedef double (*fn)(double);

/* The worst error of f against ref over n points spread over [lo, hi], in ulps. */
static double worst(fn f, fn ref, double lo, double hi, int n) {
    double w = 0;
    uint64_t s = 88172645463325252ULL;
    for (int i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double x = lo + (hi - lo) * ((double)(s >> 11) / 9007199254740992.0);
        double a = f(x), b = ref(x);
        double e = ulps(a, b);
        if (e > w) w = e;
    }
    return w;
}

static double sigmoid_ref(double x) { return 1.0 / (1.0 + exp(-x)); }

int main(void) {
    const int N = 200000;
    CHECK(worst(mlm_exp, exp, -700, 700, N) <= 2, "exp");
    CHECK(worst(mlm_exp, exp, -1, 1, N) <= 2, "exp near 0");
    CHECK(worst(mlm_expm1, expm1, -0.5, 0.5, N) <= 2, "expm1");
    CHECK(worst(mlm_log, log, 1e-300, 1e300, N) <= 2, "log");
    CHECK(worst(mlm_log, log, 0.5, 2, N) <= 3, "log near 1");
    CHECK(worst(mlm_log1p, log1p, -0.24, 0.24, N) <= 3, "log1p");
    CHECK(worst(mlm_log10, log10, 1e-10, 1e10, N) <= 3, "log10");
    CHECK(worst(mlm_tanh, tanh, -25, 25, N) <= 4, "tanh");
    CHECK(worst(mlm_tanh, tanh, -1e-3, 1e-3, N) <= 4, "tanh near 0");
    CHECK(worst(mlm_sigmoid, sigmoid_ref, -40, 40, N) <= 4, "sigmoid");
    /* sin and cos: absolute error against libm over the range trig functions meet here. */
    double wsin = 0, wcos = 0;
    for (int i = 0; i <= N; i++) {
        double x = -1000 + 2000.0 * i / N;
        wsin = fmax(wsin, fabs(mlm_sin(x) - sin(x)));
        wcos = fmax(wcos, fabs(mlm_cos(x) - cos(x)));
    }
    CHECK(wsin < 4e-16 * 1000 && wcos < 4e-16 * 1000, "sin %g cos %g", wsin, wcos);
    CHECK(worst(mlm_sin, sin, -0.7, 0.7, N) <= 2, "sin on [-pi/4, pi/4]");
    CHECK(worst(mlm_cos, cos, -0.7, 0.7, N) <= 2, "cos on [-pi/4, pi/4]");

    /* Special values and identities. */
    CHECK(mlm_exp(0) == 1 && mlm_log(1) == 0 && mlm_sin(0) == 0 && mlm_cos(0) == 1, "exact points");
    CHECK(mlm_exp(1000) == INFINITY && mlm_exp(-1000) == 0, "exp overflow and underflow");
    CHECK(isnan(mlm_exp(NAN)) && isnan(mlm_log(-1)) && mlm_log(0) == -INFINITY, "log domain");
    CHECK(mlm_log(INFINITY) == INFINITY && isnan(mlm_sin(INFINITY)), "infinities");
    CHECK(mlm_tanh(100) == 1 && mlm_tanh(-100) == -1 && mlm_tanh(0) == 0, "tanh saturates");
    CHECK(mlm_sigmoid(-800) >= 0 && mlm_sigmoid(800) == 1, "sigmoid never overflows");
    CHECK_NEAR(mlm_pow(2, 10), 1024, 1e-12);
    CHECK_NEAR(mlm_pow(0.9, 3), 0.729, 1e-15);
    CHECK(mlm_pow(0, 2) == 0 && mlm_pow(5, 0) == 1 && isnan(mlm_pow(-2, 0.5)), "pow edges");
    for (double x = -10; x <= 10; x += 0.37) {
        CHECK_NEAR(mlm_sin(x) * mlm_sin(x) + mlm_cos(x) * mlm_cos(x), 1, 4e-16);
        CHECK_NEAR(mlm_log(mlm_exp(x)), x, 4e-15);
    }
    return CHECK_DONE("test_detmath");
}
