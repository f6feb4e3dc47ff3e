// The charts of report.html: latency CDFs and proxy utilisation bars, as
// inline SVG.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <vector>

#include "reports/review_html_parts.h"

namespace meshsim::review_html {

namespace {

using review::Fixed;
using review::Thousands;

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

}  // namespace

const char* GroupColor(size_t group) {
  static constexpr const char* kGroupColors[] = {
      "#e65100", "#00838f", "#6a1b9a", "#558b2f", "#ad1457", "#4e342e"};
  return kGroupColors[group % 6];
}

void PathGroupLegend(const review::EntryView& e, std::ostream& s) {
  if (e.path_groups.empty()) return;
  s << "<table class=\"groups\"><tr><th>path shape</th><th>share</th>"
       "<th>p50</th><th>p99</th></tr>";
  for (size_t g = 0; g < e.path_groups.size(); ++g) {
    const review::PathGroup& p = e.path_groups[g];
    s << "<tr><td><span class=\"sw\" style=\"background:" << GroupColor(g)
      << "\"></span>" << Esc(p.label) << "</td><td class=\"num\">"
      << Fixed(p.share * 100, 0) << "%</td><td class=\"num\">"
      << Fixed(p.p50, 3) << "</td><td class=\"num\">" << Fixed(p.p99, 3)
      << "</td></tr>";
  }
  s << "</table>";
}

void CdfPlot(const review::EntryView& e, const std::string& color,
             std::ostream& s, double axis_ms, const char* variant) {
  const double W = 380, H = 200, L = 46, R = 14, T = 12, B = 36;
  const double pw = W - L - R, ph = H - T - B;
  s << "<svg class=\"cdf" << (*variant ? " " : "") << variant
    << "\" viewBox=\"0 0 " << N(W) << " " << N(H)
    << "\" role=\"img\" aria-label=\"latency CDF of " << Esc(e.entry->name)
    << "\">";
  if (e.cdf.empty()) {
    // Nothing to plot: say what happened to the requests instead.
    std::string what = "no delivered requests";
    if (e.denied || e.failed) {
      what = e.denied ? Thousands(e.denied) + " denied" : "";
      if (e.failed)
        what += (what.empty() ? "" : ", ") + Thousands(e.failed) + " failed";
    }
    s << "<text x=\"" << N(W / 2) << "\" y=\"" << N(H / 2)
      << "\" text-anchor=\"middle\" class=\"axis\">" << Esc(what) << "</text>";
    std::string top;
    for (const review::PathView& p : e.paths)
      if (top.empty() && p.outcome == Outcome::kDenied && p.path &&
          p.path->denied_by)
        top = "denied by " + p.path->denied_by->policy;
    uint64_t most = 0;
    if (top.empty())
      for (const auto& [reason, n] : e.failed_by_reason)
        if (n > most) most = n, top = reason;
    if (!top.empty())
      s << "<text x=\"" << N(W / 2) << "\" y=\"" << N(H / 2 + 16)
        << "\" text-anchor=\"middle\" class=\"axis\">" << Esc(Clip(top, 60))
        << "</text>";
    s << "</svg>";
    return;
  }
  const auto [xmax, xstep] =
      NiceAxis((axis_ms > 0 ? axis_ms : e.latency.p999) * 1.08, 5);
  auto X = [&, xmax = xmax](double ms) {
    return L + std::min(ms, xmax) / xmax * pw;
  };
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
  // One thinner curve per path shape, so a multi-modal curve explains
  // itself (the legend under the plot names the shapes).
  for (size_t g = 0; g < e.path_groups.size(); ++g) {
    std::ostringstream gp;
    for (const auto& [q, ms] : e.path_groups[g].cdf)
      gp << (gp.tellp() ? " " : "") << N(X(ms)) << "," << N(Y(q));
    s << "<polyline class=\"group\" points=\"" << gp.str()
      << "\" fill=\"none\" stroke=\"" << GroupColor(g)
      << "\" stroke-width=\"1.3\" stroke-dasharray=\"4 2\"/>";
  }
  auto marker = [&](double ms, double q, const char* name, double dy) {
    const std::string label = std::string(name) + " " + Fixed(ms, 2);
    // About 6.5 px a character at 10.5 px: a label that would run past
    // the plot's right edge sits on the marker's left instead.
    const bool left = X(ms) + 5 + 6.5 * label.size() > W - 2;
    s << "<line x1=\"" << N(X(ms)) << "\" x2=\"" << N(X(ms)) << "\" y1=\""
      << N(Y(q)) << "\" y2=\"" << N(T + ph)
      << "\" class=\"mark\"/><circle cx=\"" << N(X(ms)) << "\" cy=\"" << N(Y(q))
      << "\" r=\"3\" fill=\"" << color << "\"/><text x=\""
      << N(left ? X(ms) - 5 : X(ms) + 5) << "\" y=\"" << N(Y(q) + dy) << "\""
      << (left ? " text-anchor=\"end\"" : "") << " class=\"marktext\">" << label
      << "</text>";
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

namespace {

struct SeriesPoint {
  double x, y, half_width;
};
struct Series {
  std::string label;
  std::vector<SeriesPoint> points;  // by rate
};

// A line chart of `series` against the rate multiplier, with 95% interval
// whiskers.
void LineChart(const std::string& label, const std::string& unit,
               const std::vector<Series>& series, std::ostream& s) {
  const double W = 460, H = 240, L = 52, R = 14, T = 14, B = 40;
  const double pw = W - L - R, ph = H - T - B;
  double xhi = 0, yhi = 0;
  for (const Series& se : series)
    for (const SeriesPoint& p : se.points) {
      xhi = std::max(xhi, p.x);
      yhi = std::max(yhi, p.y + p.half_width);
    }
  const auto [xmax, xstep] = NiceAxis(xhi, 5);
  const auto [ymax, ystep] = NiceAxis(yhi * 1.05, 4);
  auto X = [&, xmax = xmax](double v) { return L + v / xmax * pw; };
  auto Y = [&, ymax = ymax](double v) {
    return T + (1 - std::min(v, ymax) / ymax) * ph;
  };
  s << "<svg class=\"sweep\" viewBox=\"0 0 " << N(W) << " " << N(H)
    << "\" role=\"img\" aria-label=\"" << Esc(label) << " against rate\">";
  for (double v = 0; v <= ymax + ystep / 2; v += ystep)
    s << "<line x1=\"" << N(L) << "\" x2=\"" << N(L + pw) << "\" y1=\""
      << N(Y(v)) << "\" y2=\"" << N(Y(v)) << "\" class=\"grid\"/><text x=\""
      << N(L - 6) << "\" y=\"" << N(Y(v) + 4)
      << "\" text-anchor=\"end\" class=\"axis\">" << TickText(v, ystep)
      << "</text>";
  for (double v = 0; v <= xmax + xstep / 2; v += xstep)
    s << "<text x=\"" << N(X(v)) << "\" y=\"" << N(T + ph + 15)
      << "\" text-anchor=\"middle\" class=\"axis\">" << TickText(v, xstep)
      << "x</text>";
  s << "<text x=\"" << N(L + pw / 2) << "\" y=\"" << N(H - 4)
    << "\" text-anchor=\"middle\" class=\"axis\">rate multiplier · "
    << Esc(label) << " (" << unit << ")</text>";
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string color = kPalette[i % kPaletteSize];
    std::ostringstream pts;
    for (const SeriesPoint& p : series[i].points)
      pts << (pts.tellp() > 0 ? " " : "") << N(X(p.x)) << "," << N(Y(p.y));
    s << "<g><title>" << Esc(series[i].label) << "</title><polyline points=\""
      << pts.str() << "\" fill=\"none\" stroke=\"" << color
      << "\" stroke-width=\"2\"/>";
    for (const SeriesPoint& p : series[i].points)
      s << "<line x1=\"" << N(X(p.x)) << "\" x2=\"" << N(X(p.x)) << "\" y1=\""
        << N(Y(p.y - p.half_width)) << "\" y2=\"" << N(Y(p.y + p.half_width))
        << "\" stroke=\"" << color << "\"/><circle cx=\"" << N(X(p.x))
        << "\" cy=\"" << N(Y(p.y)) << "\" r=\"3\" fill=\"" << color << "\"/>";
    s << "</g>";
  }
  s << "</svg>";
}

// The label of a point's line: its replica counts and release.
std::string SeriesLabel(const SweepPoint& p) {
  std::string label;
  for (const auto& [gw, n] : p.replicas)
    label += (label.empty() ? "" : ", ") + gw + "=" + std::to_string(n);
  if (!p.version.empty())
    label += (label.empty() ? "" : ", ") + std::string("Istio ") + p.version;
  if (!p.faults.empty())
    label += (label.empty() ? "" : ", ") + std::string("faults ") + p.faults;
  return label.empty() ? "as written" : label;
}

}  // namespace

void SweepCharts(const SweepResult& r, std::ostream& s) {
  // One line per replica counts and release, in the grid's order.
  std::vector<Series> p99, util;
  std::map<std::string, size_t> index;
  for (const SweepPoint& p : r.points) {
    const std::string label = SeriesLabel(p);
    auto [it, fresh] = index.try_emplace(label, p99.size());
    if (fresh) {
      p99.push_back({label, {}});
      util.push_back({label, {}});
    }
    Interval worst;
    for (const EntryIntervals& e : p.entries)
      if (e.p99_ms.mean >= worst.mean) worst = e.p99_ms;
    p99[it->second].points.push_back({p.rate, worst.mean, worst.half_width});
    const auto u = p.utilization.find(p.busiest);
    const Interval busy = u == p.utilization.end() ? Interval{} : u->second;
    util[it->second].points.push_back(
        {p.rate, busy.mean * 100, busy.half_width * 100});
  }
  for (std::vector<Series>* v : {&p99, &util})
    for (Series& se : *v)
      std::stable_sort(
          se.points.begin(), se.points.end(),
          [](const SeriesPoint& a, const SeriesPoint& b) { return a.x < b.x; });
  s << "<div class=\"plots\"><div class=\"panel plot\"><h3>p99 of the slowest "
       "entry</h3>";
  LineChart("p99", "ms", p99, s);
  s << "</div><div class=\"panel plot\"><h3>utilisation of the busiest "
       "proxy</h3>";
  LineChart("utilisation", "%", util, s);
  s << "</div></div><div class=\"legend\">";
  for (size_t i = 0; i < p99.size(); ++i)
    s << "<span><i style=\"background:" << kPalette[i % kPaletteSize]
      << "\"></i>" << Esc(p99[i].label) << "</span>";
  s << "</div>\n";
}

}  // namespace meshsim::review_html
