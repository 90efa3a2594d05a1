// QuotaGate: the daemon's ProbeGate. A provider's rate limits (Retry-After, an exhausted
// budget's reset, `probe_budget`) decide whether one of its checks may start now, as the
// QuotaBook says. Thread-safe as the QuotaBook is.
#pragma once

#include <memory>
#include <string>

#include "daemon/scheduler.h"
#include "probes/quota/quota_book.h"

namespace vigil::daemon {

class QuotaGate final : public ProbeGate {
 public:
  explicit QuotaGate(std::shared_ptr<probes::quota::QuotaBook> book) : book_(std::move(book)) {}

  // `key` is "provider/check": the provider's budgets decide.
  std::optional<Deferral> Admit(const std::string& key, core::WallTime now) override {
    std::optional<probes::quota::Throttle> t = book_->Admit(key.substr(0, key.find('/')), now);
    if (!t) return std::nullopt;
    return Deferral{t->until, t->reason};
  }

 private:
  std::shared_ptr<probes::quota::QuotaBook> book_;
};

}  // namespace vigil::daemon
