#pragma once
// poortctl's onboarding commands:
//
//   poortctl registry import FILE.csv [--config FILE]
//       checks the whole file (store/registry_import.hpp) and writes it in one
//       transaction; every problem is printed as FILE:LINE: message, and then
//       nothing is written (exit 1)
//   poortctl conditions add FILE --version V [--config FILE]
//       publishes FILE (UTF-8 text, at most 1 MiB) as version V of the
//       connection conditions; it becomes the current version
//   poortctl cohort list [--config FILE]
//       every cohort: id, kind, registration window and whether it is open,
//       capacity, registered, connection date, name
//   poortctl cohort open --name N --kind PILOT|REGULAR --opens-at T --closes-at T
//                        --capacity N --connection-at T [--config FILE]
//       creates a cohort as a Justid administrator would in the portal (the
//       same rules, domain::create_cohort); T in RFC 3339; prints its id
//   poortctl cohort close ID [--config FILE]
//       closes a cohort's registration early (domain::close_cohort_early)
//
// Both need a database at the current schema version (`poortctl migrate`)
// and may run while poortd runs. Each change is audited with actor "poortctl".
// Exit codes: 0 success, 1 refused, 2 usage.

#include <ostream>
#include <span>
#include <string_view>

namespace poort::poortctl {

int registry_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
int conditions_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
int cohort_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace poort::poortctl
