#include "model/sha256.h"

// SHA256_Init and its siblings are deprecated in OpenSSL 3 in favour of the
// EVP interface, which allocates a context per digest; meshsim makes one
// per loaded object, so it keeps the plain context.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstring>
#include <new>

namespace meshsim {

namespace {

static_assert(sizeof(SHA256_CTX) <= 128 && alignof(SHA256_CTX) <= 8,
              "Sha256::ctx_ holds a SHA256_CTX");

SHA256_CTX* Ctx(unsigned char* storage) {
  return std::launder(reinterpret_cast<SHA256_CTX*>(storage));
}

}  // namespace

Sha256::Sha256() { SHA256_Init(new (ctx_) SHA256_CTX); }

void Sha256::Update(std::string_view bytes) {
  SHA256_Update(Ctx(ctx_), bytes.data(), bytes.size());
}

void Sha256::Field(std::string_view bytes) {
  const uint64_t n = bytes.size();
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(n >> (8 * i));
  Update(std::string_view(len, 8));
  Update(bytes);
}

std::array<uint8_t, 32> Sha256::Digest() {
  std::array<uint8_t, 32> out;
  SHA256_Final(out.data(), Ctx(ctx_));
  return out;
}

std::string Sha256::Hex() {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : Digest()) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Hex();
}

std::string HmacSha256Hex(std::string_view key, std::string_view bytes) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         mac, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

}  // namespace meshsim
