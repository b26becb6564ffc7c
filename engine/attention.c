/* attention.c: the engine module of the chapter "Attention and a tiny transformer". A
 * character-level transformer (engine/core/gpt.h, built from the layers of engine/core/tensor.h)
 * learns to predict the next character of the shipped Austen text (engine/core/austen.h: Pride
 * and Prejudice, chapters 1 to 19 for training, 20 and 21 held out), from random weights, one
 * AdamW step on a batch of TF_B random windows per step.
 *
 * Every TF_EVAL_EVERY steps it measures the held-out loss on a fixed set of held-out windows and
 * runs the model on the reader's sentence, keeping every head's attention pattern; every
 * TF_SAMPLE_EVERY steps it continues the sentence with text drawn at the chosen temperature. The
 * bigram and trigram models of chapter 25 (engine/core/ngram.h, interpolated smoothing) are
 * scored on exactly the same held-out characters with exactly the same context (each window's
 * characters before the one predicted), so the curves compare like with like.
 *
 * Shapes:
 *   V   48 characters (AUSTEN_V); C width, L blocks, NH heads (hs = C / NH), T context
 *   B   TF_B windows of T characters a step; E windows of held-out text (E T <= TF_EVAL_CHARS)
 *   P   parameters (gpt_num_params); S the sentence's characters in the attention picture (<= T)
 *
 * Memory. The instance block holds what a checkpoint must: the parameters and AdamW's two
 * moments (3 P floats: 414 KB at the defaults), the histories, the attention pictures and the
 * sample. Work space that every step rewrites before reading (gradients, activations, the batch)
 * lives in the constant block with the text and the baselines, so checkpoints stay small.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "austen.h"
#include "detmath.h"
#include "gpt.h"
#include "mlm.h"
#include "ngram.h"
#include "tensor.h"

#define TF_V AUSTEN_V
#define TF_B 16               /* windows a step */
#define TF_C_MAX 60
#define TF_L_MAX 2
#define TF_NH_MAX 4
#define TF_T_MAX 64
#define TF_EVAL_CHARS 2048    /* held-out characters the loss is measured on */
#define TF_EVAL_EVERY 25      /* steps between measurements */
#define TF_SAMPLE_EVERY 100   /* steps between samples */
#define TF_STEPS 20000        /* the run ends here */
#define TF_GEN 150            /* characters drawn a sample */
#define TF_SENT 120           /* the longest sentence */
#define TF_LINES 5            /* lines of the sample shown */
#define TF_LINE 44            /* characters a line, at most */
#define TF_HIST 400
#define TF_LABEL_EVERY 4     /* every fourth character of the sentence is labelled */
#define TF_CLIP 1.0           /* the gradient's norm is clipped to this */
#define TF_SENT_DEFAULT "mr. darcy and mr. bingley danced"
#define TF_MARK "\xe2\x96\xb8" /* U+25B8 between the prompt and what the model wrote */

enum { TF_RELU, TF_GELU };

typedef struct {
    double lr;        /* AdamW's step size */
    int layers;       /* L */
    int heads;        /* NH */
    int width;        /* C */
    int context;      /* T */
    int act;          /* TF_RELU or TF_GELU */
    double wd;        /* AdamW's decoupled weight decay */
    double temp;      /* sampling temperature */
    char sentence[TF_SENT + 1];
} tf_desc;

/* What never changes after create, and work space every step rewrites before reading it. */
typedef struct {
    int32_t *ids;                 /* (mlm_austen_len,) the whole text as character ids */
    int32_t *etok, *etgt;         /* (E, T) held-out windows and their next characters */
    int E;
    double bigram, trigram;       /* their held-out loss on the same characters, nats */
    double k2, k3;                /* the smoothing k each was given (the best of a grid) */
    float *grads;                 /* (P,) */
    float *acts, *dacts;          /* (gpt_num_acts(B, T),) a pass's activations and gradients */
    int32_t tok[TF_B * TF_T_MAX], tgt[TF_B * TF_T_MAX]; /* (B, T) the batch */
} tf_const;

typedef struct {
    tf_const *k;
    gpt_config cfg;
    size_t P;
    float *params, *m, *v;        /* (P,) each: the weights and AdamW's moments */
    double b1t, b2t;              /* beta1^t, beta2^t */
    double ema, ema_w;            /* moving average of the batches' losses, and of 1 (to unbias it) */
    double train, held;           /* the training loss's moving average; the last held-out loss */
    int64_t beat;                 /* the first measured step the held-out loss beat the trigram's
                                     (-1: not yet) */
    mlm_series h_train, h_held;   /* (HIST, 2) (step, nats) */
    mlm_rng srng;                 /* the sampler's own generator: training never depends on it */
    /* the reader's sentence */
    int32_t sent[TF_SENT];
    int S;                        /* its characters in the picture: min(length, T) */
    char sent_chars[TF_SENT + 1];
    /* drawn */
    float *tiles;                 /* (L NH, 3 + S S) each head's attention, rows scaled to 1 */
    float *tile_xy;               /* (rows S, 2) positions of the characters' labels */
    char tile_text[TF_L_MAX * TF_NH_MAX * TF_SENT * 3];
    float cap_xy[2 * TF_L_MAX * TF_NH_MAX]; /* (L NH, 2) positions of the tiles' captions */
    char cap_text[TF_L_MAX * TF_NH_MAX * 20];
    float base2[4], base3[4];     /* (2, 2) the baselines as lines */
    char sample[TF_LINES][TF_LINE * 4 + 8];
    int64_t sample_step;
    char note[120];
} tf_state;

static const mlm_param tf_params[] = {
    {"lr", "Learning rate", MLM_FLOAT, offsetof(tf_desc, lr), 1e-4, 0.1, 0, 0.005, 1, NULL,
     "AdamW's step size η"},
    {"layers", "Layers", MLM_INT, offsetof(tf_desc, layers), 1, TF_L_MAX, 1, 1, 0, NULL,
     "transformer blocks (attention then feed-forward), one after the other"},
    {"heads", "Heads", MLM_INT, offsetof(tf_desc, heads), 1, TF_NH_MAX, 1, 4, 0, NULL,
     "attention heads per block; each reads width/heads features"},
    {"width", "Width", MLM_INT, offsetof(tf_desc, width), 12, TF_C_MAX, 12, 48, 0, NULL,
     "features per character in the residual stream (a multiple of 12, so 1 to 4 heads divide it)"},
    {"context", "Context", MLM_INT, offsetof(tf_desc, context), 8, TF_T_MAX, 8, 32, 0, NULL,
     "characters the model sees: it predicts each from at most this many before it"},
    {"act", "Feed-forward activation", MLM_CHOICE, offsetof(tf_desc, act), 0, 1, 1, TF_RELU, 0,
     "relu:ReLU|gelu:GELU", "the nonlinearity inside the feed-forward block"},
    {"wd", "Weight decay", MLM_FLOAT, offsetof(tf_desc, wd), 0, 0.1, 0.001, 0, 0, NULL,
     "AdamW's decoupled decay: every weight shrinks by η·wd a step"},
    {"temp", "Temperature", MLM_FLOAT, offsetof(tf_desc, temp), 0.1, 2, 0.05, 0.8, 0, NULL,
     "samples are drawn from p^(1/T): below 1 safer, above 1 wilder"},
    {"sentence", "Your sentence", MLM_TEXT, offsetof(tf_desc, sentence), 0, TF_SENT, 0, 0, 0,
     TF_SENT_DEFAULT,
     "its attention is shown and the samples continue it (letters, digits, spaces and .,;:!?'\"()-; capitals read as lower case)"},
};

enum { P_LOSS, P_ATT, P_SAMPLE, TF_N_PANELS };

static const mlm_panel tf_panels[] = {
    [P_LOSS] = {"loss", "Loss per character", "step", "nats per character",
                MLM_PANEL_AUTO_X | MLM_PANEL_AUTO_Y | MLM_PANEL_WIDE, NULL},
    [P_ATT] = {"att", "Attention on your sentence (row t: character t; dark: where it looks most)",
               NULL, NULL, MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
    [P_SAMPLE] = {"sample", "Your sentence ▸ what the model writes next", NULL, NULL,
                  MLM_PANEL_NOAXES | MLM_PANEL_WIDE, NULL},
};

enum {
    V_TRAIN, V_HELD, V_BI, V_TRI, V_TILES, V_TLABELS, V_TCAPS, V_LINE0,
    V_TRAIN_S = V_LINE0 + TF_LINES, V_HELD_S, V_TRI_S, V_BI_S, V_BEAT, V_NOTE, TF_N_VIEWS
};

static const mlm_view tf_views[] = {
    [V_TRAIN] = {"train", "loss", MLM_VIEW_CURVE, "training (moving average of the batches)", MLM_BLUE, MLM_VIEW_LEGEND},
    [V_HELD] = {"held", "loss", MLM_VIEW_TRAIL, "held out", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_BI] = {"bigram", "loss", MLM_VIEW_CURVE, "bigram, held out", MLM_INK,
              MLM_VIEW_LEGEND | MLM_VIEW_DASHED | MLM_VIEW_FAINT},
    [V_TRI] = {"trigram", "loss", MLM_VIEW_CURVE, "trigram, held out", MLM_GREEN,
               MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_TILES] = {"attention", "att", MLM_VIEW_TILES, "attention", 0, MLM_COLOR_GRAY},
    [V_TLABELS] = {"att_chars", "att", MLM_VIEW_LABELS, "Characters", MLM_INK, 0},
    [V_TCAPS] = {"att_heads", "att", MLM_VIEW_LABELS, "Head names", MLM_INK, 0},
    [V_LINE0 + 0] = {"line1", "sample", MLM_VIEW_TEXT, "", 0, 0},
    [V_LINE0 + 1] = {"line2", "sample", MLM_VIEW_TEXT, "", 0, 0},
    [V_LINE0 + 2] = {"line3", "sample", MLM_VIEW_TEXT, "", 0, 0},
    [V_LINE0 + 3] = {"line4", "sample", MLM_VIEW_TEXT, "", 0, 0},
    [V_LINE0 + 4] = {"line5", "sample", MLM_VIEW_TEXT, "", 0, 0},
    [V_TRAIN_S] = {"train_loss", NULL, MLM_VIEW_SCALAR, "training", 0, 0},
    [V_HELD_S] = {"held_loss", NULL, MLM_VIEW_SCALAR, "held out", 0, 0},
    [V_TRI_S] = {"trigram_loss", NULL, MLM_VIEW_SCALAR, "trigram", 0, 0},
    [V_BI_S] = {"bigram_loss", NULL, MLM_VIEW_SCALAR, "bigram", 0, 0},
    [V_BEAT] = {"beat_step", "loss", MLM_VIEW_SCALAR, "below the trigram from step", 0, MLM_SCALAR_INT},
    [V_NOTE] = {"note", NULL, MLM_VIEW_TEXT, "", 0, 0},
};

_Static_assert(MLM_COUNT(tf_views) == TF_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(tf_panels) == TF_N_PANELS, "one declaration per panel");

/* ---- memory bounds, from the largest shapes ---- */
#define TF_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
/* gpt_num_params at the largest sizes (the formula of gpt.c) */
#define TF_P_MAX                                                                                  \
    ((size_t)(TF_V + TF_T_MAX) * TF_C_MAX +                                                       \
     (size_t)TF_L_MAX * (12 * TF_C_MAX * TF_C_MAX + 13 * TF_C_MAX) + 2 * TF_C_MAX + TF_V * TF_C_MAX + TF_V)
#define TF_N_MAX ((size_t)TF_B * TF_T_MAX)
/* gpt_num_acts at the largest sizes */
#define TF_ACTS_MAX                                                                               \
    (TF_N_MAX * TF_C_MAX +                                                                        \
     (size_t)TF_L_MAX * (TF_N_MAX * TF_C_MAX * 19 + 4 * TF_N_MAX + (size_t)TF_B * TF_NH_MAX * TF_T_MAX * TF_T_MAX) + \
     TF_N_MAX * TF_C_MAX + 2 * TF_N_MAX + 2 * TF_N_MAX * TF_V)
#define TF_LABELS_MAX (TF_L_MAX * TF_NH_MAX * TF_SENT)
#define TF_TILES_MAX ((size_t)TF_L_MAX * TF_NH_MAX * (3 + TF_SENT * TF_SENT))
#define TF_STATE_BYTES                                                                            \
    (TF_A16(sizeof(tf_state)) + 3 * TF_A16(sizeof(float) * TF_P_MAX) +                            \
     2 * TF_A16(sizeof(float) * 2 * TF_HIST) + TF_A16(sizeof(float) * TF_TILES_MAX) +              \
     TF_A16(sizeof(float) * 2 * TF_LABELS_MAX))
/* ngram_fit's tables for orders 1 to 3 (12 bytes a distinct n-gram, at most one per training
   character and order, one more count an order) and its sort's scratch (16 bytes a character) */
#define TF_NGRAM_BYTES (3 * (TF_A16(8 * 190531L) + TF_A16(4 * 190532L)) + TF_A16(16 * 190531L) + 256)
#define TF_CONST_BYTES                                                                            \
    (TF_A16(sizeof(tf_const)) + TF_A16(sizeof(int32_t) * 210859L) +                                \
     2 * TF_A16(sizeof(int32_t) * TF_EVAL_CHARS) + TF_A16(sizeof(float) * TF_P_MAX) +               \
     2 * TF_A16(sizeof(float) * TF_ACTS_MAX) + TF_NGRAM_BYTES + TF_A16(sizeof(ngram_model)))

/* ---- the held-out measurement ---- */

//> heldout
/* The held-out loss: E windows of T characters spread evenly over the held-out text, each
   character predicted from the ones before it in its window, run through the training pass's
   work space TF_B windows at a time. */
static double tf_heldout(tf_state *s) {
    tf_const *k = s->k;
    int T = s->cfg.Tm;
    double total = 0;
    for (int e = 0; e < k->E; e += TF_B) {
        int nb = k->E - e < TF_B ? k->E - e : TF_B;
        total += nb * gpt_forward(&s->cfg, s->params, k->acts, k->etok + (size_t)e * T,
                                  k->etgt + (size_t)e * T, nb, T);
    }
    return total / k->E;
}
//< heldout

/* The baselines on the same characters: a window's T + 1 characters cost
   nats(all) - nats(first alone) for its T predictions, each from the window's earlier
   characters, as the transformer sees them. The smoothing k is the best of chapter 25's grid
   for these characters: the strongest n-gram the comparison can offer. */
static double tf_ngram_loss(const tf_const *k, const ngram_model *g, int order, int T, double *kbest) {
    long ntr = mlm_austen_train_len, nh = mlm_austen_len - ntr;
    double best = INFINITY;
    for (int i = 0; i < 13; i++) {
        double kk = mlm_exp((-3.0 + i / 3.0) * 2.302585092994046), nats = 0;
        for (int e = 0; e < k->E; e++) {
            const int32_t *w = k->ids + ntr + (long)e * (nh - T - 1) / k->E;
            nats += ngram_nats(g, w, T + 1, order, NGRAM_INTERP, kk) -
                    ngram_nats(g, w, 1, order, NGRAM_INTERP, kk);
        }
        nats /= (double)k->E * T;
        if (nats < best) best = nats, *kbest = kk;
    }
    return best;
}

/* ---- the reader's sentence: attention pictures and samples ---- */

//> attention_picture
/* Run the model on the sentence's S characters and keep every head's S x S attention, each row
   scaled so that its largest weight is 1 (the darkest: where that character looks most). */
static void tf_attention_picture(tf_state *s) {
    const gpt_config *c = &s->cfg;
    int S = s->S, NH = c->NH;
    if (S == 0) return;
    gpt_forward(c, s->params, s->k->acts, s->sent, NULL, 1, S);
    gpt_acts a;
    gpt_acts_point(&a, s->k->acts, c, 1, S);
    for (int l = 0; l < c->L; l++)
        for (int h = 0; h < NH; h++) {
            float *tile = s->tiles + (size_t)(l * NH + h) * (3 + S * S) + 3;
            const float *att = a.att + ((size_t)l * NH + h) * S * S;
            for (int t = 0; t < S; t++) {
                float mx = 0;
                for (int u = 0; u <= t; u++) mx = att[t * S + u] > mx ? att[t * S + u] : mx;
                for (int u = 0; u < S; u++) tile[t * S + u] = mx > 0 ? att[t * S + u] / mx : 0;
            }
        }
}
//< attention_picture

static void tf_wrap(tf_state *s, const char *text) {
    /* greedy wrap at spaces into TF_LINES lines of at most TF_LINE characters (the mark counts
       as one); the tail that does not fit is dropped */
    int n = (int)strlen(text), pos = 0;
    for (int l = 0; l < TF_LINES; l++) {
        s->sample[l][0] = 0;
        if (pos >= n) continue;
        int end = pos, cut = -1, shown = 0;
        while (end < n && shown < TF_LINE) {
            unsigned char ch = (unsigned char)text[end];
            if (ch == ' ') cut = end;
            end += ch >= 0xe0 ? 3 : 1, shown++;
        }
        if (end < n && cut > pos) end = cut + 1;
        int len = end - pos < (int)sizeof s->sample[l] - 1 ? end - pos : (int)sizeof s->sample[l] - 1;
        memcpy(s->sample[l], text + pos, (size_t)len);
        s->sample[l][len] = 0;
        pos = end;
    }
}

//> sample
/* Continue the sentence: TF_GEN times, take the distribution the model gives for the next
   character and draw from it at the temperature. The model runs one new position a step, reusing
   the keys and values of the characters before (gpt_forward_rows); when the context is full it
   starts again from the last half of it (positions are absolute: the window cannot slide). */
static void tf_sample(tf_state *s, const tf_desc *d) {
    const gpt_config *c = &s->cfg;
    int T = c->Tm, n = 0;
    int32_t ctx[TF_T_MAX];
    char text[TF_SENT + 4 + TF_GEN + 1];
    int tl = 0;
    /* the prompt: the sentence's last T characters (a space if it has none) */
    int first = s->S < T ? 0 : s->S - T;
    for (int i = first; i < s->S; i++) ctx[n++] = s->sent[i], text[tl++] = austen_char(s->sent[i]);
    if (n == 0) ctx[n++] = 0;
    memcpy(text + tl, TF_MARK, 3), tl += 3;
    gpt_acts a;
    gpt_acts_point(&a, s->k->acts, c, 1, T);
    gpt_forward_rows(c, s->params, s->k->acts, ctx, T, 0, n);
    double p[TF_V];
    for (int g = 0; g < TF_GEN; g++) {
        for (int v = 0; v < TF_V; v++) p[v] = a.probs[(size_t)(n - 1) * TF_V + v];
        int next = ngram_sample(p, TF_V, d->temp, &s->srng);
        text[tl++] = austen_char(next);
        if (n == T) { /* keep the last T/2 characters, at positions 0 .. T/2 - 1 */
            memmove(ctx, ctx + T - T / 2, sizeof(int32_t) * (size_t)(T / 2));
            n = T / 2;
            ctx[n++] = next;
            gpt_forward_rows(c, s->params, s->k->acts, ctx, T, 0, n);
        } else {
            ctx[n++] = next;
            gpt_forward_rows(c, s->params, s->k->acts, ctx, T, n - 1, n);
        }
    }
    text[tl] = 0;
    tf_wrap(s, text);
}
//< sample

/* ---- create, step, draw ---- */

static void *tf_create(mlm_instance *in) {
    const tf_desc *d = in->desc;
    if (d->width % d->heads != 0) { /* cannot happen with widths in 12s and 1 to 4 heads */
        mlm_fail(in, "a width of %d does not split into %d heads", d->width, d->heads);
        return NULL;
    }
    tf_state *s = mlm_alloc(in, sizeof *s);
    tf_const *k = mlm_alloc_const(in, sizeof *k);
    if (!s || !k) return NULL;
    s->k = k;
    s->cfg = (gpt_config){TF_V, d->width, d->layers, d->heads, d->context,
                          d->act == TF_GELU ? GPT_GELU : GPT_RELU};
    int T = d->context;
    s->P = gpt_num_params(&s->cfg);
    s->params = mlm_alloc(in, sizeof(float) * s->P);
    s->m = mlm_alloc(in, sizeof(float) * s->P);
    s->v = mlm_alloc(in, sizeof(float) * s->P);
    k->grads = mlm_alloc_const(in, sizeof(float) * s->P);
    size_t A = gpt_num_acts(&s->cfg, TF_B, T);
    k->acts = mlm_alloc_const(in, sizeof(float) * A);
    k->dacts = mlm_alloc_const(in, sizeof(float) * A);
    k->ids = mlm_alloc_const(in, sizeof(int32_t) * (size_t)mlm_austen_len);
    k->E = TF_EVAL_CHARS / T;
    k->etok = mlm_alloc_const(in, sizeof(int32_t) * (size_t)k->E * T);
    k->etgt = mlm_alloc_const(in, sizeof(int32_t) * (size_t)k->E * T);
    s->tiles = mlm_alloc(in, sizeof(float) * (size_t)(d->layers * d->heads) * (size_t)(3 + T * T));
    s->tile_xy = mlm_alloc(in, sizeof(float) * 2 * TF_LABELS_MAX);
    if (!s->params || !s->m || !s->v || !k->grads || !k->acts || !k->dacts || !k->ids || !k->etok ||
        !k->etgt || !s->tiles || !s->tile_xy || mlm_series_init(in, &s->h_train, TF_HIST) ||
        mlm_series_init(in, &s->h_held, TF_HIST))
        return NULL;
    austen_ids(k->ids);

    /* the held-out windows, and the n-gram baselines on them */
    long ntr = mlm_austen_train_len, nh = mlm_austen_len - ntr;
    for (int e = 0; e < k->E; e++) {
        const int32_t *w = k->ids + ntr + (long)e * (nh - T - 1) / k->E;
        memcpy(k->etok + (size_t)e * T, w, sizeof(int32_t) * (size_t)T);
        memcpy(k->etgt + (size_t)e * T, w + 1, sizeof(int32_t) * (size_t)T);
    }
    ngram_model *g = mlm_alloc_const(in, sizeof *g);
    if (!g || ngram_fit(g, k->ids, ntr, TF_V, 3, ngram_alloc_const(in))) {
        if (!in->out_of_memory) mlm_fail(in, "attention: the n-gram baselines could not be counted");
        return NULL;
    }
    k->bigram = tf_ngram_loss(k, g, 2, T, &k->k2);
    k->trigram = tf_ngram_loss(k, g, 3, T, &k->k3);

    /* the model */
    gpt_init(&s->cfg, s->params, &in->rng);
    s->b1t = s->b2t = 1;
    s->beat = -1;
    mlm_rng_seed(&s->srng, in->seed, 26);

    /* the sentence: its characters in the alphabet, the first T of them for the picture */
    long n = austen_encode(d->sentence, (long)strlen(d->sentence), s->sent);
    s->S = (int)(n < T ? n : T);
    for (int i = 0; i < s->S; i++) s->sent_chars[i] = austen_char(s->sent[i]);
    s->sent_chars[s->S] = 0;
    if (n < (long)strlen(d->sentence))
        snprintf(s->note, sizeof s->note, "%ld character%s of your sentence %s not in the alphabet: left out",
                 (long)strlen(d->sentence) - n, (long)strlen(d->sentence) - n == 1 ? "" : "s",
                 (long)strlen(d->sentence) - n == 1 ? "is" : "are");
    else if (n > T)
        snprintf(s->note, sizeof s->note, "the picture shows the first %d characters (the context)", T);

    s->train = NAN;
    s->held = tf_heldout(s);
    mlm_series_push(&s->h_held, 0, s->held);
    tf_attention_picture(s);
    tf_sample(s, d);
    return s;
}

//> train_step
static void tf_step(mlm_instance *in, void *self) {
    tf_state *s = self;
    tf_const *k = s->k;
    const tf_desc *d = in->desc;
    const gpt_config *c = &s->cfg;
    int T = c->Tm;
    long ntr = mlm_austen_train_len;
    /* a batch: B windows of T + 1 characters at random places in the training text */
    for (int b = 0; b < TF_B; b++) {
        long at = (long)mlm_rng_below(&in->rng, (uint32_t)(ntr - T));
        memcpy(k->tok + b * T, k->ids + at, sizeof(int32_t) * (size_t)T);
        memcpy(k->tgt + b * T, k->ids + at + 1, sizeof(int32_t) * (size_t)T);
    }
    double loss = gpt_forward(c, s->params, k->acts, k->tok, k->tgt, TF_B, T);
    memset(k->grads, 0, sizeof(float) * s->P);
    gpt_backward(c, s->params, k->grads, k->acts, k->dacts, k->tok, k->tgt, TF_B, T);
    /* clip the gradient's norm: one unlucky batch cannot throw the weights far */
    double norm = 0;
    for (size_t i = 0; i < s->P; i++) norm += (double)k->grads[i] * k->grads[i];
    norm = sqrt(norm);
    if (!mlm_isfinite(loss) || !mlm_isfinite(norm)) {
        mlm_diverged(in, 1, "the loss became infinite at step %lld: a learning rate of %g is too large "
                            "for this model", (long long)in->steps, d->lr);
        return;
    }
    if (norm > TF_CLIP)
        for (size_t i = 0; i < s->P; i++) k->grads[i] *= (float)(TF_CLIP / norm);
    s->b1t *= 0.9, s->b2t *= 0.99;
    tn_adamw_hyper h = {d->lr, 0.9, 0.99, 1e-8, d->wd};
    tn_adamw(s->params, k->grads, s->m, s->v, s->P, &h, s->b1t, s->b2t);
    //< train_step
    /* the training curve: a moving average of the batches' losses (over about 10 steps),
       divided by the average of 1 so that the first steps are not pulled towards 0 */
    s->ema = 0.9 * s->ema + 0.1 * loss, s->ema_w = 0.9 * s->ema_w + 0.1;
    s->train = s->ema / s->ema_w;
    int64_t t = in->steps + 1; /* the step this call completes */
    mlm_series_push(&s->h_train, (double)t, s->train);
    if (t % TF_EVAL_EVERY == 0) {
        s->held = tf_heldout(s);
        mlm_series_push(&s->h_held, (double)t, s->held);
        tf_attention_picture(s);
        if (s->beat < 0 && s->held < k->trigram) {
            s->beat = t;
            mlm_converged(in, 0, "the held-out loss, %.3f, is below the trigram's %.3f at step %lld "
                                 "(measured every %d steps); training goes on",
                          s->held, k->trigram, (long long)t, TF_EVAL_EVERY);
        }
    }
    if (t % TF_SAMPLE_EVERY == 0) tf_sample(s, d);
    if (t >= TF_STEPS)
        mlm_finished(in, "the run ends at step %d: held-out loss %.3f against the trigram's %.3f",
                     TF_STEPS, s->held, k->trigram);
}

static float tf_f(double x) { return mlm_isfinite(x) ? (float)x : 0.0f; }

static void tf_draw(mlm_instance *in, void *self) {
    tf_state *s = self;
    const tf_const *k = s->k;
    const gpt_config *c = &s->cfg;
    mlm_view_state *v = in->views;
    mlm_series_view(in, V_TRAIN, &s->h_train);
    mlm_series_view(in, V_HELD, &s->h_held);
    double x1 = in->steps > TF_EVAL_EVERY ? (double)in->steps : TF_EVAL_EVERY;
    float b2[4] = {0, tf_f(k->bigram), (float)x1, tf_f(k->bigram)};
    float b3[4] = {0, tf_f(k->trigram), (float)x1, tf_f(k->trigram)};
    memcpy(s->base2, b2, sizeof b2), memcpy(s->base3, b3, sizeof b3);
    v[V_BI].data = s->base2, v[V_BI].count = 2;
    v[V_TRI].data = s->base3, v[V_TRI].count = 2;
    v[V_TRAIN_S].value = tf_f(s->train), v[V_TRAIN_S].hidden = !mlm_isfinite(s->train);
    v[V_HELD_S].value = tf_f(s->held);
    v[V_TRI_S].value = tf_f(k->trigram);
    v[V_BI_S].value = tf_f(k->bigram);
    v[V_BEAT].value = (float)s->beat, v[V_BEAT].hidden = s->beat < 0;
    v[V_NOTE].text = s->note, v[V_NOTE].hidden = !s->note[0];

    /* the attention pictures: one tile per head, two to a row (block 1's heads first), a gap
       of 0.3 between tiles; the sentence's characters down the left of each row (row t:
       character t, which looks at the columns u <= t, the same characters in the same order),
       a caption above each tile */
    int S = s->S, NH = c->NH, L = c->L, count = L * NH, cols = count < 2 ? count : 2;
    int rows = (count + cols - 1) / cols;
    double gap = 0.3, lab = S > 0 ? 1.0 / S : 0;
    int nl = 0, tl = 0, cl = 0;
    for (int i = 0; i < count; i++) {
        int l = i / NH, h = i % NH, col = i % cols, row = i / cols;
        float *tile = s->tiles + (size_t)i * (3 + S * S);
        tile[0] = (float)(col * (1 + gap) + 0.5), tile[1] = (float)(-row * (1 + gap) - 0.5), tile[2] = 1;
        s->cap_xy[2 * i] = tile[0], s->cap_xy[2 * i + 1] = (float)(-row * (1 + gap) + 0.12);
        if (L > 1) cl += snprintf(s->cap_text + cl, sizeof s->cap_text - (size_t)cl, "block %d, head %d\n", l + 1, h + 1);
        else cl += snprintf(s->cap_text + cl, sizeof s->cap_text - (size_t)cl, "head %d\n", h + 1);
        /* every fourth character down the left of the first column's tiles: all 32 would need a
           font too small to read at the width of a page */
        for (int t = 0; col == 0 && t < S; t += TF_LABEL_EVERY) {
            s->tile_xy[2 * nl] = (float)(-0.05);
            s->tile_xy[2 * nl + 1] = (float)(-row * (1 + gap) - (t + 0.5) * lab);
            char ch = s->sent_chars[t];
            tl += snprintf(s->tile_text + tl, sizeof s->tile_text - (size_t)tl, "%s\n", ch == ' ' ? "·" : (char[]){ch, 0});
            nl++;
        }
    }
    v[V_TILES].data = s->tiles, v[V_TILES].count = S > 0 ? count : 0;
    v[V_TILES].w = v[V_TILES].h = S;
    v[V_TILES].lo = 0, v[V_TILES].hi = 1;
    v[V_TLABELS].data = s->tile_xy, v[V_TLABELS].count = nl, v[V_TLABELS].text = s->tile_text;
    v[V_TCAPS].data = s->cap_xy, v[V_TCAPS].count = S > 0 ? count : 0, v[V_TCAPS].text = s->cap_text;
    mlm_panel_state *pa = &in->panels[P_ATT];
    pa->x0 = -0.12f, pa->x1 = (float)(cols * (1 + gap) - gap + 0.02);
    pa->y0 = (float)(-rows * (1 + gap) + gap - 0.02), pa->y1 = 0.25f;
    for (int l = 0; l < TF_LINES; l++) v[V_LINE0 + l].text = s->sample[l], v[V_LINE0 + l].hidden = !s->sample[l][0];
    mlm_panel_state *ps = &in->panels[P_SAMPLE];
    ps->x0 = 0, ps->x1 = 1, ps->y0 = 0, ps->y1 = 1;
}

const mlm_module mlm_module_attention = {
    .name = "attention",
    .title = "Attention and a tiny transformer",
    .params = tf_params,
    .n_params = MLM_COUNT(tf_params),
    .desc_size = sizeof(tf_desc),
    .panels = tf_panels,
    .n_panels = TF_N_PANELS,
    .views = tf_views,
    .n_views = TF_N_VIEWS,
    .state_bytes = TF_STATE_BYTES,
    .const_bytes = TF_CONST_BYTES,
    .speed = 60,
    .random = 1,
    .create = tf_create,
    .step = tf_step,
    .draw = tf_draw,
    .worker = 1,
    /* A link replays from step 0 (a fresh page has no checkpoints, and no shortcut through
       training is exact). Measured here (tests/bench/timeline.mjs): about a second from
       navigation before the first step (the page, the module, the n-gram baselines), then
       8 to 12 ms a step in the worker at a load average near 5, so 50 steps keep a link near the
       book's two seconds; a link past it stops there and says so. */
    .t_max = 50,
};
