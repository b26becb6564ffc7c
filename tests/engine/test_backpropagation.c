/* test_backpropagation.c: checks the backpropagation module against mathematics: every gradient
 * the walk shows (every weight and bias, every architecture, activation and loss) against central
 * finite differences of the example's loss; the chain-rule factors the readout writes multiply
 * (and sum) to the gradient it shows, and the edge labels carry those gradients; one training
 * update takes exactly (forward units + loss + backward units + update) micro-steps; the walk and
 * the landscape are the same training; the landscape's field at the current weights is the
 * current loss (mlp_evaluate's), its grid points are the loss with two weights moved, and the
 * trail ends at the current pair; training lowers the loss; a blown-up run is reported; a sweep
 * of every parameter leaves every view finite. */
#include "../../engine/backpropagation.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *M = &mlm_module_backpropagation;

static mlm_instance *start(const char *scene, int arch, int act, int out, const char *data, double lr,
                           uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", scene);
    check_set(in, "arch", arch);
    check_set(in, "act", act);
    check_set(in, "out", out);
    check_set_choice(in, "data", data);
    check_set(in, "lr", lr);
    CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
    return in;
}

/* The loss of example e with the parameters p (P,), straight from the definitions: a forward
   pass through mlp_predict on a copy of the network, then -y log p - (1-y) log(1-p) or
   (a - y)^2 / 2. Independent of the module's own bp_loss_at. */
static double example_loss(const bp_state *s, const double *p, int e, int out) {
    double q[BP_MAXP], o[1];
    mlp loc;
    memcpy(q, p, sizeof(double) * (size_t)s->P);
    bp_net_alias(&loc, &s->net, q);
    mlp_predict(&loc, bp_x + 2 * e, o);
    double y = s->y[e];
    if (out == BP_OUT_MSE) return 0.5 * (o[0] - y) * (o[0] - y);
    return -(y * log(o[0]) + (1 - y) * log(1 - o[0]));
}

/* Walk through three examples micro-step by micro-step; at every backward micro-step check the
   readout's factors, and once the backward pass is complete check every gradient against central
   differences and against the labels on the edges. */
static void check_walk(int arch, int act, int out) {
    mlm_instance *in = start("walk", arch, act, out, "xor", 0.3, 3 + (uint64_t)arch);
    bp_state *s = in->self;
    const mlp *net = &s->net;
    int units = 0;
    for (int l = 1; l < s->L; l++) units += net->sizes[l];
    CHECK(s->K == units + 1 + units + 1, "arch %d: %d micro-steps per update for %d units", arch, s->K, units);
    int bwd_seen = 0, fd_done = 0, fd_params = 0;
    for (int t = 0; t < 3 * s->K; t++) {
        int64_t before = s->updates;
        mlm_step(in, 1);
        CHECK(s->updates == before + (s->k == s->K ? 1 : 0), "an update outside its micro-step");
        bp_terms m = bp_chain(s, act);
        CHECK(m.kind == s->seq[s->k - 1].kind, "terms of the wrong micro-step");
        if (m.kind == BP_FWD) {
            /* z = b + Σ w a, a = f(z) */
            double z = m.b;
            for (int i = 0; i < m.n_in; i++) z += m.w[i] * m.ain[i];
            CHECK_REL(z, m.z, 1e-14);
            if (m.l < s->L - 1) CHECK_REL(mlp_activation(act, m.z, net->leaky), m.a, 1e-14);
        }
        if (m.kind != BP_BWD) continue;
        bwd_seen++;
        /* the readout's factors multiply (and sum) to what it shows */
        if (m.l == s->L - 1) {
            CHECK_REL(m.delta, m.a - m.y, 1e-14);
        } else {
            double da = 0;
            for (int o = 0; o < m.n_out; o++) da += m.wout[o] * m.dout[o];
            CHECK_REL(da, m.da, 1e-14);
            CHECK_REL(m.da * m.fprime, m.delta, 1e-14);
            /* f'(z) against a central difference of f */
            double h = 1e-6, fd = (mlp_activation(act, m.z + h, net->leaky) - mlp_activation(act, m.z - h, net->leaky)) / (2 * h);
            if (fabs(m.z) > 1e-4) CHECK_NEAR(m.fprime, fd, 1e-7);
        }
        CHECK_REL(m.delta * m.in0, m.grad0, 1e-14);
        CHECK(m.grad0 == net->grads[m.p0], "the edge shown is not the gradient stored");
        if (s->k != s->K - 1) continue; /* the backward pass is complete: every gradient is known */

        /* every parameter against central differences of this example's loss. A ReLU unit with
           z exactly 0 (a dead unit below and a zero bias) sits on its kink, where the loss has
           only one-sided derivatives: there backprop's subgradient must lie between them. */
        int kink = 0;
        for (int l = 1; l < s->L - 1; l++)
            for (int j = 0; j < net->sizes[l]; j++)
                kink |= (act == MLP_RELU || act == MLP_LEAKY_RELU) && fabs(net->z[l][j]) < 1e-4;
        double p[BP_MAXP];
        memcpy(p, net->params, sizeof(double) * (size_t)s->P);
        double l0 = example_loss(s, p, s->ex, out);
        CHECK_REL(l0, s->ex_loss, 1e-12);
        for (int k = 0; k < s->P; k++) {
            double h = 1e-5, keep = p[k];
            p[k] = keep + h;
            double up = example_loss(s, p, s->ex, out);
            p[k] = keep - h;
            double dn = example_loss(s, p, s->ex, out);
            p[k] = keep;
            double g = net->grads[k], tol = 2e-7 * fmax(1, fabs(g));
            if (kink) {
                double r = (up - l0) / h, q = (l0 - dn) / h;
                CHECK(g >= fmin(r, q) - 1e-4 && g <= fmax(r, q) + 1e-4,
                      "arch %d act %d out %d param %d: backprop %.12g outside the one-sided [%.12g, %.12g]",
                      arch, act, out, k, g, fmin(r, q), fmax(r, q));
            } else {
                CHECK(fabs(g - (up - dn) / (2 * h)) <= tol,
                      "arch %d act %d out %d param %d: backprop %.12g, central difference %.12g", arch, act,
                      out, k, g, (up - dn) / (2 * h));
            }
            fd_params++;
        }
        /* the labels on the edges are these gradients */
        mlm_draw(in);
        const char *txt = in->views[V_ELAB].text;
        for (int e = 0; e < s->E; e++) {
            int l = s->e_l[e], o = s->e_o[e], i = s->e_i[e], I = net->sizes[l - 1];
            char want[32], got[64];
            bp_short(want, sizeof want, net->dW[l][o * I + i]);
            size_t n = strcspn(txt, "\n");
            snprintf(got, sizeof got, "%.*s", (int)n, txt);
            CHECK(!strcmp(got, want), "edge %d label '%s', gradient %s", e, got, want);
            txt += n + (txt[n] ? 1 : 0);
        }
        /* and the bias gradients are the δs */
        for (int l = 1; l < s->L; l++)
            for (int j = 0; j < net->sizes[l]; j++) CHECK(net->db[l][j] == net->dz[l][j], "∂L/∂b ≠ δ");
        fd_done++;
    }
    CHECK(bwd_seen == 3 * units && fd_done == 3 && fd_params == 3 * s->P, "arch %d: %d backward micro-steps, %d checks",
          arch, bwd_seen, fd_done);
    mlm_destroy(in);
}

/* The mean loss the module reports, the landscape's field at the current weights, and
   mlp_evaluate's loss are one number; the grid's points are the loss with two weights moved. */
static void check_landscape(int arch, int out, const char *wa, const char *wb) {
    mlm_instance *in = mlm_create(M);
    check_set_choice(in, "scene", "landscape");
    check_set(in, "arch", arch);
    check_set(in, "out", out);
    check_set_choice(in, "wa", wa);
    check_set_choice(in, "wb", wb);
    check_set(in, "lr", 0.3);
    CHECK(mlm_reset(in, 7) == 0, "%s", in->reason);
    bp_state *s = in->self;
    CHECK(s->ia != s->ib, "the two weights are one");
    mlm_step(in, 13);
    mlm_draw(in);
    double ev;
    double y[BP_N];
    for (int e = 0; e < BP_N; e++) y[e] = s->y[e];
    mlp_evaluate(&s->net, bp_x, y, BP_N, &ev, NULL);
    CHECK(ev == s->loss, "mlp_evaluate %.17g, module %.17g", ev, s->loss);
    double p[BP_MAXP];
    mlp loc;
    memcpy(p, s->net.params, sizeof(double) * (size_t)s->P);
    bp_net_alias(&loc, &s->net, p);
    CHECK(bp_loss_at(&loc, s->y, out) == s->loss, "the slice at the current weights is not the loss");
    /* grid points against a forward pass with the two weights moved */
    const float *f = in->views[V_FIELD].data;
    double box = s->box, h = 2 * box / (BP_GRID - 1);
    const int rc[4][2] = {{0, 0}, {5, BP_GRID - 3}, {BP_GRID - 1, BP_GRID - 1}, {BP_GRID / 2, 17}};
    for (int q = 0; q < 4; q++) {
        int r = rc[q][0], c = rc[q][1];
        memcpy(p, s->net.params, sizeof(double) * (size_t)s->P);
        p[s->ia] = -box + c * h;
        p[s->ib] = -box + r * h;
        double sum = 0;
        for (int e = 0; e < BP_N; e++) sum += example_loss(s, p, e, out);
        CHECK_REL(f[r * BP_GRID + c], sum / BP_N, 1e-5);
    }
    /* the trail ends at the current pair, and lies inside the box */
    const mlm_view_state *tr = &in->views[V_TRAIL];
    CHECK(tr->count >= 2, "trail of %d points", tr->count);
    CHECK(tr->data[2 * tr->count - 2] == (float)s->net.params[s->ia] &&
              tr->data[2 * tr->count - 1] == (float)s->net.params[s->ib],
          "the trail ends at (%g, %g), the weights are (%g, %g)", tr->data[2 * tr->count - 2],
          tr->data[2 * tr->count - 1], s->net.params[s->ia], s->net.params[s->ib]);
    for (int k = 0; k < tr->count; k++)
        CHECK(fabs(tr->data[2 * k]) <= box && fabs(tr->data[2 * k + 1]) <= box, "trail leaves the box");
    /* the slice's marked minimum is its least grid value */
    float lo = f[0];
    for (int k = 1; k < BP_GRID * BP_GRID; k++) lo = fminf(lo, f[k]);
    CHECK(lo <= (float)s->loss * (1 + 1e-6f), "the slice's least value is above the loss at a grid-free point");
    mlm_destroy(in);
}

/* The walk at K micro-steps per update and the landscape at one epoch per step are the same
   training: after 4n updates the parameters agree to the last bit. */
static void check_same_training(void) {
    mlm_instance *a = start("walk", BP_ARCH_WIDE, MLP_TANH, BP_OUT_BCE, "xor", 0.3, 11);
    mlm_instance *b = start("landscape", BP_ARCH_WIDE, MLP_TANH, BP_OUT_BCE, "xor", 0.3, 11);
    bp_state *sa = a->self, *sb = b->self;
    mlm_step(a, 5 * BP_N * sa->K);
    mlm_step(b, 5);
    CHECK(sa->updates == 5 * BP_N && sb->updates == 5 * BP_N, "%lld, %lld updates", (long long)sa->updates,
          (long long)sb->updates);
    CHECK(!memcmp(sa->net.params, sb->net.params, sizeof(double) * (size_t)sa->P), "walk and landscape differ");
    CHECK(sa->loss == sb->loss, "losses differ");
    mlm_destroy(a);
    mlm_destroy(b);
}

/* Training lowers the loss: XOR by 2-3-1 tanh at the landscape's defaults, and by the walk's
   default 2-2-1 at its defaults (seed 1, the widget's); OR by the chain. The chain cannot learn
   XOR (its output is a monotone function of one weighted sum of the inputs). */
static void check_learning(void) {
    mlm_instance *in = start("landscape", BP_ARCH_WIDE, MLP_TANH, BP_OUT_BCE, "xor", 0.3, 1);
    bp_state *s = in->self;
    double l0 = s->loss;
    mlm_step(in, 3);
    CHECK(in->status == MLM_RUNNING, "stopped within 3 steps");
    mlm_step(in, 200);
    printf("landscape defaults (2-3-1 tanh, XOR, η 0.3, seed 1): loss %.4f -> %.4f after 200 epochs\n", l0, s->loss);
    CHECK(s->loss < 0.05 && s->loss < l0, "loss %g", s->loss);
    for (int e = 0; e < BP_N; e++) {
        double o[1];
        mlp_predict(&s->net, bp_x + 2 * e, o);
        CHECK((o[0] > 0.5) == (s->y[e] > 0.5), "example %d: output %g, target %g", e, o[0], s->y[e]);
    }
    mlm_destroy(in);

    in = mlm_create(M); /* the module's defaults are the walk widget's */
    CHECK(mlm_reset(in, 1) == 0, "%s", in->reason);
    s = in->self;
    l0 = s->loss;
    int K = s->K;
    mlm_step(in, 200 * BP_N * K);
    printf("walk defaults (2-2-1 tanh, XOR, η 0.2, seed 1): %d micro-steps per update; loss %.4f -> %.4f "
           "after 200 epochs\n", K, l0, s->loss);
    CHECK(s->loss < 0.1, "loss %g", s->loss);
    mlm_destroy(in);

    in = start("landscape", BP_ARCH_CHAIN, MLP_TANH, BP_OUT_BCE, "or", 0.3, 1);
    s = in->self;
    mlm_step(in, 200);
    CHECK(s->loss < 0.05, "the chain did not learn OR: %g", s->loss);
    mlm_destroy(in);
    in = start("landscape", BP_ARCH_CHAIN, MLP_TANH, BP_OUT_BCE, "xor", 0.3, 1);
    s = in->self;
    mlm_step(in, 500);
    int right = 0;
    for (int e = 0; e < BP_N; e++) {
        double o[1];
        mlp_predict(&s->net, bp_x + 2 * e, o);
        right += (o[0] > 0.5) == (s->y[e] > 0.5);
    }
    CHECK(right < BP_N && s->loss > 0.3, "the chain learnt XOR: loss %g", s->loss);
    mlm_destroy(in);
}

/* A learning rate far too large blows the weights up; the run stops with a sentence and the
   views stay finite. */
static void check_divergence(void) {
    mlm_instance *in = start("landscape", BP_ARCH_DEEP, MLP_RELU, BP_OUT_MSE, "xor", 5, 1);
    mlm_step(in, 300);
    CHECK(in->status == MLM_DIVERGED && in->final, "status %d", in->status);
    CHECK(strstr(in->reason, "learning rate of 5") != NULL, "%s", in->reason);
    CHECK(check_views_nonfinite(in) == 0, "non-finite view after divergence");
    mlm_destroy(in);
}

/* Memory: the largest network fits the declared bound, and a copied block is a checkpoint. */
static void check_memory(void) {
    const int sizes[] = {2, 3, 3, 1}; /* contains every architecture */
    CHECK(mlp_bytes(sizes, 4, BP_N) <= BP_NET_BYTES, "mlp_bytes %zu", mlp_bytes(sizes, 4, BP_N));
    for (int scene = 0; scene < 2; scene++) {
        mlm_instance *in = start(scene ? "landscape" : "walk", BP_ARCH_DEEP, MLP_TANH, BP_OUT_BCE, "xor", 0.3, 5);
        mlm_step(in, 17);
        size_t size = mlm_snapshot_size(in);
        CHECK(size <= in->cap, "snapshot %zu > %zu", size, in->cap);
        unsigned char *snap = malloc(size);
        memcpy(snap, in, size);
        mlm_step(in, 9);
        mlm_draw(in);
        double p1 = ((bp_state *)in->self)->net.params[3];
        char t1[BP_TEXT];
        snprintf(t1, sizeof t1, "%s", in->views[V_T0].text ? in->views[V_T0].text : "");
        memcpy(in, snap, size);
        mlm_step(in, 9);
        mlm_draw(in);
        CHECK(p1 == ((bp_state *)in->self)->net.params[3], "scene %d: restored run differs", scene);
        CHECK(!strcmp(t1, in->views[V_T0].text ? in->views[V_T0].text : ""), "scene %d: readout differs", scene);
        free(snap);
        mlm_destroy(in);
    }
}

/* Every parameter at its min, max and default, in both scenes: no failure, finite views. */
static void test_sweep(void) {
    mlm_instance *in = mlm_create(M);
    int runs = 0;
    for (int scene = 0; scene < 2; scene++)
        for (int p = 0; p < M->n_params; p++) {
            const mlm_param *q = &M->params[p];
            const double vals[3] = {q->min, q->max, q->def};
            for (int k = 0; k < 3; k++) {
                mlm_desc_defaults(M, in->desc);
                mlm_set(in, 0, scene);
                mlm_set(in, p, vals[k]);
                int ok = mlm_reset(in, 1 + (uint64_t)k) == 0;
                CHECK(ok, "%s=%g: %s", q->name, vals[k], in->reason);
                if (!ok) continue;
                CHECK(check_views_nonfinite(in) == 0, "scene %d %s=%g: non-finite view at step 0", scene, q->name, vals[k]);
                mlm_step(in, 300);
                CHECK(check_views_nonfinite(in) == 0, "scene %d %s=%g: non-finite view", scene, q->name, vals[k]);
                CHECK(mlm_snapshot_size(in) <= in->cap, "memory");
                runs++;
            }
        }
    /* every architecture with every pair of landscape weights */
    for (int arch = 0; arch < BP_ARCH_COUNT; arch++)
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++) {
                mlm_desc_defaults(M, in->desc);
                mlm_set(in, 0, BP_SCENE_LANDSCAPE);
                check_set(in, "arch", arch);
                check_set(in, "wa", a);
                check_set(in, "wb", b);
                CHECK(mlm_reset(in, 2) == 0, "%s", in->reason);
                bp_state *s = in->self;
                CHECK(s->ia != s->ib && s->ia >= 0 && s->ib >= 0 && s->ia < s->P && s->ib < s->P,
                      "arch %d wa %d wb %d: %d, %d", arch, a, b, s->ia, s->ib);
                mlm_step(in, 2);
                CHECK(check_views_nonfinite(in) == 0, "arch %d wa %d wb %d", arch, a, b);
            }
    CHECK(runs == 2 * M->n_params * 3, "%d runs", runs);
    mlm_destroy(in);
}

int main(void) {
    CHECK(mlm_manifest_check(M) == NULL, "%s", mlm_manifest_check(M));
    for (int arch = 0; arch < BP_ARCH_COUNT; arch++)
        for (int act = 0; act < MLP_ACT_COUNT; act++)
            for (int out = 0; out < 2; out++) check_walk(arch, act, out);
    check_landscape(BP_ARCH_SMALL, BP_OUT_BCE, "h1x1", "h1x2");
    check_landscape(BP_ARCH_WIDE, BP_OUT_MSE, "y1", "yb");
    check_landscape(BP_ARCH_DEEP, BP_OUT_BCE, "h2x2", "y2");
    check_landscape(BP_ARCH_CHAIN, BP_OUT_BCE, "h2x1", "h1x1"); /* the chain: h₂ falls back, then b moves on */
    check_same_training();
    check_learning();
    check_divergence();
    check_memory();
    test_sweep();
    return CHECK_DONE("test_backpropagation");
}
