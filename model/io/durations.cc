// Durations as Istio reads them (kinds.h ParseIstioDuration): the CRDs'
// rules and istiod's decoding parse a protobuf Duration with Go's
// time.ParseDuration.
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/io/kinds.h"

namespace meshsim::io {

std::optional<int64_t> ParseIstioDuration(const std::string& text) {
  // Go's time.ParseDuration: an optional sign, then numbers each with a
  // unit; "0" alone is 0. A number's whole part is an integer (an overflow
  // past 2^63 is an error); its fraction is float64(f) * (unit / 10^digits),
  // truncated, digits past what 64 bits hold dropped. So "1.001s" is
  // exactly 1,001,000,000ns (a product of doubles was 1,000,999,999, which
  // failed the whole-milliseconds check).
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  constexpr uint64_t kMax = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t whole = 0, frac = 0;
    double scale = 1;
    bool pre = false, post = false, frac_full = false;
    size_t i = 0;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
         ++i) {
      if (whole > (kMax - 1) / 10) return std::nullopt;  // overflow
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kMax) return std::nullopt;
      pre = true;
    }
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
           ++i) {
        post = true;
        if (frac_full) continue;
        if (frac > (kMax - 1) / 10) {
          frac_full = true;  // Go drops the digits that would overflow
          continue;
        }
        const uint64_t y = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        if (y > kMax) {
          frac_full = true;
          continue;
        }
        frac = y;
        scale *= 10;
      }
    }
    if (!pre && !post) return std::nullopt;
    size_t k = i;
    while (k < s.size() && s[k] != '.' &&
           !std::isdigit(static_cast<unsigned char>(s[k])))
      ++k;
    const std::string_view unit = s.substr(i, k - i);
    const uint64_t ns = unit == "ns" ? 1
                        : unit == "us" || unit == "\u00b5s" || unit == "\u03bcs"
                            ? 1'000
                        : unit == "ms" ? 1'000'000
                        : unit == "s"  ? 1'000'000'000
                        : unit == "m"  ? 60'000'000'000
                        : unit == "h"  ? 3'600'000'000'000
                                       : 0;
    if (ns == 0) return std::nullopt;  // no unit, or one Go does not know
    if (whole > kMax / ns) return std::nullopt;
    uint64_t v = whole * ns;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) *
                                 (static_cast<double>(ns) / scale));
      if (v > kMax) return std::nullopt;
    }
    total += v;
    if (total > kMax) return std::nullopt;
    s.remove_prefix(k);
  }
  if (!neg && total > kMax - 1) return std::nullopt;
  return neg ? static_cast<int64_t>(0 - total) : static_cast<int64_t>(total);
}

bool ValidIstioDuration(int64_t ns) {
  return ns >= 1'000'000 && ns % 1'000'000 == 0;
}

}  // namespace meshsim::io
