/* test_mlm.c: the core's contract (engine/core/mlm.c), on small modules declared here:
 *   - conditional parameters: conditions parse and evaluate (choices, booleans, minimums, chains);
 *     malformed tables, reserved and badly formed names are refused by mlm_module_check;
 *   - URL-safe base64: RFC 4648's vectors, round trips of every length, refusal of characters
 *     outside the alphabet, of impossible lengths and of stray bits;
 *   - the reader's input: it survives mlm_reset, a refused text leaves the run byte for byte as
 *     it was, a pointer or action that returns 1 restarts the run keeping the input;
 *   - running out of memory: the reason names the module, the bound and the bytes needed, and
 *     survives the module's own mlm_fail and mlm_reset;
 *   - the manifest carries "when", "input", "actions" and "worker";
 *   - TEXT parameters: stored, refused without change, kept by reset and checkpoints, declared
 *     consistently, written in the manifest.
 */
#define _POSIX_C_SOURCE 200809L
#include "../../engine/core/mlm.c"

#include <stdio.h>

#include "check.h"
#include "manifest.h"

/* ---- a module with conditional parameters ---- */
typedef struct {
    int opt;         /* sgd | momentum | adam */
    double momentum; /* when opt is momentum or adam */
    double beta2;    /* when opt is adam */
    double eps;      /* when beta2 >= 0.5 (and so only with adam): a chain */
    int layers;
    int n3;          /* when layers >= 3 */
    int flag;
    double extra;    /* when flag = 1 */
    int count;       /* INT keys: when count is 2 or 4 */
    double odd;
} t_desc;

static const mlm_param t_params[] = {
    {"opt", "Optimizer", MLM_CHOICE, offsetof(t_desc, opt), 0, 2, 1, 0, 0, "sgd:SGD|momentum:Momentum|adam:Adam", ""},
    {"momentum", "Momentum", MLM_FLOAT, offsetof(t_desc, momentum), 0, 0.99, 0, 0.9, 0, NULL, ""},
    {"beta2", "β₂", MLM_FLOAT, offsetof(t_desc, beta2), 0, 1, 0, 0.999, 0, NULL, ""},
    {"eps", "ε", MLM_FLOAT, offsetof(t_desc, eps), 1e-12, 1, 0, 1e-8, 1, NULL, ""},
    {"layers", "Layers", MLM_INT, offsetof(t_desc, layers), 0, 6, 1, 2, 0, NULL, ""},
    {"n3", "Layer 3", MLM_INT, offsetof(t_desc, n3), 1, 8, 1, 4, 0, NULL, ""},
    {"flag", "Flag", MLM_BOOL, offsetof(t_desc, flag), 0, 1, 1, 0, 0, NULL, ""},
    {"extra", "Extra", MLM_FLOAT, offsetof(t_desc, extra), 0, 1, 0, 0.5, 0, NULL, ""},
    {"count", "Count", MLM_INT, offsetof(t_desc, count), 1, 5, 1, 1, 0, NULL, ""},
    {"odd", "Odd", MLM_FLOAT, offsetof(t_desc, odd), 0, 1, 0, 0, 0, NULL, ""},
};

static const mlm_when t_when[] = {
    {"momentum", "opt=momentum|adam"},
    {"beta2", "opt=adam"},
    {"eps", "beta2>=0.5"},
    {"n3", "layers>=3"},
    {"extra", "flag=1"},
    {"odd", "count=2|4"},
};

/* ---- its state: a step counter and a list of placed points, the input ---- */
#define T_POINTS 16
typedef struct {
    int32_t steps_seen;
    int32_t n;              /* points placed */
    uint8_t pts[T_POINTS];  /* each a byte */
    int32_t cleared;        /* times "clear" ran */
} t_state;

static void *t_create(mlm_instance *in) { return mlm_alloc(in, sizeof(t_state)); }
static void t_step(mlm_instance *in, void *self) {
    (void)in;
    ((t_state *)self)->steps_seen++;
}
static void t_draw(mlm_instance *in, void *self) {
    (void)self;
    in->views[0].value = (float)in->steps;
}

static int t_input_get(const mlm_instance *in, const void *self, char *buf, size_t n) {
    (void)in;
    const t_state *s = self;
    if (s->n == 0) return 0;
    return mlm_b64_encode(s->pts, (size_t)s->n, buf, n);
}

/* Writes into the state before it knows the text is bad, so that only the core's undo can keep
   a refused text from changing the run. */
static int t_input_set(mlm_instance *in, void *self, const char *text) {
    (void)in;
    t_state *s = self;
    s->n = 99;
    memset(s->pts, 0xee, sizeof s->pts);
    int got = mlm_b64_decode(text, s->pts, sizeof s->pts);
    if (got < 0) return -1;
    for (int k = 0; k < got; k++)
        if (s->pts[k] > 200) return -1; /* the module's own rule: bytes up to 200 */
    s->n = got;
    return 0;
}

/* Panel 0: a press places a point (training sees it: restart); a press at x < 0 only looks. */
static int t_pointer(mlm_instance *in, void *self, int panel, int kind, double x, double y) {
    (void)in, (void)panel, (void)y;
    t_state *s = self;
    if (kind != MLM_POINTER_DOWN || x < 0 || s->n >= T_POINTS) return 0;
    s->pts[s->n++] = (uint8_t)mlm_clamp(x, 0, 200);
    return 1;
}

static int t_action(mlm_instance *in, void *self, int k) {
    (void)in;
    t_state *s = self;
    if (k == 0) { /* clear */
        s->n = 0;
        s->cleared++;
        return 1;
    }
    return 0; /* "look": nothing to restart */
}

static const mlm_panel t_panels[] = {{"main", "Main", "x", "y", MLM_PANEL_POINTER, NULL}};
static const mlm_view t_views[] = {{"steps", NULL, MLM_VIEW_SCALAR, "steps", 0, MLM_SCALAR_INT}};

static const mlm_module t_module = {
    .name = "tester",
    .title = "Tester",
    .params = t_params,
    .n_params = MLM_COUNT(t_params),
    .desc_size = sizeof(t_desc),
    .panels = t_panels,
    .n_panels = 1,
    .views = t_views,
    .n_views = 1,
    .state_bytes = sizeof(t_state) + 16,
    .speed = 10,
    .create = t_create,
    .step = t_step,
    .draw = t_draw,
    .pointer = t_pointer,
    .when = t_when,
    .n_when = MLM_COUNT(t_when),
    .input_get = t_input_get,
    .input_set = t_input_set,
    .actions = "clear:Clear|look:Look",
    .action = t_action,
    .worker = 1,
};

static int t_applies(const char *name, t_desc *d) {
    return mlm_param_applies(&t_module, d, mlm_param_index(&t_module, name));
}

static void check_conditions(void) {
    char why[200];
    CHECK(mlm_module_check(&t_module, why, sizeof why) == 0, "%s", why);
    t_desc d;
    mlm_desc_defaults(&t_module, &d);
    /* sgd: neither momentum nor Adam's β₂, nor ε, which hangs on β₂ */
    CHECK(t_applies("opt", &d) == 1, "an unconditional parameter always applies");
    CHECK(t_applies("momentum", &d) == 0, "momentum with sgd");
    CHECK(t_applies("beta2", &d) == 0, "beta2 with sgd");
    CHECK(t_applies("eps", &d) == 0, "eps hangs on beta2, which does not apply");
    d.opt = 1; /* momentum */
    CHECK(t_applies("momentum", &d) == 1 && t_applies("beta2", &d) == 0, "momentum optimizer");
    d.opt = 2; /* adam */
    CHECK(t_applies("momentum", &d) == 1 && t_applies("beta2", &d) == 1 && t_applies("eps", &d) == 1, "adam");
    d.beta2 = 0.4;
    CHECK(t_applies("eps", &d) == 0, "eps needs beta2 >= 0.5");
    d.beta2 = 0.5;
    CHECK(t_applies("eps", &d) == 1, "the minimum is inclusive");
    /* layers >= 3 */
    d.layers = 2;
    CHECK(t_applies("n3", &d) == 0, "n3 with two layers");
    d.layers = 3;
    CHECK(t_applies("n3", &d) == 1, "n3 with three layers");
    d.layers = 6;
    CHECK(t_applies("n3", &d) == 1, "n3 with six layers");
    /* a boolean */
    CHECK(t_applies("extra", &d) == 0, "flag off");
    d.flag = 1;
    CHECK(t_applies("extra", &d) == 1, "flag on");
    /* integer keys */
    for (int c = 1; c <= 5; c++) {
        d.count = c;
        CHECK(t_applies("odd", &d) == (c == 2 || c == 4), "count=2|4 at count %d", c);
    }
    CHECK(mlm_param_applies(&t_module, &d, -1) == 0 && mlm_param_applies(&t_module, &d, 99) == 0,
          "no such parameter");
}

/* A copy of the module with one change, checked: returns mlm_module_check's verdict. */
static int check_with_when(const char *param, const char *cond, char *why, size_t n) {
    mlm_when w[] = {{"momentum", "opt=momentum"}, {param, cond}};
    mlm_module m = t_module;
    m.when = w;
    m.n_when = 2;
    return mlm_module_check(&m, why, n);
}

static void check_malformed(void) {
    char why[200];
    static const char *const bad[][2] = {
        {"beta2", "nosuch=1"},        /* no such parameter */
        {"beta2", "opt=nadam"},       /* no such choice */
        {"beta2", "opt="},            /* no value */
        {"beta2", "opt=adam|"},       /* an empty value */
        {"beta2", "opt"},             /* no operator */
        {"beta2", "opt>adam"},        /* > alone */
        {"beta2", "layers>=three"},   /* not a number */
        {"beta2", "layers>=3x"},      /* trailing junk */
        {"beta2", "flag>=1"},         /* >= on a BOOL */
        {"beta2", "opt>=1"},          /* >= on a CHOICE */
        {"beta2", "extra=1"},         /* = on a FLOAT */
        {"beta2", "flag=2"},          /* a BOOL is 0 or 1 */
        {"beta2", "count=7"},         /* out of the INT's range */
        {"nosuch", "opt=adam"},       /* no such parameter to make conditional */
        {"momentum", "opt=adam"},     /* momentum already has a condition */
        {"beta2", "beta2>=0.5"},      /* itself */
        {"beta2", NULL},              /* no condition */
    };
    for (int k = 0; k < MLM_COUNT(bad); k++) {
        why[0] = 0;
        CHECK(check_with_when(bad[k][0], bad[k][1], why, sizeof why) == -1 && why[0],
              "when {%s, %s} should be refused", bad[k][0], bad[k][1] ? bad[k][1] : "NULL");
    }
    CHECK(check_with_when("beta2", "opt=adam|momentum", why, sizeof why) == 0, "%s", why);
    CHECK(check_with_when("n3", "layers>=3.5", why, sizeof why) == 0, "%s", why);

    /* a circle of two */
    mlm_when circle[] = {{"beta2", "eps>=0.1"}, {"eps", "beta2>=0.5"}};
    mlm_module m = t_module;
    m.when = circle, m.n_when = 2;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1 && strstr(why, "circle"), "circle: %s", why);
    /* ... whose evaluation still ends (the generator refuses such a module anyway) */
    t_desc d;
    mlm_desc_defaults(&m, &d);
    d.eps = 0.5, d.beta2 = 0.9; /* both conditions hold: the chain would go round forever */
    int a = mlm_param_applies(&m, &d, mlm_param_index(&m, "beta2"));
    CHECK(a == 0 || a == 1, "a circular table gives %d", a);

    /* reserved and badly formed names */
    static const char *const names[] = {"seed", "t", "in", "Lr", "2x", "l-r", ""};
    for (int k = 0; k < MLM_COUNT(names); k++) {
        mlm_param p[MLM_COUNT(t_params)];
        memcpy(p, t_params, sizeof p);
        p[9].name = names[k];
        m = t_module;
        m.params = p, m.when = NULL, m.n_when = 0;
        CHECK(mlm_module_check(&m, why, sizeof why) == -1, "parameter name '%s' should be refused", names[k]);
    }
    mlm_param twice[MLM_COUNT(t_params)];
    memcpy(twice, t_params, sizeof twice);
    twice[9].name = "count";
    m = t_module;
    m.params = twice, m.when = NULL, m.n_when = 0;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "a name declared twice");

    /* t_max: 0 (the runtime's bound) up to the runtime's own bound of 100,000 steps */
    m = t_module;
    m.t_max = 100001;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1 && strstr(why, "t_max"), "t_max past 100000: %s", why);
    m.t_max = -1;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "a negative t_max");
    m.t_max = 100000;
    CHECK(mlm_module_check(&m, why, sizeof why) == 0, "t_max 100000: %s", why);

    /* actions and input go in pairs; action keys are names */
    m = t_module;
    m.action = NULL;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "actions without action()");
    m = t_module;
    m.actions = "Clear";
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "an action without a label");
    m.actions = "clear:Clear|clear:Again";
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "an action key twice");
    m.actions = "clear:";
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "an empty label");
    m = t_module;
    m.input_set = NULL;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "input_get without input_set");
    /* the manifest's check is the same check */
    CHECK(mlm_manifest_check(&t_module) == NULL, "%s", mlm_manifest_check(&t_module));
    m = t_module;
    m.when = circle, m.n_when = 2;
    CHECK(mlm_manifest_check(&m) != NULL, "mlm_manifest_check agrees with mlm_module_check");
}

static void check_b64(void) {
    /* RFC 4648, section 10, without padding; and the two URL-safe characters */
    static const char *const vec[][2] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
                                         {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
    for (int k = 0; k < MLM_COUNT(vec); k++) {
        char out[32];
        uint8_t back[32];
        size_t n = strlen(vec[k][0]);
        int len = mlm_b64_encode((const uint8_t *)vec[k][0], n, out, sizeof out);
        CHECK(len == (int)strlen(vec[k][1]) && strcmp(out, vec[k][1]) == 0, "'%s' -> '%s'", vec[k][0], out);
        int got = mlm_b64_decode(vec[k][1], back, sizeof back);
        CHECK(got == (int)n && memcmp(back, vec[k][0], n) == 0, "decode '%s'", vec[k][1]);
    }
    /* every length up to 64, random bytes */
    mlm_rng r;
    mlm_rng_seed(&r, 7, 1);
    int bad = 0;
    for (int n = 0; n <= 64; n++) {
        uint8_t src[64], back[64];
        char text[100];
        for (int i = 0; i < n; i++) src[i] = (uint8_t)mlm_rng_u32(&r);
        int len = mlm_b64_encode(src, (size_t)n, text, sizeof text);
        bad += len != (n * 4 + 2) / 3;
        bad += mlm_b64_decode(text, back, sizeof back) != n || memcmp(src, back, (size_t)n) != 0;
    }
    CHECK(bad == 0, "%d round trips failed", bad);
    /* refused */
    uint8_t out[16];
    static const char *const refused[] = {"Zm9v+A", "Zm9v/A", "Zg==", "Zm 9v", "Zm9vY", "Zh", "Zm9", "Zm9w.",
                                          "\xc3\xa9", "A"};
    /* "Zh" ("Zg" is "f") and "Zm9" ("Zm8" is "fo") set bits past their last byte */
    for (int k = 0; k < MLM_COUNT(refused); k++) {
        int got = mlm_b64_decode(refused[k], out, sizeof out);
        CHECK(got < 0, "'%s' decoded to %d bytes", refused[k], got);
    }
    CHECK(mlm_b64_decode("Zm9vYmFy", out, 5) == -1, "does not fit in 5 bytes");
    char small[4];
    CHECK(mlm_b64_encode((const uint8_t *)"foo", 3, small, sizeof small) == -1, "no room for the NUL");
}

static void check_input(void) {
    mlm_instance *in = mlm_create(&t_module);
    CHECK(mlm_reset(in, 3) == 0, "%s", in->reason);
    char buf[MLM_INPUT_MAX + 1];
    CHECK(mlm_input_get(in, buf, sizeof buf) == 0 && buf[0] == 0, "no input at first");

    /* a pointer press that places a point restarts the run, keeping the point */
    mlm_step(in, 5);
    CHECK(mlm_pointer(in, 0, MLM_POINTER_DOWN, -1, 0) == 0 && in->steps == 5, "a look does not restart");
    CHECK(mlm_pointer(in, 0, MLM_POINTER_DOWN, 65, 0) == 1, "placing a point restarts");
    CHECK(in->steps == 0 && in->seed == 3, "restarted at step 0 with the same seed");
    t_state *s = in->self;
    CHECK(s->n == 1 && s->pts[0] == 65, "the point survived the restart: n = %d", s->n);
    mlm_pointer(in, 0, MLM_POINTER_DOWN, 66, 0);
    mlm_pointer(in, 0, MLM_POINTER_DOWN, 67, 0);
    CHECK(mlm_input_get(in, buf, sizeof buf) == 4 && strcmp(buf, "QUJD") == 0, "input '%s' is \"ABC\"", buf);

    /* it survives a reset with another seed and other parameters */
    mlm_step(in, 7);
    mlm_set(in, mlm_param_index(&t_module, "layers"), 5);
    CHECK(mlm_reset(in, 11) == 0, "%s", in->reason);
    s = in->self;
    CHECK(in->steps == 0 && s->n == 3 && memcmp(s->pts, "ABC", 3) == 0, "input kept by mlm_reset");

    /* set from a link */
    CHECK(mlm_input_set(in, "eHl6") == 0, "xyz");
    s = in->self;
    CHECK(s->n == 3 && memcmp(s->pts, "xyz", 3) == 0, "read xyz");

    /* refused texts: the run is left byte for byte as it was */
    mlm_step(in, 4);
    size_t size = mlm_snapshot_size(in);
    static unsigned char before[4096];
    CHECK(size <= sizeof before, "snapshot of %zu bytes", size);
    memcpy(before, in, size);
    char longtext[MLM_INPUT_MAX + 8];
    memset(longtext, 'A', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0;
    static const char *const hostile[] = {"eHl6+", "a b", "a%20b", "////", "Zh", "_w", "A",
                                          "<script>", "eHl6\n", "\xc3\xa9t\xc3\xa9"};
    /* "_w" decodes to 255, which the module refuses (> 200); the others never reach it, or it
       finds them malformed after writing into its state */
    for (int k = 0; k < MLM_COUNT(hostile); k++) {
        CHECK(mlm_input_set(in, hostile[k]) == -1, "'%s' accepted", hostile[k]);
        CHECK(mlm_snapshot_size(in) == size && memcmp(before, in, size) == 0, "'%s' changed the run", hostile[k]);
    }
    CHECK(mlm_input_set(in, longtext) == -1, "a text longer than MLM_INPUT_MAX");
    CHECK(memcmp(before, in, size) == 0, "the long text changed the run");
    CHECK(mlm_input_set(in, NULL) == -1, "NULL");

    /* an action: "clear" restarts without the points, "look" does nothing */
    CHECK(mlm_action(in, 1) == 0 && in->steps == 4, "look");
    CHECK(mlm_action(in, 0) == 1 && in->steps == 0, "clear restarts");
    s = in->self;
    CHECK(s->n == 0 && mlm_input_get(in, buf, sizeof buf) == 0, "cleared");
    CHECK(mlm_action(in, 2) == 0 && mlm_action(in, -1) == 0, "no such action");
    CHECK(mlm_action_count(&t_module) == 2, "two actions");

    /* an input the new run refuses is dropped, the run starts anyway */
    CHECK(mlm_input_set(in, "eHl6") == 0, "xyz again");
    s = in->self;
    s->pts[0] = 250; /* as if the module's rules had changed: 250 > 200 */
    CHECK(mlm_reset(in, 1) == 0 && ((t_state *)in->self)->n == 0, "refused input dropped by reset");
    mlm_destroy(in);
}

/* ---- running out of memory ---- */
static void *big_create(mlm_instance *in) {
    void *a = mlm_alloc(in, 1000);
    void *b = mlm_alloc(in, 5000);
    if (!a || !b) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    return a;
}

static void *big_const_create(mlm_instance *in) {
    void *s = mlm_alloc(in, 64);
    void *c = mlm_alloc_const(in, 3000);
    if (!s || !c) {
        mlm_fail(in, "out of memory");
        return NULL;
    }
    return s;
}

static void check_memory(void) {
    mlm_module m = t_module;
    m.create = big_create;
    m.state_bytes = 4096;
    m.input_get = NULL, m.input_set = NULL;
    mlm_instance *in = mlm_create(&m);
    CHECK(mlm_reset(in, 1) == -1, "the run cannot fit");
    CHECK(strstr(in->reason, "tester") && strstr(in->reason, "state_bytes") && strstr(in->reason, "4096") &&
              strstr(in->reason, "6016"),
          "reason: %s", in->reason);
    CHECK(in->final && in->status == MLM_DIVERGED, "a failed start is final");
    mlm_destroy(in);

    m.create = big_const_create;
    m.const_bytes = 2048;
    in = mlm_create(&m);
    CHECK(mlm_reset(in, 1) == -1, "the constants cannot fit");
    CHECK(strstr(in->reason, "const_bytes") && strstr(in->reason, "2048") && strstr(in->reason, "3008"),
          "reason: %s", in->reason);
    /* a second reset starts over: the flag does not outlive the run */
    m.const_bytes = 4096;
    mlm_destroy(in);
    in = mlm_create(&m);
    CHECK(mlm_reset(in, 1) == 0 && in->out_of_memory == 0 && in->reason[0] == 0, "fits now: %s", in->reason);
    mlm_fail(in, "a plain failure");
    CHECK(strcmp(in->reason, "a plain failure") == 0, "mlm_fail writes when memory sufficed");
    mlm_destroy(in);
}

static void check_manifest(void) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mlm_manifest_write(f, &t_module, NULL, NULL, 0);
    fclose(f);
    CHECK(strstr(text, "\"worker\":true") != NULL, "worker");
    CHECK(strstr(text, "\"input\":true") != NULL, "input");
    CHECK(strstr(text, "\"actions\":[[\"clear\",\"Clear\"],[\"look\",\"Look\"]]") != NULL, "actions");
    CHECK(strstr(text, "\"when\":{\"on\":0,\"keys\":[1,2]}") != NULL, "momentum's condition");
    CHECK(strstr(text, "\"when\":{\"on\":4,\"min\":3}") != NULL, "n3's condition");
    CHECK(strstr(text, "\"when\":{\"on\":6,\"keys\":[1]}") != NULL, "extra's condition");
    CHECK(strstr(text, "\"when\":{\"on\":8,\"keys\":[2,4]}") != NULL, "odd's condition");
    /* exactly the six conditional parameters carry a "when" */
    int whens = 0;
    for (const char *p = text; (p = strstr(p, "\"when\"")); p++) whens++;
    CHECK(whens == 6, "%d whens", whens);
    free(text);

    mlm_module plain = t_module;
    plain.when = NULL, plain.n_when = 0, plain.worker = 0, plain.input_get = NULL, plain.input_set = NULL;
    plain.actions = NULL, plain.action = NULL;
    f = open_memstream(&text, &len);
    mlm_manifest_write(f, &plain, NULL, NULL, 0);
    fclose(f);
    CHECK(!strstr(text, "\"when\"") && !strstr(text, "\"worker\"") && !strstr(text, "\"input\"") &&
              !strstr(text, "\"actions\""),
          "a plain module: %s", text);
    free(text);
}

/* ---- TEXT parameters: a module whose create copies its text, so the run shows what it read ---- */
typedef struct {
    double rate;
    char f[17]; /* TEXT, max 16 */
    int n;
} x_desc;

static const mlm_param x_params[] = {
    {"rate", "Rate", MLM_FLOAT, offsetof(x_desc, rate), 0, 1, 0, 0.5, 0, NULL, ""},
    {"f", "f(x)", MLM_TEXT, offsetof(x_desc, f), 0, 16, 0, 0, 0, "sin(x)", "the function"},
    {"n", "N", MLM_INT, offsetof(x_desc, n), 1, 5, 1, 2, 0, NULL, ""},
};
typedef struct {
    char seen[17];
} x_state;
static void *x_create(mlm_instance *in) {
    x_state *s = mlm_alloc(in, sizeof(x_state));
    if (s) memcpy(s->seen, ((x_desc *)in->desc)->f, sizeof s->seen);
    return s;
}
static void x_step(mlm_instance *in, void *self) { (void)in, (void)self; }
static void x_draw(mlm_instance *in, void *self) { (void)in, (void)self; }
static const mlm_view x_views[] = {{"v", NULL, MLM_VIEW_SCALAR, "v", 0, 0}};
static const mlm_module x_module = {
    .name = "texty", .title = "Texty", .params = x_params, .n_params = 3, .desc_size = sizeof(x_desc),
    .views = x_views, .n_views = 1, .state_bytes = 256, .speed = 1,
    .create = x_create, .step = x_step, .draw = x_draw,
};

static int x_check(mlm_param p, char *why) {
    mlm_module m = x_module;
    mlm_param ps[3] = {x_params[0], p, x_params[2]};
    m.params = ps;
    return mlm_module_check(&m, why, 160);
}

static void check_text(void) {
    char why[160];
    CHECK(mlm_module_check(&x_module, why, sizeof why) == 0, "%s", why);
    mlm_instance *in = mlm_create(&x_module);
    CHECK(!strcmp(mlm_get_text(in, 1), "sin(x)"), "default text: '%s'", mlm_get_text(in, 1));
    CHECK(mlm_get_text(in, 0) == NULL && mlm_set_text(in, 0, "x") == -1, "a FLOAT is not a text");
    CHECK(mlm_get(in, 1) == 6, "mlm_get of a text is its length");
    /* stored, and read by the next run; mlm_reset keeps it */
    CHECK(mlm_set_text(in, 1, "x^2 + 1") == 0, "set");
    mlm_reset(in, 1);
    CHECK(!strcmp(((x_state *)in->self)->seen, "x^2 + 1"), "create saw '%s'", ((x_state *)in->self)->seen);
    mlm_reset(in, 2);
    CHECK(!strcmp(mlm_get_text(in, 1), "x^2 + 1"), "kept by reset");
    /* a number does not set a text, and leaves it as it was */
    CHECK(mlm_set(in, 1, 1e300) == 7 && !strcmp(mlm_get_text(in, 1), "x^2 + 1"), "mlm_set");
    /* refusals change nothing: too long, control characters, bytes past ASCII, NULL */
    const char *bad[] = {"12345678901234567", "x\n", "\x7f", "caf\xc3\xa9", "\t", NULL};
    for (int k = 0; k < MLM_COUNT(bad); k++) {
        CHECK(mlm_set_text(in, 1, bad[k]) == -1, "refused #%d", k);
        CHECK(!strcmp(mlm_get_text(in, 1), "x^2 + 1"), "unchanged after #%d", k);
    }
    CHECK(mlm_set_text(in, 1, "1234567890123456") == 0, "exactly max characters");
    CHECK(mlm_set_text(in, 1, "") == 0 && mlm_get_text(in, 1)[0] == 0, "an empty text is a text");
    /* "name=value" as the native tools take it: a number through the clamp, a text as it stands;
       an unknown name, a value that is not a number, a refused text: -1 and nothing changes */
    CHECK(mlm_set_arg(in, "rate=0.25") == 0 && mlm_get(in, 0) == 0.25, "rate=0.25");
    CHECK(mlm_set_arg(in, "rate=7") == 0 && mlm_get(in, 0) == 1, "rate=7 clamped to 1");
    CHECK(mlm_set_arg(in, "n=3.6") == 0 && mlm_get(in, 2) == 4, "n=3.6 rounds to 4");
    CHECK(mlm_set_arg(in, "f=tanh(x)") == 0 && !strcmp(mlm_get_text(in, 1), "tanh(x)"), "f=tanh(x)");
    const char *refused[] = {"rate=", "rate=0.5x", "rate", "nosuch=1", "=1", "f=x\n", "n=abc"};
    for (int k = 0; k < MLM_COUNT(refused); k++)
        CHECK(mlm_set_arg(in, refused[k]) == -1, "'%s' refused", refused[k]);
    CHECK(mlm_get(in, 0) == 1 && mlm_get(in, 2) == 4 && !strcmp(mlm_get_text(in, 1), "tanh(x)"), "nothing changed");
    mlm_set_text(in, 1, "x^2 + 1");
    mlm_instance *ti = mlm_create(&t_module); /* a choice: by its key, or by its index */
    CHECK(mlm_set_arg(ti, "opt=adam") == 0 && mlm_get(ti, 0) == 2, "opt=adam");
    CHECK(mlm_set_arg(ti, "opt=1") == 0 && mlm_get(ti, 0) == 1, "opt=1");
    CHECK(mlm_set_arg(ti, "opt=nesterov") == -1 && mlm_get(ti, 0) == 1, "opt=nesterov refused");
    mlm_destroy(ti);
    /* the text is in the snapshot: a checkpoint holds it, restoring it brings it back */
    mlm_set_text(in, 1, "exp(x)");
    mlm_reset(in, 1);
    size_t size = mlm_snapshot_size(in);
    unsigned char *snap = malloc(size);
    memcpy(snap, in, size);
    mlm_set_text(in, 1, "cos(x)");
    memcpy(in, snap, size);
    CHECK(!strcmp(mlm_get_text(in, 1), "exp(x)"), "restored: '%s'", mlm_get_text(in, 1));
    free(snap);
    /* a description written directly (a native caller) with garbage: reset restores the default */
    memset(((x_desc *)in->desc)->f, 'z', 17);
    mlm_reset(in, 1);
    CHECK(!strcmp(mlm_get_text(in, 1), "sin(x)"), "sanitized: '%.17s'", mlm_get_text(in, 1));
    mlm_destroy(in);

    /* declarations the check refuses */
    mlm_param p = x_params[1];
    p.max = 0;
    CHECK(x_check(p, why) == -1 && strstr(why, "TEXT"), "max 0: %s", why);
    p = x_params[1], p.max = MLM_TEXT_MAX + 1;
    CHECK(x_check(p, why) == -1, "max too large");
    p = x_params[1], p.max = 40;
    CHECK(x_check(p, why) == -1 && strstr(why, "outside the description"), "field too small: %s", why);
    p = x_params[1], p.choices = NULL;
    CHECK(x_check(p, why) == -1 && strstr(why, "default text"), "no default: %s", why);
    p = x_params[1], p.choices = "this default is far too long";
    CHECK(x_check(p, why) == -1, "long default");
    p = x_params[1], p.def = 1;
    CHECK(x_check(p, why) == -1, "def");
    /* a text is no condition for another parameter */
    mlm_module m = x_module;
    const mlm_when w[] = {{"n", "f=1"}};
    m.when = w, m.n_when = 1;
    CHECK(mlm_module_check(&m, why, sizeof why) == -1, "when on a text");

    /* the manifest: kind text, the default as a string (escaped), or a widget block's */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mlm_manifest_write(f, &x_module, NULL, NULL, 0);
    fclose(f);
    CHECK(strstr(text, "\"kind\":\"text\",\"min\":0,\"max\":16,") && strstr(text, "\"def\":\"sin(x)\""), "%s", text);
    free(text);
    const char *texts[3] = {NULL, "x<y&\"z\"", NULL};
    f = open_memstream(&text, &len);
    mlm_manifest_write_texts(f, &x_module, NULL, texts, NULL, 0);
    fclose(f);
    CHECK(strstr(text, "\"def\":\"x\\u003cy\\u0026\\\"z\\\"\"") != NULL, "%s", text);
    free(text);
}

int main(void) {
    check_conditions();
    check_malformed();
    check_b64();
    check_input();
    check_memory();
    check_manifest();
    check_text();
    return CHECK_DONE("test_mlm");
}
