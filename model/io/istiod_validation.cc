// What istiod's validating webhook refuses in a VirtualService, a
// DestinationRule, an Istio Gateway and an endpoint address beyond what
// their CRD schemas say (pkg/config/validation/validation.go
// ValidateVirtualService, validateTCPRoute, validateTLSRoute,
// validateHTTPRedirect, validateTrafficPolicy, validateConnectionPool,
// validatePortTrafficPolicies, validateSubsetName, ValidateGateway,
// validateTLSOptions, validateWorkloadEntry; agent/validation.go
// ValidateWildcardDomain, ValidateFQDN, ValidateTLS,
// ValidateLocalityLbSetting, validateLocalities; virtualservice.go for
// sourceNamespace), §16.1–§16.3, §16.10: `kubectl apply` fails, so meshsim
// refuses them too. The checks read the YAML without marking any field
// read. See kinds.h.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/io/kinds.h"
#include "model/networking.h"

namespace meshsim::io {

namespace {

bool Absent(const yaml::Node& n) { return !n.IsDefined() || n.IsNull(); }

bool Empty(const yaml::Node& n) {
  return !n.IsDefined() || n.IsNull() ||
         ((n.IsSequence() || n.IsMap()) && n.size() == 0) ||
         (n.IsScalar() && n.Scalar().empty());
}

// Istio's DNS-1123 label (pkg/config/labels IsDNS1123Label), which unlike
// Kubernetes' takes capitals: [a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?, at
// most 63 characters.
bool DnsLabel(const std::string& v) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  };
  if (v.empty() || v.size() > 63 || !alnum(v.front()) || !alnum(v.back()))
    return false;
  for (char c : v)
    if (!alnum(c) && c != '-') return false;
  return true;
}

// netutil.IsValidIPAddress (netip.ParseAddr), which takes an IPv6 zone
// ("fe80::1%eth0").
bool GoIpAddress(const std::string& a) {
  const size_t zone = a.find('%');
  return IsIpAddress(a) ||
         (zone != std::string::npos && zone + 1 < a.size() &&
          a.find(':') < zone && IsIpAddress(a.substr(0, zone)));
}

// strconv.Atoi succeeds: optional sign, digits, within int64.
bool GoAtoiParses(const std::string& v) {
  size_t i = !v.empty() && (v[0] == '+' || v[0] == '-') ? 1 : 0;
  if (i == v.size()) return false;
  if (v.find_first_not_of("0123456789", i) != std::string::npos) return false;
  const std::string digits = v.substr(i);
  const std::string max = "9223372036854775807";
  return digits.size() < max.size() ||
         (digits.size() == max.size() && digits <= max);
}

// What istiod's validateHeaderValue (a port of Envoy's header_parser.cc)
// says of a header value: "" when Envoy's formatter takes it. A '%' starts a
// %VAR% or %VAR(args)% expression; "%%" is a literal '%'.
std::string HeaderValueError(const std::string& v) {
  for (const unsigned char c : v)
    if (c <= 0x08 || (c >= 0x0a && c <= 0x1f) || c == 0x7f)
      return "holds a control character";
  enum {
    kLiteral,
    kName,
    kArray,
    kExpectString,
    kString,
    kDelimiter,
    kArgsEnd,
    kVariableEnd
  } state = kLiteral;
  for (size_t pos = 0; pos < v.size(); ++pos) {
    const char ch = v[pos];
    const bool more = pos + 1 < v.size();
    switch (state) {
      case kLiteral:
        if (ch != '%') break;
        if (!more)
          return "ends in a '%' that starts nothing (write %% for '%')";
        if (v[pos + 1] == '%')
          ++pos;
        else
          state = kName;
        break;
      case kName:
        if (ch == '%') state = kLiteral;
        if (ch == '(') state = kArray;
        break;
      case kArray:
        if (ch == '[')
          state = kExpectString;
        else if (ch != ' ')
          state = kString;
        break;
      case kDelimiter:
        if (ch == ',')
          state = kExpectString;
        else if (ch == ']')
          state = kArgsEnd;
        else if (ch != ' ')
          return "expects ',' or ']' between arguments";
        break;
      case kExpectString:
        if (ch == '"')
          state = kString;
        else if (ch != ' ')
          return "expects '\"' to start an argument";
        break;
      case kString:
        if (ch == '\\') {
          if (!more) return "ends in a backslash inside an argument";
          ++pos;
        } else if (ch == ')') {
          state = kVariableEnd;
        } else if (ch == '"') {
          state = kDelimiter;
        }
        break;
      case kArgsEnd:
        if (ch == ')')
          state = kVariableEnd;
        else if (ch != ' ')
          return "expects ')' after the arguments";
        break;
      case kVariableEnd:
        if (ch == '%')
          state = kLiteral;
        else if (ch != ' ')
          return "expects '%' to close a %VAR(...)% expression";
        break;
    }
  }
  if (state != kLiteral)
    return "ends inside a %VAR% expression (write %% for '%')";
  return "";
}

// Go's strings.EqualFold against an ASCII lower-case `b`: Unicode simple
// folding, in which U+017F (long s) is an 's' (U+212A, the Kelvin sign, a
// 'k', appears in no name compared here).
bool EqualFold(const std::string& a, const char* b) {
  std::string folded;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.compare(i, 2, "\xC5\xBF") == 0) {
      folded += 's';
      ++i;
    } else {
      folded +=
          static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
    }
  }
  return folded == b;
}

// ValidateHTTPHeaderWithAuthorityOperationName (request add and set: Host
// and :authority may be set) and ValidateHTTPHeaderOperationName (the rest).
std::string HeaderNameError(const std::string& k, bool request_add_or_set) {
  if (k.empty()) return "a header name cannot be empty";
  const bool internal = (k[0] == ':') || EqualFold(k, "host");
  const bool authority = EqualFold(k, ":authority") || EqualFold(k, "host");
  if (request_add_or_set)
    return internal && !authority
               ? "'" + k + "' cannot be changed (a name starting with ':')"
               : "";
  if (EqualFold(k, "host"))
    return "'" + k + "': the Host header cannot be changed here";
  return internal ? "'" + k + "' cannot be changed (a name starting with ':')"
                  : "";
}

// §16.2 (virtualservice.go validateHTTPRoute, validateHTTPRouteDestinations,
// validateAuthorityRewrite): the names and values of `headers` operations;
// at rule level (`rewrite` given) the authority set in one place only.
void CheckHeaderOperations(Reader& r, const yaml::Node& headers,
                           const std::string& w, const yaml::Node* rewrite) {
  if (!headers.IsMap()) return;
  const std::string refuses = "; istiod's validation refuses it";
  // Authority headers set on the request, `set` then `add` as Istio walks
  // them: how many, and how many with a value.
  int set_entries = 0, set_values = 0, add_entries = 0, add_values = 0;
  for (const char* dir : {"request", "response"}) {
    const yaml::Node d = headers[dir];
    if (!d.IsMap()) continue;
    const bool request = std::string(dir) == "request";
    for (const char* op : {"set", "add"}) {
      const yaml::Node m = d[op];
      if (!m.IsMap()) continue;
      const std::string where = w + ".headers." + dir + "." + op;
      for (auto it = m.begin(); it != m.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        const std::string& key = it->first.Scalar();
        if (const std::string bad = HeaderNameError(key, request); !bad.empty())
          r.Error(it->first, where + ": " + bad + refuses);
        const yaml::Node v = it->second;
        const std::string value = v.IsScalar() ? v.Scalar() : "";
        if (const std::string bad = HeaderValueError(value); !bad.empty())
          r.Error(v, where + "['" + key + "']: the value " + bad + refuses);
        if (request &&
            (EqualFold(key, ":authority") || EqualFold(key, "host"))) {
          const bool set = std::string(op) == "set";
          ++(set ? set_entries : add_entries);
          (set ? set_values : add_values) += value.empty() ? 0 : 1;
        }
      }
    }
    const yaml::Node remove = d["remove"];
    if (!remove.IsSequence()) continue;
    for (const auto& n : remove)
      if (n.IsScalar())
        if (const std::string bad = HeaderNameError(n.Scalar(), false);
            !bad.empty())
          r.Error(n, w + ".headers." + dir + ".remove: " + bad + refuses);
  }
  if (!rewrite) return;
  const yaml::Node rw = (*rewrite)["authority"];
  const bool rewritten = rw.IsScalar() && !rw.Scalar().empty();
  // validateAuthorityRewrite walks rewrite.authority, then `set`, then `add`
  // (each map in Go's random order) and refuses an authority header that
  // follows one with a value. That holds in every order when the rewrite
  // has a value and a header follows, when two headers have values, or when
  // a `set` header has one and an `add` header follows; with one value in a
  // map of several it depends on the order.
  const int entries = set_entries + add_entries;
  const int values = set_values + add_values;
  const yaml::Node at = headers["request"];
  if ((rewritten && entries > 0) || values > 1 ||
      (set_values == 1 && add_entries > 0))
    r.Error(at, w +
                    ": the authority is set in more than one place (rewrite."
                    "authority, a Host or :authority header)" +
                    refuses);
  else if ((set_values == 1 && set_entries > 1) ||
           (add_values == 1 && add_entries > 1))
    r.Warning(at, w + ": Host and :authority headers are set together, one "
                      "of them empty: istiod's validation refuses it or not "
                      "by the order Go walks the map in, so kubectl apply "
                      "fails at random; set one");
}

void CheckHttpRule(Reader& r, const yaml::Node& rule, const std::string& w) {
  const yaml::Node rewrite = rule["rewrite"];
  CheckHeaderOperations(r, rule["headers"], w, &rewrite);
  if (const yaml::Node route = rule["route"]; route.IsSequence())
    for (size_t i = 0; i < route.size(); ++i)
      if (route[i].IsMap())
        CheckHeaderOperations(r, route[i]["headers"],
                              w + ".route[" + std::to_string(i) + "]", nullptr);
  const yaml::Node redirect = rule["redirect"];
  if (redirect.IsMap()) {
    bool target = false;
    for (const char* k :
         {"uri", "authority", "scheme", "port", "derivePort", "prefixRewrite"})
      target = target || !Empty(redirect[k]);
    if (!target)
      r.Error(redirect, w + ".redirect must set uri, authority, scheme or "
                            "port (istiod's validation refuses a redirect "
                            "that changes nothing)");
    const yaml::Node scheme = redirect["scheme"];
    if (scheme.IsScalar() && !scheme.Scalar().empty() &&
        scheme.Scalar() != "http" && scheme.Scalar() != "https")
      r.Error(scheme, w + ".redirect.scheme must be http or https, got '" +
                          scheme.Scalar() + "'");
  }
  const yaml::Node matches = rule["match"];
  if (!matches.IsSequence()) return;
  for (size_t j = 0; j < matches.size(); ++j) {
    const yaml::Node ns = matches[j]["sourceNamespace"];
    if (ns.IsScalar() && !ns.Scalar().empty() && !DnsLabel(ns.Scalar()))
      r.Error(ns, w + ".match[" + std::to_string(j) + "].sourceNamespace '" +
                      ns.Scalar() +
                      "' is not a namespace name (a DNS-1123 label); istiod's "
                      "validation refuses it");
  }
}

// agent.ValidateTLS on a client TLS block: MUTUAL needs a client
// certificate and key unless a credentialName fetches them, and a
// credentialName leaves no room for files.
void CheckClientTls(Reader& r, const yaml::Node& tls, const std::string& w) {
  if (!tls.IsMap()) return;
  const std::string mode = tls["mode"].Scalar();
  if (mode != "SIMPLE" && mode != "MUTUAL") return;
  if (!Empty(tls["credentialName"])) {
    for (const char* k :
         {"clientCertificate", "privateKey", "caCertificates", "caCrl"})
      if (!Empty(tls[k]))
        r.Error(tls[k], w + ".tls: " + std::string(k) +
                            " beside a credentialName (the credential holds "
                            "the certificates); istiod's validation refuses "
                            "it");
    return;
  }
  if (mode == "MUTUAL" &&
      (Empty(tls["clientCertificate"]) || Empty(tls["privateKey"])))
    r.Error(tls, w + ".tls: mode MUTUAL needs a credentialName, or a "
                     "clientCertificate and privateKey; istiod's validation "
                     "refuses it");
}

// agent.validateLocalities: each locality "region[/zone[/subzone]]" with no
// empty part and at most one '*', at its end, none covering one before it.
// "" when all are taken, else istiod's reason for the first that is not.
std::string LocalitiesError(const std::vector<std::string>& localities) {
  // region -> zone -> subzones; "*" for all.
  std::map<std::string, std::map<std::string, std::set<std::string>>> seen;
  for (const std::string& l : localities) {
    const size_t stars =
        static_cast<size_t>(std::count(l.begin(), l.end(), '*'));
    if (stars > 1 || (stars == 1 && l.back() != '*'))
      return "locality '" + l + "': a '*' may appear once, at its end";
    const std::string overlap =
        "locality '" + l + "' overlaps one given before it";
    if (seen.count("*")) return overlap;
    // strings.SplitN(l, "/", 3): a subzone keeps any further '/'.
    std::vector<std::string> part;
    size_t at = 0;
    while (part.size() < 2) {
      const size_t slash = l.find('/', at);
      if (slash == std::string::npos) break;
      part.push_back(l.substr(at, slash - at));
      at = slash + 1;
    }
    part.push_back(l.substr(at));
    for (const std::string& p : part)
      if (p.empty())
        return "locality '" + l + "' has an empty region, zone or subzone";
    auto region = seen.find(part[0]);
    if (part.size() == 1) {
      if (region != seen.end()) return overlap;
      seen[part[0]]["*"].insert("*");
      continue;
    }
    if (region != seen.end() && region->second.count("*")) return overlap;
    auto& zones = seen[part[0]];
    auto zone = zones.find(part[1]);
    if (part.size() == 2) {
      if (zone != zones.end()) return overlap;
      zones[part[1]].insert("*");
      continue;
    }
    if (zone != zones.end() &&
        (zone->second.count("*") || zone->second.count(part[2])))
      return overlap;
    zones[part[1]].insert(part[2]);
  }
  return "";
}

// agent.ValidateLocalityLbSetting on a loadBalancer's localityLbSetting
// (§16.1): distribute and failover exclusive, each distribute's weights in
// [1, 100] summing to 100, localities well formed and not overlapping,
// failover between two different whole regions; a failover without outlier
// detection is admitted with a warning.
void CheckLocalityLbSetting(Reader& r, const yaml::Node& lb,
                            const yaml::Node& outlier, const std::string& w) {
  const yaml::Node loc = lb.IsMap() ? lb["localityLbSetting"] : yaml::Node();
  if (!loc.IsMap()) return;
  const std::string lw = w + ".loadBalancer.localityLbSetting";
  const yaml::Node distribute = loc["distribute"];
  const yaml::Node failover = loc["failover"];
  const yaml::Node priority = loc["failoverPriority"];
  auto refuse = [&](const yaml::Node& at, const std::string& why) {
    r.Error(at, lw + ": " + why + "; istiod's validation refuses it");
  };
  if (distribute.size() > 0 && failover.size() > 0)
    return refuse(loc, "distribute and failover cannot both be set");
  if (failover.size() > 0)
    for (const auto& p : priority)
      if (p.Scalar() == "topology.kubernetes.io/region" ||
          p.Scalar() == "topology.kubernetes.io/zone" ||
          p.Scalar() == "topology.istio.io/subzone")
        return refuse(p, "failover cannot be set with the topology label '" +
                             p.Scalar() + "' in failoverPriority");
  std::vector<std::string> from;
  for (const auto& d : distribute) {
    from.push_back(d["from"].Scalar());
    const yaml::Node to = d["to"];
    long long total = 0;
    std::vector<std::string> targets;
    bool numbers = true;  // else the loader reports the type
    for (const auto& kv : to) {
      targets.push_back(kv.first.Scalar());
      const std::string& v = kv.second.Scalar();
      if (!GoAtoiParses(v) || v[0] == '-' || v.size() > 12) {
        numbers = false;
        continue;
      }
      const long long weight = std::stoll(v);
      if (weight <= 0 || weight > 100)
        return refuse(kv.second, "a locality weight must be from 1 to 100");
      total += weight;
    }
    if (!numbers) continue;
    if (total != 100)
      return refuse(to.IsDefined() ? to : d,
                    "the weights of distribute.to add up to " +
                        std::to_string(total) + ", not 100");
    if (std::string e = LocalitiesError(targets); !e.empty())
      r.Error(to, lw + ".distribute[].to: " + e +
                      "; istiod's validation refuses it");
  }
  if (std::string e = LocalitiesError(from); !e.empty())
    r.Error(distribute, lw + ".distribute[].from: " + e +
                            "; istiod's validation refuses it");
  if ((failover.size() > 0 || priority.size() > 0) && !outlier.IsMap())
    r.Warning(loc, lw + ": failover without outlierDetection in the same "
                        "traffic policy: istiod admits it with a warning "
                        "('outlier detection policy must be provided for "
                        "failover'); locality failover acts only where the "
                        "policy that applies has outlierDetection (§16.1)");
  for (const auto& f : failover) {
    const std::string a = f["from"].Scalar(), b = f["to"].Scalar();
    if (a == b)
      refuse(f, "a failover must name two different regions ('" + a + "')");
    if (a.find('/') != std::string::npos || b.find('/') != std::string::npos)
      refuse(f, "a failover names regions only, no zone ('" + a + "' to '" + b +
                    "')");
    if (a.find('*') != std::string::npos || b.find('*') != std::string::npos)
      refuse(f, "a failover region cannot hold '*'");
  }
}

// validateConnectionPool (§16.10): the pool sets http or tcp; counts are
// not negative, UPGRADE goes without useClientProtocol; each duration is one
// Go reads (the CRD's rule, and istiod's decoding, parse it with
// time.ParseDuration) and passes agent.ValidateDuration (at least 1ms, whole
// milliseconds). 1.22 checks http.idleTimeout, tcp.connectTimeout and
// maxConnectionDuration; 1.23 adds tcp.idleTimeout and tcpKeepalive, and
// 1.23.6, 1.24.4 and 1.25.1 skip a tcp idleTimeout whose Go Milliseconds()
// is 0 ("disabled").
void CheckConnectionPool(Reader& r, const yaml::Node& cp, const std::string& cw,
                         const IstioVersion& version) {
  if (!cp.IsMap()) return;
  const yaml::Node http = cp["http"], tcp = cp["tcp"];
  if (Absent(http) && Absent(tcp))
    r.Error(cp, cw + " must set http or tcp (istiod's validation refuses "
                     "an empty connection pool)");
  // (The counts meshsim models are read with their range: kinds_networking.)
  for (const char* key : {"maxRequestsPerConnection", "maxConcurrentStreams"}) {
    const yaml::Node v = http[key];
    if (v.IsScalar() && !v.Scalar().empty() && v.Scalar()[0] == '-')
      r.Error(v, cw + ".http." + key + " must not be negative, got '" +
                     v.Scalar() + "' (istiod's validation refuses it)");
  }
  if (http["h2UpgradePolicy"].Scalar() == "UPGRADE" &&
      http["useClientProtocol"].Scalar() == "true")
    r.Error(http["useClientProtocol"],
            cw + ".http: useClientProtocol must not be true when "
                 "h2UpgradePolicy is UPGRADE (istiod's validation refuses it)");
  const bool from_123 = version.AtLeast(1, 23);
  const bool idle_skip = version.AtLeastPatch(1, 25, 1) ||
                         (version.major == 1 && version.minor == 24 &&
                          version.AtLeastPatch(1, 24, 4)) ||
                         (version.major == 1 && version.minor == 23 &&
                          version.AtLeastPatch(1, 23, 6));
  auto check = [&](const yaml::Node& v, const std::string& what, bool checked,
                   bool zero_disables) {
    if (!v.IsScalar()) return;
    const std::optional<int64_t> ns = ParseIstioDuration(v.Scalar());
    if (!ns) {
      r.Error(v, cw + "." + what +
                     " must be a duration such as 10s, 0.5s "
                     "or 1m30s, got '" +
                     v.Scalar() + "'");
      return;
    }
    // Go's Milliseconds() truncates toward zero.
    if (!checked || (zero_disables && *ns > -1'000'000 && *ns < 1'000'000) ||
        ValidIstioDuration(*ns))
      return;
    r.Error(v, cw + "." + what +
                   " must be whole milliseconds, at least 1ms, "
                   "got '" +
                   v.Scalar() + "' (istiod's validation refuses it)");
  };
  check(http["idleTimeout"], "http.idleTimeout", true, false);
  check(tcp["connectTimeout"], "tcp.connectTimeout", true, false);
  check(tcp["maxConnectionDuration"], "tcp.maxConnectionDuration", true, false);
  check(tcp["idleTimeout"], "tcp.idleTimeout", from_123, idle_skip);
  check(tcp["tcpKeepalive"]["time"], "tcp.tcpKeepalive.time", from_123, false);
  check(tcp["tcpKeepalive"]["interval"], "tcp.tcpKeepalive.interval", from_123,
        false);
}

// validateTrafficPolicy and what it calls: a traffic policy, a connection
// pool and a port-level entry must each set something.
void CheckTrafficPolicy(Reader& r, const yaml::Node& tp, const std::string& w,
                        const IstioVersion& version) {
  if (!tp.IsMap()) return;
  auto absent = [](const yaml::Node& n) {
    return !n.IsDefined() || n.IsNull();
  };
  bool any = false;
  for (const char* k :
       {"outlierDetection", "connectionPool", "loadBalancer", "tls",
        "portLevelSettings", "tunnel", "proxyProtocol", "retryBudget"})
    any = any || !(absent(tp[k]) || (tp[k].IsSequence() && tp[k].size() == 0));
  if (!any) {
    r.Error(tp, w + " must set at least one field (istiod's validation "
                    "refuses an empty traffic policy); remove it");
    return;
  }
  CheckConnectionPool(r, tp["connectionPool"], w + ".connectionPool", version);
  CheckClientTls(r, tp["tls"], w);
  CheckLocalityLbSetting(r, tp["loadBalancer"], tp["outlierDetection"], w);
  const yaml::Node ports = tp["portLevelSettings"];
  if (!ports.IsSequence()) return;
  for (size_t i = 0; i < ports.size(); ++i) {
    const yaml::Node p = ports[i];
    const std::string pw = w + ".portLevelSettings[" + std::to_string(i) + "]";
    if (!p.IsMap()) continue;
    if (!p["port"].IsMap())
      r.Error(p, pw + ": port is required (istiod's validation refuses a "
                      "port-level setting without one)");
    bool set = false;
    for (const char* k :
         {"outlierDetection", "connectionPool", "loadBalancer", "tls"})
      set = set || !absent(p[k]);
    if (!set)
      r.Error(p, pw + " must set outlierDetection, connectionPool, "
                      "loadBalancer or tls (istiod's validation refuses a "
                      "port-level setting with nothing but its port)");
    CheckConnectionPool(r, p["connectionPool"], pw + ".connectionPool",
                        version);
    CheckClientTls(r, p["tls"], pw);
    CheckLocalityLbSetting(r, p["loadBalancer"], p["outlierDetection"], pw);
  }
}

// agent.ValidateDNS1123Labels: labels split at '.', the last as written
// not a number strconv.Atoi reads, each a DNS label but an empty last one
// (a trailing dot). "" when it takes `domain`.
std::string Dns1123LabelsError(const std::string& domain) {
  const size_t last_dot = domain.rfind('.');
  const std::string tld =
      last_dot == std::string::npos ? domain : domain.substr(last_dot + 1);
  if (GoAtoiParses(tld)) return "ends in an all-numeric label '" + tld + "'";
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const std::string label =
        domain.substr(start, dot == std::string::npos ? dot : dot - start);
    if (dot == std::string::npos && label.empty()) return "";
    if (label.find('*') != std::string::npos)
      return "has a '*' beyond the start of its first label";
    if (!DnsLabel(label))
      return "has an invalid label '" + label +
             "' (letters, digits and '-', starting and ending with a letter "
             "or digit)";
    if (dot == std::string::npos) return "";
    start = dot + 1;
  }
}

// agent.ValidateFQDN: at most 255 characters, DNS-1123 labels (a trailing
// dot allowed), the last not all digits.
bool Fqdn(const std::string& v) {
  return !v.empty() && v.size() <= 255 && Dns1123LabelsError(v).empty();
}

}  // namespace

std::string WildcardDomainError(const std::string& domain) {
  if (domain.empty() || domain.size() > 255)
    return "must be a host name of 1 to 255 characters";
  const size_t dot = domain.find('.');
  // labels.IsWildcardDNS1123Label: "*", or a label after "*" or "*-".
  std::string first = domain.substr(0, dot);
  if (first != "*") {
    if (first.rfind("*-", 0) == 0)
      first.erase(0, 2);
    else if (first.rfind('*', 0) == 0)
      first.erase(0, 1);
    if (first.find('*') != std::string::npos)
      return "has a '*' beyond the start of its first label";
    if (!DnsLabel(first))
      return "has an invalid first label '" + domain.substr(0, dot) +
             "' (letters, digits and '-', a '*' only at its start)";
  }
  if (dot == std::string::npos) return "";
  return Dns1123LabelsError(domain.substr(dot + 1));
}

std::string EndpointAddressError(const std::string& address, bool has_ports) {
  if (address.rfind("unix://", 0) == 0) {
    const std::string path = address.substr(7);
    if (path.empty() ||
        (path[0] != '@' && (path[0] != '/' || path.back() == '/')))
      return "a unix:// address must name an absolute path to a file (or an "
             "abstract socket @name)";
    if (has_ports) return "a unix:// address takes no ports";
    return "";
  }
  if (address.empty() || GoIpAddress(address) || Fqdn(address)) return "";
  return "neither an IP address nor a host name (a DNS name of letters, "
         "digits, '-' and '.')";
}

void CheckVirtualServiceWebhook(Reader& r, const ObjectHeader& h,
                                const yaml::Node& spec) {
  if (!spec.IsMap()) return;
  const yaml::Node gateways = spec["gateways"];
  bool mesh = !gateways.IsSequence() || gateways.size() == 0;
  if (gateways.IsSequence())
    for (const auto& g : gateways) mesh = mesh || g.Scalar() == "mesh";
  const yaml::Node hosts = spec["hosts"];
  if (hosts.IsSequence()) {
    for (size_t i = 0; i < hosts.size(); ++i) {
      const std::string& hi = hosts[i].Scalar();
      const bool sni_name = !mesh && hi.rfind("outbound_", 0) == 0;
      if (const std::string bad = WildcardDomainError(hi);
          !bad.empty() && !GoIpAddress(hi) && !sni_name && !hi.empty())
        r.Error(hosts[i], h.what + ": spec.hosts: '" + hi + "' " + bad +
                              "; istiod's validation refuses it");
      if (mesh && hi == "*")
        r.Error(hosts[i],
                h.what +
                    ": spec.hosts: '*' is not allowed for a "
                    "VirtualService bound to the mesh (no gateways, or "
                    "'mesh' among them); istiod's validation refuses it");
      for (size_t j = i + 1; j < hosts.size(); ++j) {
        const std::string& hj = hosts[j].Scalar();
        if (hi.empty() || hj.empty()) continue;
        if (HostNameMatches(hi, hj))
          r.Error(hosts[j], h.what + ": spec.hosts: " + hi + " and " + hj +
                                " overlap (istiod's validation refuses "
                                "duplicate hosts in a VirtualService)");
      }
    }
  }
  if (Empty(spec["http"]) && Empty(spec["tcp"]) && Empty(spec["tls"]))
    r.Error(spec, h.what +
                      ": spec must have http, tcp or tls rules "
                      "(istiod's validation refuses a VirtualService "
                      "with none)");
  const yaml::Node http = spec["http"];
  if (http.IsSequence())
    for (size_t i = 0; i < http.size(); ++i)
      if (http[i].IsMap())
        CheckHttpRule(r, http[i],
                      h.what + ": spec.http[" + std::to_string(i) + "]");
  for (const char* kind : {"tcp", "tls"}) {
    const yaml::Node rules = spec[kind];
    if (!rules.IsSequence()) continue;
    for (size_t i = 0; i < rules.size(); ++i)
      if (rules[i].IsMap() && Empty(rules[i]["route"]))
        r.Error(rules[i], h.what + ": spec." + kind + "[" + std::to_string(i) +
                              "].route is required (istiod's validation "
                              "refuses a " +
                              (std::string(kind) == "tcp" ? "TCP" : "TLS") +
                              " rule without destinations)");
  }
}

// validateTLSOptions past ISTIO_MUTUAL (§16.3): from 1.27 one source of
// certificates; a CRL needs a client CA of its own, so not with SIMPLE nor
// with a credentialName (which holds its CRL), checked where istiod has not
// returned early (SIMPLE or MUTUAL with a credential); PASSTHROUGH, the
// default mode, warned of certificates it ignores.
void CheckServerTlsSources(Reader& r, const yaml::Node& tls,
                           const std::string& sw, const IstioVersion& version) {
  auto set = [&](const char* k) { return !Empty(tls[k]); };
  const std::string mode = tls["mode"].Scalar();
  const bool from_127 = version.AtLeast(1, 27);
  const bool passthrough =
      mode.empty() || mode == "PASSTHROUGH" || mode == "AUTO_PASSTHROUGH";
  if (passthrough &&
      (set("caCrl") || set("serverCertificate") || set("privateKey") ||
       set("caCertificates") || set("credentialName") ||
       (from_127 && (set("tlsCertificates") || set("credentialNames")))))
    r.Warning(tls, sw + ".tls: mode " + (mode.empty() ? "PASSTHROUGH" : mode) +
                       " uses no certificates; istiod ignores them (and "
                       "warns)");
  if (from_127) {
    const int sources = (set("serverCertificate") && set("privateKey")) +
                        set("credentialName") + set("credentialNames") +
                        set("tlsCertificates");
    if (sources > 1)
      r.Error(tls, sw + ".tls: only one of credentialName, credentialNames, "
                        "serverCertificate and privateKey, tlsCertificates "
                        "may be set; istiod's validation refuses more");
  }
  const bool credential =
      set("credentialName") || (from_127 && set("credentialNames"));
  if (!set("caCrl") ||
      ((mode == "SIMPLE" || mode == "MUTUAL" || mode == "OPTIONAL_MUTUAL") &&
       credential))
    return;
  if (set("credentialName"))
    r.Error(tls["caCrl"], sw + ".tls: caCrl beside a credentialName (the "
                               "credential holds the CRL); istiod's "
                               "validation refuses it");
  if (mode == "SIMPLE")
    r.Error(tls["caCrl"], sw + ".tls: caCrl with mode SIMPLE (a CRL checks "
                               "client certificates, which SIMPLE does not "
                               "ask for); istiod's validation refuses it");
}

void CheckIstioGatewayWebhook(Reader& r, const ObjectHeader& h,
                              const yaml::Node& obj, const yaml::Node& spec,
                              const IstioVersion& version) {
  // Gateway names are DNS labels: no dots (ValidateGateway).
  if (!DnsLabel(h.name))
    r.Error(obj["metadata"]["name"],
            h.what +
                ": an Istio Gateway's name must be a DNS label (no "
                "dots); istiod's validation refuses '" +
                h.name + "'");
  const yaml::Node servers = spec["servers"];
  if (!servers.IsSequence()) return;
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < servers.size(); ++i) {
    const std::string sw = h.what + ": spec.servers[" + std::to_string(i) + "]";
    const yaml::Node name = servers[i]["port"]["name"];
    if (name.IsScalar()) {
      auto [it, fresh] = names.emplace(name.Scalar(), i);
      if (!fresh)
        r.Error(name, sw + ".port.name '" + name.Scalar() +
                          "' is also servers[" + std::to_string(it->second) +
                          "]'s; istiod's validation wants unique port names");
    }
    const yaml::Node tls = servers[i]["tls"];
    if (!tls.IsMap()) continue;
    const std::string mode = tls["mode"].Scalar();
    auto set = [&](const char* k) { return !Empty(tls[k]); };
    const bool credential = set("credentialName") || set("credentialNames");
    // validateTLSOptions.
    if (mode == "ISTIO_MUTUAL") {
      for (const char* k :
           {"serverCertificate", "privateKey", "caCertificates",
            "tlsCertificates", "credentialName", "credentialNames"}) {
        // The two list fields are checked from 1.27.
        const bool list = std::string(k) == "tlsCertificates" ||
                          std::string(k) == "credentialNames";
        if (set(k) && (!list || version.AtLeast(1, 27)))
          r.Error(tls[k], sw + ".tls: ISTIO_MUTUAL takes no " + std::string(k) +
                              " (the mesh's certificates are used); istiod's "
                              "validation refuses it");
      }
    } else if ((mode == "SIMPLE" || mode == "MUTUAL" ||
                mode == "OPTIONAL_MUTUAL") &&
               !credential) {
      const yaml::Node certs = tls["tlsCertificates"];
      bool complete = set("serverCertificate") && set("privateKey");
      if (certs.IsSequence() && certs.size() > 0) {
        complete = true;
        for (const auto& c : certs)
          complete = complete && !Empty(c["serverCertificate"]) &&
                     !Empty(c["privateKey"]);
      }
      if (!complete)
        r.Error(tls, sw + ".tls: mode " + mode +
                         " needs a credentialName, or a serverCertificate and "
                         "privateKey; istiod's validation refuses it");
      if (mode != "SIMPLE" && !set("caCertificates"))
        r.Error(tls, sw + ".tls: mode " + mode +
                         " without a credentialName needs caCertificates (the "
                         "client CA bundle); istiod's validation refuses it");
    }
    if (mode != "ISTIO_MUTUAL") CheckServerTlsSources(r, tls, sw, version);
  }
}

void CheckDestinationRuleWebhook(Reader& r, const ObjectHeader& h,
                                 const yaml::Node& spec,
                                 const IstioVersion& version) {
  if (!spec.IsMap()) return;
  CheckTrafficPolicy(r, spec["trafficPolicy"], h.what + ": spec.trafficPolicy",
                     version);
  const yaml::Node subsets = spec["subsets"];
  if (!subsets.IsSequence()) return;
  for (size_t i = 0; i < subsets.size(); ++i) {
    const std::string sw = h.what + ": spec.subsets[" + std::to_string(i) + "]";
    const yaml::Node name = subsets[i]["name"];
    if (name.IsScalar() && !name.Scalar().empty() && !DnsLabel(name.Scalar()))
      r.Error(name, sw + ".name '" + name.Scalar() +
                        "' is not a DNS-1123 label (letters, digits and "
                        "'-'); istiod's validation refuses it");
    CheckTrafficPolicy(r, subsets[i]["trafficPolicy"], sw + ".trafficPolicy",
                       version);
  }
}

void CheckWorkloadSelector(Reader& r, const yaml::Node& match_labels,
                           const std::string& what) {
  if (!match_labels.IsMap()) return;
  // §16.10 (validation.go validateWorkloadSelector): istiod checks a
  // workload selector for an empty key and a '*' alone, not for label syntax.
  for (auto it = match_labels.begin(); it != match_labels.end(); ++it) {
    // StringMap reports a key that is no string.
    if (!it->first.IsScalar()) continue;
    const std::string& key = it->first.Scalar();
    const yaml::Node v = it->second;
    const std::string value = v.IsScalar() ? v.Scalar() : "";
    if (key.empty())
      r.Error(it->first, what +
                             ": an empty key; istiod's validation refuses "
                             "it (empty key is not supported in selector)");
    if (key.find('*') != std::string::npos ||
        value.find('*') != std::string::npos)
      r.Error(key.find('*') != std::string::npos ? it->first : v,
              what + "['" + key +
                  "']: '*' in a workload selector; istiod's "
                  "validation refuses it (wildcard is not supported in "
                  "selector): list the labels to match, or leave the "
                  "selector out to select every workload of the namespace");
  }
}

}  // namespace meshsim::io
