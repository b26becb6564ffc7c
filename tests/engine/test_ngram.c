/* test_ngram.c: the n-gram model against brute force and against its own mathematics.
 *  - the counts equal a scan of the sequence, for every m-gram of a small alphabet;
 *  - add-k equals (c(h,w) + k) / (c(h) + kV) and interpolation equals its recursion, both
 *    computed here from scanned counts;
 *  - for every context (seen or not), order, smoothing and k, the next-token probabilities sum
 *    to one, and ngram_dist agrees with ngram_prob;
 *  - add-k (k > 0) leaves no zero probability; k = 0 does, and then the cross-entropy is infinite;
 *  - the uniform model's perplexity is V, and add-k with a huge k tends to it;
 *  - temperature 1 leaves p alone, T -> 0 gives the most likely token, and draws follow the
 *    tempered distribution (frequencies within 5 standard deviations);
 *  - on the shipped novel, the same sums for contexts from the held-out text. */
#include "../../engine/core/ngram.c"

#include <stdlib.h>

#include "austen.h"
#include "check.h"

/* a malloc arena: every block is kept and freed at the end */
static void *blocks[4096];
static int n_blocks;
static void *heap_fn(void *ctx, size_t bytes) {
    (void)ctx;
    if (n_blocks >= 4096) return NULL;
    void *p = calloc(1, bytes ? bytes : 1);
    blocks[n_blocks++] = p;
    return p;
}
static void heap_free(void) {
    for (int i = 0; i < n_blocks; i++) free(blocks[i]);
    n_blocks = 0;
}
static const ngram_alloc heap = {heap_fn, NULL};

/* c(h w) by scanning: occurrences of the m tokens g[0 .. m) in tok */
static long scan(const int32_t *tok, long len, const int32_t *g, int m) {
    long c = 0;
    for (long i = 0; i + m <= len; i++) {
        int ok = 1;
        for (int j = 0; j < m && ok; j++) ok = tok[i + j] == g[j];
        c += ok;
    }
    return c;
}

/* c(h) by scanning: occurrences of h[0 .. m-1) followed by some token */
static long scan_ctx(const int32_t *tok, long len, const int32_t *h, int m) {
    long c = 0;
    for (long i = 0; i + m <= len; i++) {
        int ok = 1;
        for (int j = 0; j < m - 1 && ok; j++) ok = tok[i + j] == h[j];
        c += ok;
    }
    return c;
}

/* p_m(w | h) by the recursion of ngram.h, from scanned counts (ctx has exactly order - 1 tokens
   available at its end, clen of them) */
static double brute_prob(const int32_t *tok, long len, int V, const int32_t *ctx, long clen, int w,
                         int order, int interp, double k) {
    int M = order;
    if (clen + 1 < M) M = (int)clen + 1;
    double p = 1.0 / V;
    for (int m = 1; m <= M; m++) {
        int32_t gram[16];
        for (int j = 0; j < m - 1; j++) gram[j] = ctx[clen - (m - 1) + j];
        gram[m - 1] = w;
        double c = (double)scan(tok, len, gram, m), ch = (double)scan_ctx(tok, len, gram, m);
        double q = interp ? p : 1.0 / V;
        p = ch + k * V > 0 ? (c + k * V * q) / (ch + k * V) : q;
    }
    return p;
}

static void small_alphabet(void) {
    /* V = 4, a sequence of 300 tokens from a fixed generator, with token 3 rare */
    enum { V = 4, LEN = 300, N = 4 };
    int32_t tok[LEN];
    mlm_rng r;
    mlm_rng_seed(&r, 7, 1);
    for (int i = 0; i < LEN; i++) {
        uint32_t u = mlm_rng_below(&r, 10);
        tok[i] = u < 4 ? 0 : u < 7 ? 1 : u < 9 ? 2 : 3;
    }
    ngram_model g;
    CHECK(ngram_fit(&g, tok, LEN, V, N, heap) == 0, "fit");
    CHECK(g.total == LEN, "total %ld", g.total);
    /* every m-gram over the alphabet, m = 1..N: counts equal the scan */
    long bad = 0, distinct[N + 1] = {0};
    for (int m = 1; m <= N; m++) {
        int combos = 1;
        for (int j = 0; j < m; j++) combos *= V;
        for (int c = 0; c < combos; c++) {
            int32_t gram[N];
            for (int j = m - 1, x = c; j >= 0; j--, x /= V) gram[j] = x % V;
            long ch, cw = ngram_count(&g, m, gram, gram[m - 1], &ch);
            bad += cw != scan(tok, LEN, gram, m) || ch != scan_ctx(tok, LEN, gram, m);
            distinct[m] += cw > 0;
        }
        CHECK(distinct[m] == g.D[m], "order %d: %ld distinct scanned, %ld stored", m, distinct[m], g.D[m]);
    }
    CHECK(bad == 0, "%ld counts differ from the scan", bad);
    CHECK(g.D[N] < 256, "some 4-grams never occur (%ld of 256 seen)", g.D[N]);

    /* probabilities: recursion, sums, dist = prob, no zeros for k > 0 */
    const double ks[] = {0, 0.01, 0.5, 1, 20};
    long sum_bad = 0, rec_bad = 0, dist_bad = 0, zeros = 0, ml_zeros = 0;
    for (int s = 0; s < 2; s++)
        for (int ki = 0; ki < 5; ki++)
            for (int order = 0; order <= N; order++)
                for (int clen = 0; clen <= N; clen++) {
                    int combos = 1;
                    for (int j = 0; j < clen; j++) combos *= V;
                    for (int c = 0; c < combos; c++) {
                        int32_t ctx[N + 1];
                        for (int j = clen - 1, x = c; j >= 0; j--, x /= V) ctx[j] = x % V;
                        double p[V], sum = 0;
                        ngram_dist(&g, ctx, clen, order, (ngram_smoothing)s, ks[ki], p);
                        for (int w = 0; w < V; w++) {
                            double pw = ngram_prob(&g, ctx, clen, w, order, (ngram_smoothing)s, ks[ki]);
                            double bw = brute_prob(tok, LEN, V, ctx, clen, w, order, s, ks[ki]);
                            rec_bad += fabs(pw - bw) > 1e-12;
                            dist_bad += fabs(pw - p[w]) > 1e-12;
                            sum += pw;
                            if (ks[ki] > 0) zeros += !(pw > 0);
                            else ml_zeros += pw == 0;
                        }
                        sum_bad += fabs(sum - 1) > 1e-12;
                    }
                }
    CHECK(rec_bad == 0, "%ld probabilities differ from the recursion on scanned counts", rec_bad);
    CHECK(dist_bad == 0, "%ld ngram_dist entries differ from ngram_prob", dist_bad);
    CHECK(sum_bad == 0, "%ld contexts whose probabilities do not sum to one", sum_bad);
    CHECK(zeros == 0, "%ld zero probabilities with k > 0", zeros);
    CHECK(ml_zeros > 0, "the maximum-likelihood model (k = 0) gives unseen n-grams probability 0");

    /* add-k closed form for a seen bigram context */
    int32_t h[1] = {0};
    long ch, c01 = ngram_count(&g, 2, h, 1, &ch);
    CHECK_NEAR(ngram_prob(&g, h, 1, 1, 2, NGRAM_ADDK, 0.3), (c01 + 0.3) / (ch + 0.3 * V), 1e-15);
    CHECK_NEAR(ngram_prob(&g, h, 1, 1, 2, NGRAM_ADDK, 0), (double)c01 / ch, 1e-15);

    /* k = 0 and an unseen 4-gram: infinite cross-entropy */
    int32_t unseen[N];
    int found = 0;
    for (int c = 0; c < 256 && !found; c++) {
        for (int j = N - 1, x = c; j >= 0; j--, x /= V) unseen[j] = x % V;
        long cc;
        found = ngram_count(&g, N, unseen, unseen[N - 1], &cc) == 0 && cc > 0;
    }
    CHECK(found, "an unseen 4-gram after a seen context");
    CHECK(isinf(ngram_nats(&g, unseen, N, N, NGRAM_ADDK, 0)), "k = 0 pays infinitely for an unseen 4-gram");
    CHECK(isfinite(ngram_nats(&g, unseen, N, N, NGRAM_ADDK, 1e-3)), "add-k pays finitely");

    /* the uniform model: perplexity V exactly; add-k with a huge k nearly so */
    CHECK_REL(ngram_perplexity(ngram_cross_entropy(&g, tok, LEN, 0, NGRAM_ADDK, 1)), V, 1e-12);
    CHECK_REL(ngram_perplexity(ngram_cross_entropy(&g, tok, LEN, 3, NGRAM_ADDK, 1e9)), V, 1e-6);
    CHECK_REL(ngram_perplexity(ngram_cross_entropy(&g, tok, LEN, 3, NGRAM_INTERP, 1e9)), V, 1e-6);
    /* the nats are the sum of the surprisals */
    double nats = 0;
    for (int t = 0; t < LEN; t++) nats -= log(brute_prob(tok, LEN, V, tok, t, tok[t], 3, 1, 0.1));
    CHECK_REL(ngram_nats(&g, tok, LEN, 3, NGRAM_INTERP, 0.1), nats, 1e-10);
    heap_free();

    /* refusals */
    CHECK(ngram_fit(&g, tok, LEN, 4, NGRAM_MAX_N + 1, heap) == -1, "n too large");
    CHECK(ngram_fit(&g, tok, LEN, 3, 2, heap) == -1, "token 3 outside V = 3");
    CHECK(ngram_fit(&g, tok, LEN, 1 << 20, 4, heap) == -1, "V^n beyond 2^63");
    heap_free();
}

static void temperature(void) {
    const double p[5] = {0.1, 0.35, 0.3, 0.25, 0};
    double q[5];
    ngram_temper(p, 5, 1, q);
    for (int i = 0; i < 5; i++) CHECK_NEAR(q[i], p[i], 1e-15);
    /* T = 0.5: p^2 normalised */
    double s2 = 0;
    for (int i = 0; i < 5; i++) s2 += p[i] * p[i];
    ngram_temper(p, 5, 0.5, q);
    for (int i = 0; i < 5; i++) CHECK_NEAR(q[i], p[i] * p[i] / s2, 1e-14);
    /* T -> 0: all the mass on the most likely token; T = 0 likewise; huge T: uniform over p > 0 */
    ngram_temper(p, 5, 1e-3, q);
    CHECK(q[1] > 1 - 1e-9, "T = 0.001: q[1] = %g", q[1]);
    ngram_temper(p, 5, 0, q);
    CHECK(q[1] == 1 && q[0] == 0, "T = 0");
    ngram_temper(p, 5, 1e6, q);
    CHECK_NEAR(q[0], 0.25, 1e-5);
    CHECK(q[4] == 0, "a token of probability 0 stays at 0 at any temperature");
    mlm_rng r;
    mlm_rng_seed(&r, 11, 1);
    int greedy = 0;
    for (int i = 0; i < 1000; i++) greedy += ngram_sample(p, 5, 0.01, &r) == 1;
    CHECK(greedy == 1000, "T = 0.01: %d of 1000 draws are the most likely token", greedy);
    CHECK(ngram_sample(p, 5, 0, &r) == 1 && ngram_sample(p, 5, -1, &r) == 1, "T <= 0: greedy");
    /* draws follow the tempered distribution */
    const double Ts[2] = {1, 0.5};
    for (int ti = 0; ti < 2; ti++) {
        enum { DRAWS = 200000 };
        long cnt[5] = {0};
        ngram_temper(p, 5, Ts[ti], q);
        for (int i = 0; i < DRAWS; i++) cnt[ngram_sample(p, 5, Ts[ti], &r)]++;
        for (int i = 0; i < 5; i++) {
            double sd = sqrt(DRAWS * q[i] * (1 - q[i]));
            CHECK(fabs(cnt[i] - DRAWS * q[i]) <= 5 * sd + 1e-9, "T %g token %d: %ld draws, %g expected",
                  Ts[ti], i, cnt[i], DRAWS * q[i]);
        }
    }
}

static void austen(void) {
    static int32_t ids[300000];
    austen_ids(ids);
    long ntr = mlm_austen_train_len, nh = mlm_austen_len - ntr;
    ngram_model g;
    CHECK(ngram_fit(&g, ids, ntr, AUSTEN_V, 6, heap) == 0, "fit the novel");
    long sum_bad = 0, zeros = 0;
    double worst = 0;
    mlm_rng r;
    mlm_rng_seed(&r, 3, 1);
    for (int trial = 0; trial < 400; trial++) {
        /* a held-out context, or (every fourth) a random one, mostly never seen */
        int32_t ctx[5];
        long at = ntr + 5 + (long)mlm_rng_below(&r, (uint32_t)(nh - 5));
        for (int j = 0; j < 5; j++)
            ctx[j] = trial % 4 == 3 ? (int32_t)mlm_rng_below(&r, AUSTEN_V) : ids[at - 5 + j];
        for (int s = 0; s < 2; s++)
            for (int order = 1; order <= 6; order++) {
                double p[AUSTEN_V], sum = 0;
                double k = trial % 2 ? 1e-3 : 0.5;
                ngram_dist(&g, ctx, 5, order, (ngram_smoothing)s, k, p);
                for (int w = 0; w < AUSTEN_V; w++) {
                    sum += p[w];
                    zeros += !(p[w] > 0);
                }
                sum_bad += fabs(sum - 1) > 1e-12;
                if (fabs(sum - 1) > worst) worst = fabs(sum - 1);
            }
    }
    CHECK(sum_bad == 0, "%ld of the novel's contexts do not sum to one (worst %g)", sum_bad, worst);
    CHECK(zeros == 0, "%ld zero probabilities with add-k on the novel", zeros);
    /* held-out cross-entropy: below the uniform model's log 48 at every order, finite */
    for (int order = 1; order <= 6; order++) {
        double ce = ngram_cross_entropy(&g, ids + ntr, nh, order, NGRAM_INTERP, 0.05);
        CHECK(isfinite(ce) && ce < log(AUSTEN_V), "order %d: %g nats", order, ce);
    }
    CHECK_REL(ngram_perplexity(ngram_cross_entropy(&g, ids + ntr, nh, 0, NGRAM_ADDK, 1)), AUSTEN_V,
              1e-12);
    heap_free();
}

int main(void) {
    small_alphabet();
    temperature();
    austen();
    return CHECK_DONE("test_ngram");
}
