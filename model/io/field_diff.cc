// `meshsim diff`'s field-level changes (loader.h FieldChanges): the two
// versions of one object, read again from their files, compared node by
// node.
#include <optional>
#include <string>
#include <vector>

#include "model/io/loader.h"
#include "model/io/yaml_reader.h"
#include "model/io/yaml_tree.h"

namespace meshsim::io {

namespace {

// Server-set metadata: not a change anyone made (as the object digest).
bool ServerSet(const std::string& path) {
  for (const char* k :
       {"metadata.resourceVersion", "metadata.uid", "metadata.generation",
        "metadata.managedFields", "metadata.selfLink", "status"})
    if (path == k) return true;
  return false;
}

std::string Show(const yaml::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  std::string s;
  if (n.IsScalar()) {
    s = n.Scalar();
  } else {
    s = yaml::FlowText(n);
  }
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

void Compare(const yaml::Node& a, const yaml::Node& b, const std::string& path,
             size_t max, std::vector<std::string>& out) {
  if (out.size() >= max || ServerSet(path)) return;
  const std::string at = path.empty() ? "(object)" : path;
  if (a.IsMap() && b.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& it : a)
      if (it.first.IsScalar()) keys.push_back(it.first.Scalar());
    for (const auto& it : b)
      if (it.first.IsScalar() && !a[it.first.Scalar()].IsDefined())
        keys.push_back(it.first.Scalar());
    for (const std::string& k : keys) {
      // A key with dots or slashes (a label) stays one step of the path.
      const std::string p = k.find_first_of("./") != std::string::npos
                                ? path + "[\"" + k + "\"]"
                            : path.empty() ? k
                                           : path + "." + k;
      const yaml::Node x = a[k], y = b[k];
      if (!x.IsDefined())
        out.push_back(p + ": added " + Show(y));
      else if (!y.IsDefined())
        out.push_back(p + ": removed (was " + Show(x) + ")");
      else
        Compare(x, y, p, max, out);
      if (out.size() >= max) return;
    }
  } else if (a.IsSequence() && b.IsSequence()) {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      if (i >= a.size())
        out.push_back(p + ": added " + Show(b[i]));
      else if (i >= b.size())
        out.push_back(p + ": removed (was " + Show(a[i]) + ")");
      else
        Compare(a[i], b[i], p, max, out);
      if (out.size() >= max) return;
    }
  } else if (a.IsScalar() && b.IsScalar()) {
    if (a.Scalar() != b.Scalar())
      out.push_back(at + ": " + Show(a) + " -> " + Show(b));
  } else if (a.Type() != b.Type() || !a.IsNull()) {
    out.push_back(at + ": " + Show(a) + " -> " + Show(b));
  }
}

// The object whose map starts at `loc` in its file: a document, or an item
// of a List document. `docs` keeps the file's nodes.
std::optional<yaml::Node> ObjectAt(const SourceLocation& loc,
                                   std::optional<yaml::ParsedDocuments>& docs) {
  if (!loc.Known()) return std::nullopt;
  Diagnostics quiet;
  const auto text = ReadTextFile(loc.file, loc, "manifest", quiet);
  if (!text) return std::nullopt;
  docs = ParseDocuments(*text, loc.file, quiet);
  if (!docs) return std::nullopt;
  auto here = [&](const yaml::Node& n) {
    const yaml::Mark m = n.Mark();
    return m.line + 1 == loc.line && m.column + 1 == loc.column;
  };
  for (const yaml::Node& d : *docs) {
    if (!d.IsMap()) continue;
    if (here(d)) return d;
    const yaml::Node items = d["items"];
    if (items.IsDefined() && items.IsSequence())
      for (const yaml::Node& item : items)
        if (item.IsMap() && here(item)) return item;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> FieldChanges(const SourceLocation& old_loc,
                                      const SourceLocation& new_loc,
                                      size_t max) {
  std::vector<std::string> out;
  std::optional<yaml::ParsedDocuments> old_docs, new_docs;
  const std::optional<yaml::Node> a = ObjectAt(old_loc, old_docs),
                                  b = ObjectAt(new_loc, new_docs);
  if (a && b) Compare(*a, *b, "", max, out);
  return out;
}

}  // namespace meshsim::io
