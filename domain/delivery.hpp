#pragma once
// Deliveries from a prison (PI) to a municipality (DESIGN §5): the three
// messages, their strict JSON parsing, and the rules of consent, withdrawal,
// supersession and deliverability, as pure functions.
//
// JSON follows the NL API design rules: camelCase member names, enumeration
// values in UPPER_SNAKE_CASE, dates "YYYY-MM-DD". Parsing refuses unknown
// members, repeated members, wrong types and every value out of bounds, and
// reports EVERY bad field as a JSON pointer with a reason code
// (domain/validation.hpp), never the value itself.
//
// What the caller does with a delivery, in order:
//   1. parse_<kind>(body)                         -> 400 with the pointers
//   2. look up the municipality by gemeentecode   -> municipality_unknown (422)
//   3. check_deliverable(kind, status, prefs)     -> NOT_CONNECTED / NOT_WANTED (422)
//   4. informatieblad: check_consent(sheet, withdrawals of its consent)
//                                                 -> 422 naming each section
//      and, with `vervangt`, check_replacement(sheet, replaced sheet)
//   5. idempotency by berichtId and body_sha256(body): same hash -> same
//      receipt; another hash -> bericht_id_conflict (409); an id another
//      sender used -> bericht_id_taken (409, nothing told about its message)
//   6. store; for an intrekking: purge sections_to_purge(w, sheet) of every
//      earlier sheet and notify the municipality.
//
// Thread safety: value types and pure functions.

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "domain/contact.hpp"
#include "domain/error.hpp"
#include "domain/onboarding.hpp"
#include "domain/validation.hpp"

namespace poort::domain {

using date = std::chrono::sys_days;

/// "YYYY-MM-DD".
std::string format_date(date d);

// ---------------------------------------------------------------------------
// Vocabulary

enum class delivery_kind { detentiemelding, informatieblad, intrekking };
/// "DETENTIEMELDING", "INFORMATIEBLAD", "INTREKKING".
std::string_view to_string(delivery_kind k) noexcept;

enum class melding_soort { begin, einde, verlof };
/// "BEGIN", "EINDE", "VERLOF".
std::string_view to_string(melding_soort s) noexcept;
std::optional<melding_soort> parse_melding_soort(std::string_view s) noexcept;

/// Why this municipality receives the notification.
enum class grondslag { laatste_brp_adres, voorgenomen_vestiging };
/// "LAATSTE_BRP_ADRES", "VOORGENOMEN_VESTIGING".
std::string_view to_string(grondslag g) noexcept;
std::optional<grondslag> parse_grondslag(std::string_view s) noexcept;

/// The six basic conditions of re-entry; consent is given per condition.
enum class basisvoorwaarde : std::uint8_t {
  werk_en_inkomen,
  onderdak,
  zorg,
  schulden,
  identiteitsbewijs,
  zorg_voor_thuis,
};
inline constexpr std::array all_basisvoorwaarden{
    basisvoorwaarde::werk_en_inkomen, basisvoorwaarde::onderdak,          basisvoorwaarde::zorg,
    basisvoorwaarde::schulden,        basisvoorwaarde::identiteitsbewijs, basisvoorwaarde::zorg_voor_thuis,
};
/// The enumeration value: "WERK_EN_INKOMEN", ..., "ZORG_VOOR_THUIS".
std::string_view to_string(basisvoorwaarde b) noexcept;
std::optional<basisvoorwaarde> parse_basisvoorwaarde(std::string_view s) noexcept;
/// The member name in consent and section objects: "werkEnInkomen",
/// "onderdak", "zorg", "schulden", "identiteitsbewijs", "zorgVoorThuis".
std::string_view member_name(basisvoorwaarde b) noexcept;

/// A set of basic conditions.
class basisvoorwaarde_set {
 public:
  constexpr basisvoorwaarde_set() = default;
  constexpr basisvoorwaarde_set(std::initializer_list<basisvoorwaarde> items) {
    for (auto b : items) insert(b);
  }
  static constexpr basisvoorwaarde_set all() { return basisvoorwaarde_set(std::uint8_t{0x3F}); }
  constexpr void insert(basisvoorwaarde b) { bits_ |= bit(b); }
  constexpr void erase(basisvoorwaarde b) { bits_ &= static_cast<std::uint8_t>(~bit(b)); }
  constexpr bool contains(basisvoorwaarde b) const { return (bits_ & bit(b)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  /// The members in enumeration order.
  std::vector<basisvoorwaarde> items() const;
  bool operator==(const basisvoorwaarde_set&) const = default;

 private:
  constexpr explicit basisvoorwaarde_set(std::uint8_t bits) : bits_(bits) {}
  static constexpr std::uint8_t bit(basisvoorwaarde b) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(b));
  }
  std::uint8_t bits_ = 0;
};

/// The topics of an information sheet, each under one basic condition.
enum class onderwerp {
  // WERK_EN_INKOMEN
  werk,
  uitkering,
  dagbesteding,
  opleiding,
  // ONDERDAK
  huisvesting_na_detentie,
  behoud_woning,
  maatschappelijke_opvang,
  brp_inschrijving,
  // ZORG
  zorgverzekering,
  lichamelijke_gezondheid,
  geestelijke_gezondheid,
  verslaving,
  // SCHULDEN
  schuldenoverzicht,
  schuldhulpverlening,
  bewindvoering,
  // IDENTITEITSBEWIJS
  geldig_identiteitsbewijs,
  aanvraag_identiteitsbewijs,
  // ZORG_VOOR_THUIS
  kinderen,
  partner_en_gezin,
  mantelzorg,
};
inline constexpr std::size_t onderwerp_count = 20;
/// "WERK", ..., "MANTELZORG" (the enumerator in upper case).
std::string_view to_string(onderwerp o) noexcept;
std::optional<onderwerp> parse_onderwerp(std::string_view s) noexcept;
/// The basic condition a topic belongs to.
basisvoorwaarde section_of(onderwerp o) noexcept;

// ---------------------------------------------------------------------------
// Messages

inline constexpr std::size_t max_name_chars = 200;
inline constexpr std::size_t max_toelichting_chars = 2000;
inline constexpr std::size_t max_consent_id_bytes = 64;
inline constexpr std::int64_t max_versie = 10'000;

/// {"bsn", "geslachtsnaam", "voornamen", "geboortedatum"}: voornamen may be
/// "" (people without given names exist); the names at most 200 code points.
struct persoon {
  std::string bsn;
  std::string geslachtsnaam;
  std::string voornamen;
  date geboortedatum;
  bool operator==(const persoon&) const = default;
};

/// Begin, end or leave of detention. JSON:
///   {"berichtId", "soort", "persoon", "gebeurtenisdatum",
///    "verwachteInvrijheidstelling" (optional), "gemeentecode", "grondslag",
///    "casemanager": {"naam", "email", "telefoon"}}
/// Dates: geboortedatum <= gebeurtenisdatum; for BEGIN and VERLOF
/// verwachteInvrijheidstelling >= gebeurtenisdatum (date_inconsistent).
struct detentiemelding {
  std::string bericht_id;  ///< lower-case UUID
  melding_soort soort;
  domain::persoon persoon;
  date gebeurtenisdatum;
  std::optional<date> verwachte_invrijheidstelling;
  std::string gemeentecode;  ///< the receiving municipality
  domain::grondslag grondslag;
  contact casemanager;
  bool operator==(const detentiemelding&) const = default;
};

/// The consent record (toestemmingsverklaring). JSON:
///   {"id", "datum", "basisvoorwaarden": {"werkEnInkomen": bool, ... all six}}
/// The id is 1..64 characters of letters, digits and "._:-".
struct toestemming {
  std::string id;
  date datum;
  basisvoorwaarde_set verleend;  ///< the conditions consented to
  bool operator==(const toestemming&) const = default;
};

/// One answered topic: {"onderwerp", "hulpNodig", "toelichting" (optional,
/// at most 2000 code points, newlines allowed)}.
struct onderwerp_antwoord {
  domain::onderwerp onderwerp;
  bool hulp_nodig = false;
  std::string toelichting;
  bool operator==(const onderwerp_antwoord&) const = default;
};

/// The information sheet. JSON:
///   {"berichtId", "persoon", "gemeentecode", "toestemming",
///    "secties": {"<member_name>": [onderwerp_antwoord, ...], ...},
///    "versie": 1.., "vervangt": "<berichtId>" (iff versie > 1)}
/// At least one section; a section has 1.. topics, each of that section,
/// none twice. geboortedatum <= toestemming.datum.
struct informatieblad {
  std::string bericht_id;  ///< lower-case UUID
  domain::persoon persoon;
  std::string gemeentecode;
  domain::toestemming toestemming;
  std::map<basisvoorwaarde, std::vector<onderwerp_antwoord>> secties;
  std::int64_t versie = 1;
  std::optional<std::string> vervangt;  ///< lower-case UUID of the replaced sheet
  bool operator==(const informatieblad&) const = default;
};

/// Withdrawal of consent (intrekkingsverklaring). JSON:
///   {"berichtId", "persoon": {"bsn"}, "gemeentecode", "toestemmingId",
///    "basisvoorwaarden": "ALLE" | ["ONDERDAK", ...],
///    "informatiebladId" (optional)}
/// informatiebladId names an earlier sheet under that consent: how the prison
/// a detainee was moved to shows it took over the case (check_sheet_action).
struct intrekking {
  std::string bericht_id;  ///< lower-case UUID
  std::string bsn;
  std::string gemeentecode;
  std::string toestemming_id;
  basisvoorwaarde_set ingetrokken;                 ///< "ALLE" = all six
  std::optional<std::string> informatieblad_id{};  ///< lower-case UUID
  bool operator==(const intrekking&) const = default;
};

/// The largest body each kind accepts (413 body_too_large beyond): 16 KiB,
/// except 512 KiB for an informatieblad (20 topics of 2000 code points, each
/// possibly a 12-byte JSON escape).
std::size_t max_body_bytes(delivery_kind k) noexcept;

validated<detentiemelding> parse_detentiemelding(std::string_view body);
validated<informatieblad> parse_informatieblad(std::string_view body);
validated<intrekking> parse_intrekking(std::string_view body);

/// The JSON forms above (each round-trips through its parse function).
boost::json::object to_json(const detentiemelding& m);
boost::json::object to_json(const informatieblad& b);
boost::json::object to_json(const intrekking& w);

/// The idempotency hash of a delivery: lower-case hex SHA-256 of the exact
/// body bytes as received. The same berichtId with the same bytes is a
/// repeat; any other bytes, even re-formatted JSON, are another body (409).
std::string body_sha256(std::string_view body);

// ---------------------------------------------------------------------------
// Rules

/// What a municipality chose to receive in its application.
struct delivery_preferences {
  bool detentiemeldingen = false;
  bool informatiebladen = false;
  bool operator==(const delivery_preferences&) const = default;
};
delivery_preferences preferences_of(const application& a) noexcept;

/// Whether a delivery of kind `k` may go to a municipality with status `s`
/// and preferences `p`. A detentiemelding or informatieblad needs CONNECTED
/// (else not_connected) and the municipality's wish for that kind (else
/// not_wanted). An intrekking is always accepted, whatever the status: the
/// withdrawal must take effect on what is stored.
result<void> check_deliverable(delivery_kind k, municipality_status s,
                               const delivery_preferences& p) noexcept;

/// Whether `endpoint` may receive pushes: an "https://" URL of at most 2048
/// characters (the form the portal accepts; an older stored value may not be).
bool valid_push_endpoint(std::string_view endpoint) noexcept;

/// Whether a message for a municipality with status `s` and push endpoint
/// `endpoint` ("" = none) is pushed, and if not, why; the first that applies.
enum class push_target {
  not_connected,     ///< the municipality is not CONNECTED
  no_endpoint,       ///< it has no push endpoint
  endpoint_invalid,  ///< its endpoint is not a valid_push_endpoint
  push,              ///< push it to `endpoint`
};
push_target push_target_of(municipality_status s, std::string_view endpoint) noexcept;

/// How far a delivery got at its municipality, for its sender
/// (GET /api/v1/leveringen/{id}). Received is implied: nothing is visible
/// before the delivery's atomic commit.
enum class delivery_state {
  in_postvak,    ///< "IN_POSTVAK": in the inbox, nothing else yet
  doorgestuurd,  ///< "DOORGESTUURD": pushed to the municipality's endpoint
  gelezen,       ///< "GELEZEN": read in the inbox
  bevestigd,     ///< "BEVESTIGD": acknowledged
  gewist,        ///< "GEWIST": the content was purged
};
std::string_view to_string(delivery_state s) noexcept;

/// What has happened to a delivery (each: at some time, whatever the order).
struct delivery_progress {
  bool pushed = false;
  bool read = false;
  bool acknowledged = false;
  bool purged = false;
};
/// The furthest state reached: gewist over bevestigd over gelezen over
/// doorgestuurd over in_postvak.
delivery_state delivery_state_of(const delivery_progress& p) noexcept;

/// Every section of `sheet` that may not be delivered, as pointers
/// "/secties/<member_name>": consent_missing when its condition lacks
/// consent in the sheet's own consent record, consent_withdrawn when a
/// withdrawal in `withdrawals` of the same person and consent id covers it.
/// Empty when the sheet may be delivered. Detention notifications need no
/// consent and have no such check.
validation_errors check_consent(const informatieblad& sheet, std::span<const intrekking> withdrawals);

/// The sections of an earlier `sheet` that withdrawal `w` purges: those
/// present in the sheet and withdrawn by `w`, if `w` concerns the same person
/// and consent id; else none. In enumeration order.
std::vector<basisvoorwaarde> sections_to_purge(const intrekking& w, const informatieblad& sheet);

/// `sheet` without the sections `w` purges, and without consent for what `w`
/// withdraws (when `w` concerns it): what the store keeps after the purge.
informatieblad apply_withdrawal(informatieblad sheet, const intrekking& w);

/// A sheet that some municipality holds (its inbox entry still has content).
struct held_sheet {
  std::string bericht_id;
  informatieblad sheet;      ///< `sheet.gemeentecode` is the municipality holding it
  std::string sender_oin{};  ///< the prison that sent it
};

/// The notice of a withdrawal for one municipality: only about its own sheets.
struct withdrawal_notice {
  std::string bericht_id;            ///< the inbox entry's id (see plan_withdrawal)
  std::string gemeentecode;          ///< the municipality that holds the sheets
  std::vector<std::string> sheets;   ///< its sheets under the withdrawn consent, as held
  std::vector<std::string> reduced;  ///< of those, the ones that lose sections
};

/// Who hears of withdrawal `w` (issue 14 item 2): every municipality that
/// holds a sheet of the same person under the same consent record, wherever
/// it is and whatever its status, each once, in the order of its first sheet
/// in `held`; the municipality `w` names hears nothing unless it holds such a
/// sheet. The notice of the named municipality (else of the first) keeps
/// `w.bericht_id`; every other one gets notice_id(w.bericht_id, its code), so
/// that no notice reveals where else the person's sheets are.
/// Failure: withdrawal_unmatched when no sheet in `held` concerns `w` (an
/// unknown consent id, another person, or everything already purged).
result<std::vector<withdrawal_notice>> plan_withdrawal(const intrekking& w, std::span<const held_sheet> held);

/// The id of the notice of withdrawal `bericht_id` for municipality
/// `gemeentecode`: a lower-case UUID (version 8) derived with SHA-256, the
/// same every time.
std::string notice_id(std::string_view bericht_id, std::string_view gemeentecode);

/// The content of notice `n` of withdrawal `w`: w's JSON form with the
/// notice's own berichtId and gemeentecode, plus "informatiebladen": the
/// berichtIds of n's sheets. Nothing about other municipalities.
boost::json::object to_json(const intrekking& w, const withdrawal_notice& n);

/// Which prison may supersede or withdraw a sheet (issue 14 item 3): the
/// prison that sent it (`sender`), or the prison the detainee was moved to: a
/// prison of the same organisation (`same_organisation`: the OINs of the other
/// prisons of the actor's organisation, from the party configuration) whose
/// request names the sheet's berichtId (`names_sheet`: `vervangt`, or an
/// intrekking's informatieblad_id). Knowing the consent id grants nothing.
/// Failure: other_prison.
result<void> check_sheet_action(std::string_view actor, std::string_view sender,
                                std::span<const std::string> same_organisation, bool names_sheet) noexcept;

/// Whether `newer` supersedes `older`: the same person and municipality and a
/// higher version.
bool supersedes(const informatieblad& newer, const informatieblad& older) noexcept;

/// The check of an explicit replacement, `replaced` being the sheet whose
/// berichtId is `newer.vervangt`. Failures: replacement_other_person (another
/// BSN or municipality), replacement_not_newer (versie not higher).
result<void> check_replacement(const informatieblad& newer, const informatieblad& replaced) noexcept;

}  // namespace poort::domain
