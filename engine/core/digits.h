/* digits.h: the 8x8 handwritten digits the book ships (see digits_data.c for their origin and
 * licence), as the digits chapter and the benchmarks read them. */
#ifndef MLM_DIGITS_H
#define MLM_DIGITS_H

#include <stdint.h>

#define MLM_DIGITS_N 1797
#define MLM_DIGITS_SIDE 8
#define MLM_DIGITS_PIXELS 64

/* Row i: 64 letters 'A' + pixel (0..16), row by row from the top left, then the digit '0'..'9'. */
extern const char *const mlm_digits_rows[MLM_DIGITS_N];

/* The label of image i (0..9). */
int mlm_digits_label(int i);
/* Image i's 64 pixels scaled to [0, 1], row by row from the top left, into out (64 floats). */
void mlm_digits_pixels(int i, float *out);

/* The book's one train/test split: the images shuffled once with a fixed seed (PCG32 seeded
   MLM_DIGITS_SPLIT_SEED, stream 1); order[0 .. MLM_DIGITS_TRAIN) are the training images, the
   last MLM_DIGITS_TEST the test images. Every chapter that trains on the digits uses it, so their
   accuracies are measured on the same 297 test images. */
#define MLM_DIGITS_TEST 297
#define MLM_DIGITS_TRAIN (MLM_DIGITS_N - MLM_DIGITS_TEST)
#define MLM_DIGITS_SPLIT_SEED 20240518u
void mlm_digits_split(int32_t order[MLM_DIGITS_N]);

#endif
