/* chapter.c: one chapter from Markdown to body HTML. Loading reads the front matter, protects
 * the math, parses with cmark, takes the first level-1 heading as the title, expands directive
 * blocks and gives headings ids; finishing (after KaTeX has rendered the whole book's math) puts
 * the math in place and renders. Tree changes follow cmark.h's iterator rule: nodes are collected
 * during the walk and changed only after it. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

/* ---- ids ---- */

static size_t id_hash(const char *s) {
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of key, created (not taken) when `create`; NULL when absent and not created. */
static mlmbook_idslot *id_slot(mlmbook_idset *ids, const char *key, int create) {
    if (create && 2 * (ids->used + 1) > ids->cap) {
        size_t cap = ids->cap ? 2 * ids->cap : 64;
        mlmbook_idslot *old = ids->slots, *slots = mlmbook_alloc(cap * sizeof *slots);
        for (size_t i = 0; i < ids->cap; i++) {
            if (!old[i].key) continue;
            size_t j = id_hash(old[i].key) & (cap - 1);
            while (slots[j].key) j = (j + 1) & (cap - 1);
            slots[j] = old[i];
        }
        free(old);
        ids->slots = slots;
        ids->cap = cap;
    }
    if (!ids->cap) return NULL;
    size_t j = id_hash(key) & (ids->cap - 1);
    while (ids->slots[j].key) {
        if (!strcmp(ids->slots[j].key, key)) return &ids->slots[j];
        j = (j + 1) & (ids->cap - 1);
    }
    if (!create) return NULL;
    ids->slots[j] = (mlmbook_idslot){mlmbook_strdup(key), 0, 2};
    ids->used++;
    return &ids->slots[j];
}

int mlmbook_id_has(const mlmbook_idset *ids, const char *id) {
    mlmbook_idslot *s = id_slot((mlmbook_idset *)ids, id, 0);
    return s && s->taken;
}

/* want, else want-k for the smallest k >= 2 still free. Each wanted name remembers where its
   search stopped, so n headings with the same text cost O(n) in all. */
const char *mlmbook_id_take(mlmbook_idset *ids, const char *want) {
    mlmbook_buf b = {0};
    mlmbook_buf_puts(&b, want);
    mlmbook_idslot *w = id_slot(ids, want, 1);
    if (w->taken) {
        int k = w->next;
        for (;; k++) {
            b.len = 0;
            mlmbook_buf_printf(&b, "%s-%d", want, k);
            if (!mlmbook_id_has(ids, b.data)) break;
        }
        w->next = k + 1;
    }
    id_slot(ids, b.data, 1)->taken = 1;
    ids->items = mlmbook_realloc(ids->items, (size_t)(ids->n + 1) * sizeof *ids->items);
    ids->items[ids->n] = mlmbook_buf_detach(&b);
    return ids->items[ids->n++];
}

void mlmbook_idset_free(mlmbook_idset *ids) {
    for (int i = 0; i < ids->n; i++) free(ids->items[i]);
    for (size_t i = 0; i < ids->cap; i++) free(ids->slots[i].key);
    free(ids->items);
    free(ids->slots);
    memset(ids, 0, sizeof *ids);
}

int mlmbook_chapter_line(const mlmbook_chapter *ch, int line) {
    if (line < 1) return 1;
    if (!ch->src.linemap) return line; /* before the math is cut out: lines are the file's */
    if (line > ch->src.nlines) line = ch->src.nlines;
    return ch->src.linemap[line];
}

/* ---- node lists, filled during a walk and used after it ---- */

typedef struct {
    cmark_node **items;
    int n;
} node_list;

static void list_push(node_list *l, cmark_node *n) {
    l->items = mlmbook_realloc(l->items, (size_t)(l->n + 1) * sizeof *l->items);
    l->items[l->n++] = n;
}

/* ---- front matter ---- */

/* Read the front matter into ch, blank its lines in src (so cmark's line numbers stay those of
   the file) and return the line after it. */
static int front_matter(mlmbook_chapter *ch, char *src) {
    static const char *usage =
        "a chapter starts with front matter: a line '---', then 'part: ...' and 'summary: ...', "
        "then '---'";
    char *p = src;
    int line = 1;
    size_t len = strcspn(p, "\n");
    if (!(len >= 3 && !strncmp(p, "---", 3) && strspn(p + 3, " \t\r") == len - 3)) {
        mlmbook_error(ch->path, 1, "%s", usage);
        return 1;
    }
    char *start = p;
    int closed = 0;
    p += len + (p[len] ? 1 : 0);
    while (*p) {
        line++;
        len = strcspn(p, "\n");
        char *end = p + len;
        while (end > p && isspace((unsigned char)end[-1])) end--;
        size_t n = (size_t)(end - p);
        char *next = p + len + (p[len] ? 1 : 0);
        if (n == 3 && !strncmp(p, "---", 3)) {
            closed = 1;
            p = next;
            break;
        }
        char *colon = memchr(p, ':', n);
        if (n == 0) {
            /* blank lines are allowed */
        } else if (!colon) {
            mlmbook_error(ch->path, line, "expected 'key: value' in the front matter, not '%.*s'", (int)n, p);
        } else {
            char *v = colon + 1;
            while (v < end && isspace((unsigned char)*v)) v++;
            size_t klen = (size_t)(colon - p);
            char **slot = NULL;
            if (klen == 4 && !strncmp(p, "part", 4)) slot = &ch->part;
            else if (klen == 7 && !strncmp(p, "summary", 7)) slot = &ch->summary;
            if (!slot) {
                mlmbook_error(ch->path, line, "unknown front matter key '%.*s' (keys: part, summary)",
                              (int)klen, p);
            } else if (v == end) {
                mlmbook_error(ch->path, line, "'%.*s:' is empty", (int)klen, p);
            } else {
                free(*slot);
                *slot = mlmbook_strndup(v, (size_t)(end - v));
            }
        }
        p = next;
    }
    if (!closed) {
        mlmbook_error(ch->path, 1, "the front matter is not closed by a line '---'");
        return line + 1;
    }
    if (!ch->part) mlmbook_error(ch->path, 1, "the front matter has no 'part:' line");
    for (char *q = start; q < p; q++)
        if (*q != '\n') *q = ' ';
    return line + 1;
}

/* ---- text of headings ---- */

/* The text of a node's inlines. Math is kept as its TeX (with_math) or left out. */
static void plain_text(mlmbook_buf *b, const mlmbook_chapter *ch, cmark_node *node, int with_math) {
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER) continue;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT: {
            const char *s = cmark_node_get_literal(n);
            size_t len = strlen(s);
            for (size_t i = 0; i < len;) {
                size_t ph;
                int k = mlmbook_placeholder_parse(s + i, len - i, &ph);
                if (k >= 0 && k < ch->src.nmath) {
                    if (with_math) mlmbook_buf_puts(b, ch->src.math[k].tex);
                    i += ph;
                } else {
                    mlmbook_buf_putc(b, s[i++]);
                }
            }
            break;
        }
        case CMARK_NODE_CODE: mlmbook_buf_puts(b, cmark_node_get_literal(n)); break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK: mlmbook_buf_putc(b, ' '); break;
        default: break;
        }
    }
    cmark_iter_free(it);
}

/* Letters of Latin-1 Supplement (U+00C0..U+00FF) without their accents, for readable ids. */
static const char latin1_base[] = "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
                                  "aaaaaaaceeeeiiiidnooooo-ouuuuyty";

static void slugify(mlmbook_buf *out, const char *s) {
    int sep = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int c = 0;
        if (isalnum(*p)) c = tolower(*p);
        else if ((*p == 0xC3) && p[1] >= 0x80 && p[1] <= 0xBF) {
            c = latin1_base[p[1] - 0x80];
            p++;
            if (c == '-') c = 0;
        } else if (*p >= 0x80) {
            continue; /* other scripts: left out rather than turned into noise */
        }
        if (!c) {
            sep = 1;
            continue;
        }
        if (sep && out->len) mlmbook_buf_putc(out, '-');
        sep = 0;
        mlmbook_buf_putc(out, (char)c);
    }
    if (!out->len) mlmbook_buf_puts(out, "section");
}

/* Give a heading an id (and h2/h3 a link to themselves). cmark prints headings without
   attributes, so the heading is rendered on its own and replaced by a custom block holding the
   finished HTML; that is why this runs after the math is in place. */
static void heading_expand(mlmbook_chapter *ch, cmark_node *h) {
    int level = cmark_node_get_heading_level(h);
    mlmbook_buf text = {0}, slug = {0}, html = {0};
    plain_text(&text, ch, h, 0);
    slugify(&slug, text.data ? text.data : "");
    const char *id = mlmbook_id_take(&ch->ids, slug.data);

    char *inner = cmark_render_html(h, CMARK_OPT_DEFAULT); /* "<hN>...</hN>\n" */
    size_t len = strlen(inner);
    size_t skip = 4, cut = 6; /* lengths of "<hN>" and "</hN>\n" */
    if (len < skip + cut) skip = cut = 0;
    mlmbook_buf_printf(&html, "<h%d id=\"%s\">", level, id);
    mlmbook_buf_put(&html, inner + skip, len - skip - cut);
    if (level == 2 || level == 3)
        mlmbook_buf_printf(&html, " <a class=\"heading-link\" href=\"#%s\" "
                                  "aria-label=\"Link to this section\">#</a>", id);
    mlmbook_buf_printf(&html, "</h%d>", level);
    cmark_get_default_mem_allocator()->free(inner);

    cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    cmark_node_set_on_enter(block, html.data);
    cmark_node_replace(h, block);
    cmark_node_free(h);
    mlmbook_buf_free(&text);
    mlmbook_buf_free(&slug);
    mlmbook_buf_free(&html);
}

/* ---- loading ---- */

void mlmbook_chapter_load(mlmbook_chapter *ch, const char *path, const char *engine_dir) {
    char *src = mlmbook_file_read(path, NULL);
    if (!src) {
        ch->path = path;
        ch->engine_dir = engine_dir;
        mlmbook_error(path, 0, "cannot read: %s", strerror(errno));
        return;
    }
    mlmbook_chapter_load_text(ch, path, src, engine_dir);
}

void mlmbook_chapter_load_text(mlmbook_chapter *ch, const char *path, char *src,
                               const char *engine_dir) {
    ch->path = path;
    ch->engine_dir = engine_dir;
    mlmbook_id_take(&ch->ids, "content"); /* the page's <main> */
    int body_line = front_matter(ch, src);
    mlmbook_runs_collect(ch, src); /* quotes are written in while the math is cut out */
    mlmbook_math_protect(&ch->src, path, src, ch);
    free(src);
    ch->doc = cmark_parse_document(ch->src.text, strlen(ch->src.text), CMARK_OPT_DEFAULT);

    node_list blocks = {0};
    cmark_node *title = NULL;
    cmark_iter *it = cmark_iter_new(ch->doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER) continue;
        cmark_node_type t = cmark_node_get_type(n);
        if (t == CMARK_NODE_HEADING && !title && cmark_node_get_heading_level(n) == 1) {
            title = n;
        } else if (t == CMARK_NODE_CODE_BLOCK) {
            list_push(&blocks, n);
        }
    }
    cmark_iter_free(it);

    if (title) {
        mlmbook_buf b = {0};
        plain_text(&b, ch, title, 1);
        ch->title = mlmbook_buf_detach(&b);
        cmark_node_free(title); /* the page template prints the title with its number */
    }
    if (!ch->title || !*ch->title)
        mlmbook_error(path, body_line, "the chapter has no title: its first heading must be '# Title'");

    /* Widget ids are taken here, heading ids only when finishing: headings cannot take the ids
       a chapter's widgets ask for by name. */
    for (int i = 0; i < blocks.n; i++) {
        char *html = mlmbook_directive_expand(ch, blocks.items[i]);
        if (!html) continue;
        cmark_node *custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        cmark_node_set_on_enter(custom, html);
        cmark_node_replace(blocks.items[i], custom);
        cmark_node_free(blocks.items[i]);
        free(html);
    }
    free(blocks.items);
}

/* ---- finishing ---- */

static int inside_image(cmark_node *n) {
    for (; n; n = cmark_node_parent(n))
        if (cmark_node_get_type(n) == CMARK_NODE_IMAGE) return 1;
    return 0;
}

static cmark_node *text_node(const char *s, size_t n) {
    cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
    char *copy = mlmbook_strndup(s, n);
    cmark_node_set_literal(t, copy);
    free(copy);
    return t;
}

/* Replace a text node holding placeholders by text and math nodes. A paragraph that is nothing
   but one display formula becomes a block of its own instead of a <p>. */
static void math_expand(mlmbook_chapter *ch, cmark_node *text) {
    const char *s = cmark_node_get_literal(text);
    size_t len = strlen(s), ph;
    cmark_node *para = cmark_node_parent(text);
    int k = mlmbook_placeholder_parse(s, len, &ph);
    if (k >= 0 && k < ch->src.nmath && ph == len && ch->src.math[k].display &&
        cmark_node_get_type(para) == CMARK_NODE_PARAGRAPH && cmark_node_first_child(para) == text &&
        cmark_node_last_child(para) == text) {
        mlmbook_buf b = {0};
        mlmbook_buf_printf(&b, "<div class=\"math-display\">%s</div>",
                           ch->src.math[k].html ? ch->src.math[k].html : "");
        cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        cmark_node_set_on_enter(block, b.data);
        cmark_node_replace(para, block);
        cmark_node_free(para);
        mlmbook_buf_free(&b);
        return;
    }
    int as_text = inside_image(text); /* alt text is plain: keep the TeX readable there */
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        k = mlmbook_placeholder_parse(s + i, len - i, &ph);
        if (k < 0 || k >= ch->src.nmath) {
            i++;
            continue;
        }
        if (i > start) cmark_node_insert_before(text, text_node(s + start, i - start));
        const mlmbook_math *m = &ch->src.math[k];
        cmark_node *node;
        if (as_text) {
            node = text_node(m->tex, strlen(m->tex));
        } else {
            node = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
            cmark_node_set_on_enter(node, m->html ? m->html : "");
        }
        cmark_node_insert_before(text, node);
        i += ph;
        start = i;
    }
    if (start < len) cmark_node_insert_before(text, text_node(s + start, len - start));
    cmark_node_free(text);
}

/* Math can only become HTML where cmark emits text. A placeholder that reached an attribute (a
   link's address, as is or %-encoded, or its title) would show up as garbage: say where it was. */
static void placeholders_left(mlmbook_chapter *ch) {
    static const char *const forms[][2] = {{MLMBOOK_PH_OPEN, MLMBOOK_PH_CLOSE},
                                           {"%EE%80%80", "%EE%80%81"}};
    for (int f = 0; f < 2; f++) {
        size_t open = strlen(forms[f][0]);
        for (const char *p = strstr(ch->body, forms[f][0]); p; p = strstr(p + 1, forms[f][0])) {
            char *end;
            long k = strtol(p + open, &end, 10);
            if (end == p + open || strncmp(end, forms[f][1], strlen(forms[f][1])) != 0 || k < 0 ||
                k >= ch->src.nmath)
                continue;
            mlmbook_error(ch->path, ch->src.math[k].line,
                          "math cannot go inside a link's address or title (write \\$ for a dollar sign)");
        }
    }
}

void mlmbook_chapter_finish(mlmbook_chapter *ch, mlmbook_xrefs *x) {
    if (!ch->doc) return;
    node_list texts = {0}, headings = {0};
    cmark_iter *it = cmark_iter_new(ch->doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER) continue;
        cmark_node_type t = cmark_node_get_type(n);
        if (t == CMARK_NODE_TEXT && strstr(cmark_node_get_literal(n), MLMBOOK_PH_OPEN))
            list_push(&texts, n);
        else if (t == CMARK_NODE_HEADING)
            list_push(&headings, n);
    }
    cmark_iter_free(it);
    /* Math first: a heading is rendered whole, with its math, when it gets its id. */
    for (int i = 0; i < texts.n; i++) math_expand(ch, texts.items[i]);
    if (x) mlmbook_xref_resolve(ch, x); /* before headings: a heading may hold a reference */
    for (int i = 0; i < headings.n; i++) heading_expand(ch, headings.items[i]);
    free(texts.items);
    free(headings.items);

    char *html = cmark_render_html(ch->doc, CMARK_OPT_DEFAULT);
    ch->body = mlmbook_strdup(html);
    cmark_get_default_mem_allocator()->free(html);
    placeholders_left(ch);
}

void mlmbook_chapter_free(mlmbook_chapter *ch) {
    if (ch->doc) cmark_node_free(ch->doc);
    mlmbook_protected_free(&ch->src);
    mlmbook_runs_free(ch);
    mlmbook_idset_free(&ch->ids);
    free(ch->slug);
    free(ch->part);
    free(ch->summary);
    free(ch->title);
    free(ch->body);
    memset(ch, 0, sizeof *ch);
}
