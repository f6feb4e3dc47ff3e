// Kubernetes NetworkPolicy (networking.k8s.io/v1, §4.6). The schema has
// checked the shapes (data/schemas/kubernetes.json); this reads the fields
// and checks what the API server's validation checks beyond them.
#include <algorithm>
#include <string>

#include "model/io/kinds.h"

namespace meshsim::io {
namespace {

// An IPv4 or IPv6 CIDR as the API server accepts it: address/prefix.
bool IsCidr(const std::string& c) {
  const size_t slash = c.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == c.size())
    return false;
  const std::string prefix = c.substr(slash + 1);
  if (!std::all_of(prefix.begin(), prefix.end(), ::isdigit) ||
      prefix.size() > 3)
    return false;
  const int bits = std::stoi(prefix);
  const std::string addr = c.substr(0, slash);
  if (addr.find(':') != std::string::npos) return bits <= 128;
  int dots = 0;
  for (char ch : addr) {
    if (ch == '.')
      ++dots;
    else if (!::isdigit(static_cast<unsigned char>(ch)))
      return false;
  }
  return dots == 3 && bits <= 32;
}

NetworkPolicyPeer ReadPeer(Reader& r, const yaml::Node& n,
                           const std::string& what) {
  NetworkPolicyPeer peer;
  const yaml::Node pod = r.Child(n, "podSelector");
  const yaml::Node ns = r.Child(n, "namespaceSelector");
  const yaml::Node block = r.Child(n, "ipBlock");
  if (r.IsMap(pod, what + ".podSelector"))
    peer.pod_selector = ReadLabelSelector(r, pod, what + ".podSelector");
  if (r.IsMap(ns, what + ".namespaceSelector"))
    peer.namespace_selector =
        ReadLabelSelector(r, ns, what + ".namespaceSelector");
  if (r.IsMap(block, what + ".ipBlock")) {
    peer.cidr =
        r.String(r.Child(block, "cidr"), what + ".ipBlock.cidr").value_or("");
    peer.except =
        r.StringList(r.Child(block, "except"), what + ".ipBlock.except")
            .value_or(std::vector<std::string>{});
    if (!IsCidr(peer.cidr))
      r.Error(
          r.Child(block, "cidr").IsDefined() ? r.Child(block, "cidr") : block,
          what + ".ipBlock.cidr must be a CIDR such as 10.0.0.0/16, got '" +
              peer.cidr + "'");
    for (const std::string& e : peer.except)
      if (!IsCidr(e))
        r.Error(r.Child(block, "except"),
                what + ".ipBlock.except must list CIDRs, got '" + e + "'");
    if (peer.pod_selector || peer.namespace_selector)
      r.Error(block, what +
                         ": ipBlock cannot be combined with podSelector or "
                         "namespaceSelector in one peer");
  }
  if (!peer.pod_selector && !peer.namespace_selector && peer.cidr.empty())
    r.Error(n, what +
                   " must set podSelector, namespaceSelector or ipBlock "
                   "(an empty peer is refused by the API server)");
  return peer;
}

NetworkPolicyPort ReadPort(Reader& r, const yaml::Node& n,
                           const std::string& what) {
  NetworkPolicyPort port;
  port.protocol =
      r.String(r.Child(n, "protocol"), what + ".protocol").value_or("TCP");
  const yaml::Node p = r.Child(n, "port");
  if (p.IsScalar()) {
    const std::string& v = p.Scalar();
    if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit))
      port.port =
          static_cast<int>(r.Int(p, what + ".port", 1, 65535).value_or(0));
    else
      port.port_name = v;
  }
  const yaml::Node end = r.Child(n, "endPort");
  if (end.IsDefined() && !end.IsNull()) {
    port.end_port =
        static_cast<int>(r.Int(end, what + ".endPort", 1, 65535).value_or(0));
    if (!port.port_name.empty() || port.port == 0)
      r.Error(end, what + ".endPort needs a numeric port");
    else if (port.end_port < port.port)
      r.Error(end, what + ".endPort must not be below port " +
                       std::to_string(port.port));
  }
  return port;
}

void ReadRules(Reader& r, const yaml::Node& spec, const char* key,
               const char* peers_key, const std::string& what,
               std::vector<NetworkPolicyRule>& out) {
  ForEachMap(r, spec, key, what,
             [&](const yaml::Node& rule, const std::string& rw) {
               NetworkPolicyRule nr;
               const yaml::Node peers = r.Child(rule, peers_key);
               if (peers.IsDefined() && !peers.IsNull() && peers.size() > 0) {
                 nr.any_peer = false;
                 ForEachMap(r, rule, peers_key, rw,
                            [&](const yaml::Node& p, const std::string& pw) {
                              nr.peers.push_back(ReadPeer(r, p, pw));
                            });
               }
               ForEachMap(r, rule, "ports", rw,
                          [&](const yaml::Node& p, const std::string& pw) {
                            nr.ports.push_back(ReadPort(r, p, pw));
                          });
               out.push_back(std::move(nr));
             });
}

}  // namespace

// A Kubernetes LabelSelector (matchLabels, matchExpressions).
LabelSelector ReadLabelSelector(Reader& r, const yaml::Node& n,
                                const std::string& what) {
  LabelSelector sel;
  sel.match_labels = r.StringMap(r.Child(n, "matchLabels"),
                                 what + ".matchLabels", true, nullptr,
                                 /*label_keys=*/true)
                         .value_or(Labels{});
  ForEachMap(
      r, n, "matchExpressions", what,
      [&](const yaml::Node& e, const std::string& ew) {
        LabelSelector::Expression x;
        x.key = r.String(r.Child(e, "key"), ew + ".key").value_or("");
        x.op = r.String(r.Child(e, "operator"), ew + ".operator").value_or("");
        x.values = r.StringList(r.Child(e, "values"), ew + ".values")
                       .value_or(std::vector<std::string>{});
        if (!CheckOneOf(r, r.Child(e, "operator"), ew + ".operator", x.op,
                        {"In", "NotIn", "Exists", "DoesNotExist"}))
          return;
        const bool with_values = x.op == "In" || x.op == "NotIn";
        if (with_values == x.values.empty()) {
          r.Error(e,
                  ew + (with_values
                            ? ": operator " + x.op + " needs at least one value"
                            : ": operator " + x.op + " takes no values"));
          return;
        }
        sel.expressions.push_back(std::move(x));
      });
  return sel;
}

void LoadNetworkPolicy(Reader& r, const ObjectHeader& h, const yaml::Node& obj,
                       Cluster& cluster, ManifestSink&) {
  yaml::Node spec;
  if (!RequireSpec(r, h, obj, spec)) return;
  NetworkPolicy np = Named<NetworkPolicy>(h);
  const yaml::Node sel = r.Child(spec, "podSelector");
  if (r.IsMap(sel, h.what + ": spec.podSelector"))
    np.pod_selector = ReadLabelSelector(r, sel, h.what + ": spec.podSelector");
  // policyTypes: as written; absent or empty, Ingress, plus Egress when
  // egress rules are given (the API server's SetDefaults_NetworkPolicy).
  const std::optional<std::vector<std::string>> types =
      r.StringList(r.Child(spec, "policyTypes"), h.what + ": spec.policyTypes");
  if (types && !types->empty()) {
    np.ingress =
        std::find(types->begin(), types->end(), "Ingress") != types->end();
    np.egress =
        std::find(types->begin(), types->end(), "Egress") != types->end();
  } else {
    // SetDefaults_NetworkPolicy: an empty list is no list.
    np.egress = r.Child(spec, "egress").size() > 0;
  }
  ReadRules(r, spec, "ingress", "from", h.what + ": spec", np.ingress_rules);
  ReadRules(r, spec, "egress", "to", h.what + ": spec", np.egress_rules);
  cluster.network_policies.push_back(std::move(np));
}

}  // namespace meshsim::io
