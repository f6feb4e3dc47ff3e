// Text from untrusted input on its way to a sink (docs/security.md): valid
// UTF-8, cut at character boundaries, and made safe for a terminal or CI log.
// reports/markup.h adds the XML/HTML sink; Diagnostics::Print uses
// TerminalText.
#ifndef MESHSIM_MODEL_TEXT_H_
#define MESHSIM_MODEL_TEXT_H_

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace meshsim {

// Written first on a line that is meshsim's own GitHub workflow command
// (`check --github`): the CLI's line guard (reports/line_guard.h) drops it and
// lets that line through, and neutralizes every other line that would
// start with "::". A control character, which TerminalText makes visible,
// so input cannot carry it.
inline constexpr char kOwnCommandLine = '\x1E';

// `s` with ASCII letters in lower case (DNS names, header names: compared
// without regard to case); other bytes, UTF-8 included, unchanged.
inline std::string AsciiLower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

// Whether `s` ends with `suffix`.
inline bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A seed as written (scenario `seed`, --seed): a whole number from 0 to
// 2^64 - 1, digits only; the error text for anything else, "" when it is
// one.
inline std::string SeedError(const std::string& s) {
  const std::string max = "18446744073709551615";
  if (!s.empty() && s.size() <= max.size() &&
      s.find_first_not_of("0123456789") == std::string::npos &&
      (s.size() < max.size() || s <= max))
    return "";
  return "expected a whole number from 0 to " + max + ", found '" + s + "'";
}

// Seconds of a wall-clock budget as written (--timeout): a finite number
// from 1e-9 to 1e6 (CLI11's range checks let NaN through, which set no
// deadline at all); the error text, "" when it is one.
inline std::string SecondsError(const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || v[0] == ' ' || *end != '\0' || !std::isfinite(d) ||
      d < 1e-9 || d > 1e6)
    return "expected a number of seconds from 1e-9 to 1000000, got '" + v + "'";
  return "";
}

// A count as written (--max-findings): a whole number from 0 to `max`.
inline std::string CountError(const std::string& v, uint64_t max) {
  if (!v.empty() && v.size() <= 18 &&
      v.find_first_not_of("0123456789") == std::string::npos &&
      std::stoull(v) <= max)
    return "";
  return "expected a whole number from 0 to " + std::to_string(max) +
         ", got '" + v + "'";
}

// "1 chunk", "3 chunks": a count and its noun, plural unless one; `plural`
// for an irregular noun ("1 request class", "2 request classes").
inline std::string Counted(uint64_t n, const std::string& noun,
                           const std::string& plural = "") {
  return std::to_string(n) + " " +
         (n == 1           ? noun
          : plural.empty() ? noun + "s"
                           : plural);
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a
// valid one (overlong forms and surrogates included).
inline size_t Utf8SequenceLength(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (c >= 0xF5) n = 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
  if (n == 4 && c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}

// `s` with each byte that is not part of valid UTF-8 replaced by U+FFFD.
inline std::string Utf8Valid(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

// At most `max` bytes of `s`, cut at a character boundary.
inline std::string Utf8Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

// One line of text for a terminal or a CI log: valid UTF-8, with control
// characters (ESC, CR, a newline that could start a GitHub workflow command,
// DEL and the C1 range) written as visible escapes (\x1B, \n).
inline std::string TerminalText(const std::string& s) {
  const std::string v = Utf8Valid(s);
  std::string out;
  out.reserve(v.size());
  static const char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    const bool c1 = c == 0xC2 && i + 1 < v.size() &&
                    static_cast<unsigned char>(v[i + 1]) < 0xA0;
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      out += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    } else if (c1) {
      const auto d = static_cast<unsigned char>(v[++i]);
      out += std::string("\\u00") + kHex[d >> 4] + kHex[d & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace meshsim

#endif  // MESHSIM_MODEL_TEXT_H_
