/*
 * libyaml event walk recording the line of every mapping key and sequence
 * entry, and the kind of value it has. A small stack of frames tracks where
 * we are: in a mapping we alternate key/value; in a sequence we count
 * entries.
 */
#include "lines.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/sp_grow.h"

typedef struct entry {
    char *path;
    int line;
    sp_cfg_node node;
} entry;

struct sp_cfg_lines {
    entry *v;
    size_t n, cap;
    char error[256]; /* "" while the text is well-formed */
    int error_line;
    int documents, second_start;
    int second_document; /* its line when it has content, or 0 */
};

typedef struct frame {
    bool is_map;
    bool want_key;    /* maps: next scalar is a key */
    int index;        /* sequences: next entry's index */
    char *path;       /* path of this container */
    char *key;        /* maps: the key whose value comes next */
    size_t key_entry; /* maps: its entry, or SIZE_MAX */
} frame;

static bool add(sp_cfg_lines *l, const char *path, int line, sp_cfg_node node)
{
    if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
        return false;
    l->v[l->n].path = strdup(path);
    l->v[l->n].line = line;
    l->v[l->n].node = node;
    return l->v[l->n++].path != NULL;
}

/* YAML's null, as the core schema has it; quoted, it is a string. */
static sp_cfg_node scalar_node(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL")))
        return SP_CFG_NODE_NULL;
    return SP_CFG_NODE_SCALAR;
}

/* A value of this kind starts in frame f (NULL: the document's root) at
 * path p: a map's value completes its key's entry, anything else gets an
 * entry of its own. */
static void note_value(sp_cfg_lines *l, frame *f, const char *p, int line, sp_cfg_node node)
{
    /* A trailing "---" with nothing after it starts an empty document. */
    if (!f && l->documents >= 2 && node != SP_CFG_NODE_NULL && !l->second_document)
        l->second_document = l->second_start;
    if (f && f->is_map) {
        if (f->key_entry != SIZE_MAX)
            l->v[f->key_entry].node = node;
    } else if (p) {
        add(l, p, line, node);
    }
}

/* Say why the parser stopped, and on which line. */
static void note_error(sp_cfg_lines *l, const yaml_parser_t *p, const unsigned char *buf,
                       size_t len)
{
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(l->error, sizeof l->error, "out of memory");
    } else if (p->error == YAML_READER_ERROR) {
        /* Bytes that are not text: libyaml gives an offset, not a mark. */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        l->error_line = 1;
        for (size_t i = 0; i < off; i++)
            l->error_line += buf[i] == '\n';
        if (p->problem_value >= 0)
            snprintf(l->error, sizeof l->error, "not a text file: %s (0x%02x at byte offset %zu)",
                     p->problem, (unsigned)p->problem_value, off);
        else
            snprintf(l->error, sizeof l->error, "not a text file: %s (at byte offset %zu)",
                     p->problem, off);
    } else {
        l->error_line = (int)p->problem_mark.line + 1;
        if (p->context)
            snprintf(l->error, sizeof l->error, "not valid YAML: %s (%s on line %d)",
                     p->problem ? p->problem : "syntax error", p->context,
                     (int)p->context_mark.line + 1);
        else
            snprintf(l->error, sizeof l->error, "not valid YAML: %s",
                     p->problem ? p->problem : "syntax error");
    }
}

/* Path of the value about to start in frame f (caller frees). */
static char *child_path(const frame *f)
{
    char buf[1024];
    if (!f)
        return strdup("");
    if (f->is_map)
        snprintf(buf, sizeof buf, "%s%s%s", f->path, f->path[0] ? "." : "", f->key ? f->key : "");
    else
        snprintf(buf, sizeof buf, "%s[%d]", f->path, f->index);
    return strdup(buf);
}

/* A value (scalar or container) was completed in frame f. */
static void value_done(frame *f)
{
    if (!f)
        return;
    if (f->is_map) {
        free(f->key);
        f->key = NULL;
        f->key_entry = SIZE_MAX;
        f->want_key = true;
    } else {
        f->index++;
    }
}

sp_cfg_lines *sp_cfg_lines_create(const unsigned char *buf, size_t len)
{
    sp_cfg_lines *l = calloc(1, sizeof *l);
    yaml_parser_t parser;
    frame stack[64];
    int depth = 0;
    if (!l)
        return NULL;
    if (!yaml_parser_initialize(&parser)) {
        free(l);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, buf, len);
    for (bool done = false; !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            note_error(l, &parser, buf, len);
            break;
        }
        frame *top = depth ? &stack[depth - 1] : NULL;
        int line = (int)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_SCALAR_EVENT:
            if (top && top->is_map && top->want_key) {
                top->key = strdup((const char *)ev.data.scalar.value);
                top->want_key = false;
                top->key_entry = SIZE_MAX;
                char *p = child_path(top);
                if (p && add(l, p, line, SP_CFG_NODE_NONE))
                    top->key_entry = l->n - 1;
                free(p);
            } else {
                char *p = child_path(top);
                note_value(l, top, p, line, scalar_node(&ev));
                free(p);
                value_done(top);
            }
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (depth == 64) { /* deeper than any key of ours: stop indexing */
                done = true;
                break;
            }
            bool is_map = ev.type == YAML_MAPPING_START_EVENT;
            if (top && top->is_map && top->want_key) {
                /* "? [a, b]": valid YAML, but libcyaml gives up on it with
                 * "Internal error" at the enclosing key. */
                l->error_line = line;
                snprintf(l->error, sizeof l->error, "a key must be a word, not a %s",
                         is_map ? "mapping" : "list");
                done = true;
                break;
            }
            char *p = child_path(top);
            note_value(l, top, p, line, is_map ? SP_CFG_NODE_MAPPING : SP_CFG_NODE_SEQUENCE);
            stack[depth++] = (frame){.is_map = is_map,
                                     .want_key = true,
                                     .key_entry = SIZE_MAX,
                                     .path = p ? p : strdup("")};
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth) {
                depth--;
                free(stack[depth].path);
                free(stack[depth].key);
                value_done(depth ? &stack[depth - 1] : NULL);
            }
            break;
        case YAML_ALIAS_EVENT:
            value_done(top);
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++l->documents == 2)
                l->second_start = line;
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    while (depth) {
        depth--;
        free(stack[depth].path);
        free(stack[depth].key);
    }
    yaml_parser_delete(&parser);
    return l;
}

void sp_cfg_lines_destroy(sp_cfg_lines *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    free(l);
}

const char *sp_cfg_lines_error(const sp_cfg_lines *l, int *line)
{
    if (!l || !l->error[0])
        return NULL;
    *line = l->error_line;
    return l->error;
}

static const entry *find(const sp_cfg_lines *l, const char *keypath)
{
    if (!l)
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, keypath) == 0)
            return &l->v[i];
    return NULL;
}

int sp_cfg_lines_find(const sp_cfg_lines *l, const char *keypath)
{
    const entry *e = find(l, keypath);
    return e ? e->line : 0;
}

sp_cfg_node sp_cfg_lines_node(const sp_cfg_lines *l, const char *keypath)
{
    const entry *e = find(l, keypath);
    return e ? e->node : SP_CFG_NODE_NONE;
}

int sp_cfg_lines_second_document(const sp_cfg_lines *l)
{
    return l ? l->second_document : 0;
}

const char *sp_cfg_lines_first_null(const sp_cfg_lines *l, int *line)
{
    for (size_t i = 0; l && i < l->n; i++) {
        if (l->v[i].node == SP_CFG_NODE_NULL && l->v[i].path[0]) {
            *line = l->v[i].line;
            return l->v[i].path;
        }
    }
    return NULL;
}
