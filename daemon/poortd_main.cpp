// poortd: the gateway daemon. Only argument handling lives here; the server
// itself is daemon/server.hpp, which the integration tests run the same way.

#include <csignal>
#include <cstring>
#include <iostream>
#include <string_view>

#include "common/log.hpp"
#include "config/check.hpp"
#include "config/config.hpp"
#include "daemon/server.hpp"

namespace {

constexpr const char* usage_text =
    "usage: poortd [--config FILE] [--check-config] [--version]\n"
    "\n"
    "  --config FILE    configuration file (default /etc/poort/poort.toml)\n"
    "  --check-config   validate the configuration, print every problem, and exit\n"
    "                   (0 = valid, 1 = problems)\n"
    "  --version        print the version and exit\n";

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path file = "/etc/poort/poort.toml";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      file = argv[++i];
    } else if (a.starts_with("--config=")) {
      file = std::string(a.substr(9));
    } else if (a == "--check-config" || a == "-t") {
      check_only = true;
    } else if (a == "--version") {
      std::cout << "poortd " POORT_VERSION "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::cout << usage_text;
      return 0;
    } else {
      std::cerr << "poortd: unknown argument '" << a << "'\n" << usage_text;
      return 2;
    }
  }
  if (check_only) return poort::config::check_config_main(file, std::cout);

  std::signal(SIGPIPE, SIG_IGN);
  auto cfg = poort::config::load_file(file);
  if (!cfg) {
    for (const auto& p : cfg.error())
      poort::log::error("config.problem", {{"file", file.string()}, {"key", p.key}, {"message", p.message}});
    return 1;
  }
  poort::log::level lvl;
  if (poort::log::parse_level((*cfg)->logging.level, lvl)) poort::log::set_min_level(lvl);
  for (const auto& w : poort::config::warnings(**cfg))
    poort::log::warn("config.warning", {{"file", file.string()}, {"key", w.key}, {"message", w.message}});
  try {
    auto server = poort::daemon::server::create(file, *cfg);
    if (!server) {
      poort::log::error("server.start_failed", {{"error", server.error().message()}});
      return 1;
    }
    return (*server)->run();
  } catch (const std::exception& e) {
    poort::log::error("server.fatal", {{"what", e.what()}});
    return 1;
  }
}
