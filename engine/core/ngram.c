/* ngram.c: counting n-grams, smoothing them into probabilities, measuring cross-entropy and
 * sampling with temperature (see ngram.h for the model). */
#include "ngram.h"

#include <math.h>
#include <string.h>

#include "detmath.h"

static void *const_fn(void *ctx, size_t bytes) { return mlm_alloc_const((mlm_instance *)ctx, bytes); }

ngram_alloc ngram_alloc_const(mlm_instance *in) {
    ngram_alloc a = {const_fn, in};
    return a;
}

/* Sort a[0 .. n) ascending with tmp (n,) as scratch: least significant byte first, skipping the
   bytes above the largest key's. */
static void radix_sort(uint64_t *a, uint64_t *tmp, long n, uint64_t max) {
    int passes = 0;
    while (max) {
        passes++;
        max >>= 8;
    }
    uint64_t *src = a, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        long cnt[257] = {0};
        int shift = 8 * p;
        for (long i = 0; i < n; i++) cnt[((src[i] >> shift) & 255) + 1]++;
        for (int b = 0; b < 256; b++) cnt[b + 1] += cnt[b];
        for (long i = 0; i < n; i++) dst[cnt[(src[i] >> shift) & 255]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, (size_t)n * sizeof *a);
}

int ngram_fit(ngram_model *g, const int32_t *tok, long len, int V, int n, ngram_alloc a) {
    memset(g, 0, sizeof *g);
    if (V < 1 || n < 1 || n > NGRAM_MAX_N || len < 0) return -1;
    /* V^n < 2^63 */
    double vn = 1;
    for (int m = 0; m < n; m++) vn *= V;
    if (vn >= 9.2e18) return -1;
    for (long i = 0; i < len; i++)
        if (tok[i] < 0 || tok[i] >= V) return -1;
    g->V = V;
    g->n = n;
    g->total = len;
    uint64_t *keys = len ? a.fn(a.ctx, (size_t)len * sizeof *keys) : NULL;
    uint64_t *tmp = len ? a.fn(a.ctx, (size_t)len * sizeof *tmp) : NULL;
    if (len && (!keys || !tmp)) return -1;
    //> count
    uint64_t vm = 1; /* V^m */
    for (int m = 1; m <= n; m++) {
        vm *= (uint64_t)V;
        long cnt = len - m + 1 > 0 ? len - m + 1 : 0;
        for (long i = 0; i < cnt; i++) {
            uint64_t key = 0;
            for (int j = 0; j < m; j++) key = key * (uint64_t)V + (uint64_t)tok[i + j];
            keys[i] = key;
        }
        radix_sort(keys, tmp, cnt, vm - 1);
        long d = 0;
        for (long i = 0; i < cnt; i++)
            if (i == 0 || keys[i] != keys[i - 1]) d++;
        g->D[m] = d;
        g->key[m] = a.fn(a.ctx, (size_t)(d ? d : 1) * sizeof(uint64_t));
        g->cum[m] = a.fn(a.ctx, (size_t)(d + 1) * sizeof(int32_t));
        if (!g->key[m] || !g->cum[m]) return -1;
        long j = -1;
        for (long i = 0; i < cnt; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                j++;
                g->key[m][j] = keys[i];
                g->cum[m][j] = (int32_t)i;
            }
        }
        g->cum[m][d] = (int32_t)cnt;
    }
    //< count
    return 0;
}

/* The first index i in [lo, hi) with key[i] >= x (hi if none). */
static long lower_bound(const uint64_t *key, long lo, long hi, uint64_t x) {
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (key[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The range [*lo, *hi) of the m-grams whose context is h[0 .. m-1). */
static void context_range(const ngram_model *g, int m, const int32_t *h, long *lo, long *hi) {
    uint64_t base = 0;
    for (int j = 0; j < m - 1; j++) base = base * (uint64_t)g->V + (uint64_t)h[j];
    base *= (uint64_t)g->V;
    *lo = lower_bound(g->key[m], 0, g->D[m], base);
    *hi = lower_bound(g->key[m], *lo, g->D[m], base + (uint64_t)g->V);
}

long ngram_count(const ngram_model *g, int m, const int32_t *h, int32_t w, long *ctx_count) {
    if (m < 1 || m > g->n || w < 0 || w >= g->V) {
        if (ctx_count) *ctx_count = 0;
        return 0;
    }
    long lo, hi;
    context_range(g, m, h, &lo, &hi);
    if (ctx_count) *ctx_count = (long)g->cum[m][hi] - g->cum[m][lo];
    if (lo == hi) return 0;
    uint64_t x = (g->key[m][lo] - g->key[m][lo] % (uint64_t)g->V) + (uint64_t)w;
    long i = lower_bound(g->key[m], lo, hi, x);
    return i < hi && g->key[m][i] == x ? (long)g->cum[m][i + 1] - g->cum[m][i] : 0;
}

/* The order actually used: at most `order`, at most g->n, and at most clen + 1 (a context needs
   m - 1 tokens). */
static int usable_order(const ngram_model *g, long clen, int order) {
    int m = order < g->n ? order : g->n;
    if (m < 0) m = 0;
    if (clen + 1 < m) m = (int)(clen + 1);
    return m;
}

//> prob
double ngram_prob(const ngram_model *g, const int32_t *ctx, long clen, int32_t w, int order,
                  ngram_smoothing s, double k) {
    if (w < 0 || w >= g->V) return 0;
    int M = usable_order(g, clen, order);
    double V = g->V, p = 1.0 / V;
    for (int m = 1; m <= M; m++) {
        long ch;
        long c = ngram_count(g, m, ctx + clen - (m - 1), w, &ch);
        double q = s == NGRAM_INTERP ? p : 1.0 / V;
        double den = (double)ch + k * V;
        p = den > 0 ? ((double)c + k * V * q) / den : q;
    }
    return p;
}
//< prob

void ngram_dist(const ngram_model *g, const int32_t *ctx, long clen, int order,
                ngram_smoothing s, double k, double *p) {
    int V = g->V, M = usable_order(g, clen, order);
    for (int w = 0; w < V; w++) p[w] = 1.0 / V;
    for (int m = 1; m <= M; m++) {
        long lo, hi;
        context_range(g, m, ctx + clen - (m - 1), &lo, &hi);
        double ch = (double)g->cum[m][hi] - g->cum[m][lo];
        double den = ch + k * V;
        if (!(den > 0)) {
            if (s == NGRAM_ADDK)
                for (int w = 0; w < V; w++) p[w] = 1.0 / V;
            continue;
        }
        for (int w = 0; w < V; w++) {
            double q = s == NGRAM_INTERP ? p[w] : 1.0 / V;
            p[w] = k * V * q / den;
        }
        for (long i = lo; i < hi; i++) {
            int w = (int)(g->key[m][i] % (uint64_t)V);
            p[w] += ((double)g->cum[m][i + 1] - g->cum[m][i]) / den;
        }
    }
}

//> nats
double ngram_nats(const ngram_model *g, const int32_t *tok, long len, int order,
                  ngram_smoothing s, double k) {
    double nats = 0;
    for (long t = 0; t < len; t++) {
        double p = ngram_prob(g, tok, t, tok[t], order, s, k);
        if (!(p > 0)) return INFINITY;
        nats -= mlm_log(p);
    }
    return nats;
}
//< nats

double ngram_cross_entropy(const ngram_model *g, const int32_t *tok, long len, int order,
                           ngram_smoothing s, double k) {
    return len > 0 ? ngram_nats(g, tok, len, order, s, k) / (double)len : 0;
}

double ngram_perplexity(double cross_entropy) { return mlm_exp(cross_entropy); }

int ngram_argmax(const double *p, int V) {
    int best = 0;
    for (int i = 1; i < V; i++)
        if (p[i] > p[best]) best = i;
    return best;
}

void ngram_temper(const double *p, int V, double T, double *q) {
    if (!(T > 0)) {
        int b = ngram_argmax(p, V);
        for (int i = 0; i < V; i++) q[i] = i == b ? 1 : 0;
        return;
    }
    double lmax = -INFINITY;
    for (int i = 0; i < V; i++)
        if (p[i] > 0) {
            double l = mlm_log(p[i]);
            if (l > lmax) lmax = l;
        }
    if (lmax == -INFINITY) { /* no mass anywhere: uniform */
        for (int i = 0; i < V; i++) q[i] = 1.0 / V;
        return;
    }
    double sum = 0;
    for (int i = 0; i < V; i++) {
        q[i] = p[i] > 0 ? mlm_exp((mlm_log(p[i]) - lmax) / T) : 0;
        sum += q[i];
    }
    for (int i = 0; i < V; i++) q[i] /= sum;
}

//> sample
int ngram_sample(const double *p, int V, double T, mlm_rng *r) {
    if (!(T > 0)) return ngram_argmax(p, V);
    /* the tempered weights exp((log p_i - log p_max) / T), summed, then walked again to the draw */
    double lmax = -INFINITY;
    for (int i = 0; i < V; i++)
        if (p[i] > 0) {
            double l = mlm_log(p[i]);
            if (l > lmax) lmax = l;
        }
    if (lmax == -INFINITY) return (int)mlm_rng_below(r, (uint32_t)V);
    double sum = 0;
    for (int i = 0; i < V; i++)
        if (p[i] > 0) sum += mlm_exp((mlm_log(p[i]) - lmax) / T);
    double u = mlm_rng_uniform(r) * sum, acc = 0;
    int last = 0;
    for (int i = 0; i < V; i++) {
        if (!(p[i] > 0)) continue;
        last = i;
        acc += mlm_exp((mlm_log(p[i]) - lmax) / T);
        if (u < acc) return i;
    }
    return last; /* rounding left u at or above the total */
}
//< sample
