#pragma once
// The e-mail notices of onboarding (issue 4 item 8): which transitions send
// what to whom. They are queued in the store's outbox inside the transition's
// own transaction (so a notice exists iff the transition committed) and sent
// later by the daemon's outbox worker (daemon/mailer.hpp): a failing relay
// never blocks or undoes a transition.
//
//   onboarding.register                 -> administrator_address: registration received
//   onboarding.application.save         -> the nazorg coordinator: application needs signing
//   onboarding.review.approve           -> the coordinator: approved
//   onboarding.review.reject            -> the coordinator: rejected, with the reason
//   onboarding.connect(.scheduled|.now), onboarding.reconnect -> the coordinator: connected
//
// Texts are Dutch; they name the municipality and the cohort, never a person.
//
// Thread safety: pure functions.

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "store/onboarding.hpp"

namespace poort::routing {

/// The messages a successful transition `action` sends; none when e-mail is
/// off, for other actions, or when the recipient is unknown.
std::vector<store::email_message> notices_for(std::string_view action, const store::transition_outcome& o,
                                              const config::email& cfg);

/// A store::after_fn that queues `notices_for(action, outcome, cfg)`.
store::after_fn queue_notices(std::string action, config::email cfg, sys_time now);

}  // namespace poort::routing
