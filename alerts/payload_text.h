// Text rules shared by the alert payload builders: every string a receiver sees is valid UTF-8,
// times are RFC 3339 UTC to the second, and Slack text is measured, escaped and cut the way
// Slack's Block Kit limits need. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "daemon/core/clock.h"

namespace vigil::alerts {

// "2026-11-24T10:00:00Z": RFC 3339, UTC, whole seconds (rounded down), as in SPEC §6.
std::string FormatRfc3339Seconds(core::WallTime t);
int64_t ToUnixSeconds(core::WallTime t);  // rounded down, also before 1970

// `s` with every byte sequence that is not valid UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF, no cut-off sequence) replaced by U+FFFD.
std::string ValidUtf8(std::string_view s);
// Control characters (C0, DEL) become spaces, so text fits on one line.
std::string OneLine(std::string_view s);
// Drops the bidi embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069),
// which would visually reorder the text after them ("Trojan Source"). REQUIRES: valid UTF-8.
std::string WithoutBidiControls(std::string_view s);

// Length as Slack counts it against its limits. We count UTF-16 code units, which is never less
// than the number of code points, so a text within a limit by this count is within it whichever
// of the two Slack uses. REQUIRES: `s` is valid UTF-8.
std::size_t SlackLength(std::string_view s);
// `s` cut to at most `max` (SlackLength) with "…" as the last character when anything was cut;
// never splits a UTF-8 sequence. REQUIRES: valid UTF-8, max >= 1.
std::string TruncateForSlack(std::string_view s, std::size_t max);
// Slack mrkdwn escaping: & < > become &amp; &lt; &gt; (the only characters Slack requires to be
// escaped; it also makes "<!channel>" and "<@U123>" inert).
std::string EscapeMrkdwn(std::string_view s);
// TruncateForSlack for escaped text: never cuts an &amp; / &lt; / &gt; entity in half.
std::string TruncateEscaped(std::string_view escaped, std::size_t max);

}  // namespace vigil::alerts
