/* gpt.c: the small transformer of gpt.h, forward and backward, from the layers of tensor.h. */
#include "gpt.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

size_t gpt_num_params(const gpt_config *c) {
    size_t V = c->V, C = c->C, L = c->L, Tm = c->Tm;
    return V * C + Tm * C + L * (2 * C + 3 * C * C + 3 * C + C * C + C + 2 * C + 4 * C * C + 4 * C +
                                 4 * C * C + C) +
           2 * C + V * C + V;
}

void gpt_params_point(gpt_params *p, float *mem, const gpt_config *c) {
    size_t V = c->V, C = c->C, L = c->L, Tm = c->Tm;
    float *m = mem;
#define TAKE(field, n) (p->field = m, m += (n))
    TAKE(wte, V * C);
    TAKE(wpe, Tm * C);
    TAKE(ln1w, L * C);
    TAKE(ln1b, L * C);
    TAKE(qkvw, L * 3 * C * C);
    TAKE(qkvb, L * 3 * C);
    TAKE(projw, L * C * C);
    TAKE(projb, L * C);
    TAKE(ln2w, L * C);
    TAKE(ln2b, L * C);
    TAKE(fcw, L * 4 * C * C);
    TAKE(fcb, L * 4 * C);
    TAKE(fcprojw, L * C * 4 * C);
    TAKE(fcprojb, L * C);
    TAKE(lnfw, C);
    TAKE(lnfb, C);
    TAKE(headw, V * C);
    TAKE(headb, V);
#undef TAKE
}

size_t gpt_num_acts(const gpt_config *c, int B, int T) {
    size_t N = (size_t)B * T, C = c->C, L = c->L, NH = c->NH, V = c->V;
    return N * C + L * (N * C + 2 * N + N * 3 * C + N * C + (size_t)B * NH * T * T + N * C + N * C +
                        N * C + 2 * N + 2 * N * 4 * C + N * C + N * C) +
           N * C + 2 * N + 2 * N * V;
}

void gpt_acts_point(gpt_acts *a, float *mem, const gpt_config *c, int B, int T) {
    size_t N = (size_t)B * T, C = c->C, L = c->L, NH = c->NH, V = c->V;
    float *m = mem;
#define TAKE(field, n) (a->field = m, m += (n))
    TAKE(encoded, N * C);
    TAKE(ln1, L * N * C);
    TAKE(ln1_mean, L * N);
    TAKE(ln1_rstd, L * N);
    TAKE(qkv, L * N * 3 * C);
    TAKE(atty, L * N * C);
    TAKE(att, L * B * NH * T * T);
    TAKE(attproj, L * N * C);
    TAKE(res2, L * N * C);
    TAKE(ln2, L * N * C);
    TAKE(ln2_mean, L * N);
    TAKE(ln2_rstd, L * N);
    TAKE(fch, L * N * 4 * C);
    TAKE(fch_gelu, L * N * 4 * C);
    TAKE(fcproj, L * N * C);
    TAKE(res3, L * N * C);
    TAKE(lnf, N * C);
    TAKE(lnf_mean, N);
    TAKE(lnf_rstd, N);
    TAKE(logits, N * V);
    TAKE(probs, N * V);
#undef TAKE
}

void gpt_init(const gpt_config *c, float *params, mlm_rng *rng) {
    gpt_params p;
    gpt_params_point(&p, params, c);
    size_t n = gpt_num_params(c), C = c->C, L = c->L;
    for (size_t i = 0; i < n; i++) params[i] = (float)(0.02 * mlm_rng_normal(rng));
    float res_scale = (float)(1.0 / sqrt(2.0 * c->L));
    for (size_t i = 0; i < L * C * C; i++) p.projw[i] *= res_scale;
    for (size_t i = 0; i < L * C * 4 * C; i++) p.fcprojw[i] *= res_scale;
    for (size_t i = 0; i < L * C; i++) {
        p.ln1w[i] = p.ln2w[i] = 1.0f;
        p.ln1b[i] = p.ln2b[i] = p.projb[i] = p.fcprojb[i] = 0.0f;
    }
    for (size_t i = 0; i < L * 3 * C; i++) p.qkvb[i] = 0.0f;
    for (size_t i = 0; i < L * 4 * C; i++) p.fcb[i] = 0.0f;
    for (size_t i = 0; i < C; i++) p.lnfw[i] = 1.0f, p.lnfb[i] = 0.0f;
    for (int i = 0; i < c->V; i++) p.headb[i] = 0.0f;
}

//> gpt_forward
double gpt_forward(const gpt_config *c, const float *params, float *actmem, const int32_t *tok,
                   const int32_t *targets, int B, int T) {
    gpt_params p;
    gpt_acts a;
    gpt_params_point(&p, (float *)params, c);
    gpt_acts_point(&a, actmem, c, B, T);
    int N = B * T, C = c->C, NH = c->NH, V = c->V;
    size_t NC = (size_t)N * C;
    tn_embed_forward(a.encoded, tok, p.wte, p.wpe, B, T, C);
    const float *x = a.encoded; /* the residual stream */
    for (int l = 0; l < c->L; l++) {
        float *ln1 = a.ln1 + l * NC, *qkv = a.qkv + l * 3 * NC, *atty = a.atty + l * NC;
        float *att = a.att + (size_t)l * B * NH * T * T, *attproj = a.attproj + l * NC;
        float *res2 = a.res2 + l * NC, *ln2 = a.ln2 + l * NC, *fch = a.fch + l * 4 * NC;
        float *fch_gelu = a.fch_gelu + l * 4 * NC, *fcproj = a.fcproj + l * NC, *res3 = a.res3 + l * NC;
        tn_layernorm_forward(ln1, a.ln1_mean + l * N, a.ln1_rstd + l * N, x, p.ln1w + l * C,
                             p.ln1b + l * C, N, C);
        tn_matmul_forward(qkv, ln1, p.qkvw + (size_t)l * 3 * C * C, p.qkvb + l * 3 * C, N, C, 3 * C);
        tn_attention_forward(atty, att, qkv, B, T, C, NH);
        tn_matmul_forward(attproj, atty, p.projw + (size_t)l * C * C, p.projb + l * C, N, C, C);
        tn_residual_forward(res2, x, attproj, (int)NC);
        tn_layernorm_forward(ln2, a.ln2_mean + l * N, a.ln2_rstd + l * N, res2, p.ln2w + l * C,
                             p.ln2b + l * C, N, C);
        tn_matmul_forward(fch, ln2, p.fcw + (size_t)l * 4 * C * C, p.fcb + l * 4 * C, N, C, 4 * C);
        if (c->act == GPT_RELU) tn_relu_forward(fch_gelu, fch, (int)(4 * NC));
        else tn_gelu_forward(fch_gelu, fch, (int)(4 * NC));
        tn_matmul_forward(fcproj, fch_gelu, p.fcprojw + (size_t)l * 4 * C * C, p.fcprojb + l * C,
                          N, 4 * C, C);
        tn_residual_forward(res3, res2, fcproj, (int)NC);
        x = res3;
    }
    tn_layernorm_forward(a.lnf, a.lnf_mean, a.lnf_rstd, x, p.lnfw, p.lnfb, N, C);
    tn_matmul_forward(a.logits, a.lnf, p.headw, p.headb, N, C, V);
    if (!targets) {
        tn_softmax_forward(a.probs, a.logits, N, V);
        return 0;
    }
    return tn_xent_forward(a.probs, a.logits, targets, N, V);
}
//< gpt_forward

//> gpt_backward
void gpt_backward(const gpt_config *c, const float *params, float *grads, const float *actmem,
                  float *gradmem, const int32_t *tok, const int32_t *targets, int B, int T) {
    gpt_params p, g;
    gpt_acts a, d;
    gpt_params_point(&p, (float *)params, c);
    gpt_params_point(&g, grads, c);
    gpt_acts_point(&a, (float *)actmem, c, B, T);
    gpt_acts_point(&d, gradmem, c, B, T);
    memset(gradmem, 0, sizeof(float) * gpt_num_acts(c, B, T));
    int N = B * T, C = c->C, NH = c->NH, V = c->V, L = c->L;
    size_t NC = (size_t)N * C;
    tn_xent_backward(d.logits, a.probs, targets, N, V);
    tn_matmul_backward(d.lnf, g.headw, g.headb, d.logits, a.lnf, p.headw, N, C, V);
    const float *xl = L > 0 ? a.res3 + (L - 1) * NC : a.encoded;
    float *dxl = L > 0 ? d.res3 + (L - 1) * NC : d.encoded;
    tn_layernorm_backward(dxl, g.lnfw, g.lnfb, d.lnf, xl, p.lnfw, a.lnf_mean, a.lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const float *x = l ? a.res3 + (l - 1) * NC : a.encoded; /* the stream entering block l */
        float *dx = l ? d.res3 + (l - 1) * NC : d.encoded;
        size_t o1 = l * NC, o3 = 3 * o1, o4 = 4 * o1, oa = (size_t)l * B * NH * T * T;
        /* x2 = x1 + fcproj(gelu(fc(ln2(x1)))), x1 = x + proj(att(ln1(x))) */
        tn_residual_backward(d.res2 + o1, d.fcproj + o1, d.res3 + o1, (int)NC);
        tn_matmul_backward(d.fch_gelu + o4, g.fcprojw + (size_t)l * 4 * C * C, g.fcprojb + l * C,
                           d.fcproj + o1, a.fch_gelu + o4, p.fcprojw + (size_t)l * 4 * C * C, N,
                           4 * C, C);
        if (c->act == GPT_RELU) tn_relu_backward(d.fch + o4, a.fch + o4, d.fch_gelu + o4, (int)(4 * NC));
        else tn_gelu_backward(d.fch + o4, a.fch + o4, d.fch_gelu + o4, (int)(4 * NC));
        tn_matmul_backward(d.ln2 + o1, g.fcw + (size_t)l * 4 * C * C, g.fcb + l * 4 * C, d.fch + o4,
                           a.ln2 + o1, p.fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        tn_layernorm_backward(d.res2 + o1, g.ln2w + l * C, g.ln2b + l * C, d.ln2 + o1, a.res2 + o1,
                              p.ln2w + l * C, a.ln2_mean + l * N, a.ln2_rstd + l * N, N, C);
        tn_residual_backward(dx, d.attproj + o1, d.res2 + o1, (int)NC);
        tn_matmul_backward(d.atty + o1, g.projw + (size_t)l * C * C, g.projb + l * C,
                           d.attproj + o1, a.atty + o1, p.projw + (size_t)l * C * C, N, C, C);
        tn_attention_backward(d.qkv + o3, d.atty + o1, a.qkv + o3, a.att + oa, B, T, C, NH);
        tn_matmul_backward(d.ln1 + o1, g.qkvw + (size_t)l * 3 * C * C, g.qkvb + l * 3 * C,
                           d.qkv + o3, a.ln1 + o1, p.qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        tn_layernorm_backward(dx, g.ln1w + l * C, g.ln1b + l * C, d.ln1 + o1, x, p.ln1w + l * C,
                              a.ln1_mean + l * N, a.ln1_rstd + l * N, N, C);
    }
    tn_embed_backward(g.wte, g.wpe, d.encoded, tok, B, T, C);
}
//< gpt_backward

//> gpt_forward_rows
/* One sequence, rows t0 <= t < t1 only, every operation applied to those rows alone: all of them
   act on each position separately except attention, which reads the keys and values of the
   earlier rows, already in the work space. */
void gpt_forward_rows(const gpt_config *c, const float *params, float *actmem, const int32_t *tok,
                      int T, int t0, int t1) {
    gpt_params p;
    gpt_acts a;
    gpt_params_point(&p, (float *)params, c);
    gpt_acts_point(&a, actmem, c, 1, T);
    int C = c->C, NH = c->NH, V = c->V, n = t1 - t0;
    size_t NC = (size_t)T * C, r = (size_t)t0 * C;
    tn_embed_forward(a.encoded + r, tok + t0, p.wte, p.wpe + r, 1, n, C);
    const float *x = a.encoded;
    for (int l = 0; l < c->L; l++) {
        float *ln1 = a.ln1 + l * NC, *qkv = a.qkv + l * 3 * NC, *atty = a.atty + l * NC;
        float *att = a.att + (size_t)l * NH * T * T, *attproj = a.attproj + l * NC;
        float *res2 = a.res2 + l * NC, *ln2 = a.ln2 + l * NC, *fch = a.fch + l * 4 * NC;
        float *fch_gelu = a.fch_gelu + l * 4 * NC, *fcproj = a.fcproj + l * NC, *res3 = a.res3 + l * NC;
        tn_layernorm_forward(ln1 + r, a.ln1_mean + l * T + t0, a.ln1_rstd + l * T + t0, x + r,
                             p.ln1w + l * C, p.ln1b + l * C, n, C);
        tn_matmul_forward(qkv + 3 * r, ln1 + r, p.qkvw + (size_t)l * 3 * C * C, p.qkvb + l * 3 * C, n, C, 3 * C);
        tn_attention_forward_rows(atty, att, qkv, T, C, NH, t0, t1);
        tn_matmul_forward(attproj + r, atty + r, p.projw + (size_t)l * C * C, p.projb + l * C, n, C, C);
        tn_residual_forward(res2 + r, x + r, attproj + r, n * C);
        tn_layernorm_forward(ln2 + r, a.ln2_mean + l * T + t0, a.ln2_rstd + l * T + t0, res2 + r,
                             p.ln2w + l * C, p.ln2b + l * C, n, C);
        tn_matmul_forward(fch + 4 * r, ln2 + r, p.fcw + (size_t)l * 4 * C * C, p.fcb + l * 4 * C, n, C, 4 * C);
        if (c->act == GPT_RELU) tn_relu_forward(fch_gelu + 4 * r, fch + 4 * r, 4 * n * C);
        else tn_gelu_forward(fch_gelu + 4 * r, fch + 4 * r, 4 * n * C);
        tn_matmul_forward(fcproj + r, fch_gelu + 4 * r, p.fcprojw + (size_t)l * 4 * C * C,
                          p.fcprojb + l * C, n, 4 * C, C);
        tn_residual_forward(res3 + r, res2 + r, fcproj + r, n * C);
        x = res3;
    }
    tn_layernorm_forward(a.lnf + r, a.lnf_mean + t0, a.lnf_rstd + t0, x + r, p.lnfw, p.lnfb, n, C);
    tn_matmul_forward(a.logits + (size_t)t0 * V, a.lnf + r, p.headw, p.headb, n, C, V);
    tn_softmax_forward(a.probs + (size_t)t0 * V, a.logits + (size_t)t0 * V, n, V);
}
//< gpt_forward_rows
