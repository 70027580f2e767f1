// Fuzz target: the TOML config loader, config::parse, from memory (the
// daemon's load_file reads at most 1 MiB and calls it). Relative paths
// resolve against a directory that does not exist, so the file checks it
// runs fail fast without reading anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1024 * 1024) return 0;
  auto cfg = poort::config::parse({reinterpret_cast<const char*>(data), size}, "/nonexistent/poort-fuzz");
  if (cfg) (void)poort::config::restart_required(**cfg, **cfg);
  return 0;
}
