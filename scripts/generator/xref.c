/* xref.c: links between chapters by slug, so that chapter numbers and titles can change without
 * editing prose.
 *   [](ch:logistic-regression)            -> chapter 8, <em>Logistic regression</em> (a link)
 *   [chapter {n}](ch:logistic-regression) -> the text, {n} replaced by the chapter's number
 *   [](ch:newton#damping)                 -> a link to a section (the anchor must exist)
 * The chapters that exist win; chapters/planned.txt lists every chapter of the curriculum
 * (`NN slug Title`); a reference to one not yet written is plain text ending "(to come)", and
 * the build prints one warning listing every such reference. An unknown slug is an error. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmbook.h"

static int is_slug(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-') return 0;
    return 1;
}

void mlmbook_planned_read(mlmbook_xrefs *x, const char *path) {
    char *text = mlmbook_file_read(path, NULL);
    if (!text) {
        if (errno != ENOENT) mlmbook_error(path, 0, "cannot read: %s", strerror(errno));
        return;
    }
    x->planned_path = path;
    int line = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        char *s = mlmbook_strndup(p, len);
        p = nl ? nl + 1 : p + len;
        while (len && isspace((unsigned char)s[len - 1])) s[--len] = 0;
        if (!len || s[0] == '#') {
            free(s);
            continue;
        }
        size_t nd = strspn(s, "0123456789");
        const char *slug = nd < len ? s + nd + 1 : s + len;
        size_t sl = strcspn(slug, " \t");
        const char *title = slug + sl;
        while (*title == ' ' || *title == '\t') title++;
        if (nd == 0 || nd > 5 || nd >= len || s[nd] != ' ' || !is_slug(slug, sl) || !*title) {
            mlmbook_error(path, line, "expected 'NN slug Title' (08 logistic-regression Logistic "
                                      "regression), not '%s'", s);
            free(s);
            continue;
        }
        int dup = 0;
        for (int i = 0; i < x->nplanned; i++)
            if (strlen(x->planned[i].slug) == sl && !memcmp(x->planned[i].slug, slug, sl)) dup = 1;
        if (dup) {
            mlmbook_error(path, line, "'%.*s' is listed twice", (int)sl, slug);
        } else {
            x->planned = mlmbook_realloc(x->planned, (size_t)(x->nplanned + 1) * sizeof *x->planned);
            x->planned[x->nplanned++] =
                (mlmbook_planned){atoi(s), mlmbook_strndup(slug, sl), mlmbook_strdup(title)};
        }
        free(s);
    }
    free(text);
}

void mlmbook_xrefs_free(mlmbook_xrefs *x) {
    for (int i = 0; i < x->nplanned; i++) {
        free(x->planned[i].slug);
        free(x->planned[i].title);
    }
    free(x->planned);
    for (int i = 0; i < x->nanchors; i++) {
        free(x->anchors[i].file);
        free(x->anchors[i].anchor);
    }
    free(x->anchors);
    mlmbook_buf_free(&x->to_come);
    memset(x, 0, sizeof *x);
}

/* The original line of an inline node: its block's first line plus the line breaks before it. */
static int inline_line(const mlmbook_chapter *ch, cmark_node *node) {
    cmark_node *block = node;
    while (block && cmark_node_get_start_line(block) == 0) block = cmark_node_parent(block);
    if (!block) return 1;
    int line = cmark_node_get_start_line(block);
    cmark_iter *it = cmark_iter_new(block);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (n == node) break;
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK))
            line++;
    }
    cmark_iter_free(it);
    return mlmbook_chapter_line(ch, line);
}

static cmark_node *text_new(const char *s) {
    cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
    cmark_node_set_literal(t, s);
    return t;
}

/* Replace {n} by the number in the text nodes under node. */
static void number_in(cmark_node *node, int number) {
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_TEXT) continue;
        const char *s = cmark_node_get_literal(n);
        if (!strstr(s, "{n}")) continue;
        mlmbook_buf b = {0};
        for (const char *p = s; *p;) {
            if (!strncmp(p, "{n}", 3)) {
                mlmbook_buf_printf(&b, "%d", number);
                p += 3;
            } else {
                mlmbook_buf_putc(&b, *p++);
            }
        }
        cmark_node_set_literal(n, b.data);
        mlmbook_buf_free(&b);
    }
    cmark_iter_free(it);
}

/* "chapter 8, <em>Title</em>" as the children of an empty link. */
static void default_text(cmark_node *link, int number, const char *title) {
    char head[40];
    snprintf(head, sizeof head, "chapter %d, ", number);
    cmark_node_append_child(link, text_new(head));
    cmark_node *em = cmark_node_new(CMARK_NODE_EMPH);
    cmark_node_append_child(em, text_new(title));
    cmark_node_append_child(link, em);
}

static void resolve_url(mlmbook_chapter *ch, mlmbook_xrefs *x, cmark_node *link, const char *url);

static void resolve(mlmbook_chapter *ch, mlmbook_xrefs *x, cmark_node *link) {
    char *url = mlmbook_strdup(cmark_node_get_url(link) + 3); /* after "ch:"; the node's own copy
                                                                 goes when the link changes */
    resolve_url(ch, x, link, url);
    free(url);
}

static void resolve_url(mlmbook_chapter *ch, mlmbook_xrefs *x, cmark_node *link, const char *url) {
    size_t sl = strcspn(url, "#");
    const char *anchor = url[sl] == '#' ? url + sl + 1 : NULL;
    int line = inline_line(ch, link);
    if (!is_slug(url, sl) || (anchor && !*anchor)) {
        mlmbook_error(ch->path, line, "a cross-reference is ch:slug or ch:slug#section, not 'ch:%s'", url);
        return;
    }
    int number = 0, target = -1;
    const char *title = NULL;
    for (int i = 0; i < x->n; i++)
        if (x->chapters[i].slug && strlen(x->chapters[i].slug) == sl &&
            !memcmp(x->chapters[i].slug, url, sl)) {
            target = i;
            number = x->chapters[i].number;
            title = x->chapters[i].title ? x->chapters[i].title : "";
        }
    const mlmbook_planned *plan = NULL;
    if (target < 0)
        for (int i = 0; i < x->nplanned; i++)
            if (strlen(x->planned[i].slug) == sl && !memcmp(x->planned[i].slug, url, sl)) plan = &x->planned[i];
    if (target < 0 && !plan) {
        mlmbook_error(ch->path, line, "unknown chapter '%.*s' in a cross-reference: it is neither a "
                      "chapter file nor listed in %s", (int)sl, url,
                      x->planned_path ? x->planned_path : "chapters/planned.txt");
        return;
    }
    int empty = cmark_node_first_child(link) == NULL;
    if (target >= 0) {
        mlmbook_buf href = {0};
        mlmbook_buf_printf(&href, "%.*s.html%s%s", (int)sl, url, anchor ? "#" : "", anchor ? anchor : "");
        cmark_node_set_url(link, href.data);
        mlmbook_buf_free(&href);
        if (empty) default_text(link, number, title);
        else number_in(link, number);
        if (anchor) {
            x->anchors = mlmbook_realloc(x->anchors, (size_t)(x->nanchors + 1) * sizeof *x->anchors);
            x->anchors[x->nanchors++] = (mlmbook_anchor){mlmbook_strdup(ch->path), line, target,
                                                         mlmbook_strdup(anchor)};
        }
        return;
    }
    /* Still to be written: the link's text, plain, then "(to come)". */
    if (empty) default_text(link, plan->number, plan->title);
    else number_in(link, plan->number);
    cmark_node *c;
    while ((c = cmark_node_first_child(link))) cmark_node_insert_before(link, c);
    cmark_node_insert_before(link, text_new(" (to come)"));
    cmark_node_free(link);
    mlmbook_buf_printf(&x->to_come, "  %s:%d: ch:%s (chapter %d, %s)\n", ch->path, line, url,
                       plan->number, plan->title);
    x->nto_come++;
}

void mlmbook_xref_resolve(mlmbook_chapter *ch, mlmbook_xrefs *x) {
    cmark_node **links = NULL;
    int n = 0;
    cmark_iter *it = cmark_iter_new(ch->doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_LINK) continue;
        const char *url = cmark_node_get_url(node);
        if (!url || strncmp(url, "ch:", 3) != 0) continue;
        links = mlmbook_realloc(links, (size_t)(n + 1) * sizeof *links);
        links[n++] = node;
    }
    cmark_iter_free(it);
    for (int i = 0; i < n; i++) resolve(ch, x, links[i]);
    free(links);
}

void mlmbook_xref_finish(mlmbook_xrefs *x) {
    for (int i = 0; i < x->nanchors; i++) {
        const mlmbook_anchor *a = &x->anchors[i];
        const mlmbook_chapter *t = &x->chapters[a->target];
        if (!mlmbook_id_has(&t->ids, a->anchor))
            mlmbook_error(a->file, a->line, "cross-reference to '%s#%s': %s has no section with id '%s'",
                          t->slug, a->anchor, t->path, a->anchor);
    }
}

void mlmbook_xref_warn(const mlmbook_xrefs *x) {
    if (!x->nto_come) return;
    fprintf(stderr, "mlmbook: warning: %d reference%s to chapters still to be written (shown as "
                    "plain text, \"(to come)\"):\n%s", x->nto_come, x->nto_come == 1 ? "" : "s",
            x->to_come.data);
}
