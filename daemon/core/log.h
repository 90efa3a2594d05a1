// Structured logging to stderr (journald picks it up), as text or one JSON object per line.
// Every line passes through the active Redactor, so a secret that reached a message by mistake
// still never reaches the log. Thread-safe: lines are written whole under one mutex.
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

// Replaces every occurrence of any secret with "***". Immutable once built; safe to share.
class Redactor {
 public:
  Redactor() = default;
  // Secrets shorter than kMinSecretLength are ignored: redacting "ab" everywhere would
  // destroy messages without protecting anything.
  explicit Redactor(std::vector<std::string> secrets);
  static constexpr std::size_t kMinSecretLength = 4;

  std::string Redact(std::string_view text) const;
  bool Contains(std::string_view text) const;  // does `text` hold any secret?
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret inside another is handled
};

// Every secret the process knows: the config's (fixed at load) and those learned at run time
// (OAuth2 access tokens). Redaction everywhere goes through the current redactor(). Thread-safe.
class SecretRegistry {
 public:
  explicit SecretRegistry(std::vector<std::string> fixed = {});
  // Adds a secret learned at run time; the newest kMaxLearned are kept.
  void Learn(std::string secret);
  std::shared_ptr<const Redactor> redactor() const;
  static constexpr std::size_t kMaxLearned = 256;

 private:
  std::vector<std::string> fixed_;
  mutable std::mutex mu_;
  std::vector<std::string> learned_;            // GUARDED_BY(mu_)
  std::shared_ptr<const Redactor> redactor_;    // GUARDED_BY(mu_)
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

struct LogField {
  std::string key;
  std::string value;
};

class Log {
 public:
  static void Configure(LogLevel level, LogFormat format);
  static void SetSecrets(std::shared_ptr<const SecretRegistry> secrets);
  static bool Enabled(LogLevel level);
  static bool ParseLevel(std::string_view text, LogLevel& out);
  static bool ParseFormat(std::string_view text, LogFormat& out);

  static void Write(LogLevel level, std::string_view component, std::string_view message,
                    std::initializer_list<LogField> fields = {});
  static void Debug(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
    Write(LogLevel::kDebug, c, m, f);
  }
  static void Info(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
    Write(LogLevel::kInfo, c, m, f);
  }
  static void Warn(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
    Write(LogLevel::kWarn, c, m, f);
  }
  static void Error(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
    Write(LogLevel::kError, c, m, f);
  }
};

}  // namespace vigil::core
