#!/usr/bin/env bash
# contrib/bash-completion/slaprobe, sourced into this shell and asked as
# bash asks it (COMP_WORDS/COMP_CWORD, then _slaprobe): the sub-commands,
# options per sub-command, every long option each sub-command's --help
# names, file completion for -c, word lists for --format/--lang, target ids
# from the configuration named on the line.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
source "$SP_SRC/contrib/bash-completion/slaprobe"

# complete WORD... : the completions of the last WORD, sorted, one line
complete_words() {
    COMP_WORDS=(slaprobe "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _slaprobe
    printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ' -
}

t_eq "registered for slaprobe" "$(complete -p slaprobe)" "complete -F _slaprobe slaprobe"

echo "# sub-commands"
t_eq "slaprobe <TAB>" "$(complete_words '')" \
    "--help --version -V -h check config-check evidence help import journal patterns report run status-page store"
t_eq "slaprobe co<TAB>" "$(complete_words co)" "config-check"
t_eq "slaprobe st<TAB>" "$(complete_words st)" "status-page store"
t_eq "slaprobe sta<TAB>" "$(complete_words sta)" "status-page"
"$SLAPROBE" --help >"$FX_DIR/help"
for c in $(sed -n '/^commands:/,/^$/p' "$FX_DIR/help" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
    t_match "slaprobe <TAB> offers $c" " $(complete_words '') " " $c "
done

echo "# options per sub-command"
t_eq "slaprobe report --f<TAB>" "$(complete_words report --f)" "--format"
t_eq "slaprobe report --format <TAB>" "$(complete_words report --format '')" "csv html json text"
t_eq "slaprobe status-page --lang <TAB>" "$(complete_words status-page --lang '')" "both en ja"
t_eq "slaprobe check --dns-type A<TAB>" "$(complete_words check --dns-type A)" "A AAAA"
t_eq "slaprobe journal <TAB>" "$(complete_words journal '')" "verify"
t_eq "slaprobe evidence <TAB>" "$(complete_words evidence '')" "--help -h export keygen verify"
t_eq "slaprobe store <TAB>" "$(complete_words store '')" "--help -h migrate"
t_eq "slaprobe check -c <TAB> (concurrency: no files)" "$(complete_words check -c '')" ""
t_eq "slaprobe check --timeout <TAB>" "$(complete_words check --timeout '')" ""
# Every long option a sub-command's --help names is offered after it.
for h in check run config-check "journal verify" report status-page patterns import \
    "store migrate" "evidence keygen" "evidence export" "evidence verify"; do
    # shellcheck disable=SC2086
    "$SLAPROBE" $h --help >"$FX_DIR/sub" 2>&1 || true
    offered=" $(complete_words $h --) "
    for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$FX_DIR/sub" | sort -u || true); do
        t_match "slaprobe $h --<TAB> offers $o" "$offered" " $o "
    done
done

echo "# files and target ids"
mkdir "$FX_DIR/conf"
cd "$FX_DIR/conf"
touch slaprobe.yaml other.yaml notes.txt
t_eq "slaprobe run -c sl<TAB>" "$(complete_words run -c sl)" "slaprobe.yaml"
t_eq "slaprobe config-check --config <TAB>" "$(complete_words config-check --config '')" \
    "notes.txt other.yaml slaprobe.yaml"
t_eq "slaprobe import -c x --csv no<TAB>" "$(complete_words import -c x --csv no)" "notes.txt"
t_eq "slaprobe evidence verify <TAB>" "$(complete_words evidence verify o)" "other.yaml"
cat >slaprobe.yaml <<'EOF'
targets:
  - id: erp
    url: https://erp.example.com/
  - {id: skipped-inline, url: "tcp://a:1"}
  -   id: "groupware"
    url: https://gw.example.com/
EOF
t_eq "slaprobe report -c slaprobe.yaml --target <TAB>" \
    "$(complete_words report -c slaprobe.yaml --target '')" "erp groupware"
t_eq "slaprobe evidence export -c slaprobe.yaml -t g<TAB>" \
    "$(complete_words evidence export -c slaprobe.yaml -t g)" "groupware"
t_eq "--target without -c" "$(complete_words report --target '')" ""

t_done
