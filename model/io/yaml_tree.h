// Internal: the tree meshsim reads YAML and JSON into. libyaml's parser
// events (yaml_reader.cc) fill an Arena of NodeData; a Node is a pointer into
// it, with the subset of yaml-cpp's Node interface the loaders were written
// against (meshsim read yaml-cpp trees until 2026-12-02). Unlike yaml-cpp's
// Node, it is read-only, copying one costs nothing (no shared
// ownership, no reference count), looking up a missing key or indexing a
// scalar gives an undefined Node instead of throwing, and the Arena that
// owns the nodes must outlive every Node into it (ParsedDocuments keeps it).
#ifndef MESHSIM_MODEL_IO_YAML_TREE_H_
#define MESHSIM_MODEL_IO_YAML_TREE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meshsim::yaml {

enum class NodeType { Undefined, Null, Scalar, Sequence, Map };

// Where a node starts: 0-based byte offset, line and column; -1 when
// unknown.
struct Mark {
  int pos = -1;
  int line = -1;
  int column = -1;
};

struct NodeData {
  NodeType type = NodeType::Null;
  Mark mark;
  std::string scalar;
  // "?" for a plain scalar or an untagged collection, "!" for a quoted
  // scalar, else the resolved tag ("tag:yaml.org,2002:str" for "!!str"), as
  // yaml-cpp reports them.
  std::string tag;
  // A sequence's items; a map's keys and values, alternating, in document
  // order. An alias is the anchored node itself, so a node may appear under
  // several parents.
  std::vector<const NodeData*> children;
  // Set when a loader reads the node (Reader::Child and the typed reads):
  // what is left unset under a modelled object's spec is a field meshsim
  // does not model, reported rather than silently ignored
  // (manifest_loader.cc ReportUnreadFields). One document is read by one
  // thread.
  mutable bool read = false;
  // Reached through more than one parent (an alias of its anchor), set by
  // the document check (yaml_reader.cc DocumentChecker): what is under it
  // belongs to every parent, so no one object's reading may edit it.
  mutable bool shared = false;
};

// Owns the nodes of one or more documents; addresses stay put.
class Arena {
 public:
  NodeData& New() { return nodes_.emplace_back(); }
  size_t size() const { return nodes_.size(); }

 private:
  std::deque<NodeData> nodes_;
};

class Node;

// What iterating a Node yields: for a sequence, the item itself; for a map,
// `first` (the key) and `second` (the value).
struct IteratorValue;

class Node {
 public:
  class const_iterator;

  Node() = default;  // undefined
  explicit Node(const NodeData* d) : d_(d) {}

  bool IsDefined() const { return d_ != nullptr; }
  bool IsNull() const { return d_ && d_->type == NodeType::Null; }
  bool IsScalar() const { return d_ && d_->type == NodeType::Scalar; }
  bool IsSequence() const { return d_ && d_->type == NodeType::Sequence; }
  bool IsMap() const { return d_ && d_->type == NodeType::Map; }
  NodeType Type() const { return d_ ? d_->type : NodeType::Undefined; }
  explicit operator bool() const { return IsDefined(); }
  bool operator!() const { return !IsDefined(); }

  // The text of a scalar; empty for anything else.
  const std::string& Scalar() const {
    return IsScalar() ? d_->scalar : Empty();
  }
  const std::string& Tag() const { return d_ ? d_->tag : Empty(); }
  yaml::Mark Mark() const { return d_ ? d_->mark : yaml::Mark{}; }
  // Items of a sequence, entries of a map; 0 otherwise.
  size_t size() const {
    if (!d_) return 0;
    if (d_->type == NodeType::Map) return d_->children.size() / 2;
    return d_->type == NodeType::Sequence ? d_->children.size() : 0;
  }
  // The value of the first entry whose key is the scalar `key`; undefined
  // when there is none or this is not a map.
  Node operator[](std::string_view key) const {
    if (!IsMap()) return Node();
    const auto& c = d_->children;
    for (size_t i = 0; i + 1 < c.size(); i += 2)
      if (c[i]->type == NodeType::Scalar && c[i]->scalar == key)
        return Node(c[i + 1]);
    return Node();
  }
  // The i-th item of a sequence; undefined when out of range.
  Node operator[](size_t i) const {
    if (!IsSequence() || i >= d_->children.size()) return Node();
    return Node(d_->children[i]);
  }
  Node operator[](int i) const {
    return i < 0 ? Node() : (*this)[static_cast<size_t>(i)];
  }
  // The same node (an alias and its anchor are).
  bool is(const Node& o) const { return d_ == o.d_; }
  // Whether a loader has read the node (NodeData::read).
  bool WasRead() const { return d_ && d_->read; }
  void MarkRead() const {
    if (d_) d_->read = true;
  }
  // Marks the node and everything under it: a value read whole.
  void MarkSubtreeRead() const;
  const NodeData* data() const { return d_; }

  const_iterator begin() const;
  const_iterator end() const;

 private:
  static const std::string& Empty() {
    static const std::string kEmpty;
    return kEmpty;
  }
  const NodeData* d_ = nullptr;
};

struct IteratorValue : Node {
  IteratorValue() = default;
  IteratorValue(Node item, Node key, Node value)
      : Node(item), first(key), second(value) {}
  Node first;
  Node second;
};

class Node::const_iterator {
 public:
  const_iterator(const NodeData* const* p, bool map) : p_(p), map_(map) {}
  IteratorValue operator*() const {
    return map_ ? IteratorValue(Node(), Node(p_[0]), Node(p_[1]))
                : IteratorValue(Node(p_[0]), Node(), Node());
  }
  // `it->second` lives as long as the statement that names it.
  struct Arrow {
    IteratorValue v;
    const IteratorValue* operator->() const { return &v; }
  };
  Arrow operator->() const { return Arrow{**this}; }
  const_iterator& operator++() {
    p_ += map_ ? 2 : 1;
    return *this;
  }
  bool operator==(const const_iterator& o) const { return p_ == o.p_; }
  bool operator!=(const const_iterator& o) const { return p_ != o.p_; }

 private:
  const NodeData* const* p_;
  bool map_;
};

inline Node::const_iterator Node::begin() const {
  if (!IsMap() && !IsSequence()) return const_iterator(nullptr, false);
  return const_iterator(d_->children.data(), IsMap());
}
inline Node::const_iterator Node::end() const {
  if (!IsMap() && !IsSequence()) return const_iterator(nullptr, false);
  return const_iterator(d_->children.data() + d_->children.size(), IsMap());
}

// The documents of one text and the Arena that holds them.
struct ParsedDocuments {
  std::shared_ptr<const Arena> arena;
  std::vector<Node> documents;

  auto begin() const { return documents.begin(); }
  auto end() const { return documents.end(); }
  auto begin() { return documents.begin(); }
  auto end() { return documents.end(); }
  size_t size() const { return documents.size(); }
  bool empty() const { return documents.empty(); }
  const Node& operator[](size_t i) const { return documents[i]; }
};

// Where two trees first differ (type, mark, text, tag or children), as
// "doc/2/0: mark 3:4@20 vs 3:5@21"; "" when they are the same. For holding
// the block parser to libyaml (yaml_block.h).
std::string FirstDifference(const Node& a, const Node& b,
                            const std::string& at = "");

// A node on one line in YAML's flow style ({a: b, c: [d, e]}), scalars
// double-quoted where a plain one would read differently.
std::string FlowText(const Node& n);

// Drops the entries of `map` at `entries` (indexes, ascending): what the API
// server prunes before anyone reads the object (schema.cc). The nodes live in
// their Arena as non-const objects, so a loader may edit the tree it owns.
void EraseMapEntries(const Node& map, const std::vector<size_t>& entries);

}  // namespace meshsim::yaml

#endif  // MESHSIM_MODEL_IO_YAML_TREE_H_
