// §16.2: VirtualService delegation, as istiod merges it before it builds any
// route (pilot/pkg/model/virtualservice_controller.go mergeVirtualServices,
// virtualservice.go MergeHTTPRoutes, mergeHTTPMatchRequests, hasConflict,
// stringMatchConflict). A root's route with `delegate` is replaced by the
// delegate's routes, each with its matches merged into the root's and the
// fields it leaves unset taken from the root's route.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/mesh.h"
#include "model/networking.h"

namespace meshsim {

namespace {

// Istio's StringMatch as the model keeps it: type "" is a nil match.
struct StringMatch {
  std::string type, value;
  bool Nil() const { return type.empty(); }
  std::string Get(const char* t) const { return type == t ? value : ""; }
};

// stringMatchConflict: whether `leaf` is not within `root`. Nil on either
// side is no conflict; a root that matches nothing precise conflicts.
bool StringMatchConflict(const StringMatch& root, const StringMatch& leaf) {
  if (root.Nil() || leaf.Nil()) return false;
  const std::string rx = root.Get("RegularExpression"),
                    lx = leaf.Get("RegularExpression");
  const std::string re = root.Get("Exact"), le = leaf.Get("Exact");
  const std::string rp = root.Get("Prefix"), lp = leaf.Get("Prefix");
  if (!rx.empty() && (!lx.empty() || !lp.empty() || !le.empty())) return true;
  if (!lx.empty() && (!rx.empty() || !rp.empty() || !re.empty())) return true;
  if (!re.empty()) return !lp.empty() || le != re;
  if (!rp.empty()) {
    if (!lp.empty()) return lp.compare(0, rp.size(), rp) != 0;
    if (!le.empty()) return le.compare(0, rp.size(), rp) != 0;
  }
  return true;
}

// A match's string matches by name: uri as "", method (the model keeps an
// exact one apart) as ":method", authority as ":authority", headers by name.
using Matches = std::map<std::string, StringMatch>;

Matches Named(const std::vector<HttpMatch::Header>& headers) {
  Matches out;
  for (const HttpMatch::Header& h : headers)
    out[h.name] = {h.type == "Present" ? "Present" : h.type, h.value};
  return out;
}

Matches HeadersOf(const HttpMatch& m) {
  Matches out = Named(m.headers);
  if (!m.path_type.empty()) out[""] = {m.path_type, m.path_value};
  if (!m.method.empty()) out[":method"] = {"Exact", m.method};
  return out;
}

bool MapConflict(const Matches& root, const Matches& leaf) {
  for (const auto& [name, match] : leaf) {
    auto it = root.find(name);
    if (it != root.end() && StringMatchConflict(it->second, match)) return true;
  }
  return false;
}

// hasConflict: the leaf match is not within the root match.
bool HasConflict(const HttpMatch& root, const HttpMatch& leaf) {
  if (MapConflict(HeadersOf(root), HeadersOf(leaf)) ||
      MapConflict(Named(root.without_headers), Named(leaf.without_headers)) ||
      MapConflict(Named(root.query_params), Named(leaf.query_params)))
    return true;
  if (root.ignore_uri_case != leaf.ignore_uri_case) return true;
  if (root.port > 0 && leaf.port > 0 && root.port != leaf.port) return true;
  if (!root.source_namespace.empty() &&
      leaf.source_namespace != root.source_namespace)
    return true;
  if (root.source_labels && leaf.source_labels)
    for (const auto& [k, v] : *leaf.source_labels) {
      auto it = root.source_labels->find(k);
      if (it != root.source_labels->end() && it->second != v) return true;
    }
  if (!root.gateways.empty() && !leaf.gateways.empty()) {
    if (root.gateways.size() < leaf.gateways.size()) return true;
    const std::set<std::string> have(root.gateways.begin(),
                                     root.gateways.end());
    for (const std::string& g : leaf.gateways)
      if (!have.count(g)) return true;
  }
  return false;
}

// maps.MergeCopy(root, leaf): the root's entries, the leaf's over them.
std::vector<HttpMatch::Header> MergeHeaders(
    const std::vector<HttpMatch::Header>& root,
    const std::vector<HttpMatch::Header>& leaf) {
  std::vector<HttpMatch::Header> out;
  for (const HttpMatch::Header& h : root)
    if (std::none_of(leaf.begin(), leaf.end(), [&](const HttpMatch::Header& l) {
          return l.name == h.name;
        }))
      out.push_back(h);
  out.insert(out.end(), leaf.begin(), leaf.end());
  return out;
}

// mergeHTTPMatchRequest: the leaf's match, with what it leaves unset taken
// from the root's, and the maps merged.
HttpMatch MergeMatch(const HttpMatch& root, const HttpMatch& leaf) {
  HttpMatch out = leaf;
  if (out.path_type.empty()) {
    out.path_type = root.path_type;
    out.path_value = root.path_value;
  }
  // A method is an exact `method` or a :method header; the leaf's either
  // way wins (out.Method = delegate's, else the root's).
  const bool leaf_method = !leaf.method.empty() ||
                           std::any_of(leaf.headers.begin(), leaf.headers.end(),
                                       [](const HttpMatch::Header& h) {
                                         return h.name == ":method";
                                       });
  if (!leaf_method) out.method = root.method;
  std::vector<HttpMatch::Header> root_headers = root.headers;
  if (leaf_method)
    root_headers.erase(std::remove_if(root_headers.begin(), root_headers.end(),
                                      [](const HttpMatch::Header& h) {
                                        return h.name == ":method";
                                      }),
                       root_headers.end());
  out.headers = MergeHeaders(root_headers, leaf.headers);
  out.without_headers =
      MergeHeaders(root.without_headers, leaf.without_headers);
  out.query_params = MergeHeaders(root.query_params, leaf.query_params);
  if (out.port == 0) out.port = root.port;
  if (root.source_labels || leaf.source_labels) {
    Labels merged = root.source_labels.value_or(Labels{});
    for (const auto& [k, v] : leaf.source_labels.value_or(Labels{}))
      merged[k] = v;
    out.source_labels = merged;
  }
  if (out.source_namespace.empty())
    out.source_namespace = root.source_namespace;
  if (out.gateways.empty()) out.gateways = root.gateways;
  return out;
}

// mergeHTTPMatchRequests: each of the leaf's matches merged with every root
// match it does not conflict with; nullopt (the route is dropped) when one
// of them has none.
std::optional<std::vector<HttpMatch>> MergeMatches(
    const std::vector<HttpMatch>& root, const std::vector<HttpMatch>& leaf) {
  if (root.empty()) return leaf;
  if (leaf.empty()) return root;
  std::vector<HttpMatch> out;
  for (const HttpMatch& sub : leaf) {
    bool found = false;
    for (const HttpMatch& r : root) {
      if (HasConflict(r, sub)) continue;
      out.push_back(MergeMatch(r, sub));
      found = true;
    }
    if (!found) return std::nullopt;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

const HttpFilter* FilterOf(const HttpRouteRule& rule, const char* type) {
  for (const HttpFilter& f : rule.filters)
    if (f.type == type) return &f;
  return nullptr;
}

// mergeHTTPRoute: the delegate's route, its matches merged, and the root's
// rewrite, directResponse, timeout, retries, fault, mirror, mirror
// percentage and header operations where it has none of its own (not the
// root's redirect).
std::optional<HttpRouteRule> MergeRoute(const HttpRouteRule& root,
                                        const HttpRouteRule& leaf) {
  auto matches = MergeMatches(root.matches, leaf.matches);
  if (!matches) return std::nullopt;
  HttpRouteRule out = leaf;
  out.matches = std::move(*matches);
  if (out.name.empty()) {
    out.name = root.name;
  } else if (!root.name.empty()) {
    out.name = root.name + "-" + leaf.name;
  }
  // The leaf's filters stay (its destinations' header operations among
  // them); the root's rewrite and route-level header operations join where
  // the leaf has none of its own (a root route has no destinations, so its
  // header filters are all route-level).
  if (!leaf.headers_given && root.headers_given) {
    auto at = std::find_if(
        out.filters.begin(), out.filters.end(), [](const HttpFilter& f) {
          return f.type == "RequestRedirect" || f.type == "URLRewrite";
        });
    std::vector<HttpFilter> inherited;
    for (const HttpFilter& f : root.filters)
      if (f.type == "RequestHeaderModifier") inherited.push_back(f);
    out.filters.insert(at, inherited.begin(), inherited.end());
    out.headers_given = true;
  }
  if (!FilterOf(leaf, "URLRewrite"))
    if (const HttpFilter* f = FilterOf(root, "URLRewrite"))
      out.filters.push_back(*f);
  if (!out.direct_status) out.direct_status = root.direct_status;
  if (out.timeout.empty()) out.timeout = root.timeout;
  if (!leaf.retries_given && root.retries_given) {
    out.retries_given = true;
    out.retry_attempts = root.retry_attempts;
    out.retry_codes = root.retry_codes;
  }
  if (!out.fault) out.fault = root.fault;
  if (!out.mirror) out.mirror = root.mirror;
  if (!leaf.mirror_percent_given && root.mirror_percent_given) {
    out.mirror_percent = root.mirror_percent;
    out.mirror_percent_given = true;
  }
  out.delegate.reset();
  return out;
}

// A fault the merged route takes from the root beside the delegate's
// redirect or directResponse: istiod sets the fault filter on any route
// action, and Envoy runs it before the router; meshsim's simulator and
// verifier take a redirect or direct answer without a fault (istiod refuses
// both in one route of one VirtualService), so it is not modelled.
bool FaultBesideAnswer(const HttpRouteRule& merged) {
  return merged.fault &&
         (merged.direct_status || FilterOf(merged, "RequestRedirect"));
}

}  // namespace

void MergeDelegateVirtualServices(Cluster& c, Diagnostics& diags) {
  std::set<std::string> used;
  for (HttpRoute& vs : c.routes) {
    if (!vs.IsVirtualService() ||
        std::none_of(vs.rules.begin(), vs.rules.end(),
                     [](const HttpRouteRule& r) { return r.delegate; }))
      continue;
    const std::string what = "VirtualService " + vs.Key();
    std::vector<HttpRouteRule> rules;
    for (HttpRouteRule& rule : vs.rules) {
      if (!rule.delegate) {
        rules.push_back(std::move(rule));
        continue;
      }
      const DelegateRef& ref = *rule.delegate;
      const std::string key = ref.ns + "/" + ref.name;
      auto d = std::find_if(c.delegate_virtual_services.begin(),
                            c.delegate_virtual_services.end(),
                            [&](const HttpRoute& x) { return x.Key() == key; });
      if (d == c.delegate_virtual_services.end()) {
        diags.Warning(ref.location,
                      what + ": delegate " + key +
                          " is no VirtualService without hosts in cluster " +
                          c.name + "; istiod ignores this route (§16.2)");
        continue;
      }
      used.insert(key);
      if (!ExportedTo(d->export_to, d->ns, vs.ns)) {
        diags.Warning(ref.location, what + ": delegate " + key +
                                        " is not exported to " + vs.ns +
                                        "; istiod ignores this route (§16.2)");
        continue;
      }
      for (const HttpRouteRule& leaf : d->rules) {
        if (auto merged = MergeRoute(rule, leaf)) {
          if (FaultBesideAnswer(*merged))
            diags.Error(
                leaf.location,
                "VirtualService " + key +
                    ": a route with a redirect "
                    "or directResponse takes the fault of the route of " +
                    what +
                    " that delegates to it; Envoy would inject "
                    "the fault first, which meshsim does not model "
                    "(§16.2)");
          rules.push_back(std::move(*merged));
        } else {
          diags.Warning(
              leaf.location,
              "VirtualService " + key +
                  ": a route's matches are "
                  "not within those of the route of " +
                  what +
                  " that delegates to it; istiod drops the route there "
                  "(§16.2)");
        }
      }
    }
    vs.rules = std::move(rules);
  }
  for (const HttpRoute& d : c.delegate_virtual_services)
    if (!used.count(d.Key()))
      diags.Warning(d.location,
                    "VirtualService " + d.Key() +
                        ": a delegate (no spec.hosts) that no "
                        "root VirtualService in cluster " +
                        c.name + " delegates to; it changes nothing (§16.2)");
}

}  // namespace meshsim
