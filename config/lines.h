/*
 * Where each key of a YAML file is: a map from a key path
 * ("targets[1].interval") to its 1-based line, built with libyaml's event
 * parser. libcyaml checks structure and types; this index lets errors found
 * later (a bad duration, a duplicate id) still name the line.
 */
#ifndef SP_CFG_LINES_H
#define SP_CFG_LINES_H

#include <stddef.h>

typedef struct sp_cfg_lines sp_cfg_lines;

/* Index the file; NULL when it cannot be read or parsed (libcyaml then
 * reports why). Free with sp_cfg_lines_destroy(). */
sp_cfg_lines *sp_cfg_lines_create(const char *path);
void sp_cfg_lines_destroy(sp_cfg_lines *l);

/* Line of the key path (0 when unknown). Sequence indexes are 0-based. */
int sp_cfg_lines_find(const sp_cfg_lines *l, const char *keypath);

/* The key path whose key is on `line` at `col` or later, or NULL. Used to
 * name the key of an error that libcyaml only places by line. */
const char *sp_cfg_lines_path_at(const sp_cfg_lines *l, int line);

#endif
