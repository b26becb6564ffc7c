/* test_attention.c: the module of chapter 26 (engine/attention.c). The layers and the model are
 * checked against mathematics in test_tensor.c and test_gpt.c; here: the declaration, the memory
 * bounds, the starting loss against log V, the baselines against chapter 25's own measurement,
 * every head's picture (rows of a causal softmax scaled to 1), a sample drawn from the alphabet,
 * determinism, a hostile sentence, and the claim of the chapter: trained for a bounded number of
 * steps at the widget's defaults, the transformer's held-out loss beats the trigram's. */
#include "../../engine/attention.c"

#include "check.h"

static mlm_instance *fresh(void) {
    mlm_instance *in = mlm_create(&mlm_module_attention);
    CHECK(in != NULL, "create");
    return in;
}

int main(void) {
    char why[200];
    CHECK(mlm_module_check(&mlm_module_attention, why, sizeof why) == 0, "%s", why);

    /* ---- at step 0 ---- */
    mlm_instance *in = fresh();
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    tf_state *s = in->self;
    /* GPT-2's small initial weights make every distribution nearly uniform: log 48 = 3.871 */
    CHECK_NEAR(s->held, log(48.0), 0.05);
    /* the baselines: bigram worse than trigram, both far better than uniform; the trigram's loss
       on these windows within 0.05 of its loss on the whole held-out text (chapter 25's
       measurement, with the window's cut-off context costing a little) */
    const tf_const *k = s->k;
    CHECK(k->bigram > k->trigram + 0.3, "bigram %g, trigram %g", k->bigram, k->trigram);
    CHECK(k->trigram > 1.6 && k->trigram < 2.1, "trigram %g", k->trigram);
    {
        ngram_model g;
        ngram_fit(&g, k->ids, mlm_austen_train_len, TF_V, 3, ngram_alloc_const(in));
        double whole = ngram_cross_entropy(&g, k->ids + mlm_austen_train_len,
                                           mlm_austen_len - mlm_austen_train_len, 3, NGRAM_INTERP, k->k3);
        CHECK(fabs(whole - k->trigram) < 0.05, "whole held-out %g, windows %g", whole, k->trigram);
    }
    /* the pictures: one S x S tile per head, rows scaled to a largest weight of 1, zero above
       the diagonal (a character never looks at a later one) */
    mlm_draw(in);
    int S = s->S, heads = s->cfg.L * s->cfg.NH;
    CHECK(S == (int)strlen(TF_SENT_DEFAULT), "S = %d", S);
    CHECK(in->views[V_TILES].count == heads, "tiles %d", in->views[V_TILES].count);
    int bad_rows = 0, above = 0;
    for (int h = 0; h < heads; h++) {
        const float *tile = s->tiles + (size_t)h * (3 + S * S) + 3;
        for (int t = 0; t < S; t++) {
            float mx = 0;
            for (int u = 0; u < S; u++) mx = tile[t * S + u] > mx ? tile[t * S + u] : mx;
            bad_rows += mx != 1.0f;
            for (int u = t + 1; u < S; u++) above += tile[t * S + u] != 0;
        }
    }
    CHECK(bad_rows == 0, "%d rows not scaled to 1", bad_rows);
    CHECK(above == 0, "%d weights above the diagonal", above);
    /* the sample: the sentence, the mark, then characters of the alphabet */
    CHECK(strncmp(s->sample[0], TF_SENT_DEFAULT, 10) == 0, "sample starts %s", s->sample[0]);
    CHECK(strstr(s->sample[0], TF_MARK) != NULL || strstr(s->sample[1], TF_MARK) != NULL, "no mark");
    CHECK(check_views_nonfinite(in) == 0, "non-finite views at step 0");
    CHECK(check_state_used(in) <= mlm_module_attention.state_bytes, "state bound");
    /* the chapter: "34,560 weights"; the block a checkpoint copies: "12 bytes per weight and
       about 36 KB more, 441 KB at the defaults"; "here 48 [copies], about 22 MB" (16 MB holds
       fewer than 48, the timeline's least) */
    CHECK(s->P == 34560, "weights %zu", s->P);
    /* "a link may name any step up to 50" (the run block `link` reads the loss there) */
    CHECK(mlm_module_attention.t_max == 50, "t_max %d", mlm_module_attention.t_max);
    size_t snap = mlm_snapshot_size(in);
    CHECK(fabs(snap / 1024.0 - 441) < 0.5, "snapshot %zu bytes", snap);
    CHECK(fabs((snap - 12.0 * s->P) / 1024.0 - 36) < 0.5, "beyond the weights: %zu bytes", snap - 12 * s->P);
    CHECK((16 << 20) / snap < 48 && fabs(48.0 * snap / 1e6 - 22) < 0.5, "48 copies: %g MB", 48.0 * snap / 1e6);
    fprintf(stderr, "attention: snapshot %zu bytes (%.1f KB), %.1f KB beyond 12 P\n", snap, snap / 1024.0,
            (snap - 12.0 * s->P) / 1024.0);

    /* ---- the claim: trained at the defaults, the held-out loss beats the trigram's ---- */
    int limit = 1200;
    while (s->beat < 0 && in->steps < limit && !in->final) mlm_step(in, TF_EVAL_EVERY);
    fprintf(stderr, "attention: held-out %.4f below the trigram's %.4f at step %lld (bigram %.4f)\n",
            s->held, k->trigram, (long long)s->beat, k->bigram);
    CHECK(s->beat > 0 && s->beat <= limit, "never beat the trigram in %d steps", limit);
    CHECK(in->status == MLM_CONVERGED && !in->final, "the crossing is a report, not the end");
    CHECK(s->held < k->trigram, "held %g", s->held);
    CHECK(s->train < k->bigram, "training loss %g", s->train);
    CHECK(check_views_nonfinite(in) == 0, "non-finite views");

    /* ---- the same seed gives the same run ---- */
    mlm_instance *again = fresh();
    mlm_reset(again, 1);
    mlm_step(again, 60);
    mlm_instance *third = fresh();
    mlm_reset(third, 1);
    mlm_step(third, 30);
    mlm_step(third, 30);
    tf_state *a = again->self, *b = third->self;
    CHECK(memcmp(a->params, b->params, sizeof(float) * a->P) == 0, "a run is not reproducible");
    CHECK(strcmp(a->sample[0], b->sample[0]) == 0, "samples differ");
    mlm_destroy(again), mlm_destroy(third);

    /* ---- a sentence with characters outside the alphabet: left out, and said so ---- */
    mlm_instance *odd = fresh();
    int si = mlm_param_index(&mlm_module_attention, "sentence");
    CHECK(mlm_set_text(odd, si, "Hello <World> & {friends}") == 0, "text refused");
    CHECK(mlm_reset(odd, 2) == 0, "reset");
    tf_state *o = odd->self;
    CHECK(strcmp(o->sent_chars, "hello world  friends") == 0, "sentence read as '%s'", o->sent_chars);
    CHECK(strstr(o->note, "left out") != NULL, "note: %s", o->note);
    /* an empty sentence: no picture, a sample from a space */
    CHECK(mlm_set_text(odd, si, "") == 0, "empty text");
    CHECK(mlm_reset(odd, 2) == 0, "reset");
    mlm_draw(odd);
    CHECK(odd->views[V_TILES].count == 0, "tiles for an empty sentence");
    CHECK(check_views_nonfinite(odd) == 0, "non-finite views");
    mlm_destroy(odd);

    /* ---- a learning rate far too large: diverges or stays finite, never a non-finite view ---- */
    mlm_instance *hot = fresh();
    check_set(hot, "lr", 0.1);
    check_set(hot, "layers", 2);
    check_set(hot, "width", 12);
    check_set(hot, "context", 8);
    mlm_reset(hot, 3);
    mlm_step(hot, 50);
    mlm_draw(hot);
    CHECK(check_views_nonfinite(hot) == 0, "non-finite views at lr 0.1");
    mlm_destroy(hot);

    /* ---- the largest model fits its bounds ---- */
    mlm_instance *big = fresh();
    check_set(big, "layers", TF_L_MAX);
    check_set(big, "width", TF_C_MAX);
    check_set(big, "context", TF_T_MAX);
    check_set(big, "act", TF_GELU);
    CHECK(mlm_reset(big, 4) == 0, "largest model: %s", big->reason);
    mlm_step(big, 2);
    mlm_draw(big);
    CHECK(check_views_nonfinite(big) == 0, "non-finite views, largest model");
    CHECK(check_state_used(big) <= mlm_module_attention.state_bytes, "state bound, largest");
    mlm_destroy(big);

    mlm_destroy(in);
    return CHECK_DONE("test_attention");
}
