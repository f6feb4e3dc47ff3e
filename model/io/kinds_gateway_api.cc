// Gateway API: Gateway, GatewayClass and the routes (HTTPRoute, GRPCRoute,
// TCPRoute, TLSRoute). See kinds.h.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include "model/io/kinds.h"

namespace meshsim::io {

namespace {

Listener ReadListener(Reader& r, const yaml::Node& l, const std::string& lw) {
  Listener li;
  li.location = r.Loc(l);
  li.name = r.String(r.Child(l, "name"), lw + ".name").value_or("");
  li.port = static_cast<int>(
      r.Int(r.Child(l, "port"), lw + ".port", 1, 65535).value_or(0));
  li.protocol = r.String(r.Child(l, "protocol"), lw + ".protocol").value_or("");
  li.hostname = r.String(r.Child(l, "hostname"), lw + ".hostname").value_or("");
  // Certificates do not change where a request goes: a terminating
  // listener is read as its protocol and port (§5), a passthrough HBONE or
  // TLS listener as the opaque stream it forwards (§7, §9). Anything else
  // stays unread, so it is reported (ReportUnreadFields).
  const yaml::Node tls = l["tls"];
  if (tls.IsMap()) {
    tls.MarkRead();
    // §9: the Secrets (core group, the default) among the certificateRefs;
    // a ref of another kind is one istiod refuses.
    if (tls["certificateRefs"].IsSequence())
      for (const yaml::Node& ref : tls["certificateRefs"]) {
        ++li.cert_refs;
        const std::string kind =
            ref["kind"].IsDefined() ? ref["kind"].Scalar() : "Secret";
        const std::string group = ref["group"].Scalar();
        if (kind == "Secret" && group.empty())
          li.secret_refs.emplace_back(ref["namespace"].Scalar(),
                                      ref["name"].Scalar());
      }
    tls["certificateRefs"].MarkSubtreeRead();
    const std::string& term =
        tls["options"]["gateway.istio.io/tls-terminate-mode"].Scalar();
    li.istio_tls_terminate = term == "ISTIO_SIMPLE" || term == "ISTIO_MUTUAL";
    tls["options"].MarkSubtreeRead();
    const std::string& mode = tls["mode"].Scalar();
    li.tls_mode = mode.empty() ? "Terminate" : mode;  // the API's default
    if (mode == "Terminate" ||
        (mode == "Passthrough" &&
         (li.protocol == "HBONE" || li.protocol == "TLS")))
      tls["mode"].MarkRead();
  }
  // §9 allowedRoutes.kinds (conditions.go generateSupportedKinds: what the
  // protocol takes, narrowed to the kinds listed in the Gateway API group).
  const yaml::Node kinds = l["allowedRoutes"]["kinds"];
  if (kinds.IsSequence()) {
    for (const yaml::Node& k : kinds)
      if (k["group"].Scalar() == "gateway.networking.k8s.io" ||
          !k["group"].IsDefined())
        li.allowed_kinds.push_back(k["kind"].Scalar());
    kinds.MarkSubtreeRead();
  }
  yaml::Node ns = r.Child(r.Child(l, "allowedRoutes"), "namespaces");
  if (r.IsMap(ns, lw + ".allowedRoutes.namespaces")) {
    li.allowed_from =
        r.String(r.Child(ns, "from"), lw + ".allowedRoutes.namespaces.from")
            .value_or("Same");
    if (!CheckOneOf(r, r.Child(ns, "from"),
                    lw + ".allowedRoutes.namespaces.from", li.allowed_from,
                    {"Same", "All", "Selector"}))
      li.allowed_from = "Same";
    yaml::Node sel = r.Child(ns, "selector");
    const std::string sw = lw + ".allowedRoutes.namespaces.selector";
    if (r.IsMap(sel, sw)) li.allowed_selector = ReadLabelSelector(r, sel, sw);
  }
  return li;
}

// §9: a GRPCRoute's method match (type, service, method) as the path match
// istiod makes of it (conversion.go createGRPCURIMatch): gRPC calls
// /<service>/<method>.
void ReadGrpcMethodMatch(Reader& r, const yaml::Node& m, const std::string& mw,
                         HttpMatch& hm) {
  const std::string type =
      r.String(r.Child(m, "type"), mw + ".type").value_or("Exact");
  CheckOneOf(r, r.Child(m, "type"), mw + ".type", type,
             {"Exact", "RegularExpression"});
  const std::optional<std::string> service =
      r.String(r.Child(m, "service"), mw + ".service");
  const std::optional<std::string> method =
      r.String(r.Child(m, "method"), mw + ".method");
  if (!service && !method) {
    r.Error(m, mw + " must name a service or a method");
    return;
  }
  if (type == "Exact" && service && !method) {
    hm.path_type = "PathPrefix";
    hm.path_value = "/" + *service + "/";
  } else if (type == "Exact" && service) {
    hm.path_type = "Exact";
    hm.path_value = "/" + *service + "/" + *method;
  } else {
    hm.path_type = "RegularExpression";
    hm.path_value = (service ? "/" + *service : std::string("/[^/]+")) + "/" +
                    (method ? *method : std::string(".+"));
    CheckRe2(r, m, mw, hm.path_value);
  }
}

HttpMatch ReadRouteMatch(Reader& r, const yaml::Node& m,
                         const std::string& mw) {
  HttpMatch hm;
  yaml::Node path = r.Child(m, "path");
  if (r.IsMap(path, mw + ".path")) {
    hm.path_type = r.String(r.Child(path, "type"), mw + ".path.type")
                       .value_or("PathPrefix");
    hm.path_value =
        r.String(r.Child(path, "value"), mw + ".path.value").value_or("/");
    CheckOneOf(r, r.Child(path, "type"), mw + ".path.type", hm.path_type,
               {"Exact", "PathPrefix", "RegularExpression"});
    if (hm.path_type == "RegularExpression")
      CheckRe2(r, r.Child(path, "value"), mw + ".path.value", hm.path_value);
  }
  const yaml::Node method = r.Child(m, "method");
  if (method.IsMap())
    ReadGrpcMethodMatch(r, method, mw + ".method", hm);
  else
    hm.method = r.String(method, mw + ".method").value_or("");
  for (const char* key : {"headers", "queryParams"}) {
    yaml::Node hs = r.Child(m, key);
    if (!r.IsList(hs, mw + "." + key)) continue;
    for (const yaml::Node& hn : hs) {
      if (!r.IsMap(hn, mw + "." + key + "[]")) continue;
      HttpMatch::Header hd;
      hd.name = r.String(r.Child(hn, "name"), mw + "." + key + "[].name")
                    .value_or("");
      hd.type = r.String(r.Child(hn, "type"), mw + "." + key + "[].type")
                    .value_or("Exact");
      hd.value = r.String(r.Child(hn, "value"), mw + "." + key + "[].value")
                     .value_or("");
      if (hd.type == "RegularExpression")
        CheckRe2(r, r.Child(hn, "value"), mw + "." + key + "[].value",
                 hd.value);
      (std::string(key) == "headers" ? hm.headers : hm.query_params)
          .push_back(hd);
    }
  }
  return hm;
}

void ReadHeaderModifier(Reader& r, const yaml::Node& f, const std::string& fw,
                        HttpFilter& hf) {
  yaml::Node m = r.Child(f, "requestHeaderModifier");
  for (const char* key : {"set", "add"}) {
    yaml::Node list = r.Child(m, key);
    if (!r.IsList(list, fw + ".requestHeaderModifier." + key)) continue;
    for (const yaml::Node& hv : list) {
      std::string name =
          r.String(r.Child(hv, "name"), fw + ".requestHeaderModifier.name")
              .value_or("");
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value =
          r.String(r.Child(hv, "value"), fw + ".requestHeaderModifier.value")
              .value_or("");
      (std::string(key) == "set" ? hf.set_headers : hf.add_headers)[name] =
          value;
    }
  }
  yaml::Node rm = r.Child(m, "remove");
  if (r.IsList(rm, fw + ".requestHeaderModifier.remove")) {
    for (const yaml::Node& x : rm) {
      std::string name =
          r.String(x, fw + ".requestHeaderModifier.remove[]").value_or("");
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      hf.remove_headers.push_back(name);
    }
  }
}

void ReadRedirectOrRewrite(Reader& r, const yaml::Node& f,
                           const std::string& fw, HttpFilter& hf) {
  yaml::Node m = r.Child(
      f, hf.type == "RequestRedirect" ? "requestRedirect" : "urlRewrite");
  const std::string mw =
      fw + (hf.type == "RequestRedirect" ? ".requestRedirect" : ".urlRewrite");
  hf.redirect_scheme =
      r.String(r.Child(m, "scheme"), mw + ".scheme").value_or("");
  hf.rewrite_hostname =
      r.String(r.Child(m, "hostname"), mw + ".hostname").value_or("");
  hf.redirect_hostname = hf.rewrite_hostname;
  hf.redirect_port = static_cast<int>(
      r.Int(r.Child(m, "port"), mw + ".port", 1, 65535).value_or(0));
  hf.redirect_port_from_request = hf.type == "RequestRedirect" &&
                                  !hf.redirect_port &&
                                  hf.redirect_scheme.empty();
  hf.redirect_status = static_cast<int>(
      r.Int(r.Child(m, "statusCode"), mw + ".statusCode", 300, 399)
          .value_or(302));
  yaml::Node path = r.Child(m, "path");
  if (r.IsMap(path, mw + ".path")) {
    hf.path_type =
        r.String(r.Child(path, "type"), mw + ".path.type").value_or("");
    hf.path_value = hf.path_type == "ReplaceFullPath"
                        ? r.String(r.Child(path, "replaceFullPath"),
                                   mw + ".path.replaceFullPath")
                              .value_or("/")
                        : r.String(r.Child(path, "replacePrefixMatch"),
                                   mw + ".path.replacePrefixMatch")
                              .value_or("/");
    if (hf.path_type != "ReplaceFullPath" &&
        hf.path_type != "ReplacePrefixMatch") {
      r.Error(r.Child(path, "type"),
              mw +
                  ".path.type must be ReplaceFullPath or "
                  "ReplacePrefixMatch, got '" +
                  hf.path_type + "'");
    }
  }
}

HttpFilter ReadRouteFilter(Reader& r, const yaml::Node& f,
                           const std::string& fw) {
  HttpFilter hf;
  hf.type = r.String(r.Child(f, "type"), fw + ".type").value_or("");
  if (hf.type == "RequestHeaderModifier") {
    ReadHeaderModifier(r, f, fw, hf);
  } else if (hf.type == "RequestRedirect" || hf.type == "URLRewrite") {
    ReadRedirectOrRewrite(r, f, fw, hf);
  } else if (hf.type == "ResponseHeaderModifier") {
    // Response headers change nothing meshsim reports (paths, outcome,
    // latency, policy): read as given (§16.10).
    r.Child(f, "responseHeaderModifier").MarkSubtreeRead();
  } else if (hf.type == "ExtensionRef") {
    // Istio supports none: the route is rejected whole (RejectedWhole).
    r.Child(f, "extensionRef").MarkSubtreeRead();
  }
  return hf;
}

BackendRef ReadBackendRef(Reader& r, const yaml::Node& b, const std::string& bw,
                          const std::string& ns) {
  ParentRef ref = ReadRef(r, b, bw, ns, "Service", RefUse::kBackend);
  BackendRef br;
  br.kind = ref.kind;
  br.ns = ref.ns;
  br.name = ref.name;
  br.port = ref.port;
  br.location = ref.location;
  br.weight = static_cast<int>(
      r.Int(r.Child(b, "weight"), bw + ".weight", 0, 1000000).value_or(1));
  br.ns_given = r.Child(b, "namespace").IsDefined();
  ForEachMap(r, b, "filters", bw,
             [&](const yaml::Node& f, const std::string& fw) {
               br.filter_types.push_back(
                   r.String(r.Child(f, "type"), fw + ".type").value_or(""));
               // Any but a header modifier rejects the route (RejectedWhole),
               // which says so: no second word on its fields.
               if (br.filter_types.back() != "RequestHeaderModifier" &&
                   br.filter_types.back() != "ResponseHeaderModifier")
                 f.MarkSubtreeRead();
             });
  // The CRD's CEL rule: "Must have port for Service reference".
  if (br.kind == "Service" && br.port == 0)
    r.Error(b, bw + ": a Service backendRef needs a port (the API server "
                    "refuses it without one)");
  return br;
}

// §9 (conversion.go): a RequestMirror filter is the VirtualService's mirror
// of its backendRef, for `percent` or `fraction` of the requests (all when
// neither); istiod keeps several, meshsim the first (warned).
void ReadRequestMirror(Reader& r, const yaml::Node& f, const std::string& fw,
                       const std::string& ns, HttpRouteRule& out) {
  const yaml::Node m = r.Child(f, "requestMirror");
  if (!m.IsMap()) return;
  if (out.mirror) {
    r.Warning(f, fw + ": a second RequestMirror filter: meshsim mirrors to "
                      "the first only (§9)");
    m.MarkSubtreeRead();
    return;
  }
  BackendRef b = ReadBackendRef(r, r.Child(m, "backendRef"),
                                fw + ".requestMirror.backendRef", ns);
  // buildDestination refuses any kind but a Service (1.30), and a Service
  // named by a host name: istiod then drops the mirror.
  if (b.kind != "Service" || b.name.find('.') != std::string::npos) {
    r.Warning(f, fw +
                     ": istiod mirrors only to a Service named as such "
                     "(not " +
                     b.kind + " " + b.name + "): the mirror is dropped (§9)");
    return;
  }
  out.mirror = b;
  out.mirror_percent = 100;
  if (auto p =
          r.Int(r.Child(m, "percent"), fw + ".requestMirror.percent", 0, 100))
    out.mirror_percent = static_cast<double>(*p);
  const yaml::Node fr = r.Child(m, "fraction");
  if (fr.IsDefined()) {
    const auto num =
        r.Int(r.Child(fr, "numerator"),
              fw + ".requestMirror.fraction.numerator", 0, 1000000);
    const auto den =
        r.Int(r.Child(fr, "denominator"),
              fw + ".requestMirror.fraction.denominator", 1, 1000000)
            .value_or(100);
    if (num) out.mirror_percent = 100.0 * static_cast<double>(*num) / den;
  }
}

HttpRouteRule ReadRouteRule(Reader& r, const yaml::Node& rule,
                            const std::string& rw, const std::string& ns) {
  HttpRouteRule out;
  out.location = r.Loc(rule);
  ForEachMap(r, rule, "matches", rw,
             [&](const yaml::Node& m, const std::string& mw) {
               out.matches.push_back(ReadRouteMatch(r, m, mw));
             });
  ForEachMap(r, rule, "filters", rw,
             [&](const yaml::Node& f, const std::string& fw) {
               out.filters.push_back(ReadRouteFilter(r, f, fw));
               if (out.filters.back().type == "RequestMirror")
                 ReadRequestMirror(r, f, fw, ns, out);
             });
  yaml::Node timeout = r.Child(r.Child(rule, "timeouts"), "request");
  out.timeout = r.String(timeout, rw + ".timeouts.request").value_or("");
  if (!out.timeout.empty() && !ParseGatewayDuration(out.timeout)) {
    r.Error(timeout,
            rw +
                ".timeouts.request must be a Gateway API duration such as "
                "10s, 500ms or 1m30s, got '" +
                out.timeout + "'");
    out.timeout.clear();
  }
  const yaml::Node retry = r.Child(rule, "retry");
  // §9 (conversion.go): a backendRequest timeout is the route's timeout
  // when the rule has no retry (it replaces `request`), else each try's
  // timeout (not modelled: left unread, so warned). 0s disables it.
  if (!retry.IsDefined() && rule["timeouts"]["backendRequest"].IsDefined()) {
    const yaml::Node backend =
        r.Child(r.Child(rule, "timeouts"), "backendRequest");
    const std::string v =
        r.String(backend, rw + ".timeouts.backendRequest").value_or("");
    const std::optional<int64_t> ns = ParseGatewayDuration(v);
    if (!v.empty() && !ns)
      r.Error(backend, rw +
                           ".timeouts.backendRequest must be a Gateway API "
                           "duration such as 10s, 500ms or 1m30s, got '" +
                           v + "'");
    else if (ns && *ns > 0)
      out.timeout = v;
  }
  // conversion.go: without attempts Istio retries twice.
  if (retry.IsDefined()) out.retry_attempts = 2;
  if (auto a =
          r.Int(r.Child(retry, "attempts"), rw + ".retry.attempts", 0, 1000))
    out.retry_attempts = static_cast<int>(*a);
  const yaml::Node codes = r.Child(retry, "codes");
  if (codes.IsSequence())
    for (const yaml::Node& code : codes)
      if (auto c = r.Int(code, rw + ".retry.codes[]", 400, 599))
        out.retry_codes.push_back(static_cast<int>(*c));
  ForEachMap(r, rule, "backendRefs", rw,
             [&](const yaml::Node& b, const std::string& bw) {
               out.backends.push_back(ReadBackendRef(r, b, bw, ns));
             });
  return out;
}

}  // namespace

// A RegularExpression match is RE2 syntax, as Envoy runs it (§9): an
// expression RE2 refuses is an error at its value.
void CheckRe2(Reader& r, const yaml::Node& value, const std::string& what,
              const std::string& pattern) {
  RE2::Options o;
  o.set_log_errors(false);
  RE2 re(pattern, o);
  if (!re.ok())
    r.diags().Error(r.Loc(value),
                    what + " is not a valid RE2 regular expression: " +
                        re.error() + ", got '" + pattern + "'",
                    "invalid-value");
}

void LoadGateway(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                 Cluster& cluster, ManifestSink& sink) {
  Gateway g = Named<Gateway>(h);
  g.labels = h.labels;
  g.annotations = h.annotations;
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  auto cls = r.String(r.Child(spec, "gatewayClassName"),
                      h.what + ": spec.gatewayClassName");
  if (!cls) {
    r.Error(spec, h.what + ": spec.gatewayClassName is required");
    return;
  }
  g.class_name = *cls;
  yaml::Node infra = r.Child(spec, "infrastructure");
  if (r.IsMap(infra, h.what + ": spec.infrastructure")) {
    g.infrastructure_labels =
        r.StringMap(r.Child(infra, "labels"),
                    h.what + ": spec.infrastructure.labels", true, nullptr)
            .value_or(Labels{});
  }
  ForEachMap(r, spec, "listeners", h.what + ": spec",
             [&](const yaml::Node& l, const std::string& lw) {
               Listener li = ReadListener(r, l, lw);
               // The CRD's CEL rule: listener names are unique.
               for (const Listener& o : g.listeners)
                 if (o.name == li.name)
                   r.Error(l, lw + ": listener name '" + li.name +
                                  "' is used twice (the API server refuses "
                                  "the Gateway)");
               g.listeners.push_back(std::move(li));
             });
  yaml::Node status = r.Child(obj, "status");
  if (status.IsMap()) {
    g.has_status = true;
    yaml::Node addrs = r.Child(status, "addresses");
    if (addrs.IsSequence()) {
      for (const yaml::Node& a : addrs) {
        if (a.IsMap()) {
          if (auto v = r.String(r.Child(a, "value"),
                                h.what + ": status.addresses[].value"))
            g.status_addresses.push_back(*v);
          const std::string type =
              r.String(r.Child(a, "type"), h.what + ": status.addresses[].type")
                  .value_or("IPAddress");
          if (type == "IPAddress" || type == "Hostname")
            ++g.status_ip_or_hostname;
        }
      }
    }
  }
  std::string key = g.Key();
  if (!cluster.gateways.emplace(key, g).second) {
    r.Warning(obj, h.what + " is defined twice in cluster " + cluster.name +
                       "; the first definition is used");
  }
}

void LoadGatewayClass(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                      Cluster& cluster, ManifestSink& sink) {
  GatewayClass gc;
  gc.name = h.name;
  gc.labels = h.labels;
  gc.annotations = h.annotations;
  gc.location = h.loc;
  yaml::Node spec = r.Child(obj, "spec");
  gc.controller = r.String(r.Child(spec, "controllerName"),
                           h.what + ": spec.controllerName")
                      .value_or("");
  r.Child(spec, "description");  // prose, read as given (§16.10)
  cluster.gateway_classes.emplace(gc.name, gc);
}

// §9: what Istio reads of a ReferenceGrant (gatewaycommon/references.go):
// `from` entries of the route and Gateway kinds, `to` entries of Service;
// others may be for another controller and are left out, as Istio does.
void LoadReferenceGrant(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                        Cluster& cluster, ManifestSink& sink) {
  ReferenceGrant g = Named<ReferenceGrant>(h);
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  // An entry's group (canonical: "core" for ""), kind and `third` field.
  const auto entry = [&](const yaml::Node& n, const std::string& w,
                         const char* third) {
    std::string group =
        r.String(r.Child(n, "group"), w + ".group").value_or("");
    // gatewaycommon NormalizeReference: the core group is written "";
    // "core" written out names no group Istio knows, so it is left out.
    if (group == "core") group = "core (as written)";
    return std::array<std::string, 3>{
        group.empty() ? "core" : group,
        r.String(r.Child(n, "kind"), w + ".kind").value_or(""),
        r.String(r.Child(n, third), w + "." + third).value_or("")};
  };
  ForEachMap(r, spec, "from", h.what + ": spec",
             [&](const yaml::Node& f, const std::string& fw) {
               const auto [group, kind, ns] = entry(f, fw, "namespace");
               const bool route = kind == "HTTPRoute" || kind == "GRPCRoute" ||
                                  kind == "TCPRoute" || kind == "TLSRoute" ||
                                  kind == "Gateway" || kind == "ListenerSet";
               if (group == "gateway.networking.k8s.io" && route)
                 g.from.emplace_back(kind, ns);
             });
  // Other kinds (Secrets for TLS) are read and left out: nothing modelled
  // refers to them.
  ForEachMap(r, spec, "to", h.what + ": spec",
             [&](const yaml::Node& t, const std::string& tw) {
               const auto [group, kind, name] = entry(t, tw, "name");
               if (group == "core" && (kind == "Service" || kind == "Secret"))
                 g.to.emplace_back(kind, name);
             });
  cluster.reference_grants.push_back(std::move(g));
}

namespace {

// The API group of each kind a reference may name (§9, §16): Istio
// compares group and kind together, the empty group being "core"
// (pkg/config/model.go CanonicalGroup).
const char* GroupOfKind(const std::string& kind) {
  if (kind == "Gateway" || kind == "GatewayClass")
    return "gateway.networking.k8s.io";
  if (kind == "Service") return "core";
  if (kind == "ServiceEntry" || kind == "Hostname")
    return "networking.istio.io";
  return nullptr;
}

}  // namespace

ParentRef ReadRef(Reader& r, const yaml::Node& n, const std::string& what,
                  const std::string& default_ns,
                  const std::string& default_kind, RefUse use) {
  ParentRef p;
  p.location = r.Loc(n);
  p.kind = r.String(r.Child(n, "kind"), what + ".kind").value_or(default_kind);
  p.name = r.String(r.Child(n, "name"), what + ".name").value_or("");
  p.ns = r.String(r.Child(n, "namespace"), what + ".namespace")
             .value_or(default_ns);
  p.section_name =
      r.String(r.Child(n, "sectionName"), what + ".sectionName").value_or("");
  p.port = static_cast<int>(
      r.Int(r.Child(n, "port"), what + ".port", 1, 65535).value_or(0));
  if (p.name.empty()) r.Error(n, what + ".name is required");
  // The group defaults by use: a parentRef's to Gateway API's, a
  // backendRef's and a targetRef's to the core group (§9).
  const yaml::Node gn = r.Child(n, "group");
  std::string group =
      r.String(gn, what + ".group")
          .value_or(use == RefUse::kParent ? "gateway.networking.k8s.io" : "");
  if (group.empty()) group = "core";
  p.group = group;
  const char* want = GroupOfKind(p.kind);
  if (!want || group == want) return p;
  const std::string fix = std::string(want) == "core"
                              ? "group: \"\""
                              : "group: " + std::string(want);
  if (use == RefUse::kTarget) {
    // Istio's webhook refuses it (validatePolicyTargetReference).
    r.Error(gn.IsDefined() ? gn : n,
            what + ": kind " + p.kind + " is in API group " + want + ", got " +
                (gn.IsDefined() ? "group '" + gn.Scalar() + "'"
                                : std::string("no group (the core group)")) +
                "; did you mean '" + fix + "'?");
    return p;
  }
  // The CRD accepts it and Istio matches nothing: the route does not attach
  // to the parent, a request sent to the backend fails (500).
  r.Warning(
      gn.IsDefined() ? gn : n,
      what + ": " + p.kind + " " + p.name + " in API group " + group +
          " is no kind Istio knows, so it ignores the reference (" +
          (use == RefUse::kParent ? "the route does not attach to it"
                                  : "requests routed to it fail with 500") +
          "); meshsim does the same. A " + p.kind + " is in group " + want +
          ": did you mean '" + fix + "'?");
  p.kind += "." + group;
  return p;
}

namespace {

// §9 (conversion.go buildDestination, buildTCPDestination): a backendRef
// istiod refuses outright, failing the whole route: a Service named by a
// host name, a Hostname with a namespace. A zero-weight one is skipped
// before it is built. For a route with Gateway parents only, a backendRef
// into another namespace meets the ReferenceGrant check first, which no
// grant passes for a Hostname: that backend alone is dropped (500), as
// meshsim's grant check does; a Service named by a host name there is
// judged once the grants are known (RejectGrantedHostNames). The reason,
// or "" when it is converted.
std::string RefusedBackend(const HttpRoute& route, const BackendRef& b) {
  if (b.weight == 0) return "";
  bool gateway_parent = false, mesh_parent = false;
  for (const ParentRef& p : route.parents)
    (p.kind == "Gateway" ? gateway_parent : mesh_parent) = true;
  if (gateway_parent && !mesh_parent && b.ns_given && b.ns != route.ns)
    return "";
  if (b.kind == "Service" && b.name.find('.') != std::string::npos)
    return "names Service '" + b.name +
           "' by a host name; istiod wants the Service's name";
  if (b.kind == "Hostname" && b.ns_given)
    return "gives a namespace for Hostname '" + b.name +
           "', which istiod refuses (\"namespace may not be set with "
           "Hostname type\")";
  return "";
}

// §9 (conversion.go convertHTTPRoute, convertGRPCRoute, buildDestination;
// route_collections.go computeRoute): a rule istiod cannot convert is a
// hard error, and the whole route then yields no configuration: a filter
// type it does not support (ExtensionRef, or one the kind lacks; on a
// backendRef, any but the header modifiers), a refused backendRef
// (RefusedBackend). The CRD accepts them. True (with a warning) when the
// route is dropped.
bool RejectedWhole(Reader& r, const ObjectHeader& h, const HttpRoute& route) {
  const bool http = route.kind == "HTTPRoute" || route.kind == "GRPCRoute";
  const std::string drop =
      ": istiod rejects the whole route (Accepted=False), so none of its "
      "rules apply and " +
      std::string(http ? "requests it would match get 404"
                       : "connections it would take are closed") +
      " (§9)";
  for (size_t i = 0; i < route.rules.size(); ++i)
    for (const BackendRef& b : route.rules[i].backends)
      if (const std::string why = RefusedBackend(route, b); !why.empty()) {
        r.diags().Warning(b.location, h.what + ": rules[" + std::to_string(i) +
                                          "] " + why + drop);
        return true;
      }
  std::vector<std::string> filters;
  if (route.kind == "HTTPRoute")
    filters = {"RequestHeaderModifier",
               "ResponseHeaderModifier",
               "RequestRedirect",
               "RequestMirror",
               "URLRewrite",
               "CORS"};
  else if (route.kind == "GRPCRoute")
    filters = {"RequestHeaderModifier", "ResponseHeaderModifier",
               "RequestMirror"};
  else
    return false;
  for (size_t i = 0; i < route.rules.size(); ++i) {
    const HttpRouteRule& rule = route.rules[i];
    for (const HttpFilter& f : rule.filters)
      if (std::find(filters.begin(), filters.end(), f.type) == filters.end()) {
        r.diags().Warning(rule.location,
                          h.what + ": rules[" + std::to_string(i) +
                              "] has a filter of type '" + f.type +
                              "', which Istio's " + route.kind +
                              " does not support" + drop);
        return true;
      }
    // buildHTTPDestination skips a zero-weight backend before it is built;
    // a backendRef's own filters may only modify headers.
    for (const BackendRef& b : rule.backends)
      for (const std::string& type : b.filter_types)
        if (b.weight > 0 && type != "RequestHeaderModifier" &&
            type != "ResponseHeaderModifier") {
          r.diags().Warning(b.location,
                            h.what + ": rules[" + std::to_string(i) +
                                "] has a backendRef filter of type '" + type +
                                "': a backendRef's filters may only modify "
                                "headers" +
                                drop);
          return true;
        }
  }
  return false;
}

}  // namespace

void LoadRoute(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
               Cluster& cluster, ManifestSink& sink) {
  HttpRoute route = Named<HttpRoute>(h);
  route.kind = h.kind;
  route.creation_timestamp = CreationTimestamp(r, obj, h.what);
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  ForEachMap(r, spec, "parentRefs", h.what + ": spec",
             [&](const yaml::Node& p, const std::string& pw) {
               route.parents.push_back(
                   ReadRef(r, p, pw, h.ns, "Gateway", RefUse::kParent));
             });
  route.hostnames =
      r.StringList(r.Child(spec, "hostnames"), h.what + ": spec.hostnames")
          .value_or(std::vector<std::string>{});
  ForEachMap(r, spec, "rules", h.what + ": spec",
             [&](const yaml::Node& rule, const std::string& rw) {
               route.rules.push_back(ReadRouteRule(r, rule, rw, h.ns));
             });
  if (RejectedWhole(r, h, route)) return;
  cluster.routes.push_back(std::move(route));
}

}  // namespace meshsim::io
