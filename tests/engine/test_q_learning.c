/* test_q_learning.c: checks the frozen-lake module against mathematics. The maps are Gym's
 * (checked tile by tile); the slippery model sends each move the intended way or either
 * perpendicular way with probability 1/3 each (counted over the model and over sampled moves);
 * value iteration satisfies the Bellman optimality equation to 1e-10 for every map, ice and
 * several discounts; on firm ice V* is gamma^(d - 1) with d the shortest path to the goal found
 * here by breadth-first search; V* beats the value of random policies at every tile; tabular
 * Q-learning reaches a policy whose every move is optimal by Q* on the deterministic 4x4 lake for
 * every seed tested; on the slippery lake the greedy policy's success rate measured over many
 * simulated episodes agrees with its exact probability and with value iteration's value at the
 * start within a binomial bound; the network learner reaches the optimal policy on firm ice; a
 * learning rate that is far too large is reported as diverged. Plus a sweep of every parameter. */
#include "../../engine/q_learning.c"

#include <stdlib.h>

#include "check.h"
#include "manifest.h"

static const mlm_module *const M = &mlm_module_q_learning;

static mlm_instance *make(int map, int slippery, int learner, double gamma, uint64_t seed) {
    mlm_instance *in = mlm_create(M);
    check_set(in, "map", map);
    check_set(in, "slippery", slippery);
    check_set(in, "learner", learner);
    check_set(in, "gamma", gamma);
    int ok = mlm_reset(in, seed) == 0;
    CHECK(ok, "reset failed: %s", in->reason);
    return in;
}

static void check_maps(void) {
    ql_lake L;
    ql_lake_build(&L, QL_MAP4, 0);
    CHECK(L.S == 16 && L.start == 0 && L.goal == 15, "4x4 start and goal");
    const int holes4[] = {5, 7, 11, 12};
    int nh = 0;
    for (int s = 0; s < 16; s++) nh += L.tile[s] == 'H';
    CHECK(nh == 4, "four holes on 4x4");
    for (int i = 0; i < 4; i++) CHECK(L.tile[holes4[i]] == 'H', "hole at %d", holes4[i]);
    ql_lake_build(&L, QL_MAP8, 1);
    nh = 0;
    for (int s = 0; s < 64; s++) nh += L.tile[s] == 'H';
    CHECK(L.S == 64 && L.start == 0 && L.goal == 63 && nh == 10, "8x8: %d holes", nh);
    /* the slippery model: outcome 1 is the intended move, 0 and 2 the perpendicular ones */
    ql_lake_build(&L, QL_MAP4, 1);
    for (int s = 0; s < 16; s++)
        for (int a = 0; a < 4; a++) {
            CHECK(L.next[s][a][1] == ql_move(&L, s, a), "intended move");
            int p0 = (a + 3) % 4, p2 = (a + 1) % 4;
            CHECK(p0 % 2 != a % 2 && p2 % 2 != a % 2, "perpendicular");
            CHECK(L.next[s][a][0] == ql_move(&L, s, p0) && L.next[s][a][2] == ql_move(&L, s, p2),
                  "perpendicular moves");
        }
    /* moves: from tile 6 (row 1, col 2) left is 5, down 10, right 7, up 2; the corner stays */
    CHECK(ql_move(&L, 6, QL_LEFT) == 5 && ql_move(&L, 6, QL_DOWN) == 10 &&
          ql_move(&L, 6, QL_RIGHT) == 7 && ql_move(&L, 6, QL_UP) == 2, "moves");
    CHECK(ql_move(&L, 0, QL_LEFT) == 0 && ql_move(&L, 0, QL_UP) == 0, "edges keep the agent");
}

static double bellman_residual(const ql_lake *L, const double *V, double gamma) {
    double worst = 0;
    for (int s = 0; s < L->S; s++) {
        double best = 0;
        if (!ql_terminal(L, s)) {
            best = -1;
            for (int a = 0; a < 4; a++) {
                double q = 0;
                for (int k = 0; k < L->nout; k++) {
                    int s2 = L->next[s][a][k];
                    q += (s2 == L->goal ? 1.0 : 0.0) + gamma * V[s2];
                }
                q /= L->nout;
                if (q > best) best = q;
            }
        }
        double r = fabs(best - V[s]);
        if (r > worst) worst = r;
    }
    return worst;
}

static void check_value_iteration(void) {
    const double gammas[] = {0, 0.5, 0.9, 0.95, 0.99, 1.0};
    for (int map = 0; map < 2; map++)
        for (int slip = 0; slip < 2; slip++)
            for (int g = 0; g < 6; g++) {
                ql_lake L;
                ql_lake_build(&L, map, slip);
                double V[QL_SMAX], Q[QL_SMAX * 4];
                int sweeps = ql_value_iteration(&L, gammas[g], V, Q);
                double res = bellman_residual(&L, V, gammas[g]);
                CHECK(res <= 1e-10, "map %d slippery %d gamma %g: residual %g after %d sweeps",
                      map, slip, gammas[g], res, sweeps);
                CHECK(sweeps < QL_VI_SWEEPS, "converged before the cap");
                for (int s = 0; s < L.S; s++) {
                    CHECK(V[s] >= 0 && V[s] <= 1 + 1e-12, "0 <= V <= 1");
                    if (ql_terminal(&L, s)) CHECK(V[s] == 0, "terminal worth 0");
                }
                if (!slip) {
                    /* firm ice: V*(s) = gamma^(d - 1), d the fewest moves to the goal (BFS
                       backwards from G through tiles that are not holes) */
                    int dist[QL_SMAX], queue[QL_SMAX], head = 0, tail = 0;
                    for (int s = 0; s < L.S; s++) dist[s] = -1;
                    dist[L.goal] = 0, queue[tail++] = L.goal;
                    while (head < tail) {
                        int u = queue[head++];
                        for (int s = 0; s < L.S; s++)
                            if (dist[s] < 0 && !ql_terminal(&L, s))
                                for (int a = 0; a < 4; a++)
                                    if (ql_move(&L, s, a) == u) {
                                        dist[s] = dist[u] + 1, queue[tail++] = s;
                                        break;
                                    }
                    }
                    for (int s = 0; s < L.S; s++) {
                        if (ql_terminal(&L, s)) continue;
                        double want = dist[s] < 0 ? 0 : pow(gammas[g], dist[s] - 1);
                        CHECK_NEAR(V[s], want, 1e-12);
                    }
                }
                /* V* is at least the value of any policy: 30 random ones */
                mlm_rng rng;
                mlm_rng_seed(&rng, 7, 1);
                for (int trial = 0; trial < 30; trial++) {
                    int pi[QL_SMAX];
                    for (int s = 0; s < L.S; s++) pi[s] = (int)mlm_rng_below(&rng, 4);
                    double Vp[QL_SMAX];
                    ql_policy_eval(&L, pi, gammas[g], Vp);
                    for (int s = 0; s < L.S; s++) CHECK(Vp[s] <= V[s] + 1e-9, "V* >= V^pi");
                }
                /* and the greedy policy of Q* attains it */
                int pi[QL_SMAX];
                for (int s = 0; s < L.S; s++) pi[s] = ql_argmax(Q + 4 * s, NULL);
                double Vp[QL_SMAX];
                ql_policy_eval(&L, pi, gammas[g], Vp);
                if (gammas[g] > 0 && gammas[g] < 1)
                    for (int s = 0; s < L.S; s++) CHECK_NEAR(Vp[s], V[s], 1e-9);
            }
}

/* Run a fixed policy in the simulator (the module's own model and reward), n episodes of at most
   `cap` moves; the fraction that reach the goal. */
static double simulate(const ql_lake *L, const int *pi, int n, int cap, uint64_t seed) {
    mlm_rng rng;
    mlm_rng_seed(&rng, seed, 3);
    int wins = 0;
    for (int e = 0; e < n; e++) {
        int s = L->start;
        for (int t = 0; t < cap && !ql_terminal(L, s); t++) {
            int k = L->nout > 1 ? (int)mlm_rng_below(&rng, 3) : 0;
            s = L->next[s][pi[s]][k];
        }
        wins += s == L->goal;
    }
    return (double)wins / n;
}

static void check_slip_counts(void) {
    /* the module's own steps: with epsilon 1 every action is random; from the start tile each
       of the three outcomes of the chosen action should come a third of the time */
    mlm_instance *in = make(QL_MAP8, 1, QL_TABLE, 0.99, 5);
    check_set(in, "decay", 1);
    mlm_reset(in, 5);
    ql_state *st = in->self;
    int slips = 0, moves = 0;
    for (int i = 0; i < 30000 && !in->final; i++) {
        mlm_step(in, 1);
        slips += st->last_slip, moves++;
    }
    double p = (double)slips / moves, sd = sqrt(2.0 / 9 / moves);
    CHECK(fabs(p - 2.0 / 3) < 5 * sd, "slipped %.4f of %d moves, want 2/3", p, moves);
    mlm_destroy(in);
}

static void check_deterministic_learning(void) {
    for (uint64_t seed = 1; seed <= 20; seed++) {
        /* at the defaults the run ends when the greedy policy is optimal from the start: it
           then walks straight to the goal in the fewest moves, 6 */
        mlm_instance *in = make(QL_MAP4, 0, QL_TABLE, 0.95, seed);
        check_run_to_end(in, QL_MOVES_MAX);
        CHECK(in->status == MLM_CONVERGED, "seed %llu: defaults: status %d", (unsigned long long)seed, in->status);
        {
            ql_state *st = in->self;
            int pos = 0, t = 0;
            while (!ql_terminal(&st->lake, pos) && t < 100) pos = ql_move(&st->lake, pos, ql_argmax(st->q + 4 * pos, NULL)), t++;
            CHECK(pos == 15 && t == 6, "seed %llu: greedy walk ends at %d after %d", (unsigned long long)seed, pos, t);
        }
        mlm_destroy(in);
        /* with random moves throughout (epsilon 1, no decay: Q-learning learns Q* whatever the
           agent does) every tile is visited; after 100,000 moves of the module's update the
           greedy move at every tile is one of Q*'s best (the run itself would stop earlier, as
           soon as the policy is optimal from the start, so the moves are driven here) */
        in = make(QL_MAP4, 0, QL_TABLE, 0.95, seed);
        ql_state *st = in->self;
        mlm_rng rng;
        mlm_rng_seed(&rng, seed, 9);
        for (int m = 0, s = 0; m < 100000; m++) {
            int a = (int)mlm_rng_below(&rng, 4), s2 = ql_move(&st->lake, s, a);
            int done = ql_terminal(&st->lake, s2);
            ql_update(st, QL_TABLE, 0.1, 0.95, s, a, ql_reward(&st->lake, s2), s2, done);
            s = done ? 0 : s2;
        }
        /* independently of the module's criterion: every greedy move is one of Q*'s best */
        for (int s = 0; s < 16; s++) {
            if (ql_terminal(&st->lake, s)) continue;
            int a = ql_argmax(st->q + 4 * s, NULL);
            double best = st->qstar[4 * s];
            for (int b = 1; b < 4; b++) best = st->qstar[4 * s + b] > best ? st->qstar[4 * s + b] : best;
            CHECK(st->qstar[4 * s + a] >= best - 1e-12, "seed %llu tile %d: move %d not optimal",
                  (unsigned long long)seed, s, a);
        }
        mlm_destroy(in);
    }
}

static void check_slippery(void) {
    const int N = 20000;
    for (int map = 0; map < 2; map++) {
        /* the optimal policy of value iteration at gamma = 1, whose V*(start) is the largest
           probability of reaching the goal */
        ql_lake L;
        ql_lake_build(&L, map, 1);
        double V[QL_SMAX], Q[QL_SMAX * 4];
        ql_value_iteration(&L, 1.0, V, Q);
        int pi[QL_SMAX];
        for (int s = 0; s < L.S; s++) pi[s] = ql_argmax(Q + 4 * s, NULL);
        double p = V[L.start], rate = simulate(&L, pi, N, 100000, 11 + map);
        double bound = 4 * sqrt(p * (1 - p) / N);
        CHECK(fabs(rate - p) <= bound, "map %d: optimal policy succeeds %.4f, V*(S) = %.4f (+-%.4f)",
              map, rate, p, bound);
        printf("slippery map %d: V*(S) at gamma 1 = %.5f, measured %.5f over %d\n", map, p, rate, N);
    }
    /* Q-learning on the slippery 4x4 lake: the greedy policy measured in simulation against its
       exact success probability and against V*(start) */
    for (uint64_t seed = 1; seed <= 4; seed++) {
        mlm_instance *in = make(QL_MAP4, 1, QL_TABLE, 0.99, seed);
        /* off-policy: random moves throughout (epsilon 1, no decay), small steps */
        check_set(in, "decay", 1);
        check_set(in, "lr", 0.01);
        mlm_reset(in, seed);
        check_run_to_end(in, QL_MOVES_MAX);
        ql_state *st = in->self;
        double p = st->opt_success, rate = simulate(&st->lake, st->policy, N, 100000, 100 + seed);
        double exact = st->greedy_success, bound = 4 * sqrt(p * (1 - p) / N);
        printf("seed %llu: status %d episodes %lld greedy exact %.4f measured %.4f optimal %.4f gap %.3g\n",
               (unsigned long long)seed, in->status, st->episodes, exact, rate, p, st->greedy_gap);
        CHECK(fabs(rate - exact) <= 4 * sqrt(exact * (1 - exact) / N) + 1e-12, "measured vs exact");
        CHECK(in->status == MLM_CONVERGED, "seed %llu converged", (unsigned long long)seed);
        CHECK(fabs(rate - p) <= bound, "seed %llu: greedy succeeds %.4f, optimal %.4f (+-%.4f)",
              (unsigned long long)seed, rate, p, bound);
        mlm_destroy(in);
    }
}

static void check_network(void) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        mlm_instance *in = make(QL_MAP4, seed & 1, QL_NETWORK, 0.95, seed);
        check_run_to_end(in, QL_MOVES_MAX);
        ql_state *st = in->self;
        printf("network seed %llu: status %d after %lld episodes\n", (unsigned long long)seed,
               in->status, st->episodes);
        CHECK(in->status == MLM_CONVERGED, "network seed %llu: status %d", (unsigned long long)seed, in->status);
        mlm_destroy(in);
    }
    mlm_instance *in = make(QL_MAP4, 0, QL_NETWORK, 0.99, 1);
    check_set(in, "lr", 1);
    mlm_reset(in, 1);
    check_run_to_end(in, QL_MOVES_MAX);
    printf("network lr 1: status %d: %s\n", in->status, in->reason);
    CHECK(in->status == MLM_DIVERGED, "lr 1 diverges");
    mlm_destroy(in);
    /* the chapter: "Raise the learning rate to 0.1 with gamma = 0.99 and the values run away" */
    in = make(QL_MAP4, 0, QL_NETWORK, 0.99, 1);
    check_run_to_end(in, 100000);
    CHECK(in->status == MLM_DIVERGED, "network at lr 0.1, gamma 0.99 diverges: %d", in->status);
    mlm_destroy(in);
}

int main(void) {
    char why[256];
    CHECK(mlm_module_check(M, why, sizeof why) == 0, "declaration: %s", why);
    check_maps();
    check_value_iteration();
    check_slip_counts();
    check_deterministic_learning();
    check_slippery();
    check_network();
    for (int map = 0; map < 2; map++) {
        mlm_instance *in = make(map, 1, QL_NETWORK, 0.99, 1);
        mlm_step(in, 5000);
        CHECK(check_state_used(in) <= M->state_bytes, "state bytes");
        CHECK(in->const_used <= M->const_bytes, "const bytes");
        mlm_destroy(in);
    }
    int runs = check_sweep(M, 3000);
    CHECK(runs > 20, "sweep ran %d", runs);
    return CHECK_DONE("test_q_learning");
}
