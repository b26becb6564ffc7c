/* shared.c: stands in for engine/core/ in the generator's tests: a `code` block finds a region
 * here when engine/<stem>.c does not exist. Never compiled. */
//> clamp
double shared_clamp(double x, double lo, double hi) {
    return x < lo ? lo : x > hi ? hi : x; /* 'ternary' of 0x1Fp+2 and 1e-3f */
}
//< clamp
