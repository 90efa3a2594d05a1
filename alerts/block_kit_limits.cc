#include "alerts/block_kit_limits.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "alerts/payload_text.h"

namespace vigil::alerts {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using L = BlockKitLimits;

// Collects violations while walking one message.
class Checker {
 public:
  std::vector<std::string> Check(const Object& message);

 private:
  void Add(const std::string& path, const std::string& problem) {
    problems_.push_back(path + ": " + problem);
  }
  void Length(const std::string& path, const std::string& text, std::size_t limit);
  void OptionalLength(const std::string& path, const Object& o, const char* key, std::size_t limit);
  // A text object {"type": "plain_text"|"mrkdwn", "text"}; `plain_only` for headers, buttons.
  void TextObject(const std::string& path, Object::Ptr text, std::size_t limit, bool plain_only);
  // The array at o[key] (an error when missing or empty), or null.
  Array::Ptr Elements(const std::string& path, const Object& o, const char* key, std::size_t max);
  void Block(const std::string& path, const Object& block);
  void Section(const std::string& path, const Object& block);
  void Context(const std::string& path, const Object& block);
  void Actions(const std::string& path, const Object& block);
  void Button(const std::string& path, const Object& button);

  std::vector<std::string> problems_;
};

void Checker::Length(const std::string& path, const std::string& text, std::size_t limit) {
  const std::size_t n = SlackLength(text);
  if (n > limit) {
    Add(path, std::to_string(n) + " characters, limit " + std::to_string(limit));
  }
}

void Checker::OptionalLength(const std::string& path, const Object& o, const char* key,
                             std::size_t limit) {
  if (o.has(key)) Length(path + "." + key, o.optValue<std::string>(key, ""), limit);
}

void Checker::TextObject(const std::string& path, Object::Ptr text, std::size_t limit,
                         bool plain_only) {
  if (text.isNull()) return Add(path, "missing text object");
  const std::string type = text->optValue<std::string>("type", "");
  if (type != "plain_text" && (plain_only || type != "mrkdwn")) {
    Add(path + ".type", "\"" + type + "\" is not " + (plain_only ? "plain_text" : "a text type"));
  }
  const std::string value = text->optValue<std::string>("text", "");
  if (value.empty()) return Add(path + ".text", "empty (Slack needs at least 1 character)");
  Length(path + ".text", value, limit);
}

Array::Ptr Checker::Elements(const std::string& path, const Object& o, const char* key,
                             std::size_t max) {
  Array::Ptr a = o.getArray(key);
  if (a.isNull() || a->size() == 0) {
    Add(path + "." + key, "missing or empty");
    return nullptr;
  }
  if (a->size() > max) {
    Add(path + "." + key, std::to_string(a->size()) + " items, limit " + std::to_string(max));
  }
  return a;
}

std::vector<std::string> Checker::Check(const Object& message) {
  if (!message.has("text")) {
    Add("text", "missing (Slack needs it for notifications)");
  } else {
    Length("text", message.optValue<std::string>("text", ""), L::kMessageText);
  }
  Array::Ptr blocks = message.getArray("blocks");
  if (blocks.isNull()) return problems_;
  if (blocks->size() > L::kBlocks) {
    Add("blocks", std::to_string(blocks->size()) + " blocks, limit " + std::to_string(L::kBlocks));
  }
  for (std::size_t i = 0; i < blocks->size(); ++i) {
    const std::string path = "blocks[" + std::to_string(i) + "]";
    Object::Ptr block = blocks->getObject(static_cast<unsigned>(i));
    if (block.isNull()) {
      Add(path, "not an object");
      continue;
    }
    Block(path, *block);
  }
  return problems_;
}

void Checker::Block(const std::string& path, const Object& block) {
  OptionalLength(path, block, "block_id", L::kBlockId);
  const std::string type = block.optValue<std::string>("type", "");
  if (type == "header") {
    TextObject(path + ".text", block.getObject("text"), L::kHeaderText, true);
  } else if (type == "section") {
    Section(path, block);
  } else if (type == "context") {
    Context(path, block);
  } else if (type == "actions") {
    Actions(path, block);
  } else if (type != "divider") {
    Add(path + ".type", "unknown or unchecked block type \"" + type + "\"");
  }
}

void Checker::Section(const std::string& path, const Object& block) {
  if (!block.has("text") && !block.has("fields")) Add(path, "a section needs text or fields");
  if (block.has("text")) {
    TextObject(path + ".text", block.getObject("text"), L::kSectionText, false);
  }
  if (block.has("fields")) {
    Array::Ptr fields = Elements(path, block, "fields", L::kFields);
    for (std::size_t i = 0; fields && i < fields->size(); ++i) {
      TextObject(path + ".fields[" + std::to_string(i) + "]",
                 fields->getObject(static_cast<unsigned>(i)), L::kFieldText, false);
    }
  }
  Object::Ptr accessory = block.getObject("accessory");
  if (!accessory.isNull() && accessory->optValue<std::string>("type", "") == "button") {
    Button(path + ".accessory", *accessory);
  }
}

void Checker::Context(const std::string& path, const Object& block) {
  Array::Ptr elements = Elements(path, block, "elements", L::kContextElements);
  for (std::size_t i = 0; elements && i < elements->size(); ++i) {
    Object::Ptr e = elements->getObject(static_cast<unsigned>(i));
    if (!e.isNull() && e->optValue<std::string>("type", "") == "image") continue;
    TextObject(path + ".elements[" + std::to_string(i) + "]", e, L::kTextObject, false);
  }
}

void Checker::Actions(const std::string& path, const Object& block) {
  Array::Ptr elements = Elements(path, block, "elements", L::kActionsElements);
  for (std::size_t i = 0; elements && i < elements->size(); ++i) {
    Object::Ptr e = elements->getObject(static_cast<unsigned>(i));
    const std::string element_path = path + ".elements[" + std::to_string(i) + "]";
    if (e.isNull() || e->optValue<std::string>("type", "") != "button") {
      Add(element_path, "unchecked element (only buttons are checked)");
      continue;
    }
    Button(element_path, *e);
  }
}

void Checker::Button(const std::string& path, const Object& button) {
  TextObject(path + ".text", button.getObject("text"), L::kButtonText, true);
  OptionalLength(path, button, "url", L::kButtonUrl);
  OptionalLength(path, button, "value", L::kButtonValue);
  OptionalLength(path, button, "action_id", L::kActionId);
}

}  // namespace

std::vector<std::string> CheckBlockKitLimits(const std::string& slack_json) {
  if (ValidUtf8(slack_json) != slack_json) return {"message: not valid UTF-8"};
  Object::Ptr message;
  try {
    message = Poco::JSON::Parser().parse(slack_json).extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return {"message: not a JSON object: " + e.displayText()};
  }
  if (message.isNull()) return {"message: not a JSON object"};
  return Checker().Check(*message);
}

}  // namespace vigil::alerts
