# Writes svasim/version.hpp with the commit the tree is at (git describe --dirty), at every build, not
# only at configure: results files name the commit that produced them, and a commit after the last
# configure must not be stamped with the previous one. configure_file leaves the file alone when
# nothing changed, so an unchanged commit recompiles nothing.
# Usage: cmake -DSOURCE_DIR=... -DOUT=... -DPROJECT_VERSION=... -P cmake/git_version.cmake
execute_process(COMMAND git -C ${SOURCE_DIR} describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE SVASIM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SVASIM_GIT_COMMIT)
  set(SVASIM_GIT_COMMIT "unknown")
endif()
configure_file(${SOURCE_DIR}/core/version.hpp.in ${OUT} @ONLY)
