#pragma once
// Errors of the domain module: why an identifier, a request body, an
// onboarding transition or a delivery was refused.
//
// Every code has three faces:
//   - `reason_code(e)`: a stable UPPER_SNAKE_CASE string for APIs, problem+json
//     bodies and log lines ("COHORT_FULL", "BSN_INVALID");
//   - `dutch_message(e)`: a sentence in Dutch for the portal;
//   - its `poort::condition` (through the category), which the HTTP layer
//     maps onto a status: malformed input -> bad_request (400), a refused
//     rule -> unprocessable (422), the current state forbids it -> conflict
//     (409), the actor may not do this -> forbidden (403).
// None of the texts contains data from the request.
//
// Thread safety: everything here is immutable and reentrant.

#include <string_view>

#include "common/error.hpp"

namespace poort::domain {

enum class error {
  ok = 0,

  // Identifiers (400). One code per kind; the value itself is never echoed.
  bsn_invalid,               ///< not 9 digits, fails the eleven-test, or all zeros
  rsin_invalid,              ///< not 9 digits, fails the eleven-test, or all zeros
  kvk_invalid,               ///< not 8 digits
  oin_invalid,               ///< not 20 digits of a known structure
  gemeentecode_invalid,      ///< not "GM" + 4 digits
  uuid_invalid,              ///< not a canonical 8-4-4-4-12 hex UUID, or the nil UUID
  vestigingsnummer_invalid,  ///< not 12 digits

  // Request bodies (400 unless noted). Reported per field as a JSON pointer.
  json_malformed,            ///< not JSON, or nested too deeply
  body_too_large,            ///< larger than the body limit (413)
  duplicate_field,           ///< an object names the same member twice
  unknown_field,             ///< a member that the schema does not define
  field_required,            ///< a required member is missing or null
  wrong_type,                ///< e.g. a number where a string belongs
  value_empty,               ///< an empty string or array where content is required
  value_too_long,            ///< a string longer than its limit
  value_invalid_characters,  ///< control characters in text
  too_many_items,            ///< an array or object larger than its limit
  duplicate_item,            ///< the same item twice in a list
  value_unknown,             ///< not one of the allowed enumeration values
  number_out_of_range,       ///< an integer outside its bounds
  date_invalid,              ///< not a valid "YYYY-MM-DD" date
  date_inconsistent,         ///< dates in the wrong order (e.g. born after the event)
  email_invalid,             ///< not a plausible e-mail address
  phone_invalid,             ///< not a plausible telephone number
  url_invalid,               ///< not an absolute https URL without credentials or fragment
  fingerprint_invalid,       ///< not a SHA-256 fingerprint (64 hex digits)
  topic_wrong_section,       ///< a topic listed under another basic condition
  version_inconsistent,      ///< versie 1 with `vervangt`, or versie > 1 without it
  replaces_itself,           ///< `vervangt` equals the sheet's own berichtId

  // Onboarding refusals.
  not_permitted,                   ///< the actor's role may not do this (403)
  other_organisation,              ///< the actor belongs to another organisation (403)
  cohort_name_invalid,             ///< empty, too long or with control characters (422)
  cohort_window_invalid,           ///< the window closes before (or when) it opens (422)
  cohort_capacity_invalid,         ///< capacity outside 1..max, or below the registrations (422)
  cohort_connection_date_invalid,  ///< connection date before the window opens (422)
  cohort_closed,                   ///< the cohort's registration already closed (409)
  registration_not_open,           ///< the window has not opened yet (409)
  registration_closed,             ///< the window has closed or was closed early (409)
  cohort_full,                     ///< the cohort has no room left (409)
  already_registered,              ///< the municipality registered before (409)
  invalid_transition,              ///< the current status does not allow this step (409)
  conditions_outdated,             ///< the conditions shown are not the current version (409)
  application_locked,              ///< the application can no longer be changed (409)
  application_oin_mismatch,        ///< the certificate's OIN is not the municipality's (422)
  application_changed,             ///< the text the signatory saw differs from the current one (409)
  assertion_id_invalid,            ///< the signing login's assertion ID is missing or malformed (400)
  reason_required,                 ///< a rejection, suspension or disconnection needs a reason (422)
  reason_too_long,                 ///< the reason exceeds its limit (422)
  connection_date_not_reached,     ///< scheduled connection before the cohort's date (409)

  // Delivery refusals (422 unless noted).
  municipality_unknown,      ///< no municipality with that gemeentecode
  not_connected,             ///< the municipality is not CONNECTED
  not_wanted,                ///< the municipality does not receive this kind
  consent_missing,           ///< a section without consent for its basic condition
  consent_withdrawn,         ///< a section whose consent has been withdrawn
  replacement_other_person,  ///< `vervangt` names a sheet about another person or municipality
  replacement_not_newer,     ///< `vervangt` names a sheet with the same or a higher version (409)
  bericht_id_conflict,       ///< this sender used the berichtId before with another body (409)
  withdrawal_unmatched,      ///< an intrekking that concerns no sheet held of that person
  other_prison,              ///< the sheet is another prison's, outside the rule of issue 14 (403)
  bericht_id_taken,          ///< another sender used the berichtId (409); nothing about its message is told
};
/// The last enumerator: a new code goes above this line and moves it.
inline constexpr error last_error = error::bericht_id_taken;

const error_category& domain_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), domain_category()}; }

/// The stable UPPER_SNAKE_CASE code of `e`, e.g. "COHORT_FULL".
std::string_view reason_code(error e) noexcept;

/// A Dutch sentence for the portal, e.g. "Dit cohort is vol." Never empty.
std::string_view dutch_message(error e) noexcept;

/// The domain error carried by `ec`; `error::ok` when `ec` is empty or belongs
/// to another category.
error domain_error_of(const error_code& ec) noexcept;

}  // namespace poort::domain

namespace boost::system {
template <>
struct is_error_code_enum<poort::domain::error> : std::true_type {};
}  // namespace boost::system
