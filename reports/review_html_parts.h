// Internal to reports/: the pieces of report.html (review_html.cc): small
// markup helpers and colours shared by the drawing, the charts and the page;
// the mesh drawing (review_html_drawing.cc) and the charts
// (review_html_charts.cc).
#ifndef MESHSIM_REPORTS_REVIEW_HTML_PARTS_H_
#define MESHSIM_REPORTS_REVIEW_HTML_PARTS_H_

#include <ostream>
#include <string>

#include "model/path.h"
#include "reports/markup.h"
#include "reports/review_data.h"
#include "reports/review_report.h"

namespace meshsim::review_html {

inline std::string Esc(const std::string& s) { return XmlEscape(s); }

inline std::string N(double v) { return review::Fixed(v, 1); }

inline std::string Clip(const std::string& s, size_t max) {
  return s.size() <= max ? s : s.substr(0, max - 1) + "…";
}

struct Style {
  const char* fill;
  const char* stroke;
};

// Fill and stroke of a drawn component by hop kind.
inline Style KindStyle(const std::string& kind) {
  if (kind == "ztunnel") return {"#ede7f6", "#5e35b1"};
  if (kind == "waypoint") return {"#fff3e0", "#ef6c00"};
  if (kind == "ingress") return {"#e0f2f1", "#00897b"};
  if (kind == "eastwest") return {"#fce4ec", "#c2185b"};
  if (kind == "external") return {"#f5f5f5", "#616161"};
  return {"#e3f2fd", "#1565c0"};
}

inline constexpr const char* kPalette[] = {"#1565c0", "#2e7d32", "#7b1fa2",
                                           "#e65100", "#00838f", "#ad1457"};
inline constexpr int kPaletteSize = 6;
inline constexpr const char* kDeniedColor = "#c62828";
inline constexpr const char* kFailedColor = "#616161";

inline std::string PathColor(size_t index, Outcome o) {
  if (o == Outcome::kDenied) return kDeniedColor;
  if (o == Outcome::kFailed) return kFailedColor;
  return kPalette[index % kPaletteSize];
}

// The mesh drawn as SVG, with every traffic entry's paths and every
// finding's counterexample path as hidden route groups.
struct MeshSvg {
  double width = 0, height = 0;
  std::string body;    // networks, clusters, nodes, pods
  std::string routes;  // <g> per path (data-entry/data-path, data-finding)
  bool large = false;  // collapsed to the drawn paths; the view follows them
  // Names the drawing shows cut short, with their full text, by shown name.
  std::vector<std::pair<std::string, std::string>> shortened;
};
// The colour of an entry's `group`-th path shape in its CDF plot, and the
// table under the plot that names the shapes with their share, p50, p99.
const char* GroupColor(size_t group);
void PathGroupLegend(const review::EntryView& e, std::ostream& s);
MeshSvg DrawMesh(const ReviewInput& in, const review::ReviewData& d);
// Whether the drawing has a route for finding `finding` (its counterexample
// path; in a mesh of more than 150 pods only a group's representative).
bool DrawsFindingPath(const ReviewInput& in, size_t finding);

// A latency CDF of one traffic entry, p50 and p99 marked; its x-axis up to
// `axis_ms` (0: the entry's own p99.9), `variant` a class of the <svg>
// (report.html draws each card twice: on its own axis and on the shared
// one, and a checkbox shows one). With nothing delivered, what happened to
// the requests instead (denied, failed, and the top reason).
void CdfPlot(const review::EntryView& e, const std::string& color,
             std::ostream& s, double axis_ms = 0, const char* variant = "");
// Utilisation bars of the busiest proxies.
void UtilisationChart(const review::ReviewData& d, std::ostream& s);
// A sweep against the rate multiplier: the worst entry's p99 and the
// busiest proxy's utilisation, one line per replica count (and release).
void SweepCharts(const SweepResult& r, std::ostream& s);

}  // namespace meshsim::review_html

#endif  // MESHSIM_REPORTS_REVIEW_HTML_PARTS_H_
