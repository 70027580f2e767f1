// Fuzz target: a raw HTTP/1.x request through Beast's request parser with
// the daemon's settings (daemon/http_session.cpp, http_session::serve_one: the default
// listener limits, header_limit max_header_bytes + 1, eager(false) for the
// head, the head rules of daemon/http_framing.hpp, then the route's body
// limit), then the production dispatcher:
// routing::app::find, app::handle, app::finish, and serialization of the
// response. The app has no area services (login, onboarding, deliveries
// answer 503) and no store; the request context is chosen by the first byte:
//   bit 0: listener (0 portal, 1 system);
//   bits 1-2: the system listener's party (none, a prison, a municipal system);
//   bit 3: remote address loopback (else 192.0.2.7).
// The rest of the input is the byte stream of the request.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "daemon/http_framing.hpp"
#include "routing/app.hpp"
#include "routing/metrics.hpp"

namespace {

namespace http = boost::beast::http;
using namespace poort;

struct world {
  fake_clock clock;
  fake_random random;
  routing::metrics metrics{routing::app::route_names()};
  std::shared_ptr<const config::config> cfg = std::make_shared<config::config>();
  std::unique_ptr<routing::app> app;

  world() {
    log::set_sink([](std::string_view) {});
    routing::services s;
    s.random = &random;
    s.clock = &clock;
    s.metrics = &metrics;
    s.current_config = [this] { return cfg; };
    std::unordered_map<std::string, routing::asset> assets;
    assets.emplace("/index.html",
                   routing::asset{"text/html; charset=utf-8", "<!doctype html><p>poort</p>", "\"e1\""});
    app = std::make_unique<routing::app>(std::move(s), std::move(assets));
  }
};

world& the_world() {
  static world w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  world& w = the_world();
  const std::uint8_t selector = data[0];
  boost::asio::const_buffer input{data + 1, size - 1};

  const config::limits lim;  // the daemon's defaults
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(lim.max_header_bytes + 1));
  parser.body_limit(lim.max_body_bytes);
  parser.eager(false);

  boost::beast::error_code ec;
  const std::size_t head_bytes = parser.put(input, ec);
  if (ec || !parser.is_header_done() || head_bytes > lim.max_header_bytes) return 0;  // 431 / 400
  const bool folded =
      poort::daemon::has_obsolete_line_folding({static_cast<const char*>(input.data()), head_bytes});
  if (poort::daemon::check_request_head(parser, folded, lim.max_header_fields) !=
      poort::daemon::head_verdict::ok)
    return 0;  // 400 / 431, closed
  input += head_bytes;

  routing::request_context ctx;
  ctx.listener = (selector & 1) ? config::listener_kind::system : config::listener_kind::portal;
  ctx.request_id = "fuzz-1";
  ctx.remote_address = (selector & 8) ? "127.0.0.1" : "192.0.2.7";
  if (ctx.listener == config::listener_kind::system) {
    switch ((selector >> 1) & 3) {
      case 1:
        ctx.party = auth::party{"00000099000020010000", "PI Zwolle", auth::party_kind::institution, ""};
        break;
      case 2:
        ctx.party =
            auth::party{"00000099000020020000", "Gemeente", auth::party_kind::municipal_system, "GM0193"};
        break;
      default: break;
    }
  }

  const auto& head = parser.get();
  const std::string target(head.target());
  auto m = w.app->find(ctx.listener, head.method(), target);
  const bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);
  if (has_body && m.found) {
    parser.body_limit(std::min(m.found->body_limit, lim.max_body_bytes));
    parser.eager(true);
    while (!ec && !parser.is_done() && input.size() > 0) input += parser.put(input, ec);
    if (ec || !parser.is_done()) return 0;  // 413 / 400 / the client went away
  }

  routing::request req = parser.release();
  routing::response res = w.app->handle(m, req, ctx);
  routing::app::finish(res, ctx.listener, target, ctx.request_id);
  std::ostringstream out;
  out << res;
  return 0;
}
