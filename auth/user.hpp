#pragma once
// Who is calling on the `portal` listener: a person logged in through SAML
// (DESIGN §3), known from their server-side session.
//
// The role comes from *which service* the user was authorised for at the
// eHerkenning broker (casework or signing, by ServiceUUID) and from *which
// IdP* issued the assertion (administrators use a separately configured IdP).
// There is no other source of roles: nothing the browser sends can raise them.
//
// Thread safety: plain values.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace poort::auth {

enum class role {
  casework,       ///< a municipality's case worker (nazorg): registers, applies, reads the inbox
  signatory,      ///< a municipality's authorised signatory: signs the application
  administrator,  ///< a Justid administrator: cohorts, review, connection
};

std::string_view to_string(role r) noexcept;  ///< "casework", "signatory", "administrator"

/// A logged-in person, as established at login and kept in the session.
struct user {
  std::string session_id_hash;  ///< SHA-256 (hex) of the session id: for logs and audit, never the id
  enum role role = role::casework;
  std::string idp;           ///< config name of the IdP that authenticated them
  std::string pseudonym;     ///< ActingSubjectID (eHerkenning specific pseudonym); never a name
  std::string kvk;           ///< LegalSubjectID KvK number of the represented organisation, or ""
  std::string rsin;          ///< LegalSubjectID RSIN, or ""
  std::string vestigingsnr;  ///< optional ServiceRestriction, or ""
  std::string gemeentecode;  ///< the municipality found by KvK/RSIN ("GMnnnn"); "" for administrators
  std::string assertion_id;  ///< the assertion that authenticated this session (signatures record it)
  std::string assurance;     ///< achieved level URN
  std::string csrf_token;    ///< the session's CSRF token (compared in constant time)
  sys_time logged_in_at;

  /// The audit `actor` for this user: "user:<idp>:<pseudonym>".
  std::string actor() const;
};

}  // namespace poort::auth
