// Escaping per sink (docs/security.md): every text from the input that
// reaches a terminal or CI log (TerminalText), XML or HTML (XmlEscape) or
// Markdown (MarkdownText, MarkdownCode) goes through that sink's
// function. All of
// them first make the text valid UTF-8 (Utf8Valid); JSON writers replace bad
// bytes themselves (finding_json.h WriteJson), and GitHub workflow commands
// have their own escaping (check_report.cc).
#ifndef MESHSIM_REPORTS_MARKUP_H_
#define MESHSIM_REPORTS_MARKUP_H_

#include <algorithm>
#include <string>

#include "model/text.h"

namespace meshsim {

// The entity of a character markup would read as markup (< > &), or
// nullptr.
inline const char* MarkupEntity(char c) {
  return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : nullptr;
}

// Text safe in XML 1.0 and HTML element content and quoted attributes.
// Control characters XML forbids even escaped become '?'.
inline std::string XmlEscape(const std::string& raw) {
  const std::string s = Utf8Valid(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (const char* entity = MarkupEntity(c)) {
      out += entity;
      continue;
    }
    switch (c) {
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' &&
            c != '\r')
          out += '?';
        else
          out += c;
    }
  }
  return out;
}

// Text from the input as Markdown text or a table cell (report.md, the
// GitHub step summary): valid UTF-8, no control characters or line breaks,
// no raw HTML (< > & as entities), and the characters that open links,
// emphasis, code or table cells escaped.
inline std::string MarkdownText(const std::string& raw) {
  std::string out;
  for (char c : TerminalText(Utf8Valid(raw))) {
    if (const char* entity = MarkupEntity(c)) {
      out += entity;
      continue;
    }
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Inline code: HTML is not interpreted there, but a backtick would end it;
// the fence is one backtick longer than any run inside. A '|' still ends a
// table cell in GitHub's tables, so it is escaped there too.
inline std::string MarkdownCode(const std::string& raw) {
  const std::string s = TerminalText(Utf8Valid(raw));
  size_t run = 0, longest = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const std::string pad = longest ? " " : "";
  return fence + pad + s + pad + fence;
}

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_MARKUP_H_
