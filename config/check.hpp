#pragma once
// `poortd --check-config`: load and validate a config file and say so, like
// `nginx -t`.
//
// Thread safety: reentrant (it writes only to `out`).

#include <ostream>

#include "config/config.hpp"

namespace poort::config {

/// Loads `file` with `load_file` (which also reads every certificate, key, CA
/// bundle and CRL it names).
/// Success: prints each of `warnings` as "FILE: KEY: warning: MESSAGE", then
/// "poortd: configuration file FILE test is successful", and returns 0.
/// Failure: prints each problem as "FILE: KEY: MESSAGE" ("FILE: MESSAGE" for a
/// problem with the file as a whole, e.g. a TOML syntax error), then
/// "poortd: configuration file FILE test failed", and returns 1.
int check_config_main(const path& file, std::ostream& out);

}  // namespace poort::config
