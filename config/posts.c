/*
 * The provider's incident posts (SPEC section 13): one YAML file per post
 * in status_page.posts, read and checked with the configuration, so that
 * config-check (and a reload) refuses a bad post with its file, line and
 * key, as it refuses a bad configuration:
 *
 *   title: "Log-in failures"
 *   services: [web, api]
 *   updates:
 *     - {at: "2026-11-30T10:02:00+09:00", status: investigating, text: "..."}
 *     - {at: "2026-11-30T10:40:00+09:00", status: resolved, text: "..."}
 *
 * Files are read in name order; only names ending in .yaml or .yml count.
 */
#include "config_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_grow.h"
#include "common/sp_value.h"

const char *const sp_cfg_post_status_names[SP_CFG_POST_STATUSES] = {"investigating", "identified",
                                                                    "monitoring", "resolved"};

typedef struct raw_update {
    char *at, *status, *text;
} raw_update;

typedef struct raw_post {
    char *title;
    char **services;
    unsigned services_count;
    raw_update *updates;
    unsigned updates_count;
} raw_post;

static const cyaml_schema_value_t str_value = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};
static const cyaml_schema_field_t update_fields[] = {
    CYAML_FIELD_STRING_PTR("at", CYAML_FLAG_POINTER, raw_update, at, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("status", CYAML_FLAG_POINTER, raw_update, status, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("text", CYAML_FLAG_POINTER, raw_update, text, 1, 16384),
    CYAML_FIELD_END};
static const cyaml_schema_value_t update_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_update, update_fields)};
static const cyaml_schema_field_t post_fields[] = {
    CYAML_FIELD_STRING_PTR("title", CYAML_FLAG_POINTER, raw_post, title, 1, 512),
    CYAML_FIELD_SEQUENCE("services", CYAML_FLAG_POINTER, raw_post, services, &str_value, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("updates", CYAML_FLAG_POINTER, raw_post, updates, &update_value, 1, 1000),
    CYAML_FIELD_END};
static const cyaml_schema_value_t post_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, raw_post, post_fields)};

static int cmp_update(const void *a, const void *b)
{
    int64_t x = ((const sp_cfg_post_update *)a)->at_ms, y = ((const sp_cfg_post_update *)b)->at_ms;
    return (x > y) - (x < y);
}

/* Check one post's values against the configuration (its services must be
 * targets) and add it to c->posts. */
static sp_status use_post(sp_cfg_loader *ld, void *raw, void *arg)
{
    const raw_post *rp = raw;
    sp_cfg *c = arg;
    sp_status st;
    char key[64];
    if ((st = sp_cfg_nonempty(ld, "title", rp->title)) != SP_OK)
        return st;
    for (unsigned i = 0; i < rp->services_count; i++) {
        snprintf(key, sizeof key, "services[%u]", i);
        if (!sp_cfg_find_target(c, rp->services[i]))
            return sp_cfg_fail(ld, key, "'%s' is no target of %s", rp->services[i], c->path);
    }
    if (sp_grow((void **)&c->posts, &c->cap_posts, c->n_posts + 1, sizeof *c->posts) != SP_OK)
        return SP_ENOMEM;
    sp_cfg_post *p = &c->posts[c->n_posts++];
    *p = (sp_cfg_post){0};
    if (!(p->file = strdup(ld->path)) || !(p->title = strdup(rp->title)) ||
        !(p->services = calloc(rp->services_count, sizeof *p->services)) ||
        !(p->updates = calloc(rp->updates_count, sizeof *p->updates)))
        return SP_ENOMEM;
    for (unsigned i = 0; i < rp->services_count; i++, p->n_services++)
        if (!(p->services[i] = strdup(rp->services[i])))
            return SP_ENOMEM;
    for (unsigned i = 0; i < rp->updates_count; i++) {
        const raw_update *u = &rp->updates[i];
        sp_cfg_post_update *o = &p->updates[i];
        snprintf(key, sizeof key, "updates[%u].at", i);
        if (!sp_value_timestamp_ms(u->at, &o->at_ms))
            return sp_cfg_fail(
                ld, key, "'%s' is not a time with its offset (2026-11-30T10:02:00+09:00)", u->at);
        snprintf(key, sizeof key, "updates[%u].status", i);
        o->status = -1;
        for (int k = 0; k < SP_CFG_POST_STATUSES; k++)
            if (strcmp(u->status, sp_cfg_post_status_names[k]) == 0)
                o->status = k;
        if (o->status < 0)
            return sp_cfg_fail(ld, key,
                               "'%s' is not investigating, identified, monitoring or resolved",
                               u->status);
        if (!(o->text = strdup(u->text)))
            return SP_ENOMEM;
        p->n_updates++;
    }
    qsort(p->updates, p->n_updates, sizeof *p->updates, cmp_update);
    return SP_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sp_status sp_cfg__resolve_posts(sp_cfg_loader *ld, const char *dir, sp_cfg *c)
{
    DIR *d = opendir(dir);
    if (!d)
        return sp_cfg_fail(ld, "status_page.posts", "cannot read the directory %s: %s", dir,
                           strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    sp_status st = SP_OK;
    struct dirent *e;
    while (st == SP_OK && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        bool yaml = (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) ||
                    (l > 4 && strcmp(e->d_name + l - 4, ".yml") == 0);
        if (!yaml || e->d_name[0] == '.')
            continue;
        if (sp_grow((void **)&names, &cap, n + 1, sizeof *names) != SP_OK ||
            !(names[n] = malloc(strlen(dir) + l + 2)))
            st = SP_ENOMEM;
        else
            sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; st == SP_OK && i < n; i++) {
        void *raw = NULL;
        st = sp_cfg__load_file(ld, names[i], &post_schema, &raw, use_post, c);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

void sp_cfg__free_posts(sp_cfg *c)
{
    for (size_t i = 0; i < c->n_posts; i++) {
        sp_cfg_post *p = &c->posts[i];
        free(p->file);
        free(p->title);
        for (size_t k = 0; k < p->n_services; k++)
            free(p->services[k]);
        free(p->services);
        for (size_t k = 0; k < p->n_updates; k++)
            free(p->updates[k].text);
        free(p->updates);
    }
    free(c->posts);
}
