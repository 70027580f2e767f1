#include "domain/delivery.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <functional>

#include "common/crypto.hpp"
#include "domain/identifiers.hpp"
#include "tests/unit/domain/print.hpp"

namespace poort::domain {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

std::string data_file(std::string_view name) {
  return read_file(std::string{POORT_SOURCE_DIR "/tests/data/domain/"} + std::string{name}).value();
}

/// The test file `name` after `edit`, serialized.
std::string edited(std::string_view name, const std::function<void(bj::object&)>& edit) {
  bj::value v = bj::parse(data_file(name));
  edit(v.as_object());
  return bj::serialize(v);
}

date day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

error code_of(const result<void>& r) { return r ? error::ok : domain_error_of(r.error()); }

// --- detentiemelding -----------------------------------------------------------------

TEST(Detentiemelding, ParsesTheExample) {
  const auto m = parse_detentiemelding(data_file("detentiemelding.json"));
  ASSERT_TRUE(m) << describe(m.error());
  EXPECT_EQ(m->bericht_id, "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b10");
  EXPECT_EQ(m->soort, melding_soort::begin);
  EXPECT_EQ(m->persoon.bsn, "123456782");
  EXPECT_EQ(m->persoon.geslachtsnaam, "Jansen");
  EXPECT_EQ(m->persoon.voornamen, "Pieter Jan");
  EXPECT_EQ(m->persoon.geboortedatum, day(1990, 4, 17));
  EXPECT_EQ(m->gebeurtenisdatum, day(2026, 3, 2));
  EXPECT_EQ(m->verwachte_invrijheidstelling, day(2026, 9, 1));
  EXPECT_EQ(m->gemeentecode, "GM0363");
  EXPECT_EQ(m->grondslag, grondslag::laatste_brp_adres);
  EXPECT_EQ(m->casemanager.email, "m.devries@pi-test.example.nl");
}

TEST(Detentiemelding, RoundTripsThroughJson) {
  const auto m = parse_detentiemelding(data_file("detentiemelding.json")).value();
  EXPECT_EQ(parse_detentiemelding(bj::serialize(to_json(m))).value(), m);
  detentiemelding without = m;
  without.verwachte_invrijheidstelling.reset();
  without.soort = melding_soort::einde;
  EXPECT_EQ(parse_detentiemelding(bj::serialize(to_json(without))).value(), without);
}

TEST(Detentiemelding, StoresBerichtIdInLowerCase) {
  const auto m = parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["berichtId"] = "3F2B8C1E-7D4A-4E2B-9C61-0A5D7E8F9B10";
  }));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bericht_id, "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b10");
}

TEST(Detentiemelding, ListsEveryBadFieldAsPointer) {
  const auto m = parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["berichtId"] = "not-a-uuid";
    o["soort"] = "ONTSNAPPING";
    o["persoon"].as_object()["bsn"] = "123456781";
    o["persoon"].as_object().erase("geslachtsnaam");
    o["persoon"].as_object()["geboortedatum"] = "1990-02-30";
    o["gebeurtenisdatum"] = 20260302;
    o["gemeentecode"] = "0363";
    o["casemanager"].as_object()["email"] = "geen e-mail";
    o["casemanager"].as_object()["telefoon"] = nullptr;
  }));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), (validation_errors{
                           {"/berichtId", error::uuid_invalid},
                           {"/soort", error::value_unknown},
                           {"/persoon/bsn", error::bsn_invalid},
                           {"/persoon/geslachtsnaam", error::field_required},
                           {"/persoon/geboortedatum", error::date_invalid},
                           {"/gebeurtenisdatum", error::wrong_type},
                           {"/gemeentecode", error::gemeentecode_invalid},
                           {"/casemanager/email", error::email_invalid},
                           {"/casemanager/telefoon", error::field_required},
                       }));
  EXPECT_EQ(condition_of(m.error()), condition::bad_request);
  EXPECT_EQ(describe({{"/persoon/bsn", error::bsn_invalid}}),
            R"([{"pointer":"/persoon/bsn","code":"BSN_INVALID"}])");
}

TEST(Detentiemelding, NeverEchoesValues) {
  const auto m = parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["persoon"].as_object()["bsn"] = "987654321";
    o["persoon"].as_object()["geslachtsnaam"] = std::string(201, 'Q');
    o["123456782"] = "x";
    o["Jansen"] = true;
  }));
  ASSERT_FALSE(m);
  const std::string text = describe(m.error());
  EXPECT_EQ(text.find("987654321"), std::string::npos);
  EXPECT_EQ(text.find("QQQ"), std::string::npos);
  EXPECT_EQ(text.find("123456782"), std::string::npos);
  // A member name of plain letters is named; any other name only by its parent.
  EXPECT_EQ(m.error(), (validation_errors{{"", error::unknown_field},
                                          {"/Jansen", error::unknown_field},
                                          {"/persoon/bsn", error::bsn_invalid},
                                          {"/persoon/geslachtsnaam", error::value_too_long}}));
}

TEST(Detentiemelding, RefusesUnknownFieldsAtAnyDepth) {
  const auto m = parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["inrichting"] = "PI Zwolle";
    o["persoon"].as_object()["adres"] = "Dam 1";
  }));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), (validation_errors{{"/inrichting", error::unknown_field},
                                          {"/persoon/adres", error::unknown_field}}));
}

TEST(Detentiemelding, RefusesRepeatedMembers) {
  const std::string body = data_file("detentiemelding.json");
  std::string twice = body;
  twice.replace(twice.find("\"bsn\""), 5, R"("bsn": "111222333", "bsn")");
  const auto m = parse_detentiemelding(twice);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), (validation_errors{{"/persoon/bsn", error::duplicate_field}}));

  const auto top = parse_detentiemelding(R"({"soort":"BEGIN","a":[{"x":1},{"y":2,"y":3}]})");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error(), (validation_errors{{"/a/1/y", error::duplicate_field}}));

  // Member names that may not be echoed end the pointer.
  const auto hidden = parse_detentiemelding(R"({"123456782":{"b":{"c":1,"c":2}}})");
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error(), (validation_errors{{"", error::duplicate_field}}));
  const auto hidden_key = parse_detentiemelding(R"({"persoon":{"Jan Jansen":1,"Jan Jansen":2}})");
  ASSERT_FALSE(hidden_key);
  EXPECT_EQ(hidden_key.error(), (validation_errors{{"/persoon", error::duplicate_field}}));
}

TEST(Detentiemelding, NameLengthCountsCodePoints) {
  const auto with_name = [](std::string name) {
    return parse_detentiemelding(edited(
        "detentiemelding.json", [&](bj::object& o) { o["persoon"].as_object()["geslachtsnaam"] = name; }));
  };
  std::string e_acute;
  for (std::size_t i = 0; i < max_name_chars; ++i) e_acute += "\xC3\xA9";  // 200 x U+00E9
  EXPECT_TRUE(with_name(e_acute));
  EXPECT_TRUE(with_name(std::string(max_name_chars, 'a')));
  EXPECT_EQ(with_name(std::string(max_name_chars + 1, 'a')).error(),
            (validation_errors{{"/persoon/geslachtsnaam", error::value_too_long}}));
  EXPECT_EQ(with_name("").error(), (validation_errors{{"/persoon/geslachtsnaam", error::value_empty}}));
  EXPECT_EQ(with_name("Jan\nsen").error(),
            (validation_errors{{"/persoon/geslachtsnaam", error::value_invalid_characters}}));
  EXPECT_EQ(with_name("Jan\xE2\x80\xAEsen").error(),  // U+202E right-to-left override
            (validation_errors{{"/persoon/geslachtsnaam", error::value_invalid_characters}}));
}

TEST(Detentiemelding, ChecksDateOrder) {
  const auto m = parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["persoon"].as_object()["geboortedatum"] = "2026-03-03";
    o["verwachteInvrijheidstelling"] = "2026-03-01";
  }));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), (validation_errors{{"/persoon/geboortedatum", error::date_inconsistent},
                                          {"/verwachteInvrijheidstelling", error::date_inconsistent}}));
  // An end of detention later than expected is no contradiction.
  EXPECT_TRUE(parse_detentiemelding(edited("detentiemelding.json", [](bj::object& o) {
    o["soort"] = "EINDE";
    o["verwachteInvrijheidstelling"] = "2026-03-01";
  })));
  EXPECT_EQ(parse_detentiemelding(
                edited("detentiemelding.json", [](bj::object& o) { o["gebeurtenisdatum"] = "1899-12-31"; }))
                .error()
                .front(),
            (field_error{"/gebeurtenisdatum", error::date_invalid}));
}

TEST(Detentiemelding, RefusesMalformedAndOversizeBodies) {
  EXPECT_EQ(parse_detentiemelding("{\"soort\":").error(), (validation_errors{{"", error::json_malformed}}));
  EXPECT_EQ(parse_detentiemelding("{} trailing").error(), (validation_errors{{"", error::json_malformed}}));
  EXPECT_EQ(parse_detentiemelding("{\"a\":1,}").error(), (validation_errors{{"", error::json_malformed}}));
  EXPECT_EQ(parse_detentiemelding("[]").error(), (validation_errors{{"", error::wrong_type}}));
  EXPECT_EQ(parse_detentiemelding("\"\xFF\"").error(),
            (validation_errors{{"", error::json_malformed}}));  // invalid UTF-8
  EXPECT_EQ(parse_detentiemelding(std::string(20, '[') + std::string(20, ']')).error(),
            (validation_errors{{"", error::json_malformed}}));  // too deep

  std::string big = data_file("detentiemelding.json");
  big.insert(1, std::string(max_body_bytes(delivery_kind::detentiemelding), ' '));
  const auto r = parse_detentiemelding(big);
  EXPECT_EQ(r.error(), (validation_errors{{"", error::body_too_large}}));
  EXPECT_EQ(condition_of(r.error()), condition::too_large);

  std::string many = "{";
  for (int i = 0; i < 65; ++i)
    many += (i ? ",\"" : "\"") + std::string(1 + i / 26, char('a' + i % 26)) + "\":1";
  many += "}";
  EXPECT_EQ(parse_detentiemelding(many).error(), (validation_errors{{"", error::too_many_items}}));
}

TEST(Detentiemelding, ReportsAtMostTheCap) {
  std::string body = "{";
  for (int i = 0; i < 60; ++i) body += (i ? ",\"" : "\"") + std::string(i + 1, 'x') + "\":1";
  body += "}";
  const auto r = parse_detentiemelding(body);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().size(), max_reported_errors);
}

// --- informatieblad ------------------------------------------------------------------

TEST(Informatieblad, ParsesTheExample) {
  const auto b = parse_informatieblad(data_file("informatieblad.json"));
  ASSERT_TRUE(b) << describe(b.error());
  EXPECT_EQ(b->toestemming.id, "TV-2026-000123");
  EXPECT_EQ(b->toestemming.datum, day(2026, 3, 10));
  EXPECT_EQ(
      b->toestemming.verleend,
      (basisvoorwaarde_set{basisvoorwaarde::werk_en_inkomen, basisvoorwaarde::onderdak, basisvoorwaarde::zorg,
                           basisvoorwaarde::schulden, basisvoorwaarde::identiteitsbewijs}));
  ASSERT_EQ(b->secties.size(), 3u);
  const auto& werk = b->secties.at(basisvoorwaarde::werk_en_inkomen);
  ASSERT_EQ(werk.size(), 2u);
  EXPECT_EQ(werk[0], (onderwerp_antwoord{onderwerp::werk, true, "Zoekt werk in de bouw."}));
  EXPECT_EQ(werk[1], (onderwerp_antwoord{onderwerp::uitkering, false, ""}));
  EXPECT_EQ(b->secties.at(basisvoorwaarde::onderdak)[0].toelichting,
            "Geen woning na vrijlating.\nWil terug naar de eigen wijk.");
  EXPECT_EQ(b->versie, 1);
  EXPECT_FALSE(b->vervangt);
  EXPECT_TRUE(check_consent(*b, {}).empty());
  EXPECT_EQ(parse_informatieblad(bj::serialize(to_json(*b))).value(), *b);
}

TEST(Informatieblad, TopicsAreSpreadOverTheSixConditions) {
  std::map<basisvoorwaarde, int> per_section;
  for (std::size_t i = 0; i < onderwerp_count; ++i) {
    const auto o = static_cast<onderwerp>(i);
    EXPECT_EQ(parse_onderwerp(to_string(o)), o);
    ++per_section[section_of(o)];
  }
  EXPECT_EQ(per_section.size(), 6u);
  EXPECT_FALSE(parse_onderwerp("werk"));
}

/// A sheet with a section for every condition and consent exactly for `mask`.
informatieblad sheet_with_consent(unsigned mask) {
  informatieblad b = parse_informatieblad(data_file("informatieblad.json")).value();
  b.toestemming.verleend = {};
  for (const basisvoorwaarde k : all_basisvoorwaarden)
    if (mask & (1u << static_cast<unsigned>(k))) b.toestemming.verleend.insert(k);
  for (std::size_t i = 0; i < onderwerp_count; ++i) {
    const auto o = static_cast<onderwerp>(i);
    auto& section = b.secties[section_of(o)];
    if (section.empty()) section.push_back({o, true, "x"});
  }
  return b;
}

// Verifies all 64 consent combinations: exactly the sections without
// consent are refused, each named by its pointer.
TEST(Informatieblad, EveryConsentCombination) {
  for (unsigned mask = 0; mask < 64; ++mask) {
    const informatieblad b = sheet_with_consent(mask);
    validation_errors expected;
    for (const basisvoorwaarde k : all_basisvoorwaarden)
      if (!(mask & (1u << static_cast<unsigned>(k))))
        expected.push_back({"/secties/" + std::string{member_name(k)}, error::consent_missing});
    EXPECT_EQ(check_consent(b, {}), expected) << "mask " << mask;
  }
}

TEST(Informatieblad, EachSectionWithoutConsentIsNamed) {
  const std::array<std::pair<basisvoorwaarde, const char*>, 6> names{{
      {basisvoorwaarde::werk_en_inkomen, "/secties/werkEnInkomen"},
      {basisvoorwaarde::onderdak, "/secties/onderdak"},
      {basisvoorwaarde::zorg, "/secties/zorg"},
      {basisvoorwaarde::schulden, "/secties/schulden"},
      {basisvoorwaarde::identiteitsbewijs, "/secties/identiteitsbewijs"},
      {basisvoorwaarde::zorg_voor_thuis, "/secties/zorgVoorThuis"},
  }};
  for (const auto& [k, pointer] : names) {
    informatieblad b = sheet_with_consent(0x3F);
    b.toestemming.verleend.erase(k);
    const validation_errors errors = check_consent(b, {});
    EXPECT_EQ(errors, (validation_errors{{pointer, error::consent_missing}})) << pointer;
    EXPECT_EQ(condition_of(errors), condition::unprocessable);
  }
}

TEST(Informatieblad, ConsentFromTheJsonBody) {
  // The example has no consent for ZORG_VOOR_THUIS; add a section for it.
  const auto b = parse_informatieblad(edited("informatieblad.json", [](bj::object& o) {
    o["secties"].as_object()["zorgVoorThuis"] =
        bj::array{bj::object{{"onderwerp", "KINDEREN"}, {"hulpNodig", true}}};
  }));
  ASSERT_TRUE(b) << describe(b.error());
  EXPECT_EQ(check_consent(*b, {}), (validation_errors{{"/secties/zorgVoorThuis", error::consent_missing}}));
}

TEST(Informatieblad, ValidatesSectionsAndTopics) {
  const auto b = parse_informatieblad(edited("informatieblad.json", [](bj::object& o) {
    auto& s = o["secties"].as_object();
    s["werkEnInkomen"].as_array().push_back(bj::object{{"onderwerp", "WERK"}, {"hulpNodig", false}});
    s["onderdak"].as_array()[0].as_object()["onderwerp"] = "SCHULDHULPVERLENING";
    s["zorg"] = bj::array{};
    s["schulden"] = bj::array{bj::object{{"onderwerp", "LOTERIJ"}, {"hulpNodig", "ja"}}};
    s["identiteitsbewijs"].as_array()[0].as_object()["toelichting"] =
        std::string(max_toelichting_chars + 1, 't');
  }));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), (validation_errors{
                           {"/secties/werkEnInkomen/2/onderwerp", error::duplicate_item},
                           {"/secties/onderdak/0/onderwerp", error::topic_wrong_section},
                           {"/secties/zorg", error::value_empty},
                           {"/secties/schulden/0/onderwerp", error::value_unknown},
                           {"/secties/schulden/0/hulpNodig", error::wrong_type},
                           {"/secties/identiteitsbewijs/0/toelichting", error::value_too_long},
                       }));
}

TEST(Informatieblad, ToelichtingLimitIsInclusive) {
  const auto b = parse_informatieblad(edited("informatieblad.json", [](bj::object& o) {
    o["secties"].as_object()["identiteitsbewijs"].as_array()[0].as_object()["toelichting"] =
        std::string(max_toelichting_chars, 't');
  }));
  EXPECT_TRUE(b);
}

TEST(Informatieblad, NeedsAtLeastOneSection) {
  const auto b =
      parse_informatieblad(edited("informatieblad.json", [](bj::object& o) { o["secties"] = bj::object{}; }));
  EXPECT_EQ(b.error(), (validation_errors{{"/secties", error::value_empty}}));
}

TEST(Informatieblad, VersionAndReplacementAgree) {
  const auto with = [](const std::function<void(bj::object&)>& edit) {
    return parse_informatieblad(edited("informatieblad.json", edit));
  };
  EXPECT_EQ(with([](bj::object& o) { o["vervangt"] = "8e1f5a90-2b3c-4d5e-8f70-000000000001"; }).error(),
            (validation_errors{{"/vervangt", error::version_inconsistent}}));
  EXPECT_EQ(with([](bj::object& o) { o["versie"] = 2; }).error(),
            (validation_errors{{"/vervangt", error::version_inconsistent}}));
  EXPECT_EQ(with([](bj::object& o) {
              o["versie"] = 2;
              o["vervangt"] = "8E1F5A90-2B3C-4D5E-8F70-123456789ABC";
            }).error(),
            (validation_errors{{"/vervangt", error::replaces_itself}}));
  EXPECT_EQ(with([](bj::object& o) { o["versie"] = 0; }).error(),
            (validation_errors{{"/versie", error::number_out_of_range}}));
  EXPECT_EQ(with([](bj::object& o) { o["versie"] = 1.0; }).error(),
            (validation_errors{{"/versie", error::wrong_type}}));
  EXPECT_EQ(with([](bj::object& o) { o["versie"] = 18446744073709551615ull; }).error(),
            (validation_errors{{"/versie", error::number_out_of_range}}));
  const auto v2 = with([](bj::object& o) {
    o["versie"] = 2;
    o["vervangt"] = "8e1f5a90-2b3c-4d5e-8f70-000000000001";
  });
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->vervangt, "8e1f5a90-2b3c-4d5e-8f70-000000000001");
}

TEST(Informatieblad, ConsentRecordIsComplete) {
  const auto b = parse_informatieblad(edited("informatieblad.json", [](bj::object& o) {
    auto& t = o["toestemming"].as_object();
    t["id"] = "TV 2026/1";
    t["basisvoorwaarden"].as_object().erase("schulden");
    t["basisvoorwaarden"].as_object()["onderdak"] = "ja";
  }));
  EXPECT_EQ(b.error(), (validation_errors{
                           {"/toestemming/id", error::value_invalid_characters},
                           {"/toestemming/basisvoorwaarden/onderdak", error::wrong_type},
                           {"/toestemming/basisvoorwaarden/schulden", error::field_required},
                       }));
}

TEST(Informatieblad, NewerVersionSupersedesOlderForTheSamePerson) {
  const informatieblad v1 = parse_informatieblad(data_file("informatieblad.json")).value();
  informatieblad v2 = v1;
  v2.bericht_id = "8e1f5a90-2b3c-4d5e-8f70-000000000002";
  v2.versie = 2;
  v2.vervangt = v1.bericht_id;
  EXPECT_TRUE(supersedes(v2, v1));
  EXPECT_FALSE(supersedes(v1, v2));
  EXPECT_FALSE(supersedes(v1, v1));
  EXPECT_TRUE(check_replacement(v2, v1));

  informatieblad other = v2;
  other.persoon.bsn = "111222333";
  EXPECT_FALSE(supersedes(other, v1));
  EXPECT_EQ(code_of(check_replacement(other, v1)), error::replacement_other_person);
  other = v2;
  other.gemeentecode = "GM0599";
  EXPECT_EQ(code_of(check_replacement(other, v1)), error::replacement_other_person);
  EXPECT_EQ(code_of(check_replacement(v1, v2)), error::replacement_not_newer);
  EXPECT_EQ(condition_of(make_error_code(error::replacement_not_newer)), condition::conflict);
}

// --- intrekking ----------------------------------------------------------------------

TEST(Intrekking, ParsesListAndAlle) {
  const auto w = parse_intrekking(data_file("intrekking.json"));
  ASSERT_TRUE(w) << describe(w.error());
  EXPECT_EQ(w->bsn, "123456782");
  EXPECT_EQ(w->toestemming_id, "TV-2026-000123");
  EXPECT_EQ(w->ingetrokken,
            (basisvoorwaarde_set{basisvoorwaarde::onderdak, basisvoorwaarde::werk_en_inkomen}));
  EXPECT_EQ(parse_intrekking(bj::serialize(to_json(*w))).value(), *w);

  const auto all =
      parse_intrekking(edited("intrekking.json", [](bj::object& o) { o["basisvoorwaarden"] = "ALLE"; }));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->ingetrokken, basisvoorwaarde_set::all());
  EXPECT_EQ(bj::serialize(to_json(*all).at("basisvoorwaarden")), "\"ALLE\"");
}

TEST(Intrekking, RefusesBadConditionLists) {
  const auto with = [](bj::value v) {
    return parse_intrekking(edited("intrekking.json", [&](bj::object& o) { o["basisvoorwaarden"] = v; }));
  };
  EXPECT_EQ(with("alle").error(), (validation_errors{{"/basisvoorwaarden", error::value_unknown}}));
  EXPECT_EQ(with(bj::array{}).error(), (validation_errors{{"/basisvoorwaarden", error::value_empty}}));
  EXPECT_EQ(with(bj::array{"ZORG", "ZORG"}).error(),
            (validation_errors{{"/basisvoorwaarden/1", error::duplicate_item}}));
  EXPECT_EQ(with(bj::array{"ZORG", "HUISDIEREN", 3}).error(),
            (validation_errors{{"/basisvoorwaarden/1", error::value_unknown},
                               {"/basisvoorwaarden/2", error::wrong_type}}));
  EXPECT_EQ(with(7).error(), (validation_errors{{"/basisvoorwaarden", error::wrong_type}}));
  EXPECT_EQ(
      parse_intrekking(edited("intrekking.json",
                              [](bj::object& o) { o["persoon"].as_object()["geslachtsnaam"] = "Jansen"; }))
          .error(),
      (validation_errors{{"/persoon/geslachtsnaam", error::unknown_field}}));
}

TEST(Intrekking, PurgesWithdrawnSectionsOfEarlierSheets) {
  const informatieblad sheet = parse_informatieblad(data_file("informatieblad.json")).value();
  intrekking w = parse_intrekking(data_file("intrekking.json")).value();
  EXPECT_EQ(sections_to_purge(w, sheet),
            (std::vector{basisvoorwaarde::werk_en_inkomen, basisvoorwaarde::onderdak}));

  const informatieblad purged = apply_withdrawal(sheet, w);
  EXPECT_EQ(purged.secties.size(), 1u);
  EXPECT_TRUE(purged.secties.contains(basisvoorwaarde::identiteitsbewijs));
  EXPECT_FALSE(purged.toestemming.verleend.contains(basisvoorwaarde::onderdak));
  EXPECT_TRUE(purged.toestemming.verleend.contains(basisvoorwaarde::zorg));
  EXPECT_TRUE(check_consent(purged, {}).empty());

  w.ingetrokken = basisvoorwaarde_set::all();
  EXPECT_EQ(sections_to_purge(w, sheet).size(), 3u);

  intrekking other_consent = w;
  other_consent.toestemming_id = "TV-2026-000999";
  EXPECT_TRUE(sections_to_purge(other_consent, sheet).empty());
  EXPECT_EQ(apply_withdrawal(sheet, other_consent), sheet);
  intrekking other_person = w;
  other_person.bsn = "111222333";
  EXPECT_TRUE(sections_to_purge(other_person, sheet).empty());
}

held_sheet held(const informatieblad& base, std::string id, std::string gemeente) {
  informatieblad s = base;
  s.bericht_id = id;
  s.gemeentecode = gemeente;
  return {std::move(id), std::move(s)};
}

// Verifies that a withdrawal reaches exactly the municipalities that hold a
// sheet of the person under that consent, each about its own sheets only,
// and that a withdrawal concerning no held sheet is refused.
TEST(Intrekking, ReachesExactlyTheMunicipalitiesHoldingTheSheets) {
  const informatieblad sheet = parse_informatieblad(data_file("informatieblad.json")).value();
  const intrekking w = parse_intrekking(data_file("intrekking.json")).value();
  informatieblad other_person = sheet;
  other_person.persoon.bsn = "111222333";
  informatieblad other_consent = sheet;
  other_consent.toestemming.id = "TV-2026-000999";
  informatieblad without_withdrawn = sheet;
  without_withdrawn.secties.erase(basisvoorwaarde::werk_en_inkomen);
  without_withdrawn.secties.erase(basisvoorwaarde::onderdak);
  const std::vector<held_sheet> all{
      held(sheet, "00000000-0000-4000-8000-000000000001", "GM0200"),
      held(other_person, "00000000-0000-4000-8000-000000000002", "GM0300"),
      held(other_consent, "00000000-0000-4000-8000-000000000003", "GM0400"),
      held(without_withdrawn, "00000000-0000-4000-8000-000000000004", "GM0500"),
      held(sheet, "00000000-0000-4000-8000-000000000005", w.gemeentecode),
      held(sheet, "00000000-0000-4000-8000-000000000006", "GM0200"),
  };
  auto plan = plan_withdrawal(w, all);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->size(), 3u) << "GM0300 (another person) and GM0400 (another consent) hear nothing";
  EXPECT_EQ((*plan)[0].gemeentecode, "GM0200");
  EXPECT_EQ((*plan)[0].sheets, (std::vector<std::string>{"00000000-0000-4000-8000-000000000001",
                                                         "00000000-0000-4000-8000-000000000006"}));
  EXPECT_EQ((*plan)[0].reduced, (*plan)[0].sheets);
  EXPECT_EQ((*plan)[0].bericht_id, notice_id(w.bericht_id, "GM0200"));
  EXPECT_EQ((*plan)[1].gemeentecode, "GM0500");
  EXPECT_EQ((*plan)[1].sheets, std::vector<std::string>{"00000000-0000-4000-8000-000000000004"});
  EXPECT_TRUE((*plan)[1].reduced.empty()) << "told, though it loses no section";
  EXPECT_EQ((*plan)[2].gemeentecode, w.gemeentecode);
  EXPECT_EQ((*plan)[2].bericht_id, w.bericht_id) << "the named municipality keeps the berichtId";

  // The named municipality holds nothing: the first holder keeps the id.
  auto elsewhere = plan_withdrawal(w, std::span{all}.first(4));
  ASSERT_TRUE(elsewhere);
  ASSERT_EQ(elsewhere->size(), 2u);
  EXPECT_EQ((*elsewhere)[0].bericht_id, w.bericht_id);
  EXPECT_EQ((*elsewhere)[1].bericht_id, notice_id(w.bericht_id, "GM0500"));

  // Nothing held under that consent of that person: refused.
  for (auto held_now : {std::span{all}.subspan(1, 2), std::span<const held_sheet>{}}) {
    auto refused = plan_withdrawal(w, held_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(domain_error_of(refused.error()), error::withdrawal_unmatched);
  }
}

TEST(Intrekking, NoticeIdIsAStableUuidPerMunicipality) {
  const std::string a = notice_id("00000000-0000-4000-8000-000000000001", "GM0200");
  EXPECT_EQ(a, notice_id("00000000-0000-4000-8000-000000000001", "GM0200"));
  EXPECT_NE(a, notice_id("00000000-0000-4000-8000-000000000001", "GM0300"));
  EXPECT_NE(a, notice_id("00000000-0000-4000-8000-000000000002", "GM0200"));
  EXPECT_TRUE(validate_uuid(a)) << a;
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '8');
}

TEST(Intrekking, NoticeSpeaksOfTheMunicipalitysOwnSheetsOnly) {
  const intrekking w = parse_intrekking(data_file("intrekking.json")).value();
  withdrawal_notice n{
      notice_id(w.bericht_id, "GM0200"), "GM0200", {"00000000-0000-4000-8000-000000000001"}, {}};
  const auto o = to_json(w, n);
  EXPECT_EQ(o.at("berichtId").as_string(), n.bericht_id);
  EXPECT_EQ(o.at("gemeentecode").as_string(), "GM0200");
  EXPECT_EQ(o.at("toestemmingId").as_string(), w.toestemming_id);
  EXPECT_EQ(o.at("persoon").at("bsn").as_string(), w.bsn);
  EXPECT_EQ(o.at("informatiebladen"), (bj::array{"00000000-0000-4000-8000-000000000001"}));
  EXPECT_EQ(o.at("basisvoorwaarden"), to_json(w).at("basisvoorwaarden"));
}

// Verifies issue 14 item 3: only the sending prison, or a prison of the same
// organisation that names the sheet, may supersede or withdraw it.
TEST(SheetAction, OnlyTheSenderOrTheNamingPrisonOfTheSameOrganisation) {
  const std::string a = "00000099000020010000", b = "00000099000020020000", c = "00000099000020030000";
  const std::vector<std::string> b_org{a};  // b's organisation also holds a
  EXPECT_EQ(code_of(check_sheet_action(a, a, {}, false)), error::ok) << "the sender itself";
  EXPECT_EQ(code_of(check_sheet_action(a, a, {}, true)), error::ok);
  EXPECT_EQ(code_of(check_sheet_action(b, a, b_org, true)), error::ok) << "moved to b, which names the sheet";
  EXPECT_EQ(code_of(check_sheet_action(b, a, b_org, false)), error::other_prison)
      << "same organisation, but the consent id alone grants nothing";
  EXPECT_EQ(code_of(check_sheet_action(c, a, {}, true)), error::other_prison) << "another organisation";
  EXPECT_EQ(code_of(check_sheet_action(c, a, std::vector<std::string>{b}, true)), error::other_prison);
  EXPECT_EQ(condition_of(make_error_code(error::other_prison)), condition::forbidden);
}

TEST(Intrekking, MayNameTheSheetItTakesOver) {
  const std::string body = edited("intrekking.json", [](bj::object& o) {
    o["informatiebladId"] = "C0FFEE00-1234-4ABC-8DEF-000000000009";
  });
  const intrekking w = parse_intrekking(body).value();
  EXPECT_EQ(w.informatieblad_id, "c0ffee00-1234-4abc-8def-000000000009");
  EXPECT_EQ(parse_intrekking(bj::serialize(to_json(w))).value(), w);
  EXPECT_FALSE(parse_intrekking(data_file("intrekking.json")).value().informatieblad_id);
  EXPECT_EQ(
      parse_intrekking(edited("intrekking.json", [](bj::object& o) { o["informatiebladId"] = "x"; })).error(),
      (validation_errors{{"/informatiebladId", error::uuid_invalid}}));
  // A notice never carries it: it may name another municipality's sheet.
  withdrawal_notice n{w.bericht_id, "GM0200", {"00000000-0000-4000-8000-000000000001"}, {}};
  EXPECT_FALSE(to_json(w, n).contains("informatiebladId"));
}

TEST(Intrekking, LaterSheetsNeedingWithdrawnConsentFail) {
  const informatieblad sheet = parse_informatieblad(data_file("informatieblad.json")).value();
  const intrekking w = parse_intrekking(data_file("intrekking.json")).value();
  EXPECT_EQ(check_consent(sheet, std::span{&w, 1}),
            (validation_errors{{"/secties/werkEnInkomen", error::consent_withdrawn},
                               {"/secties/onderdak", error::consent_withdrawn}}));
  // A new consent record (another id) is not affected by the old withdrawal.
  informatieblad renewed = sheet;
  renewed.toestemming.id = "TV-2026-000200";
  EXPECT_TRUE(check_consent(renewed, std::span{&w, 1}).empty());
  // Nor is a sheet without the withdrawn sections.
  informatieblad only_id = sheet;
  only_id.secties.erase(basisvoorwaarde::werk_en_inkomen);
  only_id.secties.erase(basisvoorwaarde::onderdak);
  EXPECT_TRUE(check_consent(only_id, std::span{&w, 1}).empty());
}

// --- rules ---------------------------------------------------------------------------

TEST(Deliverable, OnlyConnectedMunicipalitiesThatWantTheKind) {
  const delivery_preferences both{true, true}, none{false, false};
  const delivery_preferences only_meldingen{true, false}, only_bladen{false, true};
  for (int v = 0; v <= static_cast<int>(municipality_status::disconnected); ++v) {
    const auto s = static_cast<municipality_status>(v);
    const error expected = s == municipality_status::connected ? error::ok : error::not_connected;
    EXPECT_EQ(code_of(check_deliverable(delivery_kind::detentiemelding, s, both)), expected);
    EXPECT_EQ(code_of(check_deliverable(delivery_kind::informatieblad, s, both)), expected);
    EXPECT_EQ(code_of(check_deliverable(delivery_kind::intrekking, s, none)), error::ok);
  }
  const auto connected = municipality_status::connected;
  EXPECT_EQ(code_of(check_deliverable(delivery_kind::detentiemelding, connected, only_bladen)),
            error::not_wanted);
  EXPECT_EQ(code_of(check_deliverable(delivery_kind::informatieblad, connected, only_meldingen)),
            error::not_wanted);
  EXPECT_EQ(code_of(check_deliverable(delivery_kind::detentiemelding, connected, only_meldingen)), error::ok);
  EXPECT_EQ(reason_code(error::not_connected), "NOT_CONNECTED");
  EXPECT_EQ(reason_code(error::not_wanted), "NOT_WANTED");

  application a;
  a.wants_information_sheets = true;
  EXPECT_EQ(preferences_of(a), only_bladen);
}

TEST(PushTarget, OnlyConnectedMunicipalitiesWithAnHttpsEndpoint) {
  const std::string ok = "https://gemeente.example/push";
  for (int v = 0; v <= static_cast<int>(municipality_status::disconnected); ++v) {
    const auto s = static_cast<municipality_status>(v);
    if (s == municipality_status::connected) continue;
    EXPECT_EQ(push_target_of(s, ok), push_target::not_connected) << v;
    EXPECT_EQ(push_target_of(s, ""), push_target::not_connected) << v;
    EXPECT_EQ(push_target_of(s, "http://x"), push_target::not_connected) << v;
  }
  const auto connected = municipality_status::connected;
  EXPECT_EQ(push_target_of(connected, ok), push_target::push);
  EXPECT_EQ(push_target_of(connected, ""), push_target::no_endpoint);
  EXPECT_EQ(push_target_of(connected, "http://gemeente.example/push"), push_target::endpoint_invalid);
  EXPECT_EQ(push_target_of(connected, "HTTPS://gemeente.example/push"), push_target::endpoint_invalid);
  EXPECT_EQ(push_target_of(connected, " https://gemeente.example/push"), push_target::endpoint_invalid);

  const std::string at_limit = "https://" + std::string(2048 - 8, 'a');
  EXPECT_TRUE(valid_push_endpoint(at_limit));
  EXPECT_FALSE(valid_push_endpoint(at_limit + "a"));
  EXPECT_EQ(push_target_of(connected, at_limit + "a"), push_target::endpoint_invalid);
  EXPECT_TRUE(valid_push_endpoint(ok));
  EXPECT_FALSE(valid_push_endpoint(""));
  EXPECT_FALSE(valid_push_endpoint("https:/x"));
}

TEST(DeliveryState, IsTheFurthestStateReached) {
  EXPECT_EQ(delivery_state_of({}), delivery_state::in_postvak);
  EXPECT_EQ(delivery_state_of({.pushed = true}), delivery_state::doorgestuurd);
  EXPECT_EQ(delivery_state_of({.pushed = true, .read = true}), delivery_state::gelezen);
  EXPECT_EQ(delivery_state_of({.read = true}), delivery_state::gelezen);
  EXPECT_EQ(delivery_state_of({.read = true, .acknowledged = true}), delivery_state::bevestigd);
  EXPECT_EQ(delivery_state_of({.acknowledged = true}), delivery_state::bevestigd) << "acknowledged unread";
  EXPECT_EQ(delivery_state_of({.pushed = true, .read = true, .acknowledged = true, .purged = true}),
            delivery_state::gewist);
  EXPECT_EQ(delivery_state_of({.purged = true}), delivery_state::gewist) << "purged before anything else";
  // Every combination: purged wins, then acknowledged, then read, then pushed.
  for (int bits = 0; bits < 16; ++bits) {
    const delivery_progress p{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
    const auto expected = p.purged         ? delivery_state::gewist
                          : p.acknowledged ? delivery_state::bevestigd
                          : p.read         ? delivery_state::gelezen
                          : p.pushed       ? delivery_state::doorgestuurd
                                           : delivery_state::in_postvak;
    EXPECT_EQ(delivery_state_of(p), expected) << bits;
  }
  EXPECT_EQ(to_string(delivery_state::in_postvak), "IN_POSTVAK");
  EXPECT_EQ(to_string(delivery_state::doorgestuurd), "DOORGESTUURD");
  EXPECT_EQ(to_string(delivery_state::gelezen), "GELEZEN");
  EXPECT_EQ(to_string(delivery_state::bevestigd), "BEVESTIGD");
  EXPECT_EQ(to_string(delivery_state::gewist), "GEWIST");
}

TEST(BodyHash, IsSha256OfTheExactBytes) {
  const std::string body = data_file("detentiemelding.json");
  EXPECT_EQ(body_sha256(body), sha256_hex(body));
  EXPECT_EQ(body_sha256(body).size(), 64u);
  EXPECT_NE(body_sha256(body), body_sha256(body + "\n"));
}

TEST(Dates, FormatAsIsoDays) {
  EXPECT_EQ(format_date(day(2026, 3, 2)), "2026-03-02");
  EXPECT_EQ(format_date(day(1900, 12, 31)), "1900-12-31");
}

}  // namespace
}  // namespace poort::domain
