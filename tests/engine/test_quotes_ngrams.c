/* test_quotes_ngrams.c: the numbers chapters/25-ngrams.md quotes that no run block reads (counts
 * of the text rather than readouts of a run), each to half a unit of its last printed digit. */
#include "../../engine/ngrams.c"

#include <stdlib.h>

#include "check.h"

static void *blocks[64];
static int n_blocks;
static void *heap_fn(void *ctx, size_t bytes) {
    (void)ctx;
    if (n_blocks >= 64) return NULL;
    void *p = calloc(1, bytes ? bytes : 1);
    blocks[n_blocks++] = p;
    return p;
}
static const ngram_alloc heap = {heap_fn, NULL};

/* Percentage of the held-out positions t >= m - 1 whose m-gram never occurs in training. */
static double unseen(const ngram_model *g, const int32_t *held, long nh, int m) {
    long un = 0, tot = 0;
    for (long t = m - 1; t < nh; t++) {
        tot++;
        un += ngram_count(g, m, held + t - (m - 1), held[t], NULL) == 0;
    }
    return 100.0 * (double)un / (double)tot;
}

int main(void) {
    static int32_t ids[NG_ALL_CHARS];
    austen_ids(ids);
    long ntr = mlm_austen_train_len, nh = mlm_austen_len - ntr;
    ngram_model g;
    CHECK(ngram_fit(&g, ids, ntr, AUSTEN_V, 6, heap) == 0, "fit");
    /* "Of the held-out text's character trigrams, 0.49 % never occur in the training text; of its
       4-grams 2.3 %, of its 5-grams 8.2 % and of its 6-grams 18.6 %." */
    CHECK_NEAR(unseen(&g, ids + ntr, nh, 3), 0.49, 0.005);
    CHECK_NEAR(unseen(&g, ids + ntr, nh, 4), 2.3, 0.05);
    CHECK_NEAR(unseen(&g, ids + ntr, nh, 5), 8.2, 0.05);
    CHECK_NEAR(unseen(&g, ids + ntr, nh, 6), 18.6, 0.05);
    /* "The training text holds 721 different character bigrams of the 2,304 possible and 61,159
       different 6-grams." */
    CHECK(g.D[2] == 721 && g.D[6] == 61159, "%ld bigrams, %ld 6-grams", g.D[2], g.D[6]);
    austen_words w;
    CHECK(austen_words_build(&w, heap) == 0, "words");
    ngram_model gw;
    CHECK(ngram_fit(&gw, w.train, w.n_train, w.V, 3, heap) == 0, "fit words");
    /* "26 % of the held-out word bigrams and 67 % of its word trigrams never occur in training" */
    CHECK_NEAR(unseen(&gw, w.held, w.n_held, 2), 26, 0.5);
    CHECK_NEAR(unseen(&gw, w.held, w.n_held, 3), 67, 0.5);
    /* "41,090 word tokens ... 3,653 different words, 1,926 of them seen twice or more ... 7.4 % of
       the held-out words are <unk>" */
    long unk = 0;
    for (long i = 0; i < w.n_held; i++) unk += w.held[i] == AUSTEN_UNK;
    CHECK_NEAR(100.0 * (double)unk / (double)w.n_held, 7.4, 0.05);
    CHECK(w.n_train == 41090 && w.V == 1927 && w.n_held == 4318, "words %ld, V %d, held %ld", w.n_train, w.V,
          w.n_held);
    /* the distinct training words, <unk> not merged: count by the spans */
    {
        long pos = 0, start, types = 0;
        int len;
        static char seen[8192][AUSTEN_WORD_MAX + 1];
        while (austen_next_word(mlm_austen_text, ntr, &pos, &start, &len)) {
            int dup = 0;
            for (long u = 0; u < types && !dup; u++)
                dup = (int)strlen(seen[u]) == len && memcmp(seen[u], mlm_austen_text + start, (size_t)len) == 0;
            if (!dup && types < 8192 && len <= AUSTEN_WORD_MAX) {
                memcpy(seen[types], mlm_austen_text + start, (size_t)len);
                seen[types++][len] = 0;
            }
        }
        CHECK(types == 3653, "%ld different training words", types);
    }
    for (int i = 0; i < n_blocks; i++) free(blocks[i]);
    return CHECK_DONE("test_quotes_ngrams");
}
