// report.html of `meshsim report`: one self-contained page (inline CSS, SVG
// and a little JavaScript; nothing fetched). Every traffic entry's paths (and
// every finding's counterexample path) are pre-drawn as hidden SVG groups
// (review_html_drawing.cc) that the script shows on hover or selection, so
// the file also reads without JavaScript. This file assembles the page, one
// function per section.
#include <sstream>
#include <string>
#include <vector>

#include "model/version.h"
#include "reports/review_html_parts.h"

namespace meshsim {

namespace {

using review::Fixed;
using review::Thousands;
using review_html::CdfPlot;
using review_html::Clip;
using review_html::Esc;
using review_html::kDeniedColor;
using review_html::kFailedColor;
using review_html::KindStyle;
using review_html::kPalette;
using review_html::kPaletteSize;
using review_html::MeshSvg;
using review_html::N;
using review_html::PathColor;
using review_html::Style;
using review_html::SweepCharts;
using review_html::UtilisationChart;

// The manifest's link with its line as an anchor (#L22: GitHub's and
// GitLab's blob views scroll to it; a browser ignores it on a plain file).
std::string SourceHref(const ReviewInput& in, const SourceLocation& loc) {
  const std::string anchor =
      loc.line > 0 ? "#L" + std::to_string(loc.line) : "";
  if (!loc.file.empty() && loc.file[0] == '/')
    return "file://" + loc.file + anchor;
  return in.source_href_prefix + loc.file + anchor;
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
.zoombar{display:flex;gap:6px;align-items:center;padding:6px 10px;border-bottom:1px solid var(--line);font-size:12px;color:var(--muted)}
.zoombar button{font:inherit;padding:2px 9px;border:1px solid var(--line);border-radius:5px;background:#fff;color:var(--fg);cursor:pointer}
#mesh{touch-action:none;cursor:grab}
.names{padding:4px 12px 8px;font-size:12px;color:var(--muted)}.names td{padding:1px 8px 1px 0;border:none}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);padding:8px 12px;border-top:1px solid var(--line)}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend i{display:inline-block;width:14px;height:11px;border-radius:3px;border:1.5px solid}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:12px}
.plot{padding:10px 12px}
.plot h3{margin:0 0 2px;font-size:14px;word-break:break-all}
.plot .req{color:var(--muted);font-size:12px;margin-bottom:4px;word-break:break-all}
.cdf{width:100%;height:auto;display:block}
#shared-axis:checked~.plots .cdf.own:not(:only-of-type),#shared-axis:not(:checked)~.plots .cdf.shared{display:none}
.grid{stroke:#eaeef2}
.axis{font-size:10.5px;fill:#6e7781}
.mark{stroke:#8c959f;stroke-dasharray:3 3}
.marktext{font-size:10.5px;fill:#424a53;font-weight:600}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{text-align:left;padding:6px 9px;border-bottom:1px solid #eaeef2;vertical-align:top;font-size:13px}
th{background:#f6f8fa;font-weight:600;color:#424a53;font-size:12px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.stats td{padding:3px 6px;font-size:12px;border:none}
.groups{margin-top:4px}.groups td,.groups th{padding:2px 6px;font-size:11.5px;border:none}
.groups th{background:none;color:var(--muted);font-weight:normal}.groups .sw{margin-right:6px;vertical-align:-1px}
.stats th{padding:3px 6px;font-size:11px;background:none;border:none;color:var(--muted)}
#utilisation{width:100%;max-width:1100px;height:auto;display:block}
.barlabel{font-size:11.5px;fill:#1f2328}.barlabel .kind{fill:#6e7781}
.barvalue{font-size:11px;fill:#424a53}
.note{color:var(--muted);font-size:12.5px}
.finding td{font-size:12.5px}
.finding .fix{color:var(--fg)}
.causes{padding:8px 14px;margin-bottom:12px}.causes h3{margin:4px 0}.causes li{margin:6px 0}
.causes pre.yaml{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:6px 10px;font-size:12px;overflow:auto}
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
    e.addEventListener('click',function(){pinned={entry:e.dataset.entry};show(pinned);follow();});
  });
  document.querySelectorAll('.pathrow').forEach(function(p){
    p.addEventListener('mouseenter',function(){show({entry:p.dataset.entry,path:p.dataset.path});});
    p.addEventListener('mouseleave',function(){show({entry:p.dataset.entry});});
  });
  document.querySelectorAll('.plot').forEach(function(p){
    p.addEventListener('click',function(){pinned={entry:p.dataset.entry};show(pinned);follow();
      document.getElementById('mesh-section').scrollIntoView({behavior:'smooth'});});
  });
  document.querySelectorAll('.showpath').forEach(function(b){
    b.addEventListener('click',function(){pinned={finding:b.dataset.finding};show(pinned);follow();
      document.getElementById('mesh-section').scrollIntoView({behavior:'smooth'});});
  });
  show(pinned);
  // Zoom and pan: buttons, Ctrl+wheel (or pinch) at the pointer, drag to pan.
  // The view keeps the drawing's aspect, so the page does not reflow.
  var vb=svg.viewBox.baseVal,home=[vb.x,vb.y,vb.width,vb.height];
  function view(x,y,w){var h=w*home[3]/home[2];vb.x=x;vb.y=y;vb.width=w;vb.height=h;}
  function zoom(f,px,py){
    var w=Math.min(home[2],Math.max(home[2]/50,vb.width*f)),h=w*home[3]/home[2];
    view(vb.x+(vb.width-w)*px,vb.y+(vb.height-h)*py,w);
  }
  function toSelection(){
    var b=null;
    document.querySelectorAll('#mesh .el.hit').forEach(function(e){
      var r=e.getBBox();
      if(!b)b={x0:r.x,y0:r.y,x1:r.x+r.width,y1:r.y+r.height};
      else{b.x0=Math.min(b.x0,r.x);b.y0=Math.min(b.y0,r.y);b.x1=Math.max(b.x1,r.x+r.width);b.y1=Math.max(b.y1,r.y+r.height);}
    });
    if(!b)return;
    var pad=60,w=Math.max(b.x1-b.x0+2*pad,(b.y1-b.y0+2*pad)*home[2]/home[3]);
    w=Math.min(home[2],Math.max(w,home[2]/50));
    var h=w*home[3]/home[2];
    view((b.x0+b.x1-w)/2,(b.y0+b.y1-h)/2,w);
  }
  document.querySelectorAll('[data-zoom]').forEach(function(b){
    b.addEventListener('click',function(){
      var z=b.dataset.zoom;
      if(z==='fit')view(home[0],home[1],home[2]);
      else if(z==='sel')toSelection();
      else zoom(z==='in'?0.67:1.5,0.5,0.5);
    });
  });
  svg.addEventListener('wheel',function(ev){
    if(!ev.ctrlKey&&!ev.metaKey)return;
    ev.preventDefault();
    var r=svg.getBoundingClientRect();
    zoom(ev.deltaY<0?0.8:1.25,(ev.clientX-r.left)/r.width,(ev.clientY-r.top)/r.height);
  },{passive:false});
  var drag=null;
  svg.addEventListener('pointerdown',function(ev){drag={x:ev.clientX,y:ev.clientY,vx:vb.x,vy:vb.y};});
  window.addEventListener('pointermove',function(ev){
    if(!drag)return;
    var r=svg.getBoundingClientRect();
    view(drag.vx-(ev.clientX-drag.x)*vb.width/r.width,drag.vy-(ev.clientY-drag.y)*vb.height/r.height,vb.width);
  });
  window.addEventListener('pointerup',function(){drag=null;});
  // A large mesh opens on the selected entry's path and follows selections.
  function follow(){if(svg.dataset.large)toSelection();}
  follow();
})();
)JS";

void WriteHead(const ReviewInput& in, const review::ReviewData& d,
               std::ostream& out) {
  const Scenario& sc = in.scenario;
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
}

void WriteSummaryCards(const review::ReviewData& d, std::ostream& out) {
  // ---- summary cards ----
  out << "<section id=\"summary\" class=\"cards\">";
  const char* vcls =
      d.unknown ? "warn" : (d.violated ? "bad" : (d.proved ? "good" : ""));
  out << "<div class=\"card\"><div class=\"k\">Verification</div><div "
         "class=\"v "
      << vcls << "\">" << review::VerdictWord(d) << "</div><div class=\"s\">"
      << Esc(review::VerdictText(d)) << "</div></div>";
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
}

// The traffic entries with their paths, beside the drawing and its legend.
void WriteMeshSection(const review::ReviewData& d, const MeshSvg& drawing,
                      std::ostream& out) {
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
      // The hover text: the path, then where its time goes per hop.
      std::string title = v.summary;
      for (const review::HopLatency& h : v.hop_latency)
        title += "\n" + h.name + ": network " + Fixed(h.network_ms, 3) +
                 ", queue " + Fixed(h.queue_mean, 3) + " (p50 " +
                 Fixed(h.queue_p50, 3) + ", p99 " + Fixed(h.queue_p99, 3) +
                 "), service " + Fixed(h.service_mean, 3) + " (p50 " +
                 Fixed(h.service_p50, 3) + ", p99 " + Fixed(h.service_p99, 3) +
                 ") ms";
      out << "<div class=\"pathrow\" data-entry=\"" << ei << "\" data-path=\""
          << pi << "\" title=\"" << Esc(title) << "\"><span class=\"sw\" "
          << "style=\"background:" << PathColor(pi, v.outcome)
          << "\"></span><span class=\"pill " << OutcomeName(v.outcome) << "\">"
          << OutcomeName(v.outcome) << "</span><span>"
          << Fixed((v.path ? v.predicted_share : v.simulated_share) * 100, 0)
          << "% · " << Esc(wp.empty() ? "no waypoint" : wp) << "</span></div>";
    }
    out << "</div>";
  }
  out << "</div>\n<div class=\"panel\"><div class=\"zoombar\">"
         "<button type=\"button\" data-zoom=\"in\" title=\"zoom in\">+</button>"
         "<button type=\"button\" data-zoom=\"out\" title=\"zoom "
         "out\">−</button><button type=\"button\" data-zoom=\"sel\">selected "
         "path</button><button type=\"button\" data-zoom=\"fit\">whole "
         "mesh</button><span>drag to pan · Ctrl+wheel to zoom · hover for full "
         "names</span></div><div id=\"drawing\"><svg id=\"mesh\" "
         "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 "
      << N(drawing.width + 8) << " " << N(drawing.height + 8)
      << "\" style=\"max-width:" << N(drawing.width * 1.45) << "px\""
      << (drawing.large ? " data-large=\"1\"" : "")
      << " role=\"img\" aria-label=\"drawing of the mesh\">\n<defs>";
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
      << drawing.body << "<g id=\"routes\">\n"
      << drawing.routes << "</g>\n</svg></div>";
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
         "</div>";
  // Every name the drawing cuts short, in full (also on hover).
  if (!drawing.shortened.empty()) {
    out << "<details class=\"names\"><summary>" << drawing.shortened.size()
        << " name" << (drawing.shortened.size() == 1 ? "" : "s")
        << " shortened in the drawing</summary><table>";
    for (const auto& [shown, full] : drawing.shortened)
      out << "<tr><td><code>" << Esc(shown) << "</code></td><td><code>"
          << Esc(full) << "</code></td></tr>";
    out << "</table></details>";
  }
  out << "</div></div>\n";
}

void WriteLatencySection(const review::ReviewData& d, std::ostream& out) {
  // ---- latency ----
  // Each card is drawn on its own x-axis and on one shared by all (up to
  // the highest p99.9); the checkbox shows one or the other, no script.
  double shared_ms = 0;
  for (const review::EntryView& e : d.entries)
    if (!e.cdf.empty()) shared_ms = std::max(shared_ms, e.latency.p999);
  out << "<h2>Latency per traffic entry</h2>\n<input type=\"checkbox\" "
         "id=\"shared-axis\"><label for=\"shared-axis\"> one latency axis "
         "for every entry</label>\n<div class=\"plots\">";
  for (size_t ei = 0; ei < d.entries.size(); ++ei) {
    const review::EntryView& e = d.entries[ei];
    out << "<div class=\"panel plot\" data-entry=\"" << ei << "\"><h3>"
        << Esc(e.entry->name) << "</h3><div class=\"req\">"
        << Thousands(e.requests) << " requests · " << Thousands(e.delivered)
        << " delivered";
    if (e.denied) out << " · " << Thousands(e.denied) << " denied";
    if (e.failed) out << " · " << Thousands(e.failed) << " failed";
    out << "</div>";
    CdfPlot(e, kPalette[0], out, 0, "own");
    if (!e.cdf.empty()) CdfPlot(e, kPalette[0], out, shared_ms, "shared");
    const review::LatencySummary& l = e.latency;
    out << "<table class=\"stats\"><tr><th>mean</th><th>p50</th><th>p90</th>"
           "<th>p99</th><th>p99.9</th><th>max</th></tr><tr>";
    for (double v : {l.mean, l.p50, l.p90, l.p99, l.p999, l.max})
      out << "<td class=\"num\">" << (l.count ? Fixed(v, 3) : "–") << "</td>";
    out << "</tr></table>";
    review_html::PathGroupLegend(e, out);
    out << "</div>";
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
}

void WriteSweepSection(const SweepResult& r, std::ostream& out) {
  out << "<h2>Capacity sweep</h2>\n<p class=\"note\">The scenario's "
         "<code>sweep:</code> grid, "
      << r.points.size() << " points of " << r.replications
      << " replications each; whiskers are 95% intervals (Student t). "
         "<code>meshsim sweep</code> prints the table.</p>";
  SweepCharts(r, out);
}

void WriteVerification(const ReviewInput& in, std::ostream& out) {
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
}

// One entry per root cause, above the findings: the cause, how many
// findings over how many destinations and clients, a link to one of them,
// the fix and the YAML to apply.
void WriteHtmlRootCauses(const VerifyResult& v, std::ostream& out) {
  if (v.groups.empty()) return;
  out << "<div class=\"panel causes\"><h3>" << Thousands(v.findings.size())
      << " finding" << (v.findings.size() == 1 ? "" : "s") << " from "
      << v.groups.size() << " root cause" << (v.groups.size() == 1 ? "" : "s")
      << "</h3><ul>";
  for (const FindingGroup& g : v.groups) {
    out << "<li><code>" << Esc(g.rule) << "</code> " << Esc(g.cause) << ": "
        << Esc(review::GroupReach(g)) << "; e.g. <a href=\"#F"
        << g.representative + 1 << "\">F" << g.representative + 1 << "</a>";
    if (!g.fix.empty())
      out << "<br><b>fix:</b> <span class=\"fix\">" << Esc(g.fix) << "</span>";
    if (!g.fix_yaml.empty())
      out << "<pre class=\"yaml\">" << Esc(g.fix_yaml) << "</pre>";
    out << "</li>";
  }
  out << "</ul></div>\n";
}

void WriteHtmlFindings(const ReviewInput& in, std::ostream& out) {
  out << "<h2>Findings</h2>\n";
  if (in.verify.findings.empty()) {
    out << "<p class=\"note\">" << Esc(review::NoFindingsText(in.verify))
        << "</p>\n";
  } else {
    WriteHtmlRootCauses(in.verify, out);
    out << "<table id=\"findings\"><tr><th>#</th><th>severity</th><th>rule"
           "</th><th>finding</th><th>objects</th></tr>";
    for (size_t fi = 0; fi < in.verify.findings.size(); ++fi) {
      const Finding& f = in.verify.findings[fi];
      out << "<tr class=\"finding\" id=\"F" << fi + 1 << "\"><td>F" << fi + 1
          << "</td><td><span "
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
          out << (i ? " → " : "") << "<code>" << Esc(HopLabel(f.path[i]))
              << "</code>";
        if (review_html::DrawsFindingPath(in, fi))
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
}

}  // namespace

void WriteReviewHtml(const ReviewInput& in, std::ostream& out) {
  const review::ReviewData d = review::BuildReviewData(in);
  WriteHead(in, d, out);
  WriteSummaryCards(d, out);
  WriteMeshSection(d, review_html::DrawMesh(in, d), out);
  WriteLatencySection(d, out);
  if (in.sweep && !in.sweep->points.empty()) WriteSweepSection(*in.sweep, out);
  WriteVerification(in, out);
  WriteHtmlFindings(in, out);
  out << "<footer>Generated by " << Esc(MeshsimVersionLine())
      << " (<code>meshsim report</code>). Hover or click a "
         "traffic entry to highlight its paths; the same figures are in "
         "results.json (docs/report.md).</footer>\n</main>\n<script>"
      << kScript << "</script>\n</body>\n</html>\n";
}

}  // namespace meshsim
