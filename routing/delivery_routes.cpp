#include "routing/delivery_routes.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

#include "common/log.hpp"
#include "domain/delivery.hpp"
#include "domain/identifiers.hpp"
#include "routing/app.hpp"
#include "routing/areas.hpp"
#include "routing/json_body.hpp"

namespace poort::routing {
namespace {

namespace bj = boost::json;
using domain::delivery_kind;

problem unavailable() {
  return problem::service_unavailable(
      "Berichten kunnen nu niet worden ontvangen of gelezen. Probeer het over een paar minuten opnieuw.");
}

problem not_found() {
  return problem::not_found(
      "Dit bericht bestaat niet, of het is niet voor uw gemeente. Controleer het berichtId; "
      "een bericht voor een andere gemeente is hier niet te zien.");
}

bj::value or_null(const std::string& s) { return s.empty() ? bj::value(nullptr) : bj::value(s); }

/// The problem for a refusal by a domain rule, with the sections (if any).
problem refusal_problem(const store::delivery_outcome& o) {
  if (o.replacement_unknown) return problem::replacement_unknown();
  std::vector<invalid_param> params;
  for (const auto& f : o.fields) params.push_back({f.pointer, std::string(domain::reason_code(f.code))});
  return problem::refusal(domain::domain_error_of(o.refusal), std::move(params),
                          http_status(condition_of(o.refusal)));
}

problem validation_problem(const domain::validation_errors& errors) {
  std::vector<invalid_param> params;
  for (const auto& f : errors) params.push_back({f.pointer, std::string(domain::reason_code(f.code))});
  constexpr std::string_view detail =
      "Het bericht voldoet niet aan het schema. Herstel de velden die in invalidParams staan en stuur het "
      "opnieuw.";
  if (domain::condition_of(errors) == condition::too_large)
    return problem::body_too_large(std::string(detail), std::move(params));
  return problem::invalid_body(std::move(params), std::string(detail));
}

bj::object receipt_json(const store::receipt& r) {
  return {{"berichtId", r.bericht_id},
          {"soort", domain::to_string(r.kind)},
          {"ontvangenOp", r.received_at},
          {"bodySha256", r.body_sha256}};
}

/// The display name of the party with `oin` in `cfg` (config [[parties]]), or null.
bj::value party_name(const config::config* cfg, std::string_view oin) {
  if (cfg)
    for (const auto& p : cfg->parties)
      if (p.oin == oin && !p.name.empty()) return bj::value(p.name);
  return nullptr;
}

/// The OINs of the other prisons of `oin`'s organisation in the party
/// configuration (issue 14: who may take over its sheets).
std::vector<std::string> same_organisation(const config::config* cfg, std::string_view oin) {
  std::vector<std::string> out;
  if (!cfg) return out;
  std::string_view organisation;
  for (const auto& p : cfg->parties)
    if (p.oin == oin && p.kind == config::party_kind::institution) organisation = p.organisation;
  if (organisation.empty()) return out;
  for (const auto& p : cfg->parties)
    if (p.oin != oin && p.kind == config::party_kind::institution && p.organisation == organisation)
      out.push_back(p.oin);
  return out;
}

bj::object entry_json(const store::inbox_entry& e, const config::config* cfg) {
  bj::object o{{"berichtId", e.bericht_id},
               {"soort", domain::to_string(e.kind)},
               {"cursor", std::to_string(e.seq)},
               {"afzenderOin", e.sender_oin},
               {"afzenderNaam", party_name(cfg, e.sender_oin)},
               {"ontvangenOp", e.received_at},
               {"gelezenOp", or_null(e.read_at)},
               {"bevestigdOp", or_null(e.acknowledged_at)},
               {"vervangenDoor", or_null(e.superseded_by)},
               {"gewistOp", or_null(e.purged_at)},
               {"gewistReden", or_null(e.purge_reason)}};
  if (e.kind == delivery_kind::informatieblad) {
    o["versie"] = e.version;
    bj::array purged;
    for (const auto& p : e.purged_sections)
      purged.push_back(bj::object{{"basisvoorwaarde", domain::to_string(p.section)},
                                  {"gewistOp", p.purged_at},
                                  {"gewistReden", p.reason}});
    o["gewisteSecties"] = std::move(purged);
  }
  return o;
}

/// An entry as the inbox listing shows it: the metadata, and who it is about
/// and its key date, so that a case worker can find a person without opening
/// every message (issue 17 item 3). Never the BSN.
bj::object list_item_json(const store::inbox_entry& e, const config::config* cfg) {
  bj::object o = entry_json(e, cfg);
  bj::value person = nullptr;
  if (e.summary && !e.summary->geslachtsnaam.empty())
    person = bj::object{{"geslachtsnaam", e.summary->geslachtsnaam},
                        {"voornamen", e.summary->voornamen},
                        {"geboortedatum", or_null(e.summary->geboortedatum)}};
  o["persoon"] = std::move(person);
  o["invrijheidstelling"] = or_null(e.release_date);
  if (e.kind == delivery_kind::detentiemelding) {
    o["meldingSoort"] = e.summary ? or_null(e.summary->melding_soort) : bj::value(nullptr);
    o["gebeurtenisdatum"] = e.summary ? or_null(e.summary->gebeurtenisdatum) : bj::value(nullptr);
  }
  return o;
}

/// The caller's own municipality: its system certificate's, or the logged-in
/// case worker's; "" when it has none.
std::string own_municipality(const request_context& ctx) {
  if (ctx.party && ctx.party->kind == auth::party_kind::municipal_system) return ctx.party->gemeentecode;
  if (ctx.user) return ctx.user->gemeentecode;
  return {};
}

std::optional<std::string> bericht_id_param(const request_context& ctx) {
  auto id = domain::normalize_uuid(ctx.param("berichtId"));
  if (!id) return std::nullopt;
  return *id;
}

class delivery_api {
 public:
  explicit delivery_api(const services& s) : s_(s) {}

  /// Parses, validates and checks the body here, then hands the
  /// transaction to the store's writer and answers from its thread once the
  /// commit is durable (or at once with a refusal).
  void post(delivery_kind kind, std::shared_ptr<const request> req, request_context& ctx,
            std::function<void(response)> done) const {
    if (!ready()) return done(problem_of(*req, ctx, unavailable()));
    if (!has_media_type(*req, "application/json"))
      return done(problem_of(*req, ctx, problem::unsupported_media_type()));
    auto incoming = parse(kind, req->body(), ctx);
    if (!incoming) return done(problem_of(*req, ctx, validation_problem(incoming.error())));
    incoming->sender_organisation = same_organisation(current_config().get(), incoming->sender_oin);
    // Sealed here, not on the store's writer: it serves every delivery in turn.
    auto sealed = store::seal_delivery(*s_.delivery->key, std::move(*incoming));
    if (!sealed) return done(store_failure(*req, ctx, "delivery.seal_failed", sealed.error()));

    // Everything the writer and the answer need, owned here: neither may
    // refer to `ctx` once the work is handed over.
    struct posting {
      store::sealed_delivery delivery_in;
      store::audit_identity who;
      sys_time now;
      std::string request_id;
      std::shared_ptr<const request> req;
      std::shared_ptr<const delivery_services> delivery;
      std::function<void(response)> done;
      store::delivery_outcome outcome;
    };
    auto p = std::make_shared<posting>(posting{std::move(*sealed),
                                               audit_identity_of(ctx),
                                               s_.clock->now(),
                                               ctx.request_id,
                                               std::move(req),
                                               s_.delivery,
                                               std::move(done),
                                               {}});
    s_.store->submit(
        [p](store::transaction& tx) -> result<void> {
          auto r = store::accept_delivery(tx, *p->delivery->key, p->delivery->settings, p->delivery_in,
                                          p->who, p->now);
          if (!r) return r.error();
          p->outcome = std::move(*r);
          return {};
        },
        [p](result<void> written) {
          p->done(answer_post(*p->req, *p->delivery, p->request_id, written, p->delivery_in.incoming,
                              p->outcome));
        });
  }

  /// The answer to a POST once the store has spoken.
  static response answer_post(const request& req, const delivery_services& delivery,
                              const std::string& request_id, const result<void>& written,
                              const store::incoming_delivery& incoming,
                              const store::delivery_outcome& outcome) {
    if (!written) return store_failure(req, request_id, "delivery.store_failed", written.error());
    switch (outcome.what) {
      case store::delivery_outcome::kind::refused: {
        auto p = refusal_problem(outcome);
        log::info("delivery.refused", {{"request_id", request_id},
                                       {"bericht_id", incoming.bericht_id()},
                                       {"party", incoming.sender_oin},
                                       {"reason", p.code}});
        return make_problem_response(req, p, request_id);
      }
      case store::delivery_outcome::kind::replayed:
        return make_json_response(req, http::status::ok, bj::serialize(receipt_json(outcome.rec)));
      case store::delivery_outcome::kind::created: break;
    }
    if (outcome.push_queued && delivery.push_queued) delivery.push_queued();
    if (!outcome.purged.empty() && delivery.content_purged) delivery.content_purged();
    log::info("delivery.accepted", {{"request_id", request_id},
                                    {"bericht_id", outcome.rec.bericht_id},
                                    {"kind", domain::to_string(incoming.kind())},
                                    {"party", incoming.sender_oin},
                                    {"purged_sheets", outcome.purged.size()}});
    auto res = make_json_response(req, http::status::created, bj::serialize(receipt_json(outcome.rec)));
    res.set(http::field::location, "/api/v1/leveringen/" + outcome.rec.bericht_id);
    return res;
  }

  response status(const request& req, request_context& ctx) const {
    if (!ready()) return problem_of(req, ctx, unavailable());
    auto id = bericht_id_param(ctx);
    if (!id) return problem_of(req, ctx, not_found());
    // Issue 14 item 6: who looked at which delivery's status is audited, in
    // the same transaction as the look (a record that cannot be written
    // fails the request).
    std::optional<store::delivery_status> found;
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto f = store::find_delivery(tx, *id);
      if (!f) return f.error();
      // Another institution's delivery looks the same as none.
      if (*f && (*f)->sender_oin == ctx.party->oin) found = std::move(**f);
      auto a = store::append_audit(tx, store::make_audit_record("delivery.status", "bericht:" + *id,
                                                                found ? "success" : "denied:not_found",
                                                                audit_identity_of(ctx), s_.clock->now()));
      if (!a) return a.error();
      return {};
    });
    if (!written) return store_failure(req, ctx, "delivery.status_failed", written.error());
    if (!found) return problem_of(req, ctx, not_found());
    const auto& d = *found;
    auto o = receipt_json(d.rec);
    o["gemeentecode"] = d.gemeentecode;
    o["status"] = d.status;
    o["doorgestuurdOp"] = or_null(d.pushed_at);
    o["gelezenOp"] = or_null(d.read_at);
    o["bevestigdOp"] = or_null(d.acknowledged_at);
    o["gewistOp"] = or_null(d.purged_at);
    return make_json_response(req, http::status::ok, bj::serialize(o));
  }

  /// GET /api/v1/berichten: the inbox, filtered by the query.
  response list(const request& req, request_context& ctx) const { return listing(req, ctx, false); }

  /// POST /api/v1/berichten/_zoek: the same, only about the person whose
  /// BSN the body names ({"bsn": "..."}): the BSN never travels in a URL.
  response search(const request& req, request_context& ctx) const { return listing(req, ctx, true); }

  response listing(const request& req, request_context& ctx, bool by_bsn) const {
    if (!ready()) return problem_of(req, ctx, unavailable());
    const std::string gemeente = own_municipality(ctx);
    if (gemeente.empty()) return no_municipality(req, ctx);
    store::inbox_filter f;
    f.gemeentecode = gemeente;
    problem bad = problem::invalid_query();
    auto url = boost::urls::parse_origin_form(std::string_view(req.target().data(), req.target().size()));
    if (!url) return problem_of(req, ctx, bad);
    for (const auto& p : url->params()) {
      const std::string& v = p.value;
      auto refuse = [&](std::string_view code) {
        bad.invalid_params.push_back({"/query/" + std::string(p.key), std::string(code)});
      };
      auto flag = [&](bool& out) {
        if (v == "true")
          out = true;
        else if (v == "false")
          out = false;
        else
          refuse("VALUE_UNKNOWN");
      };
      auto number = [&](auto& out, std::int64_t min, std::int64_t max) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || end != v.data() + v.size() || n < min || n > max)
          refuse("NUMBER_OUT_OF_RANGE");
        else
          out = static_cast<std::remove_reference_t<decltype(out)>>(n);
      };
      auto day = [&](std::optional<domain::date>& out) {
        if (auto t = parse_date(v))
          out = std::chrono::floor<std::chrono::days>(*t);
        else
          refuse("DATE_INVALID");
      };
      if (p.key == "na") {
        number(f.after_seq, 0, INT64_MAX);
      } else if (p.key == "limiet") {
        number(f.limit, 1, static_cast<std::int64_t>(store::max_inbox_page));
      } else if (p.key == "soort") {
        for (auto k :
             {delivery_kind::detentiemelding, delivery_kind::informatieblad, delivery_kind::intrekking})
          if (domain::to_string(k) == v) f.kind = k;
        if (!f.kind) refuse("VALUE_UNKNOWN");
      } else if (p.key == "ongelezen") {
        flag(f.unread_only);
      } else if (p.key == "onbevestigd") {
        flag(f.unacknowledged_only);
      } else if (p.key == "volgorde") {
        if (v == "nieuwste")
          f.order = store::inbox_order::newest_first;
        else if (v == "oudste")
          f.order = store::inbox_order::oldest_first;
        else
          refuse("VALUE_UNKNOWN");
      } else if (p.key == "vanaf") {
        day(f.received_from);
      } else if (p.key == "tot") {
        day(f.received_until);
      } else {
        bad.invalid_params.push_back({"/query", "UNKNOWN_FIELD"});
      }
    }
    if (f.received_from && f.received_until && *f.received_until < *f.received_from)
      bad.invalid_params.push_back({"/query/tot", "DATE_INCONSISTENT"});
    if (!bad.invalid_params.empty()) return problem_of(req, ctx, bad);
    if (by_bsn) {
      auto body = read_json_object(req, {"bsn"}, 2);
      if (!body) return problem_of(req, ctx, body.error());
      json_fields fields(*body);
      auto bsn = fields.text("bsn", 9);
      if (bsn && !domain::validate_bsn(*bsn)) fields.add("bsn", domain::error::bsn_invalid);
      if (!fields.errors().empty()) return problem_of(req, ctx, invalid_fields(fields.errors()));
      f.bsn = std::move(*bsn);
    }
    // Written, not only read: the listing is audited with it (who saw which list).
    std::vector<store::inbox_entry> entries;
    const auto who = audit_identity_of(ctx, gemeente);
    const auto now = s_.clock->now();
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto r = store::list_inbox(tx, *s_.delivery->key, f, who, now);
      if (!r) return r.error();
      entries = std::move(*r);
      return {};
    });
    if (!written) return store_failure(req, ctx, "inbox.list_failed", written.error());
    const auto cfg = current_config();
    bj::array items;
    for (const auto& e : entries) items.push_back(list_item_json(e, cfg.get()));
    bj::object o{{"berichten", std::move(items)},
                 {"volgendeCursor", std::to_string(entries.empty() ? f.after_seq : entries.back().seq)},
                 {"meer", entries.size() == f.limit}};
    return make_json_response(req, http::status::ok, bj::serialize(o));
  }

  response read(const request& req, request_context& ctx) const {
    if (!ready()) return problem_of(req, ctx, unavailable());
    const std::string gemeente = own_municipality(ctx);
    if (gemeente.empty()) return no_municipality(req, ctx);
    auto id = bericht_id_param(ctx);
    if (!id) return problem_of(req, ctx, not_found());
    std::optional<store::inbox_message> msg;
    const auto who = audit_identity_of(ctx, gemeente);
    const auto now = s_.clock->now();
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto r = store::read_message(tx, *s_.delivery->key, gemeente, *id, who, now);
      if (!r) return r.error();
      msg = std::move(*r);
      return {};
    });
    if (!written) return store_failure(req, ctx, "inbox.read_failed", written.error());
    if (!msg) return problem_of(req, ctx, not_found());
    auto o = entry_json(msg->entry, current_config().get());
    if (msg->entry.kind == delivery_kind::informatieblad) {
      bj::array withdrawn;
      for (auto b : msg->withdrawn) withdrawn.push_back(bj::value(domain::to_string(b)));
      o["ingetrokken"] = std::move(withdrawn);
    }
    o["inhoud"] = nullptr;
    if (msg->content_json) {
      boost::system::error_code ec;
      auto content = bj::parse(*msg->content_json, ec);
      if (ec) return store_failure(req, ctx, "inbox.content_corrupt", ec);
      o["inhoud"] = std::move(content);
    }
    return make_json_response(req, http::status::ok, bj::serialize(o));
  }

  response acknowledge(const request& req, request_context& ctx) const {
    if (!ready()) return problem_of(req, ctx, unavailable());
    const std::string gemeente = own_municipality(ctx);
    if (gemeente.empty()) return no_municipality(req, ctx);
    auto id = bericht_id_param(ctx);
    if (!id) return problem_of(req, ctx, not_found());
    std::optional<store::inbox_entry> entry;
    const auto who = audit_identity_of(ctx, gemeente);
    const auto now = s_.clock->now();
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto r = store::acknowledge_message(tx, s_.delivery->settings, gemeente, *id, who, now);
      if (!r) return r.error();
      entry = std::move(*r);
      return {};
    });
    if (!written) return store_failure(req, ctx, "inbox.acknowledge_failed", written.error());
    if (!entry) return problem_of(req, ctx, not_found());
    return make_json_response(req, http::status::ok,
                              bj::serialize(entry_json(*entry, current_config().get())));
  }

  response outbox(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return problem_of(req, ctx, unavailable());
    std::string status;
    auto url = boost::urls::parse_origin_form(std::string_view(req.target().data(), req.target().size()));
    problem bad = problem::invalid_query();
    if (!url) return problem_of(req, ctx, bad);
    for (const auto& p : url->params()) {
      if (p.key == "status" && (p.value == "WACHTEND" || p.value == "AFGELEVERD" || p.value == "OPGEGEVEN" ||
                                p.value == "VERVALLEN"))
        status = p.value;
      else
        bad.invalid_params.push_back(
            {"/query/" + std::string(p.key == "status" ? "status" : ""), "VALUE_UNKNOWN"});
    }
    if (!bad.invalid_params.empty()) return problem_of(req, ctx, bad);
    // Who saw which list is audited with the list (issue 14 item 6).
    std::vector<store::outbox_item> items;
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto listed = store::list_outbox(tx, status, 500);
      if (!listed) return listed.error();
      items = std::move(*listed);
      auto a = store::append_audit(
          tx, store::make_audit_record("outbox.list", status.empty() ? "" : "status:" + status, "success",
                                       audit_identity_of(ctx), s_.clock->now()));
      if (!a) return a.error();
      return {};
    });
    if (!written) return store_failure(req, ctx, "outbox.list_failed", written.error());
    bj::array out;
    for (const auto& i : items) out.push_back(outbox_item_json(i));
    return make_json_response(req, http::status::ok, bj::serialize(bj::object{{"uitgaandeBerichten", out}}));
  }

 private:
  bool ready() const { return s_.delivery && s_.delivery->key && s_.store && s_.clock; }

  /// The configuration in force, or null when the app has none (the sender's name is then unknown).
  std::shared_ptr<const config::config> current_config() const {
    return s_.current_config ? s_.current_config() : nullptr;
  }

  static response problem_of(const request& req, const request_context& ctx, const problem& p) {
    return make_problem_response(req, p, ctx.request_id);
  }

  static response no_municipality(const request& req, const request_context& ctx) {
    return problem_of(req, ctx, problem::no_municipality());
  }

  static response store_failure(const request& req, const request_context& ctx, std::string_view event,
                                const error_code& ec) {
    return store_failure(req, ctx.request_id, event, ec);
  }

  static response store_failure(const request& req, const std::string& request_id, std::string_view event,
                                const error_code& ec) {
    return store_failure_response(req, request_id, event, ec);
  }

  static std::expected<store::incoming_delivery, domain::validation_errors> parse(
      delivery_kind kind, std::string_view body, const request_context& ctx) {
    store::incoming_delivery d;
    d.sender_oin = ctx.party->oin;
    d.body_sha256 = domain::body_sha256(body);
    auto take = [&](auto parsed) -> std::expected<store::incoming_delivery, domain::validation_errors> {
      if (!parsed) return std::unexpected(std::move(parsed.error()));
      d.message = std::move(*parsed);
      return std::move(d);
    };
    switch (kind) {
      case delivery_kind::detentiemelding: return take(domain::parse_detentiemelding(body));
      case delivery_kind::informatieblad: return take(domain::parse_informatieblad(body));
      case delivery_kind::intrekking: break;
    }
    return take(domain::parse_intrekking(body));
  }

  const services& s_;
};

}  // namespace

boost::json::object outbox_item_json(const store::outbox_item& item) {
  return {{"berichtId", item.bericht_id},
          {"gemeentecode", item.gemeentecode},
          {"status", item.status},
          {"pogingen", item.attempts},
          {"volgendePogingOp", item.next_attempt_at},
          {"laatsteFout", or_null(item.last_error)},
          {"aangemaaktOp", item.created_at},
          {"afgeleverdOp", or_null(item.delivered_at)}};
}

void add_delivery_routes(router& r, const services& s) {
  // The api object lives as long as the handlers that share it.
  auto api = std::make_shared<const delivery_api>(s);
  auto post_route = [&](std::string name, std::string pattern, delivery_kind kind) {
    // async: the daemon calls handle_async; nothing waits, so not blocking.
    r.add({.name = std::move(name),
           .method = http::verb::post,
           .pattern = std::move(pattern),
           .listeners = on_system,
           .who = access::institution,
           .body_limit = domain::max_body_bytes(kind),
           .async = true,
           .handle_async = [api, kind](std::shared_ptr<const request> req, request_context& ctx,
                                       std::function<void(response)> done) {
             api->post(kind, std::move(req), ctx, std::move(done));
           }});
  };
  post_route("deliveries.detentiemeldingen", "/api/v1/detentiemeldingen", delivery_kind::detentiemelding);
  post_route("deliveries.informatiebladen", "/api/v1/informatiebladen", delivery_kind::informatieblad);
  post_route("deliveries.intrekkingen", "/api/v1/intrekkingen", delivery_kind::intrekking);
  using method = response (delivery_api::*)(const request&, request_context&) const;
  const auto bind = [&api](method m) {
    return [api, m](const request& req, request_context& ctx) { return (*api.*m)(req, ctx); };
  };
  r.add({.name = "deliveries.status",
         .method = http::verb::get,
         .pattern = "/api/v1/leveringen/{berichtId}",
         .listeners = on_system,
         .who = access::institution,
         .blocking = true,
         .handle = bind(&delivery_api::status)});

  // The inbox: the same API for a municipality's own system and for its case workers.
  struct listener_access {
    const char* suffix;
    listener_set listeners;
    access who;
  };
  for (const auto& la : {listener_access{"system", on_system, access::municipal_system},
                         listener_access{"portal", on_portal, access::casework}}) {
    const std::string sfx = la.suffix;
    r.add({.name = "inbox.list." + sfx,
           .method = http::verb::get,
           .pattern = "/api/v1/berichten",
           .listeners = la.listeners,
           .who = la.who,
           .blocking = true,
           .handle = bind(&delivery_api::list)});
    r.add({.name = "inbox.search." + sfx,
           .method = http::verb::post,
           .pattern = "/api/v1/berichten/_zoek",
           .listeners = la.listeners,
           .who = la.who,
           .body_limit = 1024,
           .blocking = true,
           .handle = bind(&delivery_api::search)});
    r.add({.name = "inbox.read." + sfx,
           .method = http::verb::get,
           .pattern = "/api/v1/berichten/{berichtId}",
           .listeners = la.listeners,
           .who = la.who,
           .blocking = true,
           .handle = bind(&delivery_api::read)});
    r.add({.name = "inbox.acknowledge." + sfx,
           .method = http::verb::post,
           .pattern = "/api/v1/berichten/{berichtId}/ontvangstbevestiging",
           .listeners = la.listeners,
           .who = la.who,
           .blocking = true,
           .handle = bind(&delivery_api::acknowledge)});
  }
  r.add({.name = "outbox.list",
         .method = http::verb::get,
         .pattern = "/api/v1/beheer/uitgaande-berichten",
         .listeners = on_portal,
         .who = access::administrator,
         .blocking = true,
         .handle = bind(&delivery_api::outbox)});
}

}  // namespace poort::routing
