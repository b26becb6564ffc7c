/* detmath.c: the deterministic elementary functions of detmath.h. Each reduces its argument
 * with exact or nearly exact steps (Cody and Waite's split constants, frexp/ldexp), evaluates a
 * short series on a small interval, and scales back. Series are truncated where the next term is
 * below 2^-60 of the result, and evaluated in Horner form. */
#include "detmath.h"

#include <math.h>
#include <stdint.h>

/* ln 2 split so that e * LN2_HI is exact for the exponents e of doubles (|e| < 2^11). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
/* pi / 2 in three parts of 33 bits each: k * part is exact for |k| < 2^20. */
#define PIO2_1 1.57079632673412561417e+00
#define PIO2_2 6.07710050650619224932e-11
#define PIO2_3 2.02226624879595063154e-21
#define INV_PIO2 6.36619772367581382433e-01
#define INV_LN10 4.34294481903251827651e-01

/* 2^(j/32) for j = 0..31, each the double nearest the true value (computed to 60 digits). */
static const double exp2_32[32] = {
    1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577,
    1.1143867425958924, 1.1387886347566916, 1.1637248587775775, 1.189207115002721,
    1.215247359980469, 1.241857812073484, 1.2690509571917332, 1.2968395546510096,
    1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951,
    1.4451808069770467, 1.4768261459394993, 1.5091644275934228, 1.5422108254079407,
    1.5759808451078865, 1.6104903319492543, 1.645755478153965, 1.681792830507429,
    1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424,
    1.8741676341103, 1.9152065613971474, 1.9571441241754002};

/* ln 2 / 32 split so that k * LN2_32_HI is exact (32 significant bits) for |k| < 2^21. */
#define LN2_32_HI 0.021660849393811077
#define LN2_32_LO -1.312785960212839e-12
#define INV_LN2_32 46.16624130844683

/* e^x = 2^(k/32) e^r with k = round(32 x / ln 2), |r| <= ln 2 / 64 < 0.011: on so small an
   interval e^r needs only terms to r^6 (the next is below 4e-18), and 2^(k/32) is a power of
   two times one of 32 table entries. */
double mlm_exp(double x) {
    if (x != x) return x;
    if (x > 709.782712893384) return INFINITY;
    if (x < -745.1332191019412) return 0.0;
    double kd = floor(x * INV_LN2_32 + 0.5);
    double r = (x - kd * LN2_32_HI) - kd * LN2_32_LO;
    double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720))))));
    int k = (int)kd, j = k & 31, q = (k - j) / 32; /* k = 32 q + j, 0 <= j < 32 */
    double m = exp2_32[j] * p;
    if (q < -1020 || q > 1020) return ldexp(m, q); /* near under- or overflow */
    /* 2^q written straight into a double's exponent bits: exact, and much cheaper than ldexp. */
    union { uint64_t u; double d; } two_q = {(uint64_t)(q + 1023) << 52};
    return m * two_q.d;
}

double mlm_expm1(double x) {
    if (fabs(x) >= 0.5) return mlm_exp(x) - 1.0;
    /* x + x^2/2! + ... + x^18/18!: no cancellation near 0 (the next term is below 2^-60) */
    static const double inv_fact[18] = {
        1.0 / 6402373705728000.0, 1.0 / 355687428096000.0, 1.0 / 20922789888000.0,
        1.0 / 1307674368000.0,    1.0 / 87178291200.0,     1.0 / 6227020800.0,
        1.0 / 479001600.0,        1.0 / 39916800.0,        1.0 / 3628800.0,
        1.0 / 362880.0,           1.0 / 40320.0,           1.0 / 5040.0,
        1.0 / 720.0,              1.0 / 120.0,             1.0 / 24.0,
        1.0 / 6.0,                0.5,                     1.0};
    double p = 0.0;
    for (int i = 0; i < 18; i++) p = p * x + inv_fact[i];
    return p * x;
}

/* log(m) for m in [sqrt(1/2), sqrt(2)): 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.1716,
   as 2 (s + s^3/3 + ... + s^23/23). */
static double log_small(double m) {
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 23.0;
    for (int n = 21; n >= 1; n -= 2) p = p * s2 + 1.0 / n;
    return 2.0 * s * p;
}

double mlm_log(double x) {
    if (x != x || x == INFINITY) return x;
    if (x < 0) return NAN;
    if (x == 0) return -INFINITY;
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    return e * LN2_HI + (log_small(m) + e * LN2_LO);
}

double mlm_log1p(double x) {
    if (x != x) return x;
    if (fabs(x) < 0.25) {
        /* 2 atanh(x / (2 + x)) keeps the precision of a small x */
        double s = x / (2.0 + x), s2 = s * s;
        double p = 1.0 / 29.0;
        for (int n = 27; n >= 1; n -= 2) p = p * s2 + 1.0 / n;
        return 2.0 * s * p;
    }
    return mlm_log(1.0 + x);
}

double mlm_log10(double x) { return mlm_log(x) * INV_LN10; }

/* sin r and cos r for |r| <= pi/4 (plus a little): Taylor series to r^19 and r^20. */
static double sin_small(double r) {
    double r2 = r * r, p = -1.0 / 121645100408832000.0; /* -1/19! */
    static const double c[9] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                                -1.0 / 39916800.0,        1.0 / 362880.0,        -1.0 / 5040.0,
                                1.0 / 120.0,              -1.0 / 6.0,            1.0};
    for (int i = 0; i < 9; i++) p = p * r2 + c[i];
    return p * r;
}

static double cos_small(double r) {
    double r2 = r * r, p = 1.0 / 2432902008176640000.0; /* 1/20! */
    static const double c[10] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0,
                                 1.0 / 479001600.0,          -1.0 / 3628800.0,      1.0 / 40320.0,
                                 -1.0 / 720.0,               1.0 / 24.0,            -0.5,
                                 1.0};
    for (int i = 0; i < 10; i++) p = p * r2 + c[i];
    return p;
}

/* x = k pi/2 + r with |r| <= pi/4; returns r and sets *q = k mod 4. */
static double reduce_pio2(double x, int *q) {
    double k = floor(x * INV_PIO2 + 0.5);
    double r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
    double km = k - 4.0 * floor(k / 4.0);
    *q = (int)km;
    return r;
}

double mlm_sin(double x) {
    if (x != x || x == INFINITY || x == -INFINITY) return NAN;
    int q;
    double r = reduce_pio2(x, &q);
    switch (q) {
    case 0: return sin_small(r);
    case 1: return cos_small(r);
    case 2: return -sin_small(r);
    default: return -cos_small(r);
    }
}

double mlm_cos(double x) {
    if (x != x || x == INFINITY || x == -INFINITY) return NAN;
    int q;
    double r = reduce_pio2(x, &q);
    switch (q) {
    case 0: return cos_small(r);
    case 1: return -sin_small(r);
    case 2: return -cos_small(r);
    default: return sin_small(r);
    }
}

/* tanh: for |x| < ln(3)/2 the rational approximation of Cody and Waite (Software Manual for the
   Elementary Functions, 1980), x + x g P(g)/Q(g) with g = x^2; above it 1 - 2/(e^{2|x|} + 1),
   where no cancellation can occur because the result is at least 1/2. */
double mlm_tanh(double x) {
    if (x != x) return x;
    double a = fabs(x), y;
    if (a > 22.0) {
        y = 1.0; /* tanh(22) rounds to 1 */
    } else if (a >= 0.54930614433405484570) {
        y = 1.0 - 2.0 / (mlm_exp(2.0 * a) + 1.0);
    } else {
        double g = a * a;
        double p = (-0.96437492777225469787e+0 * g - 0.99225929672236083313e+2) * g - 0.16134119023996228053e+4;
        double q = ((g + 0.11274474380534949335e+3) * g + 0.22337720718962312926e+4) * g + 0.48402357071988688686e+4;
        y = a + a * (g * p / q);
    }
    return x < 0 ? -y : y;
}

double mlm_sigmoid(double x) {
    if (x != x) return x;
    if (x >= 0) return 1.0 / (1.0 + mlm_exp(-x));
    double e = mlm_exp(x);
    return e / (1.0 + e);
}

double mlm_hypot(double x, double y) {
    x = fabs(x), y = fabs(y);
    double m = x > y ? x : y;
    if (m == 0 || m != m || m == INFINITY) return x + y; /* 0, NaN or infinity */
    x /= m, y /= m; /* scaled into [0, 1]: the squares can neither overflow nor underflow to 0 */
    return m * sqrt(x * x + y * y);
}

double mlm_pow(double x, double y) {
    if (y == 0) return 1.0;
    if (x == 0) return y > 0 ? 0.0 : INFINITY;
    if (x < 0 || x != x || y != y) return NAN;
    return mlm_exp(y * mlm_log(x));
}
