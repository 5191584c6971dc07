/*
 * Fuzz the incident journal's readers (journal/journal.c): verify, which
 * `journal verify` and every report run over the file, and open, which
 * reads the tail to continue the chain (cutting a torn last line) before
 * the daemon appends. Both take a path, so the input is written to a file
 * in /dev/shm. After open, one line is appended and the file verified
 * again: whatever was there before, the new line must chain onto the last
 * complete line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "journal/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("journal", data, size);
    char err[512];
    sp_journal_report rep, after;
    if (sp_journal_verify(path, &rep, err, sizeof err) != SP_OK)
        abort(); /* the file is there and readable */
    if (rep.first_bad > rep.lines || rep.first_bad < 0 || strlen(rep.last_hash) != 64)
        abort();

    sp_journal *j = NULL;
    if (sp_journal_open(path, &j, err, sizeof err) != SP_OK)
        abort();
    json_t *ev = json_pack("{s:s, s:I}", "type", "fuzz", "t_ms", (json_int_t)1700000000000);
    if (!ev)
        abort();
    sp_status st = sp_journal_append(j, ev, false, err, sizeof err);
    json_decref(ev);
    sp_journal_close(j);
    if (st != SP_OK)
        abort();
    if (sp_journal_verify(path, &after, err, sizeof err) != SP_OK)
        abort();
    /* the torn tail is cut, the new line is complete, and when the old
     * lines were intact the chain still is */
    if (after.torn_tail || after.lines != rep.lines + 1 || (rep.first_bad == 0 && after.first_bad))
        abort();
    unlink(path);
    return 0;
}
