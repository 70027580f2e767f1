// The onboarding area's JSON views (DESIGN §4): a cohort, a registry record
// and a municipality's onboarding state as the portal API answers them
// (api/onboarding.openapi.json). Pure functions of their arguments.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>

#include "common/clock.hpp"
#include "domain/onboarding.hpp"
#include "store/onboarding.hpp"

namespace poort::routing {

/// An RFC 3339 text, or null when `t` is unset.
boost::json::value time_or_null(const std::optional<sys_time>& t);

/// A cohort as seen at `now` (whether registration is open depends on it).
boost::json::object cohort_json(const domain::cohort& c, sys_time now);

/// A registry record; `signed_at` is when its application was signed (unset: not signed).
boost::json::object municipality_json(const store::municipality_record& m, std::optional<sys_time> signed_at);

/// The onboarding view. `cohort` is the municipality's cohort (unset before
/// it registered). aanvraagTekst / aanvraagSha256: once signed (SIGNED and
/// later, not REJECTED), the text the signature covers as stored with it;
/// before that, the text a signatory would sign now.
boost::json::object onboarding_json(const store::municipality_record& m, const domain::onboarding& s,
                                    const std::optional<store::conditions_text>& current,
                                    const std::optional<domain::cohort>& cohort);

}  // namespace poort::routing
