/*
 * Fuzz the replicator's reader of rrdcached's replies (replicator/proto.c):
 * the bytes come from the central host. The first byte chooses how the
 * rest is split into reads, so that every state of the incremental reader
 * meets every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replicator/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] + 1;
    const char *s = (const char *)data + 1;
    size_t n = size - 1, off = 0;
    sp_repl_reply r;
    sp_repl_reply_init(&r);
    char err[200];
    while (off < n) {
        size_t k = n - off < piece ? n - off : piece, used = 0;
        bool done = false;
        if (sp_repl_reply_feed(&r, s + off, k, &used, &done, err, sizeof err) != SP_OK)
            break;
        if (used > k || (!done && used != k))
            abort(); /* a chunk is taken whole unless the reply ended in it */
        if (done) {
            if (r.lines > SP_REPL_LINES_MAX || strlen(r.text) >= SP_REPL_TEXT ||
                strlen(r.first) >= SP_REPL_TEXT || (r.status > 0 && r.lines != r.status))
                abort();
            char key[64];
            sp_repl_error_key(r.first, key, sizeof key);
            sp_repl_reply_init(&r); /* the next reply */
        }
        off += used;
    }
    return 0;
}
