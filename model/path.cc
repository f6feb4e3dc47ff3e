#include "model/path.h"

#include <tuple>

namespace meshsim {

const char* HopKindName(HopKind k) {
  switch (k) {
    case HopKind::kWorkload:
      return "workload";
    case HopKind::kZtunnel:
      return "ztunnel";
    case HopKind::kWaypoint:
      return "waypoint";
    case HopKind::kIngress:
      return "ingress";
    case HopKind::kEastWest:
      return "eastwest";
    case HopKind::kSidecar:
      return "sidecar";
    case HopKind::kExternal:
      return "external";
  }
  return "?";
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kDelivered:
      return "delivered";
    case Outcome::kDenied:
      return "denied";
    case Outcome::kFailed:
      return "failed";
  }
  return "?";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (Outcome o : {Outcome::kDelivered, Outcome::kDenied, Outcome::kFailed})
    if (name == OutcomeName(o)) return o;
  return std::nullopt;
}

bool Hop::operator<(const Hop& o) const {
  return std::tie(kind, name, cluster, node) <
         std::tie(o.kind, o.name, o.cluster, o.node);
}

std::string HopLabel(const Hop& h) {
  std::string s = std::string(HopKindName(h.kind)) + " " + h.name;
  if (h.kind == HopKind::kZtunnel) {
    if (!h.cluster.empty()) s += "@" + h.cluster;
  } else if (!h.node.empty()) {
    s += "@" + h.node;
  }
  return s;
}

std::string PathText(const std::vector<Hop>& hops) {
  std::string out;
  for (const Hop& h : hops) out += (out.empty() ? "" : " -> ") + HopLabel(h);
  return out;
}

}  // namespace meshsim
