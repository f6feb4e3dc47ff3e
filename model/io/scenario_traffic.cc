// `traffic:` entries, in two steps: ParseTraffic reads the YAML into raw
// entries (values as written, with locations), ResolveTraffic binds their
// references against the loaded mesh. See scenario_sections.h.
#include <arpa/inet.h>

#include <algorithm>

#include "model/io/scenario_sections.h"
#include "model/peering.h"

namespace meshsim::io {

namespace {

// The most requests one traffic entry, and the whole scenario, may ask for
// (limits, docs/robustness.md).
constexpr long long kMaxRequests = 100'000'000;
// The most traffic entries a scenario may have: each is a forwarding graph,
// its paths and a run's per-entry statistics (about 170 KB in `run`), so
// the count bounds memory as the request cap bounds time.
constexpr size_t kMaxTrafficEntries = 5000;

// The requests an entry's load asks for: `requests`, or the peak rate over
// its duration (an upper bound with a profile).
// The shortest request a closed loop is assumed to take, to bound the
// requests of a `concurrency` entry run for a `duration`.
constexpr double kClosedLoopMinLatencyS = 10e-6;

double ExpectedRequests(const TrafficEntry& t) {
  if (t.concurrency > 0 && !t.requests)
    return t.concurrency * static_cast<double>(t.duration_ns) * 1e-9 /
           kClosedLoopMinLatencyS;
  double peak = t.rate;
  for (const auto& [at, v] : t.profile) peak = std::max(peak, v);
  return t.requests ? static_cast<double>(t.requests)
                    : peak * static_cast<double>(t.duration_ns) * 1e-9;
}

// ---- Parse step ------------------------------------------------------------

// The entry is a map with a name. Fills entry.location, entry.name.
bool ParseHead(Reader& r, const yaml::Node& n, size_t index,
               RawTrafficEntry& raw) {
  const std::string where = "traffic[" + std::to_string(index) + "]";
  if (!r.IsMap(n, where)) return false;
  CheckKeys(r, n,
            {"name", "from", "to", "http", "rate", "duration", "requests",
             "arrival", "profile", "description", "concurrency", "start"},
            where,
            {{"connections",
              "HBONE connections are pooled per pair of proxies "
              "(docs/latency-model.md); a closed loop's clients are "
              "`concurrency`"}});
  raw.entry.location = r.Loc(n);
  auto name = r.String(r.Child(n, "name"), where + ".name");
  if (!name || name->empty()) {
    r.Error(n, where + ".name is required");
    return false;
  }
  raw.entry.name = *name;
  raw.name_loc = r.Loc(r.Child(n, "name"));
  return PlainText(r, r.Child(n, "name"), where + ".name", *name);
}

// n.key, a map (required) with the given keys; false, with an error, when it
// is missing or not a map.
bool RequiredMap(Reader& r, const yaml::Node& n, const char* key,
                 const std::string& tw, const std::set<std::string>& keys,
                 yaml::Node& out) {
  const std::string what = tw + ": " + key;
  out = r.Child(n, key);
  if (!r.IsMap(out, what)) {
    if (!out.IsDefined()) r.Error(n, what + " is required");
    return false;
  }
  CheckKeys(r, out, keys, what);
  return true;
}

// from: cluster, namespace, workload or ingress, as written.
bool ParseSource(Reader& r, const yaml::Node& n, const std::string& tw,
                 RawTrafficEntry& raw) {
  yaml::Node from;
  if (!RequiredMap(r, n, "from", tw,
                   {"cluster", "namespace", "workload", "ingress"}, from))
    return false;
  TrafficSource& s = raw.entry.from;
  s.location = r.Loc(from);
  s.cluster =
      r.String(r.Child(from, "cluster"), tw + ": from.cluster").value_or("");
  s.ns = r.String(r.Child(from, "namespace"), tw + ": from.namespace")
             .value_or("default");
  s.workload =
      r.String(r.Child(from, "workload"), tw + ": from.workload").value_or("");
  s.ingress =
      r.String(r.Child(from, "ingress"), tw + ": from.ingress").value_or("");
  raw.from_cluster_loc = r.Loc(r.Child(from, "cluster"));
  raw.from_workload_loc = r.Loc(r.Child(from, "workload"));
  raw.from_ingress_loc = r.Loc(r.Child(from, "ingress"));
  return true;
}

// to: exactly one of host, pod or ip, and a port.
bool ParseDestination(Reader& r, const yaml::Node& n, const std::string& tw,
                      RawTrafficEntry& raw) {
  yaml::Node to;
  if (!RequiredMap(r, n, "to", tw, {"host", "pod", "ip", "port"}, to))
    return false;
  TrafficDestination& d = raw.entry.to;
  d.location = r.Loc(to);
  d.host = r.String(r.Child(to, "host"), tw + ": to.host").value_or("");
  d.pod = r.String(r.Child(to, "pod"), tw + ": to.pod").value_or("");
  d.ip = r.String(r.Child(to, "ip"), tw + ": to.ip").value_or("");
  int given = !d.host.empty() + !d.pod.empty() + !d.ip.empty();
  if (given != 1) {
    r.Error(to, tw + ": to must name exactly one of host, pod or ip, got " +
                    std::to_string(given));
    return false;
  }
  // An address a client can dial: IPv4 or IPv6, no prefix, no zone.
  if (!d.ip.empty()) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, d.ip.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, d.ip.c_str(), buf) != 1) {
      r.Error(r.Child(to, "ip"),
              tw +
                  ": to.ip must be an IPv4 or IPv6 address such as "
                  "10.0.0.7 (no prefix length, no zone), got '" +
                  d.ip + "'");
      return false;
    }
  }
  yaml::Node port = r.Child(to, "port");
  auto p = r.Int(port, tw + ": to.port", 1, 65535);
  if (!p) {
    if (!port.IsDefined()) r.Error(to, tw + ": to.port is required");
    return false;
  }
  d.port = static_cast<int>(*p);
  raw.to_host_loc = r.Loc(r.Child(to, "host"));
  raw.to_pod_loc = r.Loc(r.Child(to, "pod"));
  return true;
}

// http: the request; an ingress source speaks HTTP when none is given.
// Claims of a token: strings, lists of strings, or maps of them (nested
// claims, flattened as "a][b").
void ParseClaims(Reader& r, const yaml::Node& n, const std::string& what,
                 const std::string& prefix, JwtToken& jwt, int depth) {
  if (!r.IsMap(n, what)) return;
  for (const auto& kv : n) {
    const std::string name = kv.first.Scalar();
    const std::string key = prefix.empty() ? name : prefix + "][" + name;
    const std::string w = what + "." + name;
    if (kv.second.IsMap() && depth < 8) {
      ParseClaims(r, kv.second, w, key, jwt, depth + 1);
    } else if (kv.second.IsSequence()) {
      jwt.claims[key] =
          r.StringList(kv.second, w).value_or(std::vector<std::string>{});
    } else if (auto v = r.String(kv.second, w)) {
      jwt.claims[key] = {*v};
    }
  }
}

// http.jwt: {iss, sub, aud, azp, claims, expired} (docs/scenario-format.md).
std::optional<JwtToken> ParseJwt(Reader& r, const yaml::Node& n,
                                 const std::string& tw) {
  const std::string what = tw + ": http.jwt";
  if (!r.IsMap(n, what)) return std::nullopt;
  CheckKeys(r, n, {"iss", "sub", "aud", "azp", "claims", "expired"}, what);
  JwtToken jwt;
  jwt.iss = r.String(r.Child(n, "iss"), what + ".iss").value_or("");
  jwt.sub = r.String(r.Child(n, "sub"), what + ".sub").value_or("");
  jwt.azp = r.String(r.Child(n, "azp"), what + ".azp").value_or("");
  if (jwt.iss.empty()) r.Error(n, what + ".iss is required (the issuer)");
  yaml::Node aud = r.Child(n, "aud");
  if (aud.IsSequence()) {
    jwt.aud =
        r.StringList(aud, what + ".aud").value_or(std::vector<std::string>{});
  } else if (auto a = r.String(aud, what + ".aud")) {
    jwt.aud = {*a};
  }
  ParseClaims(r, r.Child(n, "claims"), what + ".claims", "", jwt, 0);
  jwt.expired =
      r.Bool(r.Child(n, "expired"), what + ".expired").value_or(false);
  return jwt;
}

// RFC 3986 section 5.2.4 on the path before any '?': "." and ".."
// segments removed, as Envoy's normalize_path does (listener_builder.go
// sets it for meshConfig.pathNormalization DEFAULT and BASE); "//" and
// case are kept.
std::string RemoveDotSegments(const std::string& full) {
  const size_t q = full.find('?');
  std::string in = full.substr(0, q);
  const std::string rest = q == std::string::npos ? "" : full.substr(q);
  std::string out;
  while (!in.empty()) {
    if (in.rfind("../", 0) == 0) {
      in.erase(0, 3);
    } else if (in.rfind("./", 0) == 0) {
      in.erase(0, 2);
    } else if (in.rfind("/./", 0) == 0) {
      in.erase(0, 2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.rfind("/../", 0) == 0 || in == "/..") {
      in = in == "/.." ? "/" : in.substr(3);
      const size_t cut = out.rfind('/');
      out.erase(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in.clear();
    } else {
      const size_t next = in.find('/', 1);
      out += in.substr(0, next);
      in.erase(0, next == std::string::npos ? in.size() : next);
    }
  }
  return (out.empty() ? "/" : out) + rest;
}

void ParseHttp(Reader& r, const yaml::Node& n, const std::string& tw,
               TrafficEntry& t) {
  yaml::Node http = r.Child(n, "http");
  if (r.IsMap(http, tw + ": http")) {
    CheckKeys(r, http, {"method", "path", "headers", "jwt"}, tw + ": http");
    HttpRequest req;
    req.method =
        r.String(r.Child(http, "method"), tw + ": http.method").value_or("GET");
    req.path =
        r.String(r.Child(http, "path"), tw + ": http.path").value_or("/");
    if (req.path.empty() || req.path[0] != '/') {
      r.Error(r.Child(http, "path"),
              tw + ": http.path must start with '/', got '" + req.path + "'");
    } else {
      // §8.2: every Envoy (sidecar, ingress, waypoint) normalizes the path
      // before routing and RBAC (normalize_path), and ztunnel reads none.
      req.path = RemoveDotSegments(req.path);
    }
    auto headers = r.StringMap(r.Child(http, "headers"), tw + ": http.headers",
                               false, nullptr);
    if (headers) {
      for (const auto& [k, v] : *headers) {
        // A client cannot send a name that is no RFC 7230 token (Envoy's
        // codec answers 400); pseudo-headers are Envoy's own.
        if (!HttpHeaderToken(k) && k.rfind(':', 0) != 0)
          r.Warning(r.Child(http, "headers"),
                    tw + ": http.headers: '" + k +
                        "' is not a valid HTTP header name, which no client "
                        "can send (Envoy answers 400); meshsim sends it as "
                        "written");
        std::string lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        req.headers[lower] = v;
      }
    }
    if (r.Child(http, "jwt").IsDefined())
      req.jwt = ParseJwt(r, r.Child(http, "jwt"), tw);
    t.http = req;
  } else if (!http.IsDefined() && !t.from.ingress.empty()) {
    t.http = HttpRequest{};  // an ingress Gateway speaks HTTP
    t.http_implied = true;
  }
}

// profile: (time, rate) points in increasing time order, step or ramp.
void ParseProfile(Reader& r, const yaml::Node& profile, const std::string& tw,
                  TrafficEntry& t) {
  auto shape = r.String(r.Child(profile, "shape"), tw + ": profile.shape")
                   .value_or("step");
  if (shape != "step" && shape != "ramp")
    r.Error(r.Child(profile, "shape"),
            tw + ": profile.shape must be step or ramp, got '" + shape + "'");
  t.ramp = shape == "ramp";
  yaml::Node points = r.Child(profile, "points");
  if (!r.IsList(points, tw + ": profile.points")) return;
  for (const yaml::Node& pt : points) {
    if (!r.IsMap(pt, tw + ": profile.points[]")) continue;
    yaml::Node at = r.Child(pt, "at");
    int64_t at_ns = 0;
    if (at.IsScalar() && !IsZeroDuration(at.Scalar())) {
      auto d = ParseDuration(r, at, tw + ": profile.points[].at");
      if (!d) continue;
      at_ns = *d;
    }
    auto rate_s = r.String(r.Child(pt, "rate"), tw + ": profile.points[].rate");
    const double v = rate_s ? io::DecimalNumber(*rate_s).value_or(-1) : -1;
    if (!(v >= 0 && v <= 1e7)) {
      r.Error(rate_s ? r.Child(pt, "rate") : pt,
              tw +
                  ": profile.points[].rate must be a number between 0 "
                  "and 10000000" +
                  (rate_s ? ", got '" + *rate_s + "'" : std::string()));
      continue;
    }
    if (!t.profile.empty() && at_ns <= t.profile.back().first) {
      r.Error(at, tw + ": profile points must be in increasing time order");
      continue;
    }
    t.profile.push_back({at_ns, v});
  }
}

// http and the load the entry offers: rate, duration, requests, arrival,
// profile, within kMaxRequests.
void ParseLoad(Reader& r, const yaml::Node& n, const std::string& tw,
               TrafficEntry& t) {
  ParseHttp(r, n, tw, t);
  yaml::Node rate = r.Child(n, "rate");
  if (rate.IsDefined()) {
    auto s = r.String(rate, tw + ": rate");
    const double v = s ? io::DecimalNumber(*s).value_or(-1) : 0;
    if (!s || !(v > 0) || v > 1e7) {
      if (s)
        r.Error(rate, tw +
                          ": rate must be a number of requests per second "
                          "above 0 and at most 10000000, got '" +
                          *s + "'");
    } else {
      t.rate = v;
    }
  }
  if (auto d = ParseDuration(r, r.Child(n, "duration"), tw + ": duration"))
    t.duration_ns = *d;
  // start: the entry's requests begin then (entries otherwise all start at
  // 0), e.g. to run load phases one after another.
  if (yaml::Node st = r.Child(n, "start");
      st.IsScalar() && !IsZeroDuration(st.Scalar())) {
    if (auto d = ParseDuration(r, st, tw + ": start")) t.start_ns = *d;
  }
  if (auto q =
          r.Int(r.Child(n, "requests"), tw + ": requests", 1, kMaxRequests))
    t.requests = static_cast<uint64_t>(*q);
  if (auto a = r.String(r.Child(n, "arrival"), tw + ": arrival")) {
    if (std::optional<Arrival> arrival = ParseArrival(*a))
      t.arrival = *arrival;
    else
      r.Error(r.Child(n, "arrival"),
              tw + ": arrival must be poisson or constant, got '" + *a + "'");
  }
  yaml::Node profile = r.Child(n, "profile");
  if (r.IsMap(profile, tw + ": profile")) ParseProfile(r, profile, tw, t);
  // Closed loop (§16.1, the fortio and wrk load of Istio's tasks): N
  // clients, each sending when its previous request ends; no rate.
  yaml::Node conc = r.Child(n, "concurrency");
  if (auto c = r.Int(conc, tw + ": concurrency", 1, 10000)) {
    t.concurrency = static_cast<int>(*c);
    for (const char* open : {"rate", "arrival", "profile"})
      if (r.Child(n, open).IsDefined())
        r.Error(r.Child(n, open),
                tw + ": " + open +
                    " describes open-loop load and cannot be given with "
                    "concurrency (a closed loop sends when a request ends)");
  }
  // The simulator's clock is signed 64-bit nanoseconds (292 years): an
  // entry whose requests would be sent past it lost them silently.
  {
    // With a profile, its latest point and its slowest positive rate.
    double slowest = t.rate, latest = 0;
    for (const auto& [at, rate] : t.profile) {
      if (rate > 0) slowest = std::min(slowest, rate);
      latest = std::max(latest, static_cast<double>(at));
    }
    const double span_ns = t.requests && slowest > 0
                               ? static_cast<double>(t.requests) / slowest * 1e9
                               : static_cast<double>(t.duration_ns);
    if (static_cast<double>(t.start_ns) + latest + span_ns > 9e18)
      r.Error(n, tw + ": its requests would be sent past the simulator's "
                      "clock (start plus the time they take passes 9e18 ns, "
                      "about 285 years); lower start or duration, or raise "
                      "rate");
  }
  // A bounded run: the expected request count must stay within reach.
  const double expected = ExpectedRequests(t);
  if (expected > static_cast<double>(kMaxRequests)) {
    r.Error(n, tw + ": asks for about " +
                   std::to_string(static_cast<long long>(expected)) +
                   " requests; meshsim runs at most " +
                   std::to_string(kMaxRequests) +
                   " per traffic entry (lower rate or duration" +
                   (t.concurrency ? ", or give requests" : "") + ")");
  }
}

// Parses one part of an entry with a Reader of its own, so that the part's
// diagnostics are held in it.
template <typename Parse>
bool ParsePart(const std::string& file, RawTrafficEntry::Part& part,
               Parse parse) {
  Reader r(file, part.diags);
  part.complete = parse(r);
  return part.complete;
}

RawTrafficEntry ParseTrafficEntry(const std::string& file, const yaml::Node& n,
                                  size_t index) {
  RawTrafficEntry raw;
  if (!ParsePart(file, raw.head,
                 [&](Reader& r) { return ParseHead(r, n, index, raw); }))
    return raw;
  const std::string tw = "traffic '" + raw.entry.name + "'";
  if (!ParsePart(file, raw.source,
                 [&](Reader& r) { return ParseSource(r, n, tw, raw); }))
    return raw;
  if (!ParsePart(file, raw.destination,
                 [&](Reader& r) { return ParseDestination(r, n, tw, raw); }))
    return raw;
  ParsePart(file, raw.load, [&](Reader& r) {
    ParseLoad(r, n, tw, raw.entry);
    return true;
  });
  return raw;
}

// ---- Resolve step ----------------------------------------------------------

// Reports what the parse step held for `part`; whether the entry goes on.
bool ReportPart(const RawTrafficEntry::Part& part, Diagnostics& diags) {
  for (const Diagnostic& d : part.diags.all()) {
    switch (d.severity) {
      case Severity::kError:
        diags.Error(d.location, d.message);
        break;
      case Severity::kWarning:
        diags.Warning(d.location, d.message);
        break;
      case Severity::kNote:
        diags.Note(d.location, d.message);
        break;
    }
  }
  return part.complete;
}

std::vector<std::string> ClusterNames(const Mesh& mesh) {
  std::vector<std::string> out;
  for (const Cluster& c : mesh.clusters) out.push_back(c.name);
  return out;
}

// from.cluster (the only cluster when not given); nullptr (with an error)
// when there is no such cluster.
const Cluster* ResolveCluster(const RawTrafficEntry& raw, const Mesh& mesh,
                              const std::string& tw, TrafficSource& s,
                              Diagnostics& diags) {
  if (s.cluster.empty()) {
    if (mesh.clusters.size() == 1) {
      s.cluster = mesh.clusters[0].name;
    } else {
      diags.Error(s.location, tw + ": from.cluster is required when the "
                                   "scenario has several clusters");
      return nullptr;
    }
  }
  const Cluster* c = mesh.FindCluster(s.cluster);
  if (!c) {
    diags.Error(raw.from_cluster_loc,
                tw + ": from.cluster '" + s.cluster +
                    "' is not a cluster of this scenario" +
                    DidYouMean(s.cluster, ClusterNames(mesh)));
  }
  return c;
}

// from.ingress: an ingress Gateway of cluster `c` (ns/name).
bool ResolveIngress(const RawTrafficEntry& raw, const Cluster& c,
                    const std::string& tw, TrafficSource& s,
                    Diagnostics& diags) {
  std::string key = s.ingress;
  if (key.find('/') == std::string::npos) key = s.ns + "/" + key;
  s.ingress = key;
  const Gateway* gw = c.FindGateway(key);
  if (gw && gw->role == GatewayRole::kIngress) return true;
  // §16.3: an Istio Gateway (networking.istio.io): its Router pods.
  auto ig = c.istio_gateway_pods.find(key);
  if (!gw && ig != c.istio_gateway_pods.end()) {
    if (!ig->second.empty()) return true;
    diags.Error(raw.from_ingress_loc,
                tw + ": from.ingress '" + key +
                    "' is an Istio Gateway whose selector selects no pod in "
                    "cluster " +
                    c.name +
                    "; add the gateway Deployment (e.g. istio-ingressgateway) "
                    "to the manifests");
    return false;
  }
  std::vector<std::string> names;
  for (const auto& [k, g] : c.gateways)
    if (g.role == GatewayRole::kIngress) names.push_back(k);
  for (const auto& [k, g] : c.istio_gateways) names.push_back(k);
  diags.Error(
      raw.from_ingress_loc,
      tw + ": from.ingress '" + key + "' is not " +
          (gw ? "an ingress Gateway (its class " + gw->class_name +
                    " makes it a " +
                    (gw->role == GatewayRole::kWaypoint ? "waypoint"
                                                        : "east-west gateway") +
                    ")"
              : "a Gateway in cluster " + c.name) +
          DidYouMean(key, names));
  return false;
}

// from: its cluster, then exactly one of a workload in from.namespace or an
// ingress Gateway. The cluster, or nullptr (with an error).
const Cluster* ResolveSource(const RawTrafficEntry& raw, const Mesh& mesh,
                             const std::string& tw, TrafficSource& s,
                             Diagnostics& diags) {
  const Cluster* c = ResolveCluster(raw, mesh, tw, s, diags);
  if (!c) return nullptr;
  if (s.workload.empty() == s.ingress.empty()) {
    diags.Error(s.location,
                tw + ": from must name exactly one of workload or ingress");
    return nullptr;
  }
  if (!s.ingress.empty())
    return ResolveIngress(raw, *c, tw, s, diags) ? c : nullptr;
  if (!c->WorkloadsOf(s.ns, s.workload).empty()) return c;
  // `workload: ns/name` is the shape of to.pod, not of from.
  const size_t slash = s.workload.find('/');
  std::string hint;
  if (slash != std::string::npos &&
      !c->WorkloadsOf(s.workload.substr(0, slash), s.workload.substr(slash + 1))
           .empty())
    hint = " (did you mean 'namespace: " + s.workload.substr(0, slash) +
           ", workload: " + s.workload.substr(slash + 1) +
           "'? from names its namespace on its own)";
  std::set<std::string> namespaces;
  for (const Workload& w : c->workloads) namespaces.insert(w.ns);
  if (hint.empty() && !namespaces.count(s.ns)) {
    // The namespace, not the workload, is what is wrong.
    diags.Error(
        raw.from_workload_loc,
        tw + ": from.namespace '" + s.ns + "' has no workloads in cluster " +
            c->name +
            DidYouMean(s.ns, std::vector<std::string>(namespaces.begin(),
                                                      namespaces.end())));
    return nullptr;
  }
  std::vector<std::string> names;
  for (const Workload& w : c->workloads)
    if (w.ns == s.ns) names.push_back(w.owner);
  if (hint.empty()) hint = DidYouMean(s.workload, names);
  diags.Error(raw.from_workload_loc, tw + ": from.workload '" + s.workload +
                                         "' is not a workload in namespace " +
                                         s.ns + " of cluster " + c->name +
                                         hint);
  return nullptr;
}

// to.pod: a workload of the source's cluster (ns/name, from.namespace when
// not given).
bool ResolvePod(const RawTrafficEntry& raw, const Cluster& c,
                const std::string& tw, TrafficEntry& t, Diagnostics& diags) {
  size_t slash = t.to.pod.find('/');
  std::string ns =
      slash == std::string::npos ? t.from.ns : t.to.pod.substr(0, slash);
  std::string wl =
      slash == std::string::npos ? t.to.pod : t.to.pod.substr(slash + 1);
  t.to.pod = ns + "/" + wl;
  if (!c.WorkloadsOf(ns, wl).empty()) return true;
  std::vector<std::string> names;
  for (const Workload& w : c.workloads) names.push_back(w.ns + "/" + w.owner);
  diags.Error(raw.to_pod_loc, tw + ": to.pod '" + t.to.pod +
                                  "' is not a workload in cluster " + c.name +
                                  DidYouMean(t.to.pod, names));
  return false;
}

// to.host: a Service or ServiceEntry of any cluster (an ingress source
// routes by host, so its host is not looked up).
bool ResolveHost(const RawTrafficEntry& raw, const Mesh& mesh, const Cluster& c,
                 const std::string& tw, const TrafficEntry& t,
                 Diagnostics& diags) {
  bool found = !c.ServicesForHost(t.to.host, t.from.ns).empty();
  for (const Cluster& other : mesh.clusters)
    found = found || !other.ServicesForHost(t.to.host, t.from.ns).empty();
  // §16.9: kube-dns still resolves a Service istiod does not discover.
  found = found || c.UndiscoveredServiceForHost(t.to.host, t.from.ns);
  // §3.3: a pod's own name under a headless Service (kube-dns, own cluster).
  // One that is not ready has no record: a request that fails, not bad input.
  found = found || c.PodForDnsName(t.to.host, t.from.ns, false);
  // §2.4: a NAMESPACE ServiceEntry the client does not see is a request
  // whose name does not resolve, not bad input.
  for (const Cluster& other : mesh.clusters)
    for (const Service& s : other.services)
      if (s.namespace_only && !found)
        for (const std::string& h : s.hosts) found = found || h == t.to.host;
  // §15.2: a peering name no peer exports is a request that fails, not bad
  // input.
  if (found || (PeeringEnabled(mesh.istio) && IsPeeringHost(mesh, t.to.host)))
    return true;
  std::vector<std::string> names;
  for (const auto& [h, idx] : c.service_by_host) names.push_back(h);
  std::string full = t.to.host;
  if (std::count(full.begin(), full.end(), '.') == 0)
    full += "." + t.from.ns + ".svc.cluster.local";
  else if (std::count(full.begin(), full.end(), '.') == 1)
    full += ".svc.cluster.local";
  diags.Error(raw.to_host_loc,
              tw + ": to.host '" + t.to.host +
                  "' matches no Service or ServiceEntry" +
                  " (to dial an address outside the mesh, use to.ip)" +
                  DidYouMean(full, names));
  return false;
}

// The entry with its references bound, or nullopt (with the diagnostics that
// say why).
std::optional<TrafficEntry> ResolveTrafficEntry(const RawTrafficEntry& raw,
                                                const Scenario& sc,
                                                Diagnostics& diags) {
  if (!ReportPart(raw.head, diags)) return std::nullopt;
  TrafficEntry t = raw.entry;
  for (const TrafficEntry& other : sc.traffic) {
    if (other.name == t.name) {
      diags.Error(raw.name_loc, "traffic '" + t.name +
                                    "' is defined twice; names must be unique");
      return std::nullopt;
    }
  }
  const std::string tw = "traffic '" + t.name + "'";
  if (!ReportPart(raw.source, diags)) return std::nullopt;
  const Cluster* c = ResolveSource(raw, sc.mesh, tw, t.from, diags);
  if (!c) return std::nullopt;
  if (!ReportPart(raw.destination, diags)) return std::nullopt;
  if (!t.to.pod.empty() && !ResolvePod(raw, *c, tw, t, diags))
    return std::nullopt;
  if (!t.to.host.empty() && t.from.ingress.empty() &&
      !ResolveHost(raw, sc.mesh, *c, tw, t, diags))
    return std::nullopt;
  ReportPart(raw.load, diags);
  return t;
}

}  // namespace

std::vector<RawTrafficEntry> ParseTraffic(Reader& r, const yaml::Node& n) {
  std::vector<RawTrafficEntry> out;
  if (!r.IsList(n, "traffic")) return out;
  if (n.size() > kMaxTrafficEntries) {
    r.Error(n, "traffic: " + std::to_string(n.size()) +
                   " entries; a scenario has at most " +
                   std::to_string(kMaxTrafficEntries) +
                   " (docs/robustness.md): split it into several scenarios");
    return out;
  }
  double total = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    out.push_back(ParseTrafficEntry(r.file(), n[i], i));
    total += ExpectedRequests(out.back().entry);
  }
  // Per entry is not enough: many entries within the cap each would still
  // make an unbounded run.
  if (total > static_cast<double>(kMaxRequests)) {
    r.Error(n, "traffic: the entries ask for about " +
                   std::to_string(static_cast<long long>(total)) +
                   " requests together; meshsim runs at most " +
                   std::to_string(kMaxRequests) +
                   " per scenario (lower rates or durations)");
  }
  return out;
}

std::set<std::string> ResolveTraffic(const std::vector<RawTrafficEntry>& raw,
                                     Scenario& sc, Diagnostics& diags) {
  std::set<std::string> unresolved;
  for (const RawTrafficEntry& entry : raw) {
    if (auto t = ResolveTrafficEntry(entry, sc, diags))
      sc.traffic.push_back(std::move(*t));
    else
      unresolved.insert(entry.entry.name);
  }
  return unresolved;
}

}  // namespace meshsim::io
