#pragma once
// Internal to config/: typed reads from one TOML table.
//
// A `table_reader` knows the key path of its table ("listener.system[0]"), so
// every problem it reports names the full key ("listener.system[0].limits.
// idle_timeout_ms"). It remembers which keys were read; `reject_unknown_keys`
// then reports every other key, which catches typos.
//
// Each `read` leaves `out` unchanged when the key is absent (the default in
// config.hpp stays), and reports a problem and leaves `out` unchanged when the
// value has the wrong type or is out of range.
//
// Thread safety: none; a parse uses its readers on one thread.

#include <toml++/toml.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace poort::config::detail {

class table_reader {
 public:
  /// `prefix` is the key path of `table` ("" for the root). Relative paths
  /// resolve against `base_dir`. Problems are appended to `problems`, which
  /// must outlive the reader.
  table_reader(const toml::table& table, std::string prefix, const path& base_dir,
               std::vector<problem>& problems);

  /// The full key path of `key` in this table, e.g. "store.readers".
  std::string key_path(std::string_view key) const;
  /// Records a problem at `key` of this table ("" = the table itself).
  void add_problem(std::string_view key, std::string message);
  /// Records a problem at a key path that `key_path` made.
  void add_problem_at(std::string key_path, std::string message);
  /// Whether `key` is present (whatever its type). Does not count as a read.
  bool contains(std::string_view key) const;
  /// Reports `message` at `key` when it is absent, "" or an empty array.
  void require(std::string_view key, std::string message = "is required");

  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  /// A file name; a relative one resolves against `base_dir`, "" stays "".
  void read(std::string_view key, path& out);
  /// An integer in [min, max].
  template <std::integral T>
  void read(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    if (auto v = read_integer(key, min, max)) out = static_cast<T>(*v);
  }
  /// A duration given as an integer count of its ticks in [min, max];
  /// the key names the unit ("idle_timeout_ms", "max_clock_skew_s").
  template <class Rep, class Period>
  void read(std::string_view key, std::chrono::duration<Rep, Period>& out, std::int64_t min,
            std::int64_t max) {
    if (auto v = read_integer(key, min, max)) out = std::chrono::duration<Rep, Period>{*v};
  }
  /// An array of at most `max_items` strings.
  void read(std::string_view key, std::vector<std::string>& out, std::size_t max_items);
  /// An array of at most `max_items` file names, each resolved as above.
  void read(std::string_view key, std::vector<path>& out, std::size_t max_items);

  /// Calls `visit(table_reader&)` for the sub-table `key` when present, then
  /// rejects its unknown keys.
  template <class Visit>
  void read_table(std::string_view key, Visit&& visit) {
    if (const toml::table* t = sub_table(key)) {
      table_reader sub(*t, key_path(key), base_dir_, problems_);
      visit(sub);
      sub.reject_unknown_keys();
    }
  }

  /// Calls `visit(table_reader&)` for each table of the array of tables `key`
  /// (`[[key]]` or `key = [{...}]`), at most `max_items`, then rejects each
  /// table's unknown keys.
  template <class Visit>
  void read_tables(std::string_view key, std::size_t max_items, Visit&& visit) {
    const toml::array* items = array_of_tables(key, max_items);
    if (!items) return;
    for (std::size_t i = 0; i < items->size(); ++i) {
      table_reader item(*(*items)[i].as_table(), key_path(key) + '[' + std::to_string(i) + ']', base_dir_,
                        problems_);
      visit(item);
      item.reject_unknown_keys();
    }
  }

  /// Reports every key of this table that no read asked for.
  void reject_unknown_keys();

 private:
  /// The node at `key`, marked as read; nullptr when absent.
  const toml::node* take(std::string_view key);
  std::optional<std::int64_t> read_integer(std::string_view key, std::int64_t min, std::int64_t max);
  /// The strings of the array at `key`; nullopt (after reporting) on a wrong type.
  std::optional<std::vector<std::string>> read_strings(std::string_view key, std::size_t max_items);
  path resolve(const std::string& file) const;
  const toml::table* sub_table(std::string_view key);
  const toml::array* array_of_tables(std::string_view key, std::size_t max_items);

  const toml::table& table_;
  std::string prefix_;
  const path& base_dir_;
  std::vector<problem>& problems_;
  std::vector<std::string> read_keys_;
};

}  // namespace poort::config::detail
