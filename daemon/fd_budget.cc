#include "daemon/fd_budget.h"

#include <sys/resource.h>

#include <algorithm>

namespace vigil::daemon {

ConnectionBudget FitConnections(int configured, int reserve) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {configured, -1, false};
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return {configured, -1, false};
  const long soft = static_cast<long>(limit.rlim_cur);
  const long room = std::max(16L, soft - reserve);
  if (configured <= room) return {configured, soft, false};
  return {static_cast<int>(room), soft, true};
}

}  // namespace vigil::daemon
