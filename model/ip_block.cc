// CIDR membership for both address families (§8.1 ipBlocks, §3.4
// ServiceEntry address blocks, §4.6 NetworkPolicy ipBlock).
#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "model/policy.h"

namespace meshsim {

bool IpInBlock(const std::string& block, const std::string& ip) {
  // An address of either family as bytes (4 or 16); IPv4 and IPv6 never
  // match each other, as in Envoy's CIDR matcher and ztunnel's.
  struct Addr {
    unsigned char b[16];
    size_t len = 0;
  };
  auto parse = [](const std::string& s, Addr* out) {
    if (s.find(':') != std::string::npos) {
      out->len = 16;
      return inet_pton(AF_INET6, s.c_str(), out->b) == 1;
    }
    out->len = 4;
    return inet_pton(AF_INET, s.c_str(), out->b) == 1;
  };
  const size_t slash = block.find('/');
  Addr net, addr;
  if (!parse(block.substr(0, slash), &net) || !parse(ip, &addr) ||
      net.len != addr.len)
    return false;
  size_t bits = net.len * 8;
  if (slash != std::string::npos) {
    const std::string prefix = block.substr(slash + 1);
    // Go's netip.ParsePrefix (Istio's validation) refuses "/08".
    if (prefix.empty() || prefix.size() > 3 ||
        (prefix.size() > 1 && prefix[0] == '0') ||
        !std::all_of(prefix.begin(), prefix.end(), ::isdigit) ||
        static_cast<size_t>(std::stoi(prefix)) > bits)
      return false;
    bits = static_cast<size_t>(std::stoi(prefix));
  }
  for (size_t i = 0; i < net.len && bits > 0;
       ++i, bits -= std::min<size_t>(bits, 8)) {
    const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((net.b[i] & mask) != (addr.b[i] & mask)) return false;
  }
  return true;
}

}  // namespace meshsim
