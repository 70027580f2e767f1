#include "config/check.hpp"

namespace poort::config {

int check_config_main(const path& file, std::ostream& out) {
  const load_result loaded = load_file(file);
  if (loaded) {
    for (const problem& w : warnings(**loaded)) {
      out << file.string() << ": " << w.key << ": warning: " << w.message << '\n';
    }
    out << "poortd: configuration file " << file.string() << " test is successful\n";
    return 0;
  }
  for (const problem& p : loaded.error()) {
    out << file.string() << ": ";
    if (!p.key.empty()) out << p.key << ": ";
    out << p.message << '\n';
  }
  out << "poortd: configuration file " << file.string() << " test failed\n";
  return 1;
}

}  // namespace poort::config
