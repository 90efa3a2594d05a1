#include "tests/support/raw_server.h"

#include <Poco/Net/NetException.h>

namespace vigil::testing {

RawServer::RawServer(Serve serve)
    : serve_(std::move(serve)), socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), port_(socket_.address().port()) {
  acceptor_ = std::thread([this] {
    while (!stopping_) {
      if (!socket_.poll(Poco::Timespan(0, 50'000), Poco::Net::Socket::SELECT_READ)) continue;
      try {
        Poco::Net::StreamSocket client = socket_.acceptConnection();
        ++connections_;
        std::lock_guard lock(mu_);
        open_.push_back(client);
        workers_.emplace_back([this, client]() mutable {
          try {
            serve_(client, *this);
          } catch (const Poco::Exception&) {
          }
        });
      } catch (const Poco::Exception&) {
      }
    }
  });
}

RawServer::~RawServer() {
  stopping_ = true;
  acceptor_.join();
  std::lock_guard lock(mu_);
  for (auto& s : open_) {
    try {
      s.shutdown();
    } catch (const Poco::Exception&) {
    }
  }
  for (auto& t : workers_) t.join();
}

bool RawServer::Pause(std::chrono::milliseconds d) const {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (stopping_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !stopping_;
}

RawServer::Serve Stall() {
  return [](Poco::Net::StreamSocket&, const RawServer& server) {
    while (server.Pause(std::chrono::milliseconds(100))) {
    }
  };
}

RawServer::Serve SendAndClose(std::string bytes) {
  return [bytes](Poco::Net::StreamSocket& s, const RawServer&) {
    s.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    s.shutdownSend();
    char buf[1024];
    s.setReceiveTimeout(Poco::Timespan(1, 0));
    try {
      while (s.receiveBytes(buf, sizeof buf) > 0) {
      }
    } catch (const Poco::Exception&) {
    }
    s.close();
  };
}

RawServer::Serve DelayProxy(uint16_t upstream, std::chrono::milliseconds delay) {
  return [upstream, delay](Poco::Net::StreamSocket& client, const RawServer& server) {
    Poco::Net::StreamSocket up(Poco::Net::SocketAddress("127.0.0.1", upstream));
    const auto pump = [&server](Poco::Net::StreamSocket from, Poco::Net::StreamSocket to,
                                std::chrono::milliseconds hold) {
      char buf[16384];
      bool held = hold.count() == 0;
      from.setReceiveTimeout(Poco::Timespan(0, 100'000));
      while (!server.stopping()) {
        int n = 0;
        try {
          n = from.receiveBytes(buf, sizeof buf);
        } catch (const Poco::TimeoutException&) {
          continue;
        } catch (const Poco::Exception&) {
          break;
        }
        if (n <= 0) break;
        if (!held) {
          if (!server.Pause(hold)) break;
          held = true;
        }
        try {
          to.sendBytes(buf, n);
        } catch (const Poco::Exception&) {
          break;
        }
      }
      try {
        to.shutdownSend();
      } catch (const Poco::Exception&) {
      }
    };
    std::thread down(pump, up, client, delay);
    pump(client, up, std::chrono::milliseconds(0));
    down.join();
  };
}

}  // namespace vigil::testing
