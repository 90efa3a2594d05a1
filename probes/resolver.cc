#include "probes/resolver.h"

#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <Poco/Net/NetException.h>

namespace vigil::probes {

struct Resolver::Job {
  std::string host;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // GUARDED_BY(mu)
  Answer answer;      // GUARDED_BY(mu)
};

Resolver::Resolver(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

Resolver::~Resolver() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Resolver::Answer Resolver::Resolve(const std::string& host, core::SteadyTime deadline) {
  auto job = std::make_shared<Job>();
  job->host = host;
  {
    std::lock_guard lock(mu_);
    if (aborted_) return {Status::kError, {}, "DNS lookup of " + host + " aborted: shutting down"};
    if (pending_.size() >= kMaxPending) {
      return {Status::kError, {}, "DNS resolver saturated: too many lookups in flight"};
    }
    pending_.push_back(job);
    std::erase_if(waiting_, [](const std::weak_ptr<Job>& w) { return w.expired(); });
    waiting_.push_back(job);
  }
  cv_.notify_one();
  std::unique_lock lock(job->mu);
  if (!job->cv.wait_until(lock, deadline, [&] { return job->done; })) {
    return {Status::kTimeout, {}, "DNS lookup of " + host + " did not finish in time"};
  }
  return job->answer;
}

void Resolver::AbortAll() {
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::lock_guard lock(mu_);
    aborted_ = true;
    for (auto& w : waiting_) {
      if (auto j = w.lock()) jobs.push_back(std::move(j));
    }
    pending_.clear();
  }
  for (auto& job : jobs) {
    std::lock_guard lock(job->mu);
    if (job->done) continue;
    job->answer = {Status::kError, {}, "DNS lookup of " + job->host + " aborted: shutting down"};
    job->done = true;
    job->cv.notify_all();
  }
}

void Resolver::Loop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      job = std::move(pending_.front());
      pending_.pop_front();
    }
    Answer answer;
    try {
      const Poco::Net::HostEntry entry = Poco::Net::DNS::resolve(job->host);
      answer.addresses = entry.addresses();
      answer.status = answer.addresses.empty() ? Status::kNotFound : Status::kOk;
      if (answer.addresses.empty()) answer.message = "DNS: no address for " + job->host;
    } catch (const Poco::Net::HostNotFoundException&) {
      answer = {Status::kNotFound, {}, "DNS: host " + job->host + " not found"};
    } catch (const Poco::Net::NoAddressFoundException&) {
      answer = {Status::kNotFound, {}, "DNS: no address for " + job->host};
    } catch (const Poco::Exception& e) {
      answer = {Status::kError, {}, "DNS lookup of " + job->host + " failed: " + e.displayText()};
    }
    std::lock_guard lock(job->mu);
    if (job->done) continue;  // aborted meanwhile
    job->answer = std::move(answer);
    job->done = true;
    job->cv.notify_all();
  }
}

}  // namespace vigil::probes
