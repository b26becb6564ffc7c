/* detmath.h: elementary functions that give the same bits natively and in WebAssembly.
 *
 * Why: glibc (native tests, mlmrun) and Emscripten's libc (the browser) implement exp, log, sin,
 * cos and tanh differently; both are accurate to about an ulp, but they disagree in the last bit
 * on a large share of inputs (measured: every one of exp, log, sin, cos, log10, pow and tanh
 * differs somewhere in 300,000 random arguments). A training run amplifies one such bit into a
 * different trajectory, and then a shared link no longer reproduces what its author saw.
 * These versions use only operations IEEE 754 defines exactly (+ - * /, sqrt, floor, frexp,
 * ldexp), so both builds compute them identically. They stay within 4 ulps of the C library's
 * results (2 for exp, 1 for sin and cos on their reduced ranges; tests/engine/test_detmath.c measures
 * it), which is all the accuracy a training run can use.
 *
 * Modules call these instead of <math.h>'s exp, log, sin, cos, tanh, pow, log10. */
#ifndef MLM_DETMATH_H
#define MLM_DETMATH_H

double mlm_exp(double x);
double mlm_expm1(double x);   /* exp(x) - 1, accurate near 0 */
double mlm_log(double x);
double mlm_log1p(double x);   /* log(1 + x), accurate near 0 */
double mlm_log10(double x);
double mlm_sin(double x);     /* accurate for |x| < 1e5; deterministic everywhere */
double mlm_cos(double x);
double mlm_tanh(double x);
double mlm_sigmoid(double x); /* 1 / (1 + exp(-x)), without overflow for either sign */
double mlm_pow(double x, double y); /* x > 0, or x = 0 with y > 0; exp(y log x) */
double mlm_hypot(double x, double y); /* sqrt(x^2 + y^2) without overflow (libm's differs) */

#endif
