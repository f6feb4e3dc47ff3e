// The mesh drawing of report.html, laid out deterministically: networks side
// by side, their clusters stacked, each cluster's nodes in a grid, each node
// with its ztunnel on top and its pods below; each path a group of numbered
// arrows between the drawn hops.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "reports/review_html_parts.h"

namespace meshsim::review_html {

namespace {

using review::Fixed;
using review::Thousands;

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double cx() const { return x + w / 2; }
  double cy() const { return y + h / 2; }
};

// ---------------------------------------------------------------------------
// The mesh drawing.

constexpr double kNodeW = 230, kPodH = 24, kPodGap = 12, kNodePad = 14;
constexpr double kNodeHeader = 24, kZtH = 26;
constexpr double kClusterPad = 28, kClusterHeader = 34, kNodeGap = 38;
constexpr double kNetPad = 12, kNetHeader = 28, kColGap = 28;
constexpr int kMaxNodeCols = 4;
constexpr size_t kAllPodsUpTo = 150;  // draw every pod in meshes this small
constexpr size_t kOtherPodsPerNode = 8;
constexpr size_t kAllNodesUpTo = 16;
// In a larger mesh the drawing is collapsed to what the drawn paths touch:
// a node is drawn only when a path passes its ztunnel or one of its pods,
// gateway pods only when a path passes them, no pods that are on no path,
// and each cluster names how many nodes and pods it leaves out.

bool LargeMesh(const ReviewInput& in) {
  size_t pods = 0;
  for (const Cluster& c : in.scenario.mesh.clusters) pods += c.workloads.size();
  return pods > kAllPodsUpTo;
}

}  // namespace

// In a large mesh only each group's representative finding has its path
// drawn: a hundred counterexamples would otherwise unfold the whole mesh.
bool DrawsFindingPath(const ReviewInput& in, size_t finding) {
  const VerifyResult& v = in.verify;
  if (finding >= v.findings.size() || v.findings[finding].path.empty())
    return false;
  if (!LargeMesh(in) || v.groups.empty()) return true;
  return std::any_of(
      v.groups.begin(), v.groups.end(),
      [&](const FindingGroup& g) { return g.representative == finding; });
}

namespace {

class MeshDrawing {
 public:
  MeshDrawing(const ReviewInput& in, const review::ReviewData& d)
      : in_(in), d_(d) {}

  void Build() {
    CollectWanted();
    Layout();
  }

  double width() const { return width_; }
  const std::set<std::pair<std::string, std::string>>& shortened() const {
    return shortened_;
  }
  double height() const { return height_; }
  const std::string& body() const { return body_; }

  // The drawn element a hop stands for, or null.
  const std::pair<std::string, Rect>* Find(const Hop& h) const {
    auto it = by_key_.find(KeyOf(h));
    if (it == by_key_.end() &&
        (h.kind == HopKind::kWaypoint || h.kind == HopKind::kIngress ||
         h.kind == HopKind::kEastWest))
      it = by_key_.find("g|" + h.cluster + "|" + h.name + "|");
    if (it == by_key_.end()) return nullptr;
    return &elements_[it->second];
  }

 private:
  static std::string KeyOf(const Hop& h) {
    switch (h.kind) {
      case HopKind::kWorkload:
      case HopKind::kSidecar:
        return "p|" + h.cluster + "|" + h.name;
      case HopKind::kZtunnel:
        return "z|" + h.cluster + "|" + h.name;
      case HopKind::kExternal:
        return "x|" + h.name;
      default:
        return "g|" + h.cluster + "|" + h.name + "|" + h.node;
    }
  }

  void Want(const Hop& h) {
    if (h.kind == HopKind::kExternal) {
      if (std::find(externals_.begin(), externals_.end(), h.name) ==
          externals_.end())
        externals_.push_back(h.name);
      return;
    }
    if (h.kind == HopKind::kWorkload || h.kind == HopKind::kSidecar)
      wanted_.insert(h.cluster + "|" + h.name);
    if (h.kind == HopKind::kWaypoint || h.kind == HopKind::kIngress ||
        h.kind == HopKind::kEastWest)
      wanted_gateways_.insert(h.cluster + "|" + h.name + "|" + h.node);
    if (h.kind == HopKind::kZtunnel)
      wanted_nodes_.insert(h.cluster + "|" + h.name);
    if (!h.node.empty()) wanted_nodes_.insert(h.cluster + "|" + h.node);
  }

  void CollectWanted() {
    for (const review::EntryView& e : d_.entries)
      for (const review::PathView& v : e.paths)
        if (v.path)
          for (const Hop& h : v.path->hops) Want(h);
    for (size_t fi = 0; fi < in_.verify.findings.size(); ++fi)
      if (DrawsFindingPath(in_, fi))
        for (const Hop& h : in_.verify.findings[fi].path) Want(h);
    all_pods_ = !LargeMesh(in_);
    for (const review::ProxyView& p : d_.proxies)
      util_[p.kind + "|" + p.name] = p.utilization;
  }

  std::string NewId() { return "e" + std::to_string(elements_.size()); }

  // `full` cut to `max` characters; a cut name goes to the list of full
  // names under the drawing.
  std::string Short(const std::string& full, size_t max) {
    std::string s = Clip(full, max);
    if (s != full) shortened_.insert({s, full});
    return s;
  }

  void Register(const std::string& key, const std::string& id, Rect r) {
    if (by_key_.count(key)) return;
    by_key_.emplace(key, elements_.size());
    elements_.push_back({id, r});
  }

  std::string UtilText(const std::string& kind, const std::string& name) {
    auto it = util_.find(kind + "|" + name);
    if (it == util_.end()) return "";
    const double pct = it->second * 100;
    return Fixed(pct, pct < 1 ? 2 : 1) + "% busy";
  }

  // A node's content: its ztunnel and the pods to draw; returns the height.
  struct NodeBox {
    const Node* node = nullptr;  // null: WorkloadEntries (no node)
    std::string name;
    std::vector<const Workload*> pods;
    size_t hidden = 0;
    double h = 0;
  };

  // Whether `w` is drawn whatever room its node has: a pod a path passes,
  // and in a small mesh every gateway pod.
  bool Wanted(const Cluster& c, const Workload& w) const {
    if (w.role == WorkloadRole::kApplication)
      return wanted_.count(c.name + "|" + w.Key()) > 0;
    if (all_pods_) return true;
    return wanted_gateways_.count(c.name + "|" + w.gateway + "|" + w.node) ||
           wanted_gateways_.count(c.name + "|" + w.gateway + "|");
  }

  static int RoleRank(const Workload* w) {
    switch (w->role) {
      case WorkloadRole::kWaypoint:
        return 0;
      case WorkloadRole::kIngress:
        return 1;
      case WorkloadRole::kEastWest:
        return 2;
      default:
        return 3;
    }
  }

  std::vector<NodeBox> NodesOf(const Cluster& c, size_t& hidden_nodes,
                               size_t& hidden_pods) {
    std::vector<NodeBox> boxes;
    std::map<std::string, size_t> idx;
    for (const Node& n : c.nodes) {
      idx[n.name] = boxes.size();
      NodeBox b;
      b.node = &n;
      b.name = n.name;
      boxes.push_back(b);
    }
    std::vector<std::vector<const Workload*>> others(boxes.size() + 1);
    for (const Workload& w : c.workloads) {
      auto it = idx.find(w.node);
      if (it == idx.end()) {
        if (idx.find("") == idx.end()) {
          idx[""] = boxes.size();
          NodeBox b;
          b.name = "no node (WorkloadEntry)";
          boxes.push_back(b);
          others.resize(boxes.size() + 1);
        }
        it = idx.find("");
      }
      NodeBox& b = boxes[it->second];
      if (Wanted(c, w) || all_pods_)
        b.pods.push_back(&w);
      else
        others[it->second].push_back(&w);
    }
    for (size_t i = 0; i < boxes.size(); ++i) {
      NodeBox& b = boxes[i];
      std::stable_sort(b.pods.begin(), b.pods.end(),
                       [](const Workload* a, const Workload* w) {
                         return std::make_pair(RoleRank(a), a->Key()) <
                                std::make_pair(RoleRank(w), w->Key());
                       });
      size_t room = b.pods.size() < kOtherPodsPerNode && all_pods_
                        ? kOtherPodsPerNode - b.pods.size()
                        : 0;
      for (const Workload* w : others[i]) {
        if (room) {
          b.pods.push_back(w);
          --room;
        } else {
          ++b.hidden;
        }
      }
      b.h = kNodeHeader + kZtH + kNodePad + b.pods.size() * (kPodH + kPodGap) +
            (b.hidden ? 18 : 0) + kNodePad;
    }
    hidden_nodes = 0;
    hidden_pods = 0;
    if (c.nodes.size() > kAllNodesUpTo || !all_pods_) {
      std::vector<NodeBox> kept;
      for (NodeBox& b : boxes) {
        const bool has_wanted =
            (!b.node && !b.pods.empty()) ||
            wanted_nodes_.count(c.name + "|" + b.name) ||
            std::any_of(b.pods.begin(), b.pods.end(),
                        [&](const Workload* w) { return Wanted(c, *w); });
        if (has_wanted) {
          kept.push_back(std::move(b));
        } else {
          ++hidden_nodes;
          hidden_pods += b.pods.size() + b.hidden;
        }
      }
      boxes = std::move(kept);
    }
    return boxes;
  }

  void DrawNode(const Cluster& c, const NodeBox& b, double x, double y,
                double h, std::ostringstream& s) {
    s << "<g class=\"node\"><rect x=\"" << N(x) << "\" y=\"" << N(y)
      << "\" width=\"" << N(kNodeW) << "\" height=\"" << N(h)
      << "\" rx=\"6\" class=\"nodebox\"/>";
    std::string sub;
    if (b.node && !b.node->zone.empty()) sub = b.node->zone;
    s << "<text x=\"" << N(x + 8) << "\" y=\"" << N(y + 16)
      << "\" class=\"nodename\">" << Esc(Short(b.name, 26)) << "</text>";
    if (!sub.empty())
      s << "<text x=\"" << N(x + kNodeW - 8) << "\" y=\"" << N(y + 16)
        << "\" class=\"nodezone\" text-anchor=\"end\">" << Esc(Clip(sub, 14))
        << "</text>";
    s << "</g>\n";
    double cy = y + kNodeHeader;
    if (b.node) {
      Rect r{x + 6, cy, kNodeW - 12, kZtH - 4};
      const std::string id = NewId();
      const Style st = KindStyle("ztunnel");
      s << "<g class=\"el ztunnel\" id=\"" << id << "\"><title>ztunnel on "
        << Esc(b.name) << " (" << Esc(c.name) << ")</title><rect x=\"" << N(r.x)
        << "\" y=\"" << N(r.y) << "\" width=\"" << N(r.w) << "\" height=\""
        << N(r.h) << "\" rx=\"4\" fill=\"" << st.fill << "\" stroke=\""
        << st.stroke << "\"/><text x=\"" << N(r.x + 8) << "\" y=\""
        << N(r.y + 15) << "\" class=\"lbl\">ztunnel</text>";
      const std::string u = UtilText("ztunnel", c.name + "/" + b.name);
      if (!u.empty())
        s << "<text x=\"" << N(r.x + r.w - 8) << "\" y=\"" << N(r.y + 15)
          << "\" class=\"util\" text-anchor=\"end\">" << u << "</text>";
      s << "</g>\n";
      Register("z|" + c.name + "|" + b.name, id, r);
    }
    cy += kZtH + kNodePad - 4;
    for (const Workload* w : b.pods) {
      Rect r{x + 10, cy, kNodeW - 20, kPodH};
      const std::string id = NewId();
      std::string kind = "workload";
      if (w->role == WorkloadRole::kWaypoint) kind = "waypoint";
      if (w->role == WorkloadRole::kIngress) kind = "ingress";
      if (w->role == WorkloadRole::kEastWest) kind = "eastwest";
      const Style st = KindStyle(kind);
      std::string cls = "el pod " + kind;
      std::string capture = "ambient";
      if (w->capture == Capture::kSidecar) capture = "sidecar";
      if (w->capture == Capture::kUncaptured) capture = "not captured";
      if (kind == "workload" && w->capture == Capture::kUncaptured)
        cls += " uncaptured";
      s << "<g class=\"" << cls << "\" id=\"" << id << "\"><title>"
        << Esc(w->kind + " " + w->Key()) << " (" << Esc(c.name)
        << (w->node.empty() ? "" : ", " + Esc(w->node)) << ")\n"
        << (kind == "workload" ? "capture: " + capture
                               : kind + " of " + Esc(w->gateway));
      const std::string at = review::FileLine(w->location);
      if (!at.empty()) s << "\n" << Esc(at);
      s << "</title><rect x=\"" << N(r.x) << "\" y=\"" << N(r.y)
        << "\" width=\"" << N(r.w) << "\" height=\"" << N(r.h) << "\" rx=\""
        << (kind == "workload" ? 11 : 4) << "\" fill=\"" << st.fill
        << "\" stroke=\"" << st.stroke << "\"/>";
      std::string label = kind == "workload" ? w->Key() : w->gateway;
      if (kind != "workload") {
        label = kind + " " + label;
      } else if (w->capture == Capture::kSidecar) {
        label = "⬡ " + label;
      }
      const std::string u =
          kind == "workload"
              ? ""
              : UtilText(kind, c.name + "/" + w->gateway + "@" + w->node);
      s << "<text x=\"" << N(r.x + 9) << "\" y=\"" << N(r.y + 15)
        << "\" class=\"lbl\">"
        // With the busy text at the right, the label keeps clear of it:
        // about 7 px per label character, 6 per busy-text one.
        << Esc(Short(label, u.empty() ? 30
                                      : static_cast<size_t>(
                                            (r.w - 18 - 6.0 * u.size()) / 7)))
        << "</text>";
      {
        if (!u.empty())
          s << "<text x=\"" << N(r.x + r.w - 6) << "\" y=\"" << N(r.y + 15)
            << "\" class=\"util\" text-anchor=\"end\">" << u << "</text>";
      }
      s << "</g>\n";
      Register("p|" + c.name + "|" + w->Key(), id, r);
      if (!w->gateway.empty()) {
        Register("g|" + c.name + "|" + w->gateway + "|" + w->node, id, r);
        Register("g|" + c.name + "|" + w->gateway + "|", id, r);
      }
      cy += kPodH + kPodGap;
    }
    if (b.hidden)
      s << "<text x=\"" << N(x + 12) << "\" y=\"" << N(cy + 10)
        << "\" class=\"more\">+" << b.hidden << " more pods</text>\n";
  }

  // Draws a cluster at (x, y); returns its size.
  std::pair<double, double> DrawCluster(const Cluster& c, double x, double y,
                                        std::ostringstream& s) {
    size_t hidden_nodes = 0, hidden_pods = 0;
    std::vector<NodeBox> boxes = NodesOf(c, hidden_nodes, hidden_pods);
    const int cols =
        std::max(1, std::min(kMaxNodeCols, static_cast<int>(boxes.size())));
    const double w = 2 * kClusterPad + cols * kNodeW + (cols - 1) * kNodeGap;
    std::ostringstream inner;
    double cy = y + kClusterHeader;
    for (size_t row = 0; row * cols < boxes.size(); ++row) {
      double rh = 0;
      for (size_t i = row * cols; i < boxes.size() && i < (row + 1) * cols; ++i)
        rh = std::max(rh, boxes[i].h);
      for (size_t i = row * cols; i < boxes.size() && i < (row + 1) * cols; ++i)
        DrawNode(c, boxes[i],
                 x + kClusterPad + (i - row * cols) * (kNodeW + kNodeGap), cy,
                 rh, inner);
      cy += rh + kNodeGap;
    }
    if (hidden_nodes) {
      inner << "<text x=\"" << N(x + kClusterPad) << "\" y=\"" << N(cy + 8)
            << "\" class=\"more\">" << (boxes.empty() ? "" : "+")
            << Thousands(hidden_nodes) << (boxes.empty() ? "" : " more")
            << " node" << (hidden_nodes == 1 ? "" : "s");
      if (hidden_pods)
        inner << " (" << Thousands(hidden_pods) << " pod"
              << (hidden_pods == 1 ? "" : "s") << ")";
      inner << " with nothing on these paths</text>\n";
      cy += 18;
    }
    const double h = cy - y + kClusterPad - kNodeGap + 4;
    s << "<g class=\"cluster\"><rect x=\"" << N(x) << "\" y=\"" << N(y)
      << "\" width=\"" << N(w) << "\" height=\"" << N(h)
      << "\" rx=\"10\" class=\"clusterbox\"/><text x=\"" << N(x + 14)
      << "\" y=\"" << N(y + 22) << "\" class=\"clustername\">cluster "
      << Esc(c.name) << "</text><text x=\"" << N(x + w - 14) << "\" y=\""
      << N(y + 22) << "\" class=\"clustermeta\" text-anchor=\"end\">"
      << Thousands(c.nodes.size()) << " node"
      << (c.nodes.size() == 1 ? "" : "s") << " · "
      << Thousands(c.workloads.size()) << " pod"
      << (c.workloads.size() == 1 ? "" : "s") << " · "
      << Thousands(c.services.size()) << " service"
      << (c.services.size() == 1 ? "" : "s") << "</text></g>\n"
      << inner.str();
    return {w, h};
  }

  void Layout() {
    const Mesh& mesh = in_.scenario.mesh;
    std::vector<std::string> networks;
    for (const Cluster& c : mesh.clusters)
      if (std::find(networks.begin(), networks.end(), c.network) ==
          networks.end())
        networks.push_back(c.network);
    std::ostringstream s;
    double x = 0;
    double max_h = 0;
    for (const std::string& net : networks) {
      std::ostringstream inner;
      double y = kNetHeader + kNetPad;
      double w = 0;
      for (const Cluster& c : mesh.clusters) {
        if (c.network != net) continue;
        auto [cw, ch] = DrawCluster(c, x + kNetPad, y, inner);
        w = std::max(w, cw);
        y += ch + kNetPad;
      }
      const double nw = w + 2 * kNetPad;
      s << "<g class=\"network\"><rect x=\"" << N(x) << "\" y=\"0\" width=\""
        << N(nw) << "\" height=\"" << N(y) << "\" rx=\"12\" class=\"netbox\"/>"
        << "<text x=\"" << N(x + 12) << "\" y=\"19\" class=\"netname\">network "
        << Esc(net.empty() ? "(default)" : net) << "</text></g>\n"
        << inner.str();
      x += nw + kColGap;
      max_h = std::max(max_h, y);
    }
    if (!externals_.empty()) {
      double y = kNetHeader + kNetPad;
      const double w = 200;
      std::ostringstream inner;
      for (const std::string& e : externals_) {
        Rect r{x + kNetPad, y, w - 2 * kNetPad, 30};
        const std::string id = NewId();
        const Style st = KindStyle("external");
        inner << "<g class=\"el external\" id=\"" << id << "\"><title>"
              << Esc(e) << "</title><rect x=\"" << N(r.x) << "\" y=\"" << N(r.y)
              << "\" width=\"" << N(r.w) << "\" height=\"" << N(r.h)
              << "\" rx=\"15\" fill=\"" << st.fill << "\" stroke=\""
              << st.stroke << "\"/><text x=\"" << N(r.x + 10) << "\" y=\""
              << N(r.y + 19) << "\" class=\"lbl\">" << Esc(Short(e, 24))
              << "</text></g>\n";
        Register("x|" + e, id, r);
        y += 30 + kPodGap + 4;
      }
      s << "<g class=\"network\"><rect x=\"" << N(x) << "\" y=\"0\" width=\""
        << N(w) << "\" height=\"" << N(y + kNetPad)
        << "\" rx=\"12\" class=\"netbox outside\"/><text x=\"" << N(x + 12)
        << "\" y=\"19\" class=\"netname\">outside the mesh</text></g>\n"
        << inner.str();
      x += w + kColGap;
      max_h = std::max(max_h, y + kNetPad);
    }
    width_ = std::max(x - kColGap, 200.0);
    height_ = max_h;
    body_ = s.str();
  }

  const ReviewInput& in_;
  const review::ReviewData& d_;
  std::set<std::string> wanted_, wanted_nodes_, wanted_gateways_;
  std::set<std::pair<std::string, std::string>> shortened_;  // shown, full
  std::vector<std::string> externals_;
  bool all_pods_ = true;
  std::map<std::string, double> util_;
  std::vector<std::pair<std::string, Rect>> elements_;
  std::map<std::string, size_t> by_key_;
  double width_ = 0, height_ = 0;
  std::string body_;
};

// Where the ray from the centre of `r` towards (tx, ty) leaves `r`.
std::pair<double, double> Exit(const Rect& r, double tx, double ty,
                               double gap) {
  const double dx = tx - r.cx(), dy = ty - r.cy();
  const double len = std::hypot(dx, dy);
  if (len < 1e-9) return {r.cx(), r.cy()};
  double t = 1e18;
  if (std::fabs(dx) > 1e-9) t = std::min(t, (r.w / 2) / std::fabs(dx));
  if (std::fabs(dy) > 1e-9) t = std::min(t, (r.h / 2) / std::fabs(dy));
  const double ux = dx / len, uy = dy / len;
  return {r.cx() + dx * t + ux * gap, r.cy() + dy * t + uy * gap};
}

// How far apart the step markers of two path variants sit at least, px:
// more than a marker's diameter (16 px). A same-column loop places its
// marker at 3/4 of its offset (18 px apart), a bent hop at half its bend
// (at least (0.35 * 40 + 24) / 2 = 19 px apart).
constexpr double kVariantStep = 24;

// Where the step markers of one traffic entry's paths sit, so that a new
// one keeps clear of them: hops of different paths, or of one path, can
// bulge into the same gap between two columns.
class MarkerPlaces {
 public:
  // The point of `at(t)` (a hop's curve, t in [0, 1]) nearest the middle
  // that is a marker's diameter and a little more from every placed marker;
  // the freest of the tried points when none is.
  template <typename Curve>
  std::pair<double, double> Place(const Curve& at) {
    constexpr double kClear = 18;  // 16 px circles, 2 px apart
    std::pair<double, double> best = at(0.5);
    double best_room = -1;
    for (double t : {0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8}) {
      const std::pair<double, double> p = at(t);
      double room = 1e9;
      for (const auto& q : placed_)
        room =
            std::min(room, std::hypot(p.first - q.first, p.second - q.second));
      if (room > best_room) best = p, best_room = room;
      if (room >= kClear) break;
    }
    placed_.push_back(best);
    return best;
  }

 private:
  std::vector<std::pair<double, double>> placed_;
};

void StepMarker(double mx, double my, const std::string& color, size_t step,
                std::ostream& s) {
  s << "<circle cx=\"" << N(mx) << "\" cy=\"" << N(my) << "\" r=\"8\" fill=\""
    << color << "\" stroke=\"#fff\"/><text x=\"" << N(mx) << "\" y=\""
    << N(my + 3.5) << "\" class=\"step\" text-anchor=\"middle\">" << step
    << "</text>";
}

// One route group: curved arrows between consecutive drawn hops, a step
// number on each (placed clear of `markers`, the entry's others), and an
// end marker for denied or failed paths.
void DrawRoute(const MeshDrawing& m, const std::vector<Hop>& hops,
               const std::string& attrs, const std::string& color, int variant,
               Outcome outcome, bool dashed, MarkerPlaces& markers,
               std::ostream& s) {
  std::vector<const std::pair<std::string, Rect>*> els;
  for (const Hop& h : hops) {
    const auto* e = m.Find(h);
    if (e && (els.empty() || els.back() != e)) els.push_back(e);
  }
  std::string ids;
  for (const auto* e : els)
    if (ids.find(e->first + " ") == std::string::npos) ids += e->first + " ";
  if (!ids.empty()) ids.pop_back();
  s << "<g class=\"route\" " << attrs << " data-hops=\"" << ids
    << "\" stroke=\"" << color << "\">";
  const std::string marker = std::string("ah") + (color.c_str() + 1);
  for (size_t i = 1; i < els.size(); ++i) {
    const Rect& a = els[i - 1]->second;
    const Rect& b = els[i]->second;
    const double dx = b.cx() - a.cx(), dy = b.cy() - a.cy();
    const double len = std::hypot(dx, dy);
    if (len < 1e-6) continue;
    if (std::fabs(dx) < 1) {
      // Same node column: loop outside the column, down on the right and
      // up on the left, so the arrow never crosses the boxes in between.
      const double side = dy > 0 ? 1 : -1;
      const double x0 = side > 0 ? a.x + a.w : a.x;
      const double x1 = side > 0 ? b.x + b.w + 3 : b.x - 3;
      const double cx = (side > 0 ? std::max(x0, x1) : std::min(x0, x1)) +
                        side * (std::min(60.0, 20 + 0.12 * std::fabs(dy)) +
                                kVariantStep * variant);
      const double y0 = a.cy(), y1 = b.cy();
      s << "<path d=\"M" << N(x0) << " " << N(y0) << " C" << N(cx) << " "
        << N(y0) << " " << N(cx) << " " << N(y1) << " " << N(x1) << " " << N(y1)
        << "\" fill=\"none\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "")
        << " marker-end=\"url(#" << marker << ")\"/>";
      // The cubic's point at t (its control points are (cx, y0), (cx, y1)).
      const auto [mx, my] = markers.Place([&](double t) {
        const double u = 1 - t;
        return std::pair{u * u * u * x0 + 3 * u * t * cx + t * t * t * x1,
                         u * u * u * y0 + 3 * u * u * t * y0 +
                             3 * u * t * t * y1 + t * t * t * y1};
      });
      StepMarker(mx, my, color, i, s);
      continue;
    }
    // Bend each hop sideways so that arrows over a column stay visible and
    // the paths of one entry are told apart.
    // The step marker sits half the bend off the chord: variants differ by
    // at least kVariantStep there, so markers of one entry's paths do not
    // cover each other (16 px circles).
    const double bend =
        std::clamp(0.18 * len, 40.0, 140.0) * (1 + 0.35 * variant) +
        kVariantStep * variant;
    const double px = -dy / len, py = dx / len;
    const double qx = (a.cx() + b.cx()) / 2 + px * bend;
    const double qy = (a.cy() + b.cy()) / 2 + py * bend;
    // Plain variables: a lambda below reads them (clang 14 cannot capture
    // structured bindings).
    const std::pair<double, double> from = Exit(a, qx, qy, 1);
    const std::pair<double, double> to = Exit(b, qx, qy, 3);
    const double x0 = from.first, y0 = from.second;
    const double x1 = to.first, y1 = to.second;
    s << "<path d=\"M" << N(x0) << " " << N(y0) << " Q" << N(qx) << " " << N(qy)
      << " " << N(x1) << " " << N(y1) << "\" fill=\"none\""
      << (dashed ? " stroke-dasharray=\"6 4\"" : "") << " marker-end=\"url(#"
      << marker << ")\"/>";
    const auto [mx, my] = markers.Place([&](double t) {
      const double u = 1 - t;
      return std::pair{u * u * x0 + 2 * u * t * qx + t * t * x1,
                       u * u * y0 + 2 * u * t * qy + t * t * y1};
    });
    StepMarker(mx, my, color, i, s);
  }
  if (!els.empty() && outcome != Outcome::kDelivered) {
    const Rect& r = els.back()->second;
    s << "<circle cx=\"" << N(r.x + r.w - 2) << "\" cy=\"" << N(r.y + 2)
      << "\" r=\"8\" fill=\"" << color << "\" stroke=\"#fff\"/><text x=\""
      << N(r.x + r.w - 2) << "\" y=\"" << N(r.y + 6)
      << "\" class=\"step\" text-anchor=\"middle\">"
      << (outcome == Outcome::kDenied ? "✕" : "!") << "</text>";
  }
  s << "</g>\n";
}

}  // namespace

MeshSvg DrawMesh(const ReviewInput& in, const review::ReviewData& d) {
  MeshDrawing drawing(in, d);
  drawing.Build();
  std::ostringstream routes;
  for (size_t ei = 0; ei < d.entries.size(); ++ei) {
    const review::EntryView& e = d.entries[ei];
    MarkerPlaces markers;
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const review::PathView& v = e.paths[pi];
      if (!v.path) continue;
      DrawRoute(drawing, v.path->hops,
                "data-entry=\"" + std::to_string(ei) + "\" data-path=\"" +
                    std::to_string(pi) + "\"",
                PathColor(pi, v.outcome), static_cast<int>(pi % 4), v.outcome,
                v.outcome == Outcome::kFailed, markers, routes);
    }
  }
  for (size_t fi = 0; fi < in.verify.findings.size(); ++fi) {
    const Finding& f = in.verify.findings[fi];
    if (!DrawsFindingPath(in, fi)) continue;
    MarkerPlaces markers;  // a finding's path is shown alone
    DrawRoute(drawing, f.path, "data-finding=\"" + std::to_string(fi) + "\"",
              kDeniedColor, 0, Outcome::kDelivered, true, markers, routes);
  }
  MeshSvg out{drawing.width(), drawing.height(), drawing.body(),
              routes.str(),    LargeMesh(in),    {}};
  out.shortened.assign(drawing.shortened().begin(), drawing.shortened().end());
  return out;
}

}  // namespace meshsim::review_html
