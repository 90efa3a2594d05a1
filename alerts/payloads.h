// The bodies Vigil's notifiers send, built from one AlertEvent: the generic webhook (SPEC §6),
// a Slack Block Kit message and an Alertmanager v2 alert list. Pure functions: no I/O, no
// clock, no global state; thread-safe. Every string in every body is valid UTF-8 (invalid
// input bytes become U+FFFD) and every time is RFC 3339 UTC to the second.
#pragma once

#include <optional>
#include <string>

#include "alerts/event.h"
#include "daemon/core/clock.h"

namespace vigil::alerts {

// The SPEC §6 JSON object, compact, keys in this order: type, id, timestamp, provider, state,
// previous_state, since, reasons [{check, kind, message}], fallback, recommended, instance,
// status_url, then impacted_by only when set. `since` is null when unknown (the epoch).
// These exact bytes are what SignStandardWebhook signs.
std::string WebhookBody(const AlertEvent& event);

// The event a WebhookBody() describes, for reading an event back from the outbox (times to the
// second; `title` is not in the body and stays empty). nullopt when the text is not such a body.
std::optional<AlertEvent> ParseWebhookBody(const std::string& body);

// A Slack incoming-webhook message: a top-level `text` (the notification fallback) and Block
// Kit blocks — a header (state emoji, title, state), a section of fields (state, since,
// recommended, fallback, impacted by), a section listing the reasons, a "status page" button
// (only for an http(s) status_url that fits Slack's 3000-character URL limit) and a context
// line (instance, event id). All user text is mrkdwn-escaped, made one line, and truncated
// with "…" so that CheckBlockKitLimits() finds nothing, whatever the input.
std::string SlackBody(const AlertEvent& event);

// The JSON array for Alertmanager's `POST /api/v2/alerts`. Alert identity is the label set
// {alertname, provider, severity, instance (omitted when empty)}:
//   state down     -> VigilProviderDown, severity critical
//   state degraded -> VigilProviderDegraded, severity warning
//   a test event   -> VigilTestAlert, severity info
// Every alert has startsAt = since (the event's timestamp when since is unknown).
// - The alert of the event's state (down, degraded, or the test alert) fires: down, degraded
//   and reminder events re-post it. Its endsAt is `ends_at` when given, else absent.
//   Alertmanager resolves an alert that is not re-sent within its resolve_timeout (5m by
//   default), so the caller either re-posts firing alerts or passes a future ends_at.
// - When the previous state was down or degraded and differs, its alert is sent resolved in
//   the same array (endsAt = since): degraded -> down does not leave the degraded alert firing.
// - An up event resolves the previous state's alert (both alerts when the previous state was
//   neither down nor degraded) with endsAt = ends_at when given, else since.
// endsAt is never earlier than startsAt (Alertmanager rejects that).
// Annotations, each left out when empty: summary, description (one "check: kind: message" line
// per reason), recommended, status_url, impacted_by. generatorURL is left out when empty.
std::string AlertmanagerBody(const AlertEvent& event, std::optional<core::WallTime> ends_at,
                             const std::string& generator_url);

}  // namespace vigil::alerts
