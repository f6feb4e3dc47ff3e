// Internal: a parser for the plain block YAML that kubectl, Helm and
// generators write, several times faster than libyaml on it, which
// yaml_reader.cc tries first. It takes only what it can read exactly as
// libyaml does: the same nodes, texts, styles and marks (counted in
// characters, as libyaml counts them), and it says no to everything else
// (anchors, tags, block scalars, escapes, scalars over several lines, flow
// collections over several lines, tabs, characters libyaml does not print
// or reads as line breaks, directives, `...`), whereupon libyaml reads the
// text and reports what is wrong in its own words. yaml_block_test.cc holds
// the two to the same trees on every YAML file in the repository and on
// variations of each construct.
#ifndef MESHSIM_MODEL_IO_YAML_BLOCK_H_
#define MESHSIM_MODEL_IO_YAML_BLOCK_H_

#include <string_view>

#include "model/io/yaml_tree.h"

namespace meshsim::yaml {

// What the parser found, in document order, as libyaml's events would say
// it. A scalar's text points into the parsed text.
class BlockEvents {
 public:
  virtual ~BlockEvents() = default;
  virtual void DocumentStart() = 0;
  virtual void DocumentEnd() = 0;
  // `plain`: written without quotes (libyaml's plain style, tag "?");
  // otherwise quoted (tag "!").
  virtual void Scalar(const Mark& mark, std::string_view text, bool plain) = 0;
  virtual void Start(const Mark& mark, NodeType type) = 0;  // Map | Sequence
  virtual void End() = 0;
};

// Reads `text` into `events`. False when the text is not all in the subset
// above; the events before the point where it stopped were delivered (a
// caller that must not act on them passes no `events` first: a check
// only, without side effects).
bool ParseBlockYaml(std::string_view text, BlockEvents* events);

}  // namespace meshsim::yaml

#endif  // MESHSIM_MODEL_IO_YAML_BLOCK_H_
