// Escaping per sink (docs/security.md): every text from the input that
// reaches a terminal or CI log (TerminalText), XML or HTML (XmlEscape) or
// Markdown (review_markdown.cc Md, Cell, Code) goes through that sink's
// function. All of
// them first make the text valid UTF-8 (Utf8Valid); JSON writers replace bad
// bytes themselves (finding_json.h WriteJson), and GitHub workflow commands
// have their own escaping (check_report.cc).
#ifndef MESHSIM_REPORTS_MARKUP_H_
#define MESHSIM_REPORTS_MARKUP_H_

#include <string>

#include "model/text.h"

namespace meshsim {

// Text safe in XML 1.0 and HTML element content and quoted attributes.
// Control characters XML forbids even escaped become '?'.
inline std::string XmlEscape(const std::string& raw) {
  const std::string s = Utf8Valid(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
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

}  // namespace meshsim

#endif  // MESHSIM_REPORTS_MARKUP_H_
