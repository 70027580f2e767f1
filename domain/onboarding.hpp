#pragma once
// Onboarding of municipalities (DESIGN §4): cohorts, registration, the
// connection conditions, the application (aanvraag), its signature, review
// and connection, as pure functions
//
//   (current state, command arguments, actor, now) -> new state | refusal
//
// A refusal is a `domain::error` with a stable reason code and a Dutch
// message (domain/error.hpp). The functions do no I/O and read no clock: the
// caller (store, routing) loads the state, applies the function, and writes
// the new state together with the audit record in one transaction.
//
// Status flow of one municipality (UPPER_SNAKE_CASE on the API):
//
//   NOT_REGISTERED --register--> REGISTERED --accept conditions--> CONDITIONS_ACCEPTED
//   --save application--> APPLICATION_DRAFT --sign--> SIGNED
//   SIGNED --approve--> APPROVED | --reject(reason)--> REJECTED
//   REJECTED --save (amend)--> APPLICATION_DRAFT, or --sign--> SIGNED (re-sign)
//   SIGNED --save changed application / accept other conditions--> APPLICATION_DRAFT
//                                                         (the signature is void)
//   APPROVED --connect (cohort date reached, or at once by an admin)--> CONNECTED
//   CONNECTED --suspend(reason)--> SUSPENDED; CONNECTED|SUSPENDED --disconnect(reason)-->
//   DISCONNECTED; SUSPENDED|DISCONNECTED --reconnect--> CONNECTED
//
// Who may do what: administrators manage cohorts and review / connect;
// casework users of the municipality itself (same KvK number or RSIN)
// register, accept conditions and edit the application; only a signatory of
// that same organisation signs. Every other actor is refused with
// `not_permitted` (wrong role) or `other_organisation` (403).
//
// Time: a registration window includes its opening second and excludes its
// closing second: open iff `opens_at <= now < closes_at` (and not closed
// early). A cohort's connection is due from `connection_at` on (inclusive).
//
// Thread safety: value types and pure functions.

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/contact.hpp"
#include "domain/error.hpp"
#include "domain/validation.hpp"

namespace poort::domain {

// ---------------------------------------------------------------------------
// Actors and municipalities

enum class role {
  casework,          ///< a municipal case worker (eHerkenning, case-work service)
  signatory,         ///< an authorised signatory (eHerkenning, signing service)
  administrator,     ///< a Justid administrator (the admin IdP)
  institution,       ///< a prison (PI) system, over mutual TLS
  municipal_system,  ///< a municipality's back-office system, over mutual TLS
};

/// "CASEWORK", "SIGNATORY", "ADMINISTRATOR", "INSTITUTION", "MUNICIPAL_SYSTEM".
std::string_view to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view s) noexcept;

/// The organisation an actor acts for, as far as it is known. Empty strings
/// are "unknown" and never match anything.
struct organisation {
  std::string kvk;           ///< KvK number (SAML LegalSubjectID)
  std::string rsin;          ///< RSIN (SAML LegalSubjectID)
  std::string oin;           ///< from a system certificate (mTLS)
  std::string gemeentecode;  ///< for a municipality, once looked up
  bool operator==(const organisation&) const = default;
};

/// Who performs a command.
struct actor {
  domain::role role;
  domain::organisation organisation;
  std::string pseudonym;  ///< ActingSubjectID, or an admin's / system's identifier
  bool operator==(const actor&) const = default;
};

/// A municipality as registered with the exchange (the registry).
struct municipality {
  std::string gemeentecode;  ///< CBS code "GMnnnn"
  std::string name;
  std::string oin;   ///< usually "00000001" + RSIN + "000"
  std::string kvk;   ///< may be empty
  std::string rsin;  ///< may be empty
  bool operator==(const municipality&) const = default;
};

/// Whether `a` acts for `m`: the same (non-empty) KvK number or RSIN.
bool same_organisation(const actor& a, const municipality& m) noexcept;

// ---------------------------------------------------------------------------
// Cohorts

enum class cohort_kind { pilot, regular };

/// "PILOT", "REGULAR".
std::string_view to_string(cohort_kind k) noexcept;
std::optional<cohort_kind> parse_cohort_kind(std::string_view s) noexcept;

inline constexpr std::size_t max_cohort_name_chars = 100;
inline constexpr std::uint32_t max_cohort_capacity = 1000;

/// What an administrator sets on a cohort.
struct cohort_settings {
  std::string name;
  cohort_kind kind = cohort_kind::regular;
  sys_time opens_at;           ///< first second of the registration window (inclusive)
  sys_time closes_at;          ///< end of the registration window (exclusive)
  std::uint32_t capacity = 0;  ///< the most municipalities that may register
  sys_time connection_at;      ///< when approved municipalities are connected
  bool operator==(const cohort_settings&) const = default;
};

struct cohort {
  std::string id;  ///< assigned by the store
  cohort_settings settings;
  bool closed_early = false;     ///< registration closed by an administrator
  std::uint32_t registered = 0;  ///< municipalities registered in it
  bool operator==(const cohort&) const = default;
};

/// Success: the settings are consistent. Failures: cohort_name_invalid (empty,
/// more than max_cohort_name_chars, control characters), cohort_window_invalid
/// (closes_at <= opens_at), cohort_capacity_invalid (0 or above
/// max_cohort_capacity), cohort_connection_date_invalid (connection_at before
/// opens_at).
result<void> validate_cohort_settings(const cohort_settings& s);

/// A new cohort with id `id`, no registrations. Failures: not_permitted
/// unless an administrator; validate_cohort_settings.
result<cohort> create_cohort(std::string id, const cohort_settings& s, const actor& by);

/// `c` with new settings. Failures: not_permitted unless an administrator;
/// validate_cohort_settings; cohort_capacity_invalid when the capacity is
/// below the municipalities already registered.
result<cohort> edit_cohort(const cohort& c, const cohort_settings& s, const actor& by);

/// `c` closed for registration from now on. Failures: not_permitted unless
/// an administrator; cohort_closed when it is already closed early or its
/// window has ended.
result<cohort> close_cohort_early(const cohort& c, const actor& by, sys_time now);

/// opens_at <= now < closes_at, and not closed early.
bool registration_open(const cohort& c, sys_time now) noexcept;

// ---------------------------------------------------------------------------
// Connection conditions (aansluitvoorwaarden)

/// One published version of the conditions, identified by its label and the
/// SHA-256 of its exact text (the store keeps the text).
struct conditions_document {
  std::string version;  ///< a label chosen by Justid, e.g. "2026-1"
  std::string sha256;   ///< lower-case hex of SHA-256(text)
  bool operator==(const conditions_document&) const = default;
};

/// The document for `text` published as `version`.
conditions_document make_conditions_document(std::string version, std::string_view text);

struct accepted_conditions {
  conditions_document document;
  sys_time accepted_at;
  std::string accepted_by;  ///< pseudonym
  bool operator==(const accepted_conditions&) const = default;
};

// ---------------------------------------------------------------------------
// The application (aanvraag)

/// JSON (camelCase, Dutch, as on the API):
///   {"nazorgcoordinator": {"naam", "email", "telefoon"},
///    "ontvangtDetentiemeldingen": bool, "ontvangtInformatiebladen": bool,
///    "systeemcertificaat": {"oin": "<20 digits>", "sha256": "<64 hex>"},
///    "pushEndpoint": "https://..." (optional)}
struct application {
  contact coordinator;  ///< the municipality's nazorg coordinator
  bool wants_detention_notifications = false;
  bool wants_information_sheets = false;
  std::string certificate_oin;               ///< must be the municipality's OIN
  std::string certificate_sha256;            ///< lower-case hex of the certificate's DER
  std::optional<std::string> push_endpoint;  ///< https URL for push delivery
  bool operator==(const application&) const = default;
};

/// Every rule an application breaks, as pointers into its JSON form: the
/// contact checks, the OIN (oin_invalid, or application_oin_mismatch when it
/// is not `m.oin`), the fingerprint (fingerprint_invalid: 64 lower-case hex
/// digits), the push endpoint (url_invalid). Empty when valid.
validation_errors validate_application(const application& a, const municipality& m);

/// Parses and validates an application body for municipality `m` (at most
/// 16 KiB). The fingerprint may be given in upper or lower case, with or
/// without colons; it is stored as lower-case hex.
validated<application> parse_application(std::string_view body, const municipality& m);

/// The JSON form above (round-trips through parse_application).
boost::json::object to_json(const application& a);

/// The exact text a signatory reviews and signs (version 2): UTF-8 lines
/// "key: value\n" in a fixed order, starting with "poort-aanvraag: 2", then
/// the municipality ("gemeente.naam", "gemeente.gemeentecode",
/// "gemeente.oin" of `m`) and its cohort ("cohort.id", "cohort.naam" of `k`),
/// then the body of version 1 below (from "aansluitvoorwaarden.versie" on).
/// Escaping and determinism as in version 1.
std::string canonical_application_text(const application& a, const conditions_document& c,
                                       const municipality& m, const cohort& k);

/// Lower-case hex SHA-256 of canonical_application_text(a, c, m, k): what a
/// signature covers from version 2 on.
std::string application_sha256(const application& a, const conditions_document& c, const municipality& m,
                               const cohort& k);

/// Version 1 of the text, signed until version 2 named the municipality and
/// the cohort; kept to verify those signatures (each stored signature keeps
/// the exact text it covers, whose first line gives its version). UTF-8
/// lines "key: value\n" in a fixed order, starting with "poort-aanvraag: 1",
/// then the conditions version and SHA-256, then every field of `a` under its
/// JSON name ("nazorgcoordinator.naam", ...; booleans "ja"/"nee"; the
/// "pushEndpoint" line only when there is one). Backslash, CR, LF and other
/// control characters in values are escaped ("\\", "\r", "\n", "\xHH"), so
/// that the text is unambiguous. Deterministic: equal inputs give equal bytes.
std::string canonical_application_text(const application& a, const conditions_document& c);

/// Lower-case hex SHA-256 of canonical_application_text(a, c) (version 1).
std::string application_sha256(const application& a, const conditions_document& c);

/// What a signatory's signature records.
struct signature {
  std::string signatory_pseudonym;  ///< ActingSubjectID of the signing login
  sys_time signed_at;
  std::string assertion_id;        ///< ID of the SAML assertion of that login
  conditions_document conditions;  ///< the version signed with the application
  std::string application_sha256;  ///< lower-case hex SHA-256 of `text`
  std::string text;                ///< the exact text signed (canonical_application_text)
  bool operator==(const signature&) const = default;
};

enum class review_decision { approved, rejected };

struct review {
  review_decision decision;
  std::string reason;  ///< required for a rejection, empty for an approval
  sys_time decided_at;
  std::string decided_by;  ///< administrator pseudonym
  bool operator==(const review&) const = default;
};

// ---------------------------------------------------------------------------
// The onboarding state of one municipality

enum class municipality_status {
  not_registered,
  registered,
  conditions_accepted,
  application_draft,
  application_signed,  ///< "SIGNED"
  approved,
  rejected,
  connected,
  suspended,
  disconnected,
};

/// "NOT_REGISTERED", "REGISTERED", "CONDITIONS_ACCEPTED", "APPLICATION_DRAFT",
/// "SIGNED", "APPROVED", "REJECTED", "CONNECTED", "SUSPENDED", "DISCONNECTED".
std::string_view to_string(municipality_status s) noexcept;
std::optional<municipality_status> parse_municipality_status(std::string_view s) noexcept;

inline constexpr std::size_t max_reason_chars = 1000;

struct onboarding {
  municipality_status status = municipality_status::not_registered;
  std::string cohort_id;  ///< set on registration
  std::optional<sys_time> registered_at;
  std::optional<accepted_conditions> conditions;
  std::optional<domain::application> application;
  std::optional<domain::signature> signature;  ///< present iff SIGNED or later (or REJECTED)
  std::optional<domain::review> review;        ///< the latest decision
  std::optional<sys_time> connected_at;        ///< the latest (re)connection
  std::string status_reason;                   ///< why SUSPENDED or DISCONNECTED; empty otherwise
  bool operator==(const onboarding&) const = default;
};

/// The new state of both the municipality and its cohort (`registered` + 1);
/// the store writes both in one transaction.
struct registration {
  domain::onboarding onboarding;
  domain::cohort cohort;
};

/// Registers `m` in cohort `c` -> REGISTERED. Failures, in this order:
/// not_permitted (not casework), other_organisation, already_registered (any
/// status but NOT_REGISTERED), registration_closed (closed early or
/// now >= closes_at), registration_not_open (now < opens_at), cohort_full.
result<registration> register_municipality(const onboarding& s, const municipality& m, const cohort& c,
                                           const actor& by, sys_time now);

/// Accepts the conditions `current` after the user was shown the version
/// whose hash is `shown_sha256`. REGISTERED -> CONDITIONS_ACCEPTED;
/// CONDITIONS_ACCEPTED and APPLICATION_DRAFT keep their status; SIGNED and
/// REJECTED go back to APPLICATION_DRAFT, the signature void, when the
/// version differs from the accepted one (accepting the same one again
/// changes nothing). Failures: not_permitted, other_organisation,
/// conditions_outdated (shown_sha256 != current.sha256), invalid_transition
/// (NOT_REGISTERED), application_locked (APPROVED or later).
result<onboarding> accept_conditions(const onboarding& s, const municipality& m,
                                     const conditions_document& current, std::string_view shown_sha256,
                                     const actor& by, sys_time now);

/// Stores application `a` -> APPLICATION_DRAFT. An application equal to the
/// current one changes nothing (a SIGNED one stays signed); any change to a
/// SIGNED or REJECTED application voids its signature. Failures:
/// not_permitted, other_organisation, invalid_transition (conditions not
/// accepted yet), application_locked (APPROVED or later), and the code of the
/// first rule `a` breaks (validate_application).
result<onboarding> save_application(const onboarding& s, const municipality& m, application a,
                                    const actor& by, sys_time now);

/// What the signatory submits when signing.
struct signing {
  std::string assertion_id;  ///< the assertion that authenticated this login
  std::string shown_sha256;  ///< application_sha256 of the text they were shown
};

/// Signs the current application of `m`, registered in cohort `k`:
/// APPLICATION_DRAFT or REJECTED -> SIGNED, recording pseudonym, time,
/// assertion ID, conditions, the text signed (canonical_application_text
/// with `m` and `k`) and its hash. Failures: not_permitted (not a signatory,
/// e.g. casework), other_organisation (a signatory of another municipality),
/// invalid_transition (no application to sign, already signed / reviewed, or
/// `k` is not the municipality's cohort), assertion_id_invalid (empty, over
/// 256 bytes or not printable ASCII), application_changed (shown_sha256 is
/// not the hash of that text).
result<onboarding> sign_application(const onboarding& s, const municipality& m, const cohort& k,
                                    const signing& what, const actor& by, sys_time now);

/// SIGNED -> APPROVED. Failures: not_permitted, invalid_transition.
result<onboarding> approve_application(const onboarding& s, const actor& by, sys_time now);

/// SIGNED -> REJECTED with `reason` (1..max_reason_chars code points after
/// trimming whitespace; newlines allowed). Failures: not_permitted,
/// invalid_transition, reason_required, reason_too_long,
/// value_invalid_characters.
result<onboarding> reject_application(const onboarding& s, std::string_view reason, const actor& by,
                                      sys_time now);

/// Whether the scheduler should connect this municipality now: APPROVED in
/// cohort `c` (same id) and now >= c.settings.connection_at.
bool due_for_connection(const onboarding& s, const cohort& c, sys_time now) noexcept;

/// The scheduled connection: APPROVED -> CONNECTED when due. Failures:
/// invalid_transition (not APPROVED, or `c` is not its cohort),
/// connection_date_not_reached.
result<onboarding> connect_on_schedule(const onboarding& s, const cohort& c, sys_time now);

/// An administrator connects at once: APPROVED -> CONNECTED. Failures:
/// not_permitted, invalid_transition.
result<onboarding> connect_now(const onboarding& s, const actor& by, sys_time now);

/// CONNECTED -> SUSPENDED with a reason (as for reject_application).
/// Failures: not_permitted, invalid_transition, the reason's.
result<onboarding> suspend(const onboarding& s, std::string_view reason, const actor& by, sys_time now);

/// CONNECTED or SUSPENDED -> DISCONNECTED with a reason. Failures as suspend.
result<onboarding> disconnect(const onboarding& s, std::string_view reason, const actor& by, sys_time now);

/// SUSPENDED or DISCONNECTED -> CONNECTED; the status reason is cleared.
/// Failures: not_permitted, invalid_transition.
result<onboarding> reconnect(const onboarding& s, const actor& by, sys_time now);

}  // namespace poort::domain
