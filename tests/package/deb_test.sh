#!/usr/bin/env bash
# The Debian package as a user gets it: builds it with `scripts/make-deb.sh` from the binary this
# build made, then checks what `make deb` promises (README "Install from the package"):
#   - lintian reports no errors; dpkg-deb -c lists every file; apt-get resolves its Depends;
#   - the extracted vigil runs `check-config` on the packaged conffile, and the packaged unit
#     passes `systemd-analyze verify` and `security` <= 2.0 with its paths in the temp root;
#   - the maintainer scripts enable and start nothing, restart only on upgrade, keep the state
#     on remove and delete it on purge (run for real, with /run, /var/lib and /etc/systemd on
#     private tmpfs mounts and recording systemctl and deb-systemd-invoke, so the host is untouched);
#   - the man page and the bash completion know every command and option of --help.
# Usage: tests/package/deb_test.sh BUILD-DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:?usage: $0 BUILD-DIR}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "make-deb"
deb=$(BUILD_DIR=$build "$here/scripts/make-deb.sh" "$tmp/dist" | tail -1)
[[ -f "$deb" ]] || fail "make-deb printed no package: $deb"
version=$("$build/daemon/vigil" --version | awk 'NR == 1 {print $2}')
[[ "$(basename "$deb")" == "vigil_${version}_$(dpkg --print-architecture).deb" ]] || fail "name $(basename "$deb")"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "package version is not vigil --version ($version)"

step "contents"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' > "$tmp/files"
for f in /usr/bin/vigil /usr/lib/systemd/system/vigil.service /etc/vigil/vigil.yaml \
         /usr/share/vigil/grafana/vigil.json /usr/share/vigil/prometheus/vigil-rules.yml \
         /usr/share/man/man1/vigil.1.gz /usr/share/bash-completion/completions/vigil \
         /usr/share/doc/vigil/copyright /usr/share/doc/vigil/changelog.gz \
         /usr/share/doc/vigil/README.md.gz /usr/share/doc/vigil/CHANGELOG.md.gz; do
  grep -qx "$f" "$tmp/files" || fail "package lacks $f"
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/vigil/vigil.yaml || fail "/etc/vigil/vigil.yaml is not a conffile"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libpoconet80 libpoconetssl80 libssl3 libsqlite3-0 libyaml-cpp0.7 libprometheus-cpp-core1.0; do
  [[ "$depends" == *"$lib "* || "$depends" == *"$lib," || "$depends" == *"$lib" ]] || fail "Depends lacks $lib: $depends"
done
if dpkg-deb -c "$deb" | awk '{print $2}' | grep -v '^root/root$'; then fail "files not owned by root"; fi

step "lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" | tee "$tmp/lintian" || fail "lintian reports errors"
echo "lintian: $(grep -c '^E:' "$tmp/lintian" || true) errors, $(grep -c '^W:' "$tmp/lintian" || true) warnings"

step "apt-get install --simulate"
apt-get install --simulate "$deb" > "$tmp/apt" 2>&1 || { cat "$tmp/apt"; fail "apt-get cannot resolve the package"; }
grep -q "^Inst vigil " "$tmp/apt" || { cat "$tmp/apt"; fail "apt-get would not install vigil"; }

step "extracted binary, conffile and unit"
root=$tmp/root
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/vigil" check-config "$root/etc/vigil/vigil.yaml"
"$here/scripts/check-systemd-unit.sh" "$root/usr/bin/vigil" "$root/usr/lib/systemd/system/vigil.service" "$root/etc/vigil"
grep -q "^WantedBy=multi-user.target" "$root/usr/lib/systemd/system/vigil.service" || fail "unit has no [Install]"

step "man page and bash completion cover --help"
vigil=$root/usr/bin/vigil
commands=$("$vigil" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
[[ $(wc -w <<< "$commands") -ge 8 ]] || fail "could not read the commands from --help"
zcat "$root/usr/share/man/man1/vigil.1.gz" > "$tmp/vigil.1"
completion=$root/usr/share/bash-completion/completions/vigil
for cmd in $commands; do
  grep -q "^\.SS vigil $cmd\$" "$tmp/vigil.1" || fail "man page lacks command $cmd"
  grep -q "\b$cmd\b" "$completion" || fail "completion lacks command $cmd"
  for opt in $("$vigil" "$cmd" --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    grep -qE "^ +$cmd\).*$opt\b" "$completion" || fail "completion of $cmd lacks $opt"
  done
done
bash -c "shopt -s extglob; source '$completion'; COMP_WORDS=(vigil run --log-level w); COMP_CWORD=3; _vigil; [[ \${COMPREPLY[*]} == warn ]]" \
  || fail "completion does not complete --log-level values"

step "maintainer scripts"
if [[ $(id -u) -ne 0 ]] || ! unshare -m true 2>/dev/null; then
  echo "SKIP: the maintainer-script checks need root and mount namespaces"; exit 77
fi
ctl=$tmp/control
dpkg-deb -e "$deb" "$ctl"
mkdir -p "$tmp/bin"
for tool in systemctl deb-systemd-invoke deb-systemd-helper; do
  printf '#!/bin/sh\necho "%s $*" >> "%s"\n' "$tool" "$tmp/systemctl.log" > "$tmp/bin/$tool"
  chmod +x "$tmp/bin/$tool"
done
# Inside a private mount namespace: systemd appears to run (/run/systemd/system), the state
# directory holds a database, and the service was enabled by the administrator.
unshare -m env PATH="$tmp/bin:$PATH" CTL="$ctl" LOG="$tmp/systemctl.log" bash -euo pipefail -c '
  mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system
  mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/private/vigil && ln -s private/vigil /var/lib/vigil
  echo results > /var/lib/private/vigil/vigil.db
  mkdir -p /etc/systemd/system && mount -t tmpfs tmpfs /etc/systemd/system
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -s /usr/lib/systemd/system/vigil.service /etc/systemd/system/multi-user.target.wants/vigil.service
  expect() { got=$(cat "$LOG" 2>/dev/null || true); rm -f "$LOG"
             [[ "$got" == "$1" ]] || { echo "FAIL: $2: systemctl calls [$got], expected [$1]" >&2; exit 1; }; }
  "$CTL/postinst" configure;         expect "systemctl --system daemon-reload" "fresh install"
  "$CTL/postinst" configure 0.0.9;   expect "systemctl --system daemon-reload
deb-systemd-invoke try-restart vigil.service" "upgrade"
  "$CTL/prerm" upgrade 0.1.1;        expect "" "prerm upgrade"
  "$CTL/prerm" remove;               expect "deb-systemd-invoke stop vigil.service" "prerm remove"
  "$CTL/postrm" remove;              expect "systemctl --system daemon-reload" "postrm remove"
  [[ -f /var/lib/vigil/vigil.db ]] || { echo "FAIL: remove deleted the state" >&2; exit 1; }
  [[ -L /etc/systemd/system/multi-user.target.wants/vigil.service ]] || { echo "FAIL: remove disabled" >&2; exit 1; }
  "$CTL/postrm" purge;               expect "systemctl --system daemon-reload" "postrm purge"
  [[ ! -e /var/lib/vigil && ! -e /var/lib/private/vigil ]] || { echo "FAIL: purge kept the state" >&2; exit 1; }
  [[ ! -L /etc/systemd/system/multi-user.target.wants/vigil.service ]] || { echo "FAIL: purge kept the enablement" >&2; exit 1; }
  # Without systemd running (a container, a chroot) the scripts call nothing and still succeed.
  umount /run
  "$CTL/postinst" configure && "$CTL/prerm" remove && "$CTL/postrm" remove; expect "" "no systemd"
  echo "maintainer scripts: ok"
'
echo "PASS: $(basename "$deb")"
