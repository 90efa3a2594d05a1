// SlackBody(): the Block Kit message for one alert event (declared in payloads.h). Every piece
// of user text goes through Mrkdwn() or Plain(), which make it valid UTF-8, one line, escaped
// where Slack parses markup, and short enough for the block it lands in.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>

#include "alerts/block_kit_limits.h"
#include "alerts/payload_text.h"
#include "alerts/payloads.h"
#include "probes/result_json.h"

namespace vigil::alerts {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using L = BlockKitLimits;

constexpr std::size_t kFallbackText = 1000;  // a notification preview, well under kMessageText
constexpr std::size_t kNameMax = 100;        // provider, check and instance names
constexpr std::size_t kTitleMax = 80;        // in the headline, so the state still fits
constexpr std::size_t kImpactedMax = 40;     // in the headline
constexpr std::size_t kReasonMax = 500;      // one reason's message in the list
constexpr std::size_t kMoreReserve = 40;     // room for "\n…and N more"

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

// User text for a plain_text field (Slack shows it verbatim: no escaping): valid UTF-8, one
// line, no bidi overrides (which would reorder the rest of the line), at most `max` long.
std::string Plain(std::string_view s, std::size_t max) {
  return TruncateForSlack(WithoutBidiControls(OneLine(ValidUtf8(s))), max);
}
// User text for a mrkdwn field: as Plain(), and escaped.
std::string Mrkdwn(std::string_view s, std::size_t max) {
  return TruncateEscaped(EscapeMrkdwn(WithoutBidiControls(OneLine(ValidUtf8(s)))), max);
}

Object::Ptr Text(const char* type, const std::string& text) {
  Object::Ptr o = NewObject();
  o->set("type", type);
  o->set("text", text);
  if (std::string_view(type) == "plain_text") o->set("emoji", true);
  return o;
}

const char* StateEmoji(HealthState s) {
  switch (s) {
    case HealthState::kDown:
      return "\xF0\x9F\x94\xB4";  // red circle
    case HealthState::kDegraded:
      return "\xF0\x9F\x9F\xA0";  // orange circle
    case HealthState::kUp:
      return "\xE2\x9C\x85";  // check mark
    case HealthState::kMaintenance:
      return "\xF0\x9F\x94\xA7";  // wrench
    default:
      return "\xE2\x9A\xAA";  // white circle
  }
}

const std::string& DisplayName(const AlertEvent& e) {
  return e.title.empty() ? e.provider : e.title;
}

// "🔴 Stripe is down", "🔴 Stripe is still down", "🧪 Test alert from Vigil". Plain text, not
// escaped; the names in it are cut short so that the state always shows.
std::string Headline(const AlertEvent& e) {
  if (e.type == EventType::kTest) return "\xF0\x9F\xA7\xAA Test alert from Vigil";
  if (e.type == EventType::kAttention && e.attention) {
    // "⚠️ Stripe needs attention: deprecation" / "✅ Stripe: deprecation resolved"
    const std::string kind = probes::FindingKindName(e.attention->kind);
    return e.resolved ? "\xE2\x9C\x85 " + Plain(DisplayName(e), kTitleMax) + ": " + kind + " resolved"
                      : "\xE2\x9A\xA0\xEF\xB8\x8F " + Plain(DisplayName(e), kTitleMax) + " needs attention: " + kind;
  }
  std::string s =
      std::string(StateEmoji(e.state)) + " " + Plain(DisplayName(e), kTitleMax) + " is ";
  if (e.type == EventType::kReminder) s += "still ";
  s += HealthStateName(e.state);
  if (!e.impacted_by.empty()) s += " (impacted by " + Plain(e.impacted_by, kImpactedMax) + ")";
  return s;
}

std::string SlackDate(core::WallTime t) {
  if (t == core::WallTime{}) return "unknown";
  return "<!date^" + std::to_string(ToUnixSeconds(t)) + "^{date_short_pretty} {time}|" +
         FormatRfc3339Seconds(t) + ">";
}

Object::Ptr Field(const std::string& label, const std::string& escaped_value) {
  return Text("mrkdwn", "*" + label + "*\n" + TruncateEscaped(escaped_value, L::kFieldText - 40));
}

std::string JoinedNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += Mrkdwn(n, kNameMax);
  }
  return out;
}

Object::Ptr FieldsBlock(const AlertEvent& e) {
  Array::Ptr fields = new Array;
  fields->add(Field("State", std::string(HealthStateName(e.state)) + " (was " +
                                 HealthStateName(e.previous_state) + ")"));
  fields->add(Field("Since", SlackDate(e.since)));
  if (!e.recommended.empty()) fields->add(Field("Recommended", Mrkdwn(e.recommended, kNameMax)));
  if (!e.fallback.empty()) fields->add(Field("Fallback", JoinedNames(e.fallback)));
  if (!e.impacted_by.empty()) fields->add(Field("Impacted by", Mrkdwn(e.impacted_by, kNameMax)));
  fields->add(Field("Provider", Mrkdwn(e.provider, kNameMax)));
  Object::Ptr block = NewObject();
  block->set("type", "section");
  block->set("fields", fields);
  return block;
}

// "*Reasons*" and one "• *check* · kind: message" line per reason, as many as fit.
Object::Ptr ReasonsBlock(const AlertEvent& e) {
  std::string text = "*Reasons*";
  std::size_t shown = 0;
  for (const auto& r : e.reasons) {
    const std::string line = "\n\xE2\x80\xA2 *" + Mrkdwn(r.check, kNameMax) + "* \xC2\xB7 " +
                             probes::FindingKindName(r.kind) + ": " + Mrkdwn(r.message, kReasonMax);
    if (SlackLength(text) + SlackLength(line) > L::kSectionText - kMoreReserve) break;
    text += line;
    ++shown;
  }
  if (shown < e.reasons.size()) {
    text +=
        "\n\xE2\x80\xA6"
        "and " +
        std::to_string(e.reasons.size() - shown) + " more";
  }
  Object::Ptr block = NewObject();
  block->set("type", "section");
  block->set("text", Text("mrkdwn", text));
  return block;
}

// A link button to the status page; null when the URL would be rejected or useless truncated.
Object::Ptr ButtonBlock(const AlertEvent& e) {
  const std::string& url = e.status_url;
  const bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  if (!http || ValidUtf8(OneLine(url)) != url || url.find(' ') != std::string::npos ||
      SlackLength(url) > L::kButtonUrl) {
    return nullptr;
  }
  Object::Ptr button = NewObject();
  button->set("type", "button");
  button->set("text", Text("plain_text", "Open status page"));
  button->set("url", url);
  button->set("action_id", "vigil_status_page");
  Array::Ptr elements = new Array;
  elements->add(button);
  Object::Ptr block = NewObject();
  block->set("type", "actions");
  block->set("elements", elements);
  return block;
}

Object::Ptr ContextBlock(const AlertEvent& e) {
  std::string text = "Vigil";
  if (!e.instance.empty()) text += " \xC2\xB7 instance *" + Mrkdwn(e.instance, kNameMax) + "*";
  if (!e.id.empty()) text += " \xC2\xB7 event " + Mrkdwn(e.id, kNameMax);
  Array::Ptr elements = new Array;
  elements->add(Text("mrkdwn", text));
  Object::Ptr block = NewObject();
  block->set("type", "context");
  block->set("elements", elements);
  return block;
}

Object::Ptr TextBlock(const std::string& type, const std::string& text) {
  Object::Ptr block = NewObject();
  block->set("type", type);
  block->set("text", Text(type == "header" ? "plain_text" : "mrkdwn", text));
  return block;
}

// What the provider answered, once per failing check: "*check* answered HTTP 503:" and the
// redacted start of the body as a code block. At most kMaxExcerptBlocks, each within a section.
void AddExcerptBlocks(const AlertEvent& e, Array::Ptr& blocks) {
  constexpr std::size_t kMaxExcerptBlocks = 3;
  std::size_t added = 0;
  for (std::size_t i = 0; i < e.reasons.size() && added < kMaxExcerptBlocks; ++i) {
    const Reason& r = e.reasons[i];
    if (r.excerpt.empty() || (i > 0 && e.reasons[i - 1].check == r.check)) continue;
    std::string excerpt = ValidUtf8(r.excerpt);
    std::replace(excerpt.begin(), excerpt.end(), '`', '\'');  // would end the code block
    const std::string head = "*" + Mrkdwn(r.check, kNameMax) + "* answered" +
                             (r.status_code != 0 ? " HTTP " + std::to_string(r.status_code) : std::string()) + ":\n";
    const std::size_t room = L::kSectionText - SlackLength(head) - 8;
    blocks->add(TextBlock("section", head + "```" + TruncateEscaped(EscapeMrkdwn(WithoutBidiControls(excerpt)), room) + "```"));
    ++added;
  }
}

// The notification text: headline, what to use instead, and the first reason.
std::string FallbackText(const AlertEvent& e) {
  std::string text = Headline(e);
  if (!e.recommended.empty() && e.recommended != e.provider) text += ". Use " + e.recommended;
  if (!e.reasons.empty()) {
    const Reason& r = e.reasons.front();
    text += ". " + r.check + ": " + probes::FindingKindName(r.kind) + ": " + r.message;
  }
  return Mrkdwn(text, kFallbackText);
}

}  // namespace

std::string SlackBody(const AlertEvent& event) {
  Array::Ptr blocks = new Array;
  blocks->add(TextBlock("header", Plain(Headline(event), L::kHeaderText)));
  if (event.type == EventType::kTest) {
    blocks->add(TextBlock("section",
                          "This is a test alert sent with `vigil notify-test` to check this "
                          "notifier. No provider changed state."));
  }
  if (!event.provider.empty()) blocks->add(FieldsBlock(event));
  if (event.attention) {
    blocks->add(TextBlock("section", "*" + Mrkdwn(event.attention->check, kNameMax) + "* \xC2\xB7 " +
                                         probes::FindingKindName(event.attention->kind) + ": " +
                                         Mrkdwn(event.attention->message, kReasonMax) +
                                         (event.resolved ? " (no longer reported)"
                                          : event.attention->due
                                              ? " (due " + core::FormatRfc3339(*event.attention->due) + ")"
                                              : "")));
  }
  if (!event.reasons.empty()) blocks->add(ReasonsBlock(event));
  AddExcerptBlocks(event, blocks);
  if (Object::Ptr button = ButtonBlock(event)) blocks->add(button);
  blocks->add(ContextBlock(event));
  Object::Ptr message = NewObject();
  message->set("text", FallbackText(event));
  message->set("blocks", blocks);
  return probes::ToJsonText(message);
}

}  // namespace vigil::alerts
