#include "probes/quota/quota_book.h"

#include <cmath>
#include <cstdio>

#include "daemon/core/duration.h"

namespace vigil::probes::quota {
namespace {

constexpr std::size_t kMaxSamples = 32;
constexpr auto kDefaultRetry = std::chrono::seconds(30);
constexpr auto kLearningWait = std::chrono::seconds(30);

core::WallTime At(int64_t unix_ms) { return core::FromUnixMillis(unix_ms); }

std::string In(core::WallTime from, core::WallTime to) {
  const double secs = std::chrono::duration<double>(to - from).count();
  return core::FormatDuration(std::chrono::seconds(secs > 0 ? std::llround(secs) : 0));
}

// An estimate: whole minutes beyond two minutes, else whole seconds.
std::string Approx(core::WallTime from, core::WallTime to) {
  const double secs = std::chrono::duration<double>(to - from).count();
  const auto rounded = secs >= 120 ? std::chrono::seconds(static_cast<int64_t>(std::llround(secs / 60) * 60))
                                   : std::chrono::seconds(static_cast<int64_t>(std::llround(std::max(0.0, secs))));
  return core::FormatDuration(rounded);
}

// One decimal below 10% (0.5%), none above; never a trailing ".0", so a configured 1% reads "1%".
std::string Percent(double ratio) {
  char buf[16];
  std::snprintf(buf, sizeof buf, ratio < 0.1 ? "%.1f" : "%.0f", ratio * 100);
  std::string out = buf;
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  return out + "%";
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Token budgets are not spent one per probe, so they never pace probing.
bool PacesProbes(const Budget& b) { return b.dimension.find("token") == std::string::npos; }

std::string PacingReason(double budget, int allowance, const std::string& dimension, core::WallTime now,
                         core::WallTime window_end) {
  return "probe_budget " + Percent(budget) + ": " + std::to_string(allowance) + " probe(s) allowed before the " +
         dimension + " budget resets in " + In(now, window_end);
}

}  // namespace

void QuotaBook::Configure(const config::Config& config) {
  std::lock_guard lock(mu_);
  std::map<std::string, ProviderState> next;
  for (const auto& p : config.providers) {
    auto it = providers_.find(p.name);
    ProviderState s = it == providers_.end() ? ProviderState() : std::move(it->second);
    s.config = p.quota;
    if (!s.config.probe_budget) s.pacing.reset();
    next.emplace(p.name, std::move(s));
  }
  providers_ = std::move(next);
}

void QuotaBook::NoteRetry(ProviderState& p, const RateLimitInfo& info, int status, core::WallTime now) {
  std::optional<core::WallTime> until;
  std::string reason;
  if (info.retry_after_unix_ms) {
    until = At(*info.retry_after_unix_ms);
    reason = (status == 429 ? "429 Too Many Requests, " : "") + std::string("Retry-After ") + In(now, *until);
  } else if (status == 429) {
    for (const Budget& b : info.budgets) {  // wait for the exhausted budget's reset, when known
      if (b.remaining && *b.remaining <= 0 && b.reset_unix_ms && (!until || At(*b.reset_unix_ms) < *until)) {
        until = At(*b.reset_unix_ms);
      }
    }
    reason = until ? "429 Too Many Requests; the exhausted budget resets in " + In(now, *until)
                   : "429 Too Many Requests without Retry-After; waiting " + core::FormatDuration(kDefaultRetry);
    if (!until) until = now + kDefaultRetry;
  }
  if (until && *until > now && (!p.retry || *until > p.retry->until)) p.retry = Throttle{*until, reason};
}

void QuotaBook::ObserveBudget(ProviderState& p, const Budget& b, core::WallTime now, std::vector<Finding>& findings) {
  p.latest[b.dimension] = {now, b};
  if (!b.remaining) return;
  auto& samples = p.samples[b.dimension];
  // A new reset time starts a new window: the burn rate of the old one says nothing about it.
  if (!samples.empty() && samples.back().reset_unix_ms != b.reset_unix_ms &&
      (!samples.back().reset_unix_ms || !b.reset_unix_ms ||
       std::llabs(*samples.back().reset_unix_ms - *b.reset_unix_ms) > 1000)) {
    samples.clear();
  }
  samples.push_back({now, *b.remaining, b.reset_unix_ms});
  if (samples.size() > kMaxSamples) samples.pop_front();
  const std::string resets = b.reset_unix_ms ? ", resets in " + In(now, At(*b.reset_unix_ms)) : "";
  const auto& c = p.config;
  if (b.limit && *b.limit > 0) {
    const double ratio = *b.remaining / *b.limit;
    const std::string msg = b.dimension + " budget: " + Percent(ratio) + " left (" + Number(*b.remaining) + " of " +
                            Number(*b.limit) + ")" + resets;
    if (c.critical_below && ratio < *c.critical_below) {
      findings.push_back({FindingKind::kQuota, Severity::kCritical, msg + ", below critical_below " + Percent(*c.critical_below)});
      return;
    }
    if (c.warn_below && ratio < *c.warn_below) {
      findings.push_back({FindingKind::kQuota, Severity::kWarn, msg + ", below warn_below " + Percent(*c.warn_below)});
      return;
    }
  }
  // Forecast: at the burn rate seen since the window began, is the budget gone before it resets?
  if (samples.size() < 2 || !b.reset_unix_ms || *b.remaining <= 0) return;
  const double spent = samples.front().remaining - samples.back().remaining;
  const double ms = static_cast<double>(core::ToUnixMillis(samples.back().at) - core::ToUnixMillis(samples.front().at));
  if (spent <= 0 || ms <= 0) return;
  const auto exhausted = now + core::Millis(static_cast<int64_t>(*b.remaining / (spent / ms)));
  if (exhausted < At(*b.reset_unix_ms)) {
    findings.push_back({FindingKind::kQuota, Severity::kWarn,
                        b.dimension + " budget: at this rate exhausted in ~" + Approx(now, exhausted) + resets + " (" +
                            Number(*b.remaining) + " left)",
                        /*attention=*/true, exhausted});
  }
}

void QuotaBook::UpdatePacing(ProviderState& p, const RateLimitInfo& info, core::WallTime now) {
  if (!p.config.probe_budget) return;
  const Budget* pace = nullptr;
  for (const Budget& b : info.budgets) {  // the tightest budget that probes spend
    if (!PacesProbes(b) || !b.remaining || !b.reset_unix_ms || At(*b.reset_unix_ms) <= now) continue;
    if (!pace || *b.remaining < *pace->remaining) pace = &b;
  }
  if (pace == nullptr) return;
  const core::WallTime end = At(*pace->reset_unix_ms);
  if (p.pacing && p.pacing->dimension == pace->dimension && p.pacing->window_end > now &&
      std::llabs(core::ToUnixMillis(p.pacing->window_end) - core::ToUnixMillis(end)) <= 1000) {
    return;  // the same window: its allowance stands
  }
  Pacing w;
  w.window_end = end;
  w.dimension = pace->dimension;
  w.allowance = static_cast<int>(std::floor(*pace->remaining * *p.config.probe_budget));
  w.used = 1;  // the probe that brought this news
  w.next = w.allowance > w.used ? now + (end - now) / (w.allowance - w.used + 1) : end;
  p.pacing = w;
}

std::vector<Finding> QuotaBook::Observe(const std::string& provider, const RateLimitInfo& info, int status,
                                        core::WallTime now) {
  std::vector<Finding> findings;
  std::lock_guard lock(mu_);
  auto it = providers_.find(provider);
  if (it == providers_.end()) return findings;
  ProviderState& p = it->second;
  p.learning_until.reset();
  NoteRetry(p, info, status, now);
  for (const Budget& b : info.budgets) ObserveBudget(p, b, now, findings);
  UpdatePacing(p, info, now);
  return findings;
}

std::optional<Throttle> QuotaBook::Admit(const std::string& provider, core::WallTime now) {
  std::lock_guard lock(mu_);
  auto it = providers_.find(provider);
  if (it == providers_.end()) return std::nullopt;
  ProviderState& p = it->second;
  if (p.retry && now < p.retry->until) return p.retry;
  const bool window_known = p.pacing && now < p.pacing->window_end;
  if (p.config.probe_budget && !window_known) {
    // No budget known: one probe learns it; the others wait for its answer.
    if (p.learning_until && now < *p.learning_until) {
      return Throttle{std::min(*p.learning_until, now + std::chrono::seconds(1)),
                      "probe_budget: waiting for a response to learn the remaining budget"};
    }
    p.learning_until = now + kLearningWait;
    return std::nullopt;
  }
  if (window_known) {
    Pacing& w = *p.pacing;
    if (now < w.next) {
      return Throttle{w.next, PacingReason(*p.config.probe_budget, w.allowance, w.dimension, now, w.window_end)};
    }
    ++w.used;
    w.next = w.allowance > w.used ? now + (w.window_end - now) / (w.allowance - w.used + 1) : w.window_end;
  }
  return std::nullopt;
}

std::vector<ObservedBudget> QuotaBook::LatestBudgets(const std::string& provider) const {
  std::lock_guard lock(mu_);
  std::vector<ObservedBudget> out;
  const auto it = providers_.find(provider);
  if (it == providers_.end()) return out;
  for (const auto& [dimension, observed] : it->second.latest) out.push_back(observed);
  return out;
}

std::optional<Throttle> QuotaBook::CurrentThrottle(const std::string& provider, core::WallTime now) const {
  std::lock_guard lock(mu_);
  auto it = providers_.find(provider);
  if (it == providers_.end()) return std::nullopt;
  const ProviderState& p = it->second;
  if (p.retry && now < p.retry->until) return p.retry;
  if (p.pacing && now < p.pacing->next) {
    return Throttle{p.pacing->next, PacingReason(*p.config.probe_budget, p.pacing->allowance, p.pacing->dimension, now,
                                                 p.pacing->window_end)};
  }
  return std::nullopt;
}

}  // namespace vigil::probes::quota
