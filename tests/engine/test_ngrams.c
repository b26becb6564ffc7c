/* test_ngrams.c: the chapter's module.
 *  - its declaration is consistent, and its memory bounds hold for both units (the shipped text's
 *    distinct n-grams are pinned: they size the constant block);
 *  - the held-out readout is the cross-entropy of the held-out text computed here by summing
 *    -log p token by token with ngram_prob (characters), and for words it is the same nats over
 *    the same characters (the per-word readout times words equals it times characters);
 *  - the next-token table holds the most likely tokens in order, with the probabilities
 *    ngram_dist gives, and the tempered ones p^(1/T) / Z (Z summed here over the vocabulary);
 *  - the drawn tokens are the context's continuation: the table after a step is the distribution
 *    for the context extended by the drawn token;
 *  - the curves: each point is the loss at its n (or k), the uniform line is log V; the training
 *    text's loss falls as n grows while add-k's held-out loss turns back up after n = 4 (k = 0.1);
 *    interpolation's keeps falling to n = 6;
 *  - a context with characters outside the alphabet runs, and the note says how many were left
 *    out; an empty context runs;
 *  - every parameter's extremes run with finite views. */
#include "../../engine/ngrams.c"

#include "check.h"

static double direct_loss(const ng_data *D, int order, ngram_smoothing s, double k) {
    double nats = 0;
    for (long t = 0; t < D->n_held; t++) nats -= log(ngram_prob(&D->g, D->held, t, D->held[t], order, s, k));
    return nats / (double)D->held_chars;
}

static void defaults(void) {
    char why[200];
    CHECK(mlm_module_check(&mlm_module_ngrams, why, sizeof why) == 0, "%s", why);
    mlm_instance *in = mlm_create(&mlm_module_ngrams);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    ng_state *s = in->self;
    const ng_data *D = s->D;
    long dsum = 0;
    for (int m = 1; m <= D->N; m++) dsum += D->g.D[m];
    CHECK(dsum == NG_CHAR_DISTINCT, "distinct character n-grams: %ld", dsum);
    CHECK(D->n_train == NG_TRAIN_CHARS && D->n_train + D->held_chars == NG_ALL_CHARS, "sizes");
    CHECK(in->const_used <= NG_CONST_BYTES, "const %zu of %zu", in->const_used, (size_t)NG_CONST_BYTES);
    CHECK(check_state_used(in) <= NG_ALIGN(sizeof(ng_state)), "state");
    const ng_desc *d = in->desc;
    CHECK(s->order == 3 && d->smooth == NGRAM_INTERP && fabs(d->k - 0.1) < 1e-12, "defaults");
    CHECK_REL(s->heldout, direct_loss(D, 3, NGRAM_INTERP, 0.1), 1e-12);
    /* the table at step 0: the context's next-token distribution, sorted */
    double p[AUSTEN_V], q[AUSTEN_V];
    ngram_dist(&D->g, s->toks, s->n_ctx, 3, NGRAM_INTERP, 0.1, p);
    ngram_temper(p, AUSTEN_V, 1, q);
    for (int r = 0; r < s->ntop; r++) {
        int t = -1;
        /* the token of rank r: p's r-th largest */
        double prev = r ? s->bars[2 * (r - 1) + 1] : 2;
        CHECK(s->bars[2 * r + 1] <= prev, "rank %d in order", r);
        for (int i = 0; i < AUSTEN_V; i++)
            if ((float)p[i] == s->bars[2 * r + 1]) t = i;
        CHECK(t >= 0, "rank %d is one of the distribution's values", r);
        long above = 0;
        for (int i = 0; i < AUSTEN_V; i++) above += (float)p[i] > s->bars[2 * r + 1];
        CHECK(above <= r, "rank %d: %ld tokens more likely", r, above);
    }
    CHECK(s->ntop == NG_TOP, "ten rows");
    /* after "that " the trigram's favourites are known words' first letters; the first label is
       the argmax */
    CHECK(austen_char(ngram_argmax(p, AUSTEN_V)) == s->labels[0], "label %c", s->labels[0]);
    mlm_step(in, 1);
    CHECK(s->n_gen == 1 && s->toks[s->n_ctx] == s->last, "one token drawn");
    ngram_dist(&D->g, s->toks, s->n_ctx + 1, 3, NGRAM_INTERP, 0.1, p);
    CHECK_NEAR(s->bars[1], (float)p[ngram_argmax(p, AUSTEN_V)], 0);
    /* temperature 1: tempered = p */
    for (int r = 0; r < s->ntop; r++) CHECK_NEAR(s->tempered[3 * r + 1], s->bars[2 * r + 1], 1e-6);
    check_run_to_end(in, 1000);
    CHECK(in->status == MLM_FINISHED && s->n_gen == NG_GEN_CHARS, "finished with %d characters", s->n_gen);
    CHECK(check_views_nonfinite(in) == 0, "finite views");
    /* the curves */
    for (int n = 1; n <= D->N; n++) {
        CHECK_REL(s->byn[0][2 * (n - 1) + 1], direct_loss(D, n, NGRAM_ADDK, 0.1), 1e-6);
        CHECK_REL(s->byn[1][2 * (n - 1) + 1], direct_loss(D, n, NGRAM_INTERP, 0.1), 1e-6);
        if (n > 1) CHECK(s->byn[2][2 * (n - 1) + 1] < s->byn[2][2 * (n - 2) + 1], "training loss falls at n = %d", n);
    }
    CHECK(s->byn[0][2 * 5 + 1] > s->byn[0][2 * 3 + 1], "add-k's held-out loss turns up by n = 6");
    int best_addk = 0;
    for (int n = 1; n < D->N; n++)
        if (s->byn[0][2 * n + 1] < s->byn[0][2 * best_addk + 1]) best_addk = n;
    CHECK(best_addk + 1 == 4, "add-k's best n is 4 (%d)", best_addk + 1);
    CHECK(s->best_n == 6, "interpolation's best n is the largest, 6 (%g)", s->best_n);
    for (int i = 0; i < NG_K; i++)
        CHECK_REL(s->byk[0][2 * i + 1], direct_loss(D, 3, NGRAM_ADDK, ng_kgrid(i)), 1e-6);
    CHECK_REL(s->uniform[1], log(48.0), 1e-6);
    printf("ngrams: held-out nats/char, interpolated k = 0.1: bigram %.4f, trigram %.4f; add-k: %.4f, %.4f\n",
           s->byn[1][3], s->byn[1][5], s->byn[0][3], s->byn[0][5]);
    mlm_destroy(in);
}

static void words(void) {
    mlm_instance *in = mlm_create(&mlm_module_ngrams);
    check_set_choice(in, "unit", "word");
    CHECK(mlm_reset(in, 2) == 0, "reset: %s", in->reason);
    ng_state *s = in->self;
    const ng_data *D = s->D;
    long dsum = 0;
    for (int m = 1; m <= D->N; m++) dsum += D->g.D[m];
    CHECK(dsum == NG_WORD_DISTINCT, "distinct word n-grams: %ld", dsum);
    CHECK(D->V == NG_VOCAB_WORDS && D->n_train == NG_TRAIN_WORDS && D->n_held == NG_HELD_WORDS, "word sizes");
    CHECK(in->const_used <= NG_CONST_BYTES, "const %zu of %zu", in->const_used, (size_t)NG_CONST_BYTES);
    CHECK_REL(s->heldout, direct_loss(D, 2, NGRAM_INTERP, 0.1), 1e-12);
    CHECK_REL(s->heldout_word * (double)D->n_held, s->heldout * (double)D->held_chars, 1e-12);
    check_run_to_end(in, 1000);
    CHECK(in->status == MLM_FINISHED && s->n_gen == NG_GEN_WORDS, "finished");
    CHECK(check_views_nonfinite(in) == 0, "finite views");
    mlm_draw(in);
    CHECK(strstr(s->lines[0], NG_MARK) != NULL || strstr(s->lines[1], NG_MARK) != NULL ||
              !in->views[NG_V_LINE0].hidden, "text shown");
    mlm_destroy(in);
}

static void contexts(void) {
    mlm_instance *in = mlm_create(&mlm_module_ngrams);
    int c = mlm_param_index(in->module, "context");
    CHECK(mlm_set_text(in, c, "Mr. Darcy #1 & [x]") == 0, "set");
    CHECK(mlm_reset(in, 1) == 0, "reset");
    ng_state *s = in->self;
    CHECK(s->dropped == 4 && s->n_ctx == 14, "dropped %d, kept %d", s->dropped, s->n_ctx);
    CHECK(strstr(s->note, "4 typed characters outside the alphabet left out") != NULL, "%s", s->note);
    mlm_draw(in);
    CHECK(strcmp(s->lines[0], "mr. darcy 1  x" NG_MARK) == 0, "shown as the model reads it: %s", s->lines[0]);
    CHECK(mlm_set_text(in, c, "") == 0 && mlm_reset(in, 1) == 0, "empty context");
    s = in->self;
    CHECK(s->n_ctx == 0 && s->ctx_order == 1, "empty: unigram table");
    mlm_step(in, 5);
    CHECK(check_views_nonfinite(in) == 0, "finite");
    CHECK(mlm_set_text(in, c, "caf\xc3\xa9") == -1, "non-ASCII refused by the runtime");
    mlm_destroy(in);
}

int main(void) {
    defaults();
    words();
    contexts();
    int runs = check_sweep(&mlm_module_ngrams, 3);
    CHECK(runs > 20, "%d sweep runs", runs);
    return CHECK_DONE("test_ngrams");
}
