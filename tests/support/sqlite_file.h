// Direct access to a SQLite database file from a test, beside the store: to build an old schema,
// or to look at what the store wrote, row by row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::testing {

// Runs `sql` (several statements) on the database at `path`; fails the test on an error.
void ExecSql(const std::string& path, const std::string& sql);
// Every row of one query, each column as text (NULL as "NULL").
std::vector<std::vector<std::string>> QueryRows(const std::string& path, const std::string& sql);
// The first column of the first row as an integer (-1 without a row).
int64_t QueryInt(const std::string& path, const std::string& sql);

}  // namespace vigil::testing
