# Installing like a Debian tool: `cmake --install build` (default prefix /usr/local) or the .deb that
# `cpack` builds in build/ (prefix /usr). Included from the top-level CMakeLists.txt after the targets.
#   bin/svasim, bin/svasim-mpi (svasim execs it from its own directory)
#   share/svasim/scenarios/     shipped scenarios, sweeps/, the editor schemas (not broken/: test inputs)
#   share/doc/svasim/           README, docs/*.md, the plots the README shows
#   share/man/man1/svasim.1.gz  from the binary's --help (packaging/make-man.sh, needs help2man)
#   share/bash-completion/completions/svasim
include(GNUInstallDirs)

install(TARGETS svasim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(SVASIM_HAVE_MPI)
  install(TARGETS svasim-mpi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/svasim/scenarios
        PATTERN broken EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/svasim.bash-completion DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME svasim)

find_program(SVASIM_HELP2MAN help2man)
if(SVASIM_HELP2MAN)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/svasim.1.gz
                     COMMAND ${CMAKE_SOURCE_DIR}/packaging/make-man.sh $<TARGET_FILE:svasim> ${SVASIM_HELP2MAN}
                             ${CMAKE_SOURCE_DIR}/packaging/svasim.h2m ${CMAKE_BINARY_DIR}/svasim.1.gz
                     DEPENDS svasim ${CMAKE_SOURCE_DIR}/packaging/make-man.sh ${CMAKE_SOURCE_DIR}/packaging/svasim.h2m
                     COMMENT "svasim.1 from svasim --help (help2man)" VERBATIM)
  add_custom_target(svasim_man ALL DEPENDS ${CMAKE_BINARY_DIR}/svasim.1.gz)
  install(FILES ${CMAKE_BINARY_DIR}/svasim.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "svasim: help2man not found: no man page (scripts/setup installs it)")
endif()

# The .deb: `cpack` in the build directory writes svasim_VERSION_ARCH.deb; dpkg-shlibdeps (dpkg-dev, part of
# build-essential) finds the run-time libraries (SimGrid, Boost, Open MPI) and writes Depends from them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME svasim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "svasim developers <svasim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "discrete-event simulator of IOMMU invalidation under Shared Virtual Addressing")
# One string: set() with several would make a CMake list, and its ";" would land in the Description.
set(CPACK_PACKAGE_DESCRIPTION "svasim schedules DMA traffic, page unmaps and bind/unbind events across a topology of \
IOMMUs and devices; domain-sharing and flush policies are swappable models named after real kernel behaviours, and \
every run reports invalidation counts and latency statistics. Sweeps, reports (Markdown, HTML with gnuplot plots) \
and an MPI backend for clusters are included.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnuplot-nox, bash-completion, openmpi-bin")  # plots; completion; mpirun
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_STRIP_FILES ON)
include(CPack)
