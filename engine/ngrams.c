/* ngrams.c: the engine module of the chapter "N-gram language models".
 *
 * In create, an n-gram model is counted from the training part of the shipped novel
 * (engine/core/austen.h: Pride and Prejudice, chapters 1 to 19; chapters 20 and 21 held out), over
 * characters (all orders up to 6) or words (up to 5), with the shared model of engine/core/ngram.h.
 * The reader's context (a text parameter) is turned into tokens the way the training text was.
 * Each step then does two things:
 *   - draws the next token from the model at the chosen order, smoothing and temperature, given
 *     the context and everything drawn so far, and lays out the table of the most likely next
 *     tokens for the new context (the table the next draw will use);
 *   - measures one more point of the held-out curves: the cross-entropy of the held-out text
 *     against the order n (add-k and interpolated at the chosen k, and the training text's own
 *     cross-entropy for the chosen smoothing), then against k at the chosen order (both
 *     smoothings).
 * Losses are in nats per character of text for both units (a word model's nats over the
 * held-out text divided by its characters), so character and word models compare.
 *
 * Shapes:
 *   V   the vocabulary: 48 characters, or the 1,927 words seen twice in training with <unk>
 *   N   the largest order fitted: NG_CHAR_N (6) for characters, NG_WORD_N (5) for words
 *   K   NG_K (13) values of k: 0.001, 0.002, 0.005, 0.01, ..., 5, 10
 *   G   tokens drawn: NG_GEN_CHARS characters or NG_GEN_WORDS words
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "austen.h"
#include "detmath.h"
#include "mlm.h"
#include "ngram.h"

#define NG_TEXT 120          /* the longest context the reader types */
#define NG_CTX_DEFAULT "it is a truth universally acknowledged, that "
#define NG_CHAR_N 6
#define NG_WORD_N 5
#define NG_MAXN 6
#define NG_K 13
#define NG_GEN_CHARS 330
#define NG_GEN_WORDS 60
#define NG_GEN_MAX NG_GEN_CHARS
#define NG_TOP 10            /* rows of the next-token table */
#define NG_LINES 8           /* lines of generated text shown */
#define NG_LINE 42           /* characters a line */
#define NG_SLICE 20000       /* the training curve is measured on this many training characters */
#define NG_VMAX 4096         /* the largest vocabulary the scratch distributions hold */
#define NG_MARK "\xe2\x96\xb8" /* U+25B8, where the drawing begins */

/* The shipped text's distinct n-grams, pinned by test_ngrams (they bound the memory): characters,
   orders 1 to 6, and words, orders 1 to 5. */
#define NG_CHAR_DISTINCT 117663L
#define NG_WORD_DISTINCT 129584L
/* Memory of the constant block: the model's tables (12 bytes a distinct n-gram, one more count
   an order), the sort's scratch (16 bytes a training token), the tokens, and for words the
   vocabulary's build (austen_words_build: spans and their scratch, 10 bytes a training word, and
   the two token streams); 16 bytes of alignment an allocation. */
#define NG_ALIGN(b) (((size_t)(b) + 15) / 16 * 16)
#define NG_TRAIN_CHARS 190531L
#define NG_ALL_CHARS 210859L
#define NG_TRAIN_WORDS 41090L
#define NG_HELD_WORDS 4318L
#define NG_VOCAB_WORDS 1927L
#define NG_CONST_CHAR                                                                         \
    (NG_ALIGN(sizeof(ng_data)) + NG_ALIGN(4 * NG_ALL_CHARS) + 2 * NG_ALIGN(8 * NG_TRAIN_CHARS) + \
     12 * NG_CHAR_DISTINCT + 4 * NG_CHAR_N + 2 * 16 * NG_CHAR_N)
#define NG_CONST_WORD                                                                          \
    (NG_ALIGN(sizeof(ng_data)) + 2 * NG_ALIGN(4 * (NG_TRAIN_WORDS + 1)) +                      \
     2 * NG_ALIGN(NG_TRAIN_WORDS + 1) + NG_ALIGN(4 * NG_VOCAB_WORDS) + NG_ALIGN(NG_VOCAB_WORDS) + \
     NG_ALIGN(4 * (NG_TRAIN_WORDS + 1)) + NG_ALIGN(4 * (NG_HELD_WORDS + 1)) +                  \
     NG_ALIGN(4 * (NG_SLICE / 2)) + 2 * NG_ALIGN(8 * NG_TRAIN_WORDS) + 12 * NG_WORD_DISTINCT + \
     4 * NG_WORD_N + 2 * 16 * NG_WORD_N)
#define NG_CONST_BYTES (NG_CONST_CHAR > NG_CONST_WORD ? NG_CONST_CHAR : NG_CONST_WORD)

enum { NG_CHAR = 0, NG_WORD = 1 };

typedef struct {
    int unit;          /* NG_CHAR or NG_WORD */
    int n;             /* order of the character model */
    int nw;            /* order of the word model */
    int smooth;        /* ngram_smoothing */
    double k;          /* smoothing strength */
    double temp;       /* sampling temperature */
    char context[NG_TEXT + 1];
} ng_desc;

/* What create builds and nothing changes: the model and the token streams. */
typedef struct {
    ngram_model g;
    austen_words w;        /* words only */
    int32_t *ids;          /* (mlm_austen_len,) characters only: the whole text's character ids */
    const int32_t *train;  /* (n_train,) */
    const int32_t *held;   /* (n_held,) */
    const int32_t *slice;  /* (n_slice,) the start of the training text, for the training curve */
    long n_train, n_held, n_slice;
    long held_chars, slice_chars; /* the characters they span: the per-character denominators */
    int V, N;
} ng_data;

typedef struct {
    ng_data *D;
    int32_t order;                       /* the n in use */
    int32_t toks[NG_TEXT + NG_GEN_MAX];  /* the context's tokens, then the drawn ones */
    int32_t n_ctx, n_gen, gen_max;
    int32_t dropped;                     /* context characters outside the alphabet */
    int32_t evals;                       /* held-out curve points measured */
    float byn[3][NG_MAXN * 2];           /* (n, 2) held-out add-k, held-out interpolated, training */
    float byk[2][NG_K * 2];              /* (k, 2) held-out add-k, interpolated */
    float uniform[4];                    /* the uniform model's line across the n panel */
    double heldout, heldout_word;        /* at the chosen settings: nats a character, a word */
    double best_k, best_n;
    /* the next-token table for the current context */
    float bars[NG_TOP * 2], tempered[NG_TOP * 3], lab_xy[NG_TOP * 2];
    char labels[NG_TOP * (AUSTEN_WORD_MAX + 2)];
    int32_t ntop;
    float ymax;
    long ctx_seen;                       /* c(h) of the longest context the table used */
    int32_t ctx_order;
    int32_t last;                        /* the last token drawn, -1 before any */
    char note[200];
    char lines[NG_LINES][NG_LINE * 3 + 8];
    float mark_n[2], mark_k[2];
} ng_state;

enum { NG_P_UNIT, NG_P_N, NG_P_NW, NG_P_SMOOTH, NG_P_K, NG_P_TEMP, NG_P_CONTEXT };

static const mlm_param ng_params[] = {
    {"unit", "Tokens", MLM_CHOICE, offsetof(ng_desc, unit), 0, 1, 0, 0, 0, "char:Characters|word:Words",
     "what the model counts: characters (48 symbols) or words (1,927 with <unk>)"},
    {"n", "Order n", MLM_INT, offsetof(ng_desc, n), 1, NG_CHAR_N, 1, 3, 0, NULL,
     "the character model looks at the last n - 1 characters"},
    {"nw", "Order n", MLM_INT, offsetof(ng_desc, nw), 1, NG_WORD_N, 1, 2, 0, NULL,
     "the word model looks at the last n - 1 words"},
    {"smooth", "Smoothing", MLM_CHOICE, offsetof(ng_desc, smooth), 0, 1, 0, 1, 0,
     "addk:Add-k|interp:Interpolation", "add k to every count, or share the k V extra counts by the shorter model"},
    {"k", "Smoothing k", MLM_FLOAT, offsetof(ng_desc, k), 0.001, 10, 0, 0.1, 1, NULL,
     "imaginary counts a context gets per vocabulary entry"},
    {"temp", "Temperature", MLM_FLOAT, offsetof(ng_desc, temp), 0.05, 5, 0, 1, 1, NULL,
     "draws from p^(1/T): below 1 sharper, above 1 flatter"},
    {"context", "Context", MLM_TEXT, offsetof(ng_desc, context), 0, NG_TEXT, 0, 0, 0, NG_CTX_DEFAULT,
     "the text the model continues"},
};

static const mlm_when ng_when[] = {
    {"n", "unit=char"},
    {"nw", "unit=word"},
};

/* The drawn text first, across the widget; the table and the two loss curves share the row below
   (on a phone they stack, the text still first). */
enum { NG_PANEL_GEN, NG_PANEL_NEXT, NG_PANEL_BYN, NG_PANEL_BYK, NG_N_PANELS };
static const mlm_panel ng_panels[] = {
    {"gen", "Your context ▸ the model's continuation", NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
    {"next", "Next-token probabilities", "rank · dots: at temperature T", "probability", 0, NULL},
    {"byn", "Held-out loss against the order n", "order n", "nats per character", MLM_PANEL_AUTO_Y, NULL},
    {"byk", "Held-out loss against k at this n", "smoothing k", "nats per character",
     MLM_PANEL_LOG_X | MLM_PANEL_AUTO_Y, NULL},
};

enum {
    NG_V_BARS, NG_V_TEMPERED, NG_V_LABELS,
    NG_V_LINE0, NG_V_LINE_END = NG_V_LINE0 + NG_LINES - 1,
    NG_V_UNIFORM, NG_V_BYN_ADDK, NG_V_BYN_INTERP, NG_V_BYN_TRAIN, NG_V_MARK_N, NG_V_BEST_N,
    NG_V_BYK_ADDK, NG_V_BYK_INTERP, NG_V_MARK_K, NG_V_BEST_K,
    NG_V_HELDOUT, NG_V_PPL, NG_V_HELDOUT_WORD, NG_V_NOTE, NG_N_VIEWS
};
static const mlm_view ng_views[] = {
    [NG_V_BARS] = {"probs", "next", MLM_VIEW_BARS, "p(next | context)", MLM_BLUE, 0},
    [NG_V_TEMPERED] = {"tempered", "next", MLM_VIEW_POINTS, "drawn from (temperature T)", MLM_VERMILION, 0},
    [NG_V_LABELS] = {"tokens", "next", MLM_VIEW_LABELS, "Tokens", MLM_INK, 0},
    [NG_V_LINE0 + 0] = {"line1", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 1] = {"line2", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 2] = {"line3", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 3] = {"line4", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 4] = {"line5", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 5] = {"line6", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 6] = {"line7", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_LINE0 + 7] = {"line8", "gen", MLM_VIEW_TEXT, "", 0, 0},
    [NG_V_UNIFORM] = {"uniform", "byn", MLM_VIEW_CURVE, "uniform model", MLM_INK,
                      MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [NG_V_BYN_ADDK] = {"byn_addk", "byn", MLM_VIEW_CURVE, "held out, add-k", MLM_BLUE, MLM_VIEW_LEGEND},
    [NG_V_BYN_INTERP] = {"byn_interp", "byn", MLM_VIEW_CURVE, "held out, interpolated", MLM_VERMILION,
                         MLM_VIEW_LEGEND},
    [NG_V_BYN_TRAIN] = {"byn_train", "byn", MLM_VIEW_CURVE, "training text (your smoothing)", MLM_INK,
                        MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [NG_V_MARK_N] = {"mark_n", "byn", MLM_VIEW_MARKERS, "", MLM_INK, 0},
    [NG_V_BEST_N] = {"best_n", "byn", MLM_VIEW_SCALAR, "best n", 0, MLM_SCALAR_INT},
    [NG_V_BYK_ADDK] = {"byk_addk", "byk", MLM_VIEW_CURVE, "add-k", MLM_BLUE, MLM_VIEW_LEGEND},
    [NG_V_BYK_INTERP] = {"byk_interp", "byk", MLM_VIEW_CURVE, "interpolated", MLM_VERMILION, MLM_VIEW_LEGEND},
    [NG_V_MARK_K] = {"mark_k", "byk", MLM_VIEW_MARKERS, "", MLM_INK, 0},
    [NG_V_BEST_K] = {"best_k", "byk", MLM_VIEW_SCALAR, "best k", 0, 0},
    [NG_V_HELDOUT] = {"heldout", NULL, MLM_VIEW_SCALAR, "held-out nats/char", 0, 0},
    [NG_V_PPL] = {"perplexity", NULL, MLM_VIEW_SCALAR, "per-character perplexity", 0, 0},
    [NG_V_HELDOUT_WORD] = {"heldout_word", NULL, MLM_VIEW_SCALAR, "nats/word", 0, 0},
    [NG_V_NOTE] = {"note", NULL, MLM_VIEW_TEXT, "", 0, 0},
};

/* k on the grid: 1, 2 and 5 times each power of ten from 0.001 to 10 (i = 0 .. K-1) */
static double ng_kgrid(int i) {
    static const double mant[3] = {1, 2, 5};
    double p = 0.001;
    for (int j = 0; j < i / 3; j++) p *= 10;
    return mant[i % 3] * p;
}

//> loss
/* Nats per character of the text tokens tok (n) span (chars characters), at order `order`. */
static double ng_loss(const ng_data *D, const int32_t *tok, long n, long chars, int order,
                      ngram_smoothing s, double k) {
    return ngram_nats(&D->g, tok, n, order, s, k) / (double)chars;
}
//< loss

/* Build the model and the token streams for the chosen unit; NULL after mlm_fail. */
static ng_data *ng_build(mlm_instance *in, const ng_desc *d) {
    ng_data *D = mlm_alloc_const(in, sizeof *D);
    if (!D) return NULL;
    ngram_alloc a = ngram_alloc_const(in);
    long ntr = mlm_austen_train_len, nall = mlm_austen_len;
    D->held_chars = nall - ntr;
    if (d->unit == NG_CHAR) {
        D->ids = mlm_alloc_const(in, sizeof(int32_t) * (size_t)nall);
        if (!D->ids) return NULL;
        austen_ids(D->ids);
        D->train = D->ids, D->n_train = ntr;
        D->held = D->ids + ntr, D->n_held = nall - ntr;
        D->slice = D->ids, D->n_slice = NG_SLICE, D->slice_chars = NG_SLICE;
        D->V = AUSTEN_V, D->N = NG_CHAR_N;
    } else {
        if (austen_words_build(&D->w, a)) return NULL;
        D->train = D->w.train, D->n_train = D->w.n_train;
        D->held = D->w.held, D->n_held = D->w.n_held;
        /* the training curve: the words of the first NG_SLICE characters, cut at a space */
        long end = NG_SLICE;
        while (end < ntr && mlm_austen_text[end] != ' ') end++;
        int32_t *sl = mlm_alloc_const(in, sizeof(int32_t) * (NG_SLICE / 2));
        if (!sl) return NULL;
        D->n_slice = austen_encode_words(&D->w, mlm_austen_text, end, sl, NG_SLICE / 2);
        D->slice = sl, D->slice_chars = end;
        D->V = D->w.V, D->N = NG_WORD_N;
    }
    if (ngram_fit(&D->g, D->train, D->n_train, D->V, D->N, a)) {
        if (!in->out_of_memory) mlm_fail(in, "the n-gram model could not be fitted");
        return NULL;
    }
    return D;
}

/* The next-token table for the current context: the NG_TOP most likely tokens, their
   probabilities and their tempered probabilities. */
static void ng_table(mlm_instance *in, ng_state *s) {
    const ng_desc *d = in->desc;
    const ng_data *D = s->D;
    static double p[NG_VMAX]; /* (V,) scratch: used within this call only */
    double q[NG_TOP];
    long clen = s->n_ctx + s->n_gen;
    ngram_dist(&D->g, s->toks, clen, s->order, (ngram_smoothing)d->smooth, d->k, p);
    /* the tempered probabilities of the same tokens: q_i = p_i^(1/T) / sum_j p_j^(1/T) */
    double lmax = -INFINITY, z = 0;
    for (int i = 0; i < D->V; i++)
        if (p[i] > 0 && mlm_log(p[i]) > lmax) lmax = mlm_log(p[i]);
    for (int i = 0; i < D->V; i++)
        if (p[i] > 0) z += mlm_exp((mlm_log(p[i]) - lmax) / d->temp);
    int top[NG_TOP], nt = 0;
    for (int r = 0; r < NG_TOP && r < D->V; r++) {
        int best = -1;
        for (int i = 0; i < D->V; i++) {
            int used = 0;
            for (int j = 0; j < nt && !used; j++) used = top[j] == i;
            if (!used && (best < 0 || p[i] > p[best])) best = i;
        }
        top[nt++] = best;
    }
    float ymax = 0;
    size_t lp = 0;
    s->labels[0] = 0;
    for (int r = 0; r < nt; r++) {
        int t = top[r];
        q[r] = p[t] > 0 ? mlm_exp((mlm_log(p[t]) - lmax) / d->temp) / z : 0;
        s->bars[2 * r] = (float)(r + 1), s->bars[2 * r + 1] = (float)p[t];
        s->tempered[3 * r] = (float)(r + 1), s->tempered[3 * r + 1] = (float)q[r], s->tempered[3 * r + 2] = 0;
        if (p[t] > ymax) ymax = (float)p[t];
        if (q[r] > ymax) ymax = (float)q[r];
        char tok[AUSTEN_WORD_MAX + 8];
        if (d->unit == NG_CHAR) {
            char c = austen_char(t);
            if (c == ' ') snprintf(tok, sizeof tok, "\xe2\x90\xa3"); /* U+2423, the visible space */
            else snprintf(tok, sizeof tok, "%c", c);
        } else
            austen_word(&D->w, t, tok, (int)sizeof tok);
        lp += (size_t)snprintf(s->labels + lp, sizeof s->labels - lp, "%s%s", r ? "\n" : "", tok);
        if (lp >= sizeof s->labels) lp = sizeof s->labels - 1;
    }
    s->ntop = nt;
    /* words are wider than the bars: every second label one line higher, so neighbours do not
       collide (room for it above the tallest bar) */
    int stagger = d->unit == NG_WORD;
    float head = stagger ? 1.4f : 1.18f;
    s->ymax = ymax > 0 ? ymax * head + 0.02f : 1;
    for (int r = 0; r < nt; r++) {
        float top_y = fmaxf(s->bars[2 * r + 1], s->tempered[3 * r + 1]);
        float lift = stagger && r % 2 ? 0.17f : 0.07f;
        s->lab_xy[2 * r] = (float)(r + 1), s->lab_xy[2 * r + 1] = top_y + lift * s->ymax;
    }
    /* how much of the context the model used, and how often the training text showed it */
    int m = s->order;
    if (clen + 1 < m) m = (int)clen + 1;
    s->ctx_order = m;
    s->ctx_seen = 0;
    if (m >= 1) ngram_count(&D->g, m, s->toks + clen - (m - 1), 0, &s->ctx_seen);
}

/* The status line's sentence about the table. It changes only when the context does something
   new (an unseen context, a context still shorter than n - 1), not at every step: a line of
   text that changed every step would re-lay out the page under the widget at every step. */
static void ng_note(mlm_instance *in, ng_state *s) {
    const ng_desc *d = in->desc;
    const char *unit = d->unit == NG_CHAR ? "character" : "word";
    int used = s->ctx_order - 1;
    int n = 0;
    if (used <= 0)
        n = snprintf(s->note, sizeof s->note, "the table ignores the context (order 1)");
    else
        n = snprintf(s->note, sizeof s->note, "the table reads the last %d %s%s%s", used, unit, used > 1 ? "s" : "",
                     s->ctx_seen > 0 ? ""
                     : d->smooth == NGRAM_INTERP ? ", never seen in training: the shorter model decides"
                                                 : ", never seen in training: every token gets 1/V");
    if (s->dropped > 0 && n > 0 && (size_t)n < sizeof s->note)
        snprintf(s->note + n, sizeof s->note - (size_t)n, "; %d typed character%s outside the alphabet left out",
                 s->dropped, s->dropped > 1 ? "s" : "");
}

static void *ng_create(mlm_instance *in) {
    const ng_desc *d = in->desc;
    ng_state *s = mlm_alloc(in, sizeof *s);
    if (!s) return NULL;
    ng_data *D = ng_build(in, d);
    if (!D) return NULL;
    s->D = D;
    if (D->V > NG_VMAX) {
        mlm_fail(in, "a vocabulary of %d tokens is more than the %d this widget holds", D->V, NG_VMAX);
        return NULL;
    }
    s->order = d->unit == NG_CHAR ? d->n : d->nw;
    s->gen_max = d->unit == NG_CHAR ? NG_GEN_CHARS : NG_GEN_WORDS;
    s->last = -1;
    long len = (long)strlen(d->context);
    if (d->unit == NG_CHAR) {
        s->n_ctx = (int32_t)austen_encode(d->context, len, s->toks);
        s->dropped = (int32_t)(len - s->n_ctx);
    } else {
        /* words: a character outside the alphabet is left out before the text is split */
        char clean[NG_TEXT + 1];
        int c = 0;
        for (long i = 0; i < len; i++)
            if (austen_char_id((unsigned char)d->context[i]) >= 0) clean[c++] = d->context[i];
            else s->dropped++;
        s->n_ctx = (int32_t)austen_encode_words(&D->w, clean, c, s->toks, NG_TEXT);
    }
    s->heldout = ng_loss(D, D->held, D->n_held, D->held_chars, s->order, (ngram_smoothing)d->smooth, d->k);
    s->heldout_word = s->heldout * (double)D->held_chars / (double)D->n_held;
    s->best_k = s->best_n = NAN;
    /* the uniform model: log V nats a token */
    double u = mlm_log((double)D->V) * (double)D->n_held / (double)D->held_chars;
    s->uniform[0] = 1, s->uniform[1] = (float)u, s->uniform[2] = (float)D->N, s->uniform[3] = (float)u;
    ng_table(in, s);
    ng_note(in, s);
    return s;
}

//> step
static void ng_step(mlm_instance *in, void *self) {
    ng_state *s = self;
    const ng_desc *d = in->desc;
    const ng_data *D = s->D;
    /* one token drawn at temperature T from the model given everything so far */
    if (s->n_gen < s->gen_max) {
        static double p[NG_VMAX]; /* (V,) scratch: used within this call only */
        long clen = s->n_ctx + s->n_gen;
        ngram_dist(&D->g, s->toks, clen, s->order, (ngram_smoothing)d->smooth, d->k, p);
        s->last = ngram_sample(p, D->V, d->temp, &in->rng);
        s->toks[clen] = s->last;
        s->n_gen++;
        ng_table(in, s);
        ng_note(in, s);
    }
    /* one more point of the held-out curves */
    int total = 3 * D->N + 2 * NG_K;
    if (s->evals < total) {
        int e = s->evals;
        if (e < 3 * D->N) {
            int n = e / 3 + 1, c = e % 3;
            double y = c < 2 ? ng_loss(D, D->held, D->n_held, D->held_chars, n, (ngram_smoothing)c, d->k)
                             : ng_loss(D, D->slice, D->n_slice, D->slice_chars, n, (ngram_smoothing)d->smooth, d->k);
            s->byn[c][2 * (n - 1)] = (float)n, s->byn[c][2 * (n - 1) + 1] = (float)y;
        } else {
            int j = e - 3 * D->N, i = j / 2, c = j % 2;
            double k = ng_kgrid(i);
            double y = ng_loss(D, D->held, D->n_held, D->held_chars, s->order, (ngram_smoothing)c, k);
            s->byk[c][2 * i] = (float)k, s->byk[c][2 * i + 1] = (float)y;
        }
        s->evals++;
        if (s->evals == 3 * D->N) { /* the best order for the chosen smoothing */
            int b = 0;
            for (int n = 1; n < D->N; n++)
                if (s->byn[d->smooth][2 * n + 1] < s->byn[d->smooth][2 * b + 1]) b = n;
            s->best_n = b + 1;
        }
        if (s->evals == total) {
            int b = 0;
            for (int i = 1; i < NG_K; i++)
                if (s->byk[d->smooth][2 * i + 1] < s->byk[d->smooth][2 * b + 1]) b = i;
            s->best_k = ng_kgrid(b);
        }
    }
    if (s->n_gen >= s->gen_max && s->evals >= total)
        mlm_finished(in, "%d %ss drawn; held-out loss %.3f nats a character at n = %d (best n %d, best k %.2g on "
                     "the grid)", s->n_gen, d->unit == NG_CHAR ? "character" : "word", s->heldout, s->order,
                     (int)s->best_n, s->best_k);
}
//< step

/* The context and the drawn text, wrapped at spaces into lines of at most NG_LINE characters;
   the last NG_LINES lines are shown. The mark ▸ shows where the drawing began. */
static void ng_wrap(mlm_instance *in, ng_state *s) {
    const ng_desc *d = in->desc;
    char text[NG_TEXT * (AUSTEN_WORD_MAX + 2) + NG_GEN_MAX * (AUSTEN_WORD_MAX + 2) + 8];
    int tl = 0, quote = 0, cap = (int)sizeof text;
    text[0] = 0;
    for (int i = 0; i <= s->n_ctx + s->n_gen; i++) {
        if (i == s->n_ctx) { /* the mark, after a space between words */
            if (d->unit == NG_WORD && tl > 0 && tl + 1 < cap) text[tl++] = ' ';
            for (const char *c = NG_MARK; *c && tl + 1 < cap; c++) text[tl++] = *c;
            text[tl] = 0;
        }
        if (i == s->n_ctx + s->n_gen) break;
        if (d->unit == NG_CHAR) {
            if (tl + 1 < cap) text[tl++] = austen_char(s->toks[i]);
            text[tl] = 0;
        } else /* a word after the mark gets its space: the mark is not an opening bracket */
            austen_append_word(&s->D->w, s->toks[i], text, cap, &tl, &quote);
    }
    /* greedy wrap, counting the 3-byte mark as one character */
    int starts[256], ends[256], nl = 0, i = 0;
    while (i < tl && nl < 256) {
        while (i < tl && text[i] == ' ') i++;
        if (i >= tl) break;
        int j = i, width = 0, last_space = -1;
        while (j < tl && width < NG_LINE) {
            if (text[j] == ' ') last_space = j;
            j += ((unsigned char)text[j] & 0xE0) == 0xE0 ? 3 : 1;
            width++;
        }
        if (j < tl && text[j] != ' ' && last_space > i) j = last_space;
        starts[nl] = i, ends[nl] = j, nl++;
        i = j;
    }
    int first = nl > NG_LINES ? nl - NG_LINES : 0;
    for (int l = 0; l < NG_LINES; l++) {
        int k = first + l;
        char *out = s->lines[l];
        if (k < nl) {
            int n = ends[k] - starts[k];
            if (n > (int)sizeof s->lines[l] - 1) n = (int)sizeof s->lines[l] - 1;
            memcpy(out, text + starts[k], (size_t)n);
            out[n] = 0;
        } else
            out[0] = 0;
        in->views[NG_V_LINE0 + l].text = out;
        in->views[NG_V_LINE0 + l].hidden = k >= nl;
    }
}

static void ng_scalar(mlm_instance *in, int v, double x) {
    in->views[v].value = isfinite(x) && isfinite((float)x) ? (float)x : 0;
    in->views[v].hidden = !(isfinite(x) && isfinite((float)x));
}

static void ng_draw(mlm_instance *in, void *self) {
    ng_state *s = self;
    const ng_desc *d = in->desc;
    const ng_data *D = s->D;
    mlm_view_state *v = in->views;
    in->panels[NG_PANEL_NEXT] = (mlm_panel_state){0.4f, NG_TOP + 0.6f, 0, s->ymax, 0};
    in->panels[NG_PANEL_GEN] = (mlm_panel_state){0, 1, 0, 1, 0};
    in->panels[NG_PANEL_BYN] = (mlm_panel_state){0.7f, (float)D->N + 0.3f, 0, 1, 0};
    in->panels[NG_PANEL_BYK] = (mlm_panel_state){0.0008f, 12.5f, 0, 1, 0};
    v[NG_V_BARS].data = s->bars, v[NG_V_BARS].count = s->ntop;
    v[NG_V_TEMPERED].data = s->tempered, v[NG_V_TEMPERED].count = s->ntop;
    v[NG_V_LABELS].data = s->lab_xy, v[NG_V_LABELS].count = s->ntop;
    v[NG_V_LABELS].text = s->labels;
    ng_wrap(in, s);
    /* the curves as far as measured */
    int N = D->N, e = s->evals;
    int done_n = e >= 3 * N ? N : e / 3;
    v[NG_V_UNIFORM].data = s->uniform, v[NG_V_UNIFORM].count = 2;
    for (int c = 0; c < 3; c++) {
        int cnt = done_n + (e < 3 * N && e % 3 > c ? 1 : 0);
        v[NG_V_BYN_ADDK + c].data = s->byn[c], v[NG_V_BYN_ADDK + c].count = cnt;
    }
    int ek = e > 3 * N ? e - 3 * N : 0;
    for (int c = 0; c < 2; c++) {
        int cnt = ek / 2 + (ek % 2 > c ? 1 : 0);
        v[NG_V_BYK_ADDK + c].data = s->byk[c], v[NG_V_BYK_ADDK + c].count = cnt;
    }
    int fin = isfinite(s->heldout);
    s->mark_n[0] = (float)s->order, s->mark_n[1] = fin ? (float)s->heldout : 0;
    s->mark_k[0] = (float)d->k, s->mark_k[1] = fin ? (float)s->heldout : 0;
    v[NG_V_MARK_N].data = s->mark_n, v[NG_V_MARK_N].count = fin;
    v[NG_V_MARK_K].data = s->mark_k, v[NG_V_MARK_K].count = fin;
    ng_scalar(in, NG_V_BEST_N, s->best_n);
    ng_scalar(in, NG_V_BEST_K, s->best_k);
    ng_scalar(in, NG_V_HELDOUT, s->heldout);
    ng_scalar(in, NG_V_PPL, fin ? ngram_perplexity(s->heldout) : NAN);
    ng_scalar(in, NG_V_HELDOUT_WORD, d->unit == NG_WORD ? s->heldout_word : NAN);
    v[NG_V_NOTE].text = s->note;
}

const mlm_module mlm_module_ngrams = {
    .name = "ngrams",
    .title = "N-gram language models",
    .params = ng_params,
    .n_params = MLM_COUNT(ng_params),
    .desc_size = sizeof(ng_desc),
    .panels = ng_panels,
    .n_panels = NG_N_PANELS,
    .views = ng_views,
    .n_views = NG_N_VIEWS,
    .state_bytes = sizeof(ng_state),
    .const_bytes = NG_CONST_BYTES,
    .speed = 20,
    .random = 1,
    .create = ng_create,
    .step = ng_step,
    .draw = ng_draw,
    .when = ng_when,
    .n_when = MLM_COUNT(ng_when),
    .worker = 1,
    .t_max = NG_GEN_CHARS,
};
