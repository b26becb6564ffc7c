/* digits.c: reads the embedded digit table (digits_data.c). */
#include "digits.h"

#include "mlm.h"

int mlm_digits_label(int i) { return mlm_digits_rows[i][MLM_DIGITS_PIXELS] - '0'; }

void mlm_digits_pixels(int i, float *out) {
    const char *r = mlm_digits_rows[i];
    for (int k = 0; k < MLM_DIGITS_PIXELS; k++) out[k] = (float)(r[k] - 'A') / 16.0f;
}

void mlm_digits_split(int32_t order[MLM_DIGITS_N]) {
    for (int i = 0; i < MLM_DIGITS_N; i++) order[i] = i;
    mlm_rng r;
    mlm_rng_seed(&r, MLM_DIGITS_SPLIT_SEED, 1);
    mlm_rng_shuffle(&r, order, MLM_DIGITS_N);
}
