# zlib, liblzma (xz), libzstd and libbz2 as di::zlib, di::lzma, di::zstd and di::bz2, for
# target_link_libraries in both builds.
# Linux: Debian's -dev packages (shared libraries).
# Windows (MinGW): static libraries, so the .exe needs no DLL beyond Windows' own:
# liblzma, libzstd (both multithreaded, on Win32 threads) and libbz2 that scripts/setup
# builds under COMPRESS_MINGW_ROOT, and zlib's libz.a from libz-mingw-w64-dev.
if(TARGET di::zlib)
  return()
endif()

if(NOT WIN32)
  find_package(ZLIB REQUIRED)
  find_package(LibLZMA REQUIRED)
  find_package(BZip2 REQUIRED)
  find_path(DI_ZSTD_INCLUDE_DIR zstd.h REQUIRED)
  find_library(DI_ZSTD_LIBRARY NAMES zstd REQUIRED)
  add_library(di::zlib INTERFACE IMPORTED)
  target_link_libraries(di::zlib INTERFACE ZLIB::ZLIB)
  add_library(di::lzma INTERFACE IMPORTED)
  target_link_libraries(di::lzma INTERFACE LibLZMA::LibLZMA)
  add_library(di::bz2 INTERFACE IMPORTED)
  target_link_libraries(di::bz2 INTERFACE BZip2::BZip2)
  add_library(di::zstd UNKNOWN IMPORTED)
  set_target_properties(di::zstd PROPERTIES
    IMPORTED_LOCATION "${DI_ZSTD_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${DI_ZSTD_INCLUDE_DIR}")
  return()
endif()

if(NOT COMPRESS_MINGW_ROOT)
  if(DEFINED ENV{COMPRESS_MINGW_ROOT})
    set(COMPRESS_MINGW_ROOT "$ENV{COMPRESS_MINGW_ROOT}")
  elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(COMPRESS_MINGW_ROOT "$ENV{XDG_CACHE_HOME}/diskimager/compress-mingw64")
  else()
    set(COMPRESS_MINGW_ROOT "$ENV{HOME}/.cache/diskimager/compress-mingw64")
  endif()
endif()
foreach(lib liblzma libzstd libbz2)
  if(NOT EXISTS "${COMPRESS_MINGW_ROOT}/lib/${lib}.a")
    message(FATAL_ERROR "No ${lib}.a under ${COMPRESS_MINGW_ROOT}/lib: run scripts/setup first")
  endif()
endforeach()

# lzma.h declares the API dllimport unless LZMA_API_STATIC; bzlib.h declares it as DLL
# function pointers unless BZ_EXPORT (it also includes <windows.h>).
add_library(di::lzma STATIC IMPORTED)
set_target_properties(di::lzma PROPERTIES
  IMPORTED_LOCATION "${COMPRESS_MINGW_ROOT}/lib/liblzma.a"
  INTERFACE_INCLUDE_DIRECTORIES "${COMPRESS_MINGW_ROOT}/include"
  INTERFACE_COMPILE_DEFINITIONS LZMA_API_STATIC)
add_library(di::zstd STATIC IMPORTED)
set_target_properties(di::zstd PROPERTIES
  IMPORTED_LOCATION "${COMPRESS_MINGW_ROOT}/lib/libzstd.a"
  INTERFACE_INCLUDE_DIRECTORIES "${COMPRESS_MINGW_ROOT}/include")
add_library(di::bz2 STATIC IMPORTED)
set_target_properties(di::bz2 PROPERTIES
  IMPORTED_LOCATION "${COMPRESS_MINGW_ROOT}/lib/libbz2.a"
  INTERFACE_INCLUDE_DIRECTORIES "${COMPRESS_MINGW_ROOT}/include"
  INTERFACE_COMPILE_DEFINITIONS BZ_EXPORT)

# libz.a by its full name, not libz.dll.a next to it (that would need zlib1.dll).
find_path(DI_ZLIB_MINGW_INCLUDE_DIR zlib.h)
find_library(DI_ZLIB_MINGW_LIBRARY NAMES libz.a)
if(NOT DI_ZLIB_MINGW_INCLUDE_DIR OR NOT DI_ZLIB_MINGW_LIBRARY)
  message(FATAL_ERROR "No zlib.h and libz.a for MinGW (libz-mingw-w64-dev): run scripts/setup first")
endif()
add_library(di::zlib STATIC IMPORTED)
set_target_properties(di::zlib PROPERTIES
  IMPORTED_LOCATION "${DI_ZLIB_MINGW_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${DI_ZLIB_MINGW_INCLUDE_DIR}")
