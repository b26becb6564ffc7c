/* mlm.h: the contract between an algorithm module and everything that uses it: the browser
 * runtime (through the wasm export layer, wasm.c), the book's generator (which validates widget
 * blocks and prints parameter tables from the declarations), and the tests.
 *
 * A module declares itself once, as a `const mlm_module mlm_module_<file stem>`: its
 * hyperparameters, the panels it draws in and the views it fills. From that one table the
 * browser builds the controls, the generator checks chapters, URL state is clamped and the tests
 * sweep the ranges. Nothing restates it by hand.
 *
 * Memory. An instance is one block: this header, then the module's mutable state, allocated with
 * mlm_alloc(). Because everything that changes while training lives in that block (the step
 * counter, the status, the random generator, the model, the histories the views show), copying
 * the block is a complete checkpoint, and copying it back restores the run exactly. That is how
 * the browser scrubs back in time without any per-module code. Data that never changes after
 * create (a dataset, a precomputed grid) goes in a second block, mlm_alloc_const(), which
 * checkpoints skip.
 *
 * Determinism. All randomness comes from in->rng (PCG32), seeded from the instance seed. The same
 * module, description, seed and step count give the same state natively and in wasm (both are
 * compiled with -ffp-contract=off).
 */
#ifndef MLM_H
#define MLM_H

#include <stddef.h>
#include <stdint.h>

/* ---- random numbers: PCG32 (O'Neill, pcg-random.org), one generator per instance ---- */
typedef struct {
    uint64_t state;
    uint64_t inc;
} mlm_rng;

void mlm_rng_seed(mlm_rng *r, uint64_t seed, uint64_t stream);
uint32_t mlm_rng_u32(mlm_rng *r);
double mlm_rng_uniform(mlm_rng *r);              /* [0, 1), 53 random bits */
double mlm_rng_range(mlm_rng *r, double lo, double hi);
uint32_t mlm_rng_below(mlm_rng *r, uint32_t n);  /* [0, n), unbiased */
double mlm_rng_normal(mlm_rng *r);               /* standard normal, Marsaglia's polar method */
void mlm_rng_shuffle(mlm_rng *r, int32_t *a, int n);

/* ---- hyperparameters ---- */
typedef enum {
    MLM_FLOAT,   /* a double field in the description */
    MLM_INT,     /* an int field */
    MLM_CHOICE,  /* an int field holding the index of one of `choices` */
    MLM_BOOL,    /* an int field, 0 or 1 */
    MLM_TEXT     /* a char field[max + 1] holding a NUL-terminated text (see below) */
} mlm_kind;

/* A TEXT parameter is text the reader types (a function f(x) to differentiate). Its field in the
 * description is a char array of max + 1 bytes, so it lives in the instance block like every other
 * parameter: checkpoints, the timeline and restarts keep it. Declared as
 *   {"f", "f(x)", MLM_TEXT, offsetof(my_desc, f), 0, 120, 0, 0, 0, "sin(x)", "help"}
 * min 0, max the longest text (1 to MLM_TEXT_MAX characters), step, def and log 0, and `choices`
 * holding the default text. A text holds printable ASCII only (' ' to '~'); anything else, or a
 * longer text, is refused by mlm_set_text and leaves the parameter as it was. The module decides
 * what the text means (it parses it in create, and says in a view why it cannot, never crashing);
 * mlm_set and mlm_get do not apply to it (mlm_get gives its length). In a link the text travels
 * percent-encoded (`?main.f=x%5E2`); the widget shows it in a text box, always as text, never as
 * markup, and editing it restarts the run. A widget block may set it (`f = x^2`), a run block not. */
#define MLM_TEXT_MAX 256

typedef struct {
    const char *name;    /* key in URLs, widget blocks and form controls: [a-z][a-z0-9_]* */
    const char *label;   /* shown beside the control: "Learning rate" */
    mlm_kind kind;
    size_t offset;       /* offsetof(the module's description struct, field) */
    double min, max;     /* inclusive; values outside are clamped */
    double step;         /* control granularity (0: continuous) */
    double def;          /* default; for CHOICE an index */
    int log;             /* 1: the control moves on a log scale (needs min > 0) */
    const char *choices; /* CHOICE: "key:Label|key:Label": keys appear in URLs and blocks;
                            TEXT: the default text */
    const char *help;    /* one line, for the control's description and the parameter table */
} mlm_param;

/* ---- conditional parameters ----
 * Some parameters matter only in some configurations: momentum only for the optimizers that use
 * it, the third layer's width only while there are three layers. A module lists them in its
 * `when` table; the browser hides such a control while its condition does not hold, leaves its
 * value out of the link, and never restarts the run when it changes (it cannot matter then). The
 * engine itself ignores the conditions: a parameter that does not apply is simply not read.
 *
 * cond is one of
 *   "other=key|key"  other is a CHOICE parameter and holds one of these keys (BOOL: 0 or 1,
 *                    INT: integers)
 *   "other>=N"       other (INT or FLOAT) is at least N
 * A parameter may be named in one entry at most; other may itself be conditional (the parameter
 * applies when both hold), never circularly. mlm_module_check rejects malformed tables. */
typedef struct {
    const char *param; /* a parameter that applies only sometimes */
    const char *cond;  /* when it applies, as above */
} mlm_when;

/* ---- panels: the plots a widget draws in ---- */
enum {
    MLM_PANEL_EQUAL = 1 << 0,  /* same scale on both axes (contours of round bowls look round) */
    MLM_PANEL_AUTO_X = 1 << 1, /* the x range is fitted to the data of the panel's views */
    MLM_PANEL_AUTO_Y = 1 << 2, /* likewise y */
    MLM_PANEL_LOG_Y = 1 << 3,  /* logarithmic y axis (non-positive values are not drawn) */
    MLM_PANEL_WIDE = 1 << 4,   /* spans the widget's full width instead of sharing a row */
    MLM_PANEL_LOG_X = 1 << 5,  /* logarithmic x axis (non-positive values are not drawn) */
    MLM_PANEL_NOAXES = 1 << 6, /* no frame, ticks or grid: diagrams and image grids */
    MLM_PANEL_POINTER = 1 << 7 /* pointer presses, drags and releases in this panel go to the
                                  module's pointer() in data coordinates; the run is reset only
                                  when pointer() returns 1 */
};

typedef struct {
    const char *name;   /* [a-z][a-z0-9_]* */
    const char *title;  /* drawn above the plot */
    const char *xlabel;
    const char *ylabel;
    int flags;          /* MLM_PANEL_* */
    const char *click;  /* "px,py": a click or drag in this panel sets float params px and py to
                           the point's data coordinates and resets the run; NULL: no pointer input */
} mlm_panel;

/* Written by the module (usually in create), read by the renderer. */
typedef struct {
    float x0, x1, y0, y1; /* data range shown (ignored on an axis marked AUTO) */
    int32_t hidden;       /* 1: not shown in the current configuration */
} mlm_panel_state;

/* ---- views: the drawing vocabulary ----
 * A view is a float buffer plus a kind that says how to read it. `stride` is floats per item. */
typedef enum {
    MLM_VIEW_POINTS,   /* (x, y, class) stride 3: a scatter; class picks the colour */
    MLM_VIEW_CURVE,    /* (x, y) stride 2: a polyline */
    MLM_VIEW_TRAIL,    /* (x, y) stride 2: a path of iterates, a dot at each, the last emphasised */
    MLM_VIEW_SEGMENTS, /* (x0, y0, x1, y1) stride 4: separate line segments (residuals) */
    MLM_VIEW_ARROWS,   /* (x, y, dx, dy) stride 4: arrows in data units */
    MLM_VIEW_MARKERS,  /* (x, y) stride 2: crosses marking special points (a known optimum) */
    MLM_VIEW_FIELD,    /* w*h values, row-major, row 0 at y0: a scalar field over [x0,x1]x[y0,y1] */
    MLM_VIEW_SCALAR,   /* one value: `value`; in the status line (panel NULL) or a panel corner */
    MLM_VIEW_TEXT,     /* a NUL-terminated string: `text`; likewise placed */
    MLM_VIEW_BARS,     /* (x, y) stride 2: a bar from 0 to y centred at x */
    MLM_VIEW_TILES,    /* (cx, cy, size, then w*h values row-major, row 0 at the top) stride
                          3 + w*h: small images (weights, pixels, per-neuron fields) drawn as
                          squares of side `size` (data units) centred at (cx, cy) */
    MLM_VIEW_EDGES,    /* (x0, y0, x1, y1, weight) stride 5: lines whose width grows with |weight|
                          and whose colour shows its sign (a network's connections) */
    MLM_VIEW_NODES,    /* (x, y, value) stride 3: discs coloured by value (a network's units) */
    MLM_VIEW_LABELS,   /* (x, y) stride 2, and `text`: one line of text per item, separated by
                          '\n', drawn centred at its point */
    MLM_VIEW_BUBBLES   /* (x, y, class, size) stride 4: a scatter coloured like POINTS whose
                          discs have area proportional to size (1: an ordinary point; drawn
                          between a dot and a few times a point's radius): sample weights */
} mlm_view_kind;

enum {
    MLM_VIEW_LEGEND = 1 << 0,       /* list the view's label in its panel's legend */
    MLM_VIEW_DASHED = 1 << 1,       /* CURVE/SEGMENTS: dashed line */
    MLM_VIEW_FAINT = 1 << 2,        /* drawn lighter: context rather than the subject */
    MLM_FIELD_HEATMAP = 1 << 3,     /* FIELD: colour each cell */
    MLM_FIELD_CONTOUR = 1 << 4,     /* FIELD: draw level lines */
    MLM_FIELD_LOG_LEVELS = 1 << 5,  /* FIELD: contour levels spaced evenly in log(value - min) */
    MLM_SCALAR_INT = 1 << 6,        /* SCALAR: show as an integer */
    MLM_COLOR_DIVERGING = 1 << 7,   /* FIELD, TILES, NODES, EDGES: blue above 0, orange below,
                                       pale at 0, symmetric scale (weights, signed activations) */
    MLM_COLOR_GRAY = 1 << 8,        /* FIELD, TILES: paper to ink (pixels, a drawn digit) */
    MLM_SCALAR_PERCENT = 1 << 9,    /* SCALAR: the value is a percentage; shown with " %" */
    MLM_COLOR_CLASSES = 1 << 10     /* FIELD: each value is k + q, a class k = 0, 1, ... (its
                                       whole part) and a strength q in [0, 1) (its fraction):
                                       the cell takes palette colour (color + k) mod 8, pale at
                                       q = 0 and full at q near 1 (decision regions, with the
                                       winning probability as lightness); CONTOUR draws the
                                       borders between classes. NODES: each node's value, read
                                       the same way (a tree's nodes by their class) */
};

/* The palette: the eight colours of Okabe and Ito (2008), distinguishable with any common
   colour-vision deficiency, in the order web/render.js holds them. A view's `color` is one of
   these indices. A POINTS view draws each point in colour (color + class) mod 8, where class is
   the point's third number rounded to an integer: a view of colour MLM_VERMILION shows class 0
   in vermilion and class -1 in blue (MLM_BLUE), so one view shows two classes in two colours
   without storing a colour per point. */
enum {
    MLM_INK = 0,       /* the theme's ink: near black, or near white on a dark page */
    MLM_ORANGE = 1,
    MLM_SKY_BLUE = 2,
    MLM_GREEN = 3,     /* bluish green */
    MLM_YELLOW = 4,
    MLM_BLUE = 5,
    MLM_VERMILION = 6,
    MLM_PURPLE = 7     /* reddish purple */
};

typedef struct {
    const char *name;  /* [a-z][a-z0-9_]* */
    const char *panel; /* name of the panel it draws in; NULL: the widget's status line */
    mlm_view_kind kind;
    const char *label; /* legend entry, or the scalar's name in a readout ("loss") */
    int color;         /* palette index 0..7 (colour-blind-safe palette, see web/) */
    int flags;         /* MLM_VIEW_*, MLM_FIELD_*, MLM_SCALAR_* */
} mlm_view;

/* Written by the module's draw(), read in place by the renderer from the wasm heap.
 * The layout is part of the wasm ABI: web/ reads these fields at fixed offsets (checked in wasm.c). */
typedef struct {
    float *data;          /* mlm_view_floats() floats: count * stride (FIELD: w * h) */
    int32_t count;        /* items to draw now */
    int32_t w, h;         /* FIELD grid size; TILES: the size of each tile's image */
    uint32_t version;     /* FIELD: bump when the values change, so drawings can be cached */
    char *text;           /* TEXT, LABELS */
    float value;          /* SCALAR */
    int32_t hidden;       /* 1: not drawn now */
    float x0, x1, y0, y1; /* FIELD extent */
    float lo, hi;         /* colour scale of FIELD, TILES, NODES and EDGES values (EDGES: hi is
                             the weight drawn widest); lo == hi: fitted to the data (TILES: to
                             each tile) */
} mlm_view_state;

/* ---- status ---- */
typedef enum {
    MLM_RUNNING = 0,
    MLM_CONVERGED = 1,
    MLM_DIVERGED = 2,
    MLM_FINISHED = 3 /* the run is over without converging or diverging (a step limit reached) */
} mlm_status;

/* ---- the module declaration ---- */
typedef struct mlm_instance mlm_instance;

typedef struct mlm_module {
    const char *name;     /* the file stem: "gradient_descent" */
    const char *title;    /* "Gradient descent" */
    const mlm_param *params;
    int n_params;
    size_t desc_size;     /* sizeof the module's description struct */
    const mlm_panel *panels;
    int n_panels;
    const mlm_view *views;
    int n_views;
    size_t state_bytes;   /* upper bound on mlm_alloc() for any valid description */
    size_t const_bytes;   /* upper bound on mlm_alloc_const() */
    double speed;         /* steps per second the player runs at by default */
    int random;           /* 1: a run draws from in->rng, so the seed changes it; 0: runs are
                             deterministic and the widget shows the seed as unused */

    /* Build the module's state for in->desc (already clamped) and in->rng (already seeded).
       Allocate only with mlm_alloc / mlm_alloc_const. Return the state, or NULL after
       mlm_fail(in, ...) if the description cannot be honoured. */
    void *(*create)(mlm_instance *in);
    /* One training step. Report a change of status with mlm_converged / mlm_diverged. */
    void (*step)(mlm_instance *in, void *self);
    /* Fill in->views[] and in->panels[] for drawing. Called once per drawn frame, never per step:
       keep per-step work out of it and drawing-only work out of step. */
    void (*draw)(mlm_instance *in, void *self);
    /* Optional (NULL: none): the reader pressed (kind MLM_POINTER_DOWN), dragged (MOVE) or
       released (UP) the pointer at (x, y), in data coordinates, in `panel`, whose flags include
       MLM_PANEL_POINTER. It may change what is shown or the reader's input (a digit being drawn,
       the point whose forward pass is shown) but takes no training step. Returns 1 when the
       input changed what training sees (a point added to the data): the run then restarts,
       mlm_reset(in, in->seed), keeping the input; 0 otherwise. */
    int (*pointer)(mlm_instance *in, void *self, int panel, int kind, double x, double y);

    /* Conditional parameters (see mlm_when); NULL / 0: every parameter always applies. */
    const mlm_when *when;
    int n_when;

    /* The reader's input (a drawn digit, a probe point, placed points), all optional. It lives
       in the instance block, so checkpoints hold it, and it travels in links as `<id>.in=`.
       input_get writes it as text over [A-Za-z0-9_.~-] into buf (n bytes, NUL-terminated) and
       returns its length (0: no input to keep, the default). input_set reads such a text into a
       fresh run (called right after create): 0, or -1 if the text is malformed, and then the run
       must be as it was (mlm_input_set restores it anyway). A module with one has both. */
    int (*input_get)(const mlm_instance *in, const void *self, char *buf, size_t n);
    int (*input_set)(mlm_instance *in, void *self, const char *text);

    /* Buttons shown under the panels: "key:Label|key:Label" (keys [a-z][a-z0-9_]*), e.g.
       "clear:Clear". action(in, self, k) runs button k; like pointer it returns 1 to restart. */
    const char *actions;
    int (*action)(mlm_instance *in, void *self, int k);

    int worker; /* 1: the browser runs this module's steps in a Web Worker (heavy steps) */
    /* The largest step a link may ask for (0: the runtime's bound, 100,000): what the browser
       replays in about two seconds from the run's checkpoints, so that a link opens promptly;
       a link asking for more stops here and says so. */
    int t_max;
} mlm_module;

/* The longest input text, without its NUL. */
#define MLM_INPUT_MAX 1024

enum { MLM_POINTER_DOWN = 0, MLM_POINTER_MOVE = 1, MLM_POINTER_UP = 2 };

#define MLM_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- an instance: one run of one module ---- */
struct mlm_instance {
    const mlm_module *module;
    uint64_t seed;
    int64_t steps;          /* steps taken since the last reset */
    int32_t status;         /* mlm_status */
    int32_t final;          /* 1: the run cannot go on (all runs finished, or a fatal error) */
    int64_t status_step;    /* the step at which the status was last reported */
    char reason[200];       /* why, in a sentence a reader understands */
    int32_t out_of_memory;  /* 1: mlm_alloc or mlm_alloc_const ran out and wrote the reason */
    mlm_rng rng;
    void *self;             /* the module's state */
    void *desc;             /* the description: module->desc_size bytes, clamped */
    mlm_view_state *views;  /* module->n_views */
    mlm_panel_state *panels; /* module->n_panels */
    unsigned char *consts;  /* the constant block */
    size_t used, cap;       /* bytes of this (mutable) block in use / available */
    size_t const_used, const_cap;
};

/* Create an instance with default parameters, not yet started: set parameters with mlm_set, then
   mlm_reset. Returns NULL when out of memory. The caller owns it; free with mlm_destroy. */
mlm_instance *mlm_create(const mlm_module *m);
void mlm_destroy(mlm_instance *in);
/* Clamp and store parameter i; returns the value actually stored. */
double mlm_set(mlm_instance *in, int i, double value);
double mlm_get(const mlm_instance *in, int i);
/* TEXT parameter i: store text (0), or refuse it (-1: not a TEXT parameter, longer than its max,
   or a character outside ' '..'~') and change nothing. The text is read by the next mlm_reset. */
int mlm_set_text(mlm_instance *in, int i, const char *text);
/* A parameter given as "name=value" text, as the native tools take it on their command line
   (mlmrun, the bench's soak): a choice by its key or its index, a text as it stands (mlm_set_text),
   any other number through mlm_set's clamp. Returns 0, or -1 when the name is unknown, the value
   is not a whole number or the text is refused; nothing changes then. */
int mlm_set_arg(mlm_instance *in, const char *arg);
/* TEXT parameter i's text, or NULL if i is not a TEXT parameter. */
const char *mlm_get_text(const mlm_instance *in, int i);
/* 0 if text may be stored in TEXT parameter p, else -1. */
int mlm_text_check(const mlm_param *p, const char *text);
/* (Re)start the run from the current parameters and `seed`, keeping the reader's input (it is
   read back into the new run, and dropped if the new run refuses it). Returns 0, or -1 with
   in->reason set. */
int mlm_reset(mlm_instance *in, uint64_t seed);
/* Take up to n steps; stops early when the status changes. Returns the steps taken. */
int mlm_step(mlm_instance *in, int n);
void mlm_draw(mlm_instance *in);
/* Pass pointer input to the module (see mlm_module.pointer); ignored when it has none.
   Returns 1 when the run was restarted because of it. */
int mlm_pointer(mlm_instance *in, int panel, int kind, double x, double y);
/* Run button k of the module's actions; returns 1 when the run was restarted because of it. */
int mlm_action(mlm_instance *in, int k);
int mlm_action_count(const mlm_module *m);
/* The reader's input as link text (see mlm_module.input_get) into buf; its length, 0: none. */
int mlm_input_get(const mlm_instance *in, char *buf, size_t n);
/* Read a link's input text into the run: 0, or -1 when refused (text too long, a character
   outside [A-Za-z0-9_.~-], or the module finds it malformed), and then nothing has changed. */
int mlm_input_set(mlm_instance *in, const char *text);
/* 1 if parameter i applies under description desc (see mlm_when), 0 if it does not. */
int mlm_param_applies(const mlm_module *m, const void *desc, int i);
/* 0 if the declaration is consistent, else -1 with the first problem in why (n bytes): names
   that are not [a-z][a-z0-9_]* or repeat, the reserved parameter names seed, t and in (link
   keys of the runtime's own), defaults out of range, bad choices, a when table that does not
   parse or is circular, actions without action(), a pointer panel without pointer(). The
   generator refuses a module that fails it. */
int mlm_module_check(const mlm_module *m, char *why, size_t n);
/* Floats per item of a view kind (FIELD: 1 per cell; TILES: 3 + w * h), and the floats view v
   holds now; every reader of view buffers (web/engine.js, mlmrun, the tests) asks these. */
int mlm_view_stride(mlm_view_kind kind, const mlm_view_state *s);
long mlm_view_floats(const mlm_instance *in, int v);
/* Checkpoints: the first mlm_snapshot_size() bytes at `in` are the whole mutable state. */
size_t mlm_snapshot_size(const mlm_instance *in);

/* ---- for modules ---- */
/* Zeroed, 16-byte aligned; NULL if the block is full, and then in->reason names the module, the
   bound (state_bytes or const_bytes) and the bytes the run needs, and the module's own mlm_fail
   does not overwrite it. */
void *mlm_alloc(mlm_instance *in, size_t bytes);
void *mlm_alloc_const(mlm_instance *in, size_t bytes); /* likewise, in the constant block */
/* Report a status. final = 0 lets the player continue after showing the reason (one of several
   runs diverged); final = 1 ends the run. The reason is printf-formatted. */
void mlm_converged(mlm_instance *in, int final, const char *fmt, ...);
void mlm_diverged(mlm_instance *in, int final, const char *fmt, ...);
/* The run is over although it neither converged nor diverged (it used up its steps while still
   moving); always final. */
void mlm_finished(mlm_instance *in, const char *fmt, ...);
void mlm_fail(mlm_instance *in, const char *fmt, ...);
/* Look up a declaration by name: index, or -1. */
int mlm_param_index(const mlm_module *m, const char *name);
int mlm_view_index(const mlm_module *m, const char *name);
int mlm_panel_index(const mlm_module *m, const char *name);
/* Fill a description struct with the declared defaults (for tests and native tools). */
void mlm_desc_defaults(const mlm_module *m, void *desc);
/* Clamp value into parameter p's range and granularity (rounding for INT, CHOICE, BOOL). */
double mlm_param_clamp(const mlm_param *p, double value);
/* Number of choices of a CHOICE parameter, and the key / label of choice k (copied into buf). */
int mlm_choice_count(const mlm_param *p);
int mlm_choice_key(const mlm_param *p, int k, char *buf, size_t n);
int mlm_choice_label(const mlm_param *p, int k, char *buf, size_t n);
int mlm_choice_find(const mlm_param *p, const char *key); /* index, or -1 */

/* ---- histories: bounded, decimating (x, y) series for loss curves and trails ----
 * Holds at most `cap` points. When full it keeps every second point and from then on records
 * every second push, so a curve of any length fits and stays evenly sampled. The newest point is
 * always kept in the last slot so the curve reaches "now". Point it at a CURVE or TRAIL view. */
typedef struct {
    float *xy;       /* (cap, 2) */
    int32_t cap, n;  /* capacity, points held */
    int32_t every;   /* record one push in `every` */
    int32_t skipped; /* pushes since the last recorded one */
} mlm_series;

int mlm_series_init(mlm_instance *in, mlm_series *s, int cap); /* 0, or -1 if out of memory */
void mlm_series_push(mlm_series *s, double x, double y);
void mlm_series_clear(mlm_series *s);
/* Point view v at the series. */
void mlm_series_view(mlm_instance *in, int v, const mlm_series *s);
/* Point FIELD view v at a w x h grid (row 0 at y0) over [x0, x1] x [y0, y1]; `version` must
   change whenever the values do (the renderer caches what it drew). */
void mlm_field_view(mlm_instance *in, int v, float *data, int w, int h, double x0, double x1,
                    double y0, double y1, uint32_t version);

/* ---- URL-safe base64 (RFC 4648 section 5: A-Z a-z 0-9 - _, no padding), for input texts ----
   encode: n bytes into out (room for 4 ceil(n / 3) + 1 chars); returns the length, or -1 if out
   is too small. decode: text into at most outn bytes; returns the bytes written, or -1 if text
   holds any other character, has an impossible length (4k + 1), sets bits past its last byte
   (so every byte string has exactly one text), or does not fit. */
int mlm_b64_encode(const uint8_t *src, size_t n, char *out, size_t outn);
int mlm_b64_decode(const char *text, uint8_t *out, size_t outn);

/* ---- small helpers ---- */
int mlm_isfinite(double x);
double mlm_clamp(double x, double lo, double hi);

/* Registry of every module, generated by the Makefile from the files in engine/ (NULL-terminated). */
extern const mlm_module *const mlm_modules[];
const mlm_module *mlm_module_find(const char *name);

#endif
