#include "model/io/yaml_reader.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace meshsim::io {

SourceLocation Reader::Loc(const YAML::Node& n) const {
  SourceLocation loc{file_, 0, 0};
  if (n.IsDefined()) {
    YAML::Mark m = n.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;  // yaml-cpp marks are 0-based
      loc.column = m.column + 1;
    }
  }
  return loc;
}

std::string Reader::Describe(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "'" + s + "'";
    }
    default:
      return "nothing";
  }
}

YAML::Node Reader::Child(const YAML::Node& n, const char* key) const {
  if (!n.IsDefined() || !n.IsMap())
    return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool Reader::IsMap(const YAML::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a map, got " + Describe(n));
  return false;
}

bool Reader::IsList(const YAML::Node& n, const std::string& what) {
  if (n.IsSequence()) return true;
  if (!n.IsDefined() || n.IsNull()) return false;
  Error(n, what + " must be a list, got " + Describe(n));
  return false;
}

std::optional<std::string> Reader::String(const YAML::Node& n,
                                          const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    Error(n, what + " must be a string, got " + Describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> Reader::Int(const YAML::Node& n,
                                     const std::string& what, long long min,
                                     long long max) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0' && errno == 0) {
      if (v < min || v > max) {
        Error(n, what + " must be between " + std::to_string(min) + " and " +
                     std::to_string(max) + ", got " + s);
        return std::nullopt;
      }
      return v;
    }
  }
  Error(n, what + " must be an integer, got " + Describe(n));
  return std::nullopt;
}

std::optional<bool> Reader::Bool(const YAML::Node& n, const std::string& what) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Error(n, what + " must be true or false, got " + Describe(n));
  return std::nullopt;
}

std::optional<Labels> Reader::StringMap(
    const YAML::Node& n, const std::string& what, bool label_syntax,
    std::map<std::string, SourceLocation>* locs) {
  if (!n.IsDefined() || n.IsNull()) return Labels{};
  if (!IsMap(n, what)) return std::nullopt;
  static const std::regex kLabelValue(
      "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  Labels out;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      Error(it->first,
            what + " keys must be strings, got " + Describe(it->first));
      ok = false;
      continue;
    }
    const std::string key = it->first.Scalar();
    const YAML::Node& v = it->second;
    if (v.IsNull()) {
      out[key] = "";
    } else if (!v.IsScalar()) {
      Error(v, what + "['" + key + "'] must be a string, got " + Describe(v));
      ok = false;
      continue;
    } else {
      const std::string& value = v.Scalar();
      if (label_syntax &&
          (value.size() > 63 || !std::regex_match(value, kLabelValue))) {
        Error(v, what + "['" + key +
                     "'] must be a valid label value (at most 63 characters: "
                     "letters, digits, '-', '_', '.', starting and ending "
                     "with a letter or digit), got '" +
                     value + "'");
        ok = false;
        continue;
      }
      out[key] = value;
    }
    if (locs) (*locs)[key] = Loc(it->first);
  }
  if (!ok && label_syntax) return out;  // keep the valid ones; errors reported
  return out;
}

std::optional<std::string> ReadTextFile(const std::string& path,
                                        const SourceLocation& where,
                                        const std::string& what,
                                        Diagnostics& diags) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    diags.Error(where, what + " '" + path + "' does not exist");
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path, ec)) {
    diags.Error(where,
                what + " '" + path + "' is a directory, expected a file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Error(where, what + " '" + path + "' cannot be read");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.find('\0') != std::string::npos) {
    diags.Error(SourceLocation{path, 1, 1},
                what +
                    " is not a text file (it contains NUL bytes); expected "
                    "YAML or JSON");
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<YAML::Node>> ParseDocuments(const std::string& text,
                                                      const std::string& file,
                                                      Diagnostics& diags) {
  try {
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    SourceLocation loc{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                       e.mark.column >= 0 ? e.mark.column + 1 : 0};
    diags.Error(loc, "malformed YAML/JSON: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace meshsim::io
