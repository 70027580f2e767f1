#include "domain/detail/json_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include "common/clock.hpp"

namespace poort::domain::detail {
namespace bj = boost::json;

void report(validation_errors& errors, std::string pointer, error code) {
  if (errors.size() < max_reported_errors) errors.push_back({std::move(pointer), code});
}

std::string pointer_to(std::string_view parent, std::string_view member) {
  std::string out{parent};
  out += '/';
  out += member;
  return out;
}

std::string pointer_to(std::string_view parent, std::size_t index) {
  return std::string{parent} + '/' + std::to_string(index);
}

namespace {

// Member names that may appear in a pointer (see validation.hpp).
bool echoable_member_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 64 &&
         std::ranges::all_of(name, [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

// A first pass over the body with Boost.JSON's SAX parser, because the DOM
// parser of Boost 1.81 silently keeps the last of two equal member names.
// It tracks the path, to name the repeated member in a pointer.
class duplicate_finder {
 public:
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);

  /// Objects of our schemas have a dozen members; more is refused before
  /// the quadratic duplicate search could cost anything.
  static constexpr std::size_t max_members = 64;

  /// Why the parse was stopped by the handler (it then fails with an error).
  std::optional<field_error> failure;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_array_begin(bj::error_code&) {
    begin_value();
    frames_.push_back({});
    return true;
  }
  bool on_array_end(std::size_t, bj::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_object_begin(bj::error_code&) {
    begin_value();
    frame f;
    f.is_object = true;
    frames_.push_back(std::move(f));
    return true;
  }
  bool on_object_end(std::size_t, bj::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_string_part(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_string(bj::string_view, std::size_t, bj::error_code&) { return begin_value(); }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code& ec) {
    key_.append(s.data(), s.size());
    frame& f = frames_.back();
    if (f.keys.size() >= max_members) {
      failure = field_error{path().first, error::too_many_items};
      ec = bj::error::syntax;  // any error stops the parser
      return false;
    }
    if (std::ranges::find(f.keys, key_) != f.keys.end()) {
      auto [pointer, complete] = path();
      if (complete && echoable_member_name(key_)) pointer = pointer_to(pointer, key_);
      failure = field_error{std::move(pointer), error::duplicate_field};
      ec = bj::error::syntax;
      return false;
    }
    f.keys.push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t, bj::string_view, bj::error_code&) { return begin_value(); }
  bool on_uint64(std::uint64_t, bj::string_view, bj::error_code&) { return begin_value(); }
  bool on_double(double, bj::string_view, bj::error_code&) { return begin_value(); }
  bool on_bool(bool, bj::error_code&) { return begin_value(); }
  bool on_null(bj::error_code&) { return begin_value(); }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  struct frame {
    bool is_object = false;
    std::vector<std::string> keys;  // of an object; the last one is current
    std::size_t next_index = 0;     // of an array
  };

  bool begin_value() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().next_index;
    return true;
  }

  // The pointer of the innermost open container, whose current member
  // contains the parse position, and whether it is complete: it is cut short
  // before a member name that may not be echoed.
  std::pair<std::string, bool> path() const {
    std::string out;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      const frame& f = frames_[i];
      if (f.is_object && !echoable_member_name(f.keys.back())) return {out, false};
      out = f.is_object ? pointer_to(out, f.keys.back()) : pointer_to(out, f.next_index - 1);
    }
    return {out, true};
  }

  std::vector<frame> frames_;
  std::string key_;
};

// Code points of valid UTF-8 (guaranteed by the parser).
std::size_t code_points(std::string_view s) noexcept {
  return static_cast<std::size_t>(
      std::ranges::count_if(s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_forbidden_characters(std::string_view s, bool multiline) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20) {
      if (!(multiline && (c == '\t' || c == '\n' || c == '\r'))) return true;
    } else if (c == 0x7F) {
      return true;
    } else if (c == 0xC2 && i + 1 < s.size()) {  // U+0080..U+009F: C1 controls
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return true;
    } else if (c == 0xE2 && i + 2 < s.size()) {  // bidi embeddings, overrides, isolates
      const auto d = static_cast<unsigned char>(s[i + 1]);
      const auto e = static_cast<unsigned char>(s[i + 2]);
      if (d == 0x80 && e >= 0xAA && e <= 0xAE) return true;  // U+202A..U+202E
      if (d == 0x81 && e >= 0xA6 && e <= 0xA9) return true;  // U+2066..U+2069
    }
  }
  return false;
}

}  // namespace

std::optional<bj::value> parse_document(std::string_view body, std::size_t max_bytes, std::size_t max_depth,
                                        validation_errors& errors) {
  if (body.size() > max_bytes) {
    report(errors, "", error::body_too_large);
    return std::nullopt;
  }
  bj::parse_options options;
  options.max_depth = max_depth;

  bj::basic_parser<duplicate_finder> sax(options);
  bj::error_code ec;
  const std::size_t used = sax.write_some(false, body.data(), body.size(), ec);
  if (const auto& failure = sax.handler().failure) {
    report(errors, failure->pointer, failure->code);
    return std::nullopt;
  }
  if (ec || used != body.size()) {
    report(errors, "", error::json_malformed);
    return std::nullopt;
  }
  bj::value v = bj::parse(bj::string_view{body.data(), body.size()}, ec, {}, options);
  if (ec) {  // the first pass accepted it; fail closed all the same
    report(errors, "", error::json_malformed);
    return std::nullopt;
  }
  return v;
}

error check_text(std::string_view s, text_rule rule) noexcept {
  if (s.empty() && !rule.allow_empty) return error::value_empty;
  if (code_points(s) > rule.max_chars) return error::value_too_long;
  if (has_forbidden_characters(s, rule.multiline)) return error::value_invalid_characters;
  return error::ok;
}

std::optional<std::string> read_text(const bj::value& v, const std::string& pointer, text_rule rule,
                                     validation_errors& errors) {
  if (!v.is_string()) {
    report(errors, pointer, error::wrong_type);
    return std::nullopt;
  }
  const std::string_view s{v.get_string().data(), v.get_string().size()};
  if (const error e = check_text(s, rule); e != error::ok) {
    report(errors, pointer, e);
    return std::nullopt;
  }
  return std::string{s};
}

std::optional<std::chrono::sys_days> read_date(const bj::value& v, const std::string& pointer,
                                               validation_errors& errors) {
  if (!v.is_string()) {
    report(errors, pointer, error::wrong_type);
    return std::nullopt;
  }
  const std::string_view s{v.get_string().data(), v.get_string().size()};
  const auto t = s.size() == 10 ? parse_date(s) : std::nullopt;
  const auto year = t ? std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*t)}.year()
                      : std::chrono::year{0};
  if (!t || year < std::chrono::year{1900} || year > std::chrono::year{2199}) {
    report(errors, pointer, error::date_invalid);
    return std::nullopt;
  }
  return std::chrono::floor<std::chrono::days>(*t);
}

std::optional<std::string> read_identifier(const bj::value& v, const std::string& pointer,
                                           result<void> (*validate)(std::string_view) noexcept,
                                           validation_errors& errors) {
  if (!v.is_string()) {
    report(errors, pointer, error::wrong_type);
    return std::nullopt;
  }
  const std::string_view s{v.get_string().data(), v.get_string().size()};
  if (auto r = validate(s); !r) {
    report(errors, pointer, domain_error_of(r.error()));
    return std::nullopt;
  }
  return std::string{s};
}

std::optional<contact> read_contact(const bj::value& v, const std::string& pointer,
                                    validation_errors& errors) {
  object_reader r(v, pointer, {"naam", "email", "telefoon"}, errors);
  auto name = r.text("naam", {.max_chars = max_contact_name_chars});
  auto email = r.identifier("email", validate_email);
  auto phone = r.identifier("telefoon", validate_phone);
  if (!name || !email || !phone) return std::nullopt;
  return contact{std::move(*name), std::move(*email), std::move(*phone)};
}

object_reader::object_reader(const bj::value& v, std::string pointer,
                             std::initializer_list<std::string_view> members, validation_errors& errors)
    : object_(v.if_object()), pointer_(std::move(pointer)), errors_(errors) {
  if (object_ == nullptr) {
    report(errors_, pointer_, error::wrong_type);
    return;
  }
  for (const auto& kv : *object_) {
    const std::string_view name{kv.key().data(), kv.key().size()};
    if (std::ranges::find(members, name) != members.end()) continue;
    report(errors_, echoable_member_name(name) ? detail::pointer_to(pointer_, name) : pointer_,
           error::unknown_field);
  }
}

std::string object_reader::pointer_to(std::string_view member) const {
  return detail::pointer_to(pointer_, member);
}

const bj::value* object_reader::get(std::string_view member, presence p) {
  if (object_ == nullptr) return nullptr;
  const bj::value* v = object_->if_contains(bj::string_view{member.data(), member.size()});
  if (v != nullptr && v->is_null()) v = nullptr;
  if (v == nullptr && p == presence::required) report(errors_, pointer_to(member), error::field_required);
  return v;
}

std::optional<std::string> object_reader::text(std::string_view member, text_rule rule, presence p) {
  const bj::value* v = get(member, p);
  if (v == nullptr) return std::nullopt;
  return read_text(*v, pointer_to(member), rule, errors_);
}

std::optional<bool> object_reader::boolean(std::string_view member, presence p) {
  const bj::value* v = get(member, p);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    report(errors_, pointer_to(member), error::wrong_type);
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> object_reader::integer(std::string_view member, std::int64_t min,
                                                   std::int64_t max, presence p) {
  const bj::value* v = get(member, p);
  if (v == nullptr) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {  // above INT64_MAX: out of any range we accept
    n = std::numeric_limits<std::int64_t>::max();
  } else {
    report(errors_, pointer_to(member), error::wrong_type);
    return std::nullopt;
  }
  if (n < min || n > max) {
    report(errors_, pointer_to(member), error::number_out_of_range);
    return std::nullopt;
  }
  return n;
}

std::optional<std::chrono::sys_days> object_reader::date(std::string_view member, presence p) {
  const bj::value* v = get(member, p);
  if (v == nullptr) return std::nullopt;
  return read_date(*v, pointer_to(member), errors_);
}

std::optional<std::string> object_reader::identifier(std::string_view member,
                                                     result<void> (*validate)(std::string_view) noexcept,
                                                     presence p) {
  const bj::value* v = get(member, p);
  if (v == nullptr) return std::nullopt;
  return read_identifier(*v, pointer_to(member), validate, errors_);
}

}  // namespace poort::domain::detail
