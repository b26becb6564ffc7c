/* test_quotes_evaluation.c: the claims of chapter 32 that no run block's readout can carry, pinned
 * at the chapter's settings (the widgets' defaults, seed 1). */
#include "../../engine/evaluation.c"

#include "check.h"

static mlm_instance *run(int pos) {
    mlm_instance *in = mlm_create(&mlm_module_evaluation);
    check_set(in, "pos", pos);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, 100);
    return in;
}

int main(void) {
    mlm_instance *in = run(50);
    ev_state *s = in->self;
    const double *a = s->auc;
    /* "k-NN, the SVM and the network, whose boundaries can bend around the moons' tips, rank best;
       the depth-4 tree ... ranks about as well as logistic regression's straight line." */
    for (int c = EV_KNN; c <= EV_MLP; c += 1) {
        if (c == EV_TREE) continue;
        CHECK(a[c] > a[EV_LOGISTIC] && a[c] > a[EV_BAYES] && a[c] > a[EV_TREE], "%s's AUC %.4f is not among the best",
              ev_name[c], a[c]);
    }
    CHECK(fabs(a[EV_TREE] - a[EV_LOGISTIC]) < 0.01, "tree %.4f, logistic %.4f", a[EV_TREE], a[EV_LOGISTIC]);
    /* "these wander from fold to fold by more than the six classifiers differ from each other (at
       the defaults, for logistic regression)" */
    double flo = 1, fhi = 0, clo = 1, chi = 0;
    for (int f = 0; f < s->K; f++) flo = fmin(flo, s->fold_auc[EV_LOGISTIC][f]), fhi = fmax(fhi, s->fold_auc[EV_LOGISTIC][f]);
    for (int c = 0; c < EV_C; c++) clo = fmin(clo, a[c]), chi = fmax(chi, a[c]);
    CHECK(fhi - flo > chi - clo, "folds spread %.4f, classifiers %.4f", fhi - flo, chi - clo);
    /* "the default t = 0.5 ... k-NN the share of its 15 neighbours that are positive, so only 16
       values are possible" */
    int seen[16] = {0}, distinct = 0, off = 0;
    for (int i = 0; i < s->N; i++) {
        double v = s->oof[EV_KNN][i] * 15;
        int k = (int)floor(v + 0.5);
        off += fabs(v - k) > 1e-9 || k < 0 || k > 15;
        if (k >= 0 && k <= 15 && !seen[k]++) distinct++;
    }
    CHECK(off == 0 && distinct <= 16, "k-NN scores: %d off the 16 values", off);
    mlm_draw(in);
    double acc_balanced = in->views[V_S_ACC].value;
    mlm_destroy(in);
    /* "Now make the positive class rare ... 10 % positives: 20 of the 200 points"; "with 20
       positives in 5 folds, each fold gets 4" */
    in = run(10);
    s = in->self;
    int per[EV_FOLDS_MAX] = {0};
    for (int i = 0; i < s->N; i++) per[s->fold[i]] += s->y[i];
    CHECK(s->N == 200 && s->P == 20, "N %d P %d", s->N, s->P);
    for (int f = 0; f < 5; f++) CHECK(per[f] == 4, "fold %d holds %d positives", f, per[f]);
    /* "Logistic regression now scores {{rare.acc}} % accuracy. That sounds better than before, and
       it is nearly worthless information: answering "negative" to everything scores {{rare.base}} %."
       (within 5 points of it); "its alarms are mostly right, but it misses many of the positives" */
    mlm_draw(in);
    const mlm_view_state *v = in->views;
    CHECK(v[V_S_ACC].value > acc_balanced, "rare %.2f, balanced %.2f", v[V_S_ACC].value, acc_balanced);
    CHECK(v[V_S_ACC].value < v[V_S_BASE].value + 5, "accuracy %.2f, always negative %.2f", v[V_S_ACC].value, v[V_S_BASE].value);
    CHECK(v[V_S_PREC].value > 0.5 && v[V_S_REC].value < 0.75, "precision %.3f, recall %.3f", v[V_S_PREC].value, v[V_S_REC].value);
    mlm_destroy(in);
    return CHECK_DONE("test_quotes_evaluation");
}
