#!/usr/bin/env python3
"""Writes the Debian changelog of the package from CHANGELOG.md (Keep a Changelog): one entry per
released version, newest first, each bullet of the release as one `*` item."""
import email.utils
import re
import sys
import textwrap
from datetime import datetime, timezone

MAINTAINER = "Vigil maintainers <maintainers@vigil-monitor.org>"


def releases(text):
    """Yields (version, date, [bullet]) for every `## [X.Y.Z] - YYYY-MM-DD` section."""
    for m in re.finditer(r"^## \[(\d[^\]]*)\] - (\d{4}-\d{2}-\d{2})\n(.*?)(?=^## |^\[|\Z)", text, re.M | re.S):
        bullets, current = [], None
        for line in m.group(3).splitlines():
            if line.startswith("- "):
                current = [line[2:].strip()]
                bullets.append(current)
            elif current is not None and line.startswith("  ") and line.strip():
                current.append(line.strip())
            else:
                current = None
        yield m.group(1), m.group(2), [" ".join(b) for b in bullets]


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    out = []
    for version, day, bullets in releases(text):
        when = datetime.strptime(day, "%Y-%m-%d").replace(hour=12, tzinfo=timezone.utc)
        out.append(f"vigil ({version}) unstable; urgency=medium\n")
        for b in bullets or [f"Release {version}."]:
            b = b.replace("`", "")
            out.append(textwrap.fill(b, width=78, initial_indent="  * ", subsequent_indent="    "))
        out.append(f"\n -- {MAINTAINER}  {email.utils.format_datetime(when)}\n")
    if not out:
        sys.exit("debian-changelog: no released version in " + sys.argv[1])
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
