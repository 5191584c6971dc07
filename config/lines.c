/*
 * libyaml event walk recording the line of every mapping key and sequence
 * entry. A small stack of frames tracks where we are: in a mapping we
 * alternate key/value; in a sequence we count entries.
 */
#include "lines.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

typedef struct entry {
    char *path;
    int line;
} entry;

struct sp_cfg_lines {
    entry *v;
    size_t n, cap;
};

typedef struct frame {
    bool is_map;
    bool want_key; /* maps: next scalar is a key */
    int index;     /* sequences: next entry's index */
    char *path;    /* path of this container */
    char *key;     /* maps: the key whose value comes next */
} frame;

static bool add(sp_cfg_lines *l, const char *path, int line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        entry *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].path = strdup(path);
    l->v[l->n].line = line;
    return l->v[l->n++].path != NULL;
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
        f->want_key = true;
    } else {
        f->index++;
    }
}

sp_cfg_lines *sp_cfg_lines_create(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    sp_cfg_lines *l = calloc(1, sizeof *l);
    yaml_parser_t parser;
    frame stack[64];
    int depth = 0;
    bool ok = l && yaml_parser_initialize(&parser);
    if (!ok) {
        free(l);
        fclose(fp);
        return NULL;
    }
    yaml_parser_set_input_file(&parser, fp);
    for (bool done = false; !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            ok = false;
            break;
        }
        frame *top = depth ? &stack[depth - 1] : NULL;
        int line = (int)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_SCALAR_EVENT:
            if (top && top->is_map && top->want_key) {
                top->key = strdup((const char *)ev.data.scalar.value);
                top->want_key = false;
                char *p = child_path(top);
                if (p)
                    add(l, p, line);
                free(p);
            } else {
                if (top && !top->is_map) {
                    char *p = child_path(top);
                    if (p)
                        add(l, p, line);
                    free(p);
                }
                value_done(top);
            }
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (depth == 64) {
                ok = false;
                done = true;
                break;
            }
            char *p = child_path(top);
            if (top && !top->is_map && p)
                add(l, p, line);
            stack[depth++] = (frame){.is_map = ev.type == YAML_MAPPING_START_EVENT,
                                     .want_key = true,
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
    fclose(fp);
    if (!ok) {
        sp_cfg_lines_destroy(l);
        return NULL;
    }
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

int sp_cfg_lines_find(const sp_cfg_lines *l, const char *keypath)
{
    if (!l)
        return 0;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, keypath) == 0)
            return l->v[i].line;
    return 0;
}

const char *sp_cfg_lines_path_at(const sp_cfg_lines *l, int line)
{
    if (!l)
        return NULL;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].line == line)
            return l->v[i].path;
    return NULL;
}
