// DaemonProcess: the real `vigil run` binary in the background, on a config written by the test
// and a state directory of its own, listening on a free loopback port it reports itself.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_call.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace vigil::testing {

class DaemonProcess {
 public:
  // Writes `config_yaml` to DIR/vigil.yaml and starts the daemon; waits until it listens.
  // `launcher` runs it, e.g. {"prlimit", "--nofile=128:128", "--"}.
  DaemonProcess(const TempDir& dir, const std::string& config_yaml, std::map<std::string, std::string> env = {},
                std::vector<std::string> launcher = {});
  ~DaemonProcess();

  void Start();  // (re)starts the process on the same config and state directory
  bool started() const { return port_ != 0; }
  std::string url(const std::string& path) const;
  HttpResult Get(const std::string& path) const { return HttpGet(url(path)); }
  Poco::JSON::Object::Ptr GetJson(const std::string& path) const;  // REQUIRES: 200 with a JSON object
  std::string ProviderState(const std::string& provider) const;
  Subprocess& process() { return *process_; }
  void RewriteConfig(const std::string& yaml) const;
  std::string config_path() const { return dir_.File("vigil.yaml"); }
  std::string state_dir() const { return dir_.File("state"); }

 private:
  const TempDir& dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> launcher_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

// `vigil simulate` in a child process on a port of its choosing, so a bench does not count the
// target's CPU; `base_url` receives "http://127.0.0.1:PORT". Throws when it does not start.
std::unique_ptr<Subprocess> StartSimulatorProcess(std::string& base_url);

// The simulator's base URL for a path prefix, e.g. SimUrl(port, "/stripe").
std::string SimUrl(uint16_t port, const std::string& path);

}  // namespace vigil::testing
