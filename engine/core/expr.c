/* expr.c: the expression parser and its three evaluators (values, dual numbers, adjoints). See
 * expr.h. A recursive-descent parser whose depth is counted, so no text can exhaust the stack. */
#include "expr.h"

#include "detmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[EXPR_N_OPS] = {
    "const", "var", "+", "-", "*", "/", "^", "-", "sin", "cos", "tan", "exp", "log", "sqrt",
    "tanh", "sigmoid", "abs", "relu"};

const char *expr_op_name(int op) { return op >= 0 && op < EXPR_N_OPS ? op_names[op] : "?"; }

int expr_arity(int op) {
    if (op == EXPR_CONST || op == EXPR_VAR) return 0;
    return op >= EXPR_ADD && op <= EXPR_POW ? 2 : 1;
}

/* ---- the parser ---- */
typedef struct {
    const char *s;
    int i, len, depth;
    const char *const *vars;
    int nvars;
    expr_tape *t;
    expr_error *err;
    int failed;
} parser;

static int fail(parser *p, int pos, const char *why) {
    if (!p->failed) {
        p->failed = 1;
        p->err->pos = pos;
        snprintf(p->err->why, sizeof p->err->why, "%s", why);
    }
    return -1;
}

static void skip(parser *p) {
    while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t')) p->i++;
}

static int emit(parser *p, int op, int a, int b, double value, int pos) {
    if (p->t->n >= EXPR_NODES_MAX) return fail(p, pos, "the expression is too long");
    expr_node *nd = &p->t->node[p->t->n];
    nd->op = op;
    nd->a = a;
    nd->b = b;
    nd->value = value;
    nd->pos = pos;
    return p->t->n++;
}

static int enter(parser *p, int pos) {
    if (++p->depth > EXPR_DEPTH_MAX) return fail(p, pos, "nested too deeply");
    return 0;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

static int parse_sum(parser *p);
static int parse_unary(parser *p);

static int parse_number(parser *p) {
    int start = p->i;
    while (p->i < p->len && is_digit(p->s[p->i])) p->i++;
    if (p->i < p->len && p->s[p->i] == '.') {
        p->i++;
        while (p->i < p->len && is_digit(p->s[p->i])) p->i++;
    }
    if (p->i - start == 1 && p->s[start] == '.') return fail(p, start, "a number needs digits");
    if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        int j = p->i + 1;
        if (j < p->len && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (j < p->len && is_digit(p->s[j])) {
            while (j < p->len && is_digit(p->s[j])) j++;
            p->i = j;
        }
    }
    char buf[EXPR_LEN_MAX + 1];
    memcpy(buf, p->s + start, (size_t)(p->i - start));
    buf[p->i - start] = 0;
    double v = strtod(buf, NULL);
    if (!isfinite(v)) return fail(p, start, "the number is too large");
    return emit(p, EXPR_CONST, -1, -1, v, start);
}

static const struct {
    const char *name;
    int op;
} functions[] = {{"sin", EXPR_SIN},   {"cos", EXPR_COS},         {"tan", EXPR_TAN},
                 {"exp", EXPR_EXP},   {"log", EXPR_LOG},         {"sqrt", EXPR_SQRT},
                 {"tanh", EXPR_TANH}, {"sigmoid", EXPR_SIGMOID}, {"abs", EXPR_ABS},
                 {"relu", EXPR_RELU}};

static int parse_atom(parser *p) {
    skip(p);
    if (p->i >= p->len) return fail(p, p->i, "expected a number, a variable or '('");
    int start = p->i, c = (unsigned char)p->s[p->i];
    if (is_digit(c) || c == '.') return parse_number(p);
    if (c == '(') {
        p->i++;
        if (enter(p, start)) return -1;
        int r = parse_sum(p);
        if (r < 0) return -1;
        p->depth--;
        skip(p);
        if (p->i >= p->len || p->s[p->i] != ')') return fail(p, p->i, "expected ')'");
        p->i++;
        return r;
    }
    if (is_alpha(c)) {
        while (p->i < p->len && (is_alpha(p->s[p->i]) || is_digit(p->s[p->i]))) p->i++;
        int n = p->i - start;
        const char *w = p->s + start;
        for (int v = 0; v < p->nvars; v++)
            if ((int)strlen(p->vars[v]) == n && !memcmp(w, p->vars[v], (size_t)n))
                return emit(p, EXPR_VAR, v, -1, 0, start);
        if (n == 2 && !memcmp(w, "pi", 2)) return emit(p, EXPR_CONST, -1, -1, 3.141592653589793, start);
        for (size_t f = 0; f < sizeof functions / sizeof *functions; f++) {
            if ((int)strlen(functions[f].name) != n || memcmp(w, functions[f].name, (size_t)n)) continue;
            skip(p);
            if (p->i >= p->len || p->s[p->i] != '(') return fail(p, p->i, "expected '(' after the function");
            if (enter(p, p->i)) return -1;
            p->i++;
            int a = parse_sum(p);
            if (a < 0) return -1;
            p->depth--;
            skip(p);
            if (p->i >= p->len || p->s[p->i] != ')') return fail(p, p->i, "expected ')'");
            p->i++;
            return emit(p, functions[f].op, a, -1, 0, start);
        }
        return fail(p, start, p->nvars == 1 ? "unknown name (the variable is x)" : "unknown name");
    }
    if (c == ')') return fail(p, start, "unexpected ')'");
    if (c < 0x20 || c > 0x7e) return fail(p, start, "a character an expression cannot hold");
    return fail(p, start, "expected a number, a variable or '('");
}

static int parse_power(parser *p) {
    int a = parse_atom(p);
    if (a < 0) return -1;
    skip(p);
    if (p->i < p->len && p->s[p->i] == '^') {
        int pos = p->i++;
        if (enter(p, pos)) return -1;
        int b = parse_unary(p);
        if (b < 0) return -1;
        p->depth--;
        return emit(p, EXPR_POW, a, b, 0, pos);
    }
    return a;
}

static int parse_unary(parser *p) {
    skip(p);
    if (p->i < p->len && (p->s[p->i] == '-' || p->s[p->i] == '+')) {
        int pos = p->i, neg = p->s[p->i] == '-';
        p->i++;
        if (enter(p, pos)) return -1;
        int a = parse_unary(p);
        if (a < 0) return -1;
        p->depth--;
        return neg ? emit(p, EXPR_NEG, a, -1, 0, pos) : a;
    }
    return parse_power(p);
}

static int parse_product(parser *p) {
    int a = parse_unary(p);
    while (a >= 0) {
        skip(p);
        if (p->i >= p->len || (p->s[p->i] != '*' && p->s[p->i] != '/')) break;
        int pos = p->i, op = p->s[p->i] == '*' ? EXPR_MUL : EXPR_DIV;
        p->i++;
        int b = parse_unary(p);
        if (b < 0) return -1;
        a = emit(p, op, a, b, 0, pos);
    }
    return a;
}

static int parse_sum(parser *p) {
    int a = parse_product(p);
    while (a >= 0) {
        skip(p);
        if (p->i >= p->len || (p->s[p->i] != '+' && p->s[p->i] != '-')) break;
        int pos = p->i, op = p->s[p->i] == '+' ? EXPR_ADD : EXPR_SUB;
        p->i++;
        int b = parse_product(p);
        if (b < 0) return -1;
        a = emit(p, op, a, b, 0, pos);
    }
    return a;
}

int expr_parse(const char *text, const char *const *vars, int nvars, expr_tape *t, expr_error *err) {
    expr_error spare;
    if (!err) err = &spare;
    err->pos = 0;
    err->why[0] = 0;
    t->n = 0;
    t->nvars = 0;
    if (!text || nvars < 0 || nvars > EXPR_VARS_MAX) {
        snprintf(err->why, sizeof err->why, "no expression");
        return -1;
    }
    parser p = {.s = text, .vars = vars, .nvars = nvars, .t = t, .err = err};
    /* Refuse before parsing: the length (read no further than one past the limit) and every
       character outside printable ASCII, wherever it is. */
    int len = 0;
    while (len <= EXPR_LEN_MAX && text[len]) len++;
    if (len > EXPR_LEN_MAX) {
        fail(&p, EXPR_LEN_MAX, "longer than 256 characters");
        return -1;
    }
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7e) {
            fail(&p, i, "a character an expression cannot hold");
            return -1;
        }
    }
    p.len = len;
    skip(&p);
    if (p.i >= len) {
        fail(&p, p.i, "empty: type an expression");
        t->n = 0;
        return -1;
    }
    int r = parse_sum(&p);
    if (r >= 0) {
        skip(&p);
        if (p.i < len) r = fail(&p, p.i, p.s[p.i] == ')' ? "unexpected ')'" : "expected an operator");
    }
    if (r < 0) {
        t->n = 0;
        return -1;
    }
    t->nvars = nvars;
    return 0;
}

/* ---- values ---- */

/* a^b. Whole exponents (up to 1024 in size) by repeated squaring, so (-2)^3 = -8 as a reader
   expects; otherwise exp(b log a), defined for a > 0 (and 0^b = 0 for b > 0). */
static double expr_pow(double a, double b) {
    if (b == floor(b) && fabs(b) <= 1024) {
        unsigned n = (unsigned)fabs(b);
        double r = 1, x = a;
        while (n) {
            if (n & 1) r *= x;
            x *= x;
            n >>= 1;
        }
        return b < 0 ? 1 / r : r;
    }
    if (a > 0) return mlm_pow(a, b);
    if (a == 0 && b > 0) return 0;
    return NAN;
}

double expr_apply(int op, double a, double b) {
    switch (op) {
    case EXPR_ADD: return a + b;
    case EXPR_SUB: return a - b;
    case EXPR_MUL: return a * b;
    case EXPR_DIV: return a / b;
    case EXPR_POW: return expr_pow(a, b);
    case EXPR_NEG: return -a;
    case EXPR_SIN: return mlm_sin(a);
    case EXPR_COS: return mlm_cos(a);
    case EXPR_TAN: return mlm_sin(a) / mlm_cos(a);
    case EXPR_EXP: return mlm_exp(a);
    case EXPR_LOG: return a < 0 ? NAN : mlm_log(a);
    case EXPR_SQRT: return a < 0 ? NAN : sqrt(a);
    case EXPR_TANH: return mlm_tanh(a);
    case EXPR_SIGMOID: return mlm_sigmoid(a);
    case EXPR_ABS: return fabs(a);
    case EXPR_RELU: return a > 0 ? a : 0;
    }
    return NAN;
}

double expr_eval(const expr_tape *t, const double *vars, double *val) {
    for (int k = 0; k < t->n; k++) {
        const expr_node *nd = &t->node[k];
        if (nd->op == EXPR_CONST) val[k] = nd->value;
        else if (nd->op == EXPR_VAR) val[k] = vars[nd->a];
        else val[k] = expr_apply(nd->op, val[nd->a], nd->b >= 0 ? val[nd->b] : 0);
    }
    return t->n ? val[t->n - 1] : NAN;
}

//> local
/* The derivative of each elementary operation with respect to its operands: the one table of
   rules that forward mode and reverse mode both use. v is the operation's own value. */
static void local_rule(int op, double a, double b, double v, double *da, double *db) {
    *da = 0;
    *db = 0;
    switch (op) {
    case EXPR_ADD: *da = 1; *db = 1; break;
    case EXPR_SUB: *da = 1; *db = -1; break;
    case EXPR_MUL: *da = b; *db = a; break;
    case EXPR_DIV: *da = 1 / b; *db = -a / (b * b); break;
    case EXPR_POW:
        /* d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a, which exists only for a > 0 */
        *da = b == 0 ? 0 : b * expr_pow(a, b - 1);
        *db = a > 0 ? v * mlm_log(a) : 0;
        break;
    case EXPR_NEG: *da = -1; break;
    case EXPR_SIN: *da = mlm_cos(a); break;
    case EXPR_COS: *da = -mlm_sin(a); break;
    case EXPR_TAN: { double c = mlm_cos(a); *da = 1 / (c * c); } break;
    case EXPR_EXP: *da = v; break;
    case EXPR_LOG: *da = 1 / a; break;
    case EXPR_SQRT: *da = 0.5 / v; break;
    case EXPR_TANH: *da = 1 - v * v; break;
    case EXPR_SIGMOID: *da = v * (1 - v); break;
    case EXPR_ABS: *da = a > 0 ? 1 : a < 0 ? -1 : 0; break;
    case EXPR_RELU: *da = a > 0 ? 1 : 0; break;
    }
}
//< local

void expr_local(const expr_tape *t, const double *val, int k, double *da, double *db) {
    const expr_node *nd = &t->node[k];
    if (expr_arity(nd->op) == 0) {
        *da = *db = 0;
        return;
    }
    local_rule(nd->op, val[nd->a], nd->b >= 0 ? val[nd->b] : 0, val[k], da, db);
}

//> dual
/* (a + a' eps) op (b + b' eps) = v + (da a' + db b') eps: the chain rule, one operation at a
   time, because every eps^2 term vanishes. A constant exponent (b' = 0) contributes nothing
   through db, so x^2 at x = -3 is fine although log(-3) is not. */
expr_dual expr_dual_apply(int op, expr_dual a, expr_dual b) {
    expr_dual r;
    double da, db;
    r.v = expr_apply(op, a.v, b.v);
    local_rule(op, a.v, b.v, r.v, &da, &db);
    r.d = da * a.d + (b.d != 0 ? db * b.d : 0);
    if (r.v != r.v) r.d = r.v; /* no derivative where there is no value (log of a negative) */
    return r;
}
//< dual

expr_dual expr_eval_dual(const expr_tape *t, const expr_dual *vars, expr_dual *val) {
    expr_dual local[EXPR_NODES_MAX];
    if (!val) val = local;
    for (int k = 0; k < t->n; k++) {
        const expr_node *nd = &t->node[k];
        if (nd->op == EXPR_CONST) val[k] = (expr_dual){nd->value, 0};
        else if (nd->op == EXPR_VAR) val[k] = vars[nd->a];
        else val[k] = expr_dual_apply(nd->op, val[nd->a], nd->b >= 0 ? val[nd->b] : (expr_dual){0, 0});
    }
    return t->n ? val[t->n - 1] : (expr_dual){NAN, NAN};
}

//> reverse
/* Walk the tape backwards: each node hands its adjoint to its operands, times the local
   derivative of the edge. A node used twice receives from both uses (the sum over paths). */
double expr_reverse(const expr_tape *t, const double *val, double *adj, double *grad) {
    for (int k = 0; k < t->n; k++) adj[k] = 0;
    for (int i = 0; i < t->nvars; i++) grad[i] = 0;
    if (!t->n) return NAN;
    adj[t->n - 1] = 1;
    for (int k = t->n - 1; k >= 0; k--) {
        const expr_node *nd = &t->node[k];
        if (nd->op == EXPR_VAR) {
            grad[nd->a] += adj[k];
            continue;
        }
        if (expr_arity(nd->op) == 0 || adj[k] == 0) continue;
        double da, db;
        expr_local(t, val, k, &da, &db);
        adj[nd->a] += adj[k] * da;
        if (nd->b >= 0) adj[nd->b] += adj[k] * db;
    }
    return val[t->n - 1];
}
//< reverse
