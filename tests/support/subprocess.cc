#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace vigil::testing {

std::string VigilBinary() { return VIGIL_BINARY; }

Subprocess::Subprocess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv(*e);
    const std::string name = kv.substr(0, kv.find('='));
    bool drop = options.set_env.count(name) > 0;
    for (const auto& u : options.unset_env) drop |= u == name;
    if (!drop) env.push_back(kv);
  }
  for (const auto& [k, v] : options.set_env) env.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  // Nothing else of the test's: an inherited listening socket would keep a stopped receiver's
  // port accepting (and never answering) for as long as the child lives.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(rc));
  }
  out_thread_ = std::thread([this, fd = out_pipe[0]] { Reader(fd, &out_); });
  err_thread_ = std::thread([this, fd = err_pipe[0]] { Reader(fd, &err_); });
}

Subprocess::~Subprocess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
}

void Subprocess::Reader(int fd, std::string* sink) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    sink->append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
}

void Subprocess::Signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      if (out_thread_.joinable()) out_thread_.join();
      if (err_thread_.joinable()) err_thread_.join();
      return status_;
    }
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Subprocess::out() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::string Subprocess::err() const {
  std::lock_guard lock(mu_);
  return err_;
}

bool Subprocess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const {
  return Eventually([&] {
    std::lock_guard lock(mu_);
    return err_.find(text) != std::string::npos || out_.find(text) != std::string::npos;
  }, timeout);
}

ProcessResult RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const ProcessOptions& options) {
  Subprocess p(argv, options);
  ProcessResult r;
  const std::optional<int> code = p.Wait(timeout);
  if (!code) {
    r.timed_out = true;
    p.Signal(SIGKILL);
    p.Wait(std::chrono::seconds(5));
  } else {
    r.exit_code = *code;
  }
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace vigil::testing
