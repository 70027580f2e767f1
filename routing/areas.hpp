#pragma once
// The route groups of the application, one per area, each in its own file:
//   login_routes.cpp       SAML login, ACS, logout, SP metadata   (issue: eHerkenning login)
//   onboarding_routes.cpp  registry, cohorts, applications, review (issue: onboarding)
//   delivery_routes.cpp    prison API, inbox, acknowledgements     (issue: deliveries)
//   beheer_routes.cpp      audit trail search, push retry          (issue: portal)
//   settings_routes.cpp    a municipality's settings               (issue: portal)
// Each area is one class in its file (`<area>_api`, e.g. delivery_api) whose
// const member functions are the route handlers; its add_*_routes function
// makes one shared instance and registers a route per handler (router.hpp:
// `route` with designated initializers). `app` calls them once at construction.

#include "routing/router.hpp"

namespace poort::routing {

struct services;

void add_login_routes(router& r, const services& s);
void add_onboarding_routes(router& r, const services& s);
void add_delivery_routes(router& r, const services& s);
void add_beheer_routes(router& r, const services& s);
void add_settings_routes(router& r, const services& s);

}  // namespace poort::routing
