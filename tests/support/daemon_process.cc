#include "tests/support/daemon_process.h"

#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <regex>
#include <stdexcept>

namespace vigil::testing {

DaemonProcess::DaemonProcess(const TempDir& dir, const std::string& config_yaml, std::map<std::string, std::string> env,
                             std::vector<std::string> launcher)
    : dir_(dir), env_(std::move(env)), launcher_(std::move(launcher)) {
  RewriteConfig(config_yaml);
  std::filesystem::create_directories(state_dir());
  Start();
}

DaemonProcess::~DaemonProcess() = default;

void DaemonProcess::RewriteConfig(const std::string& yaml) const { dir_.Write("vigil.yaml", yaml); }

void DaemonProcess::Start() {
  ProcessOptions opts;
  opts.set_env = env_;
  opts.unset_env = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY"};
  if (env_.count("NOTIFY_SOCKET")) opts.unset_env = {"STATE_DIRECTORY"};
  port_ = 0;
  std::vector<std::string> args = launcher_;
  for (std::string a : {VigilBinary(), std::string("run"), std::string("-c"), config_path(), std::string("--state-dir"),
                        state_dir(), std::string("--listen"), std::string("127.0.0.1:0")}) {
    args.push_back(std::move(a));
  }
  process_ = std::make_unique<Subprocess>(args, opts);
  if (!process_->WaitForOutput("daemon: started", std::chrono::seconds(15))) {
    throw std::runtime_error("vigil run did not start: " + process_->err());
  }
  std::smatch m;
  const std::string err = process_->err();
  if (!std::regex_search(err, m, std::regex(R"(started listen=127\.0\.0\.1:(\d+))"))) {
    throw std::runtime_error("no listen address in: " + err);
  }
  port_ = std::stoi(m[1]);
}

std::string DaemonProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

Poco::JSON::Object::Ptr DaemonProcess::GetJson(const std::string& path) const {
  const HttpResult r = Get(path);
  if (r.status != 200) throw std::runtime_error("GET " + path + " -> " + std::to_string(r.status) + " " + r.body + r.error);
  return Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
}

std::string DaemonProcess::ProviderState(const std::string& provider) const {
  const HttpResult r = Get("/api/v1/providers/" + provider);
  if (r.status != 200) return "";
  return Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("state");
}

std::unique_ptr<Subprocess> StartSimulatorProcess(std::string& base_url) {
  auto target = std::make_unique<Subprocess>(std::vector<std::string>{VigilBinary(), "simulate", "--listen", "127.0.0.1:0"});
  if (!target->WaitForOutput("listening on", std::chrono::seconds(10))) {
    throw std::runtime_error("vigil simulate did not start: " + target->err());
  }
  std::smatch m;
  const std::string err = target->err();
  if (!std::regex_search(err, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))"))) {
    throw std::runtime_error("no listen address in: " + err);
  }
  base_url = "http://127.0.0.1:" + std::string(m[1]);
  return target;
}

std::string SimUrl(uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

}  // namespace vigil::testing
