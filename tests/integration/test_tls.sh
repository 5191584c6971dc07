#!/usr/bin/env bash
# TLS posture (slaprobe check --tls): one nginx server block per case on
# 127.0.0.1, certificates generated now (tests/fixtures/certs.sh), OCSP
# staples fetched from a real `openssl ocsp` responder on loopback. For every
# case:
#  - slaprobe's protocol set, certificate facts and stapling status are
#    asserted exactly (against the certificate files themselves);
#  - sslscan scans the same server (--xml for protocols and expiry, its text
#    for the stapled OCSP status, which its XML leaves out) and slaprobe must
#    agree with it on protocol set, expiry, stapling and weak ciphers;
#  - the grade and its findings are asserted (docs/TLS_GRADING.md).
# sslscan, not testssl.sh: both see TLS 1.0/1.1 on this OpenSSL 3, but
# sslscan scans a case in ~0.1 s where testssl.sh takes tens of seconds.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
command -v sslscan >/dev/null || { echo "sslscan missing: scripts/setup.sh --test"; exit 1; }
fx_init
fx_start_nginx_tls

CA=$FX_CERTS/ca.pem
# name | protocols | grade | findings | reason | cert file | key type | bits | ocsp
CASES=(
    "tls12|TLSv1.2|A-|no_tls13,hsts_missing|ok|valid|EC|256|none"
    "tls13|TLSv1.3|A|hsts_missing|ok|valid|EC|256|none"
    "legacy|TLSv1.0,TLSv1.1,TLSv1.2|B|tls10_accepted,tls11_accepted,no_tls13,hsts_missing|ok|valid|EC|256|none"
    "expired|TLSv1.2,TLSv1.3|F|cert_expired,hsts_missing|tls_cert_expired|expired|EC|256|none"
    "selfsigned|TLSv1.2,TLSv1.3|F|cert_untrusted,hsts_missing|tls_cert_untrusted|selfsigned|EC|256|none"
    "wronghost|TLSv1.2,TLSv1.3|F|cert_hostname,hsts_missing|tls_cert_hostname|wronghost|EC|256|none"
    "rsa1024|TLSv1.2,TLSv1.3|B|key_weak,hsts_missing|tls_cert_untrusted|rsa1024|RSA|1024|none"
    "sha1|TLSv1.2,TLSv1.3|F|cert_sha1,hsts_missing|tls_cert_untrusted|sha1|EC|256|none"
    "sha1int|TLSv1.2,TLSv1.3|F|cert_sha1,hsts_missing|tls_cert_untrusted|sha1int|EC|256|none"
    "weak|TLSv1.2,TLSv1.3|F|cipher_insecure,hsts_missing|ok|valid|EC|256|none"
    "ocspgood|TLSv1.2,TLSv1.3|A|hsts_missing|ok|ocspgood|EC|256|good"
    "ocsprevoked|TLSv1.2,TLSv1.3|F|cert_revoked,hsts_missing|tls_cert_revoked|revoked|EC|256|revoked"
    "hsts|TLSv1.2,TLSv1.3|A+||ok|valid|EC|256|none"
    "nohsts|TLSv1.2,TLSv1.3|A|hsts_missing|ok|valid|EC|256|none"
)

# ISO-8601 UTC of a date(1) can read ("Dec 23 07:51:03 2026 GMT").
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
# Whole days from now to an ISO time, floored as slaprobe does.
days_to() {
    local d=$(($(date -u -d "$1" +%s) - $(date -u +%s)))
    if ((d < 0)); then echo $(((d - 86399) / 86400)); else echo $((d / 86400)); fi
}
# The accepted protocols of sslscan's XML, slaprobe's spelling, in order.
ss_protocols() {
    sed -n 's/.*<protocol type="tls" version="\([0-9.]*\)" enabled="1".*/TLSv\1/p' "$1" | paste -sd,
}
# sslscan's stapled OCSP status from its text output: none, good, revoked...
ss_ocsp() {
    if grep -q "No OCSP response received" "$1"; then echo none
    else sed -n 's/^ *Cert Status: *\([a-z]*\).*/\1/p' "$1" | head -n 1; fi
}
# The weak or insecure suites sslscan saw accepted (NULL, anonymous, export,
# RC4, DES, 3DES), comma-separated; empty when none.
ss_weak() {
    sed -n 's/.*<cipher status="[a-z]*" .* cipher="\([^"]*\)".*/\1/p' "$1" |
        grep -E '(^|-)(NULL|RC4|EXP|ADH|AECDH)(-|$)|DES-CBC' | paste -sd, || true
}

for c in "${CASES[@]}"; do
    IFS='|' read -r name protos grade findings reason certf ktype kbits ocsp <<<"$c"
    port_var=FX_TLS_PORT_$name
    port=${!port_var}
    pem=$FX_CERTS/$certf.pem
    echo "# $name (port $port)"
    not_after=$(iso "$(openssl x509 -in "$pem" -noout -enddate | cut -d= -f2)")
    days_before=$(days_to "$not_after")
    sp_check --tls --cacert "$CA" "https://localhost:$port/"
    days_after=$(days_to "$not_after")
    want_rc=1
    [ "$reason" = ok ] && want_rc=0
    t_eq "$name: reason" "$(jf .reason)" "$reason"
    t_eq "$name: exit code" "$RC" "$want_rc"
    t_eq "$name: kind" "$(jf .kind)" tls
    # one availability policy (docs/REASONS.md): check, the daemon's probe,
    # says the same as check --tls, reason and all
    tls_out=$OUT tls_detail=$(jf .detail)
    sp_check --cacert "$CA" "https://localhost:$port/"
    t_eq "$name: check agrees with --tls" "$(jf .reason)" "$reason"
    [ "$reason" = ok ] || t_eq "$name: check's detail is --tls's" "$(jf .detail)" "${tls_detail%%; grade *}"
    OUT=$tls_out # the facts below are those of the --tls probe, between the two dates

    # slaprobe, exactly (one jq for every field: this loop runs 13 times)
    # (\x1f, not a tab, between fields: read would merge empty ones)
    IFS=$'\x1f' read -r got_protos n_null got_grade got_findings g_after g_before g_days g_subject \
        g_issuer g_ktype g_kbits g_sig g_fp g_chain g_host g_stapled g_ocsp g_weak < <(jq -r '[
        ([.tls.protocols | to_entries[] | select(.value == true) | .key] | join(",")),
        ([.tls.protocols[] | select(. == null)] | length),
        .tls.grade, ([.tls.findings[].code] | join(",")),
        (.tls.cert | .not_after, .not_before, .days_left, .subject, .issuer, .key_type, .key_bits,
         .sig_alg, .fingerprint_sha256, .chain_valid, .hostname_match, .ocsp_stapled, .ocsp_status),
        (.tls.weak_cipher // "")] | map(tostring) | join("\u001f")' <<<"$OUT")
    t_eq "$name: protocols" "$got_protos" "$protos"
    t_eq "$name: every version tested" "$n_null" 0
    t_eq "$name: grade" "$got_grade" "$grade"
    t_eq "$name: findings" "$got_findings" "$findings"
    not_before=$(iso "$(openssl x509 -in "$pem" -noout -startdate | cut -d= -f2)")
    t_eq "$name: cert.not_after" "$g_after" "$not_after"
    t_eq "$name: cert.not_before" "$g_before" "$not_before"
    # the certificates end 30 days after they were made, to the second: a
    # probe in that very second sees 30 days, one later 29
    t_match "$name: cert.days_left" "$g_days" "^($days_before|$days_after)\$"
    t_eq "$name: cert.subject" "$g_subject" \
        "$(openssl x509 -in "$pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')"
    t_eq "$name: cert.issuer" "$g_issuer" \
        "$(openssl x509 -in "$pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')"
    t_eq "$name: cert.key_type" "$g_ktype" "$ktype"
    t_eq "$name: cert.key_bits" "$g_kbits" "$kbits"
    t_eq "$name: cert.sig_alg" "$g_sig" \
        "$(openssl x509 -in "$pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n 1)"
    t_eq "$name: cert.fingerprint_sha256" "$g_fp" \
        "$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"
    want_chain=true want_host=true
    case $name in expired | selfsigned | sha1 | sha1int) want_chain=false ;; wronghost) want_host=false ;; esac
    t_eq "$name: cert.chain_valid" "$g_chain" "$want_chain"
    t_eq "$name: cert.hostname_match" "$g_host" "$want_host"
    want_stapled=true
    [ "$ocsp" = none ] && want_stapled=false
    t_eq "$name: cert.ocsp_stapled" "$g_stapled" "$want_stapled"
    t_eq "$name: cert.ocsp_status" "$g_ocsp" "$ocsp"

    # sslscan on the same server must agree
    xml=$FX_DIR/sslscan-$name.xml txt=$FX_DIR/sslscan-$name.txt
    sslscan --no-colour --ocsp --sni-name=localhost --xml="$xml" "127.0.0.1:$port" >"$txt" 2>&1 ||
        t_bad "$name: sslscan failed (see $txt)"
    t_eq "$name: sslscan agrees on protocols" "$(ss_protocols "$xml")" "$got_protos"
    ss_after=$(sed -n 's/.*<not-valid-after>\(.*\)<\/not-valid-after>.*/\1/p' "$xml" | head -n 1)
    t_eq "$name: sslscan agrees on expiry" "$(iso "$ss_after")" "$g_after"
    ss_o=$(ss_ocsp "$txt") ss_w=$(ss_weak "$xml") ss_p=$(ss_protocols "$xml")
    t_eq "$name: sslscan agrees on stapling" "$ss_o" "$g_ocsp"
    t_eq "$name: sslscan agrees on weak ciphers" "$ss_w" "$g_weak"
    printf '%s\n' "$name|$got_grade|$got_findings|$ss_p|$(iso "$ss_after")|$ss_o|$ss_w" >>"$FX_DIR/summary"
done

echo "# details"
P=$FX_TLS_PORT_hsts
sp_check --tls --cacert "$CA" "https://localhost:$P/"
t_eq "hsts: present" "$(jf .tls.hsts.present)" true
t_eq "hsts: max_age" "$(jf .tls.hsts.max_age)" 31536000
t_eq "hsts: include_subdomains" "$(jf .tls.hsts.include_subdomains)" true
t_eq "hsts: preload" "$(jf .tls.hsts.preload)" true
t_eq "hsts: the GET was answered" "$(jf .http_status)" 200
t_eq "hsts: default handshake" "$(jf .tls.version)" TLSv1.3
t_eq "hsts: forward secrecy" "$(jf .tls.forward_secrecy)" true
t_num "hsts: timings_ms.tls" "$(jf .timings_ms.tls)"
t_num "hsts: timings_ms.connect" "$(jf .timings_ms.connect)"
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_nohsts/"
t_eq "nohsts: present" "$(jf .tls.hsts.present)" false
t_eq "nohsts: no max_age" "$(jf '.tls.hsts.max_age // "absent"')" absent
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_tls12/"
t_eq "tls12: default handshake" "$(jf .tls.version)" TLSv1.2
t_eq "tls12: cipher" "$(jf .tls.cipher)" ECDHE-ECDSA-AES256-GCM-SHA384
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_weak/"
t_eq "weak: the NULL suite" "$(jf .tls.weak_cipher)" ECDHE-ECDSA-NULL-SHA
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_legacy/"
t_eq "legacy: default handshake takes the best" "$(jf .tls.version)" TLSv1.2
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_sha1/"
t_eq "sha1: sha1_in_chain" "$(jf .tls.cert.sha1_in_chain)" true
t_eq "sha1: finding" "$(jf '.tls.findings[0].detail')" "leaf signed with SHA-1"
t_eq "sha1: no intermediates sent" "$(jf ".tls.cert.intermediates | length")" 0
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_sha1int/"
t_eq "sha1int: sha1_in_chain" "$(jf .tls.cert.sha1_in_chain)" true
t_eq "sha1int: finding" "$(jf '.tls.findings[0].detail')" "intermediate signed with SHA-1"
t_eq "sha1int: intermediates" "$(jf '.tls.cert.intermediates | map(.subject + " " + .sig_alg) | join(";")')" \
    "CN=slaprobe test intermediate ecdsa-with-SHA1"
t_eq "sha1int: leaf sig_alg" "$(jf .tls.cert.sig_alg)" ecdsa-with-SHA256

echo "# target forms"
sp_check --cacert "$CA" "tls://localhost:$FX_TLS_PORT_hsts"
t_eq "tls://: kind" "$(jf .kind)" tls
t_eq "tls://: grade" "$(jf .tls.grade)" A+
sp_check --tls --cacert "$CA" "localhost:$FX_TLS_PORT_tls13"
t_eq "--tls host:port: grade" "$(jf .tls.grade)" A
sp_check --tls --cacert "$CA" "127.0.0.1:$FX_TLS_PORT_tls13"
t_eq "--tls by IP: hostname_match (SAN IP:127.0.0.1)" "$(jf .tls.cert.hostname_match)" true
t_eq "--tls by IP: no DNS phase" "$(jf '.timings_ms.dns // "absent"')" absent
sp_check --tls -k "https://localhost:$FX_TLS_PORT_expired/"
t_eq "-k: expired is up" "$(jf .reason)" ok
t_eq "-k: still graded F" "$(jf .tls.grade)" F
sp_check --tls "http://127.0.0.1:$FX_TLS_PORT_tls13/"
t_eq "--tls http://: usage error" "$RC" 2
out=$("$SLAPROBE" check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_hsts/") && RC=0 || RC=$?
t_eq "human: exit code" "$RC" 0
t_match "human: grade line" "$out" $'\n      grade A\\+($|\n)'
t_match "human: protocols line" "$out" 'protocols TLSv1.0 no TLSv1.1 no TLSv1.2 yes TLSv1.3 yes'
t_match "human: key exchange line" "$out" 'key exchange ECDHE X25519 253 bits, DHE-only refused'

echo "# failures"
free=$(fx_free_port)
sp_check --tls "https://127.0.0.1:$free/"
t_eq "refused: reason" "$(jf .reason)" tcp_refused
t_eq "refused: no grade" "$(jf '.tls.grade // "absent"')" absent
# a port that speaks plain HTTP, not TLS
fx_start_nginx
sp_check --tls "https://127.0.0.1:$FX_HTTP_PORT/"
t_eq "plain HTTP port: reason" "$(jf .reason)" tls_handshake
t_eq "plain HTTP port: grade" "$(jf .tls.grade)" F
t_eq "plain HTTP port: findings" "$(jf '[.tls.findings[].code] | join(",")')" handshake_failed
# the sweep goes on after a failed default handshake: every version tried
# and refused, which is a measurement (false), not "not tested" (null)
t_eq "plain HTTP port: every version refused" "$(jf '[.tls.protocols[] | select(. == false)] | length')" 4
# a port that drops SYNs, and one that accepts and never answers a hello
fx_start_faultd
sp_check --tls --timeout 1500 "127.0.0.1:$FX_BLACKHOLE_PORT"
t_eq "blackhole: reason" "$(jf .reason)" tcp_timeout
t_eq "blackhole: no posture" "$(jf '.tls // "absent"')" absent
sp_check --tls --timeout 1500 "127.0.0.1:$FX_FAULT_PORT"
t_eq "silent server: reason" "$(jf .reason)" tls_handshake
t_eq "silent server: grade" "$(jf .tls.grade)" F
t_eq "silent server: findings" "$(jf '[.tls.findings[].code] | join(",")')" handshake_failed

echo "# issue 15: one availability policy, every weak parameter measured"
# Certificates of their own, from the same CA (and an RSA CA: MD5 has no
# ECDSA form), and a second nginx with one server block per case.
X=$FX_DIR/x15
mkdir -p "$X"
ossl() { openssl "$@" >>"$X/openssl.log" 2>&1 || { tail -n 20 "$X/openssl.log"; t_bad "openssl $1 failed"; t_done; }; }
ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
# x15_sign NAME CA_PREFIX MD EXTFILE [KEYGEN]: NAME.pem/.key signed by CA_PREFIX.pem/.key
x15_sign() {
    ${5:-ec_key} "$X/$1.key"
    ossl req -new -key "$X/$1.key" -subj "/CN=localhost" -out "$X/$1.csr"
    ossl x509 -req -in "$X/$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 30 \
        "-$3" -extfile "$4" -out "$X/$1.pem"
}
printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$X/leaf.ext"
printf 'basicConstraints=critical,CA:FALSE\n' >"$X/nosan.ext"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$X/ca.ext"
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$X/client.ext"
rsa2048() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
# an RSA CA, and a leaf it signs with MD5
rsa2048 "$X/rsaca.key"
ossl req -x509 -new -key "$X/rsaca.key" -sha256 -days 30 -subj "/CN=slaprobe test RSA CA" -out "$X/rsaca.pem"
x15_sign md5 "$X/rsaca" md5 "$X/leaf.ext" rsa2048
cat "$CA" "$X/rsaca.pem" >"$X/cas.pem"
x15_sign nosan "$FX_CERTS/ca" sha256 "$X/nosan.ext"
# an intermediate the server leaves out
ec_key "$X/int.key"
ossl req -new -key "$X/int.key" -subj "/CN=slaprobe missing intermediate" -out "$X/int.csr"
ossl x509 -req -in "$X/int.csr" -CA "$CA" -CAkey "$FX_CERTS/ca.key" -CAcreateserial -days 30 \
    -sha256 -extfile "$X/ca.ext" -out "$X/int.pem"
x15_sign incomplete "$X/int" sha256 "$X/leaf.ext"
x15_sign rsaleaf "$FX_CERTS/ca" sha256 "$X/leaf.ext" rsa2048
x15_sign client "$FX_CERTS/ca" sha256 "$X/client.ext"
# a 1024-bit DH group (Logjam); -dsaparam: made in milliseconds
ossl dhparam -dsaparam -out "$X/dh1024.pem" 1024
# a certificate list over OpenSSL's default 100 KiB: 6000 names
{
    printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost'
    for ((i = 0; i < 6000; i++)); do printf ',DNS:h%05d.many-names.example.test' "$i"; done
    printf '\n'
} >"$X/big.ext"
x15_sign big "$FX_CERTS/ca" sha256 "$X/big.ext"
t_match "bigcert: over 100 KiB" "$(openssl x509 -in "$X/big.pem" -outform DER | wc -c)" '^1[0-9]{5}$'
# and one over our own 1 MiB limit: 22000 long names, 1.2 MB
{
    printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost'
    for ((i = 0; i < 22000; i++)); do printf ',DNS:h%06d.a-rather-long-name-for-the-list.example.test' "$i"; done
    printf '\n'
} >"$X/huge.ext"
x15_sign huge "$FX_CERTS/ca" sha256 "$X/huge.ext"
t_match "hugecert: over 1 MiB" "$(openssl x509 -in "$X/huge.pem" -outform DER | wc -c)" '^1[1-9][0-9]{5}$'

# name|cert|directives
X15_CASES=(
    "md5|md5|ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "nosan|nosan|ssl_protocols TLSv1.2 TLSv1.3;"
    "incomplete|incomplete|ssl_protocols TLSv1.2 TLSv1.3;"
    "dh1024|rsaleaf|ssl_protocols TLSv1.2; ssl_ciphers DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0; ssl_dhparam $X/dh1024.pem;"
    "tls10|rsaleaf|ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "nullonly|rsaleaf|ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-NULL-SHA:@SECLEVEL=0;"
    "clientcert|rsaleaf|ssl_protocols TLSv1.2 TLSv1.3; ssl_verify_client on; ssl_client_certificate $CA;"
    "bigcert|big|ssl_protocols TLSv1.2 TLSv1.3;"
    "hugecert|huge|ssl_protocols TLSv1.2 TLSv1.3;"
)
x15_conf() {
    local i name cert dirs
    fx_nginx_conf "$X/nginx" 64
    for i in "${!X15_CASES[@]}"; do
        IFS='|' read -r name cert dirs <<<"${X15_CASES[$i]}"
        printf -v "X15_PORT_$name" %s "${FX__PORTS[$i]}"
        echo "  server { listen 127.0.0.1:${FX__PORTS[$i]} ssl;"
        echo "    ssl_certificate $X/$cert.pem; ssl_certificate_key $X/$cert.key; $dirs"
        echo "    location / { default_type text/plain; return 200 \"case $name\\n\"; } }"
    done
    echo "}"
}
fx_nginx "$X/nginx" ${#X15_CASES[@]} x15_conf || { t_bad "nginx for the issue 15 cases did not start"; t_done; }

# both NAME PORT REASON [ARGS...]: check and check --tls give REASON (and
# the same detail when down); leaves the --tls result in OUT
both() {
    local name=$1 port=$2 want=$3 check_detail
    shift 3
    sp_check --cacert "$X/cas.pem" "$@" "https://localhost:$port/"
    t_eq "$name: check reason" "$(jf .reason)" "$want"
    check_detail=$(jf .detail)
    sp_check --tls --cacert "$X/cas.pem" "$@" "https://localhost:$port/"
    t_eq "$name: check --tls reason" "$(jf .reason)" "$want"
    [ "$want" = ok ] || t_eq "$name: same detail" "$check_detail" "$(jf .detail | sed 's/; grade .*//')"
}
findings() { jf '[.tls.findings[].code] | join(",")'; }

# 1. MD5: a finding and F (it was B with no certificate finding)
both md5 "$X15_PORT_md5" tls_cert_untrusted
t_match "md5: detail" "$(jf .detail)" '^certificate signed with MD5; browsers reject'
t_eq "md5: weak_digest" "$(jf .tls.cert.weak_digest)" MD5
t_eq "md5: grade" "$(jf .tls.grade)" F
t_match "md5: finding" "$(findings)" '(^|,)cert_weak_digest(,|$)'
# 6. no subjectAltName: down unless the target accepts the CN; a finding either way
both nosan "$X15_PORT_nosan" tls_cert_hostname
t_match "nosan: detail" "$(jf .detail)" 'no subjectAltName; browsers stopped falling back to the common name in 2017'
t_eq "nosan: san" "$(jf .tls.cert.san)" false
t_match "nosan: finding" "$(findings)" '(^|,)cert_no_san(,|$)'
both "nosan --cn-fallback" "$X15_PORT_nosan" ok --cn-fallback
t_match "nosan --cn-fallback: finding still there" "$(findings)" '(^|,)cert_no_san(,|$)'
# 7. the intermediate left out: named
both incomplete "$X15_PORT_incomplete" tls_cert_untrusted
t_eq "incomplete: detail" "$(jf .detail | sed 's/; grade .*//')" \
    "chain incomplete: the server did not send the certificate of its issuer CN=slaprobe missing intermediate, and it is not trusted"
t_eq "incomplete: missing_issuer" "$(jf .tls.cert.missing_issuer)" "CN=slaprobe missing intermediate"
t_eq "incomplete: findings" "$(findings)" chain_incomplete,hsts_missing
# 3 and 4. a 1024-bit DH group: measured, a finding, down in both
both dh1024 "$X15_PORT_dh1024" tls_handshake
t_match "dh1024: detail" "$(jf .detail)" '^DH group of 1024 bits \(Logjam\); browsers require 2048'
t_eq "dh1024: kex" "$(jf '.tls.kex | [.type, .bits, .dhe_bits] | tojson')" '["DHE",1024,1024]'
t_match "dh1024: finding" "$(findings)" '(^|,)dh_weak(,|$)'
t_eq "dh1024: grade" "$(jf .tls.grade)" B
sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_tls13/"
t_eq "tls13: kex" "$(jf '.tls.kex | [.type, .group] | tojson')" '["ECDHE","X25519"]'
# 4. TLS 1.0 only: down in both
both tls10 "$X15_PORT_tls10" tls_handshake
t_match "tls10: detail" "$(jf .detail)" '^server offers only TLSv1\.0; browsers require TLS 1.2 or later'
t_match "tls10: finding" "$(findings)" '(^|,)tls10_accepted(,|$)'
# 2. NULL suites only: the sweep goes on and finds them
both nullonly "$X15_PORT_nullonly" tls_handshake
t_eq "nullonly: weak_cipher" "$(jf .tls.weak_cipher)" ECDHE-RSA-NULL-SHA
t_eq "nullonly: TLS 1.2 accepted" "$(jf '.tls.protocols["TLSv1.2"]')" true
t_eq "nullonly: findings" "$(findings)" handshake_failed,cipher_insecure
# 8. a client certificate required: said so, not http_status 400; with one, up
both clientcert "$X15_PORT_clientcert" tls_handshake
t_eq "clientcert: detail" "$(jf .detail | sed 's/; grade .*//')" "server requires a client certificate (HTTP 400)"
both "clientcert --cert" "$X15_PORT_clientcert" ok --cert "$X/client.pem" --key "$X/client.key"
t_eq "clientcert --cert: HTTP status" "$(jf .http_status)" 200
# a server that refuses the handshake itself (openssl s_server -Verify:
# an alert, not an HTTP 400): the same words
SP=$(fx_free_port)
fx__spawn "$X/s_server.log" openssl s_server -accept "127.0.0.1:$SP" -cert "$FX_CERTS/valid.pem" \
    -key "$FX_CERTS/valid.key" -Verify 1 -CAfile "$CA" -tls1_2 -www -quiet
fx_wait_port "$SP" "g:$FX__PID" || t_bad "openssl s_server did not start"
both "clientcert alert" "$SP" tls_handshake
t_eq "clientcert alert: detail" "$(jf .detail | sed 's/; grade .*//')" "server requires a client certificate"
# the https kind still names the leaf the server showed before its alert
# (kind_http.c's certificate callback, which never verifies)
sp_check --cacert "$CA" "https://localhost:$SP/"
t_eq "clientcert alert: https leaf not_after" "$(jf .tls.cert.not_after)" \
    "$(iso "$(openssl x509 -in "$FX_CERTS/valid.pem" -noout -enddate | cut -d= -f2)")"
t_eq "clientcert alert: https leaf hostname_match" "$(jf .tls.cert.hostname_match)" true
# ... but never calls a chain valid that was not verified: the handshake
# ended before it, and without --cacert the test CA is not trusted at all
sp_check "https://localhost:$SP/"
t_eq "clientcert alert: an unverified chain is not valid" "$(jf .tls.cert.chain_valid)" false
# 5. a certificate list over OpenSSL's default limit: browsers take it
both bigcert "$X15_PORT_bigcert" ok
# ... up to a limit of our own, and then the detail says whose limit it is
both hugecert "$X15_PORT_hugecert" tls_handshake
t_eq "hugecert: detail" "$(jf .detail | sed 's/; grade .*//')" \
    "the server's certificate list is larger than this client's limit of 1048576 bytes (a client-side limit)"
# 9. --tls --json of an http:// URL: exit 2, and one JSON object
OUT=$("$SLAPROBE" check --tls --json "http://127.0.0.1:$X15_PORT_md5/" 2>/dev/null) && RC=0 || RC=$?
t_eq "--tls --json http://: exit 2" "$RC" 2
t_eq "--tls --json http://: one JSON object" "$(jq -c '[.ok, .error]' <<<"$OUT" 2>&1)" '[false,"usage"]'
t_eq "--tls --json http://: one line" "$(grep -c . <<<"$OUT")" 1

echo "# testssl.sh, second opinion on the legacy case"
# testssl.sh finds versions with its own raw hellos, not with the local
# OpenSSL: the independent check of what matters most here, TLS 1.0/1.1
# seen through an OpenSSL 3 that refuses them by default. ~15 s, so once.
if command -v testssl >/dev/null; then
    ts_json=$FX_DIR/testssl-legacy.json
    timeout 90 testssl --quiet --color 0 --warnings off --jsonfile "$ts_json" --protocols \
        --ip 127.0.0.1 "https://localhost:$FX_TLS_PORT_legacy/" >"$FX_DIR/testssl-legacy.txt" 2>&1 || true
    ts_protos=$(jq -r '[.[] | select(.id | test("^TLS1(_[123])?$")) | select(.finding | startswith("offered"))
        | .id | sub("^TLS1$"; "TLSv1.0") | sub("^TLS1_"; "TLSv1.")] | join(",")' "$ts_json" 2>/dev/null || echo "no JSON")
    sp_check --tls --cacert "$CA" "https://localhost:$FX_TLS_PORT_legacy/"
    t_eq "legacy: testssl.sh agrees on protocols" "$ts_protos" \
        "$(jf '[.tls.protocols | to_entries[] | select(.value == true) | .key] | join(",")')"
else
    t_bad "testssl missing: scripts/setup.sh --test"
fi

echo "# daemon: posture on its own interval, the first and every change journaled"
store=$FX_DIR/dstore
cat >"$FX_DIR/d.yaml" <<YAML
storage:
  dir: $store
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s}
targets:
  - id: web
    url: https://localhost:$FX_TLS_PORT_hsts/
    ca_file: $CA
    pattern: 1
    tls_interval: 1s
YAML
postures() { jq -c 'select(.type == "tls_posture")' "$store/web.journal" 2>/dev/null || true; }
# wait_postures N: until the journal has N tls_posture lines
wait_postures() { wait_until 15 journal_has "$store/web.journal" 'select(.type == "tls_posture")' "$1"; }
sp_run "$FX_DIR/d.yaml" "$FX_DIR/d.log"
wait_postures 1
sleep 2.5 # two or three more checks, all the same: no line for them
t_eq "daemon: unchanged posture is journaled once" "$(postures | grep -c .)" 1
first=$(postures | head -n 1)
t_eq "daemon: first line" "$(jq -c '[.first, .changed, .grade]' <<<"$first")" '[true,[],"A+"]'
t_eq "daemon: protocols" "$(jq -c .protocols <<<"$first")" \
    '{"TLSv1.0":false,"TLSv1.1":false,"TLSv1.2":true,"TLSv1.3":true}'
t_eq "daemon: fingerprint" "$(jq -r .fingerprint_sha256 <<<"$first")" \
    "$(openssl x509 -in "$FX_CERTS/valid.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"
t_eq "daemon: stapling" "$(jq -r .ocsp_status <<<"$first")" none
# the change: the server drops its HSTS header (nginx reloads its config)
sed -i 's/add_header Strict-Transport-Security "[^"]*" always;//' "$FX_DIR/nginx-tls/nginx.conf"
kill -HUP "$FX_NGINX_TLS_PID"
wait_postures 2
sp_stop "daemon: clean exit"
t_eq "daemon: one line per change" "$(postures | grep -c .)" 2
second=$(postures | sed -n 2p)
t_eq "daemon: the change" "$(jq -c '[.first, .changed, .previous_grade, .grade, .findings]' <<<"$second")" \
    '[false,["grade"],"A+","A",["hsts_missing"]]'
"$SLAPROBE" journal verify -c "$FX_DIR/d.yaml" >/dev/null && rc=0 || rc=$?
t_eq "daemon: journal chain intact" "$rc" 0
cert_days=$(rrdtool lastupdate "$store/web.rrd" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cert_days") c = i }
    NR == 3 { print $(c + 1) }')
t_eq "daemon: cert_days in the RRD" "$(awk -v d="$cert_days" 'BEGIN { printf "%d", d }')" \
    "$(days_to "$(iso "$(openssl x509 -in "$FX_CERTS/valid.pem" -noout -enddate | cut -d= -f2)")")"

echo "# case | slaprobe grade | findings | sslscan: protocols | not after | OCSP staple | weak suites"
sed 's/^/# /' "$FX_DIR/summary"
t_done
