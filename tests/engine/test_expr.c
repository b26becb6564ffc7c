/* test_expr.c: the expression parser and its evaluators against mathematics: values and
 * derivatives of known functions (closed forms) to rounding, refusals at the right place with a
 * reason, and a property test on many random expressions: reverse mode (the tape's adjoints),
 * forward mode (dual numbers) and central finite differences give the same gradient. */
#include "../../engine/core/expr.c"

#include <math.h>
#include <stdio.h>

#include "check.h"

static const char *const XY[] = {"x", "y"};

static double f1(const char *text, double x, double *dfdx) {
    expr_tape t;
    expr_error e;
    if (expr_parse(text, XY, 1, &t, &e) != 0) {
        CHECK(0, "'%s' refused at %d: %s", text, e.pos, e.why);
        return NAN;
    }
    expr_dual d = expr_eval_dual(&t, &(expr_dual){x, 1}, NULL);
    *dfdx = d.d;
    return d.v;
}

static void refused(const char *text, int nvars, int pos, const char *why) {
    expr_tape t;
    expr_error e;
    int r = expr_parse(text, XY, nvars, &t, &e);
    CHECK(r == -1 && t.n == 0, "'%.40s' accepted", text);
    CHECK(e.pos == pos, "'%.40s': position %d, expected %d (%s)", text, e.pos, pos, e.why);
    CHECK(strstr(e.why, why) != NULL, "'%.40s': reason '%s', expected '%s'", text, e.why, why);
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
        /* keep log and sqrt on their domain: their argument is 1 + (...)^2 */
        int pos = !strcmp(f, "log") || !strcmp(f, "sqrt");
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
    if (op == '/') snprintf(buf + len, n - len, ")/(2+sin(");
    else if (op == '^') snprintf(buf + len, n - len, ")^2*(");
    else snprintf(buf + len, n - len, ")%c(", op);
    gen(buf, n, depth - 1);
    len = strlen(buf);
    snprintf(buf + len, n - len, op == '/' ? "))" : ")");
}

int main(void) {
    double d, v;

    /* Values and derivatives against closed forms, at several points. */
    for (double x = -2.5; x <= 2.5; x += 0.5) {
        v = f1("x^3 - 2*x", x, &d);
        CHECK_REL(v, x * x * x - 2 * x, 1e-15);
        CHECK_REL(d, 3 * x * x - 2, 1e-15);
        v = f1("sin(x)*cos(x)", x, &d);
        CHECK_REL(d, cos(2 * x), 1e-14);
        v = f1("exp(-x^2/2)", x, &d);
        CHECK_REL(v, exp(-x * x / 2), 1e-14);
        CHECK_REL(d, -x * exp(-x * x / 2), 1e-14);
        v = f1("tanh(x)", x, &d);
        CHECK_REL(d, 1 / (cosh(x) * cosh(x)), 1e-14);
        v = f1("sigmoid(x)", x, &d);
        CHECK_REL(d, exp(-x) / ((1 + exp(-x)) * (1 + exp(-x))), 1e-14);
        v = f1("tan(x/2)", x, &d);
        CHECK_REL(d, 0.5 / (cos(x / 2) * cos(x / 2)), 1e-13);
        v = f1("log(1 + x^2)", x, &d);
        CHECK_REL(d, 2 * x / (1 + x * x), 1e-14);
        v = f1("sqrt(1 + x^2)", x, &d);
        CHECK_REL(d, x / sqrt(1 + x * x), 1e-14);
        v = f1("abs(x) + relu(x)", x, &d);
        CHECK(v == fabs(x) + (x > 0 ? x : 0), "abs + relu at %g", x);
        CHECK(x == 0 || d == (x > 0 ? 2 : -1), "abs' + relu' at %g: %g", x, d);
        v = f1("2^x", x, &d);
        CHECK_REL(v, pow(2, x), 1e-14);
        CHECK_REL(d, pow(2, x) * log(2.0), 1e-14);
        if (x > 0) {
            v = f1("x^x", x, &d);
            CHECK_REL(d, pow(x, x) * (log(x) + 1), 1e-13);
            v = f1("x^0.5", x, &d);
            CHECK_REL(d, 0.5 / sqrt(x), 1e-14);
        }
    }
    /* Precedence and associativity as in mathematics. */
    CHECK(f1("-x^2", 3, &d) == -9 && d == -6, "-x^2 is -(x^2)");
    CHECK(f1("2^3^2", 0, &d) == 512, "^ is right-associative");
    CHECK(f1("2^-1", 0, &d) == 0.5, "a sign after ^");
    CHECK(f1("8/4/2", 0, &d) == 1, "/ is left-associative");
    CHECK(f1("1 - 2 - 3", 0, &d) == -4, "- is left-associative");
    CHECK(f1("(-2)^3", 0, &d) == -8, "a whole power of a negative number");
    CHECK_REL(f1("x^3", -2, &d), -8, 0);
    CHECK(d == 12, "d/dx x^3 at -2: %g", d);
    CHECK(f1(" 1.5e1 + .5 ", 0, &d) == 15.5, "numbers");
    CHECK_REL(f1("sin(pi)", 0, &d), 0, 1e-15);

    /* Refusals: where, and why. */
    refused("", 1, 0, "empty");
    refused("   ", 1, 3, "empty");
    refused("x +", 1, 3, "expected a number");
    refused("2 * (x + 1", 1, 10, "expected ')'");
    refused("x + 1)", 1, 5, "unexpected ')'");
    refused("sin x", 1, 4, "expected '('");
    refused("foo(x)", 1, 0, "unknown name");
    refused("x + y", 1, 4, "unknown name");
    refused("x $ 2", 1, 2, "expected an operator");
    refused("x + \x01", 1, 4, "cannot hold");
    refused("x + \xc3\xa9", 1, 4, "cannot hold");
    refused("x 2", 1, 2, "expected an operator");
    refused("1e999", 1, 0, "too large");
    refused(".", 1, 0, "needs digits");
    char deep[300];
    memset(deep, 0, sizeof deep);
    for (int i = 0; i < 100; i++) deep[i] = '(';
    deep[100] = 'x';
    for (int i = 0; i < 100; i++) deep[101 + i] = ')';
    refused(deep, 1, EXPR_DEPTH_MAX, "nested too deeply");
    memset(deep, '-', 200);
    deep[200] = 'x';
    deep[201] = 0;
    refused(deep, 1, EXPR_DEPTH_MAX, "nested too deeply");
    char thousand[1002];
    memset(thousand, '(', 1000);
    thousand[1000] = 'x';
    thousand[1001] = 0;
    refused(thousand, 1, EXPR_LEN_MAX, "longer than 256");
    {
        /* exactly at the limit is fine: 1+1+...+1 of 255 characters, then one more is not */
        char s[EXPR_LEN_MAX + 2];
        int n = 0;
        s[n++] = '1';
        while (n + 2 <= EXPR_LEN_MAX - 1) s[n++] = '+', s[n++] = '1';
        s[n++] = ' ';
        s[n] = 0;
        CHECK(n == EXPR_LEN_MAX, "%d", n);
        CHECK(f1(s, 0, &d) == (EXPR_LEN_MAX) / 2, "a 256-character sum: %g", f1(s, 0, &d));
        s[n++] = ' ';
        s[n] = 0;
        refused(s, 1, EXPR_LEN_MAX, "longer than 256");
        /* 64 nested parentheses are allowed, 65 are not */
        char p[200];
        memset(p, 0, sizeof p);
        memset(p, '(', EXPR_DEPTH_MAX);
        p[EXPR_DEPTH_MAX] = 'x';
        memset(p + EXPR_DEPTH_MAX + 1, ')', EXPR_DEPTH_MAX);
        CHECK(f1(p, 7, &d) == 7 && d == 1, "64 parentheses");
    }

    /* The property test: many random expressions in x and y; reverse mode against forward mode
       (one dual pass per input) to rounding, and against central differences. */
    mlm_rng_seed(&R, 12, 1);
    int tried = 0, checked = 0, fd_checked = 0;
    for (int trial = 0; trial < 3000; trial++) {
        char text[EXPR_LEN_MAX + 1] = "";
        gen(text, sizeof text, 1 + (int)mlm_rng_below(&R, 5));
        expr_tape t;
        expr_error e;
        int r = expr_parse(text, XY, 2, &t, &e);
        CHECK(r == 0, "generated '%s' refused at %d: %s", text, e.pos, e.why);
        if (r) continue;
        tried++;
        double p[2] = {mlm_rng_range(&R, -1.5, 1.5), mlm_rng_range(&R, -1.5, 1.5)};
        double val[EXPR_NODES_MAX], adj[EXPR_NODES_MAX], g[2];
        double f = expr_eval(&t, p, val);
        expr_reverse(&t, val, adj, g);
        expr_dual dx = expr_eval_dual(&t, (expr_dual[]){{p[0], 1}, {p[1], 0}}, NULL);
        expr_dual dy = expr_eval_dual(&t, (expr_dual[]){{p[0], 0}, {p[1], 1}}, NULL);
        if (!isfinite(f) || !isfinite(g[0]) || !isfinite(g[1]) || fabs(f) > 1e6) continue;
        checked++;
        CHECK(dx.v == f && dy.v == f, "'%s': values", text);
        CHECK_REL(g[0], dx.d, 1e-12);
        CHECK_REL(g[1], dy.d, 1e-12);
        /* central differences: error about h^2 f''' / 6 plus rounding; compared at two steps
           so that a point beside a kink (none in these functions) or a steep spot is skipped */
        for (int i = 0; i < 2; i++) {
            double h = 1e-5, q[2] = {p[0], p[1]};
            q[i] = p[i] + h;
            double fp = expr_eval(&t, q, val);
            q[i] = p[i] - h;
            double fm = expr_eval(&t, q, val);
            double fd = (fp - fm) / (2 * h);
            q[i] = p[i] + 2 * h;
            double fp2 = expr_eval(&t, q, val);
            q[i] = p[i] - 2 * h;
            double fm2 = expr_eval(&t, q, val);
            double fd2 = (fp2 - fm2) / (4 * h);
            if (fabs(fd - fd2) > 1e-4 * fmax(1, fabs(fd))) continue;
            fd_checked++;
            /* Richardson: (4 D(h) - D(2h)) / 3 cancels the h^2 term, leaving h^4 and rounding */
            CHECK_REL(g[i], (4 * fd - fd2) / 3, 1e-7);
        }
    }
    printf("random expressions: %d parsed, %d checked against forward mode, %d partials against "
           "central differences\n", tried, checked, fd_checked);
    CHECK(tried == 3000 && checked > 2400 && fd_checked > 4000, "too few cases checked");
    return CHECK_DONE("test_expr");
}
