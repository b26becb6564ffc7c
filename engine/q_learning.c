/* q_learning.c: the engine module of the chapter "Reinforcement learning on a frozen lake".
 * An agent walks the Frozen Lake of OpenAI Gym (the classic 4x4 and 8x8 maps): it starts at S,
 * the episode ends in a hole H (reward 0) or at the goal G (reward 1), and on the slippery lake
 * each move goes the intended way or either perpendicular way, a third each. The agent learns
 * action values Q(s, a) by Q-learning with epsilon-greedy exploration, either in a table or in a
 * small network that reads the state one-hot (the shared mlp of engine/core/mlp.h); value
 * iteration on the known model gives the exact answer Q* to compare with.
 *
 * One step is one move of the agent. At the end of each episode epsilon decays, the success
 * counters move, and the greedy policy (argmax_a Q(s, a)) is evaluated exactly on the model:
 * its probability of reaching the goal from the start, and its discounted value from the start,
 * which is optimal when it equals V*(start) (then the run has converged: from where the agent
 * starts, nothing does better).
 *
 * Shapes:
 *   n  side of the lake (4 or 8); S = n * n states, row-major from the top left (s = r n + c)
 *   A  4 actions, in Gym's order: 0 left, 1 down, 2 right, 3 up
 *   K  3 outcomes of a move: the intended direction, and on the slippery lake the two
 *      perpendicular ones
 *   E  episodes in the moving success window (QL_WINDOW)
 *   H  points of each history curve (QL_HIST)
 *   T  moves in an episode, at most QL_TMAX (Gym's limit: 100 on 4x4, 200 on 8x8)
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"
#include "mlm.h"
#include "mlp.h"

#define QL_NMAX 8
#define QL_SMAX (QL_NMAX * QL_NMAX)
#define QL_A 4
#define QL_TMAX 200
#define QL_WINDOW 100
#define QL_HIST 512
#define QL_HIDDEN 32            /* hidden tanh units of the network Q-function */
#define QL_SUB 3                /* each tile drawn as 3x3 cells: the four Q-values and the max */
#define QL_TILE (3 + QL_SUB * QL_SUB) /* floats per tile of a TILES view */
#define QL_MOVES_MAX 1000000     /* a run ends after this many moves */
#define QL_VI_TOL 1e-13         /* value iteration stops when no value moves by more */
#define QL_VI_SWEEPS 200000
#define QL_PE_SWEEPS 20000
#define QL_BIG 1e6              /* a network Q-value beyond this has diverged */

enum { QL_LEFT, QL_DOWN, QL_RIGHT, QL_UP };
enum { QL_MAP4, QL_MAP8 };
enum { QL_TABLE, QL_NETWORK };

/* The classic maps of Gym's FrozenLake-v1 (4x4 and 8x8). */
static const char *const ql_map4[4] = {"SFFF", "FHFH", "FFFH", "HFFG"};
static const char *const ql_map8[8] = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                       "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};

typedef struct {
    int map;         /* QL_MAP4 or QL_MAP8; default 4x4 */
    int slippery;    /* 1: the slippery lake; default 0 */
    int learner;     /* QL_TABLE or QL_NETWORK; default table */
    double epsilon;  /* epsilon at the first episode; default 1 */
    double decay;    /* epsilon is multiplied by this after each episode; default 0.99 */
    double eps_min;  /* epsilon never decays below this; default 0.05 */
    double lr;       /* learning rate alpha (the network's SGD step); default 0.1 */
    double gamma;    /* discount; default 0.99 */
} ql_desc;

/* The lake: the tiles and the model, the same for every run of a description. */
typedef struct {
    int n, S, slippery;
    int start, goal;
    char tile[QL_SMAX];                  /* (S,) 'S', 'F', 'H', 'G' */
    int next[QL_SMAX][QL_A][3];          /* (S, A, K) where outcome k of action a leads */
    int nout;                            /* K in use: 1 (firm ice) or 3 (slippery) */
} ql_lake;

typedef struct {
    ql_lake lake;
    mlp net;                        /* {S, QL_HIDDEN, 4}, tanh, MSE (network learner) */
    double q[QL_SMAX * QL_A];       /* (S, A) the table (table learner) */
    double *vstar;                  /* (S,) V* from value iteration (constant block) */
    double *qstar;                  /* (S, A) Q* (constant block) */
    double opt_success;             /* the optimal policy's probability of reaching G from S */
    int vi_sweeps;                  /* sweeps value iteration took */
    /* the episode under way */
    int pos, t;                     /* the agent's state, moves taken in this episode */
    int last_slip;                  /* 1: the last move went sideways */
    float trail[2 * (QL_TMAX + 1)]; /* (T + 1, 2) the tiles visited, tile centres */
    /* learning */
    double eps;                     /* epsilon now */
    long long episodes, wins;       /* finished episodes, those that reached G */
    unsigned char window[QL_WINDOW];/* (E,) the last E episodes' rewards, a ring */
    int wn;                         /* episodes in the window */
    double rate;                    /* success rate over the window */
    int policy[QL_SMAX];            /* (S,) the greedy policy at the last evaluation */
    double greedy_success;          /* its probability of reaching G from S */
    double greedy_gap;              /* V*(start) - V^greedy(start) under the discount */
    int evaluated;                  /* 1: policy[] has been evaluated */
    mlm_series rate_hist;           /* (H, 2) (episode, window success rate) */
    mlm_series greedy_hist;         /* (H, 2) (episode, greedy success probability) */
    /* drawing */
    float tiles[QL_SMAX * QL_TILE];  /* (S, 3 + 9) the learned Q on the tiles */
    int n_tiles;                     /* non-terminal tiles */
    float arrows[QL_SMAX * 4];       /* (S, 4) greedy arrows */
    float opt_line[4];               /* (2, 2) the optimal success probability */
    float agent[2];
    float *otiles;                   /* (S, 3 + 9) Q* on the tiles (constant block) */
    float *oarrows;                  /* (S, 4) the optimal policy's arrows (constant block) */
    int n_oarrows;
    float *lpos;                     /* (S, 2) label positions: S, H, G tiles (constant block) */
    char *ltext;                     /* their letters, '\n'-separated (constant block) */
    int nlabels;
} ql_state;

static const mlm_param ql_params[] = {
    {"map", "Lake", MLM_CHOICE, offsetof(ql_desc, map), 0, 1, 1, QL_MAP4, 0,
     "4x4:4 x 4|8x8:8 x 8", "the classic 4x4 or 8x8 Frozen Lake map"},
    {"slippery", "Slippery", MLM_BOOL, offsetof(ql_desc, slippery), 0, 1, 1, 0, 0, NULL,
     "each move goes the intended way or either perpendicular way, a third each"},
    {"learner", "Q-function", MLM_CHOICE, offsetof(ql_desc, learner), 0, 1, 1, QL_TABLE, 0,
     "table:Table|network:Network", "a table of Q-values, or a network (32 tanh units) reading the state one-hot"},
    {"epsilon", "Epsilon", MLM_FLOAT, offsetof(ql_desc, epsilon), 0, 1, 0.01, 1, 0, NULL,
     "the probability of a random move in the first episode"},
    {"decay", "Epsilon decay", MLM_FLOAT, offsetof(ql_desc, decay), 0.9, 1, 0.001, 0.99, 0, NULL,
     "epsilon is multiplied by this after every episode"},
    {"eps_min", "Least epsilon", MLM_FLOAT, offsetof(ql_desc, eps_min), 0, 1, 0.01, 0.05, 0, NULL,
     "epsilon decays no lower than this"},
    {"lr", "Learning rate", MLM_FLOAT, offsetof(ql_desc, lr), 0.001, 1, 0, 0.1, 1, NULL,
     "alpha: how far each update moves Q(s, a) towards its target"},
    {"gamma", "Discount", MLM_FLOAT, offsetof(ql_desc, gamma), 0, 1, 0.001, 0.99, 0, NULL,
     "gamma: what a reward one move later is worth now"},
};

enum { P_LAKE, P_OPT, P_RATE, QL_N_PANELS };

static const mlm_panel ql_panels[] = {
    [P_LAKE] = {"lake", "Learned Q and greedy policy", "column", "row from the bottom", MLM_PANEL_EQUAL, NULL},
    [P_OPT] = {"optimal", "Q* and the optimal policy (value iteration)", "", "",
               MLM_PANEL_EQUAL | MLM_PANEL_NOAXES, NULL},
    [P_RATE] = {"rate", "Success against episode", "episode", "success rate",
                MLM_PANEL_AUTO_X | MLM_PANEL_WIDE, NULL},
};

enum {
    V_QFIELD, V_ARROWS, V_LABELS, V_TRAIL, V_AGENT,
    V_OFIELD, V_OARROWS, V_OLABELS,
    V_RATE, V_GREEDY, V_OPTLINE,
    V_S_EPISODE, V_S_EPS, V_S_RATE, V_S_GREEDY, V_S_OPT, V_S_VSTART, V_S_QSTART,
    QL_N_VIEWS
};

static const mlm_view ql_views[] = {
    [V_QFIELD] = {"q", "lake", MLM_VIEW_TILES, "Q", 0, 0},
    [V_ARROWS] = {"greedy", "lake", MLM_VIEW_ARROWS, "greedy move", MLM_VERMILION, 0},
    [V_LABELS] = {"tiles", "lake", MLM_VIEW_LABELS, "", MLM_INK, 0},
    [V_TRAIL] = {"walk", "lake", MLM_VIEW_TRAIL, "this episode", MLM_SKY_BLUE, 0},
    [V_AGENT] = {"agent", "lake", MLM_VIEW_MARKERS, "agent", MLM_ORANGE, 0},
    [V_OFIELD] = {"qstar", "optimal", MLM_VIEW_TILES, "Q*", 0, 0},
    [V_OARROWS] = {"optimal_policy", "optimal", MLM_VIEW_ARROWS, "optimal move", MLM_VERMILION, 0},
    [V_OLABELS] = {"otiles", "optimal", MLM_VIEW_LABELS, "", MLM_INK, 0},
    [V_RATE] = {"rate_curve", "rate", MLM_VIEW_CURVE, "last 100 episodes", MLM_SKY_BLUE, MLM_VIEW_LEGEND},
    [V_GREEDY] = {"greedy_curve", "rate", MLM_VIEW_CURVE, "greedy policy (exact)", MLM_VERMILION, MLM_VIEW_LEGEND},
    [V_OPTLINE] = {"optimal_line", "rate", MLM_VIEW_CURVE, "optimal policy", MLM_INK,
                   MLM_VIEW_LEGEND | MLM_VIEW_DASHED},
    [V_S_EPISODE] = {"episodes", NULL, MLM_VIEW_SCALAR, "episodes", 0, MLM_SCALAR_INT},
    [V_S_EPS] = {"eps", NULL, MLM_VIEW_SCALAR, "ε", 0, 0},
    [V_S_RATE] = {"success", NULL, MLM_VIEW_SCALAR, "success (last 100)", 0, MLM_SCALAR_PERCENT},
    [V_S_GREEDY] = {"greedy_success", NULL, MLM_VIEW_SCALAR, "greedy succeeds", 0, MLM_SCALAR_PERCENT},
    [V_S_OPT] = {"optimal_success", NULL, MLM_VIEW_SCALAR, "optimal succeeds", 0, MLM_SCALAR_PERCENT},
    [V_S_VSTART] = {"vstar_start", NULL, MLM_VIEW_SCALAR, "V*(S)", 0, 0},
    [V_S_QSTART] = {"v_start", NULL, MLM_VIEW_SCALAR, "max Q(S, ·)", 0, 0},
};

_Static_assert(MLM_COUNT(ql_views) == QL_N_VIEWS, "one declaration per view");
_Static_assert(MLM_COUNT(ql_panels) == QL_N_PANELS, "one declaration per panel");

#define QL_A16(n) (((size_t)(n) + 15u) & ~(size_t)15u)
#define QL_STATE_BYTES                                                                       \
    (QL_A16(sizeof(ql_state)) + 2 * QL_A16(sizeof(float) * 2 * QL_HIST) +                      \
     MLP_BYTES_MAX(QL_SMAX, QL_HIDDEN, 1, QL_A, 1))
#define QL_CONST_BYTES                                                                       \
    (QL_A16(sizeof(double) * QL_SMAX) + QL_A16(sizeof(double) * QL_SMAX * QL_A) +              \
     QL_A16(sizeof(float) * QL_SMAX * QL_TILE) + 2 * QL_A16(sizeof(float) * QL_SMAX * 4) +     \
     QL_A16(2 * QL_SMAX + 1))

static float ql_f(double v) { return (float)v; }

//> lake
/* The model of the lake: where outcome k of action a from state s leads. Terminal states (holes
   and the goal) lead nowhere; a move into the edge leaves the agent where it was. On firm ice
   the one outcome is the intended move; on the slippery lake the three equally likely outcomes
   are the intended direction and the two perpendicular to it (Gym's a - 1, a, a + 1 mod 4). */
static int ql_terminal(const ql_lake *L, int s) { return L->tile[s] == 'H' || L->tile[s] == 'G'; }

static int ql_move(const ql_lake *L, int s, int dir) {
    int r = s / L->n, c = s % L->n;
    if (dir == QL_LEFT && c > 0) c--;
    else if (dir == QL_DOWN && r < L->n - 1) r++;
    else if (dir == QL_RIGHT && c < L->n - 1) c++;
    else if (dir == QL_UP && r > 0) r--;
    return r * L->n + c;
}

static void ql_lake_build(ql_lake *L, int map, int slippery) {
    L->n = map == QL_MAP8 ? 8 : 4;
    L->S = L->n * L->n;
    L->slippery = slippery;
    L->nout = slippery ? 3 : 1;
    for (int r = 0; r < L->n; r++)
        for (int c = 0; c < L->n; c++) {
            int s = r * L->n + c;
            L->tile[s] = (map == QL_MAP8 ? ql_map8 : ql_map4)[r][c];
            if (L->tile[s] == 'S') L->start = s;
            if (L->tile[s] == 'G') L->goal = s;
        }
    for (int s = 0; s < L->S; s++)
        for (int a = 0; a < QL_A; a++) {
            if (slippery)
                for (int k = 0; k < 3; k++) L->next[s][a][k] = ql_move(L, s, (a + 3 + k) % 4);
            else
                L->next[s][a][0] = ql_move(L, s, a);
        }
}

/* The reward for arriving in s2: 1 at the goal, 0 elsewhere. */
static double ql_reward(const ql_lake *L, int s2) { return s2 == L->goal ? 1.0 : 0.0; }
//< lake

//> bellman
/* The right-hand side of the Bellman equation for Q: the expected reward of action a in s plus
   the discounted value of where it lands, Σ_k p_k (r(s'_k) + γ V(s'_k)), p_k = 1 / K. */
static double ql_backup(const ql_lake *L, const double *V /* (S,) */, int s, int a, double gamma) {
    double sum = 0;
    for (int k = 0; k < L->nout; k++) {
        int s2 = L->next[s][a][k];
        sum += ql_reward(L, s2) + gamma * V[s2];
    }
    return sum / L->nout;
}
//< bellman

//> value_iteration
/* Value iteration: V_{k+1}(s) = max_a backup(V_k, s, a) for every non-terminal s (terminal states
   are worth 0: nothing follows them), until no value moves by more than QL_VI_TOL. With γ < 1
   each sweep shrinks the distance to V* by γ; at γ = 1 the lake's holes and goal still end every
   episode with probability growing in its length, and the values converge all the same. Writes V*
   and Q*; returns the sweeps taken. */
static int ql_value_iteration(const ql_lake *L, double gamma, double *V /* (S,) */,
                              double *Q /* (S, A) */) {
    double Vn[QL_SMAX];
    for (int s = 0; s < L->S; s++) V[s] = 0;
    int sweeps = 0;
    for (;;) {
        double change = 0;
        for (int s = 0; s < L->S; s++) {
            Vn[s] = 0;
            if (ql_terminal(L, s)) continue;
            double best = -1;
            for (int a = 0; a < QL_A; a++) {
                double q = ql_backup(L, V, s, a, gamma);
                if (q > best) best = q;
            }
            Vn[s] = best;
            double d = fabs(best - V[s]);
            if (d > change) change = d;
        }
        memcpy(V, Vn, sizeof(double) * L->S);
        sweeps++;
        if (change <= QL_VI_TOL || sweeps >= QL_VI_SWEEPS) break;
    }
    for (int s = 0; s < L->S; s++)
        for (int a = 0; a < QL_A; a++)
            Q[s * QL_A + a] = ql_terminal(L, s) ? 0 : ql_backup(L, V, s, a, gamma);
    return sweeps;
}
//< value_iteration

/* Evaluate a fixed policy on the model: V(s) = backup(V, s, pi(s)) for non-terminal s, by
   Gauss-Seidel sweeps from V = 0 (which rise monotonically to the fixed point, also at γ = 1,
   where V(s) is the probability of ever reaching the goal). */
static void ql_policy_eval(const ql_lake *L, const int *pi, double gamma, double *V) {
    for (int s = 0; s < L->S; s++) V[s] = 0;
    for (int sweep = 0; sweep < QL_PE_SWEEPS; sweep++) {
        double change = 0;
        for (int s = 0; s < L->S; s++) {
            if (ql_terminal(L, s)) continue;
            double v = ql_backup(L, V, s, pi[s], gamma);
            double d = fabs(v - V[s]);
            if (d > change) change = d;
            V[s] = v;
        }
        if (change <= QL_VI_TOL) break;
    }
}

/* The four Q-values of state s from the learner. */
static void ql_qrow(const ql_state *st, int learner, int s, double *q /* (A,) */) {
    if (learner == QL_NETWORK) {
        double x[QL_SMAX] = {0};
        x[s] = 1;
        mlp_predict(&st->net, x, q);
    } else {
        for (int a = 0; a < QL_A; a++) q[a] = st->q[s * QL_A + a];
    }
}

/* argmax of q; ties go to the first (drawing, evaluation) or, given an rng, to a random one of
   them (acting: an agent with all values still zero must not always walk left). */
static int ql_argmax(const double *q, mlm_rng *rng) {
    int best = 0, ties = 1;
    for (int a = 1; a < QL_A; a++) {
        if (q[a] > q[best]) best = a, ties = 1;
        else if (q[a] == q[best] && rng && mlm_rng_below(rng, (uint32_t)++ties) == 0) best = a;
    }
    return best;
}

static void ql_tile_centre(const ql_lake *L, int s, float *xy) {
    xy[0] = ql_f(s % L->n + 0.5);
    xy[1] = ql_f(L->n - s / L->n - 0.5);
}

/* The greedy policy now, and its exact success probability and gap to V*. */
static void ql_evaluate_greedy(ql_state *st, int learner, double gamma) {
    const ql_lake *L = &st->lake;
    int pi[QL_SMAX], changed = !st->evaluated;
    for (int s = 0; s < L->S; s++) {
        double q[QL_A];
        ql_qrow(st, learner, s, q);
        pi[s] = ql_argmax(q, NULL);
        if (pi[s] != st->policy[s]) changed = 1;
    }
    if (!changed) return;
    memcpy(st->policy, pi, sizeof(int) * L->S);
    st->evaluated = 1;
    double V[QL_SMAX];
    ql_policy_eval(L, pi, 1.0, V);
    st->greedy_success = V[L->start];
    if (gamma < 1) ql_policy_eval(L, pi, gamma, V);
    st->greedy_gap = st->vstar[L->start] - V[L->start];
}

/* The Q-values of every tile that is not terminal as small 3x3 images (an MLM_VIEW_TILES buffer,
   row 0 at the top): Q(s, up) above the centre, Q(s, left) and Q(s, right) beside it, Q(s, down)
   below, and max_a Q(s, a) in the centre and the corners. Holes and the goal are left out, so
   the lake's paper shows through and their letters stay readable. Returns the tiles written. */
static int ql_fill_tiles(const ql_lake *L, float *tiles /* (S, 3 + 9) */, const double *Q /* (S, A) */) {
    int n = 0;
    for (int s = 0; s < L->S; s++) {
        if (ql_terminal(L, s)) continue;
        const double *q = Q + s * QL_A;
        double m = q[0];
        for (int a = 1; a < QL_A; a++) m = q[a] > m ? q[a] : m;
        float *t = tiles + n * QL_TILE;
        ql_tile_centre(L, s, t);
        t[2] = 1;
        float *img = t + 3;
        for (int k = 0; k < 9; k++) img[k] = ql_f(mlm_clamp(m, -1, 1));
        img[1] = ql_f(mlm_clamp(q[QL_UP], -1, 1));
        img[3] = ql_f(mlm_clamp(q[QL_LEFT], -1, 1));
        img[5] = ql_f(mlm_clamp(q[QL_RIGHT], -1, 1));
        img[7] = ql_f(mlm_clamp(q[QL_DOWN], -1, 1));
        n++;
    }
    return n;
}

static int ql_fill_arrows(const ql_lake *L, float *arrows, const double *Q, int skip_flat) {
    static const float dx[4] = {-1, 0, 1, 0}, dy[4] = {0, -1, 0, 1};
    int n = 0;
    for (int s = 0; s < L->S; s++) {
        if (ql_terminal(L, s)) continue;
        const double *q = Q + s * QL_A;
        if (skip_flat && q[0] == q[1] && q[1] == q[2] && q[2] == q[3]) continue;
        int a = ql_argmax(q, NULL);
        float c[2];
        ql_tile_centre(L, s, c);
        arrows[4 * n] = c[0] - 0.18f * dx[a], arrows[4 * n + 1] = c[1] - 0.18f * dy[a];
        arrows[4 * n + 2] = 0.36f * dx[a], arrows[4 * n + 3] = 0.36f * dy[a];
        n++;
    }
    return n;
}

static void ql_new_episode(ql_state *st) {
    st->pos = st->lake.start;
    st->t = 0;
    ql_tile_centre(&st->lake, st->pos, st->trail);
}

static void *ql_create(mlm_instance *in) {
    const ql_desc *d = in->desc;
    ql_state *st = mlm_alloc(in, sizeof(ql_state));
    if (!st) return NULL;
    if (mlm_series_init(in, &st->rate_hist, QL_HIST) != 0) return NULL;
    if (mlm_series_init(in, &st->greedy_hist, QL_HIST) != 0) return NULL;
    ql_lake *L = &st->lake;
    ql_lake_build(L, d->map, d->slippery);
    st->vstar = mlm_alloc_const(in, sizeof(double) * QL_SMAX);
    st->qstar = mlm_alloc_const(in, sizeof(double) * QL_SMAX * QL_A);
    st->otiles = mlm_alloc_const(in, sizeof(float) * QL_SMAX * QL_TILE);
    st->oarrows = mlm_alloc_const(in, sizeof(float) * QL_SMAX * 4);
    st->lpos = mlm_alloc_const(in, sizeof(float) * QL_SMAX * 4);
    st->ltext = mlm_alloc_const(in, 2 * QL_SMAX + 1);
    if (!st->vstar || !st->qstar || !st->otiles || !st->oarrows || !st->lpos || !st->ltext) return NULL;
    st->vi_sweeps = ql_value_iteration(L, d->gamma, st->vstar, st->qstar);
    int pi[QL_SMAX];
    for (int s = 0; s < L->S; s++) pi[s] = ql_argmax(st->qstar + s * QL_A, NULL);
    double V[QL_SMAX];
    ql_policy_eval(L, pi, 1.0, V);
    st->opt_success = V[L->start];
    st->n_tiles = ql_fill_tiles(L, st->otiles, st->qstar);
    st->n_oarrows = ql_fill_arrows(L, st->oarrows, st->qstar, 0);
    char *p = st->ltext;
    for (int s = 0; s < L->S; s++)
        if (ql_terminal(L, s)) {
            ql_tile_centre(L, s, st->lpos + 2 * st->nlabels);
            st->nlabels++;
            *p++ = L->tile[s];
            *p++ = '\n';
        }
    if (p > st->ltext) p[-1] = 0;
    if (d->learner == QL_NETWORK) {
        int sizes[3] = {L->S, QL_HIDDEN, QL_A};
        if (mlp_init(in, &st->net, sizes, 3, MLP_TANH, MLP_MSE, 1) != 0) return NULL;
    }
    st->eps = d->epsilon;
    st->greedy_success = 0;
    ql_evaluate_greedy(st, d->learner, d->gamma);
    mlm_series_push(&st->greedy_hist, 0, st->greedy_success);
    ql_new_episode(st);
    return st;
}

//> update
/* The Q-learning update for the move (s, a) -> s2 with reward r: the target is
   r + γ max_a' Q(s2, a') (just r when s2 ends the episode: nothing follows it), and Q(s, a)
   moves a fraction α of the way there. The network takes one gradient step on the squared error
   1/2 (Q(s, a) - target)^2: the targets of the other three outputs are their own values, so
   their errors, and their gradients, are zero. Returns 0, or -1 if the network diverged. */
static int ql_update(ql_state *st, int learner, double lr, double gamma, int s, int a, double r,
                     int s2, int done) {
    double q2[QL_A], target = r;
    if (!done) {
        ql_qrow(st, learner, s2, q2);
        double m = q2[0];
        for (int k = 1; k < QL_A; k++) m = q2[k] > m ? q2[k] : m;
        target += gamma * m;
    }
    if (learner == QL_TABLE) {
        double *q = &st->q[s * QL_A + a];
        *q += lr * (target - *q);
        return 0;
    }
    double x[QL_SMAX] = {0}, y[QL_A];
    x[s] = 1;
    mlp_predict(&st->net, x, y);
    y[a] = target;
    mlp_forward(&st->net, x, y, 1, NULL);
    mlp_backward(&st->net);
    mlp_sgd_step(&st->net, lr);
    return mlp_finite(&st->net) && fabs(target) < QL_BIG ? 0 : -1;
}
//< update

static void ql_step(mlm_instance *in, void *self) {
    const ql_desc *d = in->desc;
    ql_state *st = self;
    const ql_lake *L = &st->lake;
    //> act
    /* Epsilon-greedy: a random action with probability ε, else the best one by Q (ties at
       random). Then the lake decides where the move really goes. */
    int s = st->pos, a;
    if (mlm_rng_uniform(&in->rng) < st->eps) {
        a = (int)mlm_rng_below(&in->rng, QL_A);
    } else {
        double q[QL_A];
        ql_qrow(st, d->learner, s, q);
        a = ql_argmax(q, &in->rng);
    }
    int k = L->nout > 1 ? (int)mlm_rng_below(&in->rng, (uint32_t)L->nout) : 0;
    int s2 = L->next[s][a][k];
    double r = ql_reward(L, s2);
    int done = ql_terminal(L, s2);
    //< act
    st->last_slip = L->nout > 1 && k != 1;
    if (ql_update(st, d->learner, d->lr, d->gamma, s, a, r, s2, done) != 0) {
        mlm_diverged(in, 1, "The network's Q-values became too large at move %lld: a learning "
                     "rate of %.3g is too large for it. Try a smaller one.",
                     (long long)in->steps + 1, d->lr);
        return;
    }
    st->pos = s2;
    st->t++;
    ql_tile_centre(L, s2, st->trail + 2 * st->t);
    int limit = L->n == 8 ? 200 : 100;
    if (!done && st->t < limit) {
        if (in->steps + 1 >= QL_MOVES_MAX)
            mlm_finished(in, "The run stops after %d moves (%lld episodes).", QL_MOVES_MAX, st->episodes);
        return;
    }
    /* the episode is over: count it, decay epsilon, evaluate the greedy policy */
    int win = s2 == L->goal;
    if (st->wn < QL_WINDOW) st->wn++;
    st->window[st->episodes % QL_WINDOW] = (unsigned char)win;
    st->episodes++;
    st->wins += win;
    int ones = 0;
    for (int i = 0; i < st->wn; i++) ones += st->window[i];
    st->rate = (double)ones / st->wn;
    st->eps *= d->decay;
    if (st->eps < d->eps_min) st->eps = d->eps_min < d->epsilon ? d->eps_min : d->epsilon;
    ql_evaluate_greedy(st, d->learner, d->gamma);
    mlm_series_push(&st->rate_hist, (double)st->episodes, st->rate);
    mlm_series_push(&st->greedy_hist, (double)st->episodes, st->greedy_success);
    ql_new_episode(st);
    if (st->greedy_gap <= 1e-9) {
        mlm_converged(in, 1, "After %lld episodes the greedy policy is optimal: its value at the "
                      "start equals V* there (to 1e-9); it reaches the goal with probability %.3f.",
                      st->episodes, st->greedy_success);
    } else if (in->steps + 1 >= QL_MOVES_MAX) {
        mlm_finished(in, "The run stops after %d moves (%lld episodes).", QL_MOVES_MAX, st->episodes);
    }
}

static void ql_draw(mlm_instance *in, void *self) {
    const ql_desc *d = in->desc;
    ql_state *st = self;
    const ql_lake *L = &st->lake;
    mlm_view_state *v = in->views;
    double Q[QL_SMAX * QL_A];
    for (int s = 0; s < L->S; s++) ql_qrow(st, d->learner, s, Q + s * QL_A);
    v[V_QFIELD].data = st->tiles, v[V_QFIELD].count = ql_fill_tiles(L, st->tiles, Q);
    v[V_OFIELD].data = st->otiles, v[V_OFIELD].count = st->n_tiles;
    v[V_QFIELD].w = v[V_QFIELD].h = v[V_OFIELD].w = v[V_OFIELD].h = QL_SUB;
    v[V_QFIELD].lo = v[V_OFIELD].lo = 0;
    v[V_QFIELD].hi = v[V_OFIELD].hi = 1;
    v[V_ARROWS].data = st->arrows, v[V_ARROWS].count = ql_fill_arrows(L, st->arrows, Q, 1);
    v[V_OARROWS].data = st->oarrows, v[V_OARROWS].count = st->n_oarrows;
    v[V_LABELS].data = v[V_OLABELS].data = st->lpos;
    v[V_LABELS].count = v[V_OLABELS].count = st->nlabels;
    v[V_LABELS].text = v[V_OLABELS].text = st->ltext;
    v[V_TRAIL].data = st->trail, v[V_TRAIL].count = st->t + 1;
    ql_tile_centre(L, st->pos, st->agent);
    v[V_AGENT].data = st->agent, v[V_AGENT].count = 1;
    mlm_series_view(in, V_RATE, &st->rate_hist);
    mlm_series_view(in, V_GREEDY, &st->greedy_hist);
    double x1 = st->episodes > 1 ? (double)st->episodes : 1;
    st->opt_line[0] = 0, st->opt_line[1] = ql_f(st->opt_success);
    st->opt_line[2] = ql_f(x1), st->opt_line[3] = ql_f(st->opt_success);
    v[V_OPTLINE].data = st->opt_line, v[V_OPTLINE].count = 2;
    v[V_S_EPISODE].value = (float)st->episodes;
    v[V_S_EPS].value = ql_f(st->eps);
    v[V_S_RATE].value = ql_f(100 * st->rate);
    v[V_S_GREEDY].value = ql_f(100 * st->greedy_success);
    v[V_S_OPT].value = ql_f(100 * st->opt_success);
    v[V_S_VSTART].value = ql_f(st->vstar[L->start]);
    double m = Q[L->start * QL_A];
    for (int a = 1; a < QL_A; a++) m = Q[L->start * QL_A + a] > m ? Q[L->start * QL_A + a] : m;
    v[V_S_QSTART].value = ql_f(mlm_clamp(m, -QL_BIG, QL_BIG));
    float n = (float)L->n;
    in->panels[P_LAKE] = (mlm_panel_state){0, n, 0, n, 0};
    in->panels[P_OPT] = (mlm_panel_state){0, n, 0, n, 0};
    in->panels[P_RATE] = (mlm_panel_state){0, 1, 0, 1.02f, 0};
}

const mlm_module mlm_module_q_learning = {
    .name = "q_learning",
    .title = "Reinforcement learning on a frozen lake",
    .params = ql_params,
    .n_params = MLM_COUNT(ql_params),
    .desc_size = sizeof(ql_desc),
    .panels = ql_panels,
    .n_panels = QL_N_PANELS,
    .views = ql_views,
    .n_views = QL_N_VIEWS,
    .state_bytes = QL_STATE_BYTES,
    .const_bytes = QL_CONST_BYTES,
    .speed = 60,
    .t_max = 100000,
    .random = 1,
    .create = ql_create,
    .step = ql_step,
    .draw = ql_draw,
};
