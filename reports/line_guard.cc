#include "reports/line_guard.h"

namespace meshsim {

bool LineGuard::Put(const std::string& s) {
  if (s.empty()) return true;
  if (dest_->sputn(s.data(), static_cast<std::streamsize>(s.size())) !=
      static_cast<std::streamsize>(s.size()))
    failed_ = true;
  return !failed_;
}

bool LineGuard::Flush() {
  const std::string held = std::move(held_);
  held_.clear();
  return Put(held);
}

bool LineGuard::AtLineStart(char c) {
  if (held_.empty() && c == kOwnCommandLine) {
    line_start_ = false;  // the line goes through as written
    return true;
  }
  if (c == ' ' || c == '\t') {
    held_ += c;
    return true;
  }
  const bool colon_held = !held_.empty() && held_.back() == ':';
  if (c == ':' && !colon_held) {
    held_ += c;
    return true;
  }
  if (c == ':') {  // "::" begins the line: not a command any more
    held_.back() = '\\';
    held_ += "x3A";
  }
  held_ += c;
  line_start_ = c == '\n';
  return Flush();
}

LineGuard::int_type LineGuard::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return 0;
  const char ch = traits_type::to_char_type(c);
  return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

std::streamsize LineGuard::xsputn(const char* s, std::streamsize n) {
  std::streamsize i = 0;
  while (i < n) {
    if (line_start_) {
      if (!AtLineStart(s[i++])) return i - 1;
      continue;
    }
    // The rest of the line in one write.
    std::streamsize end = i;
    while (end < n && s[end] != '\n') ++end;
    if (end < n) {
      ++end;
      line_start_ = true;
    }
    if (dest_->sputn(s + i, end - i) != end - i) {
      failed_ = true;
      return i;
    }
    i = end;
  }
  return failed_ ? 0 : n;
}

int LineGuard::sync() {
  // What is held stays held: it is decided by the next character.
  return failed_ || dest_->pubsync() != 0 ? -1 : 0;
}

}  // namespace meshsim
