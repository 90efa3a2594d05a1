// Running the real `vigil` binary (and other programs) from tests: one-shot with a timeout, or
// in the background with its output collected, signals sent and the exit awaited.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vigil::testing {

// The vigil binary under test (set by CMake).
std::string VigilBinary();

struct ProcessResult {
  int exit_code = -1;  // -1 when it was killed by a signal or timed out
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct ProcessOptions {
  std::string cwd;
  std::map<std::string, std::string> set_env;
  std::vector<std::string> unset_env;
};

class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~Subprocess();  // SIGKILL if still running

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for the exit; nullopt on timeout. The exit code, or 128+signal.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;
  // Waits until stderr (or stdout) contains `text`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  void Reader(int fd, std::string* sink);

  pid_t pid_ = -1;
  std::optional<int> status_;
  mutable std::mutex mu_;
  std::string out_, err_;
  std::thread out_thread_, err_thread_;
};

ProcessResult RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const ProcessOptions& options = {});

// Polls `condition` every 20 ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace vigil::testing
