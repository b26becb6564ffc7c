/* digits.c: reads the embedded digit table (digits_data.c). */
#include "digits.h"

int mlm_digits_label(int i) { return mlm_digits_rows[i][MLM_DIGITS_PIXELS] - '0'; }

void mlm_digits_pixels(int i, float *out) {
    const char *r = mlm_digits_rows[i];
    for (int k = 0; k < MLM_DIGITS_PIXELS; k++) out[k] = (float)(r[k] - 'A') / 16.0f;
}
