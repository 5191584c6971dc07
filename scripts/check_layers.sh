#!/usr/bin/env bash
# The layer order on the sources: a folder may include only the folders
# below it in scripts/layers.txt (the list CMakeLists.txt builds from) and
# itself. The build already refuses an upward #include "x/..." (each
# layer's library sees only its own and lower folders); this check says it
# in one line per case before anything is compiled, and also catches what
# the build cannot: an #include "../x/...", which the compiler finds beside
# the file, bypassing the layer's include root. CI runs it first
# (scripts/test.sh).
#
#   scripts/check_layers.sh        prints file:line: ... per violation;
#                                  exit 1 if any, 0 (and one summary line) if none
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t layers < <(grep -E '^[a-z]' scripts/layers.txt)
order=$(printf '%s < ' "${layers[@]}")
order=${order% < }

files=()
for layer in "${layers[@]}"; do
    [ -d "$layer" ] || continue # not created yet
    while IFS= read -r f; do
        files+=("$f")
    done < <(find "$layer" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
done
[ ${#files[@]} -gt 0 ] || { echo "check_layers: no sources found" >&2; exit 1; }

awk -v layers="${layers[*]}" -v order="$order" '
BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
/^[ \t]*#[ \t]*include[ \t]*"/ {
    path = $0
    sub(/^[^"]*"/, "", path)
    sub(/".*/, "", path)
    me = FILENAME
    sub(/\/.*/, "", me)
    rel = path
    while (substr(rel, 1, 3) == "../")
        rel = substr(rel, 4)
    if (rel != path) {
        printf "%s:%d: %s includes \"%s\": write \"%s\" (a ../ path is found beside the file, not through the layer'"'"'s include root)\n", FILENAME, FNR, me, path, rel
        bad++
    }
    if (index(rel, "/") == 0)
        next # a file of the same folder
    to = substr(rel, 1, index(rel, "/") - 1)
    if ((to in rank) && rank[to] > rank[me]) {
        printf "%s:%d: %s may not include %s (layer order: %s)\n", FILENAME, FNR, me, to, order
        bad++
    }
}
END {
    if (bad) {
        printf "check_layers: %d violation(s)\n", bad > "/dev/stderr"
        exit 1
    }
    printf "check_layers: %d files, layer order %s: ok\n", NR ? ARGC - 1 : 0, order
}' "${files[@]}"
