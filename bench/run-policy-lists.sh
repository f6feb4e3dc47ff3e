#!/usr/bin/env bash
# `meshsim verify` on one AuthorizationPolicy with a long list of values
# (notHosts, paths), as an untrusted pull request could write: the encoding
# states a list as one n-ary `or`, so building and freeing it grows with
# the list, not with its square; `--timeout 60` bounds each run.
#
#   bench/run-policy-lists.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for field in notHosts paths; do
  sizes="1000 3000 10000"
  # Path prefixes are prefixof terms, which Z3's string solver decides far
  # more slowly than host equalities.
  [ "$field" = paths ] && sizes="${PATH_SIZES:-100 300 1000}"
  for n in $sizes; do
    python3 - "$field" "$n" > "$out/s.yaml" <<'PY'
import sys
field, n = sys.argv[1], int(sys.argv[2])
vals = ", ".join((f'"h{i}.example.com"' if field == "notHosts" else f'"/p{i}/*"')
                 for i in range(n))
print(f"""name: policy-list
clusters:
  - name: east
    resources:
      - {{apiVersion: v1, kind: Namespace, metadata: {{name: shop, labels: {{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}}}}}
      - {{apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {{name: waypoint, namespace: shop}}, spec: {{gatewayClassName: istio-waypoint, listeners: [{{name: mesh, port: 15008, protocol: HBONE}}]}}}}
      - {{apiVersion: apps/v1, kind: Deployment, metadata: {{name: cart, namespace: shop}}, spec: {{replicas: 2, selector: {{matchLabels: {{app: cart}}}}, template: {{metadata: {{labels: {{app: cart}}}}, spec: {{containers: [{{name: c, image: c, ports: [{{containerPort: 8080}}]}}]}}}}}}}}
      - {{apiVersion: v1, kind: Service, metadata: {{name: cart, namespace: shop}}, spec: {{selector: {{app: cart}}, ports: [{{port: 80, targetPort: 8080}}]}}}}
      - apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {{name: p, namespace: shop}}
        spec: {{targetRefs: [{{kind: Service, group: "", name: cart}}], action: ALLOW, rules: [{{to: [{{operation: {{{field}: [{vals}]}}}}]}}]}}
traffic: []""")
PY
    /usr/bin/time -f "%e %M" -o "$out/time" "${MESHSIM:-$build/cli/meshsim}" verify "$out/s.yaml" \
      --timeout 60 > /dev/null 2>&1 || true
    read -r wall kb < <(tail -1 "$out/time")
    printf '%-8s %6d values: %6.2f s, %4d MB\n' "$field" "$n" "$wall" $((kb / 1024))
  done
done
