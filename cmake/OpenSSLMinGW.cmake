# libcrypto for MinGW, built by scripts/setup from Debian's OpenSSL source package and
# linked statically so the .exe runs on a bare Windows.
if(NOT OPENSSL_MINGW_ROOT)
  if(DEFINED ENV{OPENSSL_MINGW_ROOT})
    set(OPENSSL_MINGW_ROOT "$ENV{OPENSSL_MINGW_ROOT}")
  else()
    set(OPENSSL_MINGW_ROOT "$ENV{HOME}/.cache/diskimager/openssl-mingw64")
  endif()
endif()
if(NOT EXISTS "${OPENSSL_MINGW_ROOT}/lib/libcrypto.a")
  message(FATAL_ERROR "No libcrypto.a under ${OPENSSL_MINGW_ROOT}/lib: run scripts/setup first")
endif()
add_library(OpenSSL::Crypto STATIC IMPORTED)
set_target_properties(OpenSSL::Crypto PROPERTIES
  IMPORTED_LOCATION "${OPENSSL_MINGW_ROOT}/lib/libcrypto.a"
  INTERFACE_INCLUDE_DIRECTORIES "${OPENSSL_MINGW_ROOT}/include"
  INTERFACE_LINK_LIBRARIES "ws2_32;crypt32;bcrypt;user32;advapi32")
