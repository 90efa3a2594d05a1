#!/usr/bin/env bash
# Writes vigil(1) from the binary's own help: help2man turns `vigil --help` into the page (the
# version from the first line of `vigil --version`), and every `vigil COMMAND --help` becomes a
# subsection of COMMANDS, so the man page can never disagree with --help.
#   scripts/man-page.sh PATH-TO-vigil OUTPUT.1
set -euo pipefail
vigil=$(realpath "${1:?usage: $0 PATH-TO-vigil OUTPUT.1}")
out=${2:?usage: $0 PATH-TO-vigil OUTPUT.1}
include=$(mktemp)
trap 'rm -f "$include"' EXIT
# roff: a backslash is \e, and a line may not start with a control character (. or ').
roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
{
  echo "[COMMANDS]"
  for cmd in $("$vigil" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
    echo ".SS vigil $cmd"
    echo ".nf"
    "$vigil" "$cmd" --help | roff
    echo ".fi"
  done
  cat <<'ROFF'
[FILES]
.TP
.I /etc/vigil/vigil.yaml
The service's configuration (a conffile of the package).
.TP
.I /var/lib/vigil/vigil.db
Every result, rollup, incident and queued alert (SQLite); the systemd unit's StateDirectory.
.TP
.I /usr/share/vigil/grafana/vigil.json
A Grafana dashboard over Vigil's metrics.
.TP
.I /usr/share/vigil/prometheus/vigil-rules.yml
Prometheus alerting rules for teams that page through Alertmanager.
[SEE ALSO]
.BR systemctl (1),
.BR journalctl (1),
and /usr/share/doc/vigil/README.md.gz for the full configuration reference.
ROFF
} > "$include"
# Only the first line of `vigil --version` is the version; the rest (build, libraries) is not
# for the page.
version=$("$vigil" --version | awk 'NR == 1 {print $2}')
help2man --no-info --no-discard-stderr --section=1 --version-string="$version" \
  --name="monitor for the third-party APIs a company depends on" \
  --include="$include" --output="$out" "$vigil"
