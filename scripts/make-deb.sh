#!/usr/bin/env bash
# `make deb`: builds Vigil and packages it as dist/vigil_VERSION_ARCH.deb, installing whatever
# packaging tools are missing first. The files come from CMake's install rules
# (packaging/CMakeLists.txt); Depends from dpkg-shlibdeps on the binary; the version from
# CMakeLists.txt's project() as `vigil --version` prints it, which CHANGELOG.md must have a
# section for. Maintainer scripts and the copyright file are in packaging/deb/.
#   scripts/make-deb.sh [OUTPUT-DIR]        (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
out=$(realpath -m "${1:-dist}")
build=$(realpath -m "${BUILD_DIR:-build}")
scripts/install-deps.sh --deb
# The prefix is fixed at configure time (it places /etc/vigil); with the build up to date this
# builds nothing.
BUILD_DIR=$build CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_INSTALL_PREFIX=/usr" \
  scripts/build.sh --build-deps-only vigil vigil_man
vigil=$build/daemon/vigil
version=$("$vigil" --version | awk 'NR == 1 {print $2}')
arch=$(dpkg --print-architecture)
grep -q "^## \[$version\]" CHANGELOG.md || { echo "make-deb: CHANGELOG.md has no section for $version" >&2; exit 1; }
# Reproducible: file times and the man page's date come from the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/debian/vigil            # where dpkg-shlibdeps expects the package's files
umask 022
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
doc=$root/usr/share/doc/vigil
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/vigil"
gzip -9n "$root/usr/share/man/man1/vigil.1" "$doc/README.md" "$doc/CHANGELOG.md"
install -m 644 packaging/deb/copyright "$doc/copyright"
python3 scripts/debian-changelog.py CHANGELOG.md | gzip -9n > "$doc/changelog.gz"

mkdir -p "$root/DEBIAN"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
(cd "$root" && find etc -type f | sed 's#^#/#' | sort) > "$root/DEBIAN/conffiles"
printf 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -edebian/vigil/usr/bin/vigil | sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: vigil
Version: $version
Architecture: $arch
Maintainer: Vigil maintainers <maintainers@vigil-monitor.org>
Installed-Size: $size
Depends: $depends
Recommends: ca-certificates
Suggests: prometheus, prometheus-alertmanager
Section: net
Priority: optional
Homepage: https://github.com/vigil-monitor/vigil
Description: monitor for the third-party APIs a company depends on
 Vigil runs synthetic probes against every API provider a company calls
 (payments, identity, email, LLMs, maps) on a schedule and checks auth
 validity, response schema, latency and remaining quota. It stores every
 result in SQLite, serves a status page, a JSON API and Prometheus metrics,
 and sends Slack, webhook and Alertmanager alerts so that dependent services
 can switch to a fallback provider in time.
 .
 This package installs the hardened systemd service vigil.service without
 enabling it, a configuration in /etc/vigil, a Grafana dashboard and
 Prometheus alert rules in /usr/share/vigil.
CONTROL
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$out"
deb=$out/vigil_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
