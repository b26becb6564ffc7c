/* expr.h: expressions the reader types (f(x), g(x, y)), parsed once into a tape.
 *
 * Grammar (whitespace between tokens is ignored):
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := atom ('^' unary)?          right-associative: 2^3^2 = 2^9, 2^-x allowed,
 *                                          -x^2 = -(x^2) as in mathematics
 *   atom    := number | variable | 'pi' | function '(' sum ')' | '(' sum ')'
 *   function: sin cos tan exp log sqrt tanh sigmoid abs relu
 * Numbers are decimal (1, 2.5, .5, 1e-3). The variables are the caller's (x; x and y).
 *
 * The result is a tape: nodes in evaluation order, each operation after its operands, the last
 * node the whole expression. That order is what forward evaluation walks and what reverse mode
 * walks backwards. Parsing never allocates and never recurses deeper than EXPR_DEPTH_MAX: a text
 * longer than EXPR_LEN_MAX, nested deeper, or holding any character outside printable ASCII is
 * refused with a position and a reason, like any syntax error.
 *
 * All mathematics goes through detmath.h, so a tape evaluates to the same bits in wasm and natively.
 */
#ifndef MLM_EXPR_H
#define MLM_EXPR_H

#define EXPR_LEN_MAX 256   /* characters of the text, without its NUL */
#define EXPR_NODES_MAX 256 /* every node consumes at least one character */
#define EXPR_DEPTH_MAX 64  /* nested parentheses, function calls, signs and powers */
#define EXPR_VARS_MAX 8

typedef enum {
    EXPR_CONST, EXPR_VAR, /* leaves */
    EXPR_ADD, EXPR_SUB, EXPR_MUL, EXPR_DIV, EXPR_POW, /* binary: a, b */
    EXPR_NEG, EXPR_SIN, EXPR_COS, EXPR_TAN, EXPR_EXP, EXPR_LOG, EXPR_SQRT, EXPR_TANH,
    EXPR_SIGMOID, EXPR_ABS, EXPR_RELU, /* unary: a */
    EXPR_N_OPS
} expr_op;

typedef struct {
    int op;       /* expr_op */
    int a, b;     /* operand nodes (earlier on the tape); -1: none. EXPR_VAR: a is the variable */
    double value; /* EXPR_CONST */
    int pos;      /* where in the text the node's token starts (for drawing and messages) */
} expr_node;

typedef struct {
    expr_node node[EXPR_NODES_MAX]; /* (n) the tape */
    int n;
    int nvars;
} expr_tape;

typedef struct {
    int pos;       /* character index of the problem (the text's length: at its end) */
    char why[80];  /* a short reason: "expected ')'" */
} expr_error;

/* Parse text over the variables vars[0..nvars-1] into t. 0, or -1 with err filled (t->n = 0). */
int expr_parse(const char *text, const char *const *vars, int nvars, expr_tape *t, expr_error *err);

/* The operation's name as a node label ("+", "sin", "x"). */
const char *expr_op_name(int op);
int expr_arity(int op);

/* Forward evaluation: val[k] for every node k (n doubles); returns the root's value. */
double expr_eval(const expr_tape *t, const double *vars, double *val);
/* A binary or unary operation on plain numbers (the rule every evaluator shares). */
double expr_apply(int op, double a, double b);
/* Local derivatives of node k with respect to its operands, given val[] from expr_eval:
   *da = d node / d a, *db = d node / d b (0 for a unary op). */
void expr_local(const expr_tape *t, const double *val, int k, double *da, double *db);

/* Dual numbers a + b eps, eps^2 = 0: forward mode. */
typedef struct {
    double v, d;
} expr_dual;
expr_dual expr_dual_apply(int op, expr_dual a, expr_dual b);
/* Evaluate over dual inputs; val (n duals, may be NULL then a local buffer is used) receives every node. */
expr_dual expr_eval_dual(const expr_tape *t, const expr_dual *vars, expr_dual *val);

/* Reverse mode: after expr_eval filled val, adj[k] = d root / d node k for every node, and
   grad[i] = d root / d variable i (nvars doubles). Returns the root's value. */
double expr_reverse(const expr_tape *t, const double *val, double *adj, double *grad);

#endif
