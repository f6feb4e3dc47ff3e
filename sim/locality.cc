// Locality load balancing (§16.1): which endpoints, with what weights, a
// sidecar, gateway or waypoint's Envoy picks from, as the DestinationRule's
// localityLbSetting and outlierDetection program it. Part of the
// destination side (destination.cc).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/policy.h"
#include "sim/dataplane_builder.h"

namespace meshsim {
namespace dataplane {

// §16.1: Envoy's locality load balancing at a sidecar, gateway or waypoint
// `proxy_wl`, from the DestinationRule's (merged) policy, as istiod's
// ApplyLocalityLoadBalancer (loadbalancer.go) programs it:
// - `distribute` (whatever outlierDetection says): for the first entry
//   whose `from` matches the proxy's locality, each `to` locality's
//   endpoints share its weight, in proportion to their count; endpoints in
//   no `to` locality get nothing;
// - else, only with outlierDetection, priorities: failoverPriority ranks
//   endpoints by how many of its labels, in order, equal the proxy's
//   (topology.istio.io/cluster, /network, the node's region, zone and
//   subzone, kubernetes.io/hostname or `label=value`); then, when it is
//   absent or `failover` is also given, util.LbPriority (0 region, zone and
//   subzone equal, 1 another subzone, 2 another zone, 3 another region, 4
//   another region than `failover`'s `to` for the proxy's region). When
//   `all` holds only ready endpoints (istiod dropped the others), the best
//   priority takes every request and the next is used when it has none.
//   When it also holds not-ready ones (SendsUnhealthy: Envoy sees them as
//   unhealthy hosts), Envoy's priority load applies: a priority's health is
//   min(100, 140 x ready / total) percent (the overprovisioning factor 1.4),
//   each takes its health, scaled to the total health when that is under
//   100, from what the better ones left; panic mode is off (istiod sets the
//   threshold to 0 when it sends unhealthy endpoints, or to minHealthPercent,
//   when it does not send them).
std::vector<EpRef> Builder::LocalityPreferred(
    const std::vector<EpRef>& all, int ci, int proxy_wl,
    const TrafficPolicy& tp, std::string* why,
    std::vector<double>* weights) const {
  std::vector<EpRef> eps;  // Envoy balances over the healthy hosts
  for (const EpRef& e : all)
    if (Ready(e)) eps.push_back(e);
  if (eps.empty() || proxy_wl < 0 ||
      (tp.locality_enabled && !*tp.locality_enabled))
    return eps;
  auto value = [&](int cluster, const Workload& w,
                   const std::string& key) -> std::string {
    const Cluster& wc = mesh_.clusters[cluster];
    const Node* n = wc.FindNode(w.node);
    if (key == "topology.istio.io/cluster") return wc.name;
    if (key == kLabelNetwork) {  // §7.1: Envoy's EDS reads a pod's label
      const std::string* label = FindLabel(w.labels, kLabelNetwork);
      return label ? *label : w.network;
    }
    if (key == "topology.kubernetes.io/region") return n ? n->region : "";
    if (key == "topology.kubernetes.io/zone") return n ? n->zone : "";
    if (key == "topology.istio.io/subzone") return n ? n->subzone : "";
    if (key == "kubernetes.io/hostname") return w.node;
    const std::string* v = FindLabel(w.labels, key);
    return v ? *v : "";
  };
  const Workload& proxy = W(ci, proxy_wl);
  auto region = [&](int c, const Workload& w) {
    return value(c, w, "topology.kubernetes.io/region");
  };
  auto zone = [&](int c, const Workload& w) {
    return value(c, w, "topology.kubernetes.io/zone");
  };
  auto subzone = [&](int c, const Workload& w) {
    return value(c, w, "topology.istio.io/subzone");
  };
  if (!tp.distribute.empty())
    return Distributed(eps, ci, proxy, tp, why, weights, region, zone, subzone);
  if (!tp.outlier_detection) return eps;
  auto rank = [&](const EpRef& e) {
    const Workload& w = W(e.cluster, e.wl);
    int labels = 0;  // failoverPriority: labels matched, in order
    for (const std::string& entry : tp.failover_priority) {
      const size_t eq = entry.find('=');
      const std::string key = entry.substr(0, eq);
      const std::string want = eq == std::string::npos ? value(ci, proxy, key)
                                                       : entry.substr(eq + 1);
      if (want.empty() || value(e.cluster, w, key) != want) break;
      ++labels;
    }
    int loc = 0;  // util.LbPriority, then `failover`
    if (tp.failover_priority.empty() || !tp.failover.empty()) {
      const std::string pr = region(ci, proxy);
      if (region(e.cluster, w) != pr) {
        loc = 3;
        for (const auto& [from, to] : tp.failover)
          if (from == pr) {
            if (region(e.cluster, w) != to) loc = 4;
            break;
          }
      } else if (zone(e.cluster, w) != zone(ci, proxy)) {
        loc = 2;
      } else if (subzone(e.cluster, w) != subzone(ci, proxy)) {
        loc = 1;
      }
    }
    return std::make_pair(-labels, loc);
  };
  if (eps.size() < all.size()) return PriorityLoad(all, rank, why, weights);
  std::pair<int, int> best = rank(eps.front());
  for (const EpRef& e : eps) best = std::min(best, rank(e));
  std::vector<EpRef> out;
  for (const EpRef& e : eps)
    if (rank(e) == best) out.push_back(e);
  if (out.size() < eps.size()) {
    std::string list;
    for (const std::string& p : tp.failover_priority)
      list += (list.empty() ? "" : ", ") + p;
    *why += !tp.failover_priority.empty()
                ? "; failoverPriority [" + list +
                      "] keeps the endpoints that share the proxy's first " +
                      std::to_string(-best.first) + " of them (§16.1)"
            : best.second == 3 && !tp.failover.empty()
                ? "; locality failover: the failover region of the proxy's "
                  "region takes the requests (§16.1)"
                : "; locality load balancing (outlierDetection set) keeps "
                  "the endpoints closest to the proxy's region and zone "
                  "(§16.1)";
  }
  return out;
}

// §16.1: Envoy's priority load (load_balancer_impl.cc) over `all`
// endpoints, ready or not, ranked by `rank` (lower first): each priority's
// health is min(100, 140 x ready / total); the normalized total is the sum,
// at most 100; priority p takes min(what is left, health_p x 100 /
// normalized), and rounding leaves the rest to the first priority with
// ready endpoints. Ready endpoints share their priority's load evenly.
template <typename Rank>
std::vector<EpRef> Builder::PriorityLoad(const std::vector<EpRef>& all,
                                         const Rank& rank, std::string* why,
                                         std::vector<double>* weights) const {
  using Key = decltype(rank(all.front()));
  std::map<Key, std::pair<int64_t, int64_t>> prio;  // rank -> (ready, total)
  for (const EpRef& e : all) {
    auto& [ready, total] = prio[rank(e)];
    ++total;
    if (Ready(e)) ++ready;
  }
  std::vector<int64_t> health;
  int64_t sum = 0;
  for (const auto& [key, counts] : prio) {
    health.push_back(
        std::min<int64_t>(100, 140 * counts.first / counts.second));
    sum += health.back();
  }
  const int64_t normalized = std::min<int64_t>(100, sum);
  weights->clear();
  if (normalized == 0) return {};
  std::vector<int64_t> load(health.size(), 0);
  int64_t left = 100;
  int first = -1;
  for (size_t p = 0; p < health.size(); ++p) {
    load[p] = std::min(left, health[p] * 100 / normalized);
    left -= load[p];
    if (first < 0 && health[p] > 0) first = static_cast<int>(p);
  }
  load[static_cast<size_t>(first)] += left;
  std::vector<EpRef> out;
  for (const EpRef& e : all) {
    if (!Ready(e)) continue;
    const auto it = prio.find(rank(e));
    const size_t p = static_cast<size_t>(std::distance(prio.begin(), it));
    if (load[p] == 0) continue;
    out.push_back(e);
    weights->push_back(static_cast<double>(load[p]) / 100.0 /
                       static_cast<double>(it->second.first));
  }
  const auto& [ready0, total0] = prio.begin()->second;
  if (load.front() < 100)
    *why += "; " + std::to_string(ready0) + " of " + std::to_string(total0) +
            " endpoints of the best locality priority are ready: with "
            "not-ready endpoints sent as unhealthy, Envoy's overprovisioning "
            "factor 1.4 gives it " +
            std::to_string(load.front()) +
            "% of the requests and the next priorities the rest (§16.1)";
  return out;
}

// §16.1 (endpoint_builder.go supportsUnhealthyEndpoints,
// service.go SupportsUnhealthyEndpoints): istiod sends not-ready endpoints
// to Envoy with PILOT_SEND_UNHEALTHY_ENDPOINTS, for a Service with a
// trafficDistribution, and from 1.31 by default
// (PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS) unless the proxy's outlierDetection
// sets minHealthPercent.
bool Builder::SendsUnhealthy(int ci, const Service& s,
                             const TrafficPolicy* tp) const {
  if (mesh_.istio.Flag("PILOT_SEND_UNHEALTHY_ENDPOINTS", false)) return true;
  if (!s.traffic_distribution.empty() && s.traffic_distribution != "Any")
    return true;
  if (!Version(ci).AtLeast(1, 31) ||
      !mesh_.istio.Flag("PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", true))
    return false;
  return !(tp && tp->outlier_detection && tp->min_health_percent > 0);
}

// `distribute` (loadbalancer.go applyLocalityWeights): the first entry whose
// `from` matches the proxy's locality decides; a `to` locality's weight is
// shared by its endpoints (each locality in proportion to its endpoints,
// rounded up as istiod does); endpoints in no `to` locality are dropped.
template <typename Region, typename Zone, typename Subzone>
std::vector<EpRef> Builder::Distributed(
    const std::vector<EpRef>& eps, int ci, const Workload& proxy,
    const TrafficPolicy& tp, std::string* why, std::vector<double>* weights,
    const Region& region, const Zone& zone, const Subzone& subzone) const {
  auto locality = [&](int c, const Workload& w) {
    return region(c, w) + "/" + zone(c, w) + "/" + subzone(c, w);
  };
  // util.LocalityMatch: each `/` segment equal, or `*` from there on.
  auto matches = [](const std::string& loc, const std::string& pattern) {
    size_t i = 0, j = 0;
    while (j < pattern.size()) {
      if (pattern[j] == '*') return true;
      const size_t pe = std::min(pattern.find('/', j), pattern.size());
      const size_t le = std::min(loc.find('/', i), loc.size());
      if (loc.compare(i, le - i, pattern, j, pe - j) != 0) return false;
      i = le + 1;
      j = pe + 1;
    }
    return true;
  };
  const std::string here = locality(ci, proxy);
  for (const TrafficPolicy::Distribute& d : tp.distribute) {
    if (!matches(here, d.from)) continue;
    std::vector<EpRef> out;
    weights->clear();
    std::vector<bool> taken(eps.size(), false);
    for (const auto& [to, weight] : d.to) {
      // The localities this key matches, and their endpoint counts.
      std::map<std::string, std::vector<size_t>> groups;
      size_t n = 0;
      for (size_t i = 0; i < eps.size(); ++i) {
        if (taken[i]) continue;
        const std::string loc =
            locality(eps[i].cluster, W(eps[i].cluster, eps[i].wl));
        if (!matches(loc, to)) continue;
        taken[i] = true;
        groups[loc].push_back(i);
        ++n;
      }
      for (const auto& [loc, members] : groups) {
        // A weight of 0 leaves the locality's own weight (its endpoint
        // count), as istiod sets no weight then.
        double locality_weight =
            std::ceil(static_cast<double>(members.size()) *
                      static_cast<double>(weight) / static_cast<double>(n));
        if (locality_weight <= 0)
          locality_weight = static_cast<double>(members.size());
        for (size_t i : members) {
          out.push_back(eps[i]);
          weights->push_back(locality_weight /
                             static_cast<double>(members.size()));
        }
      }
    }
    *why += "; localityLbSetting distribute from " + d.from +
            " weighs the endpoints' localities (§16.1)";
    return out;
  }
  return eps;
}

}  // namespace dataplane
}  // namespace meshsim
