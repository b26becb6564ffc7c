/* gpt.h: a small decoder-only transformer (the shape of GPT-2, Radford et al. 2019) assembled from
 * the layers of tensor.h: token and position embeddings, L blocks of
 *     x <- x + proj(attention(ln1(x)))        (causal multi-head self-attention)
 *     x <- x + fcproj(gelu(fc(ln2(x))))        (the feed-forward block, 4C wide)
 * then a final layer norm and a linear map to V logits per position, trained with softmax
 * cross-entropy on the next symbol. Chapter 26 trains it on characters.
 *
 * Shapes: V vocabulary, C width (a multiple of NH and of 4), L blocks, NH heads, Tm the longest
 * context (positions it has embeddings for), B sequences of T <= Tm positions in a pass.
 *
 * Memory. The parameters are one float array (gpt_num_params floats) that gpt_params_point cuts
 * into named tensors, so an optimizer and a checkpoint see one buffer; the activations of a pass
 * are another (gpt_num_acts floats for B, T), cut by gpt_acts_point. The caller owns both. */
#ifndef MLM_GPT_H
#define MLM_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "mlm.h"

typedef enum { GPT_GELU, GPT_RELU } gpt_act;

typedef struct {
    int V, C, L, NH, Tm;
    int act; /* the feed-forward block's nonlinearity: GPT_GELU or GPT_RELU */
} gpt_config;

/* Pointers into the parameter array. Per-block tensors are stacked over the L blocks: ln1w is
   (L, C), qkvw is (L, 3C, C), and so on. */
typedef struct {
    float *wte;     /* (V, C) token embeddings */
    float *wpe;     /* (Tm, C) position embeddings */
    float *ln1w, *ln1b;         /* (L, C) */
    float *qkvw, *qkvb;         /* (L, 3C, C), (L, 3C) queries, keys, values */
    float *projw, *projb;       /* (L, C, C), (L, C) the heads' outputs back into the stream */
    float *ln2w, *ln2b;         /* (L, C) */
    float *fcw, *fcb;           /* (L, 4C, C), (L, 4C) */
    float *fcprojw, *fcprojb;   /* (L, C, 4C), (L, C) */
    float *lnfw, *lnfb;         /* (C,) */
    float *headw, *headb;       /* (V, C), (V,) */
} gpt_params;

/* Activations of one pass over (B, T), kept for the backward pass; the same layout holds their
   gradients. Per-block ones are stacked over L. */
typedef struct {
    float *encoded;             /* (B, T, C) embeddings: the residual stream entering block 0 */
    float *ln1, *ln1_mean, *ln1_rstd; /* (L, B, T, C), (L, B, T), (L, B, T) */
    float *qkv;                 /* (L, B, T, 3C) */
    float *atty;                /* (L, B, T, C) the heads' outputs, side by side */
    float *att;                 /* (L, B, NH, T, T) attention weights (row t: over u <= t) */
    float *attproj;             /* (L, B, T, C) */
    float *res2;                /* (L, B, T, C) stream after the attention's residual */
    float *ln2, *ln2_mean, *ln2_rstd; /* (L, B, T, C), (L, B, T), (L, B, T) */
    float *fch, *fch_gelu;      /* (L, B, T, 4C) */
    float *fcproj;              /* (L, B, T, C) */
    float *res3;                /* (L, B, T, C) stream leaving the block */
    float *lnf, *lnf_mean, *lnf_rstd; /* (B, T, C), (B, T), (B, T) */
    float *logits, *probs;      /* (B, T, V) */
} gpt_acts;

size_t gpt_num_params(const gpt_config *c);
size_t gpt_num_acts(const gpt_config *c, int B, int T);
void gpt_params_point(gpt_params *p, float *mem, const gpt_config *c);
void gpt_acts_point(gpt_acts *a, float *mem, const gpt_config *c, int B, int T);

/* GPT-2's initialisation: weights normal(0, 0.02), the two projections into the residual stream
   scaled by 1/sqrt(2L) (each block adds two), biases 0, layer-norm gains 1. */
void gpt_init(const gpt_config *c, float *params, mlm_rng *rng);

/* Forward pass over tok (B, T); with targets (B, T) returns the mean cross-entropy of the next
   symbols in nats (acts->probs holds every position's distribution either way), else 0. */
double gpt_forward(const gpt_config *c, const float *params, float *actmem, const int32_t *tok,
                   const int32_t *targets, int B, int T);
/* Generation, one character at a time: the forward pass of one sequence (B = 1, work space laid
   out for T positions) for rows t0 <= t < t1 alone, when rows before t0 are already computed in
   actmem (their keys and values are all a new row needs). The rows' distributions land in
   probs; the bits are those of gpt_forward(tok, NULL, 1, T) on the same rows. */
void gpt_forward_rows(const gpt_config *c, const float *params, float *actmem, const int32_t *tok,
                      int T, int t0, int t1);
/* Backward pass after gpt_forward with targets: grads (gpt_num_params) += dLoss/dparams.
   gradmem is gpt_num_acts(c, B, T) floats of work space (zeroed here). */
void gpt_backward(const gpt_config *c, const float *params, float *grads, const float *actmem,
                  float *gradmem, const int32_t *tok, const int32_t *targets, int B, int T);

#endif
