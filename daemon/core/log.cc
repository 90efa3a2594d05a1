#include "daemon/core/log.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

#include "daemon/core/clock.h"

namespace vigil::core {

Redactor::Redactor(std::vector<std::string> secrets) {
  for (auto& s : secrets) {
    if (s.size() >= kMinSecretLength) secrets_.push_back(std::move(s));
  }
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (std::size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

bool Redactor::Contains(std::string_view text) const {
  return std::any_of(secrets_.begin(), secrets_.end(),
                     [&](const std::string& s) { return text.find(s) != std::string_view::npos; });
}

SecretRegistry::SecretRegistry(std::vector<std::string> fixed)
    : fixed_(std::move(fixed)), redactor_(std::make_shared<const Redactor>(fixed_)) {}

void SecretRegistry::Learn(std::string secret) {
  if (secret.size() < Redactor::kMinSecretLength) return;
  std::lock_guard lock(mu_);
  if (std::find(learned_.begin(), learned_.end(), secret) != learned_.end()) return;
  learned_.push_back(std::move(secret));
  if (learned_.size() > kMaxLearned) learned_.erase(learned_.begin());
  std::vector<std::string> all = fixed_;
  all.insert(all.end(), learned_.begin(), learned_.end());
  redactor_ = std::make_shared<const Redactor>(std::move(all));
}

std::shared_ptr<const Redactor> SecretRegistry::redactor() const {
  std::lock_guard lock(mu_);
  return redactor_;
}

namespace {

struct LogState {
  std::mutex mu;
  std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
  std::atomic<int> format{static_cast<int>(LogFormat::kText)};
  std::shared_ptr<const SecretRegistry> secrets;  // GUARDED_BY(mu)
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: threads may log during exit
  return *state;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool NeedsQuotes(std::string_view v) {
  return v.empty() || v.find_first_of(" \"=\t\n") != std::string_view::npos;
}

// JSON string literal; UTF-8 passes through, '/' is not escaped (Poco's escaper writes "\/").
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

void Log::Configure(LogLevel level, LogFormat format) {
  State().level = static_cast<int>(level);
  State().format = static_cast<int>(format);
}

void Log::SetSecrets(std::shared_ptr<const SecretRegistry> secrets) {
  std::lock_guard lock(State().mu);
  State().secrets = std::move(secrets);
}

bool Log::Enabled(LogLevel level) { return static_cast<int>(level) >= State().level.load(); }

bool Log::ParseLevel(std::string_view text, LogLevel& out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool Log::ParseFormat(std::string_view text, LogFormat& out) {
  if (text == "text") out = LogFormat::kText;
  else if (text == "json") out = LogFormat::kJson;
  else return false;
  return true;
}

void Log::Write(LogLevel level, std::string_view component, std::string_view message,
                std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  const std::string ts = FormatRfc3339(std::chrono::system_clock::now());
  std::string line;
  if (State().format.load() == static_cast<int>(LogFormat::kJson)) {
    line = "{\"ts\":\"" + ts + "\",\"level\":\"" + LevelName(level) +
           "\",\"component\":" + JsonString(component) + ",\"msg\":" + JsonString(message);
    for (const auto& f : fields) line += "," + JsonString(f.key) + ":" + JsonString(f.value);
    line += "}\n";
  } else {
    line = ts + " " + LevelName(level) + " " + std::string(component) + ": " + std::string(message);
    for (const auto& f : fields) {
      line += " " + f.key + "=" + (NeedsQuotes(f.value) ? JsonString(f.value) : f.value);
    }
    line += "\n";
  }
  std::lock_guard lock(State().mu);
  if (State().secrets) line = State().secrets->redactor()->Redact(line);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace vigil::core
