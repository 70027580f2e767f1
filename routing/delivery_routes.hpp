#pragma once
// The deliveries area (issue 5): the prison API, the municipal inbox on both
// listeners, and the administrators' view of the push outbox.
//
//   system listener, a prison (access::institution):
//     POST /api/v1/detentiemeldingen            201 receipt | 200 same receipt | 4xx
//     POST /api/v1/informatiebladen
//     POST /api/v1/intrekkingen
//     GET  /api/v1/leveringen/{berichtId}       status, for the sender only
//   system listener, a municipality's system (access::municipal_system), and
//   portal, a case worker (access::casework) - its own municipality only:
//     GET  /api/v1/berichten                    ?na=&limiet=&soort=&ongelezen=&onbevestigd=
//     GET  /api/v1/berichten/{berichtId}        content; marks read; audited
//     POST /api/v1/berichten/{berichtId}/ontvangstbevestiging
//   portal, an administrator:
//     GET  /api/v1/beheer/uitgaande-berichten   ?status=
//
// The sender is always the party of the client certificate, the
// municipality always the caller's own (certificate or login), never a value
// from the request. A 201 is sent only after the delivery, its inbox entry,
// its outbox entry and its audit record are durably committed together.
// The three POSTs are `async` routes (app::handle_async): they parse, check
// and hash the body on the calling thread, and answer from the store's
// writer thread once the commit is durable.
// api/deliveries.openapi.json documents every route.
//
// Thread safety: the services are immutable; the hooks must be thread-safe.

#include <boost/json/object.hpp>

#include <functional>
#include <memory>

#include "store/data_key.hpp"
#include "store/deliveries.hpp"

namespace poort::routing {

struct delivery_services {
  /// Seals and opens personal data; never null.
  std::shared_ptr<const store::data_key> key;
  store::delivery_settings settings;
  /// Called after a commit that queued a push (wakes the outbox worker).
  std::function<void()> push_queued;
  /// Called after a commit that purged content (empties the WAL).
  std::function<void()> content_purged;
};

/// An entry of the push outbox as the administrators' API shows it
/// (api/beheer.openapi.json, `UitgaandBericht`).
boost::json::object outbox_item_json(const store::outbox_item& item);

}  // namespace poort::routing
