// OpenSSL's libcrypto (Debian libssl-dev): SHA-256 through the EVP interface, which uses the
// processor's SHA extensions where it has them.
#include <openssl/evp.h>
