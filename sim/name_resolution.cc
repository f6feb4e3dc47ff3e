// What the client dialled (§3.3, §3.4): the address a name resolves to for
// the client's kind, from ztunnel's DNS proxy or kube-dns, and the
// destination behind it.
#include <algorithm>

#include "model/binding.h"
#include "model/labels.h"
#include "model/peering.h"
#include "model/text.h"
#include "sim/dataplane_builder.h"

namespace meshsim {
namespace dataplane {

// ---- what the client dialled ------------------------------------------------
std::string Builder::MatchedHost(const Service& s) const {
  for (const std::string& h : s.hosts)
    if (AsciiLower(h) == AsciiLower(t_.to.host)) return h;
  for (const std::string& h : s.hosts)
    if (HostnameMatches(h, t_.to.host)) return h;
  return s.Hostname();
}

std::vector<Builder::Dest> Builder::ResolveDest(int ci,
                                                const Workload& src) const {
  if (!t_.to.host.empty()) return ResolveHost(ci, src);
  if (!t_.to.pod.empty()) return ResolvePod(ci);
  return ResolveIp(ci, src);
}

// to.host: a service by name, in the client's cluster or, when global, in
// another one.
std::vector<Builder::Dest> Builder::ResolveHost(int ci,
                                                const Workload& src) const {
  const Cluster& c = mesh_.clusters[ci];
  std::vector<Dest> out;
  // §2.4: a sidecar's view of NAMESPACE entries follows applyToSidecars.
  const bool sidecar = src.capture == Capture::kSidecar;
  std::vector<size_t> idx = c.ServicesForHost(t_.to.host, src.ns, sidecar);
  int sci = ci;
  // §3.4: an ambient pod whose lookups ztunnel's DNS proxy does not answer
  // asks kube-dns, which knows its own cluster's Services only.
  const bool no_dns_proxy =
      src.capture == Capture::kAmbient && !DnsCaptured(mesh_.istio, c, src);
  if (no_dns_proxy) {
    if (std::optional<Dest> d = WithoutDnsProxy(ci, idx, src)) return {*d};
  }
  // §3.4: ztunnel's DNS proxy answers with a service that has an address
  // for the host (or is under the cluster domain); when none has, it asks
  // upstream, which knows no ServiceEntry, so the client dials the real
  // address, as below for the first of them.
  const bool dns_proxy = src.capture == Capture::kAmbient && !no_dns_proxy;
  std::string dns_note;
  if (dns_proxy) {
    std::vector<size_t> answered =
        c.ServicesForHost(t_.to.host, src.ns, sidecar, /*ztunnel_dns=*/true);
    if (!answered.empty() && !idx.empty() && answered[0] != idx[0])
      dns_note = "ztunnel's DNS proxy skips ServiceEntry " +
                 c.services[idx[0]].Key() +
                 (c.services[idx[0]].out_of_ambient_index
                      ? ", which the ambient index leaves out (an address "
                        "block before 1.30)"
                      : ", which has no address for " + t_.to.host) +
                 ", and answers with the address of " +
                 c.services[answered[0]].Key() + " (§3.4)";
    if (!answered.empty()) idx = std::move(answered);
  }
  // §3.4, §7.2: ztunnel's DNS proxy answers for another cluster's global
  // Service with the VIPs on the client's network only (kube-dns, which
  // sidecars and uncaptured pods ask, knows none).
  if (idx.empty() && dns_proxy) {
    for (size_t oi = 0; oi < mesh_.clusters.size() && idx.empty(); ++oi) {
      if (mesh_.clusters[oi].network != c.network) continue;
      for (size_t k : mesh_.clusters[oi].ServicesForHost(t_.to.host, src.ns,
                                                         sidecar, true)) {
        if (IsGlobal(static_cast<int>(oi), mesh_.clusters[oi].services[k])) {
          idx = {k};
          sci = static_cast<int>(oi);
          break;
        }
      }
    }
  }
  if (idx.empty()) {
    // §3.3: a pod's own DNS name under a headless Service (a StatefulSet's
    // pods): kube-dns answers with its IP, so the request is
    // workload-addressed.
    if (std::optional<size_t> wi = c.PodForDnsName(t_.to.host, src.ns)) {
      Dest d;
      d.wl_cluster = ci;
      d.wl = static_cast<int>(*wi);
      d.ip = W(ci, d.wl).ip;
      d.why = t_.to.host + " is the DNS name of pod " + W(ci, d.wl).Key() +
              " under a headless Service: kube-dns returns the pod's IP, so "
              "the request is workload-addressed (§3.3)";
      return {d};
    }
    // §16.9: kube-dns still answers for a Service istiod does not discover.
    if (const Service* u = c.UndiscoveredServiceForHost(t_.to.host, src.ns)) {
      if (!u->vips.empty()) return KubeProxyDests(ci, src, *u, u->vips.front());
      for (size_t wi : c.KubeProxyEndpoints(*u)) {
        Dest d;
        d.wl_cluster = ci;
        d.wl = static_cast<int>(wi);
        d.ip = W(ci, d.wl).ip;
        d.why = "service " + u->Key() +
                " is headless and outside istio.meshConfig."
                "discoverySelectors: kube-dns returns pod IPs (§3.3, §16.9)";
        out.push_back(d);
      }
    }
    return out;
  }
  const Service& s = S(sci, static_cast<int>(idx[0]));
  if (s.headless) {
    // §3.3: DNS gives pod IPs, so the traffic is workload-addressed.
    for (size_t wi : mesh_.clusters[sci].service_endpoints[idx[0]]) {
      // §3.6: kube-dns answers with the endpoints its slice lists.
      if (!EndpointReady(s, W(sci, static_cast<int>(wi)))) continue;
      Dest d;
      d.wl_cluster = sci;
      d.wl = static_cast<int>(wi);
      d.ip = W(sci, d.wl).ip;
      d.why = "service " + s.Key() +
              " is headless: DNS returns pod IPs, so the request is "
              "workload-addressed (§3.3)";
      out.push_back(d);
    }
    return out;
  }
  if (dns_proxy && s.kind == "ServiceEntry" &&
      !s.HostHasAddress(MatchedHost(s)) &&
      EndsWith(MatchedHost(s), ".svc.cluster.local"))
    return EndpointAnswers(sci, static_cast<int>(idx[0]));
  Dest d;
  if (src.capture == Capture::kAmbient && s.out_of_ambient_index) {
    // §3.4: neither ztunnel's DNS proxy nor kube-dns knows the entry.
    d.ip = t_.to.host;
    d.why = "ServiceEntry " + s.Key() +
            " lists an address block: before 1.30 istiod leaves the whole "
            "entry out of the ambient index, so the client dials the real "
            "address of " +
            t_.to.host + ", which ztunnel does not know (§3.4)";
  } else if (s.external_name) {
    d = ExternalNameDest(ci, s, sidecar);
  } else if (s.vips.empty() || !s.HostHasAddress(MatchedHost(s))) {
    d.ip = s.kind == "ServiceEntry" ? t_.to.host : s.Hostname();
    // §3.4: why istiod allocated no address (per host).
    const bool wildcard = MatchedHost(s).rfind("*", 0) == 0;
    const std::string cause =
        s.resolution == "NONE" ? "resolution NONE"
        : wildcard && s.resolution != "DYNAMIC_DNS"
            ? "a wildcard host"
            : "no spec.addresses and none allocated: "
              "PILOT_ENABLE_IP_AUTOALLOCATE is off (its default before 1.25) "
              "or the entry is labelled "
              "networking.istio.io/enable-autoallocate-ip=false";
    d.why = "ServiceEntry " + s.Key() + " has no address (" + cause +
            "): the client dials the real address, which ztunnel does not "
            "know (§3.4, K9)";
  } else {
    d.svc_cluster = sci;
    d.svc = static_cast<int>(idx[0]);
    d.ip = s.vips.front();
    d.why = dns_note;
  }
  out.push_back(d);
  return out;
}

// §3.3: where a request to ExternalName Service `s` of cluster `ci` goes.
Builder::Dest Builder::ExternalNameDest(int ci, const Service& s,
                                        bool sidecar) const {
  const Cluster& c = mesh_.clusters[ci];
  Dest d;
  // §3.3: DNS answers with a CNAME to spec.externalName (a sidecar's
  // istiod makes the Service an alias of it): a Service or ServiceEntry
  // of that name is addressed by its VIP, with everything it applies;
  // any other name is dialled as it is. Anyone else's lookup reaches
  // kube-dns (ztunnel's DNS proxy forwards it, dns/server.rs), which
  // follows the CNAME itself: it knows no address istiod allocated, and
  // a name of its own zone only as a Service of its own cluster.
  const std::string why = "service " + s.Key() +
                          " is an ExternalName service for " +
                          s.external_target +
                          ", which ambient does not "
                          "represent (§2.3): DNS answers with a CNAME to it";
  bool kube_service = false;
  std::string allocated;  // an entry whose address kube-dns does not know
  for (size_t k : c.ServicesForHost(s.external_target, s.ns, sidecar)) {
    const Service& target = c.services[k];
    kube_service = kube_service || target.kind == "Service";
    if (target.external_name || target.vips.empty()) continue;
    if (!sidecar && target.kind == "ServiceEntry" &&
        (target.auto_allocated || target.peered)) {
      if (allocated.empty()) allocated = target.Key();
      continue;
    }
    d.svc_cluster = ci;
    d.svc = static_cast<int>(k);
    d.ip = target.vips.front();
    d.why = why + ", so the client sends to " +
            (target.kind == "Service" ? "service " : "ServiceEntry ") +
            target.Key() + "'s address (§3.3)";
    return d;
  }
  d.ip = s.external_target.empty() ? t_.to.host : s.external_target;
  d.why = why + ": the client dials that name";
  if (!allocated.empty())
    d.why +=
        " at its real address: kube-dns, which follows the CNAME, "
        "does not know the address istiod gave ServiceEntry " +
        allocated +
        ", so ztunnel passes the connection through "
        "(§3.3, K9)";
  if (!sidecar && !kube_service && EndsWith(d.ip, ".cluster.local") &&
      !c.UndiscoveredServiceForHost(d.ip, s.ns) &&
      !c.PodForDnsName(d.ip, s.ns)) {
    d.why = why;
    d.fail = "kube-dns, which follows the CNAME, knows no " + d.ip +
             " in cluster " + c.name + ": the name does not resolve (§3.3)";
  }
  return d;
}

// §3.4 (ztunnel dns/server.rs get_addresses): ztunnel's DNS proxy answers
// the name of a service without an address under the cluster domain, a
// ServiceEntry's too, with its endpoints' addresses, unhealthy ones
// included: the request is workload-addressed. With none, the name has
// no address and the request fails.
std::vector<Builder::Dest> Builder::EndpointAnswers(int sci, int si) const {
  const Service& s = S(sci, si);
  std::vector<Dest> out;
  for (size_t wi : mesh_.clusters[sci].service_endpoints[si]) {
    Dest d;
    d.wl_cluster = sci;
    d.wl = static_cast<int>(wi);
    d.ip = W(sci, d.wl).ip;
    if (d.ip.empty()) continue;
    // ztunnel keeps only healthy endpoints (service.rs insert_endpoint)
    // unless istiod asks for all: resolution NONE, or a Service publishing
    // not-ready addresses.
    if (s.resolution != "NONE" && !EndpointReady(s, W(sci, d.wl))) continue;
    d.why = "ServiceEntry " + s.Key() + " has no address for " +
            MatchedHost(s) +
            ", a name under the cluster domain: ztunnel's DNS proxy answers "
            "with its endpoints' addresses, as for a headless Service, so "
            "the request is workload-addressed (§3.4)";
    out.push_back(d);
  }
  if (out.empty()) {
    Dest d;
    d.ip = t_.to.host;
    d.why = "ServiceEntry " + s.Key() + " has no address for " +
            MatchedHost(s) + ", a name under the cluster domain";
    d.fail = "ztunnel's DNS proxy answers " + t_.to.host +
             " with its endpoints' addresses, and it has no endpoint with "
             "an address: the name resolves to nothing (§3.4)";
    out.push_back(d);
  }
  return out;
}

// §3.4: what an ambient client without ztunnel's DNS proxy dials for
// to.host, when that differs from what the proxy would answer: a
// ServiceEntry's allocated address is unknown to it (it dials the real
// address, which ztunnel passes through), a peering name or a Service of
// another cluster only does not resolve. nullopt: as with the proxy.
std::optional<Builder::Dest> Builder::WithoutDnsProxy(
    int ci, const std::vector<size_t>& idx, const Workload& src) const {
  const Cluster& c = mesh_.clusters[ci];
  const std::string why = "pod " + src.Key() +
                          " does not use ztunnel's DNS proxy (" +
                          DnsCaptureSource(c, src) + "), so kube-dns answers";
  Dest d;
  d.ip = t_.to.host;
  if (idx.empty()) {
    if (c.UndiscoveredServiceForHost(t_.to.host, src.ns) ||
        c.PodForDnsName(t_.to.host, src.ns))
      return std::nullopt;
    d.why = why;
    d.fail = "kube-dns knows no " + t_.to.host + " in cluster " + c.name +
             ": the name does not resolve (§3.4)";
    return d;
  }
  // kube-dns answers a Service's name with its ClusterIP, whatever
  // ServiceEntry also names the host.
  for (size_t si : idx) {
    const Service& k = c.services[si];
    if (k.kind != "Service" || k.external_name || k.vips.empty()) continue;
    if (si == idx[0]) return std::nullopt;  // as with the proxy
    d.svc_cluster = ci;
    d.svc = static_cast<int>(si);
    d.ip = k.vips.front();
    d.why = why + " with the ClusterIP of service " + k.Key() + " (§3.4)";
    return d;
  }
  const Service& s = c.services[idx[0]];
  if (s.kind != "ServiceEntry" || !(s.auto_allocated || s.peered))
    return std::nullopt;
  d.why = why;
  if (s.peered) {
    d.fail = "kube-dns knows no peering name " + t_.to.host +
             ": the name does not resolve (§3.4, §15.2)";
    return d;
  }
  d.why +=
      ", which knows no ServiceEntry: the client dials the real "
      "address of " +
      t_.to.host + ", not the address " + s.vips.front() +
      " istiod allocated to " + s.Key() +
      ", and ztunnel does not know it (§3.4, K9)";
  return d;
}

// Where a pod's DNS capture setting comes from (§3.4).
std::string Builder::DnsCaptureSource(const Cluster& c,
                                      const Workload& w) const {
  if (const std::string* v = FindLabel(w.annotations, kAnnotationDnsCapture))
    if (ParseGoBool(*v)) return std::string(kAnnotationDnsCapture) + "=" + *v;
  if (mesh_.istio.flags.count("AMBIENT_DNS_CAPTURE"))
    return "istio-cni ambient.dnsCapture off (istio.flags "
           "AMBIENT_DNS_CAPTURE)";
  return "istio-cni ambient.dnsCapture, off by default before 1.25 (cluster " +
         c.name + " runs " + c.VersionOr(mesh_.istio.version).ToString() + ")";
}

}  // namespace dataplane
}  // namespace meshsim
