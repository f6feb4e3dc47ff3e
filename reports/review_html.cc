// report.html of `meshsim report`: one self-contained page (inline CSS, SVG
// and a little JavaScript; nothing fetched). The mesh drawing is laid out
// here, deterministically: networks side by side, their clusters stacked,
// each cluster's nodes in a grid, each node with its ztunnel on top and its
// pods below. Every traffic entry's paths (and every finding's counterexample
// path) are pre-drawn as hidden SVG groups that the script shows on hover or
// selection, so the file also reads without JavaScript.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "reports/markup.h"
#include "reports/review_data.h"
#include "reports/review_report.h"

namespace meshsim {

namespace {

using review::Fixed;
using review::Thousands;

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string N(double v) { return Fixed(v, 1); }

std::string Clip(const std::string& s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max - 1) + "…";
}

struct Style {
  const char* fill;
  const char* stroke;
};
Style KindStyle(const std::string& kind) {
  if (kind == "ztunnel") return {"#ede7f6", "#5e35b1"};
  if (kind == "waypoint") return {"#fff3e0", "#ef6c00"};
  if (kind == "ingress") return {"#e0f2f1", "#00897b"};
  if (kind == "eastwest") return {"#fce4ec", "#c2185b"};
  if (kind == "external") return {"#f5f5f5", "#616161"};
  return {"#e3f2fd", "#1565c0"};
}

const char* kPalette[] = {"#1565c0", "#2e7d32", "#7b1fa2",
                          "#e65100", "#00838f", "#ad1457"};
constexpr int kPaletteSize = 6;
const char* kDeniedColor = "#c62828";
const char* kFailedColor = "#616161";

std::string PathColor(size_t index, Outcome o) {
  if (o == Outcome::kDenied) return kDeniedColor;
  if (o == Outcome::kFailed) return kFailedColor;
  return kPalette[index % kPaletteSize];
}

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

class MeshDrawing {
 public:
  MeshDrawing(const ReviewInput& in, const review::ReviewData& d)
      : in_(in), d_(d) {}

  void Build() {
    CollectWanted();
    Layout();
  }

  double width() const { return width_; }
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
    if (h.kind == HopKind::kZtunnel)
      wanted_nodes_.insert(h.cluster + "|" + h.name);
    if (!h.node.empty()) wanted_nodes_.insert(h.cluster + "|" + h.node);
  }

  void CollectWanted() {
    for (const review::EntryView& e : d_.entries)
      for (const review::PathView& v : e.paths)
        if (v.path)
          for (const Hop& h : v.path->hops) Want(h);
    for (const Finding& f : in_.verify.findings)
      for (const Hop& h : f.path) Want(h);
    size_t pods = 0;
    for (const Cluster& c : in_.scenario.mesh.clusters)
      pods += c.workloads.size();
    all_pods_ = pods <= kAllPodsUpTo;
    for (const review::ProxyView& p : d_.proxies)
      util_[p.kind + "|" + p.name] = p.utilization;
  }

  std::string NewId() { return "e" + std::to_string(elements_.size()); }

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

  std::vector<NodeBox> NodesOf(const Cluster& c, size_t& hidden_nodes) {
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
      const bool wanted = w.role != WorkloadRole::kApplication ||
                          wanted_.count(c.name + "|" + w.Key());
      if (wanted || all_pods_)
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
      size_t room = b.pods.size() < kOtherPodsPerNode
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
    if (c.nodes.size() > kAllNodesUpTo) {
      std::vector<NodeBox> kept;
      for (NodeBox& b : boxes) {
        const bool has_wanted =
            !b.node || wanted_nodes_.count(c.name + "|" + b.name) ||
            std::any_of(b.pods.begin(), b.pods.end(), [&](const Workload* w) {
              return w->role != WorkloadRole::kApplication ||
                     wanted_.count(c.name + "|" + w->Key());
            });
        if (has_wanted)
          kept.push_back(std::move(b));
        else
          ++hidden_nodes;
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
      << "\" class=\"nodename\">" << Esc(Clip(b.name, 26)) << "</text>";
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
        << "\" class=\"lbl\">" << Esc(Clip(label, u.empty() ? 30 : 21))
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
    size_t hidden_nodes = 0;
    std::vector<NodeBox> boxes = NodesOf(c, hidden_nodes);
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
            << "\" class=\"more\">+" << hidden_nodes
            << " more nodes with nothing on these paths</text>\n";
      cy += 18;
    }
    const double h = cy - y + kClusterPad - kNodeGap + 4;
    s << "<g class=\"cluster\"><rect x=\"" << N(x) << "\" y=\"" << N(y)
      << "\" width=\"" << N(w) << "\" height=\"" << N(h)
      << "\" rx=\"10\" class=\"clusterbox\"/><text x=\"" << N(x + 14)
      << "\" y=\"" << N(y + 22) << "\" class=\"clustername\">cluster "
      << Esc(c.name) << "</text><text x=\"" << N(x + w - 14) << "\" y=\""
      << N(y + 22) << "\" class=\"clustermeta\" text-anchor=\"end\">"
      << c.nodes.size() << " node" << (c.nodes.size() == 1 ? "" : "s") << " · "
      << c.workloads.size() << " pods · " << c.services.size()
      << " services</text></g>\n"
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
              << N(r.y + 19) << "\" class=\"lbl\">" << Esc(Clip(e, 24))
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
  std::set<std::string> wanted_, wanted_nodes_;
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

// One route group: curved arrows between consecutive drawn hops, a step
// number on each, and an end marker for denied or failed paths.
void DrawRoute(const MeshDrawing& m, const std::vector<Hop>& hops,
               const std::string& attrs, const std::string& color, int variant,
               Outcome outcome, bool dashed, std::ostream& s) {
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
                        side * std::min(60.0, 20 + 0.12 * std::fabs(dy));
      const double y0 = a.cy(), y1 = b.cy();
      s << "<path d=\"M" << N(x0) << " " << N(y0) << " C" << N(cx) << " "
        << N(y0) << " " << N(cx) << " " << N(y1) << " " << N(x1) << " " << N(y1)
        << "\" fill=\"none\"" << (dashed ? " stroke-dasharray=\"6 4\"" : "")
        << " marker-end=\"url(#" << marker << ")\"/>";
      const double mx = 0.125 * x0 + 0.75 * cx + 0.125 * x1;
      const double my = (y0 + y1) / 2;
      s << "<circle cx=\"" << N(mx) << "\" cy=\"" << N(my)
        << "\" r=\"8\" fill=\"" << color << "\" stroke=\"#fff\"/><text x=\""
        << N(mx) << "\" y=\"" << N(my + 3.5)
        << "\" class=\"step\" text-anchor=\"middle\">" << i << "</text>";
      continue;
    }
    // Bend each hop sideways so that arrows over a column stay visible and
    // the paths of one entry are told apart.
    const double bend =
        std::clamp(0.18 * len, 40.0, 140.0) * (1 + 0.35 * variant);
    const double px = -dy / len, py = dx / len;
    const double qx = (a.cx() + b.cx()) / 2 + px * bend;
    const double qy = (a.cy() + b.cy()) / 2 + py * bend;
    auto [x0, y0] = Exit(a, qx, qy, 1);
    auto [x1, y1] = Exit(b, qx, qy, 3);
    s << "<path d=\"M" << N(x0) << " " << N(y0) << " Q" << N(qx) << " " << N(qy)
      << " " << N(x1) << " " << N(y1) << "\" fill=\"none\""
      << (dashed ? " stroke-dasharray=\"6 4\"" : "") << " marker-end=\"url(#"
      << marker << ")\"/>";
    const double mx = 0.25 * x0 + 0.5 * qx + 0.25 * x1;
    const double my = 0.25 * y0 + 0.5 * qy + 0.25 * y1;
    s << "<circle cx=\"" << N(mx) << "\" cy=\"" << N(my) << "\" r=\"8\" fill=\""
      << color << "\" stroke=\"#fff\"/><text x=\"" << N(mx) << "\" y=\""
      << N(my + 3.5) << "\" class=\"step\" text-anchor=\"middle\">" << i
      << "</text>";
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

// ---------------------------------------------------------------------------
// Plots.

// A "nice" axis maximum and step for values up to `v`.
std::pair<double, double> NiceAxis(double v, int ticks) {
  if (v <= 0) v = 1;
  const double raw = v / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw - 1e-12) break;
  }
  return {std::ceil(v / step - 1e-9) * step, step};
}

std::string TickText(double v, double step) {
  int digits = 0;
  while (digits < 6 &&
         std::fabs(step * std::pow(10.0, digits) -
                   std::round(step * std::pow(10.0, digits))) > 1e-6)
    ++digits;
  return Fixed(v, digits);
}

void CdfPlot(const review::EntryView& e, const std::string& color,
             std::ostream& s) {
  const double W = 380, H = 200, L = 46, R = 14, T = 12, B = 36;
  const double pw = W - L - R, ph = H - T - B;
  s << "<svg class=\"cdf\" viewBox=\"0 0 " << N(W) << " " << N(H)
    << "\" role=\"img\" aria-label=\"latency CDF of " << Esc(e.entry->name)
    << "\">";
  if (e.cdf.empty()) {
    s << "<text x=\"" << N(W / 2) << "\" y=\"" << N(H / 2)
      << "\" text-anchor=\"middle\" class=\"axis\">no delivered "
         "requests</text></svg>";
    return;
  }
  auto [xmax, xstep] = NiceAxis(e.latency.p999 * 1.08, 5);
  auto X = [&](double ms) { return L + std::min(ms, xmax) / xmax * pw; };
  auto Y = [&](double q) { return T + (1 - q) * ph; };
  for (double q : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    s << "<line x1=\"" << N(L) << "\" x2=\"" << N(L + pw) << "\" y1=\""
      << N(Y(q)) << "\" y2=\"" << N(Y(q)) << "\" class=\"grid\"/><text x=\""
      << N(L - 6) << "\" y=\"" << N(Y(q) + 4)
      << "\" text-anchor=\"end\" class=\"axis\">" << static_cast<int>(q * 100)
      << "%</text>";
  }
  for (double v = 0; v <= xmax + xstep / 2; v += xstep) {
    s << "<line x1=\"" << N(X(v)) << "\" x2=\"" << N(X(v)) << "\" y1=\"" << N(T)
      << "\" y2=\"" << N(T + ph) << "\" class=\"grid\"/><text x=\"" << N(X(v))
      << "\" y=\"" << N(T + ph + 15)
      << "\" text-anchor=\"middle\" class=\"axis\">" << TickText(v, xstep)
      << "</text>";
  }
  s << "<text x=\"" << N(L + pw / 2) << "\" y=\"" << N(H - 3)
    << "\" text-anchor=\"middle\" class=\"axis\">latency (ms), delivered "
       "requests</text>";
  // The area under the CDF, then the curve itself.
  std::ostringstream pts;
  pts << N(X(e.cdf.front().second)) << "," << N(Y(0));
  for (const auto& [q, ms] : e.cdf) pts << " " << N(X(ms)) << "," << N(Y(q));
  s << "<polygon points=\"" << pts.str() << " " << N(X(e.cdf.back().second))
    << "," << N(Y(0)) << "\" fill=\"" << color
    << "\" fill-opacity=\"0.10\" stroke=\"none\"/>";
  s << "<polyline class=\"curve\" points=\"" << pts.str()
    << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\"/>";
  auto marker = [&](double ms, double q, const char* name, double dy) {
    s << "<line x1=\"" << N(X(ms)) << "\" x2=\"" << N(X(ms)) << "\" y1=\""
      << N(Y(q)) << "\" y2=\"" << N(T + ph)
      << "\" class=\"mark\"/><circle cx=\"" << N(X(ms)) << "\" cy=\"" << N(Y(q))
      << "\" r=\"3\" fill=\"" << color << "\"/><text x=\"" << N(X(ms) + 5)
      << "\" y=\"" << N(Y(q) + dy) << "\" class=\"marktext\">" << name << " "
      << Fixed(ms, 2) << "</text>";
  };
  marker(e.latency.p50, 0.5, "p50", 12);
  marker(e.latency.p99, 0.99, "p99", 14);
  s << "</svg>";
}

void UtilisationChart(const review::ReviewData& d, std::ostream& s) {
  std::vector<const review::ProxyView*> rows;
  for (const review::ProxyView& p : d.proxies) rows.push_back(&p);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const review::ProxyView* a, const review::ProxyView* b) {
                     return a->utilization > b->utilization;
                   });
  constexpr size_t kMaxRows = 30;
  const size_t n = std::min(rows.size(), kMaxRows);
  const double L = 330, bw = 560, rh = 24, T = 26;
  const double W = L + bw + 190, H = T + n * rh + 12;
  double top = 0;
  for (size_t i = 0; i < n; ++i) top = std::max(top, rows[i]->utilization);
  auto [xmax, xstep] = NiceAxis(std::max(top, 0.001) * 100, 5);
  s << "<svg id=\"utilisation\" viewBox=\"0 0 " << N(W) << " " << N(H)
    << "\" role=\"img\" aria-label=\"utilisation per proxy\">";
  for (double v = 0; v <= xmax + xstep / 2; v += xstep) {
    const double x = L + v / xmax * bw;
    s << "<line x1=\"" << N(x) << "\" x2=\"" << N(x) << "\" y1=\"" << N(T - 4)
      << "\" y2=\"" << N(H - 8) << "\" class=\"grid\"/><text x=\"" << N(x)
      << "\" y=\"" << N(T - 9) << "\" text-anchor=\"middle\" class=\"axis\">"
      << TickText(v, xstep) << "%</text>";
  }
  for (size_t i = 0; i < n; ++i) {
    const review::ProxyView& p = *rows[i];
    const double y = T + i * rh;
    const Style st = KindStyle(p.kind);
    const double w = std::max(1.5, p.utilization * 100 / xmax * bw);
    s << "<g class=\"bar\"><title>" << Esc(p.kind + " " + p.name) << ": "
      << Thousands(p.requests) << " requests, " << Fixed(p.cores, 3)
      << " cores of " << p.workers << " workers, max queue " << p.max_queue
      << "</title><text x=\"" << N(L - 10) << "\" y=\"" << N(y + 15)
      << "\" text-anchor=\"end\" class=\"barlabel\"><tspan class=\"kind\">"
      << p.kind << "</tspan> " << Esc(Clip(p.cluster + "/" + p.label, 40))
      << "</text><rect x=\"" << N(L) << "\" y=\"" << N(y + 4) << "\" width=\""
      << N(w) << "\" height=\"" << N(rh - 8) << "\" rx=\"3\" fill=\""
      << (p.utilization >= 0.8 ? "#c62828" : st.stroke)
      << "\" fill-opacity=\"0.85\"/><text x=\"" << N(L + w + 6) << "\" y=\""
      << N(y + 15) << "\" class=\"barvalue\">" << Fixed(p.utilization * 100, 2)
      << "% · " << Thousands(p.requests) << " req</text></g>";
  }
  s << "</svg>";
  if (rows.size() > n)
    s << "<p class=\"note\">" << rows.size() - n
      << " less busy proxies are listed in results.json.</p>";
}

std::string SourceHref(const ReviewInput& in, const SourceLocation& loc) {
  if (!loc.file.empty() && loc.file[0] == '/') return "file://" + loc.file;
  return in.source_href_prefix + loc.file;
}

std::string LocLink(const ReviewInput& in, const SourceLocation& loc) {
  const std::string at = review::FileLine(loc);
  if (at.empty()) return "";
  return "<a class=\"loc\" href=\"" + Esc(SourceHref(in, loc)) + "\">" +
         Esc(at) + "</a>";
}

const char* kCss = R"CSS(
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,"Noto Sans","Liberation Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#24292f;color:#fff;padding:18px 28px 16px}
header h1{margin:0;font-size:22px;font-weight:600}
header .meta{color:#c9d1d9;font-size:13px;margin-top:4px}
header code{color:#fff}
main{padding:18px 28px 40px;max-width:1600px}
h2{font-size:17px;margin:26px 0 10px;font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;margin-top:2px}
.card .s{color:var(--muted);font-size:12.5px}
.bad{color:#c62828}.good{color:#1a7f37}.warn{color:#9a6700}
.meshwrap{display:grid;grid-template-columns:270px 1fr;gap:14px;align-items:start}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px}
#entries{max-height:760px;overflow:auto;padding:6px}
.entry{border-radius:6px;padding:7px 9px;cursor:pointer;border:1px solid transparent;margin-bottom:3px}
.entry:hover{background:#f3f6fa}
.entry.sel{border-color:var(--accent);background:#eef5ff}
.entry .name{font-weight:600;font-size:13px;word-break:break-all}
.entry .req{color:var(--muted);font-size:11.5px;word-break:break-all}
.pathrow{display:flex;align-items:center;gap:6px;font-size:11.5px;padding:2px 0 2px 2px;border-radius:4px}
.pathrow:hover{background:#e7eef8}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;flex:none}
.pill{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;font-weight:600}
.pill.delivered{background:#dafbe1;color:#116329}.pill.denied{background:#ffebe9;color:#a40e26}.pill.failed{background:#eaeef2;color:#424a53}
.pill.error{background:#ffebe9;color:#a40e26}.pill.warning{background:#fff8c5;color:#7d4e00}
.pill.proved{background:#dafbe1;color:#116329}.pill.violated{background:#ffebe9;color:#a40e26}.pill.unknown{background:#fff8c5;color:#7d4e00}
#drawing{padding:10px;overflow:auto}
#mesh{display:block;width:100%;height:auto}
#mesh text{font-family:inherit}
.netbox{fill:#fbfcfd;stroke:#8c959f;stroke-dasharray:6 4}
.netbox.outside{fill:#fafafa}
.netname{font-size:12px;fill:#57606a;font-weight:600;letter-spacing:.03em;text-transform:uppercase}
.clusterbox{fill:#fff;stroke:#57606a;stroke-width:1.4}
.clustername{font-size:15px;font-weight:700;fill:#24292f}
.clustermeta{font-size:11.5px;fill:#6e7781}
.nodebox{fill:#f6f8fa;stroke:#d0d7de}
.nodename{font-size:12px;font-weight:600;fill:#424a53}
.nodezone{font-size:10.5px;fill:#8c959f}
.lbl{font-size:11.5px;fill:#1f2328}
.util{font-size:10.5px;fill:#6e7781}
.more{font-size:11px;fill:#8c959f;font-style:italic}
.uncaptured rect{stroke-dasharray:3 2;fill:#fafafa}
.el rect{transition:opacity .15s}
#mesh.dim .el:not(.hit){opacity:.28}
.el.hit rect{stroke-width:2.4}
.route{display:none}
.route.on{display:inline}
.route path{stroke-width:2.6;stroke-linecap:round;opacity:.9}
.step{font-size:10px;font-weight:700;fill:#fff;stroke:none}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);padding:8px 12px;border-top:1px solid var(--line)}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend i{display:inline-block;width:14px;height:11px;border-radius:3px;border:1.5px solid}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:12px}
.plot{padding:10px 12px}
.plot h3{margin:0 0 2px;font-size:14px;word-break:break-all}
.plot .req{color:var(--muted);font-size:12px;margin-bottom:4px;word-break:break-all}
.cdf{width:100%;height:auto;display:block}
.grid{stroke:#eaeef2}
.axis{font-size:10.5px;fill:#6e7781}
.mark{stroke:#8c959f;stroke-dasharray:3 3}
.marktext{font-size:10.5px;fill:#424a53;font-weight:600}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:6px 9px;border-bottom:1px solid #eaeef2;vertical-align:top;font-size:13px}
th{background:#f6f8fa;font-weight:600;color:#424a53;font-size:12px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.stats td{padding:3px 6px;font-size:12px;border:none}
.stats th{padding:3px 6px;font-size:11px;background:none;border:none;color:var(--muted)}
#utilisation{width:100%;max-width:1100px;height:auto;display:block}
.barlabel{font-size:11.5px;fill:#1f2328}.barlabel .kind{fill:#6e7781}
.barvalue{font-size:11px;fill:#424a53}
.note{color:var(--muted);font-size:12.5px}
.finding td{font-size:12.5px}
.finding .fix{color:#1a7f37}
.finding button,.showpath{font:inherit;font-size:11.5px;border:1px solid var(--line);background:#f6f8fa;border-radius:5px;padding:1px 7px;cursor:pointer}
.finding button:hover{border-color:var(--accent)}
a.loc{color:var(--accent);text-decoration:none;font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",monospace;font-size:12px}
a.loc:hover{text-decoration:underline}
footer{color:var(--muted);font-size:12px;margin-top:30px}
)CSS";

const char* kScript = R"JS(
(function(){
  var svg=document.getElementById('mesh');
  var routes=Array.prototype.slice.call(document.querySelectorAll('#routes > .route'));
  var entries=Array.prototype.slice.call(document.querySelectorAll('.entry'));
  // "#entry=N" in the URL selects entry N (for links and screenshots).
  var m=/entry=(\d+)/.exec(location.hash);
  var pinned={entry:m?m[1]:'0'};
  function match(g,sel){
    if(!sel)return false;
    if(sel.finding!==undefined)return g.dataset.finding===sel.finding;
    if(g.dataset.entry!==sel.entry)return false;
    return sel.path===undefined||g.dataset.path===sel.path;
  }
  function show(sel){
    document.querySelectorAll('#mesh .el.hit').forEach(function(e){e.classList.remove('hit');});
    var any=false;
    routes.forEach(function(g){
      var on=match(g,sel);g.classList.toggle('on',on);
      if(on){any=true;(g.dataset.hops||'').split(' ').forEach(function(id){var e=id&&document.getElementById(id);if(e)e.classList.add('hit');});}
    });
    svg.classList.toggle('dim',any);
    entries.forEach(function(e){e.classList.toggle('sel',!!sel&&sel.entry!==undefined&&e.dataset.entry===sel.entry);});
  }
  entries.forEach(function(e){
    e.addEventListener('mouseenter',function(){show({entry:e.dataset.entry});});
    e.addEventListener('mouseleave',function(){show(pinned);});
    e.addEventListener('click',function(){pinned={entry:e.dataset.entry};show(pinned);});
  });
  document.querySelectorAll('.pathrow').forEach(function(p){
    p.addEventListener('mouseenter',function(){show({entry:p.dataset.entry,path:p.dataset.path});});
    p.addEventListener('mouseleave',function(){show({entry:p.dataset.entry});});
  });
  document.querySelectorAll('.plot').forEach(function(p){
    p.addEventListener('click',function(){pinned={entry:p.dataset.entry};show(pinned);
      document.getElementById('mesh-section').scrollIntoView({behavior:'smooth'});});
  });
  document.querySelectorAll('.showpath').forEach(function(b){
    b.addEventListener('click',function(){pinned={finding:b.dataset.finding};show(pinned);
      document.getElementById('mesh-section').scrollIntoView({behavior:'smooth'});});
  });
  show(pinned);
})();
)JS";

}  // namespace

void WriteReviewHtml(const ReviewInput& in, std::ostream& out) {
  const review::ReviewData d = review::BuildReviewData(in);
  const Scenario& sc = in.scenario;
  MeshDrawing drawing(in, d);
  drawing.Build();

  std::ostringstream routes;
  for (size_t ei = 0; ei < d.entries.size(); ++ei) {
    const review::EntryView& e = d.entries[ei];
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const review::PathView& v = e.paths[pi];
      if (!v.path) continue;
      DrawRoute(drawing, v.path->hops,
                "data-entry=\"" + std::to_string(ei) + "\" data-path=\"" +
                    std::to_string(pi) + "\"",
                PathColor(pi, v.outcome), 0, v.outcome,
                v.outcome == Outcome::kFailed, routes);
    }
  }
  for (size_t fi = 0; fi < in.verify.findings.size(); ++fi) {
    const Finding& f = in.verify.findings[fi];
    if (f.path.empty()) continue;
    DrawRoute(drawing, f.path, "data-finding=\"" + std::to_string(fi) + "\"",
              kDeniedColor, 0, Outcome::kDelivered, true, routes);
  }

  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
         "charset=\"utf-8\">\n<meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\">\n<title>meshsim "
         "report: "
      << Esc(sc.mesh.name) << "</title>\n<style>" << kCss
      << "</style>\n</head>\n<body>\n";
  out << "<header><h1>meshsim report: " << Esc(sc.mesh.name)
      << "</h1><div class=\"meta\">scenario <code>" << Esc(sc.file)
      << "</code> · Istio " << sc.mesh.istio.version.ToString() << " ("
      << (sc.mesh.istio.distribution == Distribution::kSolo ? "Solo"
                                                            : "community")
      << ") · " << sc.mesh.clusters.size() << " cluster"
      << (sc.mesh.clusters.size() == 1 ? "" : "s") << " · seed " << in.seed
      << " · " << Fixed(d.simulated_seconds, 3) << " s simulated, "
      << Thousands(d.events) << " events</div></header>\n<main>\n";

  // ---- summary cards ----
  out << "<section id=\"summary\" class=\"cards\">";
  const char* vcls = d.unknown ? "warn" : (d.violated ? "bad" : "good");
  out << "<div class=\"card\"><div class=\"k\">Verification</div><div "
         "class=\"v "
      << vcls << "\">"
      << (d.unknown ? "unknown" : (d.violated ? "violated" : "proved"))
      << "</div><div class=\"s\">" << Esc(review::VerdictText(d))
      << "</div></div>";
  out << "<div class=\"card\"><div class=\"k\">Findings</div><div class=\"v "
      << (d.errors ? "bad" : (d.warnings ? "warn" : "good")) << "\">"
      << d.errors + d.warnings << "</div><div class=\"s\">" << d.errors
      << " error" << (d.errors == 1 ? "" : "s") << ", " << d.warnings
      << " warning" << (d.warnings == 1 ? "" : "s") << "</div></div>";
  out << "<div class=\"card\"><div class=\"k\">Requests simulated</div><div "
         "class=\"v\">"
      << Thousands(d.requests) << "</div><div class=\"s\">"
      << Thousands(d.delivered) << " delivered · " << Thousands(d.denied)
      << " denied · " << Thousands(d.failed) << " failed</div></div>";
  out << "<div class=\"card\"><div class=\"k\">Highest p99</div>";
  if (d.slowest) {
    const review::EntryView& e = d.entries[*d.slowest];
    out << "<div class=\"v\">" << Fixed(e.latency.p99, 2)
        << " ms</div><div class=\"s\">" << Esc(e.entry->name) << " (p50 "
        << Fixed(e.latency.p50, 2) << " ms)</div>";
  } else {
    out << "<div class=\"v\">–</div><div class=\"s\">nothing "
           "delivered</div>";
  }
  out << "</div></section>\n";

  // ---- mesh drawing ----
  out << "<h2 id=\"mesh-section\">Mesh and paths</h2>\n<div "
         "class=\"meshwrap\"><div class=\"panel\" id=\"entries\">";
  for (size_t ei = 0; ei < d.entries.size(); ++ei) {
    const review::EntryView& e = d.entries[ei];
    const TrafficEntry& t = *e.entry;
    out << "<div class=\"entry\" data-entry=\"" << ei
        << "\"><div class=\"name\">" << Esc(t.name) << "</div><div "
        << "class=\"req\">"
        << Esc(t.from.ingress.empty() ? t.from.ns + "/" + t.from.workload
                                      : "ingress " + t.from.ingress)
        << " → "
        << Esc((t.to.host.empty() ? (t.to.pod.empty() ? t.to.ip : t.to.pod)
                                  : t.to.host) +
               ":" + std::to_string(t.to.port))
        << (t.http ? " " + Esc(t.http->method + " " + t.http->path) : "")
        << "</div>";
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const review::PathView& v = e.paths[pi];
      std::string wp;
      for (const std::string& w : v.waypoints)
        wp += (wp.empty() ? "" : " → ") + w;
      out << "<div class=\"pathrow\" data-entry=\"" << ei << "\" data-path=\""
          << pi << "\" title=\"" << Esc(v.summary) << "\"><span class=\"sw\" "
          << "style=\"background:" << PathColor(pi, v.outcome)
          << "\"></span><span class=\"pill " << OutcomeName(v.outcome) << "\">"
          << OutcomeName(v.outcome) << "</span><span>"
          << Fixed((v.path ? v.predicted_share : v.simulated_share) * 100, 0)
          << "% · " << Esc(wp.empty() ? "no waypoint" : wp) << "</span></div>";
    }
    out << "</div>";
  }
  out << "</div>\n<div class=\"panel\"><div id=\"drawing\"><svg id=\"mesh\" "
         "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 "
      << N(drawing.width() + 8) << " " << N(drawing.height() + 8)
      << "\" style=\"max-width:" << N(drawing.width() * 1.45)
      << "px\" role=\"img\" aria-label=\"drawing of the mesh\">\n<defs>";
  std::vector<std::string> colors(kPalette, kPalette + kPaletteSize);
  colors.push_back(kDeniedColor);
  colors.push_back(kFailedColor);
  for (const std::string& c : colors)
    out << "<marker id=\"ah" << c.substr(1)
        << "\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 "
           "L10 5 L0 10 z\" fill=\""
        << c << "\"/></marker>";
  out << "</defs>\n"
      << drawing.body() << "<g id=\"routes\">\n"
      << routes.str() << "</g>\n</svg></div>";
  out << "<div class=\"legend\">";
  for (const char* k :
       {"workload", "ztunnel", "waypoint", "ingress", "eastwest"}) {
    const Style st = KindStyle(k);
    out << "<span><i style=\"background:" << st.fill
        << ";border-color:" << st.stroke << "\"></i>"
        << (std::string(k) == "eastwest"  ? "east-west gateway"
            : std::string(k) == "ingress" ? "ingress gateway"
                                          : k)
        << "</span>";
  }
  out << "<span><i style=\"background:#fafafa;border-color:#1565c0;"
         "border-style:dashed\"></i>pod not captured</span><span>⬡ "
         "sidecar</span><span>numbers: hop order · ✕ denied</span>"
         "</div></div></div>\n";

  // ---- latency ----
  out << "<h2>Latency per traffic entry</h2>\n<div class=\"plots\">";
  for (size_t ei = 0; ei < d.entries.size(); ++ei) {
    const review::EntryView& e = d.entries[ei];
    out << "<div class=\"panel plot\" data-entry=\"" << ei << "\"><h3>"
        << Esc(e.entry->name) << "</h3><div class=\"req\">"
        << Thousands(e.requests) << " requests · " << Thousands(e.delivered)
        << " delivered";
    if (e.denied) out << " · " << Thousands(e.denied) << " denied";
    if (e.failed) out << " · " << Thousands(e.failed) << " failed";
    out << "</div>";
    CdfPlot(e, kPalette[0], out);
    const review::LatencySummary& l = e.latency;
    out << "<table class=\"stats\"><tr><th>mean</th><th>p50</th><th>p90</th>"
           "<th>p99</th><th>p99.9</th><th>max</th></tr><tr>";
    for (double v : {l.mean, l.p50, l.p90, l.p99, l.p999, l.max})
      out << "<td class=\"num\">" << (l.count ? Fixed(v, 3) : "–") << "</td>";
    out << "</tr></table></div>";
  }
  out << "</div>\n";

  // ---- proxies ----
  out << "<h2>Utilisation per proxy</h2>\n<div class=\"panel\" "
         "style=\"padding:10px 12px\">";
  if (d.proxies.empty())
    out << "<p class=\"note\">No proxy carries traffic.</p>";
  else
    UtilisationChart(d, out);
  out << "</div>\n";

  // ---- verification ----
  out << "<h2>Verification</h2>\n<table><tr><th>property</th><th>result</th>"
         "<th class=\"num\">request classes</th><th>holds because of / "
         "reason</th></tr>";
  for (const PropertyResult& p : in.verify.properties) {
    out << "<tr><td><code>" << Esc(p.name) << "</code></td><td><span "
        << "class=\"pill " << ProofResultName(p.result) << "\">"
        << ProofResultName(p.result) << "</span></td><td class=\"num\">"
        << p.classes_checked << "</td><td>" << Esc(p.reason);
    for (size_t i = 0; i < p.core.size(); ++i)
      out << (i ? ", " : "") << "<code>" << Esc(p.core[i]) << "</code>";
    out << "</td></tr>";
  }
  out << "</table>\n";
  out << "<h2>Findings</h2>\n";
  if (in.verify.findings.empty()) {
    out << "<p class=\"note\">None: every property was proved over every "
           "request the configuration admits.</p>\n";
  } else {
    out << "<table id=\"findings\"><tr><th>#</th><th>severity</th><th>rule"
           "</th><th>finding</th><th>objects</th></tr>";
    for (size_t fi = 0; fi < in.verify.findings.size(); ++fi) {
      const Finding& f = in.verify.findings[fi];
      out << "<tr class=\"finding\"><td>F" << fi + 1 << "</td><td><span "
          << "class=\"pill " << Esc(SeverityName(f.severity)) << "\">"
          << Esc(SeverityName(f.severity)) << "</span></td><td><code>"
          << Esc(f.rule) << "</code></td><td>" << Esc(f.message);
      if (!f.from.empty())
        out << "<br><b>counterexample:</b> from " << Esc(f.from) << " ("
            << Esc(f.from_cluster) << ") to <code>" << Esc(f.to) << "</code>"
            << (f.http.empty() ? "" : " <code>" + Esc(f.http) + "</code>");
      if (!f.path.empty()) {
        out << "<br><b>path:</b> ";
        for (size_t i = 0; i < f.path.size(); ++i)
          out << (i ? " → " : "") << "<code>"
              << Esc(review::HopLabel(f.path[i])) << "</code>";
        out << " <button class=\"showpath\" data-finding=\"" << fi
            << "\">show on drawing</button>";
      }
      if (!f.fix.empty())
        out << "<br><b>fix:</b> <span class=\"fix\">" << Esc(f.fix)
            << "</span>";
      out << "</td><td>";
      for (size_t i = 0; i < f.objects.size(); ++i) {
        const FindingObject& o = f.objects[i];
        out << (i ? "<br>" : "") << Esc(o.kind) << " <code>" << Esc(o.name)
            << "</code><br>" << LocLink(in, o.location);
      }
      out << "</td></tr>";
    }
    out << "</table>\n";
  }
  if (!in.warnings.empty()) {
    out << "<h2>Warnings</h2>\n<ul>";
    for (const Diagnostic& w : in.warnings)
      out << "<li><code>" << Esc(w.ToString()) << "</code></li>";
    out << "</ul>\n";
  }
  out << "<footer>Generated by <code>meshsim report</code>. Hover or click a "
         "traffic entry to highlight its paths; the same figures are in "
         "results.json (docs/report.md).</footer>\n</main>\n<script>"
      << kScript << "</script>\n</body>\n</html>\n";
}

}  // namespace meshsim
