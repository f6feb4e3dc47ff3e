// report.md of `meshsim report`: readable in a pull-request comment; path
// diagrams are Mermaid flowcharts, which GitHub and GitLab render.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "model/text.h"
#include "model/version.h"
#include "reports/markup.h"
#include "reports/review_data.h"
#include "reports/review_report.h"

namespace meshsim {

namespace {

using review::Fixed;
using review::Thousands;

// Markdown sinks (reports/markup.h): text, table cells, inline code.
std::string Md(const std::string& raw) { return MarkdownText(raw); }
std::string Cell(const std::string& s) { return MarkdownText(s); }
std::string Code(const std::string& raw) { return MarkdownCode(raw); }

// The anchor GitHub and GitLab give a heading: lowercase, punctuation other
// than '-' and '_' dropped, spaces as '-'.
std::string Slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_')
      out += static_cast<char>(std::tolower(c));
    else if (c == ' ')
      out += '-';
  }
  return out;
}

std::string Percent(double share) { return Fixed(share * 100, 1) + "%"; }

// Text inside a quoted Mermaid label.
std::string MermaidText(const std::string& s, size_t max = 70) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else if (c == '<')
      out += "#lt;";
    else if (c == '>')
      out += "#gt;";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

// One flowchart for all paths of an entry: a component appears once per
// path position it is met again (a ztunnel passed twice shows twice), paths
// sharing a prefix share its nodes, and an edge carries the share of requests
// crossing it when that is below 100%.
void WriteMermaid(const std::vector<review::PathView>& paths,
                  std::ostream& out) {
  struct MNode {
    std::string id, label, cls, cluster;
    HopKind kind;
  };
  std::vector<MNode> nodes;
  std::map<std::string, size_t> node_by_key;
  std::map<std::pair<size_t, size_t>, double> edges;
  std::vector<std::pair<size_t, size_t>> edge_order;
  std::vector<std::pair<size_t, std::string>> ends;  // (node, terminal text)
  std::vector<std::string> end_cls;
  auto add_edge = [&](size_t a, size_t b, double w) {
    auto [it, fresh] = edges.emplace(std::make_pair(a, b), 0.0);
    if (fresh) edge_order.push_back({a, b});
    it->second += w;
  };
  for (const review::PathView& v : paths) {
    if (!v.path) continue;
    const Path& p = *v.path;
    std::map<std::string, int> seen;
    std::optional<size_t> prev;
    for (const Hop& h : p.hops) {
      std::string ident = std::string(HopKindName(h.kind)) + "|" + h.cluster +
                          "|" + h.name + "|" + h.node;
      const std::string key = ident + "#" + std::to_string(seen[ident]++);
      auto it = node_by_key.find(key);
      size_t idx;
      if (it == node_by_key.end()) {
        MNode n;
        n.id = "n" + std::to_string(nodes.size());
        n.kind = h.kind;
        n.cluster = h.cluster;
        n.cls = HopKindName(h.kind);
        // Labels are kept escaped: only the <br/> joints are markup.
        n.label = std::string(HopKindName(h.kind)) + "<br/>" +
                  MermaidText(h.name, 60);
        if (!h.node.empty() && h.kind != HopKind::kZtunnel)
          n.label += "<br/>" + MermaidText("@" + h.node, 60);
        idx = nodes.size();
        node_by_key.emplace(key, idx);
        nodes.push_back(n);
      } else {
        idx = it->second;
      }
      if (prev) add_edge(*prev, idx, p.weight);
      prev = idx;
    }
    if (!prev) continue;
    if (p.outcome == Outcome::kDenied) {
      std::string t = "denied";
      if (p.denied_by)
        t += " by " + p.denied_by->policy +
             (p.denied_by->rule ? " rule " + std::to_string(*p.denied_by->rule)
                                : "");
      ends.push_back({*prev, t});
      end_cls.push_back("denied");
    } else if (p.outcome == Outcome::kFailed) {
      ends.push_back({*prev, "failed: " + p.reason});
      end_cls.push_back("failed");
    }
  }
  out << "```mermaid\nflowchart LR\n";
  std::vector<std::string> clusters;
  for (const MNode& n : nodes)
    if (!n.cluster.empty() && std::find(clusters.begin(), clusters.end(),
                                        n.cluster) == clusters.end())
      clusters.push_back(n.cluster);
  auto shape = [](const MNode& n) {
    const std::string l = "\"" + n.label + "\"";
    switch (n.kind) {
      case HopKind::kWorkload:
      case HopKind::kSidecar:
        return n.id + "([" + l + "])";
      case HopKind::kWaypoint:
        return n.id + "{{" + l + "}}";
      case HopKind::kIngress:
      case HopKind::kEastWest:
        return n.id + "[/" + l + "/]";
      case HopKind::kExternal:
        return n.id + "((" + l + "))";
      default:
        return n.id + "[" + l + "]";
    }
  };
  for (size_t ci = 0; ci < clusters.size(); ++ci) {
    out << "  subgraph c" << ci << "[\"cluster " << MermaidText(clusters[ci])
        << "\"]\n";
    for (const MNode& n : nodes)
      if (n.cluster == clusters[ci]) out << "    " << shape(n) << "\n";
    out << "  end\n";
  }
  for (const MNode& n : nodes)
    if (n.cluster.empty()) out << "  " << shape(n) << "\n";
  for (const auto& e : edge_order) {
    const double w = edges[e];
    out << "  " << nodes[e.first].id << " -->";
    if (w < 0.9999995) out << "|" << Percent(w) << "|";
    out << " " << nodes[e.second].id << "\n";
  }
  for (size_t i = 0; i < ends.size(); ++i)
    out << "  " << nodes[ends[i].first].id << " -.-> e" << i << "[\""
        << MermaidText(ends[i].second) << "\"]:::" << end_cls[i] << "\n";
  std::set<std::string> used;
  for (const MNode& n : nodes) used.insert(n.cls);
  static const std::vector<std::pair<std::string, std::string>> kStyles = {
      {"workload", "fill:#e3f2fd,stroke:#1565c0"},
      {"sidecar", "fill:#e3f2fd,stroke:#1565c0"},
      {"ztunnel", "fill:#ede7f6,stroke:#5e35b1"},
      {"waypoint", "fill:#fff3e0,stroke:#ef6c00"},
      {"ingress", "fill:#e0f2f1,stroke:#00897b"},
      {"eastwest", "fill:#fce4ec,stroke:#c2185b"},
      {"external", "fill:#f5f5f5,stroke:#616161"},
  };
  for (const auto& [cls, style] : kStyles) {
    if (!used.count(cls)) continue;
    out << "  classDef " << cls << " " << style << "\n  class ";
    bool first = true;
    for (const MNode& n : nodes) {
      if (n.cls != cls) continue;
      out << (first ? "" : ",") << n.id;
      first = false;
    }
    out << " " << cls << "\n";
  }
  if (std::count(end_cls.begin(), end_cls.end(), "denied"))
    out << "  classDef denied fill:#ffebee,stroke:#c62828,color:#b71c1c\n";
  if (std::count(end_cls.begin(), end_cls.end(), "failed"))
    out << "  classDef failed fill:#eeeeee,stroke:#616161,stroke-dasharray: "
           "4 2\n";
  out << "```\n";
}

std::string Request(const TrafficEntry& t) {
  std::string from =
      t.from.ingress.empty()
          ? Code(t.from.ns + "/" + t.from.workload) + " in " + t.from.cluster
          : "ingress " + Code(t.from.ingress) + " in " + t.from.cluster;
  std::string to = !t.to.host.empty()  ? t.to.host
                   : !t.to.pod.empty() ? "pod " + t.to.pod
                                       : t.to.ip;
  std::string s = from + " → " + Code(to + ":" + std::to_string(t.to.port));
  if (t.http)
    s += " " + Code(t.http->method + " " + t.http->path);
  else
    s += " (TCP)";
  return s;
}

// `file:line` as a Markdown link to the manifest (relative to report.md,
// with a #L<line> anchor, as report.html links it); "" when unknown.
std::string SourceLink(const std::string& prefix, const SourceLocation& loc) {
  const std::string at = review::FileLine(loc);
  if (at.empty()) return "";
  const std::string href =
      (loc.file[0] == '/' ? "file://" : prefix) + loc.file +
      (loc.line > 0 ? "#L" + std::to_string(loc.line) : "");
  std::string target;
  for (char ch : href) {
    // Spaces and parentheses would end a Markdown link target.
    if (ch == ' ')
      target += "%20";
    else if (ch == '(')
      target += "%28";
    else if (ch == ')')
      target += "%29";
    else
      target += ch;
  }
  return "[" + Code(at) + "](" + target + ")";
}

void WriteFinding(int id, const Finding& f, const std::string& prefix,
                  std::ostream& out) {
  out << "**F" << id << "** · " << SeverityName(f.severity) << " · "
      << Code(f.rule) << " — " << Md(f.message) << "\n\n";
  if (!f.objects.empty()) {
    out << "- objects:";
    for (size_t i = 0; i < f.objects.size(); ++i) {
      const FindingObject& o = f.objects[i];
      out << (i ? ";" : "") << " " << Md(o.kind) << " " << Code(o.name);
      const std::string at = SourceLink(prefix, o.location);
      if (!at.empty()) out << " at " << at;
    }
    out << "\n";
  }
  if (!f.from.empty()) {
    out << "- counterexample: from " << Md(f.from) << " (" << Md(f.from_cluster)
        << ") to " << Code(f.to);
    if (!f.http.empty()) out << " " << Code(f.http);
    out << "\n";
  }
  if (!f.path.empty()) {
    out << "- path:";
    for (size_t i = 0; i < f.path.size(); ++i)
      out << (i ? " →" : "") << " " << Code(HopLabel(f.path[i]));
    out << "\n";
  }
  if (!f.fix.empty()) out << "- fix: " << Md(f.fix) << "\n";
  out << "\n";
}

}  // namespace

namespace {

void WriteSummary(const ReviewInput& in, const review::ReviewData& d,
                  std::ostream& out) {
  // ---- summary ----
  out << "## Summary\n\n";
  const char* mark =
      d.unknown ? "⚠️" : (d.violated ? "❌" : (d.proved ? "✅" : "➖"));
  std::string violated;
  for (const PropertyResult& p : in.verify.properties)
    if (p.result == ProofResult::kViolated)
      violated += (violated.empty() ? "" : ", ") + Code(p.name);
  out << "- " << mark << " **Verification:** "
      << review::VerdictText(d, violated);
  out << "; " << d.errors << " error finding" << (d.errors == 1 ? "" : "s")
      << ", " << d.warnings << " warning" << (d.warnings == 1 ? "" : "s")
      << ".\n";
  out << "- **Traffic:** " << d.entries.size() << " entr"
      << (d.entries.size() == 1 ? "y" : "ies") << ", " << Thousands(d.requests)
      << " requests simulated: " << Thousands(d.delivered) << " delivered, "
      << Thousands(d.denied) << " denied, " << Thousands(d.failed)
      << " failed.\n";
  if (d.slowest) {
    const review::EntryView& e = d.entries[*d.slowest];
    out << "- **Latency:** highest p99 " << Fixed(e.latency.p99, 3) << " ms ("
        << Code(e.entry->name) << ", p50 " << Fixed(e.latency.p50, 3)
        << " ms).\n";
  }
  if (!d.proxies.empty()) {
    const review::ProxyView* busiest = &d.proxies.front();
    for (const review::ProxyView& p : d.proxies)
      if (p.utilization > busiest->utilization) busiest = &p;
    out << "- **Busiest proxy:** " << busiest->kind << " "
        << Code(busiest->name) << " at " << Percent(busiest->utilization)
        << " utilisation (" << Fixed(busiest->cores, 3) << " cores).\n";
  }
  out << "\n| property | result | request classes | holds because of |\n"
         "|---|---|---:|---|\n";
  for (const PropertyResult& p : in.verify.properties) {
    out << "| " << Code(p.name) << " | " << ProofResultName(p.result) << " | "
        << p.classes_checked << " | ";
    if (!p.reason.empty()) out << Cell(p.reason);
    for (size_t i = 0; i < p.core.size(); ++i)
      out << (i ? ", " : "") << Code(p.core[i]);
    out << " |\n";
  }
  out << "\n| traffic | paths | waypoints | outcome (simulated) | p50 ms | "
         "p99 ms |\n|---|---:|---|---|---:|---:|\n";
  for (const review::EntryView& e : d.entries) {
    std::set<std::string> wps;
    for (const review::PathView& v : e.paths) {
      std::string w;
      for (size_t i = 0; i < v.waypoints.size(); ++i)
        w += (i ? " → " : "") + v.waypoints[i];
      wps.insert(w.empty() ? "none" : w);
    }
    std::string wp;
    for (const std::string& w : wps) wp += (wp.empty() ? "" : "; ") + w;
    out << "| [" << Cell(e.entry->name) << "](#" << Slug(e.entry->name)
        << ") | " << e.paths.size() << " | " << Cell(wp) << " | "
        << Thousands(e.delivered) << " delivered";
    if (e.denied) out << ", " << Thousands(e.denied) << " denied";
    if (e.failed) out << ", " << Thousands(e.failed) << " failed";
    out << " | " << (e.latency.count ? Fixed(e.latency.p50, 3) : "–") << " | "
        << (e.latency.count ? Fixed(e.latency.p99, 3) : "–") << " |\n";
  }
}

void WriteTraffic(const review::ReviewData& d, const std::string& prefix,
                  std::ostream& out) {
  // ---- traffic ----
  out << "\n## Traffic\n";
  for (const review::EntryView& e : d.entries) {
    const TrafficEntry& t = *e.entry;
    out << "\n### " << Md(t.name) << "\n\n"
        << Request(t) << ", " << review::LoadText(t);
    const std::string at = SourceLink(prefix, t.location);
    if (!at.empty()) out << " · " << at;
    out << "\n\n";
    WriteMermaid(e.paths, out);
    out << "\n| # | outcome | waypoints | predicted | simulated | route | "
           "path |\n|---:|---|---|---:|---:|---|---|\n";
    int i = 0;
    for (const review::PathView& v : e.paths) {
      std::string w;
      for (size_t k = 0; k < v.waypoints.size(); ++k)
        w += (k ? " → " : "") + v.waypoints[k];
      std::string route;
      if (v.path)
        for (const PathRoute& r : v.path->routes)
          route += (route.empty() ? "" : ", ") + r.name + " rule " +
                   std::to_string(r.rule);
      out << "| " << ++i << " | " << OutcomeName(v.outcome) << " | "
          << Cell(w.empty() ? "none" : w) << " | "
          << (v.path ? Percent(v.predicted_share) : "fault window") << " | "
          << Percent(v.simulated_share) << " | "
          << (route.empty() ? "–" : Cell(route)) << " | " << Cell(v.summary)
          << " |\n";
    }
    // Numbered as in the path table; the path function's reason after
    // the deciding policy (a 401's missing issuer, say).
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const review::PathView& v = e.paths[pi];
      if (!v.path) continue;
      const std::string reason =
          v.path->reason.empty() ? "" : ": " + Md(v.path->reason);
      if (v.path->denied_by) {
        const PathDenial& dn = *v.path->denied_by;
        out << "\nPath " << pi + 1 << " denied at hop " << dn.hop + 1 << " by "
            << Code(dn.policy)
            << (dn.rule ? " rule " + std::to_string(*dn.rule) : "") << " ("
            << Md(dn.action) << "), seeing principal "
            << Code(dn.principal.value_or("none: plaintext")) << reason
            << ".\n";
      } else if (v.outcome == Outcome::kFailed && !reason.empty()) {
        out << "\nPath " << pi + 1 << " failed" << reason << ".\n";
      }
    }
    // Every path's reasons; paths with the same reasons share one list.
    std::vector<std::pair<std::vector<size_t>, const std::vector<std::string>*>>
        whys;
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const Path* p = e.paths[pi].path;
      if (!p || p->why.empty()) continue;
      auto same = std::find_if(whys.begin(), whys.end(), [&](const auto& w) {
        return *w.second == p->why;
      });
      if (same != whys.end())
        same->first.push_back(pi + 1);
      else
        whys.push_back({{pi + 1}, &p->why});
    }
    for (const auto& [paths, why] : whys) {
      out << "\n<details><summary>why (path" << (paths.size() > 1 ? "s " : " ");
      for (size_t k = 0; k < paths.size(); ++k)
        out << (k ? ", " : "") << paths[k];
      out << ")</summary>\n\n";
      for (const std::string& w : *why) out << "- " << Md(w) << "\n";
      out << "\n</details>\n";
    }
    out << "\n| requests | delivered | denied | failed | retries | mean ms | "
           "p50 | p90 | p99 | p99.9 | max |\n"
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    const review::LatencySummary& l = e.latency;
    // No delivered request, no latency: a dash, never a made-up 0.
    auto ms = [&](double v) { return l.count ? Fixed(v, 3) : "–"; };
    out << "| " << Thousands(e.requests) << " | " << Thousands(e.delivered)
        << " | " << Thousands(e.denied) << " | " << Thousands(e.failed) << " | "
        << Thousands(e.retries) << " | " << ms(l.mean) << " | " << ms(l.p50)
        << " | " << ms(l.p90) << " | " << ms(l.p99) << " | " << ms(l.p999)
        << " | " << ms(l.max) << " |\n";
    for (const auto& [r, n] : e.failed_by_reason)
      out << "\nFailed ×" << Thousands(n) << ": " << Md(r) << "\n";
    if (!e.path_groups.empty()) {
      out << "\nLatency by path shape (delivered requests; ms):\n\n"
             "| path shape | delivered | share | p50 | p99 | max |\n"
             "|---|---:|---:|---:|---:|---:|\n";
      for (const review::PathGroup& g : e.path_groups)
        out << "| " << Cell(g.label) << " | " << Thousands(g.delivered) << " | "
            << Percent(g.share) << " | " << Fixed(g.p50, 3) << " | "
            << Fixed(g.p99, 3) << " | " << Fixed(g.max, 3) << " |\n";
    }
    // Where the time goes, per path that requests took.
    for (size_t pi = 0; pi < e.paths.size(); ++pi) {
      const review::PathView& v = e.paths[pi];
      if (v.hop_latency.empty()) continue;
      out << "\nWhere the time goes on path " << pi + 1
          << " (ms; network to reach the hop, then its queue and service):\n\n"
             "| hop | network | queue mean | queue p50 | queue p99 | service "
             "mean | service p50 | service p99 |\n"
             "|---|---:|---:|---:|---:|---:|---:|---:|\n";
      for (const review::HopLatency& h : v.hop_latency)
        out << "| " << Code(h.name) << " | " << Fixed(h.network_ms, 3) << " | "
            << Fixed(h.queue_mean, 3) << " | " << Fixed(h.queue_p50, 3) << " | "
            << Fixed(h.queue_p99, 3) << " | " << Fixed(h.service_mean, 3)
            << " | " << Fixed(h.service_p50, 3) << " | "
            << Fixed(h.service_p99, 3) << " |\n";
    }
    if (e.policy_hits.empty()) {
      out << "\nNo AuthorizationPolicy is evaluated on these paths.\n";
    } else {
      out << "\n| policy | rule | effect | requests |\n|---|---:|---|---:|\n";
      for (const review::PolicyHit& h : e.policy_hits)
        out << "| " << Code(h.policy) << " | "
            << (h.rule ? std::to_string(*h.rule) : "–") << " | " << h.effect
            << " | " << Thousands(h.requests) << " |\n";
    }
  }
}

void WriteProxies(const review::ReviewData& d, std::ostream& out) {
  // ---- proxies ----
  out << "\n## Proxies\n\n";
  if (d.proxies.empty()) {
    out << "No proxy carries traffic.\n";
  } else {
    std::vector<const review::ProxyView*> sorted;
    for (const review::ProxyView& p : d.proxies) sorted.push_back(&p);
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const review::ProxyView* a, const review::ProxyView* b) {
          return a->utilization > b->utilization;
        });
    constexpr size_t kMaxRows = 40;
    out << "| proxy | kind | cluster | workers | requests | utilisation | "
           "cores | mean queue | max queue |\n"
           "|---|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < sorted.size() && i < kMaxRows; ++i) {
      const review::ProxyView& p = *sorted[i];
      out << "| " << Code(p.label) << " | " << p.kind << " | " << Md(p.cluster)
          << " | " << p.workers << " | " << Thousands(p.requests) << " | "
          << Percent(p.utilization) << " | " << Fixed(p.cores, 3) << " | "
          << Fixed(p.mean_queue, 3) << " | " << p.max_queue << " |\n";
    }
    if (sorted.size() > kMaxRows)
      out << "\n"
          << sorted.size() - kMaxRows
          << " less busy proxies are listed in results.json.\n";
  }
  if (!d.policy_hits.empty()) {
    out << "\n## Policy hits\n\n| policy | rule | allow | deny | no-op |\n"
           "|---|---:|---:|---:|---:|\n";
    std::map<std::pair<std::string, int>, std::map<std::string, uint64_t>> rows;
    for (const review::PolicyHit& h : d.policy_hits)
      rows[{h.policy, h.rule.value_or(-1)}][h.effect] += h.requests;
    for (auto& [k, m] : rows)
      out << "| " << Code(k.first) << " | "
          << (k.second >= 0 ? std::to_string(k.second) : "–") << " | "
          << Thousands(m["allow"]) << " | " << Thousands(m["deny"]) << " | "
          << Thousands(m["no-op"]) << " |\n";
  }
}

void WriteSweep(const SweepResult& r, std::ostream& out) {
  // ---- capacity sweep ----
  out << "\n## Capacity sweep\n\nThe scenario's `sweep:` grid, "
      << r.points.size() << " points of " << r.replications
      << " replications each (mean ± 95% interval, Student t; "
         "`meshsim sweep` prints every entry).\n\n"
         "| rate | replicas | release | slowest entry's p99 (ms) | busiest "
         "proxy | utilisation |\n|---:|---|---|---:|---|---:|\n";
  for (const SweepPoint& p : r.points) {
    std::string replicas;
    for (const auto& [gw, n] : p.replicas)
      replicas += (replicas.empty() ? "" : ", ") + gw + "=" + std::to_string(n);
    Interval worst;
    for (const EntryIntervals& e : p.entries)
      if (e.p99_ms.mean >= worst.mean) worst = e.p99_ms;
    const auto u = p.utilization.find(p.busiest);
    const Interval busy = u == p.utilization.end() ? Interval{} : u->second;
    out << "| " << Fixed(p.rate, 2) << "x | "
        << (replicas.empty() ? "–" : Code(replicas)) << " | "
        << (p.version.empty() ? "as written" : p.version)
        << (p.faults.empty() ? "" : " · faults " + p.faults) << " | "
        << Fixed(worst.mean, 3) << " ± " << Fixed(worst.half_width, 3) << " | "
        << Code(p.busiest) << " | " << Percent(busy.mean) << " |\n";
  }
}

// One entry per root cause: what it is, how many findings over how many
// destinations and kinds of client, one representative, the fix and the
// YAML to apply.
void WriteMarkdownRootCauses(const VerifyResult& v, std::ostream& out) {
  if (v.groups.empty()) return;
  out << "\n### " << v.findings.size() << " finding"
      << (v.findings.size() == 1 ? "" : "s") << " from " << v.groups.size()
      << " root cause" << (v.groups.size() == 1 ? "" : "s") << "\n";
  for (const FindingGroup& g : v.groups) {
    out << "\n- " << Code(g.rule) << " " << Md(g.cause) << ": "
        << Md(review::GroupReach(g)) << "; e.g. F" << g.representative + 1
        << "\n";
    if (!g.fix.empty()) out << "  - fix: " << Md(g.fix) << "\n";
    if (!g.fix_yaml.empty()) {
      out << "\n  ```yaml\n";
      std::string line;
      for (char c : g.fix_yaml) {
        if (c != '\n') {
          line += c;
          continue;
        }
        out << "  " << line << "\n";
        line.clear();
      }
      if (!line.empty()) out << "  " << line << "\n";
      out << "  ```\n";
    }
  }
}

void WriteMarkdownFindings(const ReviewInput& in, std::ostream& out) {
  // ---- findings ----
  out << "\n## Findings\n\n";
  if (in.verify.findings.empty()) {
    out << review::NoFindingsText(in.verify) << "\n";
  } else {
    std::map<std::pair<std::string, std::string>, int> by_rule;
    for (const Finding& f : in.verify.findings)
      ++by_rule[{SeverityName(f.severity), f.rule}];
    out << "| severity | rule | findings |\n|---|---|---:|\n";
    for (const auto& [k, n] : by_rule)
      out << "| " << k.first << " | " << Code(k.second) << " | " << n << " |\n";
    WriteMarkdownRootCauses(in.verify, out);
    out << "\n";
    int id = 0;
    for (const Finding& f : in.verify.findings)
      WriteFinding(++id, f, in.source_href_prefix, out);
  }
  if (!in.warnings.empty()) {
    out << "## Warnings\n\n";
    for (const Diagnostic& w : in.warnings)
      out << "- " << Code(w.ToString()) << "\n";
    out << "\n";
  }
}

}  // namespace

void WriteReviewMarkdown(const ReviewInput& in, std::ostream& out) {
  const review::ReviewData d = review::BuildReviewData(in);
  const Scenario& sc = in.scenario;
  out << "# meshsim report: " << Md(sc.mesh.name) << "\n\n";
  out << "Scenario " << Code(sc.file) << " · Istio "
      << sc.mesh.istio.version.ToString() << " ("
      << (sc.mesh.istio.distribution == Distribution::kSolo ? "Solo"
                                                            : "community")
      << ") · " << sc.mesh.clusters.size() << " cluster"
      << (sc.mesh.clusters.size() == 1 ? "" : "s") << " · seed " << in.seed
      << " · " << Fixed(d.simulated_seconds, 3) << " s simulated\n\n";

  WriteSummary(in, d, out);
  WriteTraffic(d, in.source_href_prefix, out);
  WriteProxies(d, out);
  if (in.sweep && !in.sweep->points.empty()) WriteSweep(*in.sweep, out);
  WriteMarkdownFindings(in, out);
  out << "---\nGenerated by " << MeshsimVersionLine()
      << " (`meshsim report`; schema of results.json: docs/report.md).\n";
}

}  // namespace meshsim
