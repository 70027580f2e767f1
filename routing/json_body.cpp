#include "routing/json_body.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace poort::routing {

namespace json = boost::json;

bool has_media_type(const request& req, std::string_view type) {
  const auto field = req[http::field::content_type];
  std::string_view media(field.data(), field.size());
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return boost::beast::iequals(media, type);
}

std::string json_pointer_for(std::string_view key) {
  const bool plain = !key.empty() && key.size() <= 64 && std::ranges::all_of(key, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  return plain ? "/" + std::string(key) : std::string{};
}

problem invalid_fields(const domain::validation_errors& errors) {
  std::vector<invalid_param> params;
  for (const auto& e : errors) params.push_back({e.pointer, std::string(domain::reason_code(e.code))});
  const domain::error first = errors.empty() ? domain::error::json_malformed : errors.front().code;
  return problem::refusal(first, std::move(params), http_status(domain::condition_of(errors)));
}

std::expected<json::object, problem> read_json_object(const request& req,
                                                      std::initializer_list<std::string_view> allowed,
                                                      std::size_t max_depth) {
  if (!has_media_type(req, "application/json")) return std::unexpected(problem::unsupported_media_type());
  json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(req.body(), ec, {}, options);
  if (ec || !v.is_object()) return std::unexpected(invalid_fields({{"", domain::error::json_malformed}}));
  domain::validation_errors errors;
  for (const auto& [key, value] : v.as_object())
    if (std::ranges::find(allowed, std::string_view(key)) == allowed.end())
      errors.push_back({json_pointer_for(key), domain::error::unknown_field});
  if (!errors.empty()) return std::unexpected(invalid_fields(errors));
  return std::move(v.as_object());
}

std::optional<std::string> json_fields::text(std::string_view key, std::size_t max_bytes, bool required) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) add(key, domain::error::field_required);
    return std::nullopt;
  }
  if (!v->is_string()) return refuse(key, domain::error::wrong_type);
  std::string s(v->as_string());
  if (required && s.empty()) return refuse(key, domain::error::value_empty);
  if (s.size() > max_bytes) return refuse(key, domain::error::value_too_long);
  return s;
}

std::optional<sys_time> json_fields::time(std::string_view key) {
  auto s = text(key, 40);
  if (!s) return std::nullopt;
  auto t = parse_rfc3339(*s);
  if (!t) add(key, domain::error::date_invalid);
  return t;
}

std::optional<std::int64_t> json_fields::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const json::value* v = o_.if_contains(key);
  if (v == nullptr || v->is_null()) return refuse(key, domain::error::field_required);
  if (!v->is_int64() && !v->is_uint64()) return refuse(key, domain::error::wrong_type);
  if (v->is_uint64() || v->as_int64() < min || v->as_int64() > max)
    return refuse(key, domain::error::number_out_of_range);
  return v->as_int64();
}

}  // namespace poort::routing
