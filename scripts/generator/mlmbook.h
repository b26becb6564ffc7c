/* mlmbook.h: the pieces of the book's generator and how they meet. A chapter is read and parsed
 * (chapter.c: front matter, math protection in mathprep.c, widget/code/params blocks in
 * directives.c), then every chapter's math is rendered by one KaTeX process (katex.c), then each
 * chapter's body is rendered and wrapped in a page (page.c). Errors go through diag.c so that a
 * whole book's problems are reported together, each as `file:line: message`. */
#ifndef MLMBOOK_H
#define MLMBOOK_H

#include <stddef.h>
#include <stdint.h>

#include <cmark.h>

#include "mlm.h"

/* ---- growable byte buffers (buf.c); allocation failure ends the program ---- */
typedef struct {
    char *data; /* always NUL-terminated once anything was written */
    size_t len, cap;
} mlmbook_buf;

void mlmbook_buf_put(mlmbook_buf *b, const char *s, size_t n);
void mlmbook_buf_puts(mlmbook_buf *b, const char *s);
void mlmbook_buf_putc(mlmbook_buf *b, char c);
void mlmbook_buf_printf(mlmbook_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with & < > " escaped, safe in text and in double-quoted attributes. */
void mlmbook_buf_escape(mlmbook_buf *b, const char *s, size_t n);
void mlmbook_buf_escapes(mlmbook_buf *b, const char *s);
/* Hand the bytes to the caller (never NULL; "" when empty) and reset the buffer. */
char *mlmbook_buf_detach(mlmbook_buf *b);
void mlmbook_buf_free(mlmbook_buf *b);

void *mlmbook_alloc(size_t n);                /* zeroed; never NULL */
void *mlmbook_realloc(void *p, size_t n);     /* never NULL */
char *mlmbook_strdup(const char *s);
char *mlmbook_strndup(const char *s, size_t n);
/* Read a whole file into a NUL-terminated string; NULL (errno set) if it cannot be read. */
char *mlmbook_file_read(const char *path, size_t *len);
/* A number as people write it: shortest of %.15g / %.17g that reads back exactly. */
void mlmbook_buf_number(mlmbook_buf *b, double v);

/* ---- diagnostics (diag.c) ---- */
/* Record "file:line: message" (line 0: the file as a whole). Printing waits for
   mlmbook_errors_flush so the messages come out grouped by file and sorted by line. */
void mlmbook_error(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int mlmbook_error_count(void);
/* Print every recorded error to stderr (files in first-reported order, lines ascending). */
void mlmbook_errors_flush(void);
/* Forget every recorded error without printing it (the fuzzing entry point, between inputs). */
void mlmbook_errors_clear(void);

/* ---- math (mathprep.c) ---- */
typedef struct {
    const char *file; /* for messages */
    int line;         /* line of the original Markdown where the math starts */
    int display;      /* 1: $$...$$ */
    char *tex;
    char *html;       /* KaTeX's rendering, filled by mlmbook_katex_render */
} mlmbook_math;

/* Placeholders are U+E000, the decimal index into the chapter's math, U+E001: private-use code
   points that CommonMark treats as ordinary text and that no author types. */
#define MLMBOOK_PH_OPEN "\xEE\x80\x80"
#define MLMBOOK_PH_CLOSE "\xEE\x80\x81"

typedef struct {
    char *text;   /* the Markdown with math replaced by placeholders */
    int *linemap; /* linemap[k]: original line of line k (1-based) of text */
    int nlines;
    mlmbook_math *math;
    int nmath;
} mlmbook_protected;


void mlmbook_protected_free(mlmbook_protected *p);
/* If s starts with a placeholder, return its index and set *len to its byte length; else -1. */
int mlmbook_placeholder_parse(const char *s, size_t n, size_t *len);

/* ---- KaTeX (katex.c) ---- */
/* Render every item in one Node process running `script`; fill each item's html or report a
   TeX error at its line. Returns 0 when all rendered, -1 otherwise. */
int mlmbook_katex_render(mlmbook_math **items, size_t n, const char *node, const char *script);

/* ---- chapters (chapter.c) ---- */
typedef struct {
    char *key;
    int taken; /* 1: key is an id on the page */
    int next;  /* when key was wanted: the next suffix worth trying (key-next) */
} mlmbook_idslot;

typedef struct {
    char **items; /* the ids taken, in order (owned) */
    int n;
    mlmbook_idslot *slots; /* open-addressing hash of ids and wanted names: lookups in O(1), so a
                              page's ids are made unique in linear time (not cubic) */
    size_t cap, used;
} mlmbook_idset;

struct mlmbook_run; /* runs.c */

typedef struct {
    const char *path;  /* as given, for messages */
    const char *engine_dir;
    char *slug;        /* page name without .html */
    int number;        /* from the file name; 0 when the name has none */
    char *part, *summary, *title;
    mlmbook_protected src;
    cmark_node *doc;
    mlmbook_idset ids; /* element ids used on the page */
    int has_widget;
    char *body;        /* rendered body HTML, after mlmbook_chapter_finish */
    struct mlmbook_run *runs; /* the chapter's ```run blocks, run when it was loaded */
    int nruns;
} mlmbook_chapter;

/* Cut the math out of src (front matter already blanked). Code blocks and raw HTML blocks, as
   cmark sees them, and code spans are left alone. Errors are reported against `file`. Quotes
   {{run.view}} are replaced by the numbers of `quotes`'s runs (NULL: no quotes are read). */
void mlmbook_math_protect(mlmbook_protected *out, const char *file, const char *src,
                          mlmbook_chapter *quotes);

/* Read, check and parse a chapter, and expand its widget, code and params blocks. Problems are
   reported through mlmbook_error; the chapter stays usable for collecting more of them. */
void mlmbook_chapter_load(mlmbook_chapter *ch, const char *path, const char *engine_dir);
/* The same from the chapter's text (NUL-terminated), which it takes over and frees; `path` is
   only for messages. */
void mlmbook_chapter_load_text(mlmbook_chapter *ch, const char *path, char *src,
                               const char *engine_dir);
/* After KaTeX: put the rendered math in place, resolve cross-references against x (the book's
   chapters and the planned ones) and render the body to ch->body. */
struct mlmbook_xrefs_s;
void mlmbook_chapter_finish(mlmbook_chapter *ch, struct mlmbook_xrefs_s *x);
void mlmbook_chapter_free(mlmbook_chapter *ch);
/* The unique id on this page closest to `want` (want, want-2, ...); the set keeps a copy. */
const char *mlmbook_id_take(mlmbook_idset *ids, const char *want);
/* The original Markdown line of line `line` of the protected text cmark parsed. */
int mlmbook_chapter_line(const mlmbook_chapter *ch, int line);
int mlmbook_id_has(const mlmbook_idset *ids, const char *id);
void mlmbook_idset_free(mlmbook_idset *ids);

/* ---- fenced-block directives (directives.c) ---- */
/* If the code block is a directive (```widget, ```code, ```params) or C code (```c), return the
   HTML that replaces it; else NULL. Errors are reported with original line numbers. */
char *mlmbook_directive_expand(mlmbook_chapter *ch, cmark_node *block);

/* Pieces of the directive parser that the run blocks share with widget blocks. */
typedef struct {
    char key[64];
    char *value;
    int line; /* original Markdown line */
} mlmbook_entry;
/* Split an info string into words (at most max kept); returns how many there are. */
int mlmbook_split_words(const char *info, char words[][128], int max);
/* 1 if s is non-empty and only lowercase letters, digits and characters of `extra`. */
int mlmbook_is_name(const char *s, const char *extra);
void mlmbook_param_names(mlmbook_buf *b, const mlm_module *m);
/* The block's `key = value` lines (blank lines and # comments skipped, errors reported); a key
   may be given twice only if it is `repeatable` (NULL: none). Returns the count. */
int mlmbook_parse_entries(mlmbook_chapter *ch, cmark_node *block, mlmbook_entry **out,
                          const char *repeatable);
void mlmbook_free_entries(mlmbook_entry *e, int n);
/* A parameter's value as a widget block gives it; 0, or -1 after reporting the error. */
int mlmbook_parse_value(mlmbook_chapter *ch, const mlmbook_entry *e, const mlm_param *p, double *v);
/* The module called name (NULL after reporting it unknown). */
const mlm_module *mlmbook_find_module(mlmbook_chapter *ch, int line, const char *name);

/* ---- numbers computed when the book is built (runs.c) ---- */
/* Find the chapter's ```run blocks in src (front matter blanked, nothing protected yet), check
   them and run them; errors are reported at their lines. */
void mlmbook_runs_collect(mlmbook_chapter *ch, const char *src);
void mlmbook_runs_free(mlmbook_chapter *ch);
/* The most steps a run may take over all its seeds (lowered by the fuzzing entry point). */
extern long mlmbook_run_step_limit;
/* A folder where runs' numbers are kept between builds (NULL: none); see runs.c. */
extern const char *mlmbook_run_cache_dir;
/* Is the text between {{ and }} a quote? (lowercase first, contains a dot, [a-z0-9_.:-] only) */
int mlmbook_quote_like(const char *s, size_t n);
/* Append the number that the quote s[0, n) (without braces) stands for, formatted for prose or
   (in_math) for TeX; or report why it cannot be written, at `line`. */
void mlmbook_quote(mlmbook_chapter *ch, mlmbook_buf *out, const char *s, size_t n, int line,
                   int in_math);
enum { MLMBOOK_FMT_INTEGER = 1, MLMBOOK_FMT_SIGNIFICANT = 2, MLMBOOK_FMT_DECIMALS = 3 };
/* v as prose writes it: thousands separators ("1,070"; "1{,}070" in math), a real minus sign in
   prose, never an exponent; INTEGER rounds, SIGNIFICANT keeps `digits` significant digits,
   DECIMALS `digits` decimals. */
void mlmbook_format_number(mlmbook_buf *b, double v, int mode, int digits, int in_math);

/* ---- cross-references between chapters (xref.c) ---- */
typedef struct {
    int number;
    char *slug, *title;
} mlmbook_planned;

typedef struct {
    char *file;
    int line;
    int target; /* index into chapters */
    char *anchor;
} mlmbook_anchor;

typedef struct mlmbook_xrefs_s {
    mlmbook_chapter *chapters; /* the chapters that exist (they win over planned ones) */
    int n;
    mlmbook_planned *planned;  /* chapters/planned.txt */
    int nplanned;
    const char *planned_path;  /* NULL: no list was read */
    mlmbook_anchor *anchors;   /* ch:slug#anchor links, checked once every chapter has its ids */
    int nanchors;
    mlmbook_buf to_come;       /* references to planned chapters, one line each */
    int nto_come;
} mlmbook_xrefs;

/* Read `NN slug Title` lines (# comments, blank lines); a missing file lists nothing. */
void mlmbook_planned_read(mlmbook_xrefs *x, const char *path);
/* Resolve the chapter's [text](ch:slug) links (in mlmbook_chapter_finish). */
void mlmbook_xref_resolve(mlmbook_chapter *ch, mlmbook_xrefs *x);
/* After every chapter is finished: report links to sections that do not exist. */
void mlmbook_xref_finish(mlmbook_xrefs *x);
/* Print the one warning listing references to chapters still to be written (if any). */
void mlmbook_xref_warn(const mlmbook_xrefs *x);
void mlmbook_xrefs_free(mlmbook_xrefs *x);

/* ---- fuzzing (fuzz_entry.c) ---- */
/* Take arbitrary bytes through everything the generator does to a chapter (front matter, runs and
   quotes, math, directives, cross-references, headings, the page), in-process: KaTeX is not run
   (math renders empty) and runs are limited to a few hundred steps. Never exits; frees what it
   allocates; returns 0. For a libFuzzer harness: LLVMFuzzerTestOneInput calls it. */
int mlmbook_fuzz_one(const uint8_t *data, size_t n);

/* ---- C highlighting (highlight.c) ---- */
/* Append src as HTML-escaped C with <span class="kw|ty|cm|st|nu|pp|fn"> around tokens. */
void mlmbook_highlight_c(mlmbook_buf *out, const char *src, size_t n);

/* ---- pages (page.c) ---- */
typedef struct {
    mlmbook_chapter *chapters;
    int n;
} mlmbook_book;

/* The full HTML of chapter i's page, and of the index page. Caller frees. */
char *mlmbook_page_chapter(const mlmbook_book *book, int i);
char *mlmbook_page_index(const mlmbook_book *book);
/* "I. Learning as optimization" -> "Part I · Learning as optimization" (escaped). */
void mlmbook_part_label(mlmbook_buf *b, const char *part);

#endif
