// SHA-256 (FIPS 180-4), for digests that must not collide even when an
// input is written to make them collide: the keys of `verify --cache`
// (app/verify_cache.h), shared between CI jobs that may run untrusted
// scenarios.
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
  void Block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

// The hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace meshsim

#endif  // MESHSIM_MODEL_SHA256_H_
