#include "model/io/yaml_tree.h"

#include <cstdio>
#include <string>

namespace meshsim::yaml {

namespace {

// Whether `s` reads back as the same string when written plain in a flow
// collection: no indicator at its start, no flow indicator or ": " / " #"
// inside, no surrounding space, and not empty.
bool PlainSafe(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) !=
      std::string_view::npos)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') return false;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return false;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return false;
  }
  return true;
}

void Quoted(const std::string& s, std::string& out) {
  out += '"';
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

void Flow(const Node& n, std::string& out, int depth) {
  if (depth > 64) {
    out += "...";
    return;
  }
  switch (n.Type()) {
    case NodeType::Undefined:
    case NodeType::Null:
      out += "~";
      return;
    case NodeType::Scalar:
      if (n.Tag() == "?" && PlainSafe(n.Scalar()))
        out += n.Scalar();
      else
        Quoted(n.Scalar(), out);
      return;
    case NodeType::Sequence:
    case NodeType::Map: {
      const bool map = n.IsMap();
      out += map ? '{' : '[';
      bool first = true;
      for (const auto& item : n) {
        if (!first) out += ", ";
        first = false;
        if (map) {
          Flow(item.first, out, depth + 1);
          out += ": ";
          Flow(item.second, out, depth + 1);
        } else {
          Flow(item, out, depth + 1);
        }
      }
      out += map ? '}' : ']';
      return;
    }
  }
}

}  // namespace

std::string FlowText(const Node& n) {
  std::string out;
  Flow(n, out, 0);
  return out;
}

std::string FirstDifference(const Node& a, const Node& b,
                            const std::string& at) {
  if (a.Type() != b.Type()) return at + ": type";
  if (!a.IsDefined()) return "";
  const yaml::Mark ma = a.Mark(), mb = b.Mark();
  auto mark = [](const yaml::Mark& m) {
    return std::to_string(m.line) + ":" + std::to_string(m.column) + "@" +
           std::to_string(m.pos);
  };
  if (ma.pos != mb.pos || ma.line != mb.line || ma.column != mb.column)
    return at + ": mark " + mark(ma) + " vs " + mark(mb);
  if (a.Scalar() != b.Scalar()) return at + ": text '" + a.Scalar() + "'";
  if (a.Tag() != b.Tag()) return at + ": tag " + a.Tag() + " vs " + b.Tag();
  const auto& ca = a.data()->children;
  const auto& cb = b.data()->children;
  if (ca.size() != cb.size()) return at + ": children";
  for (size_t i = 0; i < ca.size(); ++i) {
    std::string d =
        FirstDifference(Node(ca[i]), Node(cb[i]), at + "/" + std::to_string(i));
    if (!d.empty()) return d;
  }
  return "";
}

void EraseMapEntries(const Node& map, const std::vector<size_t>& entries) {
  if (!map.IsMap() || entries.empty()) return;
  auto& c = const_cast<NodeData*>(map.data())->children;
  size_t out = 0, next = 0;
  for (size_t i = 0; i + 1 < c.size(); i += 2) {
    if (next < entries.size() && entries[next] == i / 2) {
      ++next;
      continue;
    }
    c[out++] = c[i];
    c[out++] = c[i + 1];
  }
  c.resize(out);
}

void Node::MarkSubtreeRead() const {
  if (!d_) return;
  // Aliases make a DAG, never a cycle, and the alias budget bounds how far
  // it expands (yaml_reader.cc).
  std::vector<const NodeData*> todo = {d_};
  while (!todo.empty()) {
    const NodeData* n = todo.back();
    todo.pop_back();
    n->read = true;
    todo.insert(todo.end(), n->children.begin(), n->children.end());
  }
}

}  // namespace meshsim::yaml
