// Escaping for the XML and HTML meshsim writes (JUnit, report.html).
#ifndef MESHSIM_REPORTS_MARKUP_H_
#define MESHSIM_REPORTS_MARKUP_H_

#include <string>

namespace meshsim {

// Text safe in XML 1.0 and HTML element content and quoted attributes.
// Control characters XML forbids even escaped become '?'.
inline std::string XmlEscape(const std::string& s) {
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
