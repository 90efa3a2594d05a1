#include "daemon/fd_budget.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>

namespace vigil::daemon {
namespace {

// Each case lowers RLIMIT_NOFILE, for good, so it runs in a child process (a death test) that
// exits 0 when everything held and says what did not otherwise.
void SetLimit(rlim_t soft, rlim_t hard) {
  rlimit l{soft, hard};
  if (::setrlimit(RLIMIT_NOFILE, &l) != 0) std::exit(2);
}
void Expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "failed: " << what << std::endl;
    std::exit(1);
  }
}

TEST(FdBudget, RaisesTheSoftLimitToTheHardOneThenLeavesTheReserveFree) {
  EXPECT_EXIT(
      {
        SetLimit(150, 300);
        const ConnectionBudget b = FitConnections(1024, 72);
        Expect(b.soft_limit == 300, "soft limit raised to the hard one");
        Expect(b.max_connections == 228 && b.capped, "300 - 72 connections, capped");
        rlimit now{};
        Expect(::getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == 300, "the process's limit raised");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(FdBudget, WhatFitsIsKeptAndNeverBelowSixteen) {
  EXPECT_EXIT(
      {
        SetLimit(4096, 4096);
        Expect(FitConnections(1024, 72).max_connections == 1024 && !FitConnections(1024, 72).capped, "1024 fit");
        SetLimit(64, 64);
        Expect(FitConnections(1024, 72).max_connections == 16, "at least 16");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace vigil::daemon
