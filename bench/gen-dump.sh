#!/usr/bin/env bash
# Writes a `kubectl get -o yaml`-style dump of N namespaces to stdout (see
# bench/run-dump.sh): per namespace a Namespace, a Deployment, its
# ReplicaSet, 4 Pods with ownerReferences, managedFields and status, a
# Service and a ConfigMap of about 8 KB.
set -euo pipefail
n=${1:?usage: bench/gen-dump.sh NAMESPACES}
awk -v n="$n" 'BEGIN {
  blob = ""
  for (i = 0; i < 128; i++) blob = blob "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  mf = "    managedFields:\n" \
       "    - apiVersion: v1\n      fieldsType: FieldsV1\n      fieldsV1:\n" \
       "        f:metadata:\n          f:labels:\n            .: {}\n            f:app: {}\n" \
       "        f:spec:\n          f:containers:\n            k:{\"name\":\"app\"}:\n" \
       "              .: {}\n              f:image: {}\n              f:imagePullPolicy: {}\n" \
       "              f:name: {}\n              f:ports:\n                .: {}\n" \
       "                k:{\"containerPort\":8080,\"protocol\":\"TCP\"}:\n" \
       "                  .: {}\n                  f:containerPort: {}\n                  f:protocol: {}\n" \
       "      manager: kube-controller-manager\n      operation: Update\n      time: \"2026-11-01T10:00:00Z\"\n"
  print "apiVersion: v1\nitems:"
  for (i = 0; i < n; i++) {
    ns = "ns-" i
    printf "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    labels:\n      istio.io/dataplane-mode: ambient\n    name: %s\n", ns
    printf "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    labels:\n      app: app-%d\n    name: app-%d\n    namespace: %s\n  spec:\n    replicas: 4\n    selector:\n      matchLabels:\n        app: app-%d\n    template:\n      metadata:\n        labels:\n          app: app-%d\n      spec:\n        containers:\n        - image: registry.example.com/app:1.0\n          name: app\n          ports:\n          - containerPort: 8080\n            protocol: TCP\n", i, i, ns, i, i
    printf "- apiVersion: apps/v1\n  kind: ReplicaSet\n  metadata:\n    labels:\n      app: app-%d\n      pod-template-hash: 5d9f7c\n    name: app-%d-5d9f7c\n    namespace: %s\n    ownerReferences:\n    - apiVersion: apps/v1\n      kind: Deployment\n      name: app-%d\n  spec:\n    replicas: 4\n    selector:\n      matchLabels:\n        app: app-%d\n        pod-template-hash: 5d9f7c\n    template:\n      metadata:\n        labels:\n          app: app-%d\n          pod-template-hash: 5d9f7c\n      spec:\n        containers:\n        - name: app\n", i, i, ns, i, i, i
    for (p = 0; p < 4; p++) {
      printf "- apiVersion: v1\n  kind: Pod\n  metadata:\n    creationTimestamp: \"2026-11-01T10:00:00Z\"\n    labels:\n      app: app-%d\n      pod-template-hash: 5d9f7c\n", i
      printf "%s", mf
      printf "    name: app-%d-5d9f7c-p%d\n    namespace: %s\n    ownerReferences:\n    - apiVersion: apps/v1\n      blockOwnerDeletion: true\n      controller: true\n      kind: ReplicaSet\n      name: app-%d-5d9f7c\n      uid: 8d3c0e52-0000-4000-8000-%012d\n    resourceVersion: \"%d\"\n    uid: 1f0c7d9e-0000-4000-8000-%012d\n", i, p, ns, i, i, i * 4 + p, i * 4 + p
      printf "  spec:\n    containers:\n    - image: registry.example.com/app:1.0\n      imagePullPolicy: IfNotPresent\n      name: app\n      ports:\n      - containerPort: 8080\n        protocol: TCP\n      resources: {}\n      terminationMessagePath: /dev/termination-log\n    dnsPolicy: ClusterFirst\n    nodeName: east-node-%d\n    restartPolicy: Always\n    schedulerName: default-scheduler\n    serviceAccountName: default\n", (i * 4 + p) % 50
      printf "  status:\n    conditions:\n    - lastTransitionTime: \"2026-11-01T10:00:01Z\"\n      status: \"True\"\n      type: Ready\n    phase: Running\n    podIP: 10.%d.%d.%d\n    startTime: \"2026-11-01T10:00:00Z\"\n", 16 + int((i * 4 + p) / 65536) % 200, int((i * 4 + p) / 256) % 256, (i * 4 + p) % 256
    }
    printf "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: app-%d\n    namespace: %s\n  spec:\n    ports:\n    - name: http\n      port: 8080\n      protocol: TCP\n      targetPort: 8080\n    selector:\n      app: app-%d\n    type: ClusterIP\n", i, ns, i
    printf "- apiVersion: v1\n  data:\n    config.txt: %s\n    more.txt: %s\n  kind: ConfigMap\n  metadata:\n    name: app-%d-config\n    namespace: %s\n", blob, blob, i, ns
  }
  print "kind: List\nmetadata:\n  resourceVersion: \"\""
}'
