// Internal to verify/: what an Istio Gateway Router source class reaches
// (docs/semantics.md §16.3). A Router is an ingress pod that Istio Gateways
// (networking.istio.io) select; the VirtualServices bound to those gateways
// choose its backends.
#ifndef MESHSIM_VERIFY_ROUTER_H_
#define MESHSIM_VERIFY_ROUTER_H_

#include <optional>
#include <string>

#include "model/mesh.h"
#include "verify/result.h"
#include "verify/source_class.h"

namespace meshsim::verify {

// One way in: the outside client dials `port` (a server's number) with Host
// `host`, and Istio Gateway `gateway` (ns/name) takes the request.
struct RouterEntry {
  std::string gateway;
  std::string host;
  int port = 0;
  // The path of the rule's first match (Exact or prefix); "" when the rule
  // matches every path or states it otherwise.
  std::string path;
  bool exact = false;
};

// §16.3: the first way in (gateways, servers, VirtualServices and their
// hosts in name order) by which a VirtualService bound to an Istio Gateway
// selecting the class's pod names service `s` as a destination; nullopt
// when none does. Rule matches are not stated: any request on that way in
// may take the rule (an over-approximation, docs/verification.md).
// §5, §9: the port an outside client dials to send Host `host` to a
// Gateway API ingress of class `cls`: its first HTTP or HTTPS listener
// whose hostname takes the host (none: every host); `fallback` when none
// does.
int IngressListenerPort(const Cluster& c, const SourceClass& cls,
                        const std::string& host, int fallback);

std::optional<RouterEntry> RouterEntryTo(const Cluster& c,
                                         const SourceClass& cls,
                                         const Service& s);

// A counterexample of the Router as the traffic entry a user writes: from
// the Istio Gateway (`from: {ingress: ...}`) to the VirtualService's host on
// the server's port, over HTTP; the solver's path unless the rule's first
// match does not take it. Call after the finding's request is filled.
void EnterThrough(const RouterEntry& in, Finding& f);

}  // namespace meshsim::verify

#endif  // MESHSIM_VERIFY_ROUTER_H_
