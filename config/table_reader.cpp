#include "config/table_reader.hpp"

#include <algorithm>

namespace poort::config::detail {

table_reader::table_reader(const toml::table& table, std::string prefix, const path& base_dir,
                           std::vector<problem>& problems)
    : table_(table), prefix_(std::move(prefix)), base_dir_(base_dir), problems_(problems) {}

std::string table_reader::key_path(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  if (key.empty()) return prefix_;
  return prefix_ + '.' + std::string(key);
}

void table_reader::add_problem(std::string_view key, std::string message) {
  add_problem_at(key_path(key), std::move(message));
}

void table_reader::add_problem_at(std::string key_path, std::string message) {
  problems_.push_back({std::move(key_path), std::move(message)});
}

bool table_reader::contains(std::string_view key) const { return table_.contains(key); }

void table_reader::require(std::string_view key, std::string message) {
  const toml::node* node = table_.get(key);
  const bool missing = !node || (node->is_string() && node->as_string()->get().empty()) ||
                       (node->is_array() && node->as_array()->empty());
  if (missing) add_problem(key, std::move(message));
}

const toml::node* table_reader::take(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (node) read_keys_.emplace_back(key);
  return node;
}

void table_reader::read(std::string_view key, std::string& out) {
  const toml::node* node = take(key);
  if (!node) return;
  if (node->is_string()) {
    out = node->as_string()->get();
  } else {
    add_problem(key, "must be a string");
  }
}

void table_reader::read(std::string_view key, bool& out) {
  const toml::node* node = take(key);
  if (!node) return;
  if (node->is_boolean()) {
    out = node->as_boolean()->get();
  } else {
    add_problem(key, "must be true or false");
  }
}

path table_reader::resolve(const std::string& file) const {
  if (file.empty()) return {};
  const path p(file);
  return (p.is_absolute() ? p : base_dir_ / p).lexically_normal();
}

void table_reader::read(std::string_view key, path& out) {
  const toml::node* node = take(key);
  if (!node) return;
  if (node->is_string()) {
    out = resolve(node->as_string()->get());
  } else {
    add_problem(key, "must be a string");
  }
}

std::optional<std::int64_t> table_reader::read_integer(std::string_view key, std::int64_t min,
                                                       std::int64_t max) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) {
    add_problem(key, "must be an integer");
    return std::nullopt;
  }
  const std::int64_t v = node->as_integer()->get();
  if (v < min || v > max) {
    add_problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (is " +
                         std::to_string(v) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<std::string>> table_reader::read_strings(std::string_view key,
                                                                   std::size_t max_items) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  const toml::array* items = node->as_array();
  if (!items || !std::ranges::all_of(*items, [](const toml::node& n) { return n.is_string(); })) {
    add_problem(key, "must be an array of strings");
    return std::nullopt;
  }
  if (items->size() > max_items) {
    add_problem(key, "must have at most " + std::to_string(max_items) + " entries");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const toml::node& n : *items) out.push_back(n.as_string()->get());
  return out;
}

void table_reader::read(std::string_view key, std::vector<std::string>& out, std::size_t max_items) {
  if (auto strings = read_strings(key, max_items)) out = std::move(*strings);
}

void table_reader::read(std::string_view key, std::vector<path>& out, std::size_t max_items) {
  auto strings = read_strings(key, max_items);
  if (!strings) return;
  out.clear();
  for (std::size_t i = 0; i < strings->size(); ++i) {
    if ((*strings)[i].empty()) {
      add_problem_at(key_path(key) + '[' + std::to_string(i) + ']', "must not be empty");
    } else {
      out.push_back(resolve((*strings)[i]));
    }
  }
}

const toml::table* table_reader::sub_table(std::string_view key) {
  const toml::node* node = take(key);
  if (!node) return nullptr;
  if (!node->is_table()) add_problem(key, "must be a table ([" + key_path(key) + "])");
  return node->as_table();
}

const toml::array* table_reader::array_of_tables(std::string_view key, std::size_t max_items) {
  const toml::node* node = take(key);
  if (!node) return nullptr;
  const toml::array* items = node->as_array();
  if (!items || !std::ranges::all_of(*items, [](const toml::node& n) { return n.is_table(); })) {
    add_problem(key, "must be an array of tables ([[" + key_path(key) + "]])");
    return nullptr;
  }
  if (items->size() > max_items) {
    add_problem(key, "must have at most " + std::to_string(max_items) + " entries");
    return nullptr;
  }
  return items;
}

void table_reader::reject_unknown_keys() {
  for (const auto& [key, node] : table_) {
    if (std::ranges::find(read_keys_, key.str()) == read_keys_.end()) {
      add_problem(key.str(), "unknown key");
    }
  }
}

}  // namespace poort::config::detail
