// Services: Service and ServiceEntry. See kinds.h.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/binding.h"
#include "model/io/kinds.h"
#include "model/io/scenario_sections.h"
#include "model/labels.h"
#include "model/policy.h"
#include "model/text.h"

namespace meshsim::io {

namespace {

// spec.ports[]: `port` (a Service's) or `number` (a ServiceEntry's) is
// required.
void ReadServicePort(Reader& r, const yaml::Node& p, const std::string& pw,
                     bool service_entry, Service& s) {
  ServicePort sp;
  sp.name = r.String(r.Child(p, "name"), pw + ".name").value_or("");
  yaml::Node num = r.Child(p, service_entry ? "number" : "port");
  auto port = r.Int(num, pw + (service_entry ? ".number" : ".port"), 1, 65535);
  if (!port) {
    if (!num.IsDefined())
      r.Error(p, pw + (service_entry ? ".number" : ".port") + " is required");
    return;
  }
  sp.port = static_cast<int>(*port);
  yaml::Node tp = r.Child(p, "targetPort");
  if (tp.IsScalar()) {
    const std::string& v = tp.Scalar();
    if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) {
      sp.target_port =
          static_cast<int>(r.Int(tp, pw + ".targetPort", 1, 65535).value_or(0));
    } else {
      sp.target_port_name = v;
    }
  } else if (tp.IsDefined() && !tp.IsNull()) {
    r.Error(tp, pw + ".targetPort must be a port number or name, got " +
                    Reader::Describe(tp));
  }
  // §8.6: a ServiceEntry port without a protocol is undeclared (sniffed).
  sp.protocol = r.String(r.Child(p, "protocol"), pw + ".protocol")
                    .value_or(service_entry ? "" : "TCP");
  sp.entry = service_entry;
  sp.app_protocol =
      r.String(r.Child(p, "appProtocol"), pw + ".appProtocol").value_or("");
  s.ports.push_back(sp);
}

void ReadServicePorts(Reader& r, const yaml::Node& spec,
                      const std::string& what, bool service_entry, Service& s) {
  ForEachMap(r, spec, "ports", what,
             [&](const yaml::Node& p, const std::string& pw) {
               ReadServicePort(r, p, pw, service_entry, s);
             });
}

// A Service or ServiceEntry with the object's metadata.
Service ServiceOf(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                  const char* kind) {
  Service s = Named<Service>(h);
  s.kind = kind;
  s.creation_timestamp = CreationTimestamp(r, obj, h.what);
  s.labels = h.labels;
  s.annotations = h.annotations;
  s.label_locations = h.label_locs;
  return s;
}

}  // namespace

namespace {

// §16.10: what a Service's spec says that changes nothing meshsim
// reports, read as given: its address families, and how traffic from
// outside the cluster reaches nodes (meshsim's outside traffic enters at an
// ingress gateway). Values that do change the mesh's behaviour stay unread
// and are reported: sessionAffinity ClientIP.
void MarkServiceFieldsRead(const yaml::Node& spec) {
  for (const char* key :
       {"clusterIPs", "ipFamilies", "ipFamilyPolicy", "externalTrafficPolicy",
        "allocateLoadBalancerNodePorts", "healthCheckNodePort",
        "loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges",
        "externalIPs", "externalName", "sessionAffinityConfig"})
    spec[key].MarkSubtreeRead();
  const auto read_if = [&](const char* key, const char* value) {
    if (spec[key].Scalar() == value) spec[key].MarkRead();
  };
  read_if("sessionAffinity", "None");
  const yaml::Node ports = spec["ports"];
  for (size_t i = 0; i < ports.size(); ++i) ports[i]["nodePort"].MarkRead();
}

}  // namespace

void LoadService(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                 Cluster& cluster, ManifestSink& sink) {
  Service s = ServiceOf(r, h, obj, "Service");
  // §16.10: istiod reads a Service's exportTo from this annotation
  // (kube/conversion.go); meshsim publishes every Service to every proxy.
  if (FindLabel(h.annotations, "networking.istio.io/exportTo"))
    r.Warning(obj, h.what +
                       ": annotation networking.istio.io/exportTo is not "
                       "modelled: every proxy here sees the Service as if "
                       "exported to all namespaces, while Istio hides it "
                       "from sidecars and gateways of the others (§16.10)");
  yaml::Node spec = r.Child(obj, "spec");
  if (r.IsMap(spec, h.what + ": spec")) {
    yaml::Node sel = r.Child(spec, "selector");
    if (sel.IsDefined() && !sel.IsNull()) {
      auto m = r.StringMap(sel, h.what + ": spec.selector", false, nullptr);
      if (m && !m->empty()) s.selector = *m;
    }
    ReadServicePorts(r, spec, h.what + ": spec", false, s);
    auto type = r.String(r.Child(spec, "type"), h.what + ": spec.type");
    s.external_name = type && *type == "ExternalName";
    if (s.external_name)
      s.external_target = AsciiLower(r.String(r.Child(spec, "externalName"),
                                              h.what + ": spec.externalName")
                                         .value_or(""));
    auto cip =
        r.String(r.Child(spec, "clusterIP"), h.what + ": spec.clusterIP");
    if (cip && *cip == "None") {
      s.headless = true;
    } else if (cip && !cip->empty() && !IsIpAddress(*cip)) {
      r.Error(r.Child(spec, "clusterIP"),
              h.what + ": spec.clusterIP '" + *cip +
                  "' is not an IP address or None (Kubernetes refuses it)");
    } else if (cip && !cip->empty()) {
      s.vips.push_back(*cip);
    }
    s.traffic_distribution = r.String(r.Child(spec, "trafficDistribution"),
                                      h.what + ": spec.trafficDistribution")
                                 .value_or("");
    // §3.8: kube-proxy's Local policy is also every proxy's (ztunnel and
    // Envoy keep only their node's endpoints).
    // (The schema admits Cluster and Local only.)
    auto itp = r.String(r.Child(spec, "internalTrafficPolicy"),
                        h.what + ": spec.internalTrafficPolicy");
    s.node_local = itp && *itp == "Local";
    // §3.6: its not-ready pods stay its endpoints.
    s.publish_not_ready = r.Bool(r.Child(spec, "publishNotReadyAddresses"),
                                 h.what + ": spec.publishNotReadyAddresses")
                              .value_or(false);
    // §16.7: addresses kube-proxy serves for the Service besides its
    // ClusterIP.
    if (auto ips = r.StringList(r.Child(spec, "externalIPs"),
                                h.what + ": spec.externalIPs"))
      s.external_addresses = *ips;
    if (auto lb = r.String(r.Child(spec, "loadBalancerIP"),
                           h.what + ": spec.loadBalancerIP");
        lb && !lb->empty())
      s.external_addresses.push_back(*lb);
    MarkServiceFieldsRead(spec);
  }
  const yaml::Node lb_ingress = obj["status"]["loadBalancer"]["ingress"];
  for (size_t i = 0; i < lb_ingress.size(); ++i) {
    const yaml::Node ip = lb_ingress[i]["ip"];
    if (ip.IsScalar() && !ip.Scalar().empty())
      s.external_addresses.push_back(ip.Scalar());
  }
  sink.services.push_back(std::move(s));
}

// spec.endpoints[].ports (and a WorkloadEntry's spec.ports): port name to
// the port this endpoint listens on.
void ReadEndpointPorts(Reader& r, const yaml::Node& n, const std::string& what,
                       std::map<std::string, int>& out) {
  if (!n.IsDefined() || n.IsNull() || !r.IsMap(n, what)) return;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const yaml::Node k = it->first;
    const yaml::Node v = it->second;
    if (!k.IsScalar()) {
      r.Error(k, what + " keys must be port names, got " + Reader::Describe(k));
      continue;
    }
    // validateWorkloadEntry: ValidatePortName, Istio's DNS-1123 label
    // (capitals allowed), at most 63 characters (§3.4).
    const std::string& name = k.Scalar();
    static const RE2 kPortName("[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?");
    if (name.size() > 63 || !RE2::FullMatch(name, kPortName)) {
      r.Error(k, what + ": port name '" + name +
                     "' is not a DNS-1123 label (letters, digits and '-', at "
                     "most 63); istiod's validation refuses it");
      v.MarkSubtreeRead();  // reported here, not again as unmodelled
      continue;
    }
    if (auto port = r.Int(v, what + "['" + name + "']", 1, 65535))
      out[name] = static_cast<int>(*port);
  }
}

bool IsIpAddress(const std::string& a) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, a.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

namespace {

// istiod's validation of one inline endpoint (validateWorkloadEntry and
// ValidateServiceEntry): an address (an IP for STATIC, an IP or a host name
// for DNS), port names the entry defines. False to leave it out: bad, or
// without an address (a remote network's endpoint istiod reaches only
// through its gateway, which meshsim does not model).
bool ValidEndpoint(Reader& r, const ObjectHeader& h, const Service& s,
                   const yaml::Node& e, const Service::Endpoint& ep) {
  const std::string w = h.what + ": spec.endpoints[]";
  bool ok = true;
  for (const auto& named : ep.ports) {
    const std::string& name = named.first;
    if (std::none_of(s.ports.begin(), s.ports.end(),
                     [&](const ServicePort& p) { return p.name == name; })) {
      r.Error(r.Child(r.Child(e, "ports"), name.c_str()),
              w + ".ports names port '" + name +
                  "', which spec.ports does not define");
      ok = false;
    }
  }
  if (ep.address.empty()) {
    // DNS resolution needs a host name (ValidateFQDN("") fails).
    if (ep.network.empty() || s.resolution != "STATIC") {
      r.Error(e, w + ".address is required" +
                     (ep.network.empty() ? ""
                                         : " with resolution " + s.resolution));
      return false;
    }
    r.Warning(e, w + ": an endpoint without address on network " + ep.network +
                     " is reached only through that network's east-west "
                     "gateway; meshsim leaves it out (§3.4)");
    return false;
  }
  if (const std::string bad =
          EndpointAddressError(ep.address, !ep.ports.empty());
      !bad.empty()) {
    r.Error(r.Child(e, "address"), w + ".address '" + ep.address + "': " + bad +
                                       " (istiod's validation refuses it)");
    return false;
  }
  if (ep.address.rfind("unix://", 0) == 0) {
    r.Warning(r.Child(e, "address"),
              w + ".address '" + ep.address +
                  "' is a Unix socket, which meshsim does not model; the "
                  "endpoint is left out");
    return false;
  }
  if (s.resolution == "STATIC" && !ep.workload) {
    r.Error(r.Child(e, "address"),
            w + ".address '" + ep.address +
                "' is not an IP address, which resolution STATIC needs (a "
                "host name needs resolution DNS)");
    return false;
  }
  return ok;
}

// §3.4: istiod makes each inline endpoint with an IP address a workload of
// the entry's namespace (serviceEntryWorkloadBuilder): the endpoint's
// labels, network and service account; its ports map by port name.
Workload EndpointWorkload(const ObjectHeader& h, const Service& s,
                          const Service::Endpoint& ep,
                          const std::string& network,
                          const SourceLocation& where) {
  Workload w;
  w.kind = "WorkloadEntry";
  w.ns = h.ns;
  w.name = s.name + "@" + ep.address;
  // Its own owner: `workload: <entry>` in a traffic entry names no
  // endpoint, and lint takes each endpoint apart.
  w.owner = w.name;
  w.owner_kind = "ServiceEntry";
  w.service_entry = s.name;
  // §1.1: the entry's own tunnel label or redirection annotation.
  w.hbone_tunnel = SpeaksHbone(s.labels, s.annotations);
  w.labels = ep.labels;
  w.entry_labels = std::make_shared<const Labels>(s.labels);
  w.network = network;
  if (!ep.service_account.empty()) w.service_account = ep.service_account;
  w.ip = ep.address;
  for (const auto& [name, port] : ep.ports) w.ports.push_back({name, port});
  w.location = where;
  return w;
}

}  // namespace

namespace {
// §3.4: what istiod's validation (validateServiceEntry) refuses in a
// DYNAMIC_DNS entry of release `v`: the resolution before 1.28, a host
// without a wildcard, spec.addresses, a port protocol its dynamic forward
// proxy does not take (1.28 HTTP; 1.29 and TLS; 1.30 and GRPC, HTTP2), and
// MESH_INTERNAL (before 1.30; from 1.30 with an istio.io/use-waypoint label).
void CheckDynamicDns(Reader& r, const ObjectHeader& h, const yaml::Node& spec,
                     IstioVersion v, const Service& s) {
  const yaml::Node res = r.Child(spec, "resolution");
  if (!v.AtLeast(1, 28)) {
    r.Error(res, h.what + ": resolution DYNAMIC_DNS is new in Istio 1.28; " +
                     v.ToString() + " refuses it");
    return;
  }
  for (const std::string& host : s.hosts)
    if (host.rfind('*', 0) != 0)
      r.Error(r.Child(spec, "hosts"),
              h.what + ": host '" + host +
                  "' has no wildcard, which resolution DYNAMIC_DNS needs");
  if (!s.vips.empty())
    r.Error(r.Child(spec, "addresses"),
            h.what +
                ": resolution DYNAMIC_DNS takes no spec.addresses (the "
                "route domains come from the hosts)");
  std::vector<std::string> ok = {"HTTP"};
  if (v.AtLeast(1, 29)) ok.push_back("TLS");
  if (v.AtLeast(1, 30)) ok.insert(ok.end(), {"GRPC", "HTTP2"});
  for (const ServicePort& sp : s.ports) {
    std::string proto = sp.protocol;
    for (char& c : proto) c = static_cast<char>(std::toupper(c));
    if (std::find(ok.begin(), ok.end(), proto) == ok.end()) {
      std::string list;
      for (const std::string& p : ok) list += (list.empty() ? "" : ", ") + p;
      r.Error(r.Child(spec, "ports"),
              h.what + ": port " + std::to_string(sp.port) + " is " + proto +
                  "; resolution DYNAMIC_DNS takes only " + list + " in Istio " +
                  v.ToString());
    }
  }
  if (s.location_kind == "MESH_INTERNAL") {
    const std::string* wp = FindLabel(s.labels, "istio.io/use-waypoint");
    if (!v.AtLeast(1, 30))
      r.Error(r.Child(spec, "location"),
              h.what +
                  ": resolution DYNAMIC_DNS needs location MESH_EXTERNAL "
                  "before Istio 1.30");
    else if (wp && !wp->empty() && AsciiLower(*wp) != "none")
      r.Error(r.Child(spec, "location"),
              h.what +
                  ": location MESH_INTERNAL with resolution DYNAMIC_DNS "
                  "is refused for an entry labelled "
                  "istio.io/use-waypoint");
  }
}

std::string Upper(std::string v) {
  for (char& c : v) c = static_cast<char>(std::toupper(c));
  return v;
}

// The HTTP-like port protocols and those a proxy tells hosts apart by SNI
// (protocol.Parse, case-insensitive).
bool HostTellsApart(const std::string& p) {
  static const std::set<std::string> kByHost = {
      "http", "http2", "http_proxy", "grpc", "grpc-web", "https", "tls"};
  return kByHost.count(AsciiLower(p)) > 0;
}

// §3.4: the rest of what istiod's validation (validateServiceEntry)
// refuses in any ServiceEntry: the host "*", a CIDR address unless the
// resolution is NONE or STATIC, two ports of one name or number, an
// unknown protocol, a wildcard host with DNS resolution and no endpoints,
// and several hosts with a port that carries no host name (plain TCP)
// unless the resolution is NONE. `cidr`: spec.addresses as written holds a
// '/'.
void CheckServiceEntry(Reader& r, const ObjectHeader& h, const yaml::Node& spec,
                       const Service& s, bool cidr, bool has_endpoints) {
  const yaml::Node hosts = r.Child(spec, "hosts");
  for (const std::string& host : s.hosts) {
    if (host == "*")
      r.Error(hosts, h.what +
                         ": host '*' is refused: a ServiceEntry cannot "
                         "take every host; did you mean a wildcard such as "
                         "*.example.com? (istiod refuses the entry)");
    // ValidateWildcardDomain: DNS labels, a '*' only at the start of the
    // first.
    else if (const std::string bad = WildcardDomainError(host); !bad.empty())
      r.Error(hosts, h.what + ": host '" + host + "' " + bad +
                         " (istiod refuses the entry)");
  }
  // ValidateIPSubnet: each address an IP or a CIDR block.
  for (const std::string& a : s.vips)
    if (!IpInBlock(a, a.substr(0, a.find('/'))))
      r.Error(r.Child(spec, "addresses"),
              h.what + ": address '" + a +
                  "' is not an IP address or CIDR block (istiod refuses the "
                  "entry)");
  if (cidr && s.resolution != "NONE" && s.resolution != "STATIC")
    r.Error(r.Child(spec, "addresses"),
            h.what +
                ": CIDR addresses are allowed only with resolution NONE "
                "or STATIC, got " +
                s.resolution + " (istiod refuses the entry)");
  std::set<std::string> names;
  std::set<std::string> numbers;
  const yaml::Node ports = r.Child(spec, "ports");
  for (size_t i = 0; ports.IsSequence() && i < ports.size(); ++i) {
    const yaml::Node p = ports[i];
    const yaml::Node name = r.Child(p, "name");
    const yaml::Node number = r.Child(p, "number");
    if (name.IsScalar() && !names.insert(name.Scalar()).second)
      r.Error(name, h.what + ": port name '" + name.Scalar() +
                        "' is already defined by an earlier port (istiod "
                        "refuses the entry)");
    if (number.IsScalar() && !numbers.insert(number.Scalar()).second)
      r.Error(number, h.what + ": port " + number.Scalar() +
                          " is already defined by an earlier port (istiod "
                          "refuses the entry)");
    const yaml::Node proto = r.Child(p, "protocol");
    const std::vector<std::string>& known = IstioPortProtocols();
    if (proto.IsScalar() && !proto.Scalar().empty() &&
        std::find(known.begin(), known.end(), Upper(proto.Scalar())) ==
            known.end())
      r.Error(proto, h.what +
                         ": port protocol must be one of HTTP, HTTPS, "
                         "HTTP2, GRPC, GRPC-WEB, HTTP_PROXY, TCP, TLS, "
                         "MONGO, REDIS, MYSQL, UDP, got '" +
                         proto.Scalar() + "'" +
                         DidYouMean(Upper(proto.Scalar()), known) +
                         " (istiod refuses the entry)");
  }
  if ((s.resolution == "DNS" || s.resolution == "DNS_ROUND_ROBIN") &&
      !has_endpoints)
    for (const std::string& host : s.hosts)
      if (host.find('*') != std::string::npos) {
        r.Error(hosts, h.what + ": host '" + host +
                           "' is not a fully qualified name, which "
                           "resolution " +
                           s.resolution +
                           " without endpoints needs (it resolves each "
                           "host by DNS); list endpoints, or use "
                           "resolution NONE or DYNAMIC_DNS (istiod refuses the "
                           "entry)");
        break;
      }
  if (s.resolution != "NONE" && s.hosts.size() > 1)
    for (const ServicePort& sp : s.ports)
      if (!HostTellsApart(sp.protocol)) {
        r.Error(ports,
                h.what + ": several hosts with port " +
                    std::to_string(sp.port) +
                    (sp.protocol.empty() ? " of no declared protocol"
                                         : " of protocol " + sp.protocol) +
                    ", which carries no host name to tell them "
                    "apart: use HTTP or TLS ports, one host per "
                    "entry, or resolution NONE (istiod refuses the "
                    "entry)");
        break;
      }
}
}  // namespace

void LoadServiceEntry(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                      Cluster& cluster, ManifestSink& sink) {
  Service s = ServiceOf(r, h, obj, "ServiceEntry");
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  s.hosts = r.StringList(r.Child(spec, "hosts"), h.what + ": spec.hosts")
                .value_or(std::vector<std::string>{});
  if (s.hosts.empty()) {
    r.Error(spec, h.what + ": spec.hosts must list at least one host");
    return;
  }
  s.vips = r.StringList(r.Child(spec, "addresses"), h.what + ": spec.addresses")
               .value_or(std::vector<std::string>{});
  const bool cidr = std::any_of(s.vips.begin(), s.vips.end(), [](auto& a) {
    return a.find('/') != std::string::npos;
  });
  // §3.4 (toNetworkAddressFromCidr): a block of one address is that
  // address, a VIP like any other.
  for (std::string& a : s.vips) {
    const size_t slash = a.find('/');
    if (slash == std::string::npos) continue;
    const std::string len = a.substr(slash + 1);
    const bool v6 = a.find(':') != std::string::npos;
    if (len == (v6 ? "128" : "32")) a.resize(slash);
  }
  ReadServicePorts(r, spec, h.what + ": spec", true, s);
  s.resolution =
      r.String(r.Child(spec, "resolution"), h.what + ": spec.resolution")
          .value_or("NONE");
  CheckOneOf(r, r.Child(spec, "resolution"), h.what + ": spec.resolution",
             s.resolution,
             {"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"});
  s.location_kind =
      r.String(r.Child(spec, "location"), h.what + ": spec.location")
          .value_or("MESH_EXTERNAL");
  if (s.resolution == "DYNAMIC_DNS")
    CheckDynamicDns(r, h, spec, sink.version, s);
  yaml::Node eps = r.Child(spec, "endpoints");
  CheckServiceEntry(r, h, spec, s, cidr, eps.IsSequence() && eps.size() > 0);
  yaml::Node ws = r.Child(spec, "workloadSelector");
  if (r.IsMap(ws, h.what + ": spec.workloadSelector")) {
    auto m =
        r.StringMap(r.Child(ws, "labels"),
                    h.what + ": spec.workloadSelector.labels", false, nullptr);
    if (m) s.selector = *m;
    CheckWorkloadSelector(r, r.Child(ws, "labels"),
                          h.what + ": spec.workloadSelector.labels");
  }
  // istiod's validation (ValidateServiceEntry) refuses these.
  if (eps.IsSequence() && eps.size() > 0 && s.selector)
    r.Error(eps, h.what +
                     ": only one of spec.workloadSelector and "
                     "spec.endpoints may be set");
  else if (eps.IsSequence() && eps.size() > 0 && s.resolution == "NONE")
    r.Error(eps, h.what +
                     ": resolution NONE takes no endpoints (it passes "
                     "connections through to their original address)");
  else if (eps.IsSequence() && eps.size() > 0 && s.resolution == "DYNAMIC_DNS")
    r.Error(eps, h.what +
                     ": resolution DYNAMIC_DNS takes no endpoints (the "
                     "destination address comes from the host name)");
  else if (eps.IsSequence() && eps.size() > 1 &&
           s.resolution == "DNS_ROUND_ROBIN")
    r.Error(eps, h.what +
                     ": resolution DNS_ROUND_ROBIN takes at most one "
                     "endpoint");
  // §3.4: what reaches nothing, said where it is written.
  if (s.selector && s.selector->empty())
    r.Warning(ws, h.what +
                      ": an empty workloadSelector selects no workload (and "
                      "gives the entry no DNS endpoint): every request to it "
                      "fails (§3.4); name the labels of the pods to select");
  else if (!s.selector && s.resolution == "STATIC" &&
           !(eps.IsSequence() && eps.size() > 0))
    r.Warning(r.Child(spec, "resolution"),
              h.what +
                  ": resolution STATIC with no endpoints and no "
                  "workloadSelector leaves the entry no address to send to: "
                  "every request to it fails (§3.4); did you mean resolution "
                  "DNS (its hosts' own addresses) or NONE (pass through)?");
  if (r.IsList(eps, h.what + ": spec.endpoints")) {
    // istiod (1.30, master) sets the network once before its loop over the
    // endpoints and overwrites it with each endpoint's own: an endpoint
    // without `network` takes the one before it's, else the cluster's.
    std::string network;
    std::set<std::string> addresses;  // one workload per address (its UID)
    for (const yaml::Node& e : eps) {
      if (!r.IsMap(e, h.what + ": spec.endpoints[]")) continue;
      Service::Endpoint ep;
      ep.address =
          r.String(r.Child(e, "address"), h.what + ": spec.endpoints[].address")
              .value_or("");
      std::map<std::string, SourceLocation> label_locs;
      ep.labels =
          r.StringMap(r.Child(e, "labels"),
                      h.what + ": spec.endpoints[].labels", true, &label_locs,
                      /*label_keys=*/true)
              .value_or(Labels{});
      ep.network =
          r.String(r.Child(e, "network"), h.what + ": spec.endpoints[].network")
              .value_or("");
      ep.service_account =
          r.String(r.Child(e, "serviceAccount"),
                   h.what + ": spec.endpoints[].serviceAccount")
              .value_or("");
      ReadEndpointPorts(r, r.Child(e, "ports"),
                        h.what + ": spec.endpoints[].ports", ep.ports);
      if (!ep.network.empty()) network = ep.network;
      ep.workload = IsIpAddress(ep.address);
      if (!ValidEndpoint(r, h, s, e, ep)) continue;
      if (ep.workload && addresses.insert(ep.address).second) {
        cluster.workloads.push_back(
            EndpointWorkload(h, s, ep, network, r.Loc(e)));
        cluster.workloads.back().label_locations = std::move(label_locs);
      }
      s.inline_endpoints.push_back(ep);
    }
  }
  sink.services.push_back(std::move(s));
}

// admin.solo.io Segment (§15.2): a peering segment and its domain, which
// replaces mesh.internal in the names of its services.
void LoadSegment(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                 Cluster& cluster, ManifestSink& sink) {
  Segment seg;
  seg.name = h.name;
  seg.location = h.loc;
  yaml::Node spec = r.Child(obj, "spec");
  yaml::Node domain = r.Child(spec, "domain");
  seg.domain = r.String(domain, h.what + ": spec.domain").value_or("");
  if (seg.domain.empty()) {
    r.Error(domain.IsDefined() ? domain : obj,
            h.what +
                ": spec.domain is required (a DNS suffix such as "
                "mesh.internal)");
    return;
  }
  if (seg.domain == "cluster.local" || seg.domain.size() > 63) {
    r.Error(domain, h.what +
                        ": spec.domain must be a DNS suffix of at most "
                        "63 characters other than cluster.local, got '" +
                        seg.domain + "'");
    return;
  }
  cluster.segments.emplace(seg.name, seg);
}

}  // namespace meshsim::io
