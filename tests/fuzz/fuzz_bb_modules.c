/*
 * Fuzz a blackbox_exporter modules file through slaprobe's reader
 * (blackbox/modules.c: libyaml's document API and every check after it),
 * then each module it accepts made into a spec for the targets blackbox
 * users write, and a result rendered in blackbox's names. A loaded set
 * must find each of its modules by name; a refusal must say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blackbox/blackbox.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("bb_modules", data, size);
    char err[1024];
    err[0] = '\0';
    sp_bb_modules *m = NULL;
    sp_status st = sp_bb_modules_load(path, &m, err, sizeof err);
    unlink(path);
    if (st != SP_OK) {
        if (m || !err[0])
            abort(); /* an error leaves *out NULL and says why */
        return 0;
    }
    static const char *const targets[] = {
        "http://127.0.0.1:8080/x", "127.0.0.1:53", "::1", "[::1]:5353", "example.com", ""};
    sp_probe_result r = {.ok = true, .address = "127.0.0.1", .total_ms = 1, .http_status = 200};
    for (size_t i = 0; i < sp_bb_modules_count(m); i++) {
        const sp_bb_module *mod = sp_bb_module_at(m, i);
        if (sp_bb_module_find(m, mod->name) != mod)
            abort();
        for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
            sp_probe_spec s;
            char *srv = NULL;
            if (sp_bb_spec(mod, targets[k], 1000, &s, &srv, err, sizeof err) == SP_OK &&
                !s.compiled)
                abort(); /* a spec handed out is finished */
            char *txt = sp_bb_render(mod, &r, srv);
            if (!txt || !strstr(txt, "\nprobe_success 1\n"))
                abort();
            free(txt);
            free(srv);
            sp_probe_spec_free(&s);
        }
    }
    sp_bb_modules_destroy(m);
    return 0;
}
