// SHA-256 (FIPS 180-4), for digests that must not collide even when an
// input is written to make them collide: the keys of `verify --cache`
// (app/verify_cache.h), shared between CI jobs that may run untrusted
// scenarios. The compression is OpenSSL's libcrypto, which uses the
// processor's SHA extensions where it has them (about eight times the
// portable code's rate on the project's machine; README, "Dependencies").
//
//   Sha256 h;
//   h.Update("abc");
//   std::string hex = h.Hex();  // "ba7816bf..."
#ifndef MESHSIM_MODEL_SHA256_H_
#define MESHSIM_MODEL_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace meshsim {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view bytes);
  // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
  void Field(std::string_view bytes);
  // The digest of what was added; the object is spent afterwards.
  std::array<uint8_t, 32> Digest();
  std::string Hex();  // 64 lowercase hex digits

 private:
  // libcrypto's SHA256_CTX (sha256.cc), kept opaque so that including
  // this header does not include OpenSSL's.
  alignas(8) unsigned char ctx_[128];
};

// The hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// The hex HMAC-SHA-256 of `bytes` under `key` (RFC 2104): a digest only a
// holder of the key can make (`verify --cache` with MESHSIM_CACHE_KEY).
std::string HmacSha256Hex(std::string_view key, std::string_view bytes);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_SHA256_H_
