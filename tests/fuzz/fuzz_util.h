/*
 * What the harnesses share: the input as a NUL-terminated string (the
 * parsers under test take C strings), and as a file for the parsers that
 * take a path. Files go to /dev/shm (memory, no disk wear at 10^5 runs a
 * second), named by the process so that parallel fuzzers do not collide.
 */
#ifndef SP_FUZZ_UTIL_H
#define SP_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* data[0..size) with a NUL after it; the caller frees. A NUL inside the
 * input ends the string early, as it would for any C-string reader. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Write data to a per-process file named after tag; returns its path
 * (static buffer). Aborts on failure: a harness that cannot write its
 * input would otherwise fuzz nothing in silence. */
static inline const char *fuzz_write_file(const char *tag, const uint8_t *data, size_t size)
{
    static char path[128];
    snprintf(path, sizeof path, "/dev/shm/sp-fuzz-%s.%ld", tag, (long)getpid());
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0) {
        perror(path);
        abort();
    }
    return path;
}

#endif
