/*
 * Fuzz `slaprobe evidence verify` (archive/verify.c): the archive reader and
 * every check behind it, on hostile archives. A gzip CRC would stop nearly
 * every mutation at the first byte, so the harness makes the tar.gz itself
 * (libarchive's writer, into /dev/shm), from one of two inputs picked by
 * the first byte:
 *  - odd: the rest is a tar stream, gzip-compressed as it is (headers,
 *    names, types and sizes as the fuzzer made them);
 *  - even: the rest is NUL-separated pairs "name\0bytes\0...", written as
 *    regular pax members (the manifest, journals, checkpoints, rows and
 *    configuration the checks parse).
 * Verify must never crash, leak, or write outside its temporary directory
 * (it removes it: the harness checks that nothing is left under TMPDIR).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "fuzz_util.h"

static char tmpdir[128];

/* at exit: /dev/shm is memory, and a CI run is many processes */
static void cleanup(void)
{
    char path[160];
    snprintf(path, sizeof path, "/dev/shm/sp-fuzz-archive.%ld.tar.gz", (long)getpid());
    unlink(path);
    rmdir(tmpdir);
}

/* false: the writer refused the member for good (ARCHIVE_FATAL); a name
 * the pax writer will not take is skipped. */
static bool add(struct archive *a, const char *name, const void *data, size_t len, bool raw)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        abort();
    archive_entry_set_pathname(e, raw ? "data" : name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r < ARCHIVE_WARN)
        return r != ARCHIVE_FATAL;
    if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
        abort();
    return true;
}

static const char *make_archive(const uint8_t *data, size_t size)
{
    static char path[160];
    snprintf(path, sizeof path, "/dev/shm/sp-fuzz-archive.%ld.tar.gz", (long)getpid());
    struct archive *a = archive_write_new();
    bool raw = data[0] & 1;
    if (!a || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
        (raw ? archive_write_set_format_raw(a) : archive_write_set_format_pax_restricted(a)) !=
            ARCHIVE_OK ||
        archive_write_open_filename(a, path) != ARCHIVE_OK)
        abort();
    data++;
    size--;
    if (raw) {
        add(a, NULL, data, size, true);
    } else {
        const uint8_t *p = data, *end = data + size;
        while (p < end) {
            const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
            if (!nul || nul == p)
                break;
            char name[256];
            size_t nl = (size_t)(nul - p) < sizeof name - 1 ? (size_t)(nul - p) : sizeof name - 1;
            memcpy(name, p, nl);
            name[nl] = '\0';
            p = nul + 1;
            const uint8_t *vend = memchr(p, 0, (size_t)(end - p));
            if (!vend)
                vend = end;
            if (!add(a, name, p, (size_t)(vend - p), false))
                break;
            p = vend < end ? vend + 1 : end;
        }
    }
    archive_write_close(a); /* after a fatal error the file is what it is */
    archive_write_free(a);
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/dev/shm/sp-fuzz-archive-tmp.%ld", (long)getpid());
        mkdir(tmpdir, 0700);
        setenv("TMPDIR", tmpdir, 1);
        atexit(cleanup);
    }
    const char *path = make_archive(data, size);
    FILE *out = fopen("/dev/null", "w");
    if (!out)
        abort();
    bool ok = false;
    char err[1024];
    sp_archive_verify(path, NULL, out, &ok, err, sizeof err);
    fclose(out);
    /* the temporary directory is removed whatever the archive held */
    DIR *d = opendir(tmpdir);
    if (!d)
        abort();
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            abort();
    closedir(d);
    unlink(path);
    return 0;
}
