#!/usr/bin/env python3
"""Writes scenarios/diff/<case>/: an old and a new version of one mesh.

Each case holds scenario.yaml (manifests: [manifests/]) with the old
manifests under manifests/, and new/scenario.yaml with the new manifests
under new/manifests/, so both forms of `meshsim diff` work:

  meshsim diff scenarios/diff/X/scenario.yaml scenarios/diff/X/new/scenario.yaml
  meshsim diff scenarios/diff/X/scenario.yaml --new-manifests scenarios/diff/X/new

`expect` lists what the diff must report, one `rule source-substring` per
line, or `equivalent`. tests/verify/diff_test.cc reads it.
"""
import os
import shutil

ROOT = os.path.join(os.path.dirname(__file__), "..", "scenarios", "diff")

CLIENTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: client
  labels:
    istio.io/dataplane-mode: ambient
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl
  namespace: client
spec:
  replicas: 1
  selector:
    matchLabels: {app: curl}
  template:
    metadata:
      labels: {app: curl}
    spec:
      serviceAccountName: curl
      containers:
      - name: curl
        image: curlimages/curl:8.16.0
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    istio-injection: enabled
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl
  namespace: legacy
spec:
  replicas: 1
  selector:
    matchLabels: {app: curl}
  template:
    metadata:
      labels: {app: curl}
    spec:
      serviceAccountName: curl
      containers:
      - name: curl
        image: curlimages/curl:8.16.0
"""

INGRESS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  namespace: istio-system
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: All
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: cart
  namespace: shop
spec:
  parentRefs:
  - name: public
    namespace: istio-system
  hostnames: [shop.example.com]
  rules:
  - backendRefs:
    - name: cart
      port: 80
"""


def shop(ns_labels, waypoint_name="waypoint", service_labels=None,
         replicas=2, service=True):
    labels = "".join(f"\n    {k}: {v}" for k, v in ns_labels.items())
    slabels = "".join(
        f"\n    {k}: {v}" for k, v in (service_labels or {}).items())
    text = f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:{labels}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: {waypoint_name}
  namespace: shop
  labels:
    istio.io/waypoint-for: service
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - name: mesh
    port: 15008
    protocol: HBONE
---
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
  labels:
    app: cart{slabels}
spec:
  selector:
    app: cart
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: cart}}
  template:
    metadata:
      labels: {{app: cart}}
    spec:
      serviceAccountName: cart
      containers:
      - name: cart
        image: example/cart:1.0
        ports:
        - containerPort: 8080
"""
    if not service:
        start = text.index("apiVersion: v1\nkind: Service")
        text = text[:start] + text[text.index("---\n", start) + 4:]
    return text


def policy(name, action, rules, target="targetRefs"):
    head = f"""\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: {name}
  namespace: shop
spec:
"""
    if target == "targetRefs":
        head += """\
  targetRefs:
  - kind: Service
    group: ""
    name: cart
"""
    return head + f"  action: {action}\n  rules:\n{rules}"


AMBIENT_WP = {"istio.io/dataplane-mode": "ambient",
              "istio.io/use-waypoint": "waypoint"}
AMBIENT = {"istio.io/dataplane-mode": "ambient"}

ALLOW_CURL = """\
  - from:
    - source:
        principals: [cluster.local/ns/client/sa/curl]
"""

# A GAMMA route on cart whose waypoint answers every request itself.
REDIRECT = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: cart-redirect
  namespace: shop
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: cart
    port: 80
  rules:
  - filters:
    - type: RequestRedirect
      requestRedirect:
        hostname: www.example.com
        statusCode: 302
"""

CASES = {
    "scaled-to-zero": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=(["shop/waypoint"], "failed", None),
        doc="Deployment shop/cart is scaled to zero: the Service stays, with no "
            "endpoint, so every request the old version delivered to it now "
            "fails (upstream of the waypoint).",
        old={},
        new={"shop.yaml": shop(AMBIENT_WP, replicas=0)},
        traffic=("client", "curl", "GET", "/"),
        expect=["diff-newly-failed ambient workload client/curl",
                "!diff-waypoint-changed *"]),
    "scaled-to-zero-redirect": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=(["shop/waypoint"], "delivered", None),
        doc="Deployment shop/cart is scaled to zero while a GAMMA route has its "
            "waypoint answer every request with a redirect: the waypoint needs no "
            "endpoint, so only clients that skip it (an uncaptured pod) newly fail.",
        old={"shop.yaml": shop(AMBIENT_WP) + REDIRECT},
        new={"shop.yaml": shop(AMBIENT_WP, replicas=0) + REDIRECT},
        traffic=("client", "curl", "GET", "/"),
        expect=["diff-newly-failed a pod outside the mesh",
                "!diff-newly-failed ambient workload client/curl"]),
    "service-added": dict(
        old_path=([], "failed", None),
        new_path=([], "delivered", None),
        doc="Service shop/cart is created for pods that already ran: requests "
            "to the name, which failed, are now delivered.",
        old={"shop.yaml": shop(AMBIENT_WP, service=False)},
        new={"shop.yaml": shop(AMBIENT_WP)},
        traffic=None,
        expect=["diff-newly-allowed *", "!diff-waypoint-changed *"]),
    "service-removed": dict(
        old_path=([], "delivered", None),
        new_path=([], "failed", None),
        doc="Service shop/cart is deleted (its pods stay): a client can no "
            "longer resolve or reach the name, so every request the old "
            "version delivered to it now fails.",
        old={},
        new={"shop.yaml": shop(AMBIENT_WP, service=False)},
        traffic=None,
        expect=["diff-newly-failed ambient workload client/curl",
                "!diff-waypoint-changed *"]),
    "deny-removed": dict(
        old_path=(["shop/waypoint"], "denied", "shop/deny-admin"),
        new_path=(["shop/waypoint"], "delivered", None),
        doc="A DENY rule for POST /admin is removed: POST /admin from every "
            "client that reaches the waypoint is newly allowed.",
        old={"policy.yaml": policy("deny-admin", "DENY", """\
  - to:
    - operation:
        methods: [POST]
        paths: [/admin, /admin/*]
""")},
        new={},
        remove=["policy.yaml"],
        traffic=("client", "curl", "POST", "/admin"),
        expect=["diff-newly-allowed ambient workload client/curl"]),
    "allow-widened": dict(
        old_path=(["shop/waypoint"], "denied", "shop/allow-api"),
        new_path=(["shop/waypoint"], "delivered", None),
        doc="An ALLOW for the exact path /api is widened to the prefix /api*: "
            "/api/orders (and /apix) from curl is newly allowed.",
        old={"policy.yaml": policy("allow-api", "ALLOW", """\
  - from:
    - source:
        principals: [cluster.local/ns/client/sa/curl]
    to:
    - operation:
        paths: [/api]
""")},
        new={"policy.yaml": policy("allow-api", "ALLOW", """\
  - from:
    - source:
        principals: [cluster.local/ns/client/sa/curl]
    to:
    - operation:
        paths: [/api*]
""")},
        traffic=("client", "curl", "GET", "/api/orders"),
        expect=["diff-newly-allowed ambient workload client/curl",
                "!diff-newly-denied *"]),
    "principal-typo": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=(["shop/waypoint"], "denied", "shop/allow-curl"),
        doc="A principal is mistyped (sa/crul): the ALLOW now matches nobody, "
            "so curl is newly denied, silently.",
        old={"policy.yaml": policy("allow-curl", "ALLOW", ALLOW_CURL)},
        new={"policy.yaml": policy("allow-curl", "ALLOW", ALLOW_CURL.replace(
            "sa/curl", "sa/crul"))},
        traffic=("client", "curl", "GET", "/"),
        expect=["diff-newly-denied ambient workload client/curl"]),
    "namespace-onto-waypoint": dict(
        old_path=([], "delivered", None),
        new_path=(["shop/waypoint"], "denied", "shop/deny-delete"),
        doc="The shop namespace is labelled istio.io/use-waypoint=waypoint: "
            "ambient clients now pass the waypoint and its L7 DENY on DELETE "
            "applies; the sidecar client still bypasses it (no change for "
            "it: `meshsim verify` reports that bypass).",
        old={"shop.yaml": shop(AMBIENT),
             "policy.yaml": policy("deny-delete", "DENY", """\
  - to:
    - operation:
        methods: [DELETE]
""")},
        new={"shop.yaml": shop(AMBIENT_WP)},
        traffic=("client", "curl", "DELETE", "/items/1"),
        expect=["diff-waypoint-changed ambient workload client/curl",
                "diff-newly-denied ambient workload client/curl",
                "!* sidecar workload legacy/curl"]),
    "ingress-use-waypoint-added": dict(
        old_path=([], "delivered", None),
        new_path=(["shop/waypoint"], "delivered", None),
        doc="The cart Service gains istio.io/ingress-use-waypoint=true: the "
            "ingress gateway now sends its requests through the waypoint.",
        old={},
        new={"shop.yaml": shop(AMBIENT_WP, service_labels={
            "istio.io/ingress-use-waypoint": '"true"'})},
        traffic=None,
        expect=["diff-waypoint-changed ingress istio-system/public"]),
    "client-leaves-ambient": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=([], "delivered", None),
        doc="The client namespace is labelled istio.io/dataplane-mode=none: "
            "its pods are now outside the mesh and reach cart with no "
            "waypoint. The same workload is another kind of client in each "
            "version; diff aligns it by workload, not by kind.",
        old={},
        new={"clients.yaml": CLIENTS.replace(
            "istio.io/dataplane-mode: ambient",
            "istio.io/dataplane-mode: none", 1)},
        traffic=("client", "curl", "GET", "/"),
        expect=["diff-new-bypass uncaptured workload client/curl",
                "!* sidecar workload legacy/curl"]),
    "waypoint-renamed": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=([], "delivered", None),
        doc="The waypoint is renamed waypoint-v2 while the namespace label "
            "still names waypoint: the binding fails open (§2.3) and every "
            "ambient request to cart bypasses the waypoint.",
        old={},
        new={"shop.yaml": shop(AMBIENT_WP, waypoint_name="waypoint-v2")},
        traffic=("client", "curl", "GET", "/"),
        expect=["diff-new-bypass ambient workload client/curl"]),
    "equivalent-rewrite": dict(
        old_path=(["shop/waypoint"], "delivered", None),
        new_path=(["shop/waypoint"], "delivered", None),
        doc="One ALLOW with two principals is rewritten as two ALLOW "
            "policies with one principal each: equivalent for all requests.",
        old={"policy.yaml": policy("allow-clients", "ALLOW", """\
  - from:
    - source:
        principals:
        - cluster.local/ns/client/sa/curl
        - cluster.local/ns/legacy/sa/curl
    to:
    - operation:
        methods: [GET, POST]
""")},
        new={"policy.yaml": policy("allow-client-curl", "ALLOW", """\
  - from:
    - source:
        principals: [cluster.local/ns/client/sa/curl]
    to:
    - operation:
        methods: [GET, POST]
""") + "---\n" + policy("allow-legacy-curl", "ALLOW", """\
  - from:
    - source:
        principals: [cluster.local/ns/legacy/sa/curl]
    to:
    - operation:
        methods: [POST, GET]
""")},
        traffic=("client", "curl", "GET", "/"),
        expect=["equivalent"]),
}


def scenario(name, doc, traffic, version, expected):
    lines = [f"# {doc}",
             "# Generated by scripts/gen-diff-scenarios.py; "
             "docs/diff.md explains the case.",
             f"name: \"diff {name} ({version})\"",
             "istio: {version: \"1.31\"}",
             "clusters:",
             "  - name: east",
             "    nodes: 2",
             "    manifests: [manifests/]"]
    if traffic:
        ns, wl, method, path = traffic
        lines += ["traffic:",
                  f"  - name: {ns}-{wl}-to-cart",
                  f"    from: {{cluster: east, namespace: {ns}, "
                  f"workload: {wl}}}",
                  "    to: {host: cart.shop.svc.cluster.local, port: 80}",
                  f"    http: {{method: {method}, path: {path}}}",
                  "    rate: 10",
                  "    duration: 1s"]
    else:
        lines += ["traffic:",
                  "  - name: ingress-to-cart",
                  "    from: {cluster: east, ingress: istio-system/public}",
                  "    to: {host: shop.example.com, port: 80}",
                  "    http: {method: GET, path: /}",
                  "    rate: 10",
                  "    duration: 1s"]
    via, outcome, by = expected
    entry = f"{traffic[0]}-{traffic[1]}-to-cart" if traffic else "ingress-to-cart"
    lines += ["expect:",
              f"  - traffic: {entry}",
              f"    via: [{', '.join(via)}]",
              f"    outcome: {outcome}"]
    if by:
        lines.append(f"    denied_by: {by}")
    return "\n".join(lines) + "\n"


def main():
    for name, case in CASES.items():
        d = os.path.join(ROOT, name)
        # The manifests are rewritten; the goldens (expected/) are
        # scripts/update-goldens.sh's.
        for sub in ("manifests", os.path.join("new", "manifests")):
            shutil.rmtree(os.path.join(d, sub), ignore_errors=True)
        base = {"clients.yaml": CLIENTS, "ingress.yaml": INGRESS,
                "shop.yaml": shop(AMBIENT_WP)}
        old = dict(base, **case["old"])
        new = dict(old, **case["new"])
        for key in case.get("remove", []):
            del new[key]
        for sub, files, version in (("", old, "old"), ("new", new, "new")):
            md = os.path.join(d, sub, "manifests")
            os.makedirs(md, exist_ok=True)
            for fname, text in sorted(files.items()):
                with open(os.path.join(md, fname), "w") as f:
                    f.write(text)
            with open(os.path.join(d, sub, "scenario.yaml"), "w") as f:
                f.write(scenario(name, case["doc"], case["traffic"], version,
                                 case[version + "_path"]))
        with open(os.path.join(d, "expect"), "w") as f:
            f.write("\n".join(case["expect"]) + "\n")


if __name__ == "__main__":
    main()
