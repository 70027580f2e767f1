#pragma once
// The bytes of a response on the wire, written into a reusable string.

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "routing/http.hpp"

namespace poort::daemon {

/// The serialised response, head and body, in `out` (which is cleared first),
/// with the headers every response carries (routing::app::finish) written
/// directly rather than added to the response's fields first. The handler's
/// fields are written as they are (handlers set Content-Length; no response
/// is chunked), except those that a common header replaces.
void serialize_response(const routing::response& res, config::listener_kind listener, std::string_view target,
                        std::string_view request_id, std::string& out);

}  // namespace poort::daemon
