# install.cmake - what `cmake --install <build> --prefix P` adds to the
# targets' own rules (P/bin/hpcc, P/lib/libhotpath*.a, P/include/hotpath.h):
#
#   P/lib/libhotpath.so*                  the runtime as a shared library (what hpcc links)
#   P/lib/libhotpath_alloc.so*            the allocation tracker (hpcc --alloc)
#   P/lib/pkgconfig/hotpath.pc            cc $(pkg-config --cflags --libs hotpath)
#   P/lib/cmake/hotpath/                  find_package(hotpath): hotpath::hotpath,
#                                         hotpath::shared, hotpath_instrument()
#   P/share/man/man1/hpcc.1, man7/hotpath.7
#
# Everything is relocatable: hpcc finds its runtime relative to itself,
# hotpath.pc derives its prefix from ${pcfiledir}, and the CMake package
# from its own location.  Included from the top-level CMakeLists.txt after
# the runtime and hpcc directories.
include(CMakePackageConfigHelpers)

# The shared runtime (libhotpath.so.1, libhotpath_alloc.so.1) is what hpcc
# links; its targets are the runtime's (runtime/CMakeLists.txt).
install(TARGETS hotpath_shared hotpath_alloc_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(HOTPATH_HAVE_SHARED ON)

# hotpath.pc.  The runtime needs libc and pthreads only: with the shared
# library, -lhotpath finds it and -pthread is private; without it,
# -lhotpath is the archive and the program links -pthread itself.
file(RELATIVE_PATH HOTPATH_PC_TO_PREFIX
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" HOTPATH_PC_TO_PREFIX "${HOTPATH_PC_TO_PREFIX}")
set(HOTPATH_PC_REQUIRES "") # no pkg-config dependencies
if(HOTPATH_HAVE_SHARED)
  # -rpath: the recipe `cc $(pkg-config --cflags hotpath) prog.c
  # $(pkg-config --libs hotpath)` gives a program that runs, without
  # LD_LIBRARY_PATH, as hpcc's own links do (their RUNPATH is its libdir).
  set(HOTPATH_PC_LIBS "Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lhotpath\nLibs.private: -pthread")
else()
  set(HOTPATH_PC_LIBS "Libs: -L\${libdir} -lhotpath -pthread")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/hotpath.pc.in
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpath.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake-pkg/hotpath.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The CMake package.
set(HOTPATH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hotpath)
set(HOTPATH_SHARED_FILE libhotpath.so.${HOTPATH_ABI_VERSION})
set(HOTPATH_SHARED_SONAME libhotpath.so.${HOTPATH_ABI})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/hotpathConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpathConfig.cmake
  INSTALL_DESTINATION ${HOTPATH_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpathConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpathConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpathConfigVersion.cmake
  DESTINATION ${HOTPATH_CMAKE_DIR})

# Man pages.
install(FILES ${PROJECT_SOURCE_DIR}/doc/hpcc.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/doc/hotpath.7
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
