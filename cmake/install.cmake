# Install layout and the Debian package. Included from the top-level
# CMakeLists.txt; the binaries' own install() rules are in daemon/CMakeLists.txt
# (poortd) and tools/poortctl/CMakeLists.txt (poortctl).
#
#   cmake --install BUILD --prefix /tmp/x     the tree below, under /tmp/x
#   cd BUILD && cpack -G DEB                  poort_<version>_<arch>.deb (prefix /usr)
#   scripts/check-package BUILD               builds the .deb and checks its contents
#
# Layout (relative to the prefix):
#   sbin/poortd, bin/poortctl
#   lib/systemd/system/poortd.service
#   lib/sysusers.d/poort.conf                 the user and group poort
#   lib/tmpfiles.d/poort.conf                 /etc/poort, 0750 root:poort
#   share/doc/poort/poort.example.toml        every config key with its default
#   share/poort/web/                          the portal's static assets
#
# Nothing is installed under /etc: the configuration belongs to the
# administrator. /etc/poort itself comes from tmpfiles (run by the package's
# postinst) and from ConfigurationDirectory= in the unit.

install(FILES ${PROJECT_SOURCE_DIR}/systemd/poortd.service
        DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/poort.sysusers
        DESTINATION lib/sysusers.d RENAME poort.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/poort.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME poort.conf)
install(FILES ${PROJECT_SOURCE_DIR}/config/poort.example.toml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/poort/web
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                              GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# --- Debian package (cpack -G DEB) --------------------------------------------
# Maintainer scripts: create the user and /etc/poort on install, stop the
# service on removal, and tell systemd about the unit. The service is neither
# enabled nor started: it needs /etc/poort/poort.toml and data.key first.
set(poort_deb_dir ${PROJECT_BINARY_DIR}/debian)
file(WRITE ${poort_deb_dir}/postinst [[#!/bin/sh
set -e
if [ "$1" = configure ]; then
  systemd-sysusers /usr/lib/sysusers.d/poort.conf
  systemd-tmpfiles --create /usr/lib/tmpfiles.d/poort.conf
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl try-restart poortd.service || true
  fi
fi
]])
file(WRITE ${poort_deb_dir}/prerm [[#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop poortd.service || true
fi
]])
file(WRITE ${poort_deb_dir}/postrm [[#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
]])

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME poort)
set(CPACK_PACKAGE_VENDOR "poort maintainers")
set(CPACK_PACKAGE_CONTACT "poort maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "poortd accepts deliveries from prisons over mutual TLS (PKIoverheid, OIN)\n\
and serves them to municipalities, who log in with eHerkenning (SAML 2.0).\n\
poortctl administers it.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "poort maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd-sysusers and systemd-tmpfiles in postinst; shlibdeps adds the libraries.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${poort_deb_dir}/postinst ${poort_deb_dir}/prerm ${poort_deb_dir}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
