// Slack Block Kit limits for messages (https://docs.slack.dev/reference/block-kit), and a checker
// that finds every violation in a message. Slack rejects a message that breaks one of them
// ("invalid_blocks"), so an alert would be lost: SlackBody() respects them by construction and
// the tests run the checker on every generated message, hostile inputs included.
// Lengths are counted as SlackLength() counts them (UTF-16 code units). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vigil::alerts {

struct BlockKitLimits {
  static constexpr std::size_t kBlocks = 50;           // blocks per message
  static constexpr std::size_t kMessageText = 40000;   // top-level `text` (Slack truncates)
  static constexpr std::size_t kHeaderText = 150;      // header block, plain_text
  static constexpr std::size_t kSectionText = 3000;    // section block `text`
  static constexpr std::size_t kFields = 10;           // section block `fields`
  static constexpr std::size_t kFieldText = 2000;      // each field
  static constexpr std::size_t kContextElements = 10;  // context block `elements`
  static constexpr std::size_t kTextObject = 3000;     // any other text object
  static constexpr std::size_t kActionsElements = 25;  // actions block `elements`
  static constexpr std::size_t kButtonText = 75;
  static constexpr std::size_t kButtonUrl = 3000;
  static constexpr std::size_t kButtonValue = 2000;
  static constexpr std::size_t kActionId = 255;
  static constexpr std::size_t kBlockId = 255;
};

// Every limit the message breaks, one line each naming the JSON path, e.g.
// "blocks[1].fields[3].text: 2104 characters, limit 2000". Also reported: text that is not
// valid JSON or not valid UTF-8, a missing top-level `text`, empty or mistyped text objects,
// a section with neither text nor fields, and block types this checker does not know.
// An empty result means the message is within every limit checked.
std::vector<std::string> CheckBlockKitLimits(const std::string& slack_json);

}  // namespace vigil::alerts
