/* tensor.c: the transformer's layers, float32 forward/backward pairs (see tensor.h for the
 * shapes and the conventions). */
#include "tensor.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

/* Four floats, one SSE register natively and one wasm SIMD f32x4 with -msimd128: lane i of a sum
   or product is the scalar float operation on lane i, so both builds round identically. */
typedef float tn_v4 __attribute__((vector_size(16)));

static inline tn_v4 tn_ld(const float *p) {
    tn_v4 v;
    memcpy(&v, p, sizeof v); /* unaligned load: rows start anywhere */
    return v;
}
static inline void tn_st(float *p, tn_v4 v) { memcpy(p, &v, sizeof v); }
static inline float tn_hsum(tn_v4 a) { return (a[0] + a[1]) + (a[2] + a[3]); }
static inline tn_v4 tn_splat(float x) { return (tn_v4){x, x, x, x}; }

/* a . b over n floats: four running sums (lane i takes elements i, i + 4, ...), added pairwise,
   then the last n mod 4 products in order. */
static inline float tn_dot(const float *a, const float *b, int n) {
    tn_v4 acc = tn_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) acc += tn_ld(a + i) * tn_ld(b + i);
    float s = tn_hsum(acc);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* y (n,) += alpha x (n,) */
static inline void tn_axpy(float *y, float alpha, const float *x, int n) {
    tn_v4 a = tn_splat(alpha);
    int i = 0;
    for (; i + 4 <= n; i += 4) tn_st(y + i, tn_ld(y + i) + a * tn_ld(x + i));
    for (; i < n; i++) y[i] += alpha * x[i];
}

//> matmul_forward
/* out[n][o] = bias[o] + sum_c inp[n][c] w[o][c]. Four outputs at a time share each load of the
   input row; each output's sum is formed exactly as tn_dot forms it, so blocking changes no
   bit. */
void tn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N,
                       int C, int OC) {
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float *y = out + (size_t)n * OC;
        int o = 0;
        for (; o + 4 <= OC; o += 4) {
            const float *w0 = w + (size_t)o * C, *w1 = w0 + C, *w2 = w1 + C, *w3 = w2 + C;
            tn_v4 a0 = tn_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
            int c = 0;
            for (; c + 4 <= C; c += 4) {
                tn_v4 xv = tn_ld(x + c);
                a0 += xv * tn_ld(w0 + c);
                a1 += xv * tn_ld(w1 + c);
                a2 += xv * tn_ld(w2 + c);
                a3 += xv * tn_ld(w3 + c);
            }
            float s0 = tn_hsum(a0), s1 = tn_hsum(a1), s2 = tn_hsum(a2), s3 = tn_hsum(a3);
            for (; c < C; c++) {
                s0 += x[c] * w0[c];
                s1 += x[c] * w1[c];
                s2 += x[c] * w2[c];
                s3 += x[c] * w3[c];
            }
            y[o] = bias ? s0 + bias[o] : s0;
            y[o + 1] = bias ? s1 + bias[o + 1] : s1;
            y[o + 2] = bias ? s2 + bias[o + 2] : s2;
            y[o + 3] = bias ? s3 + bias[o + 3] : s3;
        }
        for (; o < OC; o++) {
            float s = tn_dot(x, w + (size_t)o * C, C);
            y[o] = bias ? s + bias[o] : s;
        }
    }
}
//< matmul_forward

//> matmul_backward
/* y += sum_k a[k * as] x_k for K vectors x_k = x + k * xs (n floats each), added in the order
   k = 0, 1, ...: 16 floats of y at a time stay in registers while the K products are added. The
   per-element order is that of K separate tn_axpy calls, so the bits are too. */
static void tn_axpy_many(float *y, const float *a, size_t as, const float *x, size_t xs, int K,
                         int n) {
    int c = 0;
    for (; c + 16 <= n; c += 16) {
        tn_v4 y0 = tn_ld(y + c), y1 = tn_ld(y + c + 4), y2 = tn_ld(y + c + 8), y3 = tn_ld(y + c + 12);
        for (int k = 0; k < K; k++) {
            tn_v4 ak = tn_splat(a[k * as]);
            const float *xk = x + k * xs + c;
            y0 += ak * tn_ld(xk), y1 += ak * tn_ld(xk + 4);
            y2 += ak * tn_ld(xk + 8), y3 += ak * tn_ld(xk + 12);
        }
        tn_st(y + c, y0), tn_st(y + c + 4, y1), tn_st(y + c + 8, y2), tn_st(y + c + 12, y3);
    }
    for (; c + 4 <= n; c += 4) {
        tn_v4 y0 = tn_ld(y + c);
        for (int k = 0; k < K; k++) y0 += tn_splat(a[k * as]) * tn_ld(x + k * xs + c);
        tn_st(y + c, y0);
    }
    for (; c < n; c++)
        for (int k = 0; k < K; k++) y[c] += a[k * as] * x[k * xs + c];
}

/* Four rows at once: y + j ys += sum_k a[j ad + k as] x_k for j = 0..3, each element's products
   added in the order k = 0, 1, ... as tn_axpy_many adds them (so the bits are the same), while
   each load of x_k serves four rows: 8 floats of each row stay in registers. */
static void tn_axpy_many4(float *y, size_t ys, const float *a, size_t ad, size_t as, const float *x,
                          size_t xs, int K, int n) {
    float *y1 = y + ys, *y2 = y1 + ys, *y3 = y2 + ys;
    const float *a1 = a + ad, *a2 = a1 + ad, *a3 = a2 + ad;
    int c = 0;
    for (; c + 8 <= n; c += 8) {
        tn_v4 p0 = tn_ld(y + c), q0 = tn_ld(y + c + 4), p1 = tn_ld(y1 + c), q1 = tn_ld(y1 + c + 4);
        tn_v4 p2 = tn_ld(y2 + c), q2 = tn_ld(y2 + c + 4), p3 = tn_ld(y3 + c), q3 = tn_ld(y3 + c + 4);
        for (int k = 0; k < K; k++) {
            const float *xk = x + k * xs + c;
            tn_v4 lo = tn_ld(xk), hi = tn_ld(xk + 4), s;
            size_t i = k * as;
            s = tn_splat(a[i]), p0 += s * lo, q0 += s * hi;
            s = tn_splat(a1[i]), p1 += s * lo, q1 += s * hi;
            s = tn_splat(a2[i]), p2 += s * lo, q2 += s * hi;
            s = tn_splat(a3[i]), p3 += s * lo, q3 += s * hi;
        }
        tn_st(y + c, p0), tn_st(y + c + 4, q0), tn_st(y1 + c, p1), tn_st(y1 + c + 4, q1);
        tn_st(y2 + c, p2), tn_st(y2 + c + 4, q2), tn_st(y3 + c, p3), tn_st(y3 + c + 4, q3);
    }
    if (c < n) /* the last n mod 8 floats of each row */
        for (int j = 0; j < 4; j++) tn_axpy_many(y + j * ys + c, a + j * ad, as, x + c, xs, K, n - c);
}

/* y = x W^T + b, so dL/dx = dL/dy W, dL/dW = (dL/dy)^T x and dL/db = the sum of dL/dy over rows. */
void tn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int N, int C, int OC) {
    if (dinp) { /* row n of dinp += sum over o of dout[n][o] w[o] */
        int n = 0;
        for (; n + 4 <= N; n += 4)
            tn_axpy_many4(dinp + (size_t)n * C, (size_t)C, dout + (size_t)n * OC, (size_t)OC, 1, w,
                          (size_t)C, OC, C);
        for (; n < N; n++)
            tn_axpy_many(dinp + (size_t)n * C, dout + (size_t)n * OC, 1, w, (size_t)C, OC, C);
    }
    int o4 = 0; /* row o of dw += sum over n of dout[n][o] inp[n], four rows at a time */
    for (; o4 + 4 <= OC; o4 += 4)
        tn_axpy_many4(dw + (size_t)o4 * C, (size_t)C, dout + o4, 1, (size_t)OC, inp, (size_t)C, N, C);
    for (int o = 0; o < OC; o++) {
        if (o >= o4) tn_axpy_many(dw + (size_t)o * C, dout + o, (size_t)OC, inp, (size_t)C, N, C);
        if (dbias) {
            float sb = 0.0f;
            for (int n = 0; n < N; n++) sb += dout[(size_t)n * OC + o];
            dbias[o] += sb;
        }
    }
}
//< matmul_backward

//> layernorm_forward
void tn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                          const float *weight, const float *bias, int N, int C) {
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        double s = 1.0 / sqrt(v + 1e-5);
        float *y = out + (size_t)n * C;
        for (int c = 0; c < C; c++) y[c] = (float)((x[c] - m) * s) * weight[c] + bias[c];
        mean[n] = (float)m, rstd[n] = (float)s;
    }
}
//< layernorm_forward

//> layernorm_backward
/* With xhat = (x - mean) rstd and g = dout * weight, the gradient through the mean and the
   variance comes to dx = rstd (g - mean(g) - xhat mean(g xhat)). */
void tn_layernorm_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, const float *mean,
                           const float *rstd, int N, int C) {
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *dy = dout + (size_t)n * C;
        float *dx = dinp + (size_t)n * C;
        double gm = 0, gx = 0;
        for (int c = 0; c < C; c++) {
            double xhat = (x[c] - mean[n]) * (double)rstd[n], g = (double)dy[c] * weight[c];
            gm += g, gx += g * xhat;
        }
        gm /= C, gx /= C;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - mean[n]) * rstd[n];
            dbias[c] += dy[c];
            dweight[c] += xhat * dy[c];
            double g = (double)dy[c] * weight[c];
            dx[c] += (float)(rstd[n] * (g - gm - xhat * gx));
        }
    }
}
//< layernorm_backward

//> attention_forward
/* One query: row t of head h of one sequence (qkv (T, 3C), att (NH, T, T), out (T, C)). */
static void tn_attention_row(float *out, float *att, const float *qkv, int t, int h, int T, int C,
                             int hs, float scale) {
    int C3 = 3 * C;
    double e[TN_T_MAX];
    const float *q = qkv + (size_t)t * C3 + h * hs;
    float *a = att + ((size_t)h * T + t) * T;
    /* scores of keys u <= t; later keys are masked out (weight exactly 0) */
    double mx = -INFINITY;
    for (int u = 0; u <= t; u++) {
        e[u] = tn_dot(q, qkv + (size_t)u * C3 + C + h * hs, hs) * scale;
        if (e[u] > mx) mx = e[u];
    }
    double sum = 0;
    for (int u = 0; u <= t; u++) sum += e[u] = mlm_exp(e[u] - mx);
    for (int u = 0; u <= t; u++) a[u] = (float)(e[u] / sum);
    for (int u = t + 1; u < T; u++) a[u] = 0.0f;
    /* the output: the values averaged with those weights */
    float *y = out + (size_t)t * C + h * hs;
    memset(y, 0, sizeof(float) * hs);
    for (int u = 0; u <= t; u++) tn_axpy(y, a[u], qkv + (size_t)u * C3 + 2 * C + h * hs, hs);
}

void tn_attention_forward(float *out, float *att, const float *qkv, int B, int T, int C, int NH) {
    for (int b = 0; b < B; b++)
        tn_attention_forward_rows(out + (size_t)b * T * C, att + (size_t)b * NH * T * T,
                                  qkv + (size_t)b * T * 3 * C, T, C, NH, 0, T);
}

void tn_attention_forward_rows(float *out, float *att, const float *qkv, int T, int C, int NH,
                               int t0, int t1) {
    int hs = C / NH;
    float scale = 1.0f / sqrtf((float)hs);
    for (int t = t0; t < t1; t++)
        for (int h = 0; h < NH; h++) tn_attention_row(out, att, qkv, t, h, T, C, hs, scale);
}
//< attention_forward

//> attention_backward
/* y_t = sum_u a_tu v_u with a_t = softmax(s_t), s_tu = q_t . k_u / sqrt(hs). Backwards:
   dv_u += a_tu dy_t; da_tu = v_u . dy_t; through the softmax ds_tu = a_tu (da_tu - sum_w a_tw da_tw);
   then dq_t += ds_tu k_u / sqrt(hs) and dk_u += ds_tu q_t / sqrt(hs). */
void tn_attention_backward(float *dqkv, const float *dout, const float *qkv, const float *att,
                           int B, int T, int C, int NH) {
    int hs = C / NH, C3 = 3 * C;
    float scale = 1.0f / sqrtf((float)hs);
    float da[TN_T_MAX];
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                const float *q = qkv + ((size_t)b * T + t) * C3 + h * hs;
                float *dq = dqkv + ((size_t)b * T + t) * C3 + h * hs;
                const float *a = att + (((size_t)b * NH + h) * T + t) * T;
                const float *dy = dout + ((size_t)b * T + t) * C + h * hs;
                double s = 0;
                for (int u = 0; u <= t; u++) {
                    size_t r = ((size_t)b * T + u) * C3 + 2 * C + h * hs;
                    da[u] = tn_dot(qkv + r, dy, hs);
                    tn_axpy(dqkv + r, a[u], dy, hs);
                    s += (double)a[u] * da[u];
                }
                for (int u = 0; u <= t; u++) {
                    float ds = (float)(a[u] * (da[u] - s)) * scale;
                    size_t r = ((size_t)b * T + u) * C3 + C + h * hs;
                    tn_axpy(dq, ds, qkv + r, hs);
                    tn_axpy(dqkv + r, ds, q, hs);
                }
            }
}
//< attention_backward

//> gelu
#define TN_GELU_K 0.7978845608028654 /* sqrt(2 / pi) */
void tn_gelu_forward(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) {
        double x = inp[i];
        out[i] = (float)(0.5 * x * (1.0 + mlm_tanh(TN_GELU_K * (x + 0.044715 * x * x * x))));
    }
}

void tn_gelu_backward(float *dinp, const float *inp, const float *dout, int n) {
    for (int i = 0; i < n; i++) {
        double x = inp[i], th = mlm_tanh(TN_GELU_K * (x + 0.044715 * x * x * x));
        double d = 0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * TN_GELU_K * (1.0 + 3 * 0.044715 * x * x);
        dinp[i] += (float)(d * dout[i]);
    }
}
//< gelu

void tn_relu_forward(float *out, const float *inp, int n) {
    for (int i = 0; i < n; i++) out[i] = inp[i] > 0 ? inp[i] : 0.0f;
}

void tn_relu_backward(float *dinp, const float *inp, const float *dout, int n) {
    for (int i = 0; i < n; i++)
        if (inp[i] > 0) dinp[i] += dout[i];
}

//> embed
void tn_embed_forward(float *out, const int32_t *tok, const float *wte, const float *wpe, int B,
                      int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *y = out + ((size_t)b * T + t) * C;
            const float *e = wte + (size_t)tok[b * T + t] * C, *p = wpe + (size_t)t * C;
            for (int c = 0; c < C; c++) y[c] = e[c] + p[c];
        }
}

void tn_embed_backward(float *dwte, float *dwpe, const float *dout, const int32_t *tok, int B,
                       int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *dy = dout + ((size_t)b * T + t) * C;
            tn_axpy(dwte + (size_t)tok[b * T + t] * C, 1.0f, dy, C);
            tn_axpy(dwpe + (size_t)t * C, 1.0f, dy, C);
        }
}
//< embed

void tn_residual_forward(float *out, const float *a, const float *b, int n) {
    for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void tn_residual_backward(float *da, float *db, const float *dout, int n) {
    for (int i = 0; i < n; i++) da[i] += dout[i], db[i] += dout[i];
}

//> xent
/* One row: p = softmax(z) over V <= TN_V_MAX values; returns log sum_v e^{z_v}. */
static double tn_softmax_row(float *p, const float *z, int V) {
    double e[TN_V_MAX], mx = z[0], sum = 0;
    for (int v = 1; v < V; v++)
        if (z[v] > mx) mx = z[v];
    for (int v = 0; v < V; v++) sum += e[v] = mlm_exp(z[v] - mx);
    for (int v = 0; v < V; v++) p[v] = (float)(e[v] / sum);
    return mlm_log(sum) + mx;
}

void tn_softmax_forward(float *probs, const float *logits, int N, int V) {
    for (int n = 0; n < N; n++) tn_softmax_row(probs + (size_t)n * V, logits + (size_t)n * V, V);
}

double tn_xent_forward(float *probs, const float *logits, const int32_t *targets, int N, int V) {
    double total = 0;
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * V;
        /* -log p_target = log sum_v e^{z_v} - z_target, without rounding p first */
        total += tn_softmax_row(probs + (size_t)n * V, z, V) - z[targets[n]];
    }
    return total / N;
}

void tn_xent_backward(float *dlogits, const float *probs, const int32_t *targets, int N, int V) {
    float inv = 1.0f / (float)N;
    for (int n = 0; n < N; n++) {
        const float *p = probs + (size_t)n * V;
        float *d = dlogits + (size_t)n * V;
        for (int v = 0; v < V; v++) d[v] += (p[v] - (v == targets[n] ? 1.0f : 0.0f)) * inv;
    }
}
//< xent

//> adamw
void tn_adamw(float *p, const float *g, float *m, float *v, size_t n, const tn_adamw_hyper *h,
              double b1t, double b2t) {
    double c1 = 1 - b1t, c2 = 1 - b2t; /* bias corrections */
    for (size_t i = 0; i < n; i++) {
        double gi = g[i];
        double mi = h->beta1 * m[i] + (1 - h->beta1) * gi;
        double vi = h->beta2 * v[i] + (1 - h->beta2) * gi * gi;
        m[i] = (float)mi, v[i] = (float)vi;
        double x = p[i];
        x -= h->lr * h->wd * x; /* decoupled decay, then Adam's step */
        x -= h->lr * (mi / c1) / (sqrt(vi / c2) + h->eps);
        p[i] = (float)x;
    }
}
//< adamw
