/* manifest.c: writes a module's declaration as JSON. The generator embeds it in every widget
 * mount, with the chapter's defaults applied, so the browser can build controls and clamp URL
 * state before the wasm arrives. Native only: the wasm builds never need the strings as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        /* '<' and '&' escaped so the JSON can sit inside an HTML <script> element safely. */
        case '<': fputs("\\u003c", f); break;
        case '&': fputs("\\u0026", f); break;
        default:
            if (*c < 0x20) fprintf(f, "\\u%04x", *c);
            else fputc(*c, f);
        }
    }
    fputc('"', f);
}

/* Shortest of %.15g / %.17g that reads back exactly: 0.1 rather than 0.10000000000000001. */
static void json_number(FILE *f, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, f);
}

static void json_flags(FILE *f, int flags, const char *const names[], int n) {
    fputc('[', f);
    int first = 1;
    for (int b = 0; b < n; b++) {
        if (!(flags & (1 << b))) continue;
        if (!first) fputc(',', f);
        json_string(f, names[b]);
        first = 0;
    }
    fputc(']', f);
}

static const char *const kind_names[] = {"float", "int", "choice", "bool", "text"};
static const char *const panel_flags[] = {"equal", "auto_x", "auto_y", "log_y",
                                          "wide",  "log_x",  "noaxes", "pointer"};
static const char *const view_kinds[] = {"points", "curve", "trail", "segments", "arrows",
                                         "markers", "field", "scalar", "text",    "bars",
                                         "tiles",  "edges", "nodes", "labels",
                                         "bubbles"};
static const char *const view_flags[] = {"legend",     "dashed", "faint",     "heatmap", "contour",
                                         "log_levels", "int",    "diverging", "gray",    "percent",
                                         "classes"};

/* "when" of parameter i, if it is conditional: {"on":k,"keys":[...]} or {"on":k,"min":N}. The
   table has passed mlm_module_check (the generator checks first), so it parses. */
static void when_json(FILE *f, const mlm_module *m, int i) {
    const char *cond = NULL;
    for (int k = 0; k < m->n_when; k++)
        if (m->when[k].param && !strcmp(m->when[k].param, m->params[i].name)) cond = m->when[k].cond;
    if (!cond) return;
    char name[64];
    size_t len = strcspn(cond, "=>");
    if (len >= sizeof name) return;
    memcpy(name, cond, len);
    name[len] = 0;
    int on = mlm_param_index(m, name);
    if (on < 0) return;
    const mlm_param *p = &m->params[on];
    fprintf(f, ",\"when\":{\"on\":%d,", on);
    if (cond[len] == '>') {
        fprintf(f, "\"min\":");
        json_number(f, strtod(cond + len + 2, NULL));
    } else {
        fprintf(f, "\"keys\":[");
        const char *c = cond + len + 1;
        for (int first = 1;; first = 0) {
            size_t kl = strcspn(c, "|");
            char key[64];
            if (kl >= sizeof key) kl = sizeof key - 1;
            memcpy(key, c, kl);
            key[kl] = 0;
            int v = p->kind == MLM_CHOICE ? mlm_choice_find(p, key) : atoi(key);
            fprintf(f, "%s%d", first ? "" : ",", v);
            if (!c[kl]) break;
            c += kl + 1;
        }
        fputc(']', f);
    }
    fputc('}', f);
}

void mlm_manifest_write(FILE *f, const mlm_module *m, const double *defaults,
                        const unsigned char *shown, double speed) {
    mlm_manifest_write_texts(f, m, defaults, NULL, shown, speed);
}

void mlm_manifest_write_texts(FILE *f, const mlm_module *m, const double *defaults,
                              const char *const *texts, const unsigned char *shown, double speed) {
    fprintf(f, "{\"module\":");
    json_string(f, m->name);
    fprintf(f, ",\"title\":");
    json_string(f, m->title);
    fprintf(f, ",\"speed\":");
    json_number(f, speed > 0 ? speed : m->speed);
    fprintf(f, ",\"random\":%s", m->random ? "true" : "false");
    /* Written only when set, so a module without them has the manifest it always had. */
    if (m->worker) fprintf(f, ",\"worker\":true");
    if (m->t_max > 0) fprintf(f, ",\"t_max\":%d", m->t_max);
    if (m->input_get) fprintf(f, ",\"input\":true");
    if (mlm_action_count(m)) fprintf(f, ",\"actions\":[");
    for (int k = 0; k < mlm_action_count(m); k++) {
        mlm_param list = {.kind = MLM_CHOICE, .choices = m->actions}; /* the same key:Label form */
        char key[64], label[128];
        mlm_choice_key(&list, k, key, sizeof key);
        mlm_choice_label(&list, k, label, sizeof label);
        fprintf(f, "%s[", k ? "," : "");
        json_string(f, key);
        fputc(',', f);
        json_string(f, label);
        fputc(']', f);
    }
    if (mlm_action_count(m)) fputc(']', f);
    fprintf(f, ",\"params\":[");
    for (int i = 0; i < m->n_params; i++) {
        const mlm_param *p = &m->params[i];
        if (i) fputc(',', f);
        fprintf(f, "{\"name\":");
        json_string(f, p->name);
        fprintf(f, ",\"label\":");
        json_string(f, p->label);
        fprintf(f, ",\"kind\":\"%s\",\"min\":", kind_names[p->kind]);
        json_number(f, p->min);
        fprintf(f, ",\"max\":");
        json_number(f, p->max);
        fprintf(f, ",\"step\":");
        json_number(f, p->step);
        fprintf(f, ",\"def\":");
        /* a TEXT's default is its text (a widget block's, or the declared one) */
        if (p->kind == MLM_TEXT) json_string(f, texts && texts[i] ? texts[i] : p->choices);
        else json_number(f, defaults ? defaults[i] : p->def);
        /* shown[i]: 0 hidden, else the control's place (a widget block's `controls` order) */
        fprintf(f, ",\"log\":%s,\"show\":%s,\"order\":%d,\"help\":", p->log ? "true" : "false",
                !shown || shown[i] ? "true" : "false", shown ? shown[i] : 1);
        json_string(f, p->help);
        when_json(f, m, i);
        if (p->kind == MLM_CHOICE) {
            fprintf(f, ",\"choices\":[");
            char key[64], label[128];
            for (int k = 0; k < mlm_choice_count(p); k++) {
                mlm_choice_key(p, k, key, sizeof key);
                mlm_choice_label(p, k, label, sizeof label);
                fprintf(f, "%s[", k ? "," : "");
                json_string(f, key);
                fputc(',', f);
                json_string(f, label);
                fputc(']', f);
            }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fprintf(f, "],\"panels\":[");
    for (int i = 0; i < m->n_panels; i++) {
        const mlm_panel *p = &m->panels[i];
        if (i) fputc(',', f);
        fprintf(f, "{\"name\":");
        json_string(f, p->name);
        fprintf(f, ",\"title\":");
        json_string(f, p->title);
        fprintf(f, ",\"xlabel\":");
        json_string(f, p->xlabel);
        fprintf(f, ",\"ylabel\":");
        json_string(f, p->ylabel);
        fprintf(f, ",\"flags\":");
        json_flags(f, p->flags, panel_flags, (int)(sizeof panel_flags / sizeof *panel_flags));
        fprintf(f, ",\"click\":");
        if (p->click) json_string(f, p->click);
        else fputs("null", f);
        fputc('}', f);
    }
    fprintf(f, "],\"views\":[");
    for (int i = 0; i < m->n_views; i++) {
        const mlm_view *v = &m->views[i];
        if (i) fputc(',', f);
        fprintf(f, "{\"name\":");
        json_string(f, v->name);
        fprintf(f, ",\"panel\":%d,\"kind\":\"%s\",\"label\":",
                v->panel ? mlm_panel_index(m, v->panel) : -1, view_kinds[v->kind]);
        json_string(f, v->label);
        fprintf(f, ",\"color\":%d,\"flags\":", v->color);
        json_flags(f, v->flags, view_flags, (int)(sizeof view_flags / sizeof *view_flags));
        fputc('}', f);
    }
    fprintf(f, "]}");
}

/* The checks are mlm_module_check's (engine/core/mlm.c): one list of rules for the generator,
   the tests and the manifest alike. */
const char *mlm_manifest_check(const mlm_module *m) {
    static char msg[256];
    return mlm_module_check(m, msg, sizeof msg) ? msg : NULL;
}
