/*
 * Where each key of a YAML file is: a map from a key path
 * ("targets[1].interval") to its 1-based line and the kind of its value,
 * built with libyaml's event parser. libcyaml checks structure and types;
 * this index lets errors found later (a bad duration, a duplicate id) still
 * name the line, and tells a key with no value from one with a wrong value.
 * It also says where and why a text is not well-formed YAML, which
 * libcyaml reports without a line.
 */
#ifndef SP_CFG_LINES_H
#define SP_CFG_LINES_H

#include <stddef.h>

typedef struct sp_cfg_lines sp_cfg_lines;

/* The kind of value at a key path. */
typedef enum sp_cfg_node {
    SP_CFG_NODE_NONE, /* not in the file (or an alias) */
    SP_CFG_NODE_NULL, /* no value: nothing, ~ or null, unquoted */
    SP_CFG_NODE_SCALAR,
    SP_CFG_NODE_SEQUENCE,
    SP_CFG_NODE_MAPPING,
} sp_cfg_node;

/* Index the YAML text buf[0..len) (the caller keeps buf). NULL only when
 * out of memory. A text that is not well-formed YAML is indexed up to the
 * problem, which sp_cfg_lines_error() describes. Free with
 * sp_cfg_lines_destroy(). */
sp_cfg_lines *sp_cfg_lines_create(const unsigned char *buf, size_t len);
void sp_cfg_lines_destroy(sp_cfg_lines *l);

/* Why the text is not well-formed YAML ("did not find expected key (while
 * parsing a block mapping on line 2)"), or has a list or mapping for a key,
 * *line its 1-based line; NULL when it is well-formed. */
const char *sp_cfg_lines_error(const sp_cfg_lines *l, int *line);

/* Line of the key path (0 when unknown). Sequence indexes are 0-based; ""
 * is the document's root value. */
int sp_cfg_lines_find(const sp_cfg_lines *l, const char *keypath);

/* Kind of the value at the key path. */
sp_cfg_node sp_cfg_lines_node(const sp_cfg_lines *l, const char *keypath);

/* Line of the start of a second document that has content ("---" and more
 * keys), or 0: libcyaml reads the first document only. */
int sp_cfg_lines_second_document(const sp_cfg_lines *l);

/* The first key path (in file order) with no value, *line its line; NULL
 * when every key has one. A document's root is no key. */
const char *sp_cfg_lines_first_null(const sp_cfg_lines *l, int *line);

#endif
