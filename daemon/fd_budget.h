// File descriptors, shared by the API's connections and everything else the daemon opens
// (probe sockets, alert deliveries, the database and its journal). The listener must not take
// them all: a flood of idle API clients would otherwise make every probe fail with EMFILE and
// page for providers that are fine.
#pragma once

namespace vigil::daemon {

struct ConnectionBudget {
  int max_connections;  // what the listener may hold open
  long soft_limit;      // RLIMIT_NOFILE after raising it
  bool capped;          // below what the config asked for
};

// Raises the soft RLIMIT_NOFILE to the hard one (systemd's default soft limit is 1024 against a
// hard 524288), then fits `configured` connections below the soft limit minus `reserve`, and
// never below 16.
ConnectionBudget FitConnections(int configured, int reserve);

}  // namespace vigil::daemon
