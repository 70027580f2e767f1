#include "daemon/http_serialize.hpp"

#include <boost/beast/core/string.hpp>

#include <array>

#include "routing/app.hpp"

namespace poort::daemon {

namespace beast = boost::beast;
namespace http = beast::http;

void serialize_response(const routing::response& res, config::listener_kind listener, std::string_view target,
                        std::string_view request_id, std::string& out) {
  struct header {
    std::string_view name, value;
  };
  std::array<header, 16> common;
  std::size_t n = 0;
  routing::app::for_each_common_header(listener, target, request_id, res.find(http::field::etag) != res.end(),
                                       [&](std::string_view name, std::string_view value) {
                                         common[n++] = {name, value};
                                       });
  const auto replaced = [&](std::string_view name) {
    for (std::size_t i = 0; i < n; ++i)
      if (beast::iequals(common[i].name, name)) return true;
    return false;
  };

  out.clear();
  const auto reason = res.reason();
  std::size_t need = 16 + reason.size() + 2 + res.body().size();
  for (const auto& f : res) need += f.name_string().size() + f.value().size() + 4;
  for (std::size_t i = 0; i < n; ++i) need += common[i].name.size() + common[i].value.size() + 4;
  out.reserve(need);
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char status[4];
  const unsigned code = res.result_int() % 1000;
  status[0] = static_cast<char>('0' + code / 100);
  status[1] = static_cast<char>('0' + code / 10 % 10);
  status[2] = static_cast<char>('0' + code % 10);
  status[3] = ' ';
  out.append(status, 4);
  out += reason;
  out += "\r\n";
  const auto append = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  for (const auto& f : res)
    if (!replaced(f.name_string())) append(f.name_string(), f.value());
  for (std::size_t i = 0; i < n; ++i) append(common[i].name, common[i].value);
  out += "\r\n";
  out += res.body();
}

}  // namespace poort::daemon
