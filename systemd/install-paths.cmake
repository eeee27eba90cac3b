# Run by `cmake --install` (see CMakeLists.txt): installs the systemd unit,
# filled in with the paths of this install's prefix, and the configuration
# as <sysconfdir>/flecto-agent/flecto-agent.toml unless one is already there
# (a re-install never overwrites an operator's settings; the Debian package
# ships it as a conffile, which dpkg keeps the same way).
#
# CMAKE_INSTALL_PREFIX is the install-time prefix here. The FULL_ paths that
# GNUInstallDirs computed at configuration time may name another prefix, so
# they are worked out again with GNUInstallDirs' rule: a relative sysconfdir
# is /etc for the prefix /usr, /etc/opt/<pkg> for /opt/<pkg>, else below the
# prefix.

string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")

function(flecto_below_prefix out_var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out_var} "${dir}" PARENT_SCOPE)
  else()
    set(${out_var} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

flecto_below_prefix(CMAKE_INSTALL_FULL_BINDIR "${FLECTO_BINDIR}")
flecto_below_prefix(unit_dir "${FLECTO_SYSTEMD_UNITDIR}")
if(IS_ABSOLUTE "${FLECTO_SYSCONFDIR}")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "${FLECTO_SYSCONFDIR}")
elseif(prefix STREQUAL "/usr")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "/${FLECTO_SYSCONFDIR}")
elseif(prefix MATCHES "^/opt/")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "/${FLECTO_SYSCONFDIR}${prefix}")
else()
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "${prefix}/${FLECTO_SYSCONFDIR}")
endif()

configure_file("${FLECTO_UNIT_TEMPLATE}" "${FLECTO_STAGING_DIR}/flecto-agent.service" @ONLY)
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${FLECTO_STAGING_DIR}/flecto-agent.service")

# file(INSTALL) puts DESTDIR in front of DESTINATION itself; EXISTS needs it.
set(config_dir "${CMAKE_INSTALL_FULL_SYSCONFDIR}/flecto-agent")
if(EXISTS "$ENV{DESTDIR}${config_dir}/flecto-agent.toml")
  message(STATUS "Keeping: $ENV{DESTDIR}${config_dir}/flecto-agent.toml")
else()
  file(INSTALL DESTINATION "${config_dir}" TYPE FILE
       FILES "${FLECTO_CONFIG_EXAMPLE}" RENAME flecto-agent.toml)
endif()
