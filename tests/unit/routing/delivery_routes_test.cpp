// The deliveries routes through the real dispatcher (routing::app): the
// portal inbox for case workers (the login itself is another area, so the
// session lookup is a stand-in that reads a test header), the access rules
// per role and party, and 503 without the area's services.

#include "routing/delivery_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>
#include <set>
#include <thread>

#include "routing/app.hpp"
#include "routing/refusal_audit.hpp"
#include "store/registry.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::routing {
namespace {

namespace bj = boost::json;

constexpr std::string_view kPrison = "00000099000020010000";

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

std::string melding(const std::string& id, const std::string& gemeente) {
  return bj::serialize(
      bj::object{{"berichtId", id},
                 {"soort", "BEGIN"},
                 {"persoon",
                  {{"bsn", "123456782"},
                   {"geslachtsnaam", "Jansenius"},
                   {"voornamen", "Pieter"},
                   {"geboortedatum", "1990-04-17"}}},
                 {"gebeurtenisdatum", "2026-03-02"},
                 {"gemeentecode", gemeente},
                 {"grondslag", "LAATSTE_BRP_ADRES"},
                 {"casemanager",
                  {{"naam", "M. de Vries"}, {"email", "m@pi.example.nl"}, {"telefoon", "+31 20 123 4567"}}}});
}

class DeliveryRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db =
        store::database::open(store::test::store_config(dir_.path()), clock_, store::open_mode::migrate);
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    for (std::string code : {"GM0193", "GM0200"}) {
      store::municipality_record m;
      m.gemeentecode = code;
      m.naam = "Gemeente";
      m.geldig_van = "2000-01-01";
      m.status = domain::municipality_status::connected;
      m.wil_detentiemeldingen = m.wil_informatiebladen = true;
      ASSERT_TRUE(db_->write(
          [&](store::transaction& tx) { return store::upsert_municipality(tx, m, clock_.now(), true); }));
    }
    store::data_key::key_bytes k{};
    k.fill(3);
    auto d = std::make_shared<delivery_services>();
    d->key = std::make_shared<store::data_key>("k1", k, rnd_);
    refusals_ = std::make_unique<refusal_audit>(*db_, clock_);
    app_ = make_app(d);
  }

  std::unique_ptr<app> make_app(std::shared_ptr<const delivery_services> d) {
    services s;
    s.random = &rnd_;
    s.clock = &clock_;
    s.store = db_.get();
    s.delivery = std::move(d);
    s.refusals = refusals_.get();
    // Stand-in for the login area: "X-Test-User: <role> <gemeentecode>".
    s.authenticate_user = [](const request& req) -> result<auth::user> {
      auto v = std::string(req["X-Test-User"]);
      if (v.empty()) return make_error_code(common_error::invalid_argument);
      auth::user u;
      const auto space = v.find(' ');
      const auto role = v.substr(0, space);
      u.role = role == "casework"    ? auth::role::casework
               : role == "signatory" ? auth::role::signatory
                                     : auth::role::administrator;
      u.gemeentecode = space == std::string::npos ? "" : v.substr(space + 1);
      u.idp = "eherkenning";
      u.pseudonym = "pseudo-" + role;
      u.csrf_token = "csrf-token";
      return u;
    };
    return std::make_unique<app>(std::move(s), std::unordered_map<std::string, asset>{});
  }

  response call(config::listener_kind listener, http::verb method, const std::string& target,
                const std::string& body, std::map<std::string, std::string> headers,
                std::optional<auth::party> party = std::nullopt) {
    request req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    request_context ctx;
    ctx.listener = listener;
    ctx.request_id = "test-1";
    ctx.remote_address = "192.0.2.7";
    ctx.party = std::move(party);
    auto m = app_->find(listener, method, target);
    return app_->handle(m, req, ctx);
  }

  response portal(http::verb method, const std::string& target, const std::string& user, bool csrf = false) {
    std::map<std::string, std::string> h{{"X-Test-User", user}};
    if (csrf) h["X-CSRF-Token"] = "csrf-token";
    return call(config::listener_kind::portal, method, target, "", h);
  }

  response deliver(const std::string& body, std::string_view prison = kPrison) {
    return call(config::listener_kind::system, http::verb::post, "/api/v1/detentiemeldingen", body,
                {{"Content-Type", "application/json"}},
                auth::party{std::string(prison), "PI", auth::party_kind::institution, ""});
  }

  /// What `handle_async` did: the response, on which thread, and whether
  /// `done` had been called when `handle_async` returned.
  struct async_outcome {
    response res;
    std::thread::id thread;
    bool answered_before_return = false;
    std::int64_t stored_when_answered = -1;  ///< leveringen rows with the id, seen from another connection
  };

  async_outcome deliver_async(const std::string& body, const std::string& id, std::string content_type,
                              auth::party_kind kind = auth::party_kind::institution) {
    auto req = std::make_shared<request>(http::verb::post, "/api/v1/detentiemeldingen", 11);
    req->set(http::field::content_type, content_type);
    req->body() = body;
    req->prepare_payload();
    request_context ctx;
    ctx.listener = config::listener_kind::system;
    ctx.request_id = "test-async";
    ctx.remote_address = "192.0.2.7";
    ctx.party = auth::party{std::string(kPrison), "PI Zwolle", kind,
                            kind == auth::party_kind::institution ? "" : "GM0193"};
    auto m = app_->find(ctx.listener, req->method(), req->target());
    std::promise<async_outcome> answered;
    auto future = answered.get_future();
    app_->handle_async(m, req, ctx, [&, file = db_->file()](response res) {
      store::test::raw_db raw(file);
      answered.set_value({std::move(res), std::this_thread::get_id(), false,
                          raw.scalar("SELECT count(*) FROM leveringen WHERE bericht_id = '" + id + "'")});
    });
    const bool ready = future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    auto out = future.get();
    out.answered_before_return = ready;
    return out;
  }

  static bj::object json(const response& r) { return bj::parse(r.body()).as_object(); }

  store::test::temp_dir dir_;
  fake_clock clock_;
  fake_random rnd_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<refusal_audit> refusals_;
  std::unique_ptr<app> app_;

  std::int64_t audited(const std::string& where) {
    return store::test::raw_db(db_->file()).scalar("SELECT count(*) FROM audit_log WHERE " + where);
  }
};

// Verifies the case worker's inbox on the portal: list with filters, read, acknowledge.
TEST_F(DeliveryRoutes, CaseWorkerListsReadsAndAcknowledgesOwnInbox) {
  ASSERT_EQ(deliver(melding(uuid(1), "GM0193")).result_int(), 201u);
  ASSERT_EQ(deliver(melding(uuid(2), "GM0200")).result_int(), 201u);

  auto list =
      portal(http::verb::get, "/api/v1/berichten?ongelezen=true&soort=DETENTIEMELDING", "casework GM0193");
  ASSERT_EQ(list.result_int(), 200u) << list.body();
  auto items = json(list).at("berichten").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("berichtId").as_string(), uuid(1));

  auto read = portal(http::verb::get, "/api/v1/berichten/" + uuid(1), "casework GM0193");
  ASSERT_EQ(read.result_int(), 200u) << read.body();
  EXPECT_EQ(json(read).at("inhoud").at("persoon").at("geslachtsnaam").as_string(), "Jansenius");
  EXPECT_TRUE(json(portal(http::verb::get, "/api/v1/berichten?ongelezen=true", "casework GM0193"))
                  .at("berichten")
                  .as_array()
                  .empty());
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten/" + uuid(2), "casework GM0193").result_int(), 404u);

  const std::string ack = "/api/v1/berichten/" + uuid(1) + "/ontvangstbevestiging";
  auto no_csrf = portal(http::verb::post, ack, "casework GM0193");
  EXPECT_EQ(no_csrf.result_int(), 403u);
  EXPECT_EQ(json(no_csrf).at("code").as_string(), "csrf_token_invalid");
  auto acked = portal(http::verb::post, ack, "casework GM0193", true);
  ASSERT_EQ(acked.result_int(), 200u) << acked.body();
  EXPECT_FALSE(json(acked).at("bevestigdOp").is_null());

  store::test::raw_db raw(db_->file());
  EXPECT_EQ(raw.scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'delivery.read' AND result = 'success' AND "
                "actor = 'user:eherkenning:pseudo-casework;namens=gemeente:GM0193' AND origin = '192.0.2.7'"),
            1);
}

// Verifies issue 17 item 3 through the routes: newest first with who each
// message is about and its key date (never the BSN); a search by BSN in a
// POST body (CSRF on the portal), never in the URL; filters by period and
// order; every listing audited.
TEST_F(DeliveryRoutes, InboxListsNewestFirstAndSearchesByBsnInTheBody) {
  ASSERT_EQ(deliver(melding(uuid(11), "GM0193")).result_int(), 201u);
  auto other = bj::parse(melding(uuid(12), "GM0193")).as_object();
  other["persoon"].as_object()["bsn"] = "111222333";
  other["persoon"].as_object()["geslachtsnaam"] = "Bakker";
  other["verwachteInvrijheidstelling"] = "2026-10-01";
  ASSERT_EQ(deliver(bj::serialize(other)).result_int(), 201u);

  auto list = portal(http::verb::get, "/api/v1/berichten", "casework GM0193");
  ASSERT_EQ(list.result_int(), 200u) << list.body();
  auto items = json(list).at("berichten").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("berichtId").as_string(), uuid(12));
  EXPECT_EQ(items[0].at("persoon").at("geslachtsnaam").as_string(), "Bakker");
  EXPECT_EQ(items[0].at("persoon").at("geboortedatum").as_string(), "1990-04-17");
  EXPECT_EQ(items[0].at("invrijheidstelling").as_string(), "2026-10-01");
  EXPECT_EQ(items[0].at("meldingSoort").as_string(), "BEGIN");
  EXPECT_TRUE(items[1].at("invrijheidstelling").is_null());
  EXPECT_EQ(list.body().find("123456782"), std::string::npos) << "a list never carries the BSN";
  EXPECT_EQ(list.body().find("111222333"), std::string::npos);
  auto oldest =
      json(portal(http::verb::get, "/api/v1/berichten?volgorde=oudste&limiet=1", "casework GM0193"));
  EXPECT_EQ(oldest.at("berichten").as_array()[0].at("berichtId").as_string(), uuid(11));
  auto next = json(portal(
      http::verb::get,
      "/api/v1/berichten?volgorde=oudste&limiet=1&na=" + std::string(oldest.at("volgendeCursor").as_string()),
      "casework GM0193"));
  EXPECT_EQ(next.at("berichten").as_array()[0].at("berichtId").as_string(), uuid(12));
  // The fake clock stands in September 2026.
  EXPECT_EQ(
      json(portal(http::verb::get, "/api/v1/berichten?vanaf=2026-09-01&tot=2026-12-31", "casework GM0193"))
          .at("berichten")
          .as_array()
          .size(),
      2u);
  EXPECT_TRUE(json(portal(http::verb::get, "/api/v1/berichten?vanaf=2027-01-01", "casework GM0193"))
                  .at("berichten")
                  .as_array()
                  .empty())
      << "all received before that day";
  auto backwards =
      portal(http::verb::get, "/api/v1/berichten?vanaf=2026-09-02&tot=2026-09-01", "casework GM0193");
  ASSERT_EQ(backwards.result_int(), 400u);
  EXPECT_EQ(json(backwards).at("invalidParams").as_array()[0].at("code").as_string(), "DATE_INCONSISTENT");

  const std::map<std::string, std::string> form{{"X-Test-User", "casework GM0193"},
                                                {"X-CSRF-Token", "csrf-token"},
                                                {"Content-Type", "application/json"}};
  auto search = [&](const std::string& target, const std::string& body, auto headers) {
    return call(config::listener_kind::portal, http::verb::post, target, body, headers);
  };
  auto found = search("/api/v1/berichten/_zoek", R"({"bsn":"111222333"})", form);
  ASSERT_EQ(found.result_int(), 200u) << found.body();
  ASSERT_EQ(json(found).at("berichten").as_array().size(), 1u);
  EXPECT_EQ(json(found).at("berichten").as_array()[0].at("berichtId").as_string(), uuid(12));
  auto none = search("/api/v1/berichten/_zoek?soort=INFORMATIEBLAD", R"({"bsn":"111222333"})", form);
  EXPECT_TRUE(json(none).at("berichten").as_array().empty());

  auto no_csrf = form;
  no_csrf.erase("X-CSRF-Token");
  EXPECT_EQ(json(search("/api/v1/berichten/_zoek", R"({"bsn":"111222333"})", no_csrf)).at("code").as_string(),
            "csrf_token_invalid");
  auto bad = search("/api/v1/berichten/_zoek", R"({"bsn":"111222334"})", form);
  ASSERT_EQ(bad.result_int(), 400u);
  EXPECT_EQ(json(bad).at("invalidParams").as_array()[0].at("pointer").as_string(), "/bsn");
  EXPECT_EQ(json(bad).at("invalidParams").as_array()[0].at("code").as_string(), "BSN_INVALID");
  EXPECT_EQ(bad.body().find("111222334"), std::string::npos);
  EXPECT_EQ(search("/api/v1/berichten/_zoek", R"({"bsn":"111222333","x":1})", form).result_int(), 400u);
  EXPECT_EQ(search("/api/v1/berichten/_zoek", "{}", form).result_int(), 400u);
  // The BSN has no place in the URL.
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten?bsn=111222333", "casework GM0193").result_int(), 400u);

  store::test::raw_db raw(db_->file());
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list' AND "
                       "actor = 'user:eherkenning:pseudo-casework;namens=gemeente:GM0193' AND object LIKE "
                       "'postvak:GM0193;volgorde=nieuwste;zoek=bsn;aantal=1;eerste=" +
                       uuid(12) + "%'"),
            1);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list'"), 7);
}

// Verifies who may not: a signatory, an administrator without a municipality,
// someone not logged in, bad query parameters.
TEST_F(DeliveryRoutes, RefusesOtherRolesAndBadQueries) {
  EXPECT_EQ(json(portal(http::verb::get, "/api/v1/berichten", "signatory GM0193")).at("code").as_string(),
            "wrong_role");
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten", "administrator").result_int(), 403u);
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten", "").result_int(), 401u);
  auto bad =
      portal(http::verb::get, "/api/v1/berichten?limiet=0&soort=X&ongelezen=ja&x=1", "casework GM0193");
  ASSERT_EQ(bad.result_int(), 400u);
  EXPECT_EQ(json(bad).at("invalidParams").as_array().size(), 4u);
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten/not-a-uuid", "casework GM0193").result_int(), 404u);
}

// Verifies issue 14 item 7: a prison that sends a berichtId another prison
// used is told that the id is taken (its own code), not that it reused the id
// with another body, and nothing about the other prison's message; the same
// prison with another body keeps bericht_id_conflict. Both texts are Dutch.
TEST_F(DeliveryRoutes, AnotherPrisonsBerichtIdIsTakenNotAConflict) {
  ASSERT_EQ(deliver(melding(uuid(8), "GM0193")).result_int(), 201u);
  auto taken = deliver(melding(uuid(8), "GM0193"), "00000099000020020000");
  ASSERT_EQ(taken.result_int(), 409u) << taken.body();
  const auto t = json(taken);
  EXPECT_EQ(t.at("code").as_string(), "bericht_id_taken");
  const std::string detail(t.at("detail").as_string());
  EXPECT_NE(detail.find("berichtId"), std::string::npos) << detail;
  for (std::string_view told : {"ander bericht", "eerder", "gemeente", "GM0193", "inrichting", "body"})
    EXPECT_EQ(detail.find(told), std::string::npos) << told << " in: " << detail;
  EXPECT_EQ(taken.body().find(std::string(kPrison)), std::string::npos);

  auto changed = melding(uuid(8), "GM0200");
  auto conflict = deliver(changed);
  ASSERT_EQ(conflict.result_int(), 409u) << conflict.body();
  EXPECT_EQ(json(conflict).at("code").as_string(), "bericht_id_conflict");
  EXPECT_NE(std::string(json(conflict).at("detail").as_string()).find("U heeft dit berichtId al gebruikt"),
            std::string::npos);
}

// Verifies that a body that breaks the schema is answered in Dutch, with what
// to do (issue 14 item 7).
TEST_F(DeliveryRoutes, SchemaRefusalIsDutch) {
  auto bad = deliver("{}");
  ASSERT_EQ(bad.result_int(), 400u) << bad.body();
  EXPECT_EQ(json(bad).at("detail").as_string(),
            "Het bericht voldoet niet aan het schema. Herstel de velden die in invalidParams staan en stuur "
            "het opnieuw.");
}

// Verifies the administrators' view of the push outbox.
TEST_F(DeliveryRoutes, AdministratorSeesTheOutbox) {
  auto r = portal(http::verb::get, "/api/v1/beheer/uitgaande-berichten?status=OPGEGEVEN", "administrator");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_TRUE(json(r).at("uitgaandeBerichten").as_array().empty());
  EXPECT_EQ(portal(http::verb::get, "/api/v1/beheer/uitgaande-berichten", "casework GM0193").result_int(),
            403u);
  EXPECT_EQ(
      portal(http::verb::get, "/api/v1/beheer/uitgaande-berichten?status=X", "administrator").result_int(),
      400u);
}

// Verifies that the three prison POSTs, and only they, are asynchronous.
TEST_F(DeliveryRoutes, PrisonPostsAreAsync) {
  std::set<std::string> async;
  for (const auto& r : app_->routes().routes())
    if (r.async) {
      async.insert(r.name);
      EXPECT_TRUE(r.handle_async) << r.name;
    }
  EXPECT_EQ(async, (std::set<std::string>{"deliveries.detentiemeldingen", "deliveries.informatiebladen",
                                          "deliveries.intrekkingen"}));
}

// Verifies that handle_async answers a delivery from the writer thread, and
// only once the commit is visible to another connection.
TEST_F(DeliveryRoutes, AsyncPostAnswersFromTheWriterAfterTheCommit) {
  auto out = deliver_async(melding(uuid(4), "GM0193"), uuid(4), "application/json");
  ASSERT_EQ(out.res.result_int(), 201u) << out.res.body();
  EXPECT_EQ(json(out.res).at("berichtId").as_string(), uuid(4));
  EXPECT_EQ(out.res[http::field::location], "/api/v1/leveringen/" + uuid(4));
  EXPECT_NE(out.thread, std::this_thread::get_id());
  EXPECT_EQ(out.stored_when_answered, 1);
  // The same again: the original receipt, from the writer too.
  auto again = deliver_async(melding(uuid(4), "GM0193"), uuid(4), "application/json");
  EXPECT_EQ(again.res.result_int(), 200u);
  EXPECT_EQ(json(again.res).at("ontvangenOp"), json(out.res).at("ontvangenOp"));
}

// Verifies that refusals before the store, and routes that are not async,
// are answered on the calling thread before handle_async returns.
TEST_F(DeliveryRoutes, AsyncRefusalsAnswerBeforeReturning) {
  auto media = deliver_async(melding(uuid(5), "GM0193"), uuid(5), "text/plain");
  EXPECT_EQ(media.res.result_int(), 415u);
  EXPECT_TRUE(media.answered_before_return);
  EXPECT_EQ(media.thread, std::this_thread::get_id());
  EXPECT_EQ(media.stored_when_answered, 0);

  auto invalid = deliver_async("{}", uuid(6), "application/json");
  EXPECT_EQ(invalid.res.result_int(), 400u);
  EXPECT_TRUE(invalid.answered_before_return);

  auto party = deliver_async(melding(uuid(7), "GM0193"), uuid(7), "application/json",
                             auth::party_kind::municipal_system);
  EXPECT_EQ(party.res.result_int(), 403u);
  EXPECT_TRUE(party.answered_before_return);
  EXPECT_EQ(json(party.res).at("code").as_string(), "wrong_party_kind");

  auto req = std::make_shared<request>(http::verb::get, "/healthz", 11);
  request_context ctx;
  ctx.listener = config::listener_kind::system;
  std::optional<response> health;
  app_->handle_async(app_->find(ctx.listener, req->method(), req->target()), req, ctx,
                     [&](response res) { health = std::move(res); });
  ASSERT_TRUE(health);
  EXPECT_EQ(health->result_int(), 200u);
}

// Verifies that without the area's services (no data key) the routes answer 503.
TEST_F(DeliveryRoutes, WithoutServicesAnswers503) {
  app_ = make_app(nullptr);
  EXPECT_EQ(deliver(melding(uuid(3), "GM0193")).result_int(), 503u);
  EXPECT_EQ(portal(http::verb::get, "/api/v1/berichten", "casework GM0193").result_int(), 503u);
}

// Issue 14 item 6: every refusal of the access checks (401; 403 wrong party
// kind, unknown party, wrong role) is audited with origin, who and why;
// identical refusals per origin within a minute (by the injected clock) are
// one record with their count, written when the minute ends or at shutdown.
TEST_F(DeliveryRoutes, RefusalsAreAuditedCoalescedPerOriginPerMinute) {
  const auth::party prison{std::string(kPrison), "PI Zwolle", auth::party_kind::institution, ""};
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call(config::listener_kind::system, http::verb::get, "/api/v1/berichten", "", {}, prison)
                  .result_int(),
              403u);
  EXPECT_EQ(portal(http::verb::get, "/api/v1/beheer/uitgaande-berichten", "casework GM0193").result_int(),
            403u);
  EXPECT_EQ(call(config::listener_kind::portal, http::verb::get, "/api/v1/berichten", "", {}).result_int(),
            401u);
  {
    // A certificate of no registered party, from another address.
    request req{http::verb::get, "/api/v1/whoami", 11};
    request_context ctx;
    ctx.listener = config::listener_kind::system;
    ctx.request_id = "test-unknown";
    ctx.remote_address = "198.51.100.9";
    ctx.peer = auth::peer_certificate{"00000099000099990000", "onbekend", std::string(64, 'e')};
    ctx.party_error = auth::make_error_code(auth::error::unknown_party);
    EXPECT_EQ(app_->handle(app_->find(ctx.listener, req.method(), req.target()), req, ctx).result_int(),
              403u);
  }
  EXPECT_EQ(refusals_->open_windows(), 4u);
  // Nothing is written before the window ends.
  clock_.advance(std::chrono::seconds(59));
  EXPECT_EQ(refusals_->flush().value(), 0u);
  EXPECT_EQ(audited("action = 'access.refuse'"), 0);
  // A fourth identical refusal within the minute joins the window.
  EXPECT_EQ(
      call(config::listener_kind::system, http::verb::get, "/api/v1/berichten", "", {}, prison).result_int(),
      403u);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(refusals_->flush().value(), 4u);
  EXPECT_EQ(audited("action = 'access.refuse'"), 4);
  EXPECT_EQ(audited("action = 'access.refuse' AND object = 'route:inbox.list.system;count=4' AND result = "
                    "'denied:wrong_party_kind' AND origin = '192.0.2.7' AND actor = 'party:" +
                    std::string(kPrison) + "' AND request_id = 'test-1'"),
            1);
  EXPECT_EQ(
      audited(
          "action = 'access.refuse' AND object = 'route:outbox.list;count=1' AND result = "
          "'denied:wrong_role' AND actor = 'user:eherkenning:pseudo-casework;organisatie=gemeente:GM0193'"),
      1);
  EXPECT_EQ(audited("action = 'access.refuse' AND object = 'route:inbox.list.portal;count=1' AND result = "
                    "'denied:not_logged_in' AND actor = 'anonymous'"),
            1);
  EXPECT_EQ(audited("action = 'access.refuse' AND object = 'route:whoami;count=1' AND result = "
                    "'denied:unknown_party' AND origin = '198.51.100.9' AND actor = 'certificate:sha256:" +
                    std::string(64, 'e') + "'"),
            1);
  EXPECT_EQ(refusals_->open_windows(), 0u);

  // The next minute is a new window; at shutdown it is written unfinished.
  EXPECT_EQ(
      call(config::listener_kind::system, http::verb::get, "/api/v1/berichten", "", {}, prison).result_int(),
      403u);
  EXPECT_EQ(refusals_->flush().value(), 0u);
  EXPECT_EQ(refusals_->flush_all().value(), 1u);
  EXPECT_EQ(audited("action = 'access.refuse' AND object = 'route:inbox.list.system;count=1'"), 1);
}

// Verifies that the windows are bounded: past the limit, refusals from new
// origins are counted in one overflow window.
TEST_F(DeliveryRoutes, RefusalWindowsAreBounded) {
  refusal_audit small(*db_, clock_, std::chrono::minutes(1), 2);
  for (int i = 0; i < 5; ++i)
    small.record({"192.0.2." + std::to_string(i), "anonymous", "not_logged_in", "r", ""});
  EXPECT_EQ(small.open_windows(), 3u);
  EXPECT_EQ(small.flush_all().value(), 3u);
  EXPECT_EQ(audited("origin = 'overflow' AND object = 'route:r;count=3'"), 1);
}

// Issue 14 item 6: a prison's look at a delivery's status is audited (who
// saw what), also when the delivery is not its own; so is the outbox list.
TEST_F(DeliveryRoutes, StatusLooksAndListsAreAudited) {
  ASSERT_EQ(deliver(melding(uuid(30), "GM0193")).result_int(), 201u);
  const auth::party prison{std::string(kPrison), "PI Zwolle", auth::party_kind::institution, ""};
  const auth::party other{"00000099000020020000", "PI Lelystad", auth::party_kind::institution, ""};
  EXPECT_EQ(
      call(config::listener_kind::system, http::verb::get, "/api/v1/leveringen/" + uuid(30), "", {}, prison)
          .result_int(),
      200u);
  EXPECT_EQ(
      call(config::listener_kind::system, http::verb::get, "/api/v1/leveringen/" + uuid(30), "", {}, other)
          .result_int(),
      404u);
  EXPECT_EQ(audited("action = 'delivery.status' AND object = 'bericht:" + uuid(30) +
                    "' AND result = 'success' AND actor = 'party:" + std::string(kPrison) + "'"),
            1);
  EXPECT_EQ(audited("action = 'delivery.status' AND object = 'bericht:" + uuid(30) +
                    "' AND result = 'denied:not_found' AND actor = 'party:00000099000020020000'"),
            1);
  EXPECT_EQ(portal(http::verb::get, "/api/v1/beheer/uitgaande-berichten?status=WACHTEND", "administrator")
                .result_int(),
            200u);
  EXPECT_EQ(audited("action = 'outbox.list' AND object = 'status:WACHTEND' AND actor LIKE 'user:%'"), 1);
}

}  // namespace
}  // namespace poort::routing
