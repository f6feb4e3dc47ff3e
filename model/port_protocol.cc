#include <string>

#include "model/mesh.h"
#include "model/mesh_queries.h"
#include "model/text.h"

namespace meshsim {

namespace {

// §8.6 (kube/conversion.go ConvertProtocol): the word a port's protocol is
// read from: a ServiceEntry port's protocol; else the appProtocol, or the
// name, up to its first '-'; lower case.
std::string ProtocolWord(const ServicePort& p) {
  if (p.entry) return AsciiLower(p.protocol);
  const std::string& name = p.app_protocol.empty() ? p.name : p.app_protocol;
  return AsciiLower(name.substr(0, name.find('-')));
}

}  // namespace

PortProtocol DeclaredProtocol(const ServicePort& p) {
  auto parse = [](const std::string& raw) {
    const std::string v = AsciiLower(raw);
    if (v == "http" || v == "http2" || v == "http_proxy" || v == "grpc" ||
        v == "grpc-web")
      return PortProtocol::kHttp;
    if (v == "tcp" || v == "tls" || v == "https" || v == "mongo" ||
        v == "redis" || v == "mysql")
      return PortProtocol::kTcp;
    return v == "udp" ? PortProtocol::kUdp : PortProtocol::kSniffed;
  };
  if (p.entry) return parse(p.protocol);
  if (p.protocol == "UDP") return PortProtocol::kUdp;
  std::string name = p.name;
  if (!p.app_protocol.empty()) {
    name = p.app_protocol;
    if (name == "kubernetes.io/h2c" || name == "kubernetes.io/ws")
      return PortProtocol::kHttp;
    if (name == "kubernetes.io/wss") return PortProtocol::kTcp;
  }
  if (AsciiLower(name.substr(0, 8)) == "grpc-web") return PortProtocol::kHttp;
  const PortProtocol out = parse(name.substr(0, name.find('-')));
  // Well-known ports are never sniffed (SMTP, DNS, MySQL, MongoDB).
  if (out == PortProtocol::kSniffed &&
      (p.port == 25 || p.port == 53 || p.port == 3306 || p.port == 27017))
    return PortProtocol::kTcp;
  return out;
}

bool PortDeclaresHttp(const ServicePort& p) {
  return DeclaredProtocol(p) == PortProtocol::kHttp;
}

// §16.2 (protocol.Instance.IsTLS): TLS or HTTPS, and the appProtocol
// kubernetes.io/wss (WebSocket over TLS, HTTPS to istiod).
bool PortDeclaresTls(const ServicePort& p) {
  if (!p.entry && p.protocol == "UDP") return false;
  if (!p.entry && p.app_protocol == "kubernetes.io/wss") return true;
  const std::string v = ProtocolWord(p);
  return v == "tls" || v == "https";
}

}  // namespace meshsim
