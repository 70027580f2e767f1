#include "domain/delivery.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/crypto.hpp"
#include "domain/detail/json_reader.hpp"
#include "domain/detail/names.hpp"
#include "domain/identifiers.hpp"

namespace poort::domain {
namespace {

namespace bj = boost::json;
using detail::object_reader;
using detail::presence;

using detail::name_of;
using detail::name_table;
using detail::value_of;

constexpr name_table<delivery_kind, 3> kind_names{{
    {delivery_kind::detentiemelding, "DETENTIEMELDING"},
    {delivery_kind::informatieblad, "INFORMATIEBLAD"},
    {delivery_kind::intrekking, "INTREKKING"},
}};

constexpr name_table<delivery_state, 5> state_names{{
    {delivery_state::in_postvak, "IN_POSTVAK"},
    {delivery_state::doorgestuurd, "DOORGESTUURD"},
    {delivery_state::gelezen, "GELEZEN"},
    {delivery_state::bevestigd, "BEVESTIGD"},
    {delivery_state::gewist, "GEWIST"},
}};

constexpr name_table<melding_soort, 3> soort_names{{
    {melding_soort::begin, "BEGIN"},
    {melding_soort::einde, "EINDE"},
    {melding_soort::verlof, "VERLOF"},
}};

constexpr name_table<grondslag, 2> grondslag_names{{
    {grondslag::laatste_brp_adres, "LAATSTE_BRP_ADRES"},
    {grondslag::voorgenomen_vestiging, "VOORGENOMEN_VESTIGING"},
}};

constexpr name_table<basisvoorwaarde, 6> basisvoorwaarde_names{{
    {basisvoorwaarde::werk_en_inkomen, "WERK_EN_INKOMEN"},
    {basisvoorwaarde::onderdak, "ONDERDAK"},
    {basisvoorwaarde::zorg, "ZORG"},
    {basisvoorwaarde::schulden, "SCHULDEN"},
    {basisvoorwaarde::identiteitsbewijs, "IDENTITEITSBEWIJS"},
    {basisvoorwaarde::zorg_voor_thuis, "ZORG_VOOR_THUIS"},
}};

constexpr name_table<basisvoorwaarde, 6> basisvoorwaarde_members{{
    {basisvoorwaarde::werk_en_inkomen, "werkEnInkomen"},
    {basisvoorwaarde::onderdak, "onderdak"},
    {basisvoorwaarde::zorg, "zorg"},
    {basisvoorwaarde::schulden, "schulden"},
    {basisvoorwaarde::identiteitsbewijs, "identiteitsbewijs"},
    {basisvoorwaarde::zorg_voor_thuis, "zorgVoorThuis"},
}};

struct topic_info {
  onderwerp topic;
  std::string_view name;
  basisvoorwaarde section;
};

constexpr std::array<topic_info, onderwerp_count> topics{{
    {onderwerp::werk, "WERK", basisvoorwaarde::werk_en_inkomen},
    {onderwerp::uitkering, "UITKERING", basisvoorwaarde::werk_en_inkomen},
    {onderwerp::dagbesteding, "DAGBESTEDING", basisvoorwaarde::werk_en_inkomen},
    {onderwerp::opleiding, "OPLEIDING", basisvoorwaarde::werk_en_inkomen},
    {onderwerp::huisvesting_na_detentie, "HUISVESTING_NA_DETENTIE", basisvoorwaarde::onderdak},
    {onderwerp::behoud_woning, "BEHOUD_WONING", basisvoorwaarde::onderdak},
    {onderwerp::maatschappelijke_opvang, "MAATSCHAPPELIJKE_OPVANG", basisvoorwaarde::onderdak},
    {onderwerp::brp_inschrijving, "BRP_INSCHRIJVING", basisvoorwaarde::onderdak},
    {onderwerp::zorgverzekering, "ZORGVERZEKERING", basisvoorwaarde::zorg},
    {onderwerp::lichamelijke_gezondheid, "LICHAMELIJKE_GEZONDHEID", basisvoorwaarde::zorg},
    {onderwerp::geestelijke_gezondheid, "GEESTELIJKE_GEZONDHEID", basisvoorwaarde::zorg},
    {onderwerp::verslaving, "VERSLAVING", basisvoorwaarde::zorg},
    {onderwerp::schuldenoverzicht, "SCHULDENOVERZICHT", basisvoorwaarde::schulden},
    {onderwerp::schuldhulpverlening, "SCHULDHULPVERLENING", basisvoorwaarde::schulden},
    {onderwerp::bewindvoering, "BEWINDVOERING", basisvoorwaarde::schulden},
    {onderwerp::geldig_identiteitsbewijs, "GELDIG_IDENTITEITSBEWIJS", basisvoorwaarde::identiteitsbewijs},
    {onderwerp::aanvraag_identiteitsbewijs, "AANVRAAG_IDENTITEITSBEWIJS", basisvoorwaarde::identiteitsbewijs},
    {onderwerp::kinderen, "KINDEREN", basisvoorwaarde::zorg_voor_thuis},
    {onderwerp::partner_en_gezin, "PARTNER_EN_GEZIN", basisvoorwaarde::zorg_voor_thuis},
    {onderwerp::mantelzorg, "MANTELZORG", basisvoorwaarde::zorg_voor_thuis},
}};

const topic_info& info_of(onderwerp o) noexcept { return topics[static_cast<std::size_t>(o)]; }

constexpr std::size_t max_depth = 6;

/// Consent ids are identifiers, safe to log: letters, digits and "._:-".
result<void> validate_consent_id(std::string_view id) noexcept {
  if (id.empty()) return error::value_empty;
  if (id.size() > max_consent_id_bytes) return error::value_too_long;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  if (!std::ranges::all_of(id, allowed)) return error::value_invalid_characters;
  return {};
}

std::string lower_uuid(std::string id) {
  std::ranges::transform(
      id, id.begin(), [](char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c; });
  return id;
}

std::optional<std::string> read_bericht_id(object_reader& r, std::string_view member,
                                           presence p = presence::required) {
  auto id = r.identifier(member, validate_uuid, p);
  if (!id) return std::nullopt;
  return lower_uuid(std::move(*id));
}

std::optional<persoon> read_persoon(object_reader& parent) {
  const bj::value* v = parent.get("persoon", presence::required);
  if (v == nullptr) return std::nullopt;
  object_reader r(*v, parent.pointer_to("persoon"), {"bsn", "geslachtsnaam", "voornamen", "geboortedatum"},
                  parent.errors());
  auto bsn = r.identifier("bsn", validate_bsn);
  auto surname = r.text("geslachtsnaam", {.max_chars = max_name_chars});
  auto given = r.text("voornamen", {.max_chars = max_name_chars, .allow_empty = true});
  auto born = r.date("geboortedatum");
  if (!detail::all_present(bsn, surname, given, born)) return std::nullopt;
  return persoon{std::move(*bsn), std::move(*surname), std::move(*given), *born};
}

std::optional<contact> read_contact_member(object_reader& parent, std::string_view member) {
  const bj::value* v = parent.get(member, presence::required);
  if (v == nullptr) return std::nullopt;
  return detail::read_contact(*v, parent.pointer_to(member), parent.errors());
}

std::optional<toestemming> read_toestemming(object_reader& parent) {
  const bj::value* v = parent.get("toestemming", presence::required);
  if (v == nullptr) return std::nullopt;
  object_reader r(*v, parent.pointer_to("toestemming"), {"id", "datum", "basisvoorwaarden"}, parent.errors());
  auto id = r.identifier("id", validate_consent_id);
  auto datum = r.date("datum");
  std::optional<basisvoorwaarde_set> granted;
  if (const bj::value* c = r.get("basisvoorwaarden", presence::required)) {
    object_reader b(*c, r.pointer_to("basisvoorwaarden"),
                    {"werkEnInkomen", "onderdak", "zorg", "schulden", "identiteitsbewijs", "zorgVoorThuis"},
                    parent.errors());
    basisvoorwaarde_set set;
    bool complete = true;
    for (const basisvoorwaarde k : all_basisvoorwaarden) {
      const auto yes = b.boolean(member_name(k));
      if (!yes)
        complete = false;
      else if (*yes)
        set.insert(k);
    }
    if (complete) granted = set;
  }
  if (!detail::all_present(id, datum, granted)) return std::nullopt;
  return toestemming{std::move(*id), *datum, *granted};
}

std::optional<std::vector<onderwerp_antwoord>> read_section(const bj::value& v, const std::string& pointer,
                                                            basisvoorwaarde section,
                                                            validation_errors& errors) {
  const bj::array* items = v.if_array();
  if (items == nullptr) {
    detail::report(errors, pointer, error::wrong_type);
    return std::nullopt;
  }
  if (items->empty()) {
    detail::report(errors, pointer, error::value_empty);
    return std::nullopt;
  }
  if (items->size() > onderwerp_count) {
    detail::report(errors, pointer, error::too_many_items);
    return std::nullopt;
  }
  std::vector<onderwerp_antwoord> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    object_reader r((*items)[i], detail::pointer_to(pointer, i), {"onderwerp", "hulpNodig", "toelichting"},
                    errors);
    auto topic = r.enumeration("onderwerp", parse_onderwerp);
    if (topic && section_of(*topic) != section) {
      detail::report(errors, r.pointer_to("onderwerp"), error::topic_wrong_section);
      topic.reset();
    } else if (topic && std::ranges::any_of(out, [&](const auto& a) { return a.onderwerp == *topic; })) {
      detail::report(errors, r.pointer_to("onderwerp"), error::duplicate_item);
      topic.reset();
    }
    auto help = r.boolean("hulpNodig");
    auto text =
        r.text("toelichting", {.max_chars = max_toelichting_chars, .allow_empty = true, .multiline = true},
               presence::optional);
    if (!topic || !help) {  // a bad toelichting is reported and fails the parse too
      ok = false;
      continue;
    }
    out.push_back({*topic, *help, text.value_or("")});
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<basisvoorwaarde, std::vector<onderwerp_antwoord>>> read_secties(
    object_reader& parent) {
  const bj::value* v = parent.get("secties", presence::required);
  if (v == nullptr) return std::nullopt;
  const std::string pointer = parent.pointer_to("secties");
  object_reader r(*v, pointer,
                  {"werkEnInkomen", "onderdak", "zorg", "schulden", "identiteitsbewijs", "zorgVoorThuis"},
                  parent.errors());
  if (!r.is_object()) return std::nullopt;
  if (v->get_object().empty()) {
    detail::report(parent.errors(), pointer, error::value_empty);
    return std::nullopt;
  }
  std::map<basisvoorwaarde, std::vector<onderwerp_antwoord>> out;
  bool ok = true;
  for (const basisvoorwaarde k : all_basisvoorwaarden) {
    const bj::value* items = r.get(member_name(k), presence::optional);
    if (items == nullptr) continue;
    auto section = read_section(*items, r.pointer_to(member_name(k)), k, parent.errors());
    if (section)
      out.emplace(k, std::move(*section));
    else
      ok = false;
  }
  if (!ok || out.empty()) return std::nullopt;
  return out;
}

std::optional<basisvoorwaarde_set> read_withdrawn(object_reader& parent) {
  const bj::value* v = parent.get("basisvoorwaarden", presence::required);
  if (v == nullptr) return std::nullopt;
  const std::string pointer = parent.pointer_to("basisvoorwaarden");
  validation_errors& errors = parent.errors();
  if (v->is_string()) {
    if (v->get_string() == "ALLE") return basisvoorwaarde_set::all();
    detail::report(errors, pointer, error::value_unknown);
    return std::nullopt;
  }
  const bj::array* items = v->if_array();
  if (items == nullptr) {
    detail::report(errors, pointer, error::wrong_type);
    return std::nullopt;
  }
  if (items->empty()) {
    detail::report(errors, pointer, error::value_empty);
    return std::nullopt;
  }
  if (items->size() > all_basisvoorwaarden.size()) {
    detail::report(errors, pointer, error::too_many_items);
    return std::nullopt;
  }
  basisvoorwaarde_set out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string item_pointer = detail::pointer_to(pointer, i);
    const auto b = object_reader::read_enumeration((*items)[i], item_pointer, parse_basisvoorwaarde, errors);
    if (b && out.contains(*b)) {
      detail::report(errors, item_pointer, error::duplicate_item);
      ok = false;
    } else if (b) {
      out.insert(*b);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

bj::object persoon_json(const persoon& p) {
  return {{"bsn", p.bsn},
          {"geslachtsnaam", p.geslachtsnaam},
          {"voornamen", p.voornamen},
          {"geboortedatum", format_date(p.geboortedatum)}};
}

bj::string_view json_name(std::string_view s) { return {s.data(), s.size()}; }

/// The result of a parse: the value, or the errors (which the caller made
/// sure to fill whenever a part is missing: fail closed if not).
template <class T>
validated<T> finish(validation_errors& errors, std::optional<T> value) {
  if (!errors.empty()) return std::unexpected(std::move(errors));
  if (!value) return std::unexpected(validation_errors{{"", error::json_malformed}});
  return std::move(*value);
}

}  // namespace

std::string format_date(date d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string_view to_string(delivery_kind k) noexcept { return name_of(kind_names, k); }

std::string_view to_string(melding_soort s) noexcept { return name_of(soort_names, s); }
std::optional<melding_soort> parse_melding_soort(std::string_view s) noexcept {
  return value_of(soort_names, s);
}

std::string_view to_string(grondslag g) noexcept { return name_of(grondslag_names, g); }
std::optional<grondslag> parse_grondslag(std::string_view s) noexcept { return value_of(grondslag_names, s); }

std::string_view to_string(basisvoorwaarde b) noexcept { return name_of(basisvoorwaarde_names, b); }
std::optional<basisvoorwaarde> parse_basisvoorwaarde(std::string_view s) noexcept {
  return value_of(basisvoorwaarde_names, s);
}
std::string_view member_name(basisvoorwaarde b) noexcept { return name_of(basisvoorwaarde_members, b); }

std::vector<basisvoorwaarde> basisvoorwaarde_set::items() const {
  std::vector<basisvoorwaarde> out;
  for (const basisvoorwaarde b : all_basisvoorwaarden)
    if (contains(b)) out.push_back(b);
  return out;
}

std::string_view to_string(onderwerp o) noexcept { return info_of(o).name; }
std::optional<onderwerp> parse_onderwerp(std::string_view s) noexcept {
  for (const topic_info& t : topics)
    if (t.name == s) return t.topic;
  return std::nullopt;
}
basisvoorwaarde section_of(onderwerp o) noexcept { return info_of(o).section; }

std::size_t max_body_bytes(delivery_kind k) noexcept {
  return k == delivery_kind::informatieblad ? 512 * 1024 : 16 * 1024;
}

validated<detentiemelding> parse_detentiemelding(std::string_view body) {
  validation_errors errors;
  const auto doc =
      detail::parse_document(body, max_body_bytes(delivery_kind::detentiemelding), max_depth, errors);
  if (!doc) return std::unexpected(std::move(errors));
  object_reader r(*doc, "",
                  {"berichtId", "soort", "persoon", "gebeurtenisdatum", "verwachteInvrijheidstelling",
                   "gemeentecode", "grondslag", "casemanager"},
                  errors);
  auto id = read_bericht_id(r, "berichtId");
  auto soort = r.enumeration("soort", parse_melding_soort);
  auto person = read_persoon(r);
  auto event = r.date("gebeurtenisdatum");
  auto release = r.date("verwachteInvrijheidstelling", presence::optional);
  auto gemeente = r.identifier("gemeentecode", validate_gemeentecode);
  auto why = r.enumeration("grondslag", parse_grondslag);
  auto manager = read_contact_member(r, "casemanager");

  if (person && event && person->geboortedatum > *event)
    detail::report(errors, "/persoon/geboortedatum", error::date_inconsistent);
  if (soort && *soort != melding_soort::einde && event && release && *release < *event)
    detail::report(errors, "/verwachteInvrijheidstelling", error::date_inconsistent);

  std::optional<detentiemelding> m;
  if (detail::all_present(id, soort, person, event, gemeente, why, manager))
    m = detentiemelding{std::move(*id),       *soort, std::move(*person), *event, release,
                        std::move(*gemeente), *why,   std::move(*manager)};
  return finish(errors, std::move(m));
}

validated<informatieblad> parse_informatieblad(std::string_view body) {
  validation_errors errors;
  const auto doc =
      detail::parse_document(body, max_body_bytes(delivery_kind::informatieblad), max_depth, errors);
  if (!doc) return std::unexpected(std::move(errors));
  object_reader r(*doc, "",
                  {"berichtId", "persoon", "gemeentecode", "toestemming", "secties", "versie", "vervangt"},
                  errors);
  auto id = read_bericht_id(r, "berichtId");
  auto person = read_persoon(r);
  auto gemeente = r.identifier("gemeentecode", validate_gemeentecode);
  auto consent = read_toestemming(r);
  auto sections = read_secties(r);
  auto versie = r.integer("versie", 1, max_versie);
  auto replaces = read_bericht_id(r, "vervangt", presence::optional);
  const bool replaces_given = r.get("vervangt", presence::optional) != nullptr;

  if (versie && (*versie == 1) == replaces_given)
    detail::report(errors, "/vervangt", error::version_inconsistent);
  else if (id && replaces && *id == *replaces)
    detail::report(errors, "/vervangt", error::replaces_itself);
  if (person && consent && person->geboortedatum > consent->datum)
    detail::report(errors, "/persoon/geboortedatum", error::date_inconsistent);

  std::optional<informatieblad> b;
  if (detail::all_present(id, person, gemeente, consent, sections, versie))
    b = informatieblad{std::move(*id),      std::move(*person),   std::move(*gemeente),
                       std::move(*consent), std::move(*sections), *versie,
                       std::move(replaces)};
  return finish(errors, std::move(b));
}

validated<intrekking> parse_intrekking(std::string_view body) {
  validation_errors errors;
  const auto doc = detail::parse_document(body, max_body_bytes(delivery_kind::intrekking), max_depth, errors);
  if (!doc) return std::unexpected(std::move(errors));
  object_reader r(
      *doc, "",
      {"berichtId", "persoon", "gemeentecode", "toestemmingId", "basisvoorwaarden", "informatiebladId"},
      errors);
  auto id = read_bericht_id(r, "berichtId");
  std::optional<std::string> bsn;
  if (const bj::value* v = r.get("persoon", presence::required)) {
    object_reader p(*v, r.pointer_to("persoon"), {"bsn"}, errors);
    bsn = p.identifier("bsn", validate_bsn);
  }
  auto gemeente = r.identifier("gemeentecode", validate_gemeentecode);
  auto consent_id = r.identifier("toestemmingId", validate_consent_id);
  auto withdrawn = read_withdrawn(r);
  auto sheet_id = read_bericht_id(r, "informatiebladId", presence::optional);

  std::optional<intrekking> w;
  if (detail::all_present(id, bsn, gemeente, consent_id, withdrawn))
    w = intrekking{std::move(*id),         std::move(*bsn), std::move(*gemeente),
                   std::move(*consent_id), *withdrawn,      std::move(sheet_id)};
  return finish(errors, std::move(w));
}

bj::object to_json(const detentiemelding& m) {
  bj::object out{
      {"berichtId", m.bericht_id},
      {"soort", json_name(to_string(m.soort))},
      {"persoon", persoon_json(m.persoon)},
      {"gebeurtenisdatum", format_date(m.gebeurtenisdatum)},
      {"gemeentecode", m.gemeentecode},
      {"grondslag", json_name(to_string(m.grondslag))},
      {"casemanager",
       bj::object{
           {"naam", m.casemanager.name}, {"email", m.casemanager.email}, {"telefoon", m.casemanager.phone}}},
  };
  if (m.verwachte_invrijheidstelling)
    out["verwachteInvrijheidstelling"] = format_date(*m.verwachte_invrijheidstelling);
  return out;
}

bj::object to_json(const informatieblad& b) {
  bj::object granted;
  for (const basisvoorwaarde k : all_basisvoorwaarden)
    granted[json_name(member_name(k))] = b.toestemming.verleend.contains(k);
  bj::object sections;
  for (const auto& [k, answers] : b.secties) {
    bj::array items;
    for (const onderwerp_antwoord& a : answers)
      items.push_back(bj::object{{"onderwerp", json_name(to_string(a.onderwerp))},
                                 {"hulpNodig", a.hulp_nodig},
                                 {"toelichting", a.toelichting}});
    sections[json_name(member_name(k))] = std::move(items);
  }
  bj::object out{
      {"berichtId", b.bericht_id},
      {"persoon", persoon_json(b.persoon)},
      {"gemeentecode", b.gemeentecode},
      {"toestemming", bj::object{{"id", b.toestemming.id},
                                 {"datum", format_date(b.toestemming.datum)},
                                 {"basisvoorwaarden", std::move(granted)}}},
      {"secties", std::move(sections)},
      {"versie", b.versie},
  };
  if (b.vervangt) out["vervangt"] = *b.vervangt;
  return out;
}

bj::object to_json(const intrekking& w) {
  bj::value withdrawn;
  if (w.ingetrokken == basisvoorwaarde_set::all()) {
    withdrawn = "ALLE";
  } else {
    bj::array items;
    for (const basisvoorwaarde k : w.ingetrokken.items()) items.push_back(json_name(to_string(k)));
    withdrawn = std::move(items);
  }
  bj::object out{{"berichtId", w.bericht_id},
                 {"persoon", bj::object{{"bsn", w.bsn}}},
                 {"gemeentecode", w.gemeentecode},
                 {"toestemmingId", w.toestemming_id},
                 {"basisvoorwaarden", std::move(withdrawn)}};
  if (w.informatieblad_id) out["informatiebladId"] = *w.informatieblad_id;
  return out;
}

std::string body_sha256(std::string_view body) { return sha256_hex(body); }

delivery_preferences preferences_of(const application& a) noexcept {
  return {a.wants_detention_notifications, a.wants_information_sheets};
}

result<void> check_deliverable(delivery_kind k, municipality_status s,
                               const delivery_preferences& p) noexcept {
  if (k == delivery_kind::intrekking) return {};
  if (s != municipality_status::connected) return error::not_connected;
  const bool wanted = k == delivery_kind::detentiemelding ? p.detentiemeldingen : p.informatiebladen;
  if (!wanted) return error::not_wanted;
  return {};
}

bool valid_push_endpoint(std::string_view endpoint) noexcept {
  return endpoint.starts_with("https://") && endpoint.size() <= 2048;
}

push_target push_target_of(municipality_status s, std::string_view endpoint) noexcept {
  if (s != municipality_status::connected) return push_target::not_connected;
  if (endpoint.empty()) return push_target::no_endpoint;
  if (!valid_push_endpoint(endpoint)) return push_target::endpoint_invalid;
  return push_target::push;
}

std::string_view to_string(delivery_state s) noexcept { return name_of(state_names, s); }

delivery_state delivery_state_of(const delivery_progress& p) noexcept {
  if (p.purged) return delivery_state::gewist;
  if (p.acknowledged) return delivery_state::bevestigd;
  if (p.read) return delivery_state::gelezen;
  if (p.pushed) return delivery_state::doorgestuurd;
  return delivery_state::in_postvak;
}

namespace {
bool concerns(const intrekking& w, const informatieblad& sheet) noexcept {
  return w.bsn == sheet.persoon.bsn && w.toestemming_id == sheet.toestemming.id;
}
}  // namespace

validation_errors check_consent(const informatieblad& sheet, std::span<const intrekking> withdrawals) {
  validation_errors errors;
  for (const auto& section : sheet.secties) {
    const auto k = section.first;  // a plain variable: the lambda below captures it
    const std::string pointer = detail::pointer_to("/secties", member_name(k));
    if (!sheet.toestemming.verleend.contains(k)) {
      detail::report(errors, pointer, error::consent_missing);
    } else if (std::ranges::any_of(withdrawals, [&](const intrekking& w) {
                 return concerns(w, sheet) && w.ingetrokken.contains(k);
               })) {
      detail::report(errors, pointer, error::consent_withdrawn);
    }
  }
  return errors;
}

std::vector<basisvoorwaarde> sections_to_purge(const intrekking& w, const informatieblad& sheet) {
  std::vector<basisvoorwaarde> out;
  if (!concerns(w, sheet)) return out;
  for (const auto& [k, answers] : sheet.secties)
    if (w.ingetrokken.contains(k)) out.push_back(k);
  return out;
}

informatieblad apply_withdrawal(informatieblad sheet, const intrekking& w) {
  if (!concerns(w, sheet)) return sheet;
  for (const basisvoorwaarde k : w.ingetrokken.items()) {
    sheet.secties.erase(k);
    sheet.toestemming.verleend.erase(k);
  }
  return sheet;
}

result<std::vector<withdrawal_notice>> plan_withdrawal(const intrekking& w,
                                                       std::span<const held_sheet> held) {
  std::vector<withdrawal_notice> out;
  for (const held_sheet& h : held) {
    if (!concerns(w, h.sheet)) continue;
    auto n = std::ranges::find(out, h.sheet.gemeentecode, &withdrawal_notice::gemeentecode);
    if (n == out.end()) n = out.insert(out.end(), withdrawal_notice{{}, h.sheet.gemeentecode, {}, {}});
    n->sheets.push_back(h.bericht_id);
    if (!sections_to_purge(w, h.sheet).empty()) n->reduced.push_back(h.bericht_id);
  }
  if (out.empty()) return error::withdrawal_unmatched;
  auto keeper = std::ranges::find(out, w.gemeentecode, &withdrawal_notice::gemeentecode);
  if (keeper == out.end()) keeper = out.begin();
  for (auto it = out.begin(); it != out.end(); ++it)
    it->bericht_id = it == keeper ? w.bericht_id : notice_id(w.bericht_id, it->gemeentecode);
  return out;
}

std::string notice_id(std::string_view bericht_id, std::string_view gemeentecode) {
  std::string h = sha256_hex("poort/intrekking/" + std::string(bericht_id) + "/" + std::string(gemeentecode));
  h[12] = '8';                                                           // version 8
  h[16] = "89ab"[std::string_view("0123456789abcdef").find(h[16]) & 3];  // RFC 9562 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

bj::object to_json(const intrekking& w, const withdrawal_notice& n) {
  bj::object out = to_json(w);
  out.erase("informatiebladId");  // perhaps another municipality's sheet
  out["berichtId"] = n.bericht_id;
  out["gemeentecode"] = n.gemeentecode;
  bj::array sheets;
  for (const auto& id : n.sheets) sheets.push_back(bj::value(id));
  out["informatiebladen"] = std::move(sheets);
  return out;
}

result<void> check_sheet_action(std::string_view actor, std::string_view sender,
                                std::span<const std::string> same_organisation, bool names_sheet) noexcept {
  if (actor == sender) return {};
  if (names_sheet && std::ranges::find(same_organisation, sender) != same_organisation.end()) return {};
  return error::other_prison;
}

bool supersedes(const informatieblad& newer, const informatieblad& older) noexcept {
  return newer.persoon.bsn == older.persoon.bsn && newer.gemeentecode == older.gemeentecode &&
         newer.versie > older.versie;
}

result<void> check_replacement(const informatieblad& newer, const informatieblad& replaced) noexcept {
  if (newer.persoon.bsn != replaced.persoon.bsn || newer.gemeentecode != replaced.gemeentecode)
    return error::replacement_other_person;
  if (newer.versie <= replaced.versie) return error::replacement_not_newer;
  return {};
}

}  // namespace poort::domain
