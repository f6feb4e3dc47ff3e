// The table of modelled kinds: {API group, kind} -> handler. See kinds.h.
#include "model/io/kinds.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace meshsim::io {

namespace {

constexpr char kIstioNetworking[] = "networking.istio.io";
constexpr char kIstioSecurity[] = "security.istio.io";
constexpr char kGatewayApi[] = "gateway.networking.k8s.io";

// Each kind in its own API group: strict reading (schema.cc) has already
// refused a kind written under a group that does not have it (a Deployment
// as apiVersion v1 is unknown-kind, with the group that has it).
const std::vector<KindEntry>& KindTable() {
  static const std::vector<KindEntry> kTable = {
      // kinds_workloads.cc
      {"", "Namespace", LoadNamespace, /*cluster_scoped=*/true},
      {"", "Pod", LoadPod},
      {"apps", "Deployment", LoadController},
      {"apps", "StatefulSet", LoadController},
      {"apps", "DaemonSet", LoadController},
      {"apps", "ReplicaSet", LoadController},
      {kIstioNetworking, "WorkloadEntry", LoadWorkloadEntry},
      // kinds_services.cc
      {"", "Service", LoadService},
      {kIstioNetworking, "ServiceEntry", LoadServiceEntry},
      // kinds_endpoints.cc
      {"discovery.k8s.io", "EndpointSlice", LoadEndpointSlice},
      {"", "Endpoints", LoadEndpoints},
      {"admin.solo.io", "Segment", LoadSegment},
      // kinds_gateway_api.cc
      {kGatewayApi, "Gateway", LoadGateway},
      {kGatewayApi, "GatewayClass", LoadGatewayClass,
       /*cluster_scoped=*/true},
      {kGatewayApi, "HTTPRoute", LoadRoute},
      {kGatewayApi, "GRPCRoute", LoadRoute},
      {kGatewayApi, "TCPRoute", LoadRoute},
      {kGatewayApi, "TLSRoute", LoadRoute},
      {kGatewayApi, "ReferenceGrant", LoadReferenceGrant},
      // kinds_networking.cc
      {kIstioNetworking, "VirtualService", LoadVirtualService},
      {kIstioNetworking, "DestinationRule", LoadDestinationRule},
      {kIstioNetworking, "Gateway", LoadIstioGateway},
      // kinds_security.cc
      {kIstioSecurity, "AuthorizationPolicy", LoadAuthorizationPolicy},
      {kIstioSecurity, "PeerAuthentication", LoadPeerAuthentication},
      {kIstioSecurity, "RequestAuthentication", LoadRequestAuthentication},
      // kinds_network_policy.cc
      {"networking.k8s.io", "NetworkPolicy", LoadNetworkPolicy},
  };
  return kTable;
}

}  // namespace

const KindEntry* FindKind(const std::string& group, const std::string& kind) {
  for (const KindEntry& e : KindTable()) {
    if (e.kind == kind && e.group == group) return &e;
  }
  return nullptr;
}

// RFC 3339 (what metav1.Time reads) to UTC with a nine-digit fraction, so
// that comparing the strings compares the times; nullopt when not RFC 3339.
std::optional<std::string> NormalizeTimestamp(const std::string& t) {
  // Fixed positions, as Go's time.Parse reads time.RFC3339.
  auto digits = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t k = at; k < at + n; ++k) {
      if (k >= t.size() || !std::isdigit(static_cast<unsigned char>(t[k])))
        return -1;
      v = v * 10 + (t[k] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2),
            h = digits(11, 2), mi = digits(14, 2), sec = digits(17, 2);
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
      t[13] != ':' || t[16] != ':' || y < 0 || mo < 1 || mo > 12 || d < 1 ||
      h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int month_days[] = {
      31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > month_days[mo - 1]) return std::nullopt;
  size_t at = 19;
  // A fraction (Go also takes ','): the API server keeps whole seconds
  // (metav1.Time), so it is dropped and same-second objects tie.
  if (at < t.size() && (t[at] == '.' || t[at] == ',')) {
    const size_t begin = ++at;
    while (at < t.size() && std::isdigit(static_cast<unsigned char>(t[at])))
      ++at;
    if (at == begin) return std::nullopt;
  }
  int offset = 0;  // minutes east of UTC
  if (at + 1 == t.size() && t[at] == 'Z') {
  } else if (at + 6 == t.size() && (t[at] == '+' || t[at] == '-') &&
             t[at + 3] == ':') {
    const int oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset = (t[at] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  // Days from the civil date (Howard Hinnant's algorithm), then back.
  auto days = [](int yy, int mm, int dd) {
    yy -= mm <= 2;
    const int era = (yy >= 0 ? yy : yy - 399) / 400;
    const int yoe = yy - era * 400;
    const int doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  };
  long long total =
      (static_cast<long long>(days(y, mo, d)) * 1440 + h * 60 + mi - offset) *
          60 +
      sec;
  long long z = total / 86400, rem = total % 86400;
  if (rem < 0) rem += 86400, --z;
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long dd = doy - (153 * mp + 2) / 5 + 1;
  const long long mm = mp < 10 ? mp + 3 : mp - 9;
  const long long yy = yoe + era * 400 + (mm <= 2);
  char out[48];
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                yy, mm, dd, rem / 3600, rem % 3600 / 60, rem % 60);
  return std::string(out);
}

std::string CreationTimestamp(Reader& r, const yaml::Node& obj,
                              const std::string& what) {
  const yaml::Node n = r.Child(r.Child(obj, "metadata"), "creationTimestamp");
  const std::string t = r.String(n, what).value_or("");
  if (t.empty()) return "";
  if (auto norm = NormalizeTimestamp(t)) return *norm;
  r.Error(n, what +
                 ": metadata.creationTimestamp must be an RFC 3339 time "
                 "such as 2024-01-02T03:04:05Z, got '" +
                 t + "'");
  return "";
}

// validation.go validateExportTo: each entry ".", "*" or a namespace name
// (DNS-1123 label), none twice ("." counting as the object's namespace),
// "*" alone; a DestinationRule with a workloadSelector exports only to its
// own namespace.
void CheckExportTo(Reader& r, const yaml::Node& n,
                   const std::vector<std::string>& list, const std::string& ns,
                   const std::string& what, bool dr_selector) {
  auto label = [](const std::string& v) {
    if (v.empty() || v.size() > 63 || v.front() == '-' || v.back() == '-')
      return false;
    return std::all_of(v.begin(), v.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    });
  };
  std::set<std::string> seen;
  for (const std::string& e : list) {
    const std::string key = e == "." ? ns : e;
    if (!seen.insert(key).second) {
      r.Error(n, what + ": spec.exportTo lists " +
                     (key != e ? ". and its own namespace " + ns : e) +
                     " twice (istiod refuses it)");
    } else if (e != "." && e != "*" && !label(e)) {
      r.Error(n, what + ": spec.exportTo entry '" + e +
                     "' is not '.', '*' or a namespace name (istiod refuses "
                     "it)");
    }
  }
  if (seen.count("*") && list.size() > 1)
    r.Error(n, what +
                   ": spec.exportTo cannot have both public (*) and "
                   "non-public values (istiod refuses it)");
  if (dr_selector && !list.empty() && (!seen.count(ns) || seen.size() > 1))
    r.Error(n, what +
                   ": a DestinationRule with a workloadSelector may export "
                   "only to its own namespace (istiod refuses it)");
}

// §16.3: a VirtualService's reference to a Gateway as istiod resolves it
// (config.go resolveGatewayName): `mesh` stays; `name` and `./name` are in
// the VirtualService's namespace `ns`; `ns/name` stays; the legacy forms
// `name.ns` and `name.ns.svc.cluster.local` are `ns/name`.
std::string ResolveGatewayName(const std::string& g, const std::string& ns) {
  if (g == "mesh") return g;
  const size_t slash = g.find('/');
  if (slash != std::string::npos)
    return g.compare(0, slash, ".") == 0 ? ns + g.substr(slash) : g;
  const size_t dot = g.find('.');
  if (dot == std::string::npos) return ns + "/" + g;
  const size_t end = g.find('.', dot + 1);
  return g.substr(dot + 1, end == std::string::npos ? std::string::npos
                                                    : end - dot - 1) +
         "/" + g.substr(0, dot);
}

}  // namespace meshsim::io
