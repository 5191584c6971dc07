#!/usr/bin/env bash
# The documentation that ships with the code stays complete and self-contained:
#  - the man pages render without a mandoc -Tlint message (only "referenced
#    manual not found", which depends on what this host has installed);
#  - every sub-command `slaprobe --help` lists has its subsection in
#    slaprobe(1), and every long option a sub-command's --help names is in it;
#  - --version and -V print the CMake project version, which
#    debian/changelog's version is too;
#  - every key the configuration's schema accepts (config/schema.c and the
#    status page's posts, config/posts.c: read from the source, so a new key
#    without documentation makes this red) is an ".It Cm KEY" of the
#    subsection of slaprobe.yaml(5) named by its path; docs/CONFIGURATION.md
#    is that page as Markdown (scripts/gen_docs.sh), up to date;
#  - every reason code of common/sp_reason.h is in slaprobe.yaml(5),
#    docs/REASONS.md and docs/MEASUREMENTS.md;
#  - nothing points outside the repository: no "../shared" or "SPEC.md"
#    in any file, and no "SPEC" in what a user reads (README, docs/, man/,
#    contrib/, debian/, the program's own texts in cli/).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
PY=/usr/bin/python3
MAN1=$SP_SRC/man/slaprobe.1
MAN5=$SP_SRC/man/slaprobe.yaml.5

echo "# mandoc -Tlint"
if ! command -v mandoc >/dev/null; then
    t_bad "mandoc is not installed (scripts/setup.sh --test installs it)"
fi
for page in "$MAN1" "$MAN5"; do
    rc=0
    mandoc -Tlint "$page" >"$FX_DIR/lint" 2>&1 || rc=$?
    msgs=$(grep -v -e 'referenced manual not found' -e 'mandoc.db' "$FX_DIR/lint" || true)
    t_eq "$(basename "$page"): lint messages" "$msgs" ""
    # rc 2 is mandoc's "STYLE messages only"; more means warnings or errors
    t_eq "$(basename "$page"): mandoc exit at most 2 (style)" "$((rc <= 2))" 1
done

echo "# every sub-command and option of --help in slaprobe(1)"
"$SLAPROBE" --help >"$FX_DIR/help"
cmds=$(sed -n '/^commands:/,/^$/p' "$FX_DIR/help" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
t_match "--help lists commands" "$(echo $cmds)" "^check run config-check"
for c in $cmds; do
    t_eq "slaprobe(1) has a subsection for $c" \
        "$(grep -c "^\.Ss ${c//-/\\\\-}\$" "$MAN1")" 1
done
for o in --help --version; do
    t_eq "slaprobe(1) names $o" "$(grep -c -- "Fl .*\\\\${o#-}" "$MAN1" | sed 's/^[1-9][0-9]*$/yes/')" yes
done
# each sub-command's own --help (evidence has three)
helps=()
for c in $cmds; do
    case $c in
    journal) helps+=("journal verify") ;;
    evidence) helps+=("evidence" "evidence keygen" "evidence export" "evidence verify") ;;
    *) helps+=("$c") ;;
    esac
done
sed 's/\\-/-/g' "$MAN1" >"$FX_DIR/man1.txt" # the page's \- as plain -
for h in "${helps[@]}"; do
    # shellcheck disable=SC2086
    "$SLAPROBE" $h --help >"$FX_DIR/sub" 2>&1 || true
    t_match "$h --help is a usage" "$(head -1 "$FX_DIR/sub")" "^usage: slaprobe $h"
    opts=$(grep -o -- '--[a-z][a-z0-9-]*' "$FX_DIR/sub" | sort -u || true)
    for o in $opts; do
        n=$(grep -c -- "Fl -${o#--}\\b" "$FX_DIR/man1.txt" || true)
        t_eq "slaprobe(1) documents '$h $o'" "$((n > 0))" 1
    done
done

echo "# --version"
proj=$(sed -n 's/^project(slaprobe VERSION \([0-9.]*\).*/\1/p' "$SP_SRC/CMakeLists.txt")
t_match "CMake project version" "$proj" '^[0-9]+\.[0-9]+\.[0-9]+$'
t_eq "--version" "$("$SLAPROBE" --version)" "slaprobe $proj"
t_eq "-V" "$("$SLAPROBE" -V)" "slaprobe $proj"
t_eq "debian/changelog's version" \
    "$(sed -n '1s/^slaprobe (\([^)-]*\).*/\1/p' "$SP_SRC/debian/changelog")" "$proj"

echo "# every configuration key in slaprobe.yaml(5) and docs/CONFIGURATION.md"
# Prints "PATH KEY" for every key of the libcyaml schemas: a mapping's
# fields array is reached from its parent by MAPPING_PTR(..., x_fields) or
# SEQUENCE(..., &x_value) with x_value a MAPPING of x_fields; the roots are
# config/schema.c's (path "Top level") and config/posts.c's ("posts").
"$PY" - "$SP_SRC/config/schema.c" "$SP_SRC/config/posts.c" >"$FX_DIR/keys" <<'EOF'
import re, sys
def keys_of(path, root_name):
    src = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    key_re = r'(?:STR|CYAML_FIELD_\w+)\(\s*"(\w+)"'
    macros = {}
    for name, body in re.findall(r'#define (\w+)\(st\)((?:.*\\\n)*.*)', src):
        macros[name] = re.findall(key_re, body)
    values = dict(re.findall(
        r'cyaml_schema_value_t (\w+) = \{\s*CYAML_VALUE_MAPPING\([^,]+,\s*\w+,\s*(\w+)\)', src))
    arrays = {}
    for name, body in re.findall(r'cyaml_schema_field_t (\w+)\[\] = \{(.*?)CYAML_FIELD_END', src, re.S):
        entries = []
        for m in re.finditer(key_re + r'(.*?)(?=(?:STR|CYAML_FIELD_\w+|\w+_FIELDS)\(|$)', body, re.S):
            key, rest = m.group(1), m.group(2)
            child = re.search(r'\b(\w+_fields)\)', rest)
            val = re.search(r'&(\w+_value)', rest)
            sub = child.group(1) if child else values.get(val.group(1)) if val else None
            entries.append((key, sub))
        for mac in re.findall(r'\b(\w+_FIELDS)\(', body):
            entries += [(k, None) for k in macros.get(mac, [])]
        arrays[name] = entries
    children = {s for e in arrays.values() for _, s in e if s}
    roots = [a for a in arrays if a not in children]
    out = []
    def walk(arr, p):
        for key, sub in arrays[arr]:
            out.append((p, key))
            if sub:
                walk(sub, key if p == 'Top level' else p + '.' + key)
    for r in roots:
        walk(r, root_name)
    return out
for p, k in keys_of(sys.argv[1], 'Top level') + keys_of(sys.argv[2], 'posts'):
    print(p + '\t' + k)
EOF
t_match "keys read from the schema" "$(wc -l <"$FX_DIR/keys")" '^[1-9][0-9][0-9]$'
t_match "the schema reader finds nested keys" "$(cat "$FX_DIR/keys")" $'storage.central\trrdcached'
t_match "the schema reader expands TIMING_FIELDS" "$(cat "$FX_DIR/keys")" $'targets\tcert_warn_days'
# The keys listed in each ".Ss PATH" subsection of the man page.
awk '/^\.Ss /{sub(/^\.Ss /,""); gsub(/"/,""); sec=$0; next}
     /^\.Sh /{sec=""}
     sec!="" && /^\.It Cm /{for(i=3;i<=NF;i++) if($(i-1)=="Cm") print sec "\t" $i}' "$MAN5" |
    sed 's/\\-/-/g' | sort -u >"$FX_DIR/man_keys"
missing=$(sort -u "$FX_DIR/keys" | comm -23 - "$FX_DIR/man_keys" | tr '\t' ' ' | paste -sd, -)
t_eq "keys missing from slaprobe.yaml(5)" "$missing" ""
rc=0
"$SP_SRC/scripts/gen_docs.sh" --check || rc=$?
t_eq "docs/CONFIGURATION.md is made from slaprobe.yaml(5) as it is now" "$rc" 0
t_match "the man page reader finds keys" "$(wc -l <"$FX_DIR/man_keys")" '^[1-9][0-9][0-9]$'

echo "# the README's example configuration passes config-check as shipped"
# (It did not: its target's auth header named ERP_HEALTH_TOKEN, which is
# not set where someone first tries the README's command.)
t_match "the README runs config-check on contrib/slaprobe.yaml" "$(cat "$SP_SRC/README.md")" \
    "slaprobe config-check -c contrib/slaprobe.yaml"
rc=0
env -i PATH=/usr/bin:/bin "$SLAPROBE" config-check -c "$SP_SRC/contrib/slaprobe.yaml" \
    >"$FX_DIR/cc.out" 2>&1 || rc=$?
t_eq "config-check contrib/slaprobe.yaml, no secrets in the environment" "$rc" 0
[ "$rc" -eq 0 ] || cat "$FX_DIR/cc.out"

echo "# every reason code documented"
codes=$(sed -n 's/^ *X([A-Z_0-9]*, "\([a-z_0-9]*\)".*/\1/p' "$SP_SRC/common/sp_reason.h")
t_match "reason codes read from sp_reason.h" "$(echo $codes)" "^ok dns_nxdomain .* probe_error"
for code in $codes; do
    t_eq "slaprobe.yaml(5) lists $code" "$(grep -c "^\.It Li $code Ta" "$MAN5")" 1
    t_eq "docs/REASONS.md lists $code" "$(grep -c "^| \`$code\` |" "$SP_SRC/docs/REASONS.md")" 1
    t_eq "docs/MEASUREMENTS.md names $code" \
        "$(grep -c "\`$code\`" "$SP_SRC/docs/MEASUREMENTS.md" | sed 's/^[1-9][0-9]*$/yes/')" yes
done

echo "# no reference outside the repository"
cd "$SP_SRC"
files=$(git ls-files -co --exclude-standard | grep -v -e '^build' -e '^obj-' -e '^debian/slaprobe/' |
    grep -v '^tests/integration/test_docs.sh$' || true)
refs=$(echo "$files" | tr '\n' '\0' | xargs -0 grep -n -e '\.\./shared' -e 'SPEC\.md' 2>/dev/null || true)
t_eq "files naming ../shared or SPEC.md" "$refs" ""
user=$(echo "$files" | grep -e '^README.md$' -e '^docs/' -e '^man/' -e '^contrib/' -e '^debian/' || true)
refs=$(echo "$user" | tr '\n' '\0' | xargs -0 grep -nw 'SPEC' 2>/dev/null || true)
refs+=$(grep -n '"[^"]*SPEC' cli/*.c || true)
t_eq "user-facing text naming SPEC" "$refs" ""
# Every docs/X.md a shipped text names exists.
names=$(echo "$user" | tr '\n' '\0' | xargs -0 grep -oh 'docs/[A-Z_]*\.md' | sort -u)
for n in $names; do
    t_eq "$n exists" "$([ -f "$n" ] && echo yes)" yes
done

t_done
