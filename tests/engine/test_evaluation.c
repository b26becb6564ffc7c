/* test_evaluation.c: chapter 32's widget (engine/evaluation.c) against what it promises. The
 * metrics themselves are tested against brute force in test_metrics.c; here:
 *   - the folds partition the data (every point in one fold, sizes and class counts within one),
 *     and the share of positives is the one asked for;
 *   - no model sees the point it scores: k-NN's out-of-fold score of every point equals a brute
 *     force vote over the other folds' points alone (all distances sorted), and naive Bayes's
 *     equals Bayes' rule computed with <math.h> from the other folds' class means and variances;
 *   - every classifier's AUC readout equals the Mann-Whitney statistic over its out-of-fold
 *     scores counted pair by pair, and so does each fold's own AUC;
 *   - the curves drawn: ROC from (0, 0) to (1, 1), PR from (0, 1) to (1, P / n);
 *   - at the threshold t: the point on each curve, the confusion matrix, precision, recall, F1
 *     and accuracy readouts equal direct counts; the point is a vertex of its curve; the
 *     "always negative" baseline is the negatives' share;
 *   - the reader's threshold: a press in the score panel sets t without a step or a restart; a
 *     press on a curve picks that classifier and its point's threshold; the link text round-trips
 *     and malformed texts are refused;
 *   - determinism, and every parameter at its min, max and default stays finite. */
#include "../../engine/evaluation.c"

#include <stdlib.h>

#include "check.h"

static const mlm_module *const M = &mlm_module_evaluation;

static mlm_instance *start(uint64_t seed, const char *data, int n, int pos, int folds) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "data", data);
    check_set(in, "n", n);
    check_set(in, "pos", pos);
    check_set(in, "folds", folds);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

static double brute_auc(const double *s, const int *y, int n) {
    double u = 0;
    long P = 0, Q = 0;
    for (int i = 0; i < n; i++) P += y[i], Q += !y[i];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (y[i] && !y[j]) u += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    return P && Q ? u / ((double)P * Q) : 0;
}

static void test_folds(void) {
    static const int ns[] = {40, 200, 300};
    static const int pos[] = {5, 20, 50};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 2; k <= EV_FOLDS_MAX; k += 4) {
                mlm_instance *in = start(3 + a, "overlap", ns[a], pos[b], k);
                ev_state *s = in->self;
                int want = (int)floor(ns[a] * pos[b] / 100.0 + 0.5);
                if (want < k) want = k;
                int P = 0;
                for (int i = 0; i < s->N; i++) P += s->y[i];
                CHECK(s->N == ns[a] && P == want && s->P == want, "n %d pos %d: N %d P %d", ns[a], pos[b], s->N, P);
                int size[EV_FOLDS_MAX] = {0}, np[EV_FOLDS_MAX] = {0}, bad = 0;
                for (int i = 0; i < s->N; i++) {
                    if (s->fold[i] < 0 || s->fold[i] >= k) { bad++; continue; }
                    size[s->fold[i]]++, np[s->fold[i]] += s->y[i];
                }
                int lo = 1 << 30, hi = 0, plo = 1 << 30, phi = 0;
                for (int f = 0; f < k; f++) {
                    lo = size[f] < lo ? size[f] : lo, hi = size[f] > hi ? size[f] : hi;
                    plo = np[f] < plo ? np[f] : plo, phi = np[f] > phi ? np[f] : phi;
                }
                CHECK(bad == 0 && hi - lo <= 1 && phi - plo <= 1 && plo >= 1,
                      "n %d pos %d k %d: %d outside, sizes %d..%d, positives %d..%d", ns[a], pos[b], k, bad, lo, hi, plo, phi);
                mlm_destroy(in);
            }
}

/* k-NN's vote by brute force: the other folds' points sorted by distance (ties by index). */
static double brute_knn(const ev_state *s, int i, int k) {
    int idx[EV_N_MAX], m = 0;
    double d[EV_N_MAX];
    for (int j = 0; j < s->N; j++)
        if (s->fold[j] != s->fold[i]) {
            double dx = s->x[j][0] - s->x[i][0], dy = s->x[j][1] - s->x[i][1];
            d[m] = sqrt(dx * dx + dy * dy), idx[m++] = j;
        }
    for (int a = 1; a < m; a++) /* insertion sort: stable, so ties keep the lower index first */
        for (int b = a; b > 0 && d[b] < d[b - 1]; b--) {
            double t = d[b]; d[b] = d[b - 1], d[b - 1] = t;
            int u = idx[b]; idx[b] = idx[b - 1], idx[b - 1] = u;
        }
    if (k > m) k = m;
    int pos = 0;
    for (int a = 0; a < k; a++) pos += s->y[idx[a]];
    return (double)pos / k;
}

/* Naive Bayes by hand: each class's prior, means and biased variances (+ 0.01) from the other
   folds, and Bayes' rule with exp. */
static double brute_bayes(const ev_state *s, int i) {
    double n[2] = {0}, m[2][2] = {{0}}, v[2][2] = {{0}};
    for (int j = 0; j < s->N; j++)
        if (s->fold[j] != s->fold[i]) n[s->y[j]]++, m[s->y[j]][0] += s->x[j][0], m[s->y[j]][1] += s->x[j][1];
    for (int c = 0; c < 2; c++) m[c][0] /= n[c], m[c][1] /= n[c];
    for (int j = 0; j < s->N; j++)
        if (s->fold[j] != s->fold[i])
            for (int f = 0; f < 2; f++) v[s->y[j]][f] += (s->x[j][f] - m[s->y[j]][f]) * (s->x[j][f] - m[s->y[j]][f]);
    double joint[2];
    for (int c = 0; c < 2; c++) {
        joint[c] = n[c] / (n[0] + n[1]);
        for (int f = 0; f < 2; f++) {
            double var = v[c][f] / n[c] + 0.01, dx = s->x[i][f] - m[c][f];
            joint[c] *= exp(-dx * dx / (2 * var)) / sqrt(2 * 3.14159265358979323846 * var);
        }
    }
    return joint[1] / (joint[0] + joint[1]);
}

static void test_cross_validation(void) {
    static const char *const data[] = {"moons", "overlap", "circles", "xor"};
    for (int dsi = 0; dsi < 4; dsi++) {
        mlm_instance *in = start(1 + dsi, data[dsi], dsi == 3 ? 120 : 200, dsi == 1 ? 15 : 50, 3 + dsi);
        check_set(in, "knn_k", 1 + 6 * dsi);
        mlm_reset(in, 1 + dsi);
        ev_state *s = in->self;
        check_run_to_end(in, 100);
        CHECK(in->steps == s->K && in->status == MLM_FINISHED && s->done == s->K, "%s: %lld steps, status %d",
              data[dsi], (long long)in->steps, in->status);
        const ev_desc *d = in->desc;
        int kbad = 0, nbad = 0;
        double worst_nb = 0;
        for (int i = 0; i < s->N; i++) {
            kbad += s->oof[EV_KNN][i] != brute_knn(s, i, d->knn_k);
            double e = fabs(s->oof[EV_BAYES][i] - brute_bayes(s, i));
            worst_nb = e > worst_nb ? e : worst_nb;
            for (int c = 0; c < EV_C; c++) nbad += !(s->oof[c][i] >= 0 && s->oof[c][i] <= 1);
        }
        CHECK(kbad == 0, "%s: %d k-NN scores differ from the vote over the other folds", data[dsi], kbad);
        CHECK(worst_nb < 1e-9, "%s: naive Bayes off by %g", data[dsi], worst_nb);
        CHECK(nbad == 0, "%s: %d scores outside [0, 1]", data[dsi], nbad);
        mlm_draw(in);
        int lab[EV_N_MAX];
        double sc[EV_N_MAX];
        for (int c = 0; c < EV_C; c++) {
            for (int i = 0; i < s->N; i++) sc[i] = s->oof[c][i], lab[i] = s->y[i];
            double want = brute_auc(sc, lab, s->N);
            CHECK_NEAR(s->auc[c], want, 1e-12);
            CHECK_NEAR(in->views[V_A0 + c].value, want, 1e-6);
            char line[64];
            snprintf(line, sizeof line, "%s: AUC %.3f · AP %.3f", ev_name[c], want, s->ap[c]);
            CHECK(!strcmp(in->views[V_AREA0 + c].text, line), "areas panel shows '%s'", in->views[V_AREA0 + c].text);
            for (int f = 0; f < s->K; f++) {
                int n = 0;
                for (int i = 0; i < s->N; i++)
                    if (s->fold[i] == f) sc[n] = s->oof[c][i], lab[n++] = s->y[i];
                CHECK_NEAR(s->fold_auc[c][f], brute_auc(sc, lab, n), 1e-12);
            }
            const mlm_view_state *r = &in->views[V_ROC0 + c], *p = &in->views[V_PR0 + c];
            int m = r->count;
            CHECK(m >= 2 && r->data[0] == 0 && r->data[1] == 0 && r->data[2 * m - 2] == 1 && r->data[2 * m - 1] == 1,
                  "%s %s: ROC from (%g, %g) to (%g, %g)", data[dsi], ev_name[c], r->data[0], r->data[1],
                  r->data[2 * m - 2], r->data[2 * m - 1]);
            CHECK(p->count == m && p->data[0] == 0 && p->data[1] == 1 && p->data[2 * m - 2] == 1, "%s %s: PR ends",
                  data[dsi], ev_name[c]);
            CHECK_NEAR(p->data[2 * m - 1], (double)s->P / s->N, 1e-7);
        }
        CHECK(in->views[V_CM].count == 4 && check_views_nonfinite(in) == 0, "%s: views", data[dsi]);
        mlm_destroy(in);
    }
}

static void test_threshold(void) {
    mlm_instance *in = start(5, "moons", 200, 20, 5);
    ev_state *s = in->self;
    check_run_to_end(in, 100);
    static const double ts[] = {0, 0.05, 0.3, 0.5, 0.77, 1};
    for (int a = 0; a < 6; a++) {
        mlm_pointer(in, P_SCORES, MLM_POINTER_DOWN, ts[a], 0);
        mlm_pointer(in, P_SCORES, MLM_POINTER_UP, ts[a], 0);
        CHECK(s->tmicro == (int32_t)floor(ts[a] * 1e6), "t %g stored as %d", ts[a], s->tmicro);
        for (int c = 0; c < EV_C; c++) {
            s->focus = c;
            mlm_draw(in);
            double t = s->tmicro / 1e6;
            int tp = 0, fp = 0, tn = 0, fn = 0;
            for (int i = 0; i < s->N; i++) {
                int said = s->oof[c][i] >= t;
                tp += said && s->y[i], fp += said && !s->y[i], tn += !said && !s->y[i], fn += !said && s->y[i];
            }
            const float *rp = in->views[V_ROC_AT].data + 3 * c, *pp = in->views[V_PR_AT].data + 3 * c;
            CHECK_NEAR(rp[0], (double)fp / (fp + tn), 1e-7);
            CHECK_NEAR(rp[1], (double)tp / (tp + fn), 1e-7);
            CHECK_NEAR(pp[0], (double)tp / (tp + fn), 1e-7);
            CHECK_NEAR(pp[1], tp + fp ? (double)tp / (tp + fp) : 1, 1e-7);
            CHECK_NEAR(in->views[V_S_ACC].value, 100.0 * (tp + tn) / s->N, 1e-4);
            CHECK_NEAR(in->views[V_S_PREC].value, tp + fp ? (double)tp / (tp + fp) : 1, 1e-7);
            CHECK_NEAR(in->views[V_S_REC].value, (double)tp / (tp + fn), 1e-7);
            CHECK_NEAR(in->views[V_S_F1].value, 2.0 * tp / (2 * tp + fp + fn), 1e-7);
            CHECK_NEAR(in->views[V_S_BASE].value, 80, 1e-5);
            CHECK(in->views[V_CM].data[3] == tp && in->views[V_CM].data[7] == fn && in->views[V_CM].data[11] == fp &&
                      in->views[V_CM].data[15] == tn,
                  "matrix");
            /* the point is one of the curve's vertices */
            const mlm_view_state *r = &in->views[V_ROC0 + c];
            int on = 0;
            for (int k = 0; k < r->count; k++) on |= r->data[2 * k] == rp[0] && r->data[2 * k + 1] == rp[1];
            CHECK(on, "%s at t %g: (%g, %g) is not on its curve", ev_name[c], t, rp[0], rp[1]);
        }
    }
    CHECK(in->steps == s->K, "moving t took steps");
    /* a press on a curve: the nearest point of any curve, then a drag along that curve */
    int c = EV_TREE, k = s->m[c] / 2;
    mlm_pointer(in, P_ROC, MLM_POINTER_DOWN, s->roc[c][k][0], s->roc[c][k][1]);
    int cls = -1;
    double want = ev_nearest(s, P_ROC, -1, s->roc[c][k][0], s->roc[c][k][1], &cls);
    CHECK(s->focus == cls && s->tmicro == (int32_t)floor(mlm_clamp(want, 0, 1) * 1e6), "press on the ROC curve: focus %d t %d",
          s->focus, s->tmicro);
    int f = s->focus;
    mlm_pointer(in, P_ROC, MLM_POINTER_MOVE, 0.9, 0.95);
    CHECK(s->focus == f, "a drag keeps the classifier");
    mlm_pointer(in, P_ROC, MLM_POINTER_UP, 0.9, 0.95);
    mlm_draw(in);
    CHECK(check_views_nonfinite(in) == 0, "non-finite after the pointer");
    /* the link text */
    char buf[64];
    s->focus = 3, s->tmicro = 250000;
    int len = mlm_input_get(in, buf, sizeof buf);
    CHECK(len > 0 && !strcmp(buf, "3_250000"), "input %s", buf);
    mlm_instance *b = start(5, "moons", 200, 20, 5);
    CHECK(mlm_input_set(b, buf) == 0, "input refused");
    ev_state *sb = b->self;
    CHECK(sb->focus == 3 && sb->tmicro == 250000, "input read as %d %d", sb->focus, sb->tmicro);
    static const char *const badtext[] = {"9_1", "6_1", "1_", "1_2000000", "a_1", "1_12345678", "1-5", "12_5", "_"};
    for (int a = 0; a < 9; a++) CHECK(mlm_input_set(b, badtext[a]) != 0, "accepted %s", badtext[a]);
    CHECK(sb->focus == 3 && sb->tmicro == 250000, "a refused text changed the run");
    sb->focus = 0, sb->tmicro = EV_T_DEFAULT;
    CHECK(mlm_input_get(b, buf, sizeof buf) == 0, "the defaults make no link text");
    mlm_destroy(b);
    mlm_destroy(in);
}

static void test_determinism(void) {
    mlm_instance *a = start(9, "moons", 150, 30, 4), *b = start(9, "moons", 150, 30, 4);
    check_run_to_end(a, 100), check_run_to_end(b, 100);
    ev_state *sa = a->self, *sb = b->self;
    CHECK(!memcmp(sa->oof, sb->oof, sizeof sa->oof), "one seed, two runs");
    mlm_reset(b, 10);
    check_run_to_end(b, 100);
    CHECK(memcmp(sa->oof, sb->oof, sizeof sa->oof), "two seeds, one run");
    CHECK(check_state_used(a) <= M->state_bytes, "state bytes");
    mlm_destroy(a), mlm_destroy(b);
}

int main(void) {
    char why[200];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "%s", why);
    test_folds();
    test_cross_validation();
    test_threshold();
    test_determinism();
    CHECK(check_sweep(M, 3) > 0, "sweep");
    return CHECK_DONE("test_evaluation");
}
