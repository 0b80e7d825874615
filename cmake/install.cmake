# install.cmake - what `cmake --install <build> --prefix P` adds to the
# targets' own rules (P/bin/hpcc, P/lib/libhotpath*.a, P/include/hotpath.h):
#
#   P/lib/libhotpath.so*                  the runtime as a shared library
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

# libhotpath.so: the same sources as libhotpath.a (whose source list is the
# runtime's), for programs that call HP_FUNCTION & co. by hand and want one
# runtime shared by several instrumented shared objects.  hpcc itself always
# links the static archive.  Not in sanitizer trees (a sanitizer runtime
# and a shared library need flags of their own) and never with the
# allocation tracker: libhotpath_alloc.a reaches into the runtime's hidden
# symbols, which a shared object does not export.
option(HPCC_SHARED_RUNTIME "Also build and install libhotpath.so" ON)
set(HOTPATH_HAVE_SHARED OFF)
if(HPCC_SHARED_RUNTIME AND NOT HPCC_SANITIZE)
  get_target_property(_hp_sources hotpath SOURCES)
  get_target_property(_hp_dir hotpath SOURCE_DIR)
  set(_hp_abs "")
  foreach(_s ${_hp_sources})
    if(IS_ABSOLUTE "${_s}")
      list(APPEND _hp_abs "${_s}")
    else()
      list(APPEND _hp_abs "${_hp_dir}/${_s}")
    endif()
  endforeach()
  add_library(hotpath_shared SHARED ${_hp_abs})
  target_include_directories(hotpath_shared PRIVATE ${_hp_dir}/include ${_hp_dir}/src)
  target_compile_definitions(hotpath_shared PRIVATE _GNU_SOURCE)
  target_compile_options(hotpath_shared PRIVATE ${HPCC_WARNINGS})
  target_link_libraries(hotpath_shared PRIVATE PkgConfig::CJSON Threads::Threads)
  target_link_options(hotpath_shared PRIVATE -Wl,-z,defs)
  set_target_properties(hotpath_shared PROPERTIES
    OUTPUT_NAME hotpath
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    C_VISIBILITY_PRESET hidden)
  add_dependencies(hotpath_shared hotpath_header)
  install(TARGETS hotpath_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(HOTPATH_HAVE_SHARED ON)
endif()

# hotpath.pc.  With the shared library, -lhotpath finds it and libcjson is
# private; without it, -lhotpath is the archive and needs libcjson.
file(RELATIVE_PATH HOTPATH_PC_TO_PREFIX
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" HOTPATH_PC_TO_PREFIX "${HOTPATH_PC_TO_PREFIX}")
if(HOTPATH_HAVE_SHARED)
  set(HOTPATH_PC_REQUIRES "Requires.private: libcjson")
  set(HOTPATH_PC_LIBS "Libs: -L\${libdir} -lhotpath\nLibs.private: -pthread")
else()
  set(HOTPATH_PC_REQUIRES "")
  set(HOTPATH_PC_LIBS "Libs: -L\${libdir} -lhotpath -lcjson -pthread")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/hotpath.pc.in
  ${CMAKE_BINARY_DIR}/cmake-pkg/hotpath.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake-pkg/hotpath.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The CMake package.
set(HOTPATH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hotpath)
set(HOTPATH_SHARED_FILE libhotpath.so.${PROJECT_VERSION})
set(HOTPATH_SHARED_SONAME libhotpath.so.${PROJECT_VERSION_MAJOR})
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
