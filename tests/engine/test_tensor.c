/* test_tensor.c: the transformer's layers (engine/core/tensor.c) against mathematics: every
 * forward pass against a direct double-precision evaluation of its formula, every backward pass
 * against central finite differences of a scalar loss, the attention's rows summing to one with
 * exact zeros above the diagonal, and AdamW's first step in closed form.
 *
 * The finite differences. Each layer maps x to y; the test takes the scalar
 * loss(x) = sum_i r_i y_i(x) with fixed random r_i (so every output's gradient matters and none
 * cancel by symmetry), summed in double. The layers compute in float32, so a central difference
 * with step h carries a rounding error of about eps_32 sqrt(#outputs) / h ~ 1e-5 at h = 1e-2,
 * and a truncation error of order h^2 f''' ~ 1e-4: a tolerance of 2e-3 relative to max(1, |g|)
 * passes every correct gradient and fails any wrong term (they are off by O(1)). */
#include "../../engine/core/tensor.c"

#include <stdlib.h>

#include "check.h"

static mlm_rng rng;

static void fill(float *x, int n, double s) {
    for (int i = 0; i < n; i++) x[i] = (float)(s * mlm_rng_normal(&rng));
}

static double dotr(const float *y, const double *r, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += r[i] * y[i];
    return s;
}

#define FD_H 1e-2f
#define FD_TOL 2e-3

/* A layer under test: forward(x) -> y, with the loss sum r_i y_i. */
typedef double (*loss_fn)(void *ctx);

/* Central difference of loss with respect to v[i], compared with the analytic g. */
static int fd_check(const char *what, loss_fn f, void *ctx, float *v, const float *g, int n,
                    int stride) {
    int bad = 0;
    for (int i = 0; i < n; i += stride) {
        float keep = v[i];
        v[i] = keep + FD_H;
        double lp = f(ctx);
        v[i] = keep - FD_H;
        double lm = f(ctx);
        v[i] = keep;
        double fd = (lp - lm) / (2.0 * (double)FD_H);
        double tol = FD_TOL * fmax(1.0, fabs(fd));
        if (fabs(fd - g[i]) > tol) {
            if (bad < 3) fprintf(stderr, "%s[%d]: analytic %.6g, finite difference %.6g\n", what, i, g[i], fd);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %d gradient entries off", what, bad);
    return bad;
}

/* ---- matmul ---- */
enum { MN = 5, MC = 7, MO = 6 }; /* C = 7: the vector loop's tail is exercised too */
static float m_x[MN * MC], m_w[MO * MC], m_b[MO], m_y[MN * MO];
static double m_r[MN * MO];
static double m_loss(void *ctx) {
    (void)ctx;
    tn_matmul_forward(m_y, m_x, m_w, m_b, MN, MC, MO);
    return dotr(m_y, m_r, MN * MO);
}

static void test_matmul(void) {
    fill(m_x, MN * MC, 1), fill(m_w, MO * MC, 1), fill(m_b, MO, 1);
    for (int i = 0; i < MN * MO; i++) m_r[i] = mlm_rng_normal(&rng);
    m_loss(NULL);
    double worst = 0;
    for (int n = 0; n < MN; n++)
        for (int o = 0; o < MO; o++) {
            double s = m_b[o];
            for (int c = 0; c < MC; c++) s += (double)m_x[n * MC + c] * m_w[o * MC + c];
            worst = fmax(worst, fabs(s - m_y[n * MO + o]));
        }
    CHECK(worst < 1e-5, "matmul differs from the double sum by %g", worst);
    /* blocked (4 outputs at a time) and unblocked give the same bits */
    float y1[MN * 1];
    for (int n = 0; n < MN; n++) {
        tn_matmul_forward(y1, m_x + n * MC, m_w + 5 * MC, m_b + 5, 1, MC, 1);
        CHECK(y1[0] == m_y[n * MO + 5], "the unblocked output differs");
        tn_matmul_forward(y1, m_x + n * MC, m_w + 1 * MC, m_b + 1, 1, MC, 1);
        CHECK(y1[0] == m_y[n * MO + 1], "the blocked output differs from a lone one");
    }
    float dx[MN * MC] = {0}, dw[MO * MC] = {0}, db[MO] = {0}, dy[MN * MO];
    for (int i = 0; i < MN * MO; i++) dy[i] = (float)m_r[i];
    tn_matmul_backward(dx, dw, db, dy, m_x, m_w, MN, MC, MO);
    fd_check("matmul dx", m_loss, NULL, m_x, dx, MN * MC, 1);
    fd_check("matmul dw", m_loss, NULL, m_w, dw, MO * MC, 1);
    fd_check("matmul db", m_loss, NULL, m_b, db, MO, 1);
}

/* ---- layer norm ---- */
enum { LN = 4, LC = 9 };
static float l_x[LN * LC], l_w[LC], l_b[LC], l_y[LN * LC], l_mean[LN], l_rstd[LN];
static double l_r[LN * LC];
static double l_loss(void *ctx) {
    (void)ctx;
    tn_layernorm_forward(l_y, l_mean, l_rstd, l_x, l_w, l_b, LN, LC);
    return dotr(l_y, l_r, LN * LC);
}

static void test_layernorm(void) {
    fill(l_x, LN * LC, 2), fill(l_w, LC, 1), fill(l_b, LC, 1);
    for (int i = 0; i < LN * LC; i++) l_r[i] = mlm_rng_normal(&rng);
    /* with gain 1 and bias 0 every row comes out with mean 0 and variance 1 (up to the 1e-5) */
    float one[LC], zero[LC] = {0};
    for (int c = 0; c < LC; c++) one[c] = 1;
    tn_layernorm_forward(l_y, l_mean, l_rstd, l_x, one, zero, LN, LC);
    for (int n = 0; n < LN; n++) {
        double m = 0, v = 0;
        for (int c = 0; c < LC; c++) m += l_y[n * LC + c];
        m /= LC;
        for (int c = 0; c < LC; c++) v += (l_y[n * LC + c] - m) * (l_y[n * LC + c] - m);
        v /= LC;
        CHECK_NEAR(m, 0, 1e-6);
        CHECK_NEAR(v, 1, 1e-3);
    }
    l_loss(NULL);
    float dx[LN * LC] = {0}, dw[LC] = {0}, db[LC] = {0}, dy[LN * LC];
    for (int i = 0; i < LN * LC; i++) dy[i] = (float)l_r[i];
    tn_layernorm_backward(dx, dw, db, dy, l_x, l_w, l_mean, l_rstd, LN, LC);
    fd_check("layernorm dx", l_loss, NULL, l_x, dx, LN * LC, 1);
    fd_check("layernorm dweight", l_loss, NULL, l_w, dw, LC, 1);
    fd_check("layernorm dbias", l_loss, NULL, l_b, db, LC, 1);
}

/* ---- attention ---- */
enum { AB = 2, AT = 6, AC = 8, AH = 2 };
static float a_qkv[AB * AT * 3 * AC], a_y[AB * AT * AC], a_att[AB * AH * AT * AT];
static double a_r[AB * AT * AC];
static double a_loss(void *ctx) {
    (void)ctx;
    tn_attention_forward(a_y, a_att, a_qkv, AB, AT, AC, AH);
    return dotr(a_y, a_r, AB * AT * AC);
}

static void test_attention(void) {
    fill(a_qkv, AB * AT * 3 * AC, 1);
    for (int i = 0; i < AB * AT * AC; i++) a_r[i] = mlm_rng_normal(&rng);
    a_loss(NULL);
    int hs = AC / AH;
    double worst_sum = 0, worst_y = 0;
    int masked = 0;
    for (int b = 0; b < AB; b++)
        for (int h = 0; h < AH; h++)
            for (int t = 0; t < AT; t++) {
                const float *a = a_att + ((b * AH + h) * AT + t) * AT;
                double s = 0;
                for (int u = 0; u < AT; u++) s += a[u];
                worst_sum = fmax(worst_sum, fabs(s - 1));
                for (int u = t + 1; u < AT; u++) masked += a[u] != 0.0f;
                /* the definition in double: softmax(q.k / sqrt(hs)) over u <= t, then sum a v */
                double e[AT], z = 0, mx = -1e300;
                const float *q = a_qkv + (b * AT + t) * 3 * AC + h * hs;
                for (int u = 0; u <= t; u++) {
                    const float *k = a_qkv + (b * AT + u) * 3 * AC + AC + h * hs;
                    e[u] = 0;
                    for (int i = 0; i < hs; i++) e[u] += (double)q[i] * k[i];
                    e[u] /= sqrt((double)hs);
                    mx = fmax(mx, e[u]);
                }
                for (int u = 0; u <= t; u++) z += e[u] = exp(e[u] - mx);
                for (int i = 0; i < hs; i++) {
                    double y = 0;
                    for (int u = 0; u <= t; u++) y += e[u] / z * a_qkv[(b * AT + u) * 3 * AC + 2 * AC + h * hs + i];
                    worst_y = fmax(worst_y, fabs(y - a_y[(b * AT + t) * AC + h * hs + i]));
                }
            }
    CHECK(worst_sum < 1e-6, "an attention row sums to 1 + %g", worst_sum);
    CHECK(masked == 0, "%d weights on later positions are not exactly zero", masked);
    CHECK(worst_y < 1e-5, "attention output differs from the definition by %g", worst_y);
    float dqkv[AB * AT * 3 * AC] = {0}, dy[AB * AT * AC];
    for (int i = 0; i < AB * AT * AC; i++) dy[i] = (float)a_r[i];
    tn_attention_backward(dqkv, dy, a_qkv, a_att, AB, AT, AC, AH);
    fd_check("attention dqkv", a_loss, NULL, a_qkv, dqkv, AB * AT * 3 * AC, 1);
    /* causality: changing position 3's query, key or value leaves outputs 0..2 as they were */
    float before[AB * AT * AC];
    memcpy(before, a_y, sizeof before);
    for (int i = 0; i < 3 * AC; i++) a_qkv[3 * 3 * AC + i] += 1.0f;
    a_loss(NULL);
    int changed = 0;
    for (int t = 0; t < 3; t++)
        for (int i = 0; i < AC; i++) changed += a_y[t * AC + i] != before[t * AC + i];
    CHECK(changed == 0, "%d earlier outputs changed with a later position", changed);
    for (int i = 0; i < 3 * AC; i++) a_qkv[3 * 3 * AC + i] -= 1.0f;
}

/* ---- GELU and ReLU ---- */
enum { GN = 40 };
static float g_x[GN], g_y[GN];
static double g_r[GN];
static int g_relu;
static double g_loss(void *ctx) {
    (void)ctx;
    if (g_relu) tn_relu_forward(g_y, g_x, GN);
    else tn_gelu_forward(g_y, g_x, GN);
    return dotr(g_y, g_r, GN);
}

static void test_activations(void) {
    for (int i = 0; i < GN; i++) g_x[i] = (float)(-4 + 8.0 * i / (GN - 1) + 0.013), g_r[i] = mlm_rng_normal(&rng);
    g_loss(NULL);
    for (int i = 0; i < GN; i++) {
        double x = g_x[i], ref = 0.5 * x * (1 + tanh(sqrt(2 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
        CHECK_NEAR(g_y[i], ref, 1e-6);
    }
    float dx[GN] = {0}, dy[GN];
    for (int i = 0; i < GN; i++) dy[i] = (float)g_r[i];
    tn_gelu_backward(dx, g_x, dy, GN);
    fd_check("gelu dx", g_loss, NULL, g_x, dx, GN, 1);
    g_relu = 1;
    memset(dx, 0, sizeof dx);
    g_loss(NULL);
    for (int i = 0; i < GN; i++) CHECK(g_y[i] == (g_x[i] > 0 ? g_x[i] : 0), "relu(%g)", g_x[i]);
    tn_relu_backward(dx, g_x, dy, GN);
    fd_check("relu dx", g_loss, NULL, g_x, dx, GN, 1); /* no input sits within h of the kink */
    g_relu = 0;
}

/* ---- embedding ---- */
enum { EB = 2, ET = 3, EC = 5, EV = 4 };
static float e_wte[EV * EC], e_wpe[ET * EC], e_y[EB * ET * EC];
static const int32_t e_tok[EB * ET] = {1, 3, 1, 0, 1, 2}; /* token 1 three times: its rows add */
static double e_r[EB * ET * EC];
static double e_loss(void *ctx) {
    (void)ctx;
    tn_embed_forward(e_y, e_tok, e_wte, e_wpe, EB, ET, EC);
    return dotr(e_y, e_r, EB * ET * EC);
}

static void test_embed(void) {
    fill(e_wte, EV * EC, 1), fill(e_wpe, ET * EC, 1);
    for (int i = 0; i < EB * ET * EC; i++) e_r[i] = mlm_rng_normal(&rng);
    e_loss(NULL);
    CHECK(e_y[(1 * ET + 2) * EC + 4] == e_wte[2 * EC + 4] + e_wpe[2 * EC + 4], "embedding sum");
    float dwte[EV * EC] = {0}, dwpe[ET * EC] = {0}, dy[EB * ET * EC];
    for (int i = 0; i < EB * ET * EC; i++) dy[i] = (float)e_r[i];
    tn_embed_backward(dwte, dwpe, dy, e_tok, EB, ET, EC);
    fd_check("embed dwte", e_loss, NULL, e_wte, dwte, EV * EC, 1);
    fd_check("embed dwpe", e_loss, NULL, e_wpe, dwpe, ET * EC, 1);
}

/* ---- softmax cross-entropy ---- */
enum { XN = 4, XV = 6 };
static float x_z[XN * XV], x_p[XN * XV];
static const int32_t x_t[XN] = {0, 5, 2, 2};
static double x_loss(void *ctx) {
    (void)ctx;
    return tn_xent_forward(x_p, x_z, x_t, XN, XV);
}

static void test_xent(void) {
    fill(x_z, XN * XV, 2);
    x_z[7] = 80.0f; /* a large logit: no overflow */
    double loss = x_loss(NULL), ref = 0;
    for (int n = 0; n < XN; n++) {
        double mx = -1e300, s = 0, ps = 0;
        for (int v = 0; v < XV; v++) mx = fmax(mx, x_z[n * XV + v]);
        for (int v = 0; v < XV; v++) s += exp(x_z[n * XV + v] - mx);
        ref += log(s) + mx - x_z[n * XV + x_t[n]];
        for (int v = 0; v < XV; v++) ps += x_p[n * XV + v];
        CHECK_NEAR(ps, 1, 1e-6);
    }
    CHECK_NEAR(loss, ref / XN, 1e-9);
    float soft[XN * XV];
    tn_softmax_forward(soft, x_z, XN, XV);
    for (int i = 0; i < XN * XV; i++) CHECK(soft[i] == x_p[i], "softmax differs from the cross-entropy's");
    float dz[XN * XV] = {0};
    tn_xent_backward(dz, x_p, x_t, XN, XV);
    for (int n = 0; n < XN; n++) {
        double s = 0;
        for (int v = 0; v < XV; v++) s += dz[n * XV + v];
        CHECK_NEAR(s, 0, 1e-7); /* probabilities minus a one-hot: each row sums to zero */
    }
    fd_check("xent dlogits", x_loss, NULL, x_z, dz, XN * XV, 1);
}

/* ---- AdamW ---- */
static void test_adamw(void) {
    enum { n = 5 };
    float p[n] = {1, -2, 0.5f, 3, -0.25f}, g[n] = {0.3f, -4, 1e-3f, 0, 2}, m[n] = {0}, v[n] = {0};
    float p0[n];
    memcpy(p0, p, sizeof p);
    tn_adamw_hyper h = {0.01, 0.9, 0.999, 1e-8, 0.1};
    tn_adamw(p, g, m, v, n, &h, 0.9, 0.999);
    /* first step from zero moments: m^ = g, v^ = g^2, so the step is lr g / (|g| + eps), about
       lr sign(g), after the decay p (1 - lr wd) */
    for (int i = 0; i < n; i++) {
        double d = p0[i] * (1 - h.lr * h.wd), gi = g[i];
        double want = d - h.lr * gi / (fabs(gi) + h.eps);
        CHECK_NEAR(p[i], want, 1e-6);
    }
    /* a constant gradient keeps m^ = g and v^ = g^2 at every step: each step is lr sign(g) */
    float q[1] = {0}, gq[1] = {0.5f}, mq[1] = {0}, vq[1] = {0};
    tn_adamw_hyper h0 = {0.01, 0.9, 0.999, 0, 0};
    double b1t = 1, b2t = 1;
    for (int t = 0; t < 50; t++) {
        b1t *= h0.beta1, b2t *= h0.beta2;
        tn_adamw(q, gq, mq, vq, 1, &h0, b1t, b2t);
    }
    CHECK_NEAR(q[0], -0.5, 1e-4);
}

int main(void) {
    mlm_rng_seed(&rng, 2026, 15);
    test_matmul();
    test_layernorm();
    test_attention();
    test_activations();
    test_embed();
    test_xent();
    test_adamw();
    return CHECK_DONE("test_tensor");
}
