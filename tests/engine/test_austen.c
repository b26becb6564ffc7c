/* test_austen.c: the shipped text and its two vocabularies.
 *  - the text is chapters 1 to 21 as the script says: it starts with the title and the novel's
 *    first sentence, the held-out part starts at the heading of chapter 20, and it ends with the
 *    last words of chapter 21; every byte is in the 48-symbol alphabet;
 *  - ids and characters are inverse maps, in byte order, capitals folded, others refused;
 *  - the word vocabulary is exactly the training words seen twice or more (counted here by a
 *    plain scan), in byte order after <unk>, and the token streams round-trip through the text.
 * It also prints the character models' held-out cross-entropy at the chapters' defaults. */
#include "../../engine/core/austen.c"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static void *blocks[256];
static int n_blocks;
static void *heap_fn(void *ctx, size_t bytes) {
    (void)ctx;
    if (n_blocks >= 256) return NULL;
    void *p = calloc(1, bytes ? bytes : 1);
    blocks[n_blocks++] = p;
    return p;
}
static const ngram_alloc heap = {heap_fn, NULL};

int main(void) {
    const char *t = mlm_austen_text;
    long n = mlm_austen_len, ntr = mlm_austen_train_len;
    CHECK((long)strlen(t) == n, "length %zu, declared %ld", strlen(t), n);
    CHECK(n == 210859 && ntr == 190531, "split %ld / %ld", ntr, n);
    const char *first = "pride and prejudice by jane austen chapter 1 it is a truth universally "
                        "acknowledged, that a single man in possession of a good fortune, must be in "
                        "want of a wife.";
    CHECK(strncmp(t, first, strlen(first)) == 0, "the first sentence");
    CHECK(strncmp(t + ntr, "chapter 20 ", 11) == 0, "held-out starts: %.20s", t + ntr);
    const char *last = "she would take care to have two full courses.";
    CHECK(strcmp(t + n - strlen(last), last) == 0, "the last words of chapter 21");
    /* chapters 1..21 in order, 22 absent */
    long at = 0;
    for (int c = 1; c <= 22; c++) {
        char head[24];
        snprintf(head, sizeof head, "chapter %d ", c);
        const char *f = strstr(t + at, head);
        if (c <= 21) {
            CHECK(f != NULL, "heading %d", c);
            if (f) at = f - t;
            CHECK((c <= 19) == (at < ntr), "chapter %d on the %s side", c, c <= 19 ? "training" : "held-out");
        } else CHECK(f == NULL, "no chapter 22");
    }

    /* the alphabet */
    CHECK(strlen(AUSTEN_CHARS) == AUSTEN_V, "%zu characters listed", strlen(AUSTEN_CHARS));
    for (int i = 0; i < AUSTEN_V; i++) {
        CHECK(austen_char_id((unsigned char)austen_char(i)) == i, "id %d", i);
        if (i) CHECK(austen_char(i) > austen_char(i - 1), "byte order at %d", i);
    }
    long outside = 0, seen[AUSTEN_V] = {0};
    for (long i = 0; i < n; i++) {
        int id = austen_char_id((unsigned char)t[i]);
        outside += id < 0 || (t[i] >= 'A' && t[i] <= 'Z');
        if (id >= 0) seen[id]++;
    }
    CHECK(outside == 0, "%ld bytes outside the lower-case alphabet", outside);
    for (int i = 0; i < AUSTEN_V; i++) CHECK(seen[i] > 0, "symbol '%c' occurs", austen_char(i));
    CHECK(austen_char_id('E') == austen_char_id('e'), "capitals fold");
    CHECK(austen_char_id('*') == -1 && austen_char_id('\n') == -1 && austen_char_id(200) == -1, "refused");
    CHECK(austen_char(-1) == 0 && austen_char(AUSTEN_V) == 0, "ids out of range");
    int32_t ids[8];
    CHECK(austen_encode("Mr. *D", 6, ids) == 5 && ids[0] == 34 && ids[2] == 8 && ids[4] == 25, "encode");

    /* words */
    austen_words w;
    CHECK(austen_words_build(&w, heap) == 0, "build");
    CHECK(w.V > 1000 && w.V < 4000, "V = %d", w.V);
    char buf[64], prev[64] = "";
    long bad_order = 0;
    for (int id = 1; id < w.V; id++) {
        austen_word(&w, id, buf, sizeof buf);
        bad_order += strcmp(prev, buf) >= 0;
        strcpy(prev, buf);
        CHECK(austen_word_id(&w, buf, (int)strlen(buf)) == id, "word %s", buf);
    }
    CHECK(bad_order == 0, "%ld words out of byte order", bad_order);
    /* count every training word by a scan of the token stream: kept iff seen twice or more */
    long pos = 0, start;
    int len;
    long tokens = 0, kept_once = 0, dropped_twice = 0;
    static long cnt[8192];
    static char seen_unk[4096][AUSTEN_WORD_MAX + 1];
    int n_unk = 0;
    while (austen_next_word(t, ntr, &pos, &start, &len)) {
        int id = austen_word_id(&w, t + start, len);
        tokens++;
        if (id > 0) cnt[id]++;
        else if (n_unk < 4096) {
            int dup = 0;
            for (int u = 0; u < n_unk && !dup; u++)
                dup = (int)strlen(seen_unk[u]) == len && memcmp(seen_unk[u], t + start, (size_t)len) == 0;
            if (dup) dropped_twice++;
            else if (len <= AUSTEN_WORD_MAX) {
                memcpy(seen_unk[n_unk], t + start, (size_t)len);
                seen_unk[n_unk++][len] = 0;
            }
        }
    }
    for (int id = 1; id < w.V; id++) kept_once += cnt[id] < 2;
    CHECK(kept_once == 0 && dropped_twice == 0, "%ld kept words seen once, %ld dropped words seen twice",
          kept_once, dropped_twice);
    CHECK(tokens == w.n_train, "%ld tokens scanned, %ld stored", tokens, w.n_train);
    for (long i = 0; i < 5; i++) CHECK(w.train[i] > 0, "the title's words are known");
    /* the training stream writes back as the text wherever every word is known */
    char out[400];
    int blen = 0, quote = 0;
    out[0] = 0;
    /* from "it is a truth" (tokens 8 on; "austen" and "1" occur once and are <unk>) */
    CHECK(w.train[5] == AUSTEN_UNK && w.train[7] == AUSTEN_UNK && w.train[8] > 0, "austen and 1 are seen once");
    for (long i = 8; i < 38; i++) austen_append_word(&w, w.train[i], out, sizeof out, &blen, &quote);
    CHECK(blen > 100 && strncmp(out, strstr(t, "it is a truth"), (size_t)blen) == 0, "round trip: %s", out);
    blen = 0;
    quote = 0;
    const char *said = "\"my dear mr. bennet,\" said his lady to him one day, \"have you";
    int32_t wi[40];
    long nw = austen_encode_words(&w, said, (long)strlen(said), wi, 40);
    for (long i = 0; i < nw; i++) austen_append_word(&w, wi[i], out, sizeof out, &blen, &quote);
    CHECK(strcmp(out, said) == 0, "quotes and commas: %s", out);
    long unk = 0;
    for (long i = 0; i < w.n_held; i++) unk += w.held[i] == AUSTEN_UNK;
    printf("austen: %ld training characters, %ld held out; %d words (with <unk>), %ld training and "
           "%ld held-out word tokens, %.1f %% of them <unk>\n",
           ntr, n - ntr, w.V, w.n_train, w.n_held, 100.0 * unk / (double)w.n_held);
    CHECK(unk > 0 && unk < w.n_held / 10, "%ld held-out words unknown", unk);
    for (int i = 0; i < n_blocks; i++) free(blocks[i]);
    return CHECK_DONE("test_austen");
}
