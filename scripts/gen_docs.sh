#!/usr/bin/env bash
# docs/CONFIGURATION.md is made from the man page man/slaprobe.yaml.5,
# which is the source of every key's documentation: edit the man page,
# then run this (Debian's mandoc). tests/integration/test_docs.sh fails
# while the two differ.
#
#   scripts/gen_docs.sh           rewrite docs/CONFIGURATION.md
#   scripts/gen_docs.sh --check   exit 1 when it is out of date
set -euo pipefail
cd "$(dirname "$0")/.."
gen() {
    printf '%s\n' '<!-- Generated from man/slaprobe.yaml.5 by scripts/gen_docs.sh: edit the man page, not this file. -->' ''
    mandoc -Tmarkdown man/slaprobe.yaml.5
}
case "${1:-}" in
--check)
    if ! gen | cmp -s - docs/CONFIGURATION.md; then
        echo "gen_docs: docs/CONFIGURATION.md is not what man/slaprobe.yaml.5 makes; run scripts/gen_docs.sh" >&2
        exit 1
    fi ;;
"") gen >docs/CONFIGURATION.md.tmp && mv docs/CONFIGURATION.md.tmp docs/CONFIGURATION.md ;;
*) echo "gen_docs: unknown option '$1' (use --check)" >&2; exit 2 ;;
esac
