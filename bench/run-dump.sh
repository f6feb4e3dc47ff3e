#!/usr/bin/env bash
# A whole-cluster `kubectl get -o yaml` dump of about SIZE_MB megabytes (one
# `kind: List` document, as kubectl writes it) through `meshsim paths`:
# wall time and peak memory (docs/robustness.md, "Large dumps").
#
#   bench/run-dump.sh build 200          # 200 MB
#   bench/run-dump.sh build 100 json     # the same dump as `kubectl get -o json`
#                                        # (converted with python3-yaml)
#
# The dump is written to a temporary folder and deleted afterwards. Each
# namespace holds a Deployment, its ReplicaSet, 4 Pods (with managedFields
# and status, as kubectl prints them), a Service and a ConfigMap; ~24 KB in
# all.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
size_mb=${2:-200}
format=${3:-yaml}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
namespaces=$((size_mb * 1024 / 24))
bench/gen-dump.sh "$namespaces" >"$tmp/dump.yaml"
if [ "$format" = json ]; then
  python3 -c 'import json, sys, yaml
json.dump(yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader),
          open(sys.argv[2], "w"), indent=4)' "$tmp/dump.yaml" "$tmp/dump.json"
  rm "$tmp/dump.yaml"
fi
cat >"$tmp/scenario.yaml" <<SCENARIO
name: large dump
clusters:
  - name: east
    nodes: 50
    manifests: [dump.$format]
traffic:
  - name: a
    from: {cluster: east, namespace: ns-1, workload: app-1}
    to: {host: app-2.ns-2.svc.cluster.local, port: 8080}
    http: {method: GET, path: /}
SCENARIO
echo "dump: $(du -m "$tmp/dump.$format" | cut -f1) MB, $namespaces namespaces," \
  "$((namespaces * 4)) pods"
echo "command: $build/cli/meshsim paths $tmp/scenario.yaml"
/usr/bin/time -f "wall %e s, max RSS %M KB" \
  "$build/cli/meshsim" paths "$tmp/scenario.yaml" >"$tmp/out.txt" 2>"$tmp/err.txt" ||
  true
tail -n 3 "$tmp/out.txt"
grep -v "^.*note: skipped" "$tmp/err.txt" | tail -n 5
