#!/usr/bin/env bash
# Format the C sources by tool, so that review can be about logic: every
# *.c and *.h that git tracks, with the repository's .clang-format.
#
#   scripts/format.sh           format them in place
#   scripts/format.sh --check   change nothing; print FILE:LINE for each line
#                               that formatting would change, exit 1 if any
#
# The style is Debian 12's clang-format 14 (scripts/setup.sh --test): other
# versions break some lines differently, so the check would disagree with
# a tree formatted elsewhere. CLANG_FORMAT names another binary.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
"") ;;
--check) check=1 ;;
*) echo "format.sh: unknown option '$1' (use --check or nothing)" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
    cf=$(command -v clang-format-14 || command -v clang-format || true)
fi
[ -n "$cf" ] || { echo "format.sh: clang-format missing (scripts/setup.sh --test)" >&2; exit 2; }
ver=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "$ver" = 14 ] || echo "format.sh: $cf is version $ver, the style is clang-format 14's" >&2

mapfile -t files < <(git ls-files -- '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "format.sh: no tracked C files (not a git checkout?)" >&2; exit 2; }

if [ $check -eq 0 ]; then
    "$cf" -i --style=file "${files[@]}"
    exit 0
fi

# diff -U0's hunk headers "@@ -START,COUNT +...": the lines of the file as it
# is that would change (COUNT 0: lines would be inserted after START).
bad=0
for f in "${files[@]}"; do
    out=$("$cf" --style=file "$f" | diff -U0 -- "$f" - |
        awk -v f="$f" '/^@@ / {
            split(substr($2, 2), a, ",")
            n = (a[2] == "") ? 1 : a[2]
            if (n == 0) { print f ":" a[1]; next }
            for (i = 0; i < n; i++) print f ":" (a[1] + i)
        }') || true
    if [ -n "$out" ]; then
        echo "$out"
        bad=$((bad + 1))
    fi
done
if [ $bad -gt 0 ]; then
    echo "format.sh: $bad of ${#files[@]} files differ from .clang-format (scripts/format.sh fixes them)" >&2
    exit 1
fi
echo "format.sh: ${#files[@]} files formatted as .clang-format says"
