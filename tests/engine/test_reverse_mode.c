/* test_reverse_mode.c: the chapter's three scenes against mathematics.
 *   - The graph, stepped node by node, gives the known gradient of the default
 *     f = log x + x y - sin y at (2, 5): (1/x + y, x - cos y), to 1e-15.
 *   - A property test: 2,000 random expressions in x and y, typed as text into the module and
 *     stepped to the end at random points: the module's adjoints equal expr_reverse's bit for bit,
 *     and agree with forward mode (dual numbers) to 1e-12 relative and with central differences
 *     to 1e-5 relative wherever the function is smooth there; the run takes exactly 2T steps.
 *   - The graph's layout: every edge points right (operands in earlier columns); a variable is
 *     drawn once however often it is read.
 *   - Cost: forward mode executes n T(n) node operations, reverse 2 T(n), with T(n) = 7n + 2;
 *     the two gradients agree, and both match central differences of the function.
 *   - Network: the tape's gradients equal mlp.c's hand-derived backward pass to 1e-12 at every
 *     example of every epoch, over several seeds and learning rates, and both match central
 *     differences of the tape's loss; the tape's loss equals mlp.c's.
 *   - A text that does not parse is reported at its position and the default runs instead; the
 *     last expression that parsed travels as the input and is restored.
 *   - A sweep of every parameter keeps every view finite; state within its bound. */
#include "../../engine/reverse_mode.c"

#include "check.h"

static const mlm_module *const M = &mlm_module_reverse_mode;

static mlm_instance *make_graph(const char *f, double x, double y) {
    mlm_instance *in = mlm_create(M);
    CHECK(mlm_set_text(in, P_F, f) == 0, "text %s refused", f);
    check_set(in, "x0", x);
    check_set(in, "y0", y);
    CHECK(mlm_reset(in, 1) == 0, "reset: %s", in->reason);
    return in;
}

static void test_default(void) {
    mlm_instance *in = make_graph(RM_DEFAULT, 2, 5);
    rm_state *s = in->self;
    CHECK(s->typed_ok, "default does not parse");
    check_run_to_end(in, 1000);
    CHECK(in->status == MLM_CONVERGED, "status %d: %s", in->status, in->reason);
    CHECK(in->steps == 2 * s->tape.n, "steps %lld, tape %d", (long long)in->steps, s->tape.n);
    CHECK_NEAR(s->val[s->tape.n - 1], log(2) + 10 - sin(5), 1e-14);
    CHECK_NEAR(s->grad[0], 1 / 2.0 + 5, 1e-15);
    CHECK_NEAR(s->grad[1], 2 - cos(5), 1e-15);
    CHECK(s->D == s->tape.n - 2, "x and y are read twice each: %d drawn of %d", s->D, s->tape.n);
    /* the chapter lists the tape: x, log, x, y, *, +, y, sin, - */
    static const int ops[9] = {EXPR_VAR, EXPR_LOG, EXPR_VAR, EXPR_VAR, EXPR_MUL, EXPR_ADD, EXPR_VAR, EXPR_SIN, EXPR_SUB};
    static const int var[9] = {0, -1, 0, 1, -1, -1, 1, -1, -1};
    CHECK(s->tape.n == 9, "tape of %d nodes", s->tape.n);
    for (int k = 0; k < 9 && k < s->tape.n; k++) {
        CHECK(s->tape.node[k].op == ops[k], "node %d: op %d", k, s->tape.node[k].op);
        if (var[k] >= 0) CHECK(s->tape.node[k].a == var[k], "node %d reads variable %d", k, s->tape.node[k].a);
    }
    mlm_destroy(in);
}

/* A random expression in x and y, as text, of about `depth` levels. */
static mlm_rng R;
static void gen(char *buf, size_t n, int depth) {
    static const char *const un[] = {"sin", "cos", "exp", "tanh", "sigmoid", "sqrt", "log", "-"};
    static const char bin[] = "+-*/^";
    size_t len = strlen(buf);
    if (len + 40 > n) return;
    int r = (int)mlm_rng_below(&R, 10);
    if (depth <= 0 || r < 2) {
        int leaf = (int)mlm_rng_below(&R, 3);
        if (leaf == 0) snprintf(buf + len, n - len, "x");
        else if (leaf == 1) snprintf(buf + len, n - len, "y");
        else snprintf(buf + len, n - len, "%.2f", mlm_rng_range(&R, 0.1, 2.0));
        return;
    }
    if (r < 5) {
        const char *f = un[mlm_rng_below(&R, 8)];
        int pos = !strcmp(f, "log") || !strcmp(f, "sqrt"); /* on their domain: 1 + (...)^2 */
        snprintf(buf + len, n - len, "%s(%s", f, pos ? "1+(" : "");
        gen(buf, n, depth - 1);
        len = strlen(buf);
        snprintf(buf + len, n - len, "%s)", pos ? ")^2" : "");
        return;
    }
    char op = bin[mlm_rng_below(&R, 5)];
    snprintf(buf + len, n - len, "(");
    gen(buf, n, depth - 1);
    len = strlen(buf);
    if (op == '^') snprintf(buf + len, n - len, ")^%d", (int)mlm_rng_below(&R, 4));
    else if (op == '/') {
        snprintf(buf + len, n - len, ")/(1+(");
        gen(buf, n, depth - 1);
        len = strlen(buf);
        snprintf(buf + len, n - len, ")^2)");
    } else {
        snprintf(buf + len, n - len, ")%c(", op);
        gen(buf, n, depth - 1);
        len = strlen(buf);
        snprintf(buf + len, n - len, ")");
    }
}

static void test_property(void) {
    mlm_rng_seed(&R, 2020, 7);
    int tried = 0, compared_fd = 0;
    for (int trial = 0; trial < 2000; trial++) {
        char text[1024];
        do { /* a text the widget's box holds */
            text[0] = 0;
            gen(text, sizeof text, 1 + trial % 5);
        } while (strlen(text) > RM_TEXT);
        double x = mlm_rng_range(&R, -2, 2), y = mlm_rng_range(&R, -2, 2);
        x = round(x * 10) / 10, y = round(y * 10) / 10; /* the controls' granularity */
        mlm_instance *in = make_graph(text, x, y);
        rm_state *s = in->self;
        CHECK(s->typed_ok, "'%s' did not parse: %s", text, s->err_text);
        int T = s->tape.n;
        check_run_to_end(in, 1000);
        CHECK(in->steps == 2 * T, "'%s': %lld steps for %d nodes", text, (long long)in->steps, T);
        /* the node-by-node walk is expr_reverse, bit for bit */
        double val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX], g[2], vars[2] = {x, y};
        double f = expr_eval(&s->tape, vars, val);
        expr_reverse(&s->tape, val, adj, g);
        int same = 1;
        for (int k = 0; k < T; k++) same = same && (adj[k] == s->adj[k] || (adj[k] != adj[k] && s->adj[k] != s->adj[k]));
        same = same && (g[0] == s->grad[0] || g[0] != g[0]) && (g[1] == s->grad[1] || g[1] != g[1]);
        CHECK(same, "'%s': the walk's adjoints differ from expr_reverse's", text);
        if (!isfinite(f) || !isfinite(g[0]) || !isfinite(g[1]) || fabs(f) > 1e6) {
            mlm_destroy(in);
            continue;
        }
        tried++;
        for (int i = 0; i < 2; i++) {
            double scale = 1 + fabs(s->grad[i]);
            CHECK(fabs(s->grad[i] - s->fwd_grad[i]) <= 1e-12 * scale, "'%s' at (%g, %g): reverse %.17g, forward %.17g", text, x, y,
                  s->grad[i], s->fwd_grad[i]);
            /* finite differences only where they can be trusted: estimate the error by halving h */
            double h = 1e-4, p[2] = {x, y}, m[2] = {x, y}, tmp[EXPR_NODES_MAX];
            p[i] += h, m[i] -= h;
            double c1 = (expr_eval(&s->tape, p, tmp) - expr_eval(&s->tape, m, tmp)) / (2 * h);
            p[i] = vars[i] + h / 2, m[i] = vars[i] - h / 2;
            double c2 = (expr_eval(&s->tape, p, tmp) - expr_eval(&s->tape, m, tmp)) / h;
            if (fabs(c1 - c2) > 1e-6 * scale) continue; /* a kink (abs, relu) or a steep spot */
            compared_fd++;
            CHECK(fabs(c2 - s->grad[i]) <= 1e-5 * scale, "'%s' at (%g, %g): reverse %.12g, central difference %.12g", text, x, y,
                  s->grad[i], c2);
        }
        /* layout: edges point right, variables drawn once */
        for (int k = 0; k < T; k++) {
            const expr_node *nd = &s->tape.node[k];
            if (expr_arity(nd->op) == 0) continue;
            CHECK(s->pos[s->drawn[nd->a]][0] < s->pos[s->drawn[k]][0], "'%s': edge %d->%d points left", text, nd->a, k);
            if (nd->b >= 0) CHECK(s->pos[s->drawn[nd->b]][0] < s->pos[s->drawn[k]][0], "'%s': edge %d->%d", text, nd->b, k);
        }
        int vars_drawn = 0;
        for (int dn = 0; dn < s->D; dn++) vars_drawn += s->tape.node[s->rep[dn]].op == EXPR_VAR;
        CHECK(vars_drawn <= 2, "'%s': %d variable nodes drawn", text, vars_drawn);
        CHECK(check_views_nonfinite(in) == 0, "'%s': non-finite view", text);
        mlm_destroy(in);
    }
    CHECK(tried > 1500 && compared_fd > 2000, "only %d expressions compared (%d against differences)", tried, compared_fd);
}

static void test_cost(void) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "scene", RM_COST);
    check_set(in, "nmax", RM_N_MAX);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    rm_state *s = in->self;
    for (int n = 1; n <= RM_N_MAX; n++) {
        mlm_step(in, 1);
        CHECK(s->n == n, "n %d", s->n);
        int T = 7 * n + 2;
        CHECK(s->fops == (double)n * T && s->rops == 2.0 * T, "n %d: ops %g, %g (T %d)", n, s->fops, s->rops, T);
        /* the reverse gradient against central differences of the tape */
        expr_tape t;
        rm_cost_tape(&t, n);
        CHECK(t.n == T, "n %d: tape %d", n, t.n);
        double x[RM_N_MAX], val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX], g[RM_N_MAX];
        for (int i = 0; i < n; i++) x[i] = mlm_sin(0.7 * (i + 1)) + 0.5;
        expr_eval(&t, x, val);
        expr_reverse(&t, val, adj, g);
        for (int i = 0; i < n; i++) {
            /* the closed form: d/dx_i = sin x_{i+1} + x_{i-1} cos x_i + 2 x_i / (1 + |x|^2) */
            double q = 1;
            for (int j = 0; j < n; j++) q += x[j] * x[j];
            int nx = (i + 1) % n, pv = (i + n - 1) % n;
            double want = sin(x[nx]) + x[pv] * cos(x[i]) + 2 * x[i] / q;
            CHECK(fabs(g[i] - want) <= 1e-13 * (1 + fabs(want)), "n %d: d/dx%d %.17g, closed form %.17g", n, i, g[i], want);
        }
    }
    CHECK(s->worst <= 1e-14, "forward and reverse differ by %g", s->worst);
    CHECK(in->status == MLM_CONVERGED, "status %d", in->status);
    mlm_destroy(in);
}

static void test_network(void) {
    double worst = 0;
    int epochs = 0;
    for (uint64_t seed = 1; seed <= 6; seed++)
        for (int li = 0; li < 3; li++) {
            mlm_instance *in = mlm_create(M);
            check_set(in, "scene", RM_NETWORK);
            check_set(in, "lr", li == 0 ? 0.2 : li == 1 ? 0.05 : 1.0);
            CHECK(mlm_reset(in, seed) == 0, "reset: %s", in->reason);
            rm_state *s = in->self;
            /* at the start: loss and gradients against mlp.c and central differences */
            for (int e = 0; e < 4; e++) {
                double g[RM_P];
                double L = rm_net_grad(s, s->theta, e, g);
                memcpy(s->net.params, s->theta, sizeof s->theta);
                double Lh = mlp_forward(&s->net, rm_x[e], &rm_y[e], 1, NULL);
                mlp_backward(&s->net);
                CHECK(fabs(L - Lh) <= 1e-14, "seed %llu example %d: loss %.17g vs %.17g", (unsigned long long)seed, e, L, Lh);
                for (int p = 0; p < RM_P; p++) {
                    CHECK(fabs(g[p] - s->net.grads[p]) <= 1e-12, "seed %llu: parameter %d", (unsigned long long)seed, p);
                    double th[RM_P], tmp[RM_P], h = 1e-6;
                    memcpy(th, s->theta, sizeof th);
                    th[p] += h;
                    double Lp = rm_net_grad(s, th, e, tmp);
                    th[p] -= 2 * h;
                    double Lm = rm_net_grad(s, th, e, tmp);
                    CHECK(fabs((Lp - Lm) / (2 * h) - g[p]) <= 1e-7, "seed %llu parameter %d: difference %.12g, tape %.12g",
                          (unsigned long long)seed, p, (Lp - Lm) / (2 * h), g[p]);
                }
            }
            while (!in->final && in->steps < 400) {
                mlm_step(in, 1);
                worst = fmax(worst, s->diff);
                epochs++;
            }
            CHECK(s->diff_all <= 1e-12, "seed %llu: tape and mlp.c differ by %g", (unsigned long long)seed, s->diff_all);
            mlm_destroy(in);
        }
    CHECK(worst <= 1e-12 && epochs > 1000, "worst %g over %d epochs", worst, epochs);
    /* chapter 15's default run learns XOR */
    mlm_instance *in = mlm_create(M);
    check_set(in, "scene", RM_NETWORK);
    CHECK(mlm_reset(in, 1) == 0, "reset");
    check_run_to_end(in, RM_EPOCHS + 5);
    CHECK(in->status == MLM_CONVERGED || in->status == MLM_FINISHED, "status %d: %s", in->status, in->reason);
    mlm_destroy(in);
}

static void test_text(void) {
    mlm_instance *in = make_graph("x*y + sin(x", 1, 1);
    rm_state *s = in->self;
    CHECK(!s->typed_ok && strcmp(s->running, RM_DEFAULT) == 0, "a broken text ran");
    CHECK(strncmp(s->err_text, "11:", 3) == 0, "error '%s'", s->err_text);
    mlm_draw(in);
    CHECK(!in->views[V_ERROR].hidden, "the error is hidden");
    mlm_destroy(in);
    /* a text that parses, then a broken one: the first keeps running and travels as the input */
    in = make_graph("x^2*y", 1, 2);
    CHECK(mlm_set_text(in, P_F, "x^^2") == 0, "set");
    char buf[256];
    mlm_reset(in, 1);
    s = in->self;
    CHECK(!s->typed_ok, "x^^2 parsed");
    CHECK(mlm_input_get(in, buf, sizeof buf) > 0, "no input");
    CHECK(strcmp(s->running, "x^2*y") == 0, "running '%s'", s->running);
    mlm_instance *b = mlm_create(M);
    CHECK(mlm_set_text(b, P_F, "x^^2") == 0, "set");
    mlm_reset(b, 1);
    CHECK(mlm_input_set(b, buf) == 0, "input refused");
    CHECK(strcmp(((rm_state *)b->self)->running, "x^2*y") == 0, "restored '%s'", ((rm_state *)b->self)->running);
    CHECK(mlm_input_set(b, "!!") == -1, "hostile input accepted");
    mlm_destroy(b);
    mlm_destroy(in);
}

int main(void) {
    test_default();
    test_property();
    test_cost();
    test_network();
    test_text();
    CHECK(check_sweep(M, 300) > 0, "sweep");
    for (int scene = 0; scene < 3; scene++) {
        mlm_instance *in = mlm_create(M);
        check_set(in, "scene", scene);
        CHECK(mlm_reset(in, 1) == 0, "reset");
        check_run_to_end(in, RM_EPOCHS + 10);
        CHECK(check_views_nonfinite(in) == 0, "non-finite view");
        CHECK(check_state_used(in) <= M->state_bytes, "state bound: %zu > %zu", check_state_used(in), M->state_bytes);
        mlm_destroy(in);
    }
    return CHECK_DONE("test_reverse_mode");
}
