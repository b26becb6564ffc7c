/* austen.c: the shipped novel's alphabet, its character ids and its words (see austen.h). The text
 * itself is in austen_data.c. */
#include "austen.h"

#include <string.h>

int austen_char_id(int c) {
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c >= 'a' && c <= 'z') return 22 + (c - 'a');
    if (c >= '0' && c <= '9') return 9 + (c - '0');
    switch (c) {
    case ' ': return 0;
    case '!': return 1;
    case '"': return 2;
    case '\'': return 3;
    case '(': return 4;
    case ')': return 5;
    case ',': return 6;
    case '-': return 7;
    case '.': return 8;
    case ':': return 19;
    case ';': return 20;
    case '?': return 21;
    default: return -1;
    }
}

char austen_char(int id) { return id >= 0 && id < AUSTEN_V ? AUSTEN_CHARS[id] : 0; }

long austen_encode(const char *s, long n, int32_t *out) {
    long k = 0;
    for (long i = 0; i < n; i++) {
        int id = austen_char_id((unsigned char)s[i]);
        if (id >= 0) out[k++] = id;
    }
    return k;
}

void austen_ids(int32_t *out) { austen_encode(mlm_austen_text, mlm_austen_len, out); }

/* ---- words ---- */

static int is_letter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

int austen_next_word(const char *s, long n, long *pos, long *start, int *len) {
    long i = *pos;
    while (i < n && s[i] == ' ') i++;
    if (i >= n) {
        *pos = n;
        return 0;
    }
    long j = i + 1;
    unsigned char c = (unsigned char)s[i];
    if (is_letter(c)) {
        /* letters, and an apostrophe with a letter on both sides */
        while (j < n && (is_letter((unsigned char)s[j]) ||
                         (s[j] == '\'' && j + 1 < n && is_letter((unsigned char)s[j + 1]))))
            j++;
    } else if (is_digit(c)) {
        while (j < n && is_digit((unsigned char)s[j])) j++;
    }
    *start = i;
    *len = (int)(j - i);
    *pos = j;
    return 1;
}

/* Byte order of two words, case folded. */
static int word_cmp(const char *a, int na, const char *b, int nb) {
    int n = na < nb ? na : nb;
    for (int i = 0; i < n; i++) {
        int x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
        if (x != y) return x - y;
    }
    return na - nb;
}

/* Sort the spans (start, len) of the training words by their text: a merge sort (stable, so the
   first occurrence of each word comes first) with tmp as scratch. */
static void sort_spans(int32_t *st, uint8_t *ln, int32_t *tst, uint8_t *tln, long n) {
    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;
            while (i < mid || j < hi) {
                int take_i = j >= hi || (i < mid && word_cmp(mlm_austen_text + st[i], ln[i],
                                                             mlm_austen_text + st[j], ln[j]) <= 0);
                long from = take_i ? i++ : j++;
                tst[k] = st[from];
                tln[k] = ln[from];
                k++;
            }
        }
        memcpy(st, tst, (size_t)n * sizeof *st);
        memcpy(ln, tln, (size_t)n);
    }
}

int austen_word_id(const austen_words *w, const char *s, int n) {
    if (n > AUSTEN_WORD_MAX) return AUSTEN_UNK;
    int lo = 1, hi = w->V; /* ids 1 .. V-1 are in byte order */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = word_cmp(mlm_austen_text + w->off[mid], w->len[mid], s, n);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return AUSTEN_UNK;
}

long austen_encode_words(const austen_words *w, const char *s, long n, int32_t *out, long max) {
    long pos = 0, start, k = 0;
    int len;
    while (k < max && austen_next_word(s, n, &pos, &start, &len))
        out[k++] = austen_word_id(w, s + start, len);
    return k;
}

int austen_words_build(austen_words *w, ngram_alloc a) {
    memset(w, 0, sizeof *w);
    const char *s = mlm_austen_text;
    long ntr = mlm_austen_train_len, n = mlm_austen_len;
    /* the training words' spans */
    long count = 0, pos = 0, start;
    int len;
    while (austen_next_word(s, ntr, &pos, &start, &len)) count++;
    int32_t *st = a.fn(a.ctx, (size_t)(count + 1) * sizeof *st);
    int32_t *tst = a.fn(a.ctx, (size_t)(count + 1) * sizeof *tst);
    uint8_t *ln = a.fn(a.ctx, (size_t)count + 1), *tln = a.fn(a.ctx, (size_t)count + 1);
    if (!st || !tst || !ln || !tln) return -1;
    long k = 0;
    pos = 0;
    while (austen_next_word(s, ntr, &pos, &start, &len))
        if (len <= AUSTEN_WORD_MAX) {
            st[k] = (int32_t)start;
            ln[k] = (uint8_t)len;
            k++;
        }
    sort_spans(st, ln, tst, tln, k);
    /* keep the words seen twice or more, in byte order, after <unk> */
    int V = 1;
    for (long i = 0; i < k;) {
        long j = i + 1;
        while (j < k && word_cmp(s + st[i], ln[i], s + st[j], ln[j]) == 0) j++;
        if (j - i >= 2) V++;
        i = j;
    }
    int32_t *off = a.fn(a.ctx, (size_t)V * sizeof *off);
    uint8_t *wl = a.fn(a.ctx, (size_t)V);
    if (!off || !wl) return -1;
    V = 1;
    for (long i = 0; i < k;) {
        long j = i + 1;
        while (j < k && word_cmp(s + st[i], ln[i], s + st[j], ln[j]) == 0) j++;
        if (j - i >= 2) {
            off[V] = st[i];
            wl[V] = ln[i];
            V++;
        }
        i = j;
    }
    w->V = V;
    w->off = off;
    w->len = wl;
    /* both parts as ids */
    long nheld = 0;
    pos = ntr;
    while (austen_next_word(s, n, &pos, &start, &len)) nheld++;
    w->train = a.fn(a.ctx, (size_t)(count + 1) * sizeof(int32_t));
    w->held = a.fn(a.ctx, (size_t)(nheld + 1) * sizeof(int32_t));
    if (!w->train || !w->held) return -1;
    w->n_train = austen_encode_words(w, s, ntr, w->train, count);
    w->n_held = austen_encode_words(w, s + ntr, n - ntr, w->held, nheld);
    return 0;
}

int austen_word(const austen_words *w, int id, char *buf, int n) {
    const char *src = "<unk>";
    int len = 5;
    if (id > 0 && id < w->V) {
        src = mlm_austen_text + w->off[id];
        len = w->len[id];
    }
    if (n <= 0) return 0;
    if (len > n - 1) len = n - 1;
    for (int i = 0; i < len; i++) buf[i] = (char)lower((unsigned char)src[i]);
    buf[len] = 0;
    return len;
}

void austen_append_word(const austen_words *w, int id, char *buf, int cap, int *blen, int *quote) {
    char word[AUSTEN_WORD_MAX + 8];
    int len = austen_word(w, id, word, (int)sizeof word);
    int b = *blen;
    int space = b > 0 && buf[b - 1] != '(' && !(buf[b - 1] == '"' && *quote);
    if (len == 1 && strchr(",.;:!?)", word[0])) space = 0;
    if (len == 1 && word[0] == '"') {
        if (*quote) space = 0; /* a closing quote */
        *quote = !*quote;
    }
    if (space && b + 1 < cap) buf[b++] = ' ';
    for (int i = 0; i < len && b + 1 < cap; i++) buf[b++] = word[i];
    if (cap > 0) buf[b < cap ? b : cap - 1] = 0;
    *blen = b;
}
