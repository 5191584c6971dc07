#!/usr/bin/env bash
# The status page as a person and a machine see it. A store with 30 days
# of known history (imported) is rendered by `slaprobe status-page`, and a
# real headless Chromium reads the page: every service and day carries the
# expected state, the screenshot is not blank, and a service named
# <script>alert(1)</script> is text, never a script. The page is then
# rebuilt again and again while a reader fetches it through nginx (with
# contrib/nginx-status.conf): never a partial page. Last, the daemon keeps
# the page current by itself.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

export TZ=Asia/Tokyo
NOW=$(date +%s)
D0=$(date -d "$(date +%F) 00:00" +%s) # today's local midnight (Tokyo has no DST)
day() { date -d "@$((D0 - $1 * 86400))" +%F; } # local date N days ago
# Rows every minute from 29 days ago until a minute ago:
#   web: day -3 10:00-10:10 DOWN; day -5 12:00-13:00 slow (3000 ms > slow_ms
#        1000); day -8 a maintenance window 02:00-03:00 (config); day -12 no
#        rows at all
#   api: up, but DOWN for the last 10 minutes (current: disruption)
#   xss: up every day
make_csv() { # ID FILE
    awk -v id="$1" -v d0="$D0" -v now="$NOW" 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = d0 - 29 * 86400; t < now - 60; t += 60) {
            up = 1; ms = 100
            if (id == "web") {
                if (t >= d0 - 12 * 86400 && t < d0 - 11 * 86400) continue
                if (t >= d0 - 3 * 86400 + 36000 && t < d0 - 3 * 86400 + 36600) up = 0
                if (t >= d0 - 5 * 86400 + 43200 && t < d0 - 5 * 86400 + 46800) ms = 3000
            }
            if (id == "api" && t >= now - 660) up = 0
            printf "%d,%d,%s\n", t, up, up ? ms : ""
        }
    }' >"$2"
}
for id in web api xss; do make_csv $id "$FX_DIR/$id.csv"; done
store=$FX_DIR/store
www=$FX_DIR/www
mkdir -p "$www"
m0=$(date -d "@$((D0 - 8 * 86400 + 7200))" --iso-8601=seconds)
m1=$(date -d "@$((D0 - 8 * 86400 + 10800))" --iso-8601=seconds)
# announced ahead: web in 5 days (on the page), in 20 days (not yet), and
# the private target in 2 days (never)
a0=$(date -d "@$((D0 + 5 * 86400 + 3600))" --iso-8601=seconds)
a1=$(date -d "@$((D0 + 5 * 86400 + 7200))" --iso-8601=seconds)
f0=$(date -d "@$((D0 + 20 * 86400))" --iso-8601=seconds)
f1=$(date -d "@$((D0 + 20 * 86400 + 3600))" --iso-8601=seconds)
p0=$(date -d "@$((D0 + 2 * 86400))" --iso-8601=seconds)
p1=$(date -d "@$((D0 + 2 * 86400 + 3600))" --iso-8601=seconds)
# the provider's posts: one still open (three updates), one resolved
mkdir -p "$FX_DIR/posts"
cat >"$FX_DIR/posts/2026-login.yaml" <<YAML
title: "Log-in <failures>"
services: [api]
updates:
  - {at: "$(date -d "@$((NOW - 900))" --iso-8601=seconds)", status: investigating, text: "We are looking into failed log-ins."}
  - {at: "$(date -d "@$((NOW - 600))" --iso-8601=seconds)", status: identified, text: "A certificate expired."}
  - {at: "$(date -d "@$((NOW - 300))" --iso-8601=seconds)", status: monitoring, text: "Renewed; watching."}
YAML
cat >"$FX_DIR/posts/2026-old.yaml" <<YAML
title: "Slow pages"
services: [web]
updates:
  - {at: "$(date -d "@$((D0 - 5 * 86400 + 43200))" --iso-8601=seconds)", status: investigating, text: "Pages are slow."}
  - {at: "$(date -d "@$((D0 - 5 * 86400 + 46800))" --iso-8601=seconds)", status: resolved, text: "Back to normal."}
YAML
echo "not a post" >"$FX_DIR/posts/README"
cat >"$FX_DIR/s.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $store
  retention: {full_days: 40, five_min_days: 41, hourly_days: 42}
defaults: {interval: 60s, timeout: 5s, slow_ms: 1000}
status_page:
  dir: $www/status
  every: 2s
  lang: both
  title: "Example <Cloud> status"
  url: https://status.example.com/
  logo: /logo.png
  footer: "Questions: support@example.com"
  posts: $FX_DIR/posts

targets:
  - id: web
    name: "Web shop"
    url: http://127.0.0.1:9/
    pattern: 1
    group: "Shop & <Store>"
    maintenance:
      - {start: "$m0", end: "$m1", reason: "planned"}
      - {start: "$a0", end: "$a1", reason: "database <upgrade>"}
      - {start: "$f0", end: "$f1", reason: "too far ahead"}
  - id: api
    name: "Public API"
    url: http://127.0.0.1:9/
    pattern: 2
    group: "Shop & <Store>"
  - id: xss
    name: "<script>alert(1)</script>"
    url: http://127.0.0.1:9/
    pattern: 3
  - {id: gw, name: "Our gateway", url: "http://127.0.0.1:9/", pattern: 3}
  - id: internal
    name: "Back office"
    url: "http://127.0.0.1:9/"
    pattern: 3
    public: false
    maintenance:
      - {start: "$p0", end: "$p1", reason: "private work"}
control_targets: [gw]
YAML
for id in web api xss; do
    "$SLAPROBE" import -c "$FX_DIR/s.yaml" --target $id --csv "$FX_DIR/$id.csv" >/dev/null
done
# umask 0077: the page is public whatever the umask (the unit's is 0027)
(umask 0077 && exec "$SLAPROBE" status-page -c "$FX_DIR/s.yaml") && rc=0 || rc=$?
t_eq "status-page: exit 0" "$rc" 0
t_eq "status-page: DIR is a link to the page" "$([ -L "$www/status" ] && [ -f "$www/status/index.html" ] && echo yes)" yes
t_eq "status-page: readable by the web server under umask 0077" \
    "$(stat -L -c %a "$www/status") $(stat -c %a "$www/status/index.html" "$www/status/status.json" | sort -u)" "755 644"

# a control target (a measurement aid) and a target with public: false
# are nowhere on the page or in status.json
t_eq "private targets: not in the page" \
    "$(grep -c -E 'Our gateway|Back office|data-service="(gw|internal)"' "$www/status/index.html" || true)" 0
t_eq "private targets: status.json lists the public services only" \
    "$(jq -r '[.services[].id] | join(",")' "$www/status/status.json")" "web,api,xss"
t_match "config-check: public says who is shown" "$("$SLAPROBE" config-check -c "$FX_DIR/s.yaml")" \
    'id: gw.*public: false.*id: internal.*public: false'

# group: a heading row per group with the worst state of its services
# (api is down now), the name escaped; status.json says each one's group
t_eq "group: one heading row" "$(grep -o '<tr class="group"[^>]*>' "$www/status/index.html")" \
    '<tr class="group" data-group="Shop &amp; &lt;Store&gt;" data-state="service_disruption">'
t_eq "group: members marked" "$(grep -o '<tr class="member" data-service="[a-z]*"' "$www/status/index.html" | tr '\n' ' ')" \
    '<tr class="member" data-service="web" <tr class="member" data-service="api" '
t_eq "group: in status.json" "$(jq -c '[.services[].group]' "$www/status/status.json")" \
    '["Shop & <Store>","Shop & <Store>",null]'
# a group's members are gathered where its first member stands
sed -e "s|dir: $www/status|dir: $www/grouped|" -e '0,/    group: "Shop & <Store>"/!{/    group: "Shop & <Store>"/d}' \
    -e 's|^    pattern: 3$|    pattern: 3\n    group: "Shop \& <Store>"|' "$FX_DIR/s.yaml" >"$FX_DIR/g2.yaml"
"$SLAPROBE" status-page -c "$FX_DIR/g2.yaml" >/dev/null
t_eq "group: members gathered" "$(jq -r '[.services[] | "\(.id):\(.group)"] | join(",")' "$www/grouped/status.json")" \
    "web:Shop & <Store>,xss:Shop & <Store>,api:null"
sed 's|    group: "Shop & <Store>"|    group: "Shop\\t<Store>"|' "$FX_DIR/s.yaml" >"$FX_DIR/badg.yaml"
rc=0
"$SLAPROBE" config-check -c "$FX_DIR/badg.yaml" >/dev/null 2>"$FX_DIR/badg.err" || rc=$?
t_match "group: a control character is refused (file, line, key)" "$rc $(cat "$FX_DIR/badg.err")" \
    '^2 .*badg.yaml:[0-9]+: targets\[0\]\.group: must not contain control characters'

# the provider's page: its title, link, logo and footer; one banner from the
# public services' states (api is down now: some services are disrupted)
page=$(cat "$www/status/index.html")
t_match "title, escaped, in the header" "$page" '<header><a href="https://status.example.com/"><img src="/logo.png" alt="" height="40"/></a><h1>Example &lt;Cloud&gt; status</h1></header>'
t_match "banner: the worst current state" "$page" '<p id="banner" data-state="service_disruption" class="st service_disruption">.*Some services are disrupted</p>'
t_match "banner ja" "$(cat "$www/status/index.ja.html")" 'id="banner"[^>]*>.*一部のサービスで障害が発生しています'
t_match "footer" "$page" '<footer>Questions: support@example.com</footer>'
t_eq "status.json: overall state and title" \
    "$(jq -r '"\(.overall.state) \(.title) \(.url)"' "$www/status/status.json")" \
    "service_disruption Example <Cloud> status https://status.example.com/"
t_eq "upcoming maintenance: the one in the next 14 days of a public service" \
    "$(grep -o '<tr data-service="[a-z]*"><td>Web shop</td><td>[^<]*</td><td>[^<]*</td><td>database &lt;upgrade&gt;</td></tr>' "$www/status/index.html" | wc -l) $(grep -c 'too far ahead\|private work' "$www/status/index.html" || true)" "1 0"
t_eq "upcoming maintenance in status.json" \
    "$(jq -r '[.maintenance[] | "\(.service) \(.reason)"] | join(",")' "$www/status/status.json")" "web database <upgrade>"
# feed.atom: a real Atom parser (Debian's python3-feedparser) reads it with
# no error; the open incident of api and the maintenance ahead are entries
feed=$(/usr/bin/python3 - "$www/status/feed.atom" <<'PY'
import sys, feedparser
f = feedparser.parse(sys.argv[1])
print(int(f.bozo), f.version, f.feed.title)
for e in f.entries:
    print(e.id, "|", e.title)
PY
)
t_eq "feed: parses, Atom 1.0, the provider's title" "$(head -1 <<<"$feed")" "0 atom10 Example <Cloud> status"
t_match "feed: the open incident" "$feed" 'incident/[0-9]+ \| Public API: service disruption \(http_status|tcp_refused|[a-z_]+\)'
t_match "feed: the maintenance ahead" "$feed" 'maintenance/[0-9]+ \| Web shop: maintenance '
t_eq "feed: no private target" "$(grep -c 'Our gateway\|Back office\|private work' <<<"$feed" || true)" 0
# badges: valid SVG for each public service, names escaped, none for the private ones
for id in web api xss; do
    t_eq "badge $id: valid XML" "$(xmllint --noout "$www/status/badge/$id.svg" 2>&1 && echo ok)" ok
    t_eq "badge $id: shields.io endpoint" "$(jq -r '"\(.schemaVersion) \(.label != null) \(.message != null)"' "$www/status/badge/$id.json")" "1 true true"
done
t_match "badge api: its state now" "$(cat "$www/status/badge/api.svg")" 'Public API: service disruption'
t_eq "badge xss: the name as text" "$(grep -c '<script>' "$www/status/badge/xss.svg" || true) $(grep -c '&lt;script&gt;alert(1)&lt;/script&gt;' "$www/status/badge/xss.svg")" "0 1"
t_eq "badges: none for private targets" "$(ls "$www/status/badge" | grep -c 'gw\|internal' || true)" 0
# no sideways scrolling of the page on a phone (390 px) nor on a desktop
# (1280 px), en and ja: the layout measured in Chromium through its remote
# debugging protocol (a wide grid scrolls inside its own box)
# (screenshots kept beside the binary, their paths printed, to be looked at)
SHOTS=${SP_SHOT_DIR:-$(dirname "$SLAPROBE")/screenshots}
mkdir -p "$SHOTS"
for page in index.html index.ja.html; do
    l=en
    [ "$page" = index.ja.html ] && l=ja
    out=$(/usr/bin/python3 "$SP_SRC/tests/fixtures/cdp_report.py" "file://$www/status/$page" \
        "$SHOTS/status-$l" 390 1280 2>&1) || out='{"widths": {}}'
    for w in 390 1280; do
        m=$(jq -r --arg w $w '.widths[$w] | "\(.scroll) \(.inner)"' <<<"$out" 2>/dev/null || echo "cannot measure")
        t_match "$page at $w px: the document is no wider than the screen ($m)" \
            "$(awk -v m="$m" -v w=$w 'BEGIN { split(m, a, " "); print (a[1] > 0 && a[1] <= w) ? "ok" : "overflows" }')" '^ok$'
        echo "screenshot: $SHOTS/status-$l-$w.png"
    done
done
# posts: the open one first, its updates newest first, escaped; then the
# resolved one; in status.json and the feed too
posts=$(tr -d '\n' <"$www/status/index.html" | grep -o '<article.*</article>')
t_match "posts: the open one first, newest update first" "$posts" \
    '^<article class="post open"><h3>Log-in &lt;failures&gt;</h3><p class="services">Public API</p><ul><li data-status="monitoring"><strong>Monitoring</strong>[^<]*: Renewed; watching.</li><li data-status="identified">.*<li data-status="investigating">.*</article><article class="post"><h3>Slow pages</h3>'
t_match "posts ja: the status words" "$(cat "$www/status/index.ja.html")" '<strong>(<bdi>)?経過観察中'
t_eq "posts in status.json" "$(jq -r '[.posts[] | "\(.title):\(.open):\(.updates | length)"] | join(",")' "$www/status/status.json")" \
    "Log-in <failures>:true:3,Slow pages:false:2"
t_match "posts in the feed" "$feed" 'post/[0-9]+ \| Log-in <failures> \(monitoring\)'
# a bad post is refused like a bad configuration: file, line, key, exit 2
cp -r "$FX_DIR/posts" "$FX_DIR/badposts"
cat >"$FX_DIR/badposts/2026-bad.yaml" <<YAML
title: "Oops"
services: [api]
updates:
  - {at: "2026-11-30T10:00:00+09:00", status: investigating, text: "a"}
  - {at: "2026-11-30T10:05:00+09:00", status: fixed, text: "b"}
YAML
sed "s|posts: $FX_DIR/posts|posts: $FX_DIR/badposts|" "$FX_DIR/s.yaml" >"$FX_DIR/badp.yaml"
rc=0
"$SLAPROBE" config-check -c "$FX_DIR/badp.yaml" >/dev/null 2>"$FX_DIR/badp.err" || rc=$?
t_eq "a bad post: exit 2" "$rc" 2
t_eq "a bad post: its file, line and key" "$(cat "$FX_DIR/badp.err")" \
    "slaprobe: $FX_DIR/badposts/2026-bad.yaml:5: updates[1].status: 'fixed' is not investigating, identified, monitoring or resolved"
sed -i 's/services: \[api\]/services: [nosuch]/; s/status: fixed/status: resolved/' "$FX_DIR/badposts/2026-bad.yaml"
rc=0
"$SLAPROBE" config-check -c "$FX_DIR/badp.yaml" >/dev/null 2>"$FX_DIR/badp.err" || rc=$?
t_match "a post for no target: refused" "$rc $(cat "$FX_DIR/badp.err")" "^2 .*2026-bad.yaml:2: services\\[0\\]: 'nosuch' is no target"
sed 's|url: https://status.example.com/|url: "javascript:alert(1)"|' "$FX_DIR/s.yaml" >"$FX_DIR/bad.yaml"
rc=0
"$SLAPROBE" config-check -c "$FX_DIR/bad.yaml" >/dev/null 2>"$FX_DIR/bad.err" || rc=$?
t_eq "a javascript: link is refused: exit 2" "$rc" 2
t_match "a javascript: link is refused: file, line, key" "$(cat "$FX_DIR/bad.err")" 'bad.yaml:[0-9]+: status_page.url: .*not an http'

# --- what a browser shows --------------------------------------------------
fx_chrome --dump-dom "file://$www/status/index.html" >"$FX_DIR/dom.html"
dom=$(cat "$FX_DIR/dom.html")
t_match "browser: the page loaded" "$dom" '<h1>Example &lt;Cloud&gt; status</h1>'

# expected state of SERVICE on the day N days ago
want() {
    case "$1:$2" in
    web:3) echo "service_disruption Service disruption" ;;
    web:5) echo "performance_issues Performance issues" ;;
    web:8) echo "maintenance Maintenance" ;;
    web:12) echo "no_data No data" ;;
    api:0) echo "service_disruption Service disruption" ;;
    *) echo "available Available" ;;
    esac
}
bad=0
for svc in web api xss; do
    for n in $(seq 0 29); do
        read -r code label < <(want $svc "$n")
        d=$(day "$n")
        re="data-service=\"$svc\" data-day=\"$d\" data-state=\"$code\"><span class=\"st $code\"><span class=\"icon\" aria-hidden=\"true\">[^<]*</span> $label</span>"
        if [[ ! "$dom" =~ $re ]]; then
            bad=$((bad + 1))
            t_bad "browser: $svc on $d is not '$label'"
        fi
    done
done
t_eq "browser: 90 service-days with the expected label" "$bad" 0
t_match "browser: web is available now" "$dom" 'data-service="web" data-state="available">'
t_match "browser: api is down now, since 10 minutes" "$dom" \
    "data-service=\"api\" data-state=\"service_disruption\"><td>Public API</td><td><span class=\"st service_disruption\">.*</span> since $(date -d "@$(( (NOW - 660) / 60 * 60 + 60 ))" '+%F %H:%M')"
t_match "browser: the disruption is listed as an incident" "$dom" \
    "<tr data-service=\"web\"><td>Web shop</td><td>$(day 3) 10:00:00</td><td>$(day 3) 10:10:00</td><td>10m 00s</td>"
t_match "browser: legend with text labels" "$dom" 'id="legend">.*Available.*Performance issues.*Service disruption.*Maintenance.*No data'
t_match "xss: the name is text" "$dom" '&lt;script&gt;alert\(1\)&lt;/script&gt;'
t_eq "xss: no script element in the DOM" "$(grep -c '<script' "$FX_DIR/dom.html" || true)" 0
fx_chrome --dump-dom "file://$www/status/index.ja.html" >"$FX_DIR/dom-ja.html"
t_match "browser ja: Japanese labels" "$(cat "$FX_DIR/dom-ja.html")" '一部のサービスで障害が発生しています.*正常稼働.*サービス障害'
t_match "browser: language switch without JavaScript" "$dom" '<a href="index.ja.html" hreflang="ja">'

fx_chrome --window-size=1000,900 --screenshot="$FX_DIR/shot.png" "file://$www/status/index.html" >/dev/null
printf '<!DOCTYPE html><html><body></body></html>' >"$FX_DIR/blank.html"
fx_chrome --window-size=1000,900 --screenshot="$FX_DIR/blank.png" "file://$FX_DIR/blank.html" >/dev/null
colours=$(python3 "$SP_SRC/tests/fixtures/pngcolors.py" "$FX_DIR/shot.png")
t_eq "screenshot: a blank page has one colour (the check can fail)" \
    "$(python3 "$SP_SRC/tests/fixtures/pngcolors.py" "$FX_DIR/blank.png")" 1
t_eq "screenshot: not blank ($colours colours)" "$([ "$colours" -gt 50 ] && echo yes)" yes

# --- status.json -------------------------------------------------------------
j=$www/status/status.json
t_eq "json: services" "$(jq -c '[.services[].id]' "$j")" '["web","api","xss"]'
t_eq "json: current states" "$(jq -c '[.services[].status]' "$j")" '["available","service_disruption","available"]'
t_eq "json: web day -3" "$(jq -r --arg d "$(day 3)" '.services[0].days[] | select(.date == $d) | "\(.status) \(.downtime_s)"' "$j")" "service_disruption 600"
t_eq "json: web day -5 degraded an hour" "$(jq -r --arg d "$(day 5)" '.services[0].days[] | select(.date == $d) | "\(.status) \(.degraded_s)"' "$j")" "performance_issues 3600"
t_eq "json: checks on day -1 (3 services x 1440)" "$(jq -r --arg d "$(day 1)" '.days[] | select(.date == $d) | .checks' "$j")" 4320
t_eq "json: the xss name as data" "$(jq -r '.services[2].name' "$j")" '<script>alert(1)</script>'

# --- rebuilt while read through nginx ----------------------------------------
status_conf() { # contrib's server block, on a port of ours, serving $www/status
    port=${FX__PORTS[0]}
    fx_nginx_conf "$FX_DIR/nginx-status" 256
    sed -e "s#listen 80;#listen 127.0.0.1:$port;#" -e "s#^\( *root \).*;#\1$www/status;#" \
        "$SP_SRC/contrib/nginx-status.conf"
    echo "}"
}
fx_nginx "$FX_DIR/nginx-status" 1 status_conf
(for _ in $(seq 25); do "$SLAPROBE" status-page -c "$FX_DIR/s.yaml" || echo "build failed" >>"$FX_DIR/regen.err"; done) &
regen=$!
fetches=0 partial=0
while kill -0 $regen 2>/dev/null && [ $fetches -lt 2000 ]; do
    code=$(curl -s -o "$FX_DIR/f.html" -w '%{http_code}' "http://127.0.0.1:$port/") || code=000
    fetches=$((fetches + 1))
    if [ "$code" != 200 ] || ! tail -c 8 "$FX_DIR/f.html" | grep -q '</html>' ||
        ! grep -q 'id="legend"' "$FX_DIR/f.html"; then partial=$((partial + 1)); fi
    code=$(curl -s -o "$FX_DIR/f.json" -w '%{http_code}' "http://127.0.0.1:$port/status.json") || code=000
    if [ "$code" != 200 ] || [ "$(jq '.services | length' "$FX_DIR/f.json" 2>/dev/null)" != 3 ]; then
        partial=$((partial + 1))
    fi
done
wait $regen || true
echo "# $fetches fetches of index.html and status.json during 25 rebuilds"
t_eq "regeneration: every build succeeded" "$(cat "$FX_DIR/regen.err" 2>/dev/null || true)" ""
t_eq "regeneration: enough reads overlapped the builds" "$([ $fetches -ge 10 ] && echo yes)" yes
t_eq "regeneration: never a partial page or a 404" "$partial" 0
t_eq "regeneration: old generations are pruned" "$(find "$www" -maxdepth 1 -name '.status.*' -type d | wc -l | tr -d ' ')" 2
t_match "nginx: json served as JSON" "$(curl -sI "http://127.0.0.1:$port/status.json")" 'Content-Type: application/json'

# --- the daemon keeps it current -------------------------------------------
before=$(readlink "$www/status")
sp_run "$FX_DIR/s.yaml" "$FX_DIR/daemon.log"
dpid=$SP_PID
# moved_on FROM: the page's link no longer points to generation FROM
moved_on() { [ "$(readlink "$www/status")" != "$1" ]; }
wait_until 10 moved_on "$before" || true # the check below says so
first=$(readlink "$www/status")
t_eq "daemon: published a new page" "$([ "$first" != "$before" ] && echo yes)" yes
wait_until 4.5 moved_on "$first" || true
t_eq "daemon: republished every 2 s" "$([ "$(readlink "$www/status")" != "$first" ] && echo yes)" yes
kill -TERM $dpid
wait $dpid || true
t_eq "daemon: no build failed" "$(grep -c 'status page not updated' "$FX_DIR/daemon.log" || true)" 0

t_done
