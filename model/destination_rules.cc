// DestinationRules (networking.h, §16.1): the rules istiod consolidates
// per host and namespace, and the one a proxy reads for a service.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/networking.h"
#include "model/policy.h"
#include "model/text.h"

namespace meshsim {

namespace {

// §16.1 (push_context.go setDestinationRules): a rule's exportTo as istiod
// indexes it; a workloadSelector rule is private to its namespace.
std::set<std::string> ExportSet(const DestinationRule& d) {
  if (d.workload_selector) return {"."};
  return {d.export_to.begin(), d.export_to.end()};
}

// destination_rule.go mergeDestinationRule into one index's rules (`index`
// tags them): the incoming rule merges into each earlier rule of its host
// it may join, and is kept as a rule of its own unless the last such
// comparison says it merged.
void MergeInto(std::vector<DestinationRule>& out, const DestinationRule& d,
               char index) {
  const std::string host = ExpandHost(d.host, d.ns);
  const std::set<std::string> exp = ExportSet(d);
  bool separate = true;
  for (DestinationRule& m : out) {
    if (m.index != index || m.ns != d.ns || ExpandHost(m.host, m.ns) != host)
      continue;
    // ENABLE_ENHANCED_DESTINATIONRULE_MERGE (default on).
    const std::set<std::string> mexp = ExportSet(m);
    if (exp == mexp) {
      separate = false;
    } else if (!mexp.empty() && std::includes(exp.begin(), exp.end(),
                                              mexp.begin(), mexp.end())) {
      separate = true;
    } else {
      separate = true;
      continue;
    }
    const bool both_without = !d.workload_selector && !m.workload_selector;
    const bool both_with = d.workload_selector && m.workload_selector;
    if (both_with && *d.workload_selector != *m.workload_selector) {
      separate = true;
      continue;
    }
    if (both_without || both_with) separate = false;
    for (const DestinationRuleSubset& sub : d.subsets)
      if (!m.FindSubset(sub.name)) m.subsets.push_back(sub);
    if (!m.policy && m.port_policies.empty()) {
      m.policy = d.policy;
      m.port_policies = d.port_policies;
    }
    m.merged.push_back(d.Key());
  }
  if (separate) {
    out.push_back(d);
    out.back().index = index;
  }
}

}  // namespace

void ConsolidateDestinationRules(Cluster& c, const std::string& root) {
  std::vector<const DestinationRule*> order;
  for (const DestinationRule& d : c.destination_rules) order.push_back(&d);
  // sortConfigBySelectorAndCreationTime: selector rules first, then by
  // creation time, name and namespace.
  std::stable_sort(order.begin(), order.end(),
                   [](const DestinationRule* a, const DestinationRule* b) {
                     if (a->workload_selector.has_value() !=
                         b->workload_selector.has_value())
                       return a->workload_selector.has_value();
                     if (a->creation_timestamp != b->creation_timestamp)
                       return a->creation_timestamp < b->creation_timestamp;
                     if (a->name != b->name) return a->name < b->name;
                     return a->ns < b->ns;
                   });
  std::vector<DestinationRule>& out = c.consolidated_destination_rules;
  out.clear();
  for (const DestinationRule* d : order) {
    const std::set<std::string> exp = ExportSet(*d);
    if (exp.empty() || exp.count("*") || exp.count(".") || exp.count(d->ns))
      MergeInto(out, *d, DestinationRule::kLocal);
    const bool private_only =
        exp.size() == 1 && (exp.count(".") || exp.count(d->ns));
    if (!private_only)
      MergeInto(out, *d, DestinationRule::kExported);
    else if (d->ns == root)
      MergeInto(out, *d, DestinationRule::kRootPrivate);
  }
}

const DestinationRule* DestinationRuleFor(const Mesh& mesh, const Cluster& c,
                                          const std::string& proxy_ns,
                                          const Labels* proxy_labels,
                                          const Service& s) {
  const std::string& root = mesh.istio.root_namespace;
  // MostSpecificHostMatch over one index of namespace `ns`: the rules at
  // the most specific host covering the service, in index order.
  auto at_host = [&](const std::string& ns, char index) {
    std::vector<const DestinationRule*> at;
    int best = -1;
    for (const DestinationRule& d : c.consolidated_destination_rules) {
      if (d.index != index || d.ns != ns) continue;
      const std::string host = ExpandHost(d.host, d.ns);
      if (!HostCoversServiceAsWritten(host, s)) continue;
      const int spec = static_cast<int>(HostSpecificity(host));
      if (spec > best) {
        best = spec;
        at.clear();
      }
      if (spec == best) at.push_back(&d);
    }
    return at;
  };
  // sidecar.go DestinationRule: a selector rule of the proxy's namespace
  // that selects it, else the last rule without a selector.
  auto pick = [&](const std::vector<const DestinationRule*>& drs) {
    const DestinationRule* catch_all = nullptr;
    for (const DestinationRule* d : drs) {
      if (!d->workload_selector) catch_all = d;
      if (d->ns == proxy_ns && d->workload_selector && proxy_labels &&
          SelectorMatches(*d->workload_selector, *proxy_labels))
        return d;
    }
    return catch_all;
  };
  // 1. The proxy's namespace; a proxy of the root namespace its private
  // rules only. Rules for the host there decide.
  std::vector<const DestinationRule*> drs =
      proxy_ns != root ? at_host(proxy_ns, DestinationRule::kLocal)
                       : at_host(root, DestinationRule::kRootPrivate);
  if (!drs.empty()) return pick(drs);
  // 2. The service's namespace, then 3. the root's: the exported rules at
  // the most specific host, those exported to the proxy's namespace.
  for (const std::string& ns : {s.ns, root}) {
    std::vector<const DestinationRule*> out;
    // getExportedDestinationRuleFromNamespace: empty, "*" or the proxy's
    // namespace by name; "." is not read as the rule's own namespace here,
    // so a root proxy does not take a root rule exported to [".", x].
    for (const DestinationRule* d : at_host(ns, DestinationRule::kExported))
      if (d->export_to.empty() ||
          std::any_of(
              d->export_to.begin(), d->export_to.end(),
              [&](const std::string& e) { return e == "*" || e == proxy_ns; }))
        out.push_back(d);
    if (!out.empty()) return pick(out);
  }
  return nullptr;
}

}  // namespace meshsim
