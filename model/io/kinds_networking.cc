// Istio's networking API (networking.istio.io v1, v1beta1, v1alpha3):
// VirtualService, DestinationRule and the Istio Gateway (§16.1–§16.3). See
// kinds.h. Strict reading (schema.cc) has already checked fields and types
// against the published CRD schemas; these handlers turn what the model uses
// into model types and report what the schemas cannot say.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "model/io/kinds.h"
#include "model/io/scenario_sections.h"
#include "model/text.h"

namespace meshsim::io {

namespace {

std::optional<double> Number(Reader& r, const yaml::Node& n,
                             const std::string& what, double min, double max) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    r.Error(n, what + " must be a number, got " + Reader::Describe(n));
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  const std::optional<double> parsed = DecimalNumber(s);
  const double v = parsed.value_or(0);
  if (!parsed || v < min || v > max) {
    r.Error(n, what + " must be a number from " + std::to_string(min) + " to " +
                   std::to_string(max) + ", got '" + s + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> Duration(Reader& r, const yaml::Node& n,
                                const std::string& what) {
  auto text = r.String(n, what);
  if (!text) return std::nullopt;
  auto ns = ParseIstioDuration(*text);
  if (!ns)
    r.Error(n, what + " must be a duration such as 10s, 0.5s or 1m30s, got '" +
                   *text + "'");
  return ns;
}

// agent.ValidateDuration (§16.1, §16.2): istiod refuses a duration under
// 1ms or not in whole milliseconds (a VirtualService's timeout, a
// DestinationRule's outlierDetection interval and baseEjectionTime).
void WholeMilliseconds(Reader& r, const yaml::Node& n, const std::string& what,
                       int64_t ns, const char* advice) {
  if (ValidIstioDuration(ns)) return;
  r.Error(n, what + " must be whole milliseconds, at least 1ms, got '" +
                 n.Scalar() + "' (istiod's validation refuses it" + advice +
                 ")");
}

// Nanoseconds as a Gateway API duration (what the simulator reads a
// route's timeout as): hours, minutes, seconds and milliseconds.
std::string GatewayDuration(int64_t ns) {
  int64_t ms = ns / 1'000'000;
  if (ms <= 0) ms = 1;
  std::string out;
  const int64_t h = ms / 3'600'000;
  ms %= 3'600'000;
  const int64_t m = ms / 60'000;
  ms %= 60'000;
  const int64_t s = ms / 1000;
  ms %= 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (ms) out += std::to_string(ms) + "ms";
  return out;
}

// A StringMatch {exact|prefix|regex} as an HttpMatch header. istiod
// refuses an empty regex, and an empty prefix except in a uri
// (validation.go validateStringMatch).
std::optional<HttpMatch::Header> ReadStringMatch(Reader& r, const yaml::Node& n,
                                                 const std::string& what,
                                                 bool empty_prefix = false) {
  if (!r.IsMap(n, what)) return std::nullopt;
  HttpMatch::Header h;
  for (const auto& [key, type] :
       {std::pair<const char*, const char*>{"exact", "Exact"},
        {"prefix", "Prefix"},
        {"regex", "RegularExpression"}}) {
    if (auto v = r.String(r.Child(n, key), what + "." + key)) {
      h.type = type;
      h.value = *v;
      if (v->empty() && (h.type == "RegularExpression" ||
                         (h.type == "Prefix" && !empty_prefix))) {
        r.Error(r.Child(n, key), what + "." + key + ": an empty " + key +
                                     " string match is refused by istiod");
        return std::nullopt;
      }
      if (h.type == "RegularExpression")
        CheckRe2(r, r.Child(n, key), what + "." + key, h.value);
      return h;
    }
  }
  // An empty StringMatch (e.g. `headers: {x-user: {}}`) asks only that the
  // header be present: a regex that matches anything.
  h.type = "RegularExpression";
  h.value = ".*";
  return h;
}

// §16.2 (validation.go ValidateHTTPHeaderNameOrJwtClaimRoute): a header
// match's name is a JWT claim route, a pseudo-header, or an RFC 7230 token.
bool ValidVsHeaderName(const std::string& name) {
  static const std::set<std::string> kPseudo = {
      ":method", ":scheme", ":authority", ":path", ":status"};
  if (JwtClaimRoute(name) || kPseudo.count(name)) return true;
  // validHeaderNameRegex's class holds the range "+-.", so ',' passes too.
  std::string without_commas = name;
  without_commas.erase(
      std::remove(without_commas.begin(), without_commas.end(), ','),
      without_commas.end());
  return !name.empty() &&
         (without_commas.empty() || HttpHeaderToken(without_commas));
}

// §16.2 (route.go TranslateRouteMatch): withoutHeaders, each an inverted
// header match. An empty one or regex "*" (canBeConvertedToPresentMatch)
// asks that the header be absent (a null one the API server has pruned,
// §16.10);
// any other matches an absent header as "" (treat_missing_header_as_empty). A
// claim route there is left unread (and so warned as not modelled).
void ReadWithoutHeaders(Reader& r, const yaml::Node& without,
                        const std::string& mw, HttpMatch& hm) {
  if (!without.IsDefined() || !r.IsMap(without, mw + ".withoutHeaders")) return;
  for (const auto& kv : without) {
    const std::string name = kv.first.Scalar();
    if (JwtClaimRoute(name)) continue;
    const std::string w = mw + ".withoutHeaders." + name;
    if (!ValidVsHeaderName(name)) {
      r.Error(kv.first, mw + ".withoutHeaders: '" + name +
                            "' is not a valid header name (istiod refuses "
                            "it)");
      continue;
    }
    kv.second.MarkRead();
    HttpMatch::Header h;
    const yaml::Node re = r.Child(kv.second, "regex");
    if ((kv.second.IsMap() && kv.second.size() == 0) ||
        (re.IsScalar() && re.Scalar() == "*")) {
      if (re.IsDefined()) re.MarkRead();
      h.type = "Present";
    } else if (auto sm = ReadStringMatch(r, kv.second, w)) {
      h = *sm;
    } else {
      continue;
    }
    h.name = name;
    std::transform(h.name.begin(), h.name.end(), h.name.begin(), ::tolower);
    hm.without_headers.push_back(h);
  }
}

// §16.2: a match's gateways (a name without namespace is in the
// VirtualService's), sourceNamespace and sourceLabels, in http, tcp and tls
// matches alike.
void ReadMatchSource(Reader& r, const yaml::Node& m, const std::string& mw,
                     const std::string& ns, HttpMatch& hm) {
  for (const std::string& g :
       r.StringList(r.Child(m, "gateways"), mw + ".gateways")
           .value_or(std::vector<std::string>{}))
    hm.gateways.push_back(ResolveGatewayName(g, ns));
  hm.source_namespace =
      r.String(r.Child(m, "sourceNamespace"), mw + ".sourceNamespace")
          .value_or("");
  if (r.Child(m, "sourceLabels").IsDefined())
    hm.source_labels = r.StringMap(r.Child(m, "sourceLabels"),
                                   mw + ".sourceLabels", true, nullptr,
                                   /*label_keys=*/true)
                           .value_or(Labels{});
}

// `gateway_vs`: the VirtualService binds gateways and not "mesh"
// (validation.go isGateway), where alone a claim route is admitted.
HttpMatch ReadVsMatch(Reader& r, const yaml::Node& m, const std::string& mw,
                      const std::string& ns, bool gateway_vs) {
  HttpMatch hm;
  ReadMatchSource(r, m, mw, ns, hm);
  if (auto uri = ReadStringMatch(r, r.Child(m, "uri"), mw + ".uri", true);
      uri && r.Child(m, "uri").IsDefined()) {
    hm.path_type = uri->type == "Prefix" ? "Prefix" : uri->type;
    hm.path_value = uri->value;
  }
  hm.ignore_uri_case =
      r.Bool(r.Child(m, "ignoreUriCase"), mw + ".ignoreUriCase")
          .value_or(false);
  if (r.Child(m, "method").IsDefined()) {
    if (auto meth = ReadStringMatch(r, r.Child(m, "method"), mw + ".method")) {
      if (meth->type == "Exact") {
        hm.method = meth->value;
      } else {
        // Kept as a :method header match, which routes match like any other.
        hm.headers.push_back({":method", meth->type, meth->value});
      }
    }
  }
  if (r.Child(m, "authority").IsDefined()) {
    if (auto a =
            ReadStringMatch(r, r.Child(m, "authority"), mw + ".authority")) {
      a->name = ":authority";
      hm.headers.push_back(*a);
    }
  }
  // A claim route under withoutHeaders, too, only at a gateway.
  yaml::Node without = r.Child(m, "withoutHeaders");
  if (!gateway_vs && without.IsMap())
    for (const auto& kv : without)
      if (JwtClaimRoute(kv.first.Scalar()))
        r.Error(kv.first, mw +
                              ".withoutHeaders: JWT claim based routing "
                              "(key: " +
                              kv.first.Scalar() +
                              ") is only supported for gateway (istiod "
                              "refuses it)");
  ReadWithoutHeaders(r, without, mw, hm);
  for (const char* key : {"headers", "queryParams"}) {
    yaml::Node map = r.Child(m, key);
    if (!map.IsDefined() || !r.IsMap(map, mw + "." + key)) continue;
    for (const auto& kv : map) {
      kv.second.MarkRead();
      const std::string name = kv.first.Scalar();
      auto h = ReadStringMatch(r, kv.second, mw + "." + key + "." + name);
      if (!h) continue;
      h->name = name;
      if (std::string(key) == "headers") {
        if (!ValidVsHeaderName(name)) {
          r.Error(kv.first, mw + ".headers: '" + name +
                                "' is not a valid header name (istiod "
                                "refuses it)");
          continue;
        }
        if (JwtClaimRoute(name)) {
          // §16.2: a claim of the validated token; its name keeps its case.
          if (!gateway_vs)
            r.Error(kv.first,
                    mw + ".headers: JWT claim based routing (key: " + name +
                        ") is only supported for gateway, and this "
                        "VirtualService applies to mesh (spec.gateways "
                        "empty or naming mesh; istiod refuses it)");
          hm.headers.push_back(*h);
          continue;
        }
        std::transform(h->name.begin(), h->name.end(), h->name.begin(),
                       ::tolower);
        hm.headers.push_back(*h);
      } else {
        hm.query_params.push_back(*h);
      }
    }
  }
  hm.port = static_cast<int>(
      r.Int(r.Child(m, "port"), mw + ".port", 0, 65535).value_or(0));
  // A match's name only labels it in Envoy's stats and access logs: read,
  // so it is not reported as a field meshsim leaves out.
  r.String(r.Child(m, "name"), mw + ".name");
  return hm;
}

BackendRef ReadDestination(Reader& r, const yaml::Node& d,
                           const std::string& dw, const std::string& ns) {
  BackendRef b;
  b.kind = "Hostname";
  b.ns = ns;
  b.location = r.Loc(d);
  b.name = r.String(r.Child(d, "host"), dw + ".host").value_or("");
  if (b.name.empty()) r.Error(d, dw + ".host is required");
  b.subset = r.String(r.Child(d, "subset"), dw + ".subset").value_or("");
  b.port = static_cast<int>(r.Int(r.Child(r.Child(d, "port"), "number"),
                                  dw + ".port.number", 1, 65535)
                                .value_or(0));
  return b;
}

// headers.request.{set,add,remove} as a RequestHeaderModifier.
void ReadHeaderOperations(Reader& r, const yaml::Node& parent,
                          const std::string& what, HttpRouteRule& rule) {
  yaml::Node req = r.Child(r.Child(parent, "headers"), "request");
  if (!req.IsDefined()) return;
  HttpFilter f;
  f.type = "RequestHeaderModifier";
  for (const char* key : {"set", "add"}) {
    auto m = r.StringMap(r.Child(req, key), what + ".headers.request." + key,
                         false, nullptr);
    if (!m) continue;
    for (const auto& [name, v] : *m) {
      std::string k = name;
      std::transform(k.begin(), k.end(), k.begin(), ::tolower);
      (std::string(key) == "set" ? f.set_headers : f.add_headers)[k] = v;
    }
  }
  for (std::string k :
       r.StringList(r.Child(req, "remove"), what + ".headers.request.remove")
           .value_or(std::vector<std::string>{})) {
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    f.remove_headers.push_back(k);
  }
  rule.filters.push_back(f);
}

double Percentage(Reader& r, const yaml::Node& n, const std::string& what) {
  if (auto p = Number(r, r.Child(r.Child(n, "percentage"), "value"),
                      what + ".percentage.value", 0, 100))
    return *p;
  if (auto p = Number(r, r.Child(n, "percent"), what + ".percent", 0, 100))
    return *p;
  // §16.2: none given, none injected (the API: "If left unspecified, no
  // request will be aborted/delayed"; route.go TranslateFault leaves the
  // fraction unset, which Envoy reads as 0%).
  return 0;
}

void ReadFault(Reader& r, const yaml::Node& f, const std::string& fw,
               HttpRouteRule& rule) {
  if (!f.IsDefined() || f.IsNull()) return;  // null: absent (API server)
  if (!r.Child(f, "abort").IsDefined() && !r.Child(f, "delay").IsDefined()) {
    r.Error(f, fw + ": a fault needs an abort and/or a delay (istiod refuses "
                    "an empty one)");
    return;
  }
  FaultInjection fi;
  // §16.2 (validation.go validateHTTPFaultInjection*, route.go
  // TranslateFault): istiod refuses an http2Error abort and an
  // exponentialDelay; an abort or delay of no type is admitted and dropped.
  yaml::Node abort = r.Child(f, "abort");
  if (abort.IsDefined()) {
    const yaml::Node http = r.Child(abort, "httpStatus");
    if (http.IsDefined()) {
      fi.abort_status = static_cast<int>(
          r.Int(http, fw + ".abort.httpStatus", 200, 599).value_or(0));
      fi.abort_percent = Percentage(r, abort, fw + ".abort");
    } else if (r.Child(abort, "http2Error").IsDefined()) {
      r.Error(r.Child(abort, "http2Error"),
              fw + ".abort.http2Error: istiod refuses it (HTTP/2 abort fault "
                   "injection not supported yet)");
    } else if (r.Child(abort, "grpcStatus").IsDefined()) {
      r.Error(r.Child(abort, "grpcStatus"),
              fw + ".abort.grpcStatus: gRPC aborts are not modelled; give "
                   "httpStatus");
    } else {
      Percentage(r, abort, fw + ".abort");  // read, and dropped with it
      r.Warning(abort, fw + ".abort has no httpStatus or grpcStatus: istiod "
                            "drops the abort, so no request is aborted "
                            "(§16.2)");
    }
  }
  yaml::Node delay = r.Child(f, "delay");
  if (delay.IsDefined()) {
    const yaml::Node fixed = r.Child(delay, "fixedDelay");
    if (r.Child(delay, "exponentialDelay").IsDefined()) {
      r.Error(r.Child(delay, "exponentialDelay"),
              fw + ".delay.exponentialDelay: istiod refuses it "
                   "(exponentialDelay not supported yet); use fixedDelay");
    } else if (!fixed.IsDefined()) {
      Percentage(r, delay, fw + ".delay");  // read, and dropped with it
      r.Warning(delay, fw + ".delay has no fixedDelay: istiod drops the "
                            "delay, so no request is delayed (§16.2)");
    } else if (auto d = Duration(r, fixed, fw + ".delay.fixedDelay")) {
      WholeMilliseconds(r, fixed, fw + ".delay.fixedDelay", *d, "");
      fi.delay_ns = std::max<int64_t>(*d, 0);
      fi.delay_percent = Percentage(r, delay, fw + ".delay");
    }
  }
  rule.fault = fi;
}

// route[] of an http, tcp or tls section: destinations with weights (and,
// for http, their header operations). One destination takes every request;
// several whose weights total 0 (none given included) are refused, as
// istiod's validation refuses them (validateHTTPRouteDestinations,
// validateRouteDestinations: "total destination weight = 0"); with some
// weights given, an unweighted one gets none.
void ReadRouteDestinations(Reader& r, const yaml::Node& section,
                           const std::string& what, const std::string& ns,
                           HttpRouteRule& rule, bool http) {
  int total = 0;
  std::vector<bool> weighted;
  ForEachMap(r, section, "route", what,
             [&](const yaml::Node& rd, const std::string& rdw) {
               BackendRef b = ReadDestination(r, r.Child(rd, "destination"),
                                              rdw + ".destination", ns);
               auto w = r.Int(r.Child(rd, "weight"), rdw + ".weight", 0, 100);
               b.weight = w ? static_cast<int>(*w) : 0;
               total += b.weight;
               weighted.push_back(w.has_value());
               rule.backends.push_back(b);
               if (http) ReadHeaderOperations(r, rd, rdw, rule);
             });
  if (rule.backends.size() > 1 && total == 0)
    r.Error(r.Child(section, "route"),
            what + ".route: " + std::to_string(rule.backends.size()) +
                " destinations whose weights total 0; istiod's validation "
                "refuses it (\"total destination weight = 0\"): give each "
                "destination a weight, the weights summing to 100 (§16.2)");
  const bool any_weight =
      std::find(weighted.begin(), weighted.end(), true) != weighted.end();
  for (size_t i = 0; i < rule.backends.size(); ++i)
    if (!weighted[i] && !any_weight) rule.backends[i].weight = 1;
  // §16.2: one destination takes every request whatever its weight, 0
  // included (route.go builds a single cluster; validation refuses a total
  // of 0 only across several).
  if (rule.backends.size() == 1) rule.backends[0].weight = 1;
}

HttpRouteRule ReadVsHttpRoute(Reader& r, const yaml::Node& h,
                              const std::string& hw, const std::string& ns,
                              bool gateway_vs) {
  HttpRouteRule rule;
  rule.location = r.Loc(h);
  rule.name = r.String(r.Child(h, "name"), hw + ".name").value_or("");
  // §16.2: merged with the delegate's routes by Mesh::Finalize.
  if (yaml::Node d = r.Child(h, "delegate");
      d.IsDefined() && r.IsMap(d, hw + ".delegate")) {
    DelegateRef ref;
    ref.name = r.String(r.Child(d, "name"), hw + ".delegate.name").value_or("");
    ref.ns = r.String(r.Child(d, "namespace"), hw + ".delegate.namespace")
                 .value_or("");
    if (ref.ns.empty()) ref.ns = ns;
    ref.location = r.Loc(d);
    rule.delegate = ref;
  }
  ForEachMap(r, h, "match", hw,
             [&](const yaml::Node& m, const std::string& mw) {
               rule.matches.push_back(ReadVsMatch(r, m, mw, ns, gateway_vs));
             });
  CheckVsHttpRuleShape(r, h, hw);
  ReadRouteDestinations(r, h, hw, ns, rule, /*http=*/true);
  ReadHeaderOperations(r, h, hw, rule);
  rule.headers_given = h["headers"].IsDefined() && !h["headers"].IsNull();
  yaml::Node redirect = r.Child(h, "redirect");
  if (redirect.IsDefined()) {
    HttpFilter f;
    f.type = "RequestRedirect";
    f.redirect_hostname =
        r.String(r.Child(redirect, "authority"), hw + ".redirect.authority")
            .value_or("");
    f.redirect_scheme =
        r.String(r.Child(redirect, "scheme"), hw + ".redirect.scheme")
            .value_or("");
    f.redirect_port = static_cast<int>(
        r.Int(r.Child(redirect, "port"), hw + ".redirect.port", 0, 65535)
            .value_or(0));
    f.redirect_status = static_cast<int>(
        r.Int(r.Child(redirect, "redirectCode"), hw + ".redirect.redirectCode",
              300, 399)
            .value_or(301));  // a VirtualService redirect is 301 by default
    if (auto uri = r.String(r.Child(redirect, "uri"), hw + ".redirect.uri")) {
      f.path_type = "ReplaceFullPath";
      f.path_value = *uri;
    }
    rule.filters.push_back(f);
  }
  yaml::Node rewrite = r.Child(h, "rewrite");
  if (rewrite.IsDefined()) {
    HttpFilter f;
    f.type = "URLRewrite";
    f.rewrite_hostname =
        r.String(r.Child(rewrite, "authority"), hw + ".rewrite.authority")
            .value_or("");
    // rewrite.uri replaces the matched prefix (the whole path for an exact
    // match), as Envoy's prefix_rewrite.
    if (auto uri = r.String(r.Child(rewrite, "uri"), hw + ".rewrite.uri")) {
      f.path_type = "ReplacePrefixMatch";
      f.path_value = *uri;
    }
    rule.filters.push_back(f);
  }
  if (auto t = Duration(r, r.Child(h, "timeout"), hw + ".timeout")) {
    WholeMilliseconds(r, r.Child(h, "timeout"), hw + ".timeout", *t,
                      "; leave it out for none");
    rule.timeout = GatewayDuration(*t);
  }
  ReadVsRetries(r, h, hw, rule);
  ReadFault(r, r.Child(h, "fault"), hw + ".fault", rule);
  // §16.2: directResponse {status, body}: the body changes nothing meshsim
  // reports.
  if (yaml::Node dr = r.Child(h, "directResponse"); dr.IsDefined()) {
    if (auto st = r.Int(r.Child(dr, "status"), hw + ".directResponse.status",
                        200, 599))
      rule.direct_status = static_cast<int>(*st);
    r.Child(dr, "body").MarkSubtreeRead();
  }
  yaml::Node mirror = r.Child(h, "mirror");
  if (mirror.IsDefined() && !mirror.IsNull())
    rule.mirror = ReadDestination(r, mirror, hw + ".mirror", ns);
  // Read without a mirror too: a delegate's mirror takes its root's
  // percentage (§16.2, mergeHTTPRoute).
  if (auto p = Number(r, r.Child(r.Child(h, "mirrorPercentage"), "value"),
                      hw + ".mirrorPercentage.value", 0, 100)) {
    rule.mirror_percent = *p;
    rule.mirror_percent_given = true;
  }
  return rule;
}

// §16.1, §16.2: a host of a Kubernetes Service (short, or under .svc.) in
// capitals: istiod compares it as written where `where` says, and Service
// names are lower case, so it names none there.
void WarnCapitals(Reader& r, const yaml::Node& at, const std::string& what,
                  const std::string& host, const char* where) {
  const bool service = host.find('.') == std::string::npos ||
                       host.find(".svc.") != std::string::npos;
  if (service && AsciiLower(host) != host)
    r.Warning(at, what + ": host '" + host + "' has capital letters; " + where +
                      " compares hosts as written, so it names no "
                      "Service there");
}

// tcp[] and tls[]: port (and for tls, SNI) matches, then destinations.
HttpRouteRule ReadVsTcpRoute(Reader& r, const yaml::Node& t,
                             const std::string& tw, const std::string& ns) {
  HttpRouteRule rule;
  rule.location = r.Loc(t);
  ForEachMap(
      r, t, "match", tw, [&](const yaml::Node& m, const std::string& mw) {
        HttpMatch hm;
        ReadMatchSource(r, m, mw, ns, hm);
        hm.port = static_cast<int>(
            r.Int(r.Child(m, "port"), mw + ".port", 0, 65535).value_or(0));
        for (const std::string& sni :
             r.StringList(r.Child(m, "sniHosts"), mw + ".sniHosts")
                 .value_or(std::vector<std::string>{}))
          hm.headers.push_back({":sni", "Exact", sni});
        rule.matches.push_back(hm);
      });
  ReadRouteDestinations(r, t, tw, ns, rule, /*http=*/false);
  return rule;
}

TrafficPolicy ReadTrafficPolicy(Reader& r, const yaml::Node& p,
                                const std::string& pw) {
  TrafficPolicy tp;
  tp.location = r.Loc(p);
  yaml::Node lb = r.Child(p, "loadBalancer");
  if (lb.IsDefined()) {
    tp.load_balancer = true;
    tp.lb_simple = r.String(r.Child(lb, "simple"), pw + ".loadBalancer.simple")
                       .value_or("");
    yaml::Node loc = r.Child(lb, "localityLbSetting");
    const std::string lw = pw + ".loadBalancer.localityLbSetting";
    if (loc.IsDefined()) {
      tp.locality_enabled =
          r.Bool(r.Child(loc, "enabled"), lw + ".enabled").value_or(true);
      tp.failover_priority = r.StringList(r.Child(loc, "failoverPriority"),
                                          lw + ".failoverPriority")
                                 .value_or(std::vector<std::string>{});
      ForEachMap(r, loc, "failover", lw,
                 [&](const yaml::Node& f, const std::string& fw) {
                   tp.failover.emplace_back(
                       r.String(r.Child(f, "from"), fw + ".from").value_or(""),
                       r.String(r.Child(f, "to"), fw + ".to").value_or(""));
                 });
      ForEachMap(r, loc, "distribute", lw,
                 [&](const yaml::Node& d, const std::string& dw) {
                   TrafficPolicy::Distribute dist;
                   dist.from =
                       r.String(r.Child(d, "from"), dw + ".from").value_or("");
                   const yaml::Node to = r.Child(d, "to");
                   if (r.IsMap(to, dw + ".to"))
                     for (const auto& kv : to) {
                       const std::string key = kv.first.Scalar();
                       if (auto w = r.Int(kv.second, dw + ".to." + key, 0,
                                          4294967295LL))
                         dist.to.emplace_back(key, *w);
                     }
                   std::sort(dist.to.begin(), dist.to.end());
                   tp.distribute.push_back(std::move(dist));
                 });
    }
  }
  yaml::Node pool = r.Child(p, "connectionPool");
  if (pool.IsDefined()) {
    const std::string cw = pw + ".connectionPool";
    const long long kMax = 4294967295LL;
    tp.connection_pool = true;
    // cluster_traffic_policy.go applies only values above 0: 0 is unset.
    auto get = [&](const char* group, const char* key) {
      std::optional<int64_t> out;
      if (auto v = r.Int(r.Child(r.Child(pool, group), key),
                         cw + "." + group + "." + key, 0, kMax);
          v && *v > 0)
        out = *v;
      return out;
    };
    tp.max_connections = get("tcp", "maxConnections");
    tp.http1_max_pending = get("http", "http1MaxPendingRequests");
    tp.http2_max_requests = get("http", "http2MaxRequests");
    tp.max_retries = get("http", "maxRetries");
  }
  yaml::Node od = r.Child(p, "outlierDetection");
  if (od.IsDefined()) {
    const std::string ow = pw + ".outlierDetection";
    tp.outlier_detection = true;
    // applyOutlierDetection: consecutive5xxErrors 0 enforces nothing; the
    // deprecated consecutiveErrors is never read (Envoy's default 5 holds).
    if (auto v = r.Int(r.Child(od, "consecutive5xxErrors"),
                       ow + ".consecutive5xxErrors", 0, 4294967295LL))
      tp.consecutive_5xx = *v;
    if (r.Child(od, "consecutiveErrors").IsDefined())
      r.Warning(r.Child(od, "consecutiveErrors"),
                ow + ".consecutiveErrors is deprecated and istiod ignores it "
                     "(Envoy's default of 5 consecutive 5xx applies); use "
                     "consecutive5xxErrors (§16.1)");
    if (auto d = Duration(r, r.Child(od, "interval"), ow + ".interval")) {
      WholeMilliseconds(r, r.Child(od, "interval"), ow + ".interval", *d, "");
      tp.interval_ns = *d;
    }
    if (auto d = Duration(r, r.Child(od, "baseEjectionTime"),
                          ow + ".baseEjectionTime")) {
      WholeMilliseconds(r, r.Child(od, "baseEjectionTime"),
                        ow + ".baseEjectionTime", *d, "");
      tp.base_ejection_ns = *d;
    }
    if (auto v = r.Int(r.Child(od, "maxEjectionPercent"),
                       ow + ".maxEjectionPercent", 0, 100);
        v && *v > 0)  // 0 is unset: Envoy's 10
      tp.max_ejection_percent = *v;
    if (auto v = r.Int(r.Child(od, "minHealthPercent"),
                       ow + ".minHealthPercent", 0, 100))
      tp.min_health_percent = *v;
  }
  // A `tls` block without a mode is DISABLE, the enum's zero value
  // (mtls_checker.go reads the mode whenever `tls` is set).
  tp.tls_mode = r.String(r.Child(r.Child(p, "tls"), "mode"), pw + ".tls.mode")
                    .value_or(r.Child(p, "tls").IsMap() ? "DISABLE" : "");
  return tp;
}

}  // namespace

void LoadVirtualService(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                        Cluster& cluster, ManifestSink& sink) {
  HttpRoute vs = Named<HttpRoute>(h);
  vs.kind = "VirtualService";
  vs.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  vs.hostnames = r.StringList(r.Child(spec, "hosts"), h.what + ": spec.hosts")
                     .value_or(std::vector<std::string>{});
  for (const std::string& host : vs.hostnames)
    WarnCapitals(r, r.Child(spec, "hosts"), h.what, host,
                 "a waypoint (a sidecar lowers it)");
  if (vs.hostnames.empty()) {
    // §16.2 (validation.go validateVirtualService): no hosts makes a
    // delegate, which may not bind gateways or route tcp or tls. It acts
    // only through a root's `delegate` (Mesh::Finalize).
    for (const char* key : {"gateways", "tcp", "tls"})
      if (r.Child(spec, key).IsSequence() && r.Child(spec, key).size() > 0)
        r.Error(r.Child(spec, key),
                h.what +
                    ": a delegate VirtualService (no spec.hosts) takes "
                    "no " +
                    key + " (istiod refuses it)");
  }
  for (const std::string& g :
       r.StringList(r.Child(spec, "gateways"), h.what + ": spec.gateways")
           .value_or(std::vector<std::string>{}))
    vs.gateways.push_back(ResolveGatewayName(g, h.ns));
  vs.export_to =
      r.StringList(r.Child(spec, "exportTo"), h.what + ": spec.exportTo")
          .value_or(std::vector<std::string>{});
  CheckExportTo(r, r.Child(spec, "exportTo"), vs.export_to, h.ns, h.what,
                false);
  // validation.go isGateway: gateways listed, "mesh" not among them.
  const bool gateway_vs =
      !vs.gateways.empty() &&
      std::none_of(vs.gateways.begin(), vs.gateways.end(),
                   [](const std::string& g) { return g == "mesh"; });
  ForEachMap(r, spec, "http", h.what + ": spec",
             [&](const yaml::Node& x, const std::string& xw) {
               vs.rules.push_back(ReadVsHttpRoute(r, x, xw, h.ns, gateway_vs));
             });
  for (const char* key : {"tls", "tcp"})
    ForEachMap(r, spec, key, h.what + ": spec",
               [&](const yaml::Node& x, const std::string& xw) {
                 vs.tcp_rules.push_back(ReadVsTcpRoute(r, x, xw, h.ns));
                 vs.tcp_rules.back().tls = std::string(key) == "tls";
               });
  CheckVirtualServiceWebhook(r, h, spec);
  AnalyzeUnreachableVsRules(r, h, spec, cluster.name, sink.version);
  if (vs.hostnames.empty()) {
    // §16.2: Istio merges one level of delegation; a delegate's own
    // `delegate` leaves a route without destinations.
    for (const HttpRouteRule& rule : vs.rules)
      if (rule.delegate)
        r.diags().Error(rule.delegate->location,
                        h.what +
                            ": a delegate VirtualService (no spec.hosts) "
                            "delegates again; istiod's validation refuses it "
                            "(\"delegate HTTP route cannot contain "
                            "delegate\"), so kubectl apply fails (§16.2)",
                        "",
                        DiagnosticObject{h.kind, h.ns, h.name, cluster.name});
    cluster.delegate_virtual_services.push_back(std::move(vs));
    return;
  }
  cluster.routes.push_back(std::move(vs));
}

void LoadDestinationRule(Reader& r, const ObjectHeader& h,
                         const yaml::Node& obj, Cluster& cluster,
                         ManifestSink& sink) {
  DestinationRule dr = Named<DestinationRule>(h);
  dr.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  CheckDestinationRuleWebhook(r, h, spec, sink.version);
  dr.host =
      r.String(r.Child(spec, "host"), h.what + ": spec.host").value_or("");
  if (dr.host.empty()) r.Error(spec, h.what + ": spec.host is required");
  WarnCapitals(r, r.Child(spec, "host"), h.what, dr.host,
               "istiod's DestinationRule lookup");
  dr.export_to =
      r.StringList(r.Child(spec, "exportTo"), h.what + ": spec.exportTo")
          .value_or(std::vector<std::string>{});
  yaml::Node sel = r.Child(spec, "workloadSelector");
  if (sel.IsDefined()) {
    // §16.10: not label syntax, which istiod does not check here.
    dr.workload_selector =
        r.StringMap(r.Child(sel, "matchLabels"),
                    h.what + ": spec.workloadSelector.matchLabels", false,
                    nullptr)
            .value_or(Labels{});
    CheckWorkloadSelector(r, r.Child(sel, "matchLabels"),
                          h.what + ": spec.workloadSelector.matchLabels");
  }
  CheckExportTo(r, r.Child(spec, "exportTo"), dr.export_to, h.ns, h.what,
                dr.workload_selector.has_value());
  // A trafficPolicy's portLevelSettings, by port (the rule's or a
  // subset's).
  auto read_ports = [&](const yaml::Node& tp, const std::string& tw,
                        std::map<int, TrafficPolicy>& out) {
    ForEachMap(r, tp, "portLevelSettings", tw,
               [&](const yaml::Node& pl, const std::string& plw) {
                 auto port = r.Int(r.Child(r.Child(pl, "port"), "number"),
                                   plw + ".port.number", 1, 65535);
                 if (!port) {
                   r.Error(pl, plw + ".port.number is required");
                   return;
                 }
                 out[static_cast<int>(*port)] = ReadTrafficPolicy(r, pl, plw);
               });
  };
  yaml::Node tp = r.Child(spec, "trafficPolicy");
  if (tp.IsDefined()) {
    dr.policy = ReadTrafficPolicy(r, tp, h.what + ": spec.trafficPolicy");
    read_ports(tp, h.what + ": spec.trafficPolicy", dr.port_policies);
  }
  ForEachMap(r, spec, "subsets", h.what + ": spec",
             [&](const yaml::Node& s, const std::string& sw) {
               DestinationRuleSubset sub;
               sub.location = r.Loc(s);
               sub.name =
                   r.String(r.Child(s, "name"), sw + ".name").value_or("");
               sub.labels = r.StringMap(r.Child(s, "labels"), sw + ".labels",
                                        true, nullptr, /*label_keys=*/true)
                                .value_or(Labels{});
               if (r.Child(s, "trafficPolicy").IsDefined()) {
                 sub.policy = ReadTrafficPolicy(r, r.Child(s, "trafficPolicy"),
                                                sw + ".trafficPolicy");
                 read_ports(r.Child(s, "trafficPolicy"), sw + ".trafficPolicy",
                            sub.port_policies);
               }
               for (const DestinationRuleSubset& o : dr.subsets)
                 if (o.name == sub.name)
                   r.Error(s, sw + ": subset '" + sub.name +
                                  "' is defined twice in " + h.what);
               dr.subsets.push_back(sub);
             });
  cluster.destination_rules.push_back(std::move(dr));
}

const std::vector<std::string>& IstioPortProtocols() {
  static const std::vector<std::string> kProtocols = {
      "HTTP", "HTTPS", "HTTP2", "GRPC",  "GRPC-WEB", "HTTP_PROXY",
      "TCP",  "TLS",   "MONGO", "REDIS", "MYSQL",    "UDP"};
  return kProtocols;
}

namespace {

// §16.3: what istiod's webhook refuses in a server (validation.go
// validateServer): an unknown protocol; HTTPS or TLS without tls settings;
// tls settings on a plaintext port (on an HTTP one only a PASSTHROUGH or
// AUTO_PASSTHROUGH block without certificate files, e.g. httpsRedirect and
// a credentialName); a host with more
// than one namespace part or an empty one.
void ValidateIstioServer(Reader& r, const yaml::Node& s, const IstioServer& srv,
                         const yaml::Node& tls, const std::string& sw) {
  const std::vector<std::string>& kProtocols = IstioPortProtocols();
  const yaml::Node pn = r.Child(r.Child(s, "port"), "protocol");
  if (std::find(kProtocols.begin(), kProtocols.end(), srv.protocol) ==
      kProtocols.end()) {
    r.Error(pn.IsDefined() ? pn : s,
            sw +
                ".port.protocol must be one of HTTP, HTTPS, HTTP2, GRPC, "
                "GRPC-WEB, TCP, TLS, MONGO, REDIS, MYSQL, got '" +
                srv.protocol + "'" + DidYouMean(srv.protocol, kProtocols) +
                " (istiod refuses the Gateway)");
    return;
  }
  const bool secure = srv.protocol == "HTTPS" || srv.protocol == "TLS";
  if (secure && !srv.tls) {
    r.Error(s, sw + ": a " + srv.protocol +
                   " server needs tls settings (tls.mode and, to terminate, "
                   "a credentialName); istiod refuses the Gateway");
  } else if (!secure && srv.tls) {
    const bool certs = tls["serverCertificate"].IsDefined() ||
                       tls["privateKey"].IsDefined() ||
                       tls["caCertificates"].IsDefined();
    if (!srv.PlainHttp() || !srv.PassesTls() || certs)
      r.Error(tls, sw + ".tls: a " + srv.protocol +
                       " server cannot have TLS settings" +
                       (srv.PlainHttp() ? " other than httpsRedirect" : "") +
                       " (use protocol HTTPS or TLS); istiod refuses the "
                       "Gateway");
  }
  for (const std::string& h : srv.hosts) {
    const size_t slash = h.find('/');
    if (h.empty() || (slash != std::string::npos &&
                      (slash == 0 || slash + 1 == h.size() ||
                       h.find('/', slash + 1) != std::string::npos)))
      r.Error(s, sw + ".hosts: '" + h +
                     "' is not [namespace/]host (one namespace part, "
                     "\"*\", \".\" or a name, before one host); istiod "
                     "refuses the Gateway");
  }
}

}  // namespace

void LoadIstioGateway(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                      Cluster& cluster, ManifestSink& sink) {
  IstioGateway g = Named<IstioGateway>(h);
  g.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  CheckIstioGatewayWebhook(r, h, obj, spec, sink.version);
  if (r.Child(spec, "selector").IsDefined())
    // §16.3: istiod's validation does not check the selector (ValidateGateway).
    g.selector = r.StringMap(r.Child(spec, "selector"),
                             h.what + ": spec.selector", false, nullptr)
                     .value_or(Labels{});
  ForEachMap(
      r, spec, "servers", h.what + ": spec",
      [&](const yaml::Node& s, const std::string& sw) {
        IstioServer srv;
        srv.location = r.Loc(s);
        yaml::Node port = r.Child(s, "port");
        srv.port = static_cast<int>(
            r.Int(r.Child(port, "number"), sw + ".port.number", 1, 65535)
                .value_or(0));
        srv.port_name =
            r.String(r.Child(port, "name"), sw + ".port.name").value_or("");
        srv.protocol =
            r.String(r.Child(port, "protocol"), sw + ".port.protocol")
                .value_or("");
        std::transform(srv.protocol.begin(), srv.protocol.end(),
                       srv.protocol.begin(), ::toupper);
        srv.hosts = r.StringList(r.Child(s, "hosts"), sw + ".hosts")
                        .value_or(std::vector<std::string>{});
        // Certificates do not change where a request goes: a terminating
        // server is read as its port and protocol, PASSTHROUGH as SNI
        // routing by the VirtualServices' tls sections, AUTO_PASSTHROUGH as
        // SNI routing by Istio mTLS names (§16.3).
        const yaml::Node tls = s["tls"];
        if (tls.IsMap()) {
          srv.tls = true;
          srv.https_redirect =
              r.Bool(r.Child(tls, "httpsRedirect"), sw + ".tls.httpsRedirect")
                  .value_or(false);
          srv.tls_mode = tls["mode"].Scalar();
          // The API's TLSmode enum starts at PASSTHROUGH (0).
          if (srv.tls_mode.empty()) srv.tls_mode = "PASSTHROUGH";
          tls.MarkSubtreeRead();
        }
        if (srv.hosts.empty())
          r.Error(s, sw + ".hosts must name at least one host");
        ValidateIstioServer(r, s, srv, tls, sw);
        g.servers.push_back(srv);
      });
  if (!cluster.istio_gateways.emplace(g.Key(), g).second)
    r.Warning(obj, h.what + " is defined twice in cluster " + cluster.name +
                       "; the first definition is used");
}

}  // namespace meshsim::io
