/* tensor.h: the layers of a transformer as float32 forward/backward pairs, written once for the
 * book (chapter 26 trains a character-level transformer with them; engine/core/gpt.c assembles
 * them into the model). The style is llm.c's: plain arrays with a shape comment on every argument,
 * activations kept by the forward pass for the backward pass, and every backward pass ADDING its
 * gradients into the buffers it is given (a parameter used twice, or a residual branch, then
 * needs no special case; the caller zeroes gradients before a step).
 *
 * Shapes: N rows (N = B T: B sequences of T positions), C features, OC output features,
 * NH heads of hs = C / NH features each, V symbols of the vocabulary.
 *
 * Determinism. The engine must give the same bits natively and in wasm. The inner loops use
 * GCC/Clang vector types of four floats, which compile to SSE natively and to wasm SIMD (f32x4)
 * with -msimd128: the same four lanes, the same multiply and add in the same order on both sides
 * (no fused multiply-add: -ffp-contract=off), so the results agree bit for bit. exp and tanh come
 * from detmath.h. */
#ifndef MLM_TENSOR_H
#define MLM_TENSOR_H

#include <stddef.h>
#include <stdint.h>

/* The longest sequence the attention layer takes (it keeps one row of scores on the stack). */
#define TN_T_MAX 256
/* The largest vocabulary the softmax takes (one row of exponentials on the stack). */
#define TN_V_MAX 256

/* out (N, OC) = inp (N, C) @ w^T + bias, with w (OC, C) and bias (OC,) or NULL. */
void tn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N,
                       int C, int OC);
/* Given dout (N, OC): dinp (N, C) += dout @ w; dw (OC, C) += dout^T @ inp; dbias (OC,) +=
   column sums of dout. dinp or dbias may be NULL (not wanted). */
void tn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int N, int C, int OC);

/* Layer normalisation of each row of inp (N, C): out = (x - mean) * rstd * weight + bias with
   rstd = 1 / sqrt(var + 1e-5); mean and rstd (N,) are kept for the backward pass. */
void tn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                          const float *weight, const float *bias, int N, int C);
void tn_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, const float *mean,
                           const float *rstd, int N, int C);

/* Causal multi-head scaled dot-product attention. qkv (B, T, 3C) holds each position's query,
   key and value side by side ([0, C), [C, 2C), [2C, 3C)), head h using features
   [h hs, (h + 1) hs) of each. att (B, NH, T, T): row t holds the softmax of
   q_t . k_u / sqrt(hs) over u <= t and zeros for u > t (the causal mask); out (B, T, C) holds
   sum_u att[t][u] v_u for every head, the heads side by side. T <= TN_T_MAX. */
void tn_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH);
/* The same for rows t0 <= t < t1 of one sequence (B = 1) whose earlier rows' keys and values
   are already in qkv: what generating one character at a time needs (the keys and values of the
   characters before are kept, not recomputed). Gives the bits the whole pass gives. */
void tn_attention_forward_rows(float *out, float *att, const float *qkv, int T, int C, int NH,
                               int t0, int t1);
/* Given dout (B, T, C): dqkv (B, T, 3C) += the gradient. */
void tn_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
                           int B, int T, int C, int NH);

/* GELU, tanh form (Hendrycks and Gimpel 2016): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))),
   elementwise over n values. */
void tn_gelu_forward(float *out, const float *inp, int n);
void tn_gelu_backward(float *dinp, const float *inp, const float *dout, int n);

/* ReLU, max(0, x), elementwise; its backward passes dout where the input was positive. */
void tn_relu_forward(float *out, const float *inp, int n);
void tn_relu_backward(float *dinp, const float *inp, const float *dout, int n);

/* Token and position embedding: out (B, T, C) [b, t] = wte[tok[b, t]] + wpe[t], with
   wte (V, C), wpe (T_max, C), tok (B, T) in [0, V). */
void tn_embed_forward(float *out, const int32_t *tok, const float *wte, const float *wpe, int B,
                      int T, int C);
void tn_embed_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int B,
                       int T, int C);

/* out (n,) = a + b: the residual connection (its backward adds dout to both). */
void tn_residual_forward(float *out, const float *a, const float *b, int n);
void tn_residual_backward(float *da, float *db, const float *dout, int n);

/* probs (N, V) = the softmax (V <= TN_V_MAX) of each row of logits (N, V), after subtracting the row's largest. */
void tn_softmax_forward(float *probs, const float *logits, int N, int V);

/* Softmax cross-entropy of each row of logits (N, V) against targets (N,): probs (N, V) are kept;
   returns the mean over rows of -log probs[target], in nats (a double sum). */
double tn_xent_forward(float *probs, const float *logits, const int32_t *targets, int N, int V);
/* dlogits (N, V) += (probs - onehot(target)) / N: the gradient of the mean. */
void tn_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int N, int V);

/* AdamW (Loshchilov and Hutter 2019) on n float32 parameters p with gradient g, moments m and v,
   in the convention of optim.h (PyTorch's): eps outside the square root, decay decoupled
   (p -= lr wd p), bias corrections from b1t = beta1^t and b2t = beta2^t, which the caller keeps
   as running products (multiplied once per step, never pow()). */
typedef struct {
    double lr, beta1, beta2, eps, wd;
} tn_adamw_hyper;
void tn_adamw(float *p, const float *g, float *m, float *v, size_t n, const tn_adamw_hyper *h,
              double b1t, double b2t);

#endif
