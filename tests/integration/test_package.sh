#!/usr/bin/env bash
# The Debian package (debian/): one `dpkg-buildpackage -b -us -uc` of a copy
# of this tree (its tracked and new files, as a clean clone would have them;
# nocheck: the unit tests run on their own, parallel=2), then:
#  - the .deb holds the program, the conffile /etc/slaprobe/slaprobe.yaml,
#    the systemd unit naming the installed program, both man pages, bash
#    completion and the documentation;
#  - its dependencies come from shlibs (the libraries the program links);
#  - lintian reports no error (E:) on it;
#  - extracted with dpkg -x, the packaged program prints the project's
#    version and config-check passes on the packaged configuration as
#    shipped, with no secret in the environment;
#  - in an overlay of / inside a mount namespace of its own (the host is not
#    touched; skipped where that is not allowed): dpkg -i, --version,
#    config-check -c /etc/slaprobe/slaprobe.yaml, systemd-analyze verify of
#    the installed unit, the service left disabled, and dpkg -P leaving
#    nothing of slaprobe but dpkg's records and man-db's cache.
# Slow (a whole build): ctest label `package`. Exit 77 (skipped) without
# dpkg-buildpackage, debhelper or lintian (scripts/setup.sh --test).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"

for tool in dpkg-buildpackage dh lintian fakeroot; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIPPED: $tool is not installed; scripts/setup.sh --test installs it"
        exit 77
    fi
done
fx_init
proj=$(sed -n 's/^project(slaprobe VERSION \([0-9.]*\).*/\1/p' "$SP_SRC/CMakeLists.txt")

echo "# dpkg-buildpackage -b -us -uc"
mkdir "$FX_DIR/src"
(cd "$SP_SRC" && git ls-files -co --exclude-standard -z |
    grep -zv -e '^build' -e '^obj-' -e '^debian/slaprobe/' -e '^debian/\.debhelper/' |
    tar --null -cf - -T -) | tar -xf - -C "$FX_DIR/src"
start=$(date +%s)
rc=0
(cd "$FX_DIR/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -b -us -uc >"$FX_DIR/build.log" 2>&1) || rc=$?
t_eq "dpkg-buildpackage exit" "$rc" 0
[ "$rc" -eq 0 ] || tail -40 "$FX_DIR/build.log"
echo "  built in $(($(date +%s) - start)) s"
deb=$(ls "$FX_DIR"/slaprobe_"$proj"_*.deb 2>/dev/null | head -1 || true)
t_match "the .deb" "$(basename "${deb:-none}")" "^slaprobe_${proj}_[a-z0-9]+\.deb$"
[ -n "$deb" ] || { t_done; exit 1; }

echo "# contents"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$FX_DIR/files"
for f in /usr/bin/slaprobe /etc/slaprobe/slaprobe.yaml /lib/systemd/system/slaprobe.service \
    /usr/share/man/man1/slaprobe.1.gz /usr/share/man/man5/slaprobe.yaml.5.gz \
    /usr/share/bash-completion/completions/slaprobe /usr/share/doc/slaprobe/README.md \
    /usr/share/doc/slaprobe/copyright /usr/share/doc/slaprobe/docs/CONFIGURATION.md \
    /usr/share/doc/slaprobe/docs/MEASUREMENTS.md /usr/share/doc/slaprobe/docs/SLA.md \
    /usr/share/doc/slaprobe/docs/REASONS.md /usr/share/doc/slaprobe/examples/nginx-status.conf; do
    t_eq "the .deb holds $f" "$(grep -cx "$f" "$FX_DIR/files")" 1
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles >"$FX_DIR/conffiles" 2>/dev/null || true
t_eq "/etc/slaprobe/slaprobe.yaml is a conffile" \
    "$(grep -cx /etc/slaprobe/slaprobe.yaml "$FX_DIR/conffiles")" 1
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libcurl4 libuv1 libc-ares2 librrd8 libssl3 libjansson4 libcyaml1 libarchive13; do
    t_match "Depends names $lib (shlibs)" "$depends" "(^|, )$lib( |,|$)"
done
# The unit's ExecReload= runs /bin/kill, which is procps', not Essential.
t_match "Depends names procps (the unit's /bin/kill)" "$depends" "(^|, )procps( |,|$)"
t_eq "Version" "$(dpkg-deb -f "$deb" Version)" "$proj"

echo "# lintian"
lintian --info "$deb" >"$FX_DIR/lintian" 2>&1 || true
grep -v 'running with root privileges' "$FX_DIR/lintian" | sed 's/^/  /' || true
t_eq "lintian errors" "$(grep '^E:' "$FX_DIR/lintian" || true)" ""

echo "# the packaged program and configuration"
dpkg -x "$deb" "$FX_DIR/root"
bin=$FX_DIR/root/usr/bin/slaprobe
t_eq "packaged slaprobe --version" "$("$bin" --version)" "slaprobe $proj"
rc=0
env -i PATH=/usr/bin:/bin "$bin" config-check -c "$FX_DIR/root/etc/slaprobe/slaprobe.yaml" \
    >"$FX_DIR/cc.out" 2>&1 || rc=$?
t_eq "config-check of the shipped /etc/slaprobe/slaprobe.yaml, no secrets set" "$rc" 0
[ "$rc" -eq 0 ] || cat "$FX_DIR/cc.out"
t_match "its storage is under /var/lib/slaprobe" "$(cat "$FX_DIR/cc.out")" \
    $'storage:\n  dir: "/var/lib/slaprobe"'
unit=$FX_DIR/root/lib/systemd/system/slaprobe.service
t_eq "the unit runs the packaged program" \
    "$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unit")" /usr/bin/slaprobe
t_eq "no /usr/local left in the unit" "$(grep -c /usr/local "$unit" || true)" 0
t_match "the unit's documentation is the man page" "$(grep '^Documentation=' "$unit")" \
    'man:slaprobe\(1\)'
# The packaged unit is the repository's with the program's path changed:
# as locked down (test_unit_security checks the repository's in depth).
if command -v systemd-analyze >/dev/null &&
    systemd-analyze security --offline=true "$unit" >/dev/null 2>&1; then
    rc=0
    systemd-analyze security --offline=true --threshold=20 "$unit" >/dev/null 2>&1 || rc=$?
    t_eq "packaged unit: exposure at most 2.0" "$rc" 0
else
    echo "  (no systemd-analyze with --offline: exposure not checked)"
fi

echo "# dpkg -i and dpkg -P, in a throwaway copy of this system"
# An overlay of / in a mount namespace of our own: the install, its
# maintainer scripts and the purge write only into the overlay's upper
# directory (in FX_DIR); the host's dpkg database and files are untouched.
# Skipped where unshare or an overlay mount is not allowed.
ov=$FX_DIR/ov
mkdir -p "$ov/upper" "$ov/work" "$ov/root" "$FX_DIR/x"
cp "$deb" "$FX_DIR/x/slaprobe.deb"
cat >"$FX_DIR/inroot.sh" <<'SCRIPT'
set -eu
ov=$1 x=$2
mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" "$ov/root"
mount -t proc proc "$ov/root/proc"
mount --rbind /dev "$ov/root/dev"
mkdir -p "$ov/root/sp-x"
mount --bind "$x" "$ov/root/sp-x"
echo mounted
inroot() { chroot "$ov/root" "$@"; }
rc=0; inroot dpkg -i /sp-x/slaprobe.deb >"$x/dpkg-i.log" 2>&1 || rc=$?
echo "dpkg -i: $rc"
echo "version: $(inroot slaprobe --version 2>&1 || true)"
rc=0
inroot env -i PATH=/usr/bin:/bin slaprobe config-check -c /etc/slaprobe/slaprobe.yaml >/dev/null 2>&1 ||
    rc=$?
echo "config-check: $rc"
rc=0; inroot systemd-analyze verify /lib/systemd/system/slaprobe.service >"$x/verify.log" 2>&1 || rc=$?
echo "verify: $rc"
echo "enabled: $(inroot systemctl is-enabled slaprobe.service 2>/dev/null || true)"
rc=0; inroot dpkg -P slaprobe >"$x/dpkg-p.log" 2>&1 || rc=$?
echo "dpkg -P: $rc"
echo "status: $(inroot dpkg-query -W -f='${db:Status-Status}' slaprobe 2>/dev/null || echo gone)"
SCRIPT
# Once the overlay is mounted, every step must work; before, nothing has
# happened and the section is skipped.
if command -v unshare >/dev/null; then
    unshare --mount --fork bash "$FX_DIR/inroot.sh" "$ov" "$FX_DIR/x" >"$FX_DIR/inroot.out" 2>&1 || true
fi
if grep -qx mounted "$FX_DIR/inroot.out" 2>/dev/null; then
    t_eq "the steps in the overlay ran to the end" "$(tail -1 "$FX_DIR/inroot.out" | cut -d: -f1)" status
    r() { sed -n "s/^$1: //p" "$FX_DIR/inroot.out"; }
    t_eq "dpkg -i exit" "$(r 'dpkg -i')" 0
    [ "$(r 'dpkg -i')" = 0 ] || cat "$FX_DIR/x/dpkg-i.log"
    t_eq "installed slaprobe --version" "$(r version)" "slaprobe $proj"
    t_eq "installed: config-check -c /etc/slaprobe/slaprobe.yaml exit" "$(r config-check)" 0
    t_eq "systemd-analyze verify of the installed unit" "$(r verify)" 0
    [ "$(r verify)" = 0 ] || cat "$FX_DIR/x/verify.log"
    t_eq "the service is installed disabled" "$(r enabled)" disabled
    t_eq "dpkg -P exit" "$(r 'dpkg -P')" 0
    t_eq "after the purge, dpkg knows no slaprobe" "$(r status)" gone
    # What the install and the purge left: nothing of slaprobe but dpkg's
    # own records and log and man-db's cache of the pages.
    left=$(cd "$ov/upper" && find . -iname '*slaprobe*' | grep -v -e '^\./var/lib/dpkg/' \
        -e '^\./var/log/' -e '^\./var/cache/man/' -e '^\./sp-x' || true)
    t_eq "files of slaprobe left after dpkg -P" "$left" ""
else
    echo "  (no mount namespace with an overlay of / here: dpkg -i and -P not tried)"
    head -5 "$FX_DIR/inroot.out" 2>/dev/null | sed 's/^/  /' || true
fi
t_done
