#!/usr/bin/env bash
# The evidence archive (docs/EVIDENCE.md, "The evidence archive") from a
# real daemon's store: a key, a local TSA, a target "web" with a secret in
# its configuration that goes DOWN for a while (nginx stopped), a control
# target "ctl" (a separate HTTP server) that stays up, checkpoints every 4 s.
#  - `evidence export` of the current month, `evidence verify` of it: exit 0,
#    everything holds; the secret's value is nowhere in the archive;
#  - every member with one byte altered: exit 1, that member named;
#  - a journal line edited with SHA256SUMS recomputed (only the chain and
#    the signature can tell), rows.txt and report.json the same way, a token
#    swapped for another checkpoint's: each named where it is;
#  - --key of another key, a member added, one removed, hostile members
#    (.., absolute, a link, a second top directory): named, nothing written
#    outside verify's temporary directory;
#  - VERIFY.md's ```sh blocks run with bash -e in the extracted archive.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
asan_graphs on # the export draws the HTML report's graphs: see assert.sh
fx_init
fx_start_nginx
RETAR="python3 $SP_SRC/tests/integration/retar.py"

T=$FX_DIR/tsa
bash "$SP_SRC/tests/fixtures/make_tsa.sh" "$T" >/dev/null
fx_start_tsa "$T" 0

# the control target: a server of its own, up throughout
mkdir -p "$FX_DIR/www"
echo ok >"$FX_DIR/www/index.html"
CTL_PORT=$(fx_free_port)
fx__spawn "$FX_DIR/ctl.log" /usr/bin/python3 -m http.server --bind 127.0.0.1 \
    --directory "$FX_DIR/www" "$CTL_PORT"
fx_wait_port "$CTL_PORT" "g:$FX__PID"

"$SLAPROBE" evidence keygen -o "$FX_DIR/key.pem" >/dev/null
"$SLAPROBE" evidence keygen -o "$FX_DIR/other.pem" >/dev/null
export SP_TEST_ARCHIVE_SECRET="Bearer zq-$RANDOM-$RANDOM-secret-token"
S=$FX_DIR/store
cat >"$FX_DIR/run.yaml" <<YAML
storage:
  dir: $S
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
timezone: UTC
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - id: web
    url: "http://127.0.0.1:$FX_HTTP_PORT/"
    pattern: 1
    auth: {header: Authorization, value: "env:SP_TEST_ARCHIVE_SECRET"}
  - {id: ctl, url: "http://127.0.0.1:$CTL_PORT/", pattern: 1}
control_targets: [ctl]
evidence:
  key: "file:$FX_DIR/key.pem"
  checkpoint_every: 4s
  tsa_url: "http://127.0.0.1:$TSA_PORT/tsa"
  tsa_ca: "$T/ca.pem"
YAML
sp_run "$FX_DIR/run.yaml" "$FX_DIR/daemon.log"
wait_until 30 journal_has "$S/web.journal" 'select(.type == "state" and .to == "UP")'
sleep 3
fx_stop_nginx
wait_until 30 journal_has "$S/web.journal" 'select(.type == "state" and .to == "DOWN")'
sleep 4
fx_start_nginx
wait_until 30 journal_has "$S/web.journal" 'select(.type == "state" and .to == "UP")' 2
# a checkpoint (and its token) after the outage, then a clean stop
wait_until 30 journal_has "$S/web.checkpoints" 'select(.type == "tsa_token")' 2
sleep 5
sp_stop "daemon stops cleanly"

MONTH=$(date -u +%Y-%m)
A=$FX_DIR/web.tar.gz
rc=0
"$SLAPROBE" evidence export -c "$FX_DIR/run.yaml" --target web --month "$MONTH" -o "$A" \
    >"$FX_DIR/export.out" 2>&1 || rc=$?
t_eq "evidence export exits 0" "$rc" 0
[ "$rc" = 0 ] || { cat "$FX_DIR/export.out"; t_done; exit 1; }

# t_line NAME TEXT ERE: some line of TEXT matches ERE
t_line() {
    if grep -Eq -- "$3" <<<"$2"; then t_ok "$1 =~ $3"; else t_bad "$1: no line matches /$3/ in:"; echo "$2"; fi
}

# verify ARCHIVE [ARGS...]: run verify, its output in $VOUT, exit in $VRC
verify() {
    local a=$1
    shift
    VRC=0
    VOUT=$("$SLAPROBE" evidence verify "$@" "$a" 2>&1) || VRC=$?
}

t0=$(date +%s.%N)
verify "$A"
t_num "verify of the clean archive: seconds" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')"
t_eq "verify of the clean archive exits 0" "$VRC" 0
t_match "and says everything holds, signed" "$VOUT" "everything holds: [0-9]+ members, 2 targets, signed by key_id [0-9a-f]{16}"
KEY_ID=$(tar -xzOf "$A" --wildcards '*/manifest.json' | jq -r .key_id)
t_match "it prints the key_id the manifest names" "$VOUT" "key_id $KEY_ID"
t_match "the rows lines and the figures were checked" "$VOUT" \
    "rows.txt: [0-9]+ steps; [1-9][0-9]* of [1-9][0-9]* rows lines hash the same.*report/report.json: the figures recomputed"
t_match "the tokens were checked" "$VOUT" "checkpoints.jsonl: [1-9][0-9]* checkpoints checked, ([1-9][0-9]*) of \\1 tokens verify"
if [ "$VRC" != 0 ]; then echo "$VOUT"; fi
verify "$A" --key "$FX_DIR/key.pem.pub"
t_eq "verify --key with the archive's own key exits 0" "$VRC" 0

X=$FX_DIR/x
mkdir -p "$X"
tar -xzf "$A" -C "$X"
TOP=$(ls "$X")
t_eq "one top directory web-$MONTH" "$TOP" "web-$MONTH"
t_eq "the outage is in the report" \
    "$(jq '.targets[0].incidents | length > 0 and (.[0].duration_s > 0)' "$X/$TOP/report/report.json")" true
t_eq "the secret's value is nowhere in the archive" \
    "$(grep -rlF -- "$SP_TEST_ARCHIVE_SECRET" "$X" | wc -l) $(grep -c 'SP_TEST_ARCHIVE_SECRET' "$X/$TOP/config.yaml")" "0 1"

# every member, one byte altered: named
mapfile -t MEMBERS < <($RETAR "$A" - list)
t_match "the archive has its members" "${#MEMBERS[@]}" '^([2-9][0-9])$'
bad=()
for m in "${MEMBERS[@]}"; do
    $RETAR "$A" "$FX_DIR/t.tar.gz" flip "$m"
    verify "$FX_DIR/t.tar.gz"
    re="^$(sed 's/[].[*^$]/\\&/g' <<<"$m"): "
    [ "$m" = SHA256SUMS ] && re='^SHA256SUMS(\.sig: .*SHA256SUMS was changed|: )'
    if [ "$VRC" != 1 ] || ! grep -Eq "$re" <<<"$VOUT"; then bad+=("$m (exit $VRC)"); fi
done
t_eq "each of ${#MEMBERS[@]} members altered by one byte: exit 1 and named" "${bad[*]:-}" ""

# resum DIR: SHA256SUMS recomputed after an edit in the extracted DIR
resum() {
    (cd "$1" && find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.sig | sed 's|^\./||' |
        LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
}
# edited NAME FILTER_CMD...: the archive with member NAME run through the
# command and SHA256SUMS recomputed (the signature no longer matches)
edited() {
    local name=$1
    shift
    rm -rf "$FX_DIR/e"
    mkdir -p "$FX_DIR/e"
    tar -xzf "$A" -C "$FX_DIR/e"
    local d=$FX_DIR/e/$TOP
    "$@" <"$d/$name" >"$FX_DIR/edited"
    cp "$FX_DIR/edited" "$d/$name"
    resum "$d"
    $RETAR "$A" "$FX_DIR/t1.tar.gz" put "$name" "$d/$name"
    $RETAR "$FX_DIR/t1.tar.gz" "$FX_DIR/t.tar.gz" put SHA256SUMS "$d/SHA256SUMS"
    verify "$FX_DIR/t.tar.gz"
}

# a journal line's reason edited, SHA256SUMS recomputed: the chain and the
# signature catch it
J=targets/web/journal.jsonl
edit_down() { sed -E '0,/"to":"DOWN"/s/("to":"DOWN".*"reason":")[^"]*/\1our_fault/'; }
edited "$J" edit_down
t_eq "the journal edit changed the member" "$(cmp -s "$FX_DIR/edited" "$X/$TOP/$J"; echo $?)" 1
t_eq "a journal line edited, SHA256SUMS recomputed: exit 1" "$VRC" 1
t_line "the chain names the journal" "$VOUT" "^$J: line [0-9]+ \\(seq [0-9]+\\): prev is not the SHA-256"
t_line "the signature names SHA256SUMS.sig" "$VOUT" "^SHA256SUMS\\.sig: does not verify"

# the last journal line edited (no next line's prev): the checkpoint
# catches it
last_edit() { sed '$ s/"seq"/"seq" /'; }
edited "$J" last_edit
t_line "the anchored last line edited: the checkpoint names the journal" "$VOUT" \
    "^$J: line seq [0-9]+ is not the line checkpoints.jsonl line [0-9]+ signed"

# a step of the rows changed (DOWN made UP): the rows check names rows.txt
R=targets/web/rows.txt
down_row=$(grep -n '^[0-9]*:0:' "$X/$TOP/$R" | head -1 | cut -d: -f1)
t_match "the rows hold a down step" "$down_row" '^[0-9]+$'
edited "$R" sed "${down_row}s/^\\([0-9]*\\):0:/\\1:1:/"
t_line "a rows step edited: rows.txt named" "$VOUT" "^$R: .*against $J"

# the report's figures edited: the recomputed figures name the field
RJ=report/report.json
edited "$RJ" jq '.targets[0].downtime_s += 60'
t_line "report.json's downtime edited: the field named" "$VOUT" \
    "^$RJ: targets\\[0\\]\\.downtime_s says [0-9]+, the archive's rows give [0-9]+"

# a token for another hash: two tokens swapped
C=targets/web/checkpoints.jsonl
swap_tokens() {
    python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
tok = [i for i, l in enumerate(lines) if json.loads(l)["type"] == "tsa_token"]
a, b = tok[0], tok[-1]
ja, jb = json.loads(lines[a]), json.loads(lines[b])
ja["token"], jb["token"] = jb["token"], ja["token"]
lines[a], lines[b] = json.dumps(ja, separators=(",", ":")), json.dumps(jb, separators=(",", ":"))
print("\n".join(lines))'
}
edited "$C" swap_tokens
t_line "a token for another hash: checkpoints.jsonl named" "$VOUT" \
    "^$C: line [0-9]+: the token for checkpoint seq [0-9]+ does not verify"

# a config.yaml whose retention would make a 200 GB RRD: refused before
# any file is made
edited config.yaml sed 's/full_days: [0-9]*/full_days: 36600/'
t_line "a huge retention in config.yaml: named, nothing rebuilt" "$VOUT" \
    "^config\\.yaml: its retention and intervals make RRDs of [0-9]+ bytes, more than"

# another key
verify "$A" --key "$FX_DIR/other.pem.pub"
t_eq "--key of another key: exit 1" "$VRC" 1
t_line "evidence.pub named" "$VOUT" "^evidence\\.pub: is not the key given with --key"
t_line "SHA256SUMS.sig named" "$VOUT" "^SHA256SUMS\\.sig: does not verify with --key's key"

# a member added, one removed
echo extra >"$FX_DIR/extra"
$RETAR "$A" "$FX_DIR/t.tar.gz" put notes.txt "$FX_DIR/extra"
verify "$FX_DIR/t.tar.gz"
t_eq "a member added: named: exit" "$VRC" 1
t_line "a member added: named" "$VOUT" "^notes\\.txt: not listed in SHA256SUMS"
$RETAR "$A" "$FX_DIR/t.tar.gz" drop report/report.txt
verify "$FX_DIR/t.tar.gz"
t_eq "a member removed: named: exit" "$VRC" 1
t_line "a member removed: named" "$VOUT" "^report/report\\.txt: listed in SHA256SUMS"

# hostile members: named, and nothing written outside
mkdir -p "$FX_DIR/cwd"
for spec in "web-$MONTH/../evil file" "/tmp/sp-evil-$$ file" "web-$MONTH/link symlink" \
    "web-$MONTH/hard hardlink" "other-top/x file" "web-$MONTH/sub dir"; do
    read -r name kind <<<"$spec"
    $RETAR "$A" "$FX_DIR/t.tar.gz" raw "$name" "$kind"
    VRC=0
    VOUT=$(cd "$FX_DIR/cwd" && "$SLAPROBE" evidence verify "$FX_DIR/t.tar.gz" 2>&1) || VRC=$?
    t_eq "a hostile member ($kind $name): exit" "$VRC" 1
    t_line "a hostile member ($kind $name): exit 1, named" "$VOUT" \
        "^$(sed 's/[].[*^$]/\\&/g' <<<"$name")/?: "
done
t_eq "nothing written outside" "$(ls -A "$FX_DIR/cwd" | wc -l) $(ls -d /tmp/sp-evil-$$ "$FX_DIR/evil" 2>/dev/null | wc -l)" "0 0"

# bad usage and unreadable files: exit 2
verify "$FX_DIR/no-such.tar.gz"
t_eq "an archive that does not exist: exit 2" "$VRC" 2
verify "$A" --key "$FX_DIR/no-such.pub"
t_eq "a --key that cannot be read: exit 2" "$VRC" 2
VRC=0
"$SLAPROBE" evidence verify >/dev/null 2>&1 || VRC=$?
t_eq "no archive: exit 2" "$VRC" 2
printf 'not gzip' >"$FX_DIR/junk.tar.gz"
verify "$FX_DIR/junk.tar.gz"
t_match "not an archive: exit 1, named" "$VRC $VOUT" "^1 .*junk\\.tar\\.gz: not"

# VERIFY.md's commands, as a third party runs them, in the clean archive
awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$X/$TOP/VERIFY.md" >"$FX_DIR/verify_md.sh"
t_match "VERIFY.md has commands" "$(wc -l <"$FX_DIR/verify_md.sh")" '^[1-9][0-9]*$'
rc=0
(cd "$X/$TOP" && bash -e "$FX_DIR/verify_md.sh") >"$FX_DIR/verify_md.out" 2>&1 || rc=$?
t_eq "VERIFY.md's commands succeed in the extracted archive" "$rc" 0
[ "$rc" = 0 ] || tail -20 "$FX_DIR/verify_md.out"

t_done
