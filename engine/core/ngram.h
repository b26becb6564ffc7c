/* ngram.h: n-gram language models over token ids (characters or words), the model of chapter 25
 * and the baseline chapter 26's transformer is measured against.
 *
 * Shape legend:
 *   V        tokens in the vocabulary; ids 0 .. V-1
 *   n        the longest n-gram counted (the model's largest order); 1 <= n <= NGRAM_MAX_N
 *   m        an order, 1 <= m <= n: an m-gram is a context h of m - 1 tokens and a next token w
 *   D_m      distinct m-grams in the training tokens
 *
 * Counting. For every order m the fit counts c_m(h, w), how often the m tokens h w appear in the
 * training sequence, and c_m(h) = sum_w c_m(h, w), how often h appears followed by anything.
 * An m-gram is stored as one number, its tokens as digits in base V (the oldest most
 * significant), so sorting the numbers sorts the m-grams by context first: all the m-grams that
 * share a context h are neighbours, and their cumulative counts give c_m(h) as one subtraction.
 * (V^n must stay below 2^63: ngram_fit refuses a larger n.)
 *
 * The Markov assumption: the next token depends on the last m - 1 tokens only. The probability
 * of w after context h under the model of order m, built from the bottom (p_0 is uniform):
 *   p_0(w)     = 1 / V
 *   p_m(w | h) = (c_m(h, w) + k V q_{m-1}(w)) / (c_m(h) + k V)
 * where q_{m-1} is
 *   NGRAM_ADDK    the uniform 1 / V: add-k (Laplace for k = 1) smoothing, as if every m-gram had
 *                 been seen k more times than it was;
 *   NGRAM_INTERP  p_{m-1}(w | h'), h' the context shortened by its oldest token: interpolation,
 *                 p_m = lambda p_ML + (1 - lambda) p_{m-1} with lambda = c_m(h) / (c_m(h) + k V),
 *                 the k V imaginary counts shared out by the shorter model instead of evenly.
 * An unseen context (c_m(h) = 0) gives q_{m-1} itself. k = 0 is the maximum-likelihood model
 * c_m(h, w) / c_m(h), which gives probability 0 to everything the training text never showed. A
 * context shorter than m - 1 tokens (the start of a text) uses the order it has room for. */
#ifndef MLM_NGRAM_H
#define MLM_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "mlm.h"

#define NGRAM_MAX_N 8

typedef enum { NGRAM_ADDK = 0, NGRAM_INTERP = 1 } ngram_smoothing;

/* Where the fit takes its memory: fn(ctx, bytes) returns zeroed, 16-byte aligned memory or NULL.
   Nothing is ever freed one piece at a time: the owner of ctx frees everything at once. */
typedef struct {
    void *(*fn)(void *ctx, size_t bytes);
    void *ctx;
} ngram_alloc;

/* An allocator over an instance's constant block (mlm_alloc_const), for a module's create(). */
ngram_alloc ngram_alloc_const(mlm_instance *in);

typedef struct {
    int V, n;
    long total;                        /* training tokens */
    long D[NGRAM_MAX_N + 1];           /* D[m]: distinct m-grams, m = 1..n */
    uint64_t *key[NGRAM_MAX_N + 1];    /* (D[m],) the m-grams as base-V numbers, ascending */
    int32_t *cum[NGRAM_MAX_N + 1];     /* (D[m] + 1,) cum[m][i] = sum of the counts before i */
} ngram_model;

/* Count every m-gram, m = 1..n, of tok[0 .. len) (ids in 0 .. V-1). Memory from a: the tables
   (12 bytes a distinct m-gram) and 16 len bytes of scratch for the sort. Returns 0, or -1 (and
   an unusable model) if n or V is out of range (V^n >= 2^63), a token is out of range, or an
   allocation failed. */
int ngram_fit(ngram_model *g, const int32_t *tok, long len, int V, int n, ngram_alloc a);

/* c_m(h, w) and c_m(h) for the m - 1 tokens h[0 .. m-1) (1 <= m <= g->n; h unused for m = 1).
   ngram_count returns c_m(h, w) and, if ctx_count is not NULL, writes c_m(h) to it. */
long ngram_count(const ngram_model *g, int m, const int32_t *h, int32_t w, long *ctx_count);

/* p(w | context) under the model of order `order` (0 .. g->n; 0 is the uniform model), where
   ctx[0 .. clen) are the tokens before w, the newest last (only the last order - 1 are read). */
double ngram_prob(const ngram_model *g, const int32_t *ctx, long clen, int32_t w, int order,
                  ngram_smoothing s, double k);

/* The whole next-token distribution p[0 .. V) for that context: as ngram_prob for every w, in
   O(order (log D + V)). */
void ngram_dist(const ngram_model *g, const int32_t *ctx, long clen, int order,
                ngram_smoothing s, double k, double *p);

/* -sum over t of log p(tok[t] | tok[0 .. t)): the nats the model pays for the sequence, each
   token predicted from the tokens before it in the same sequence. +inf if a token gets
   probability 0 (k = 0). */
double ngram_nats(const ngram_model *g, const int32_t *tok, long len, int order,
                  ngram_smoothing s, double k);

/* The cross-entropy ngram_nats / len, in nats per token (per character for a character model),
   and the perplexity exp(cross-entropy): the size of the uniform vocabulary that would be
   equally surprised. A model that spreads 1/V everywhere has cross-entropy log V and perplexity
   V. */
double ngram_cross_entropy(const ngram_model *g, const int32_t *tok, long len, int order,
                           ngram_smoothing s, double k);
double ngram_perplexity(double cross_entropy);

/* Temperature: q_i proportional to p_i^(1/T), into q (V,) (may be p itself). T = 1 leaves p as
   it is, T -> infinity tends to uniform over the tokens with p_i > 0, T -> 0 to all the mass on
   the most likely token; T <= 0 puts it all there (the lowest id among ties). Computed in logs,
   so no T underflows. */
void ngram_temper(const double *p, int V, double T, double *q);
/* Draw a token from p (V,) at temperature T with r: the inverse of the cumulative tempered
   distribution at one uniform number (T <= 0: the most likely token, no draw). */
int ngram_sample(const double *p, int V, double T, mlm_rng *r);
/* The most likely token of p (V,), the lowest id among ties. */
int ngram_argmax(const double *p, int V);

#endif
