#!/usr/bin/env python3
"""Two versions of one mesh for `meshsim diff` at scale.

  bench/gen-diff-mesh.py OUT_DIR [--namespaces 20] [--services 10]

Writes OUT_DIR/old/ and OUT_DIR/new/ (scenario.yaml + manifests/): NS
ambient namespaces with a waypoint each, SERVICES services per namespace
(two pods, one HTTPRoute with a canary split each), and 500 policies in all
(ALLOW by principal, DENY by path, L4 guards). The new version changes a few
of them: one DENY removed, one ALLOW widened, one principal mistyped, one
route's weights changed, one namespace's waypoint renamed.
"""
import os
import sys


def main():
    out = sys.argv[1]
    args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
    nss = int(args.get("--namespaces", 20))
    svcs = int(args.get("--services", 10))
    policies_target = int(args.get("--policies", 500))
    for version in ("old", "new"):
        md = os.path.join(out, version, "manifests")
        os.makedirs(md, exist_ok=True)
        docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: client, labels: "
                "{istio.io/dataplane-mode: ambient}}",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: curl, namespace: client}\n"
                "spec: {replicas: 1, selector: {matchLabels: {app: curl}}, template: {metadata: {labels: {app: curl}}, spec: "
                "{serviceAccountName: curl, containers: [{name: c, image: curl}]}}}"]
        npol = 0
        for n in range(nss):
            ns = f"ns{n}"
            wp = "waypoint-v2" if (version == "new" and n == 3) else "waypoint"
            docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: "
                        f"{{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}}}")
            docs.append(f"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: "
                        f"{{name: {wp}, namespace: {ns}}}\nspec: {{gatewayClassName: istio-waypoint, "
                        f"listeners: [{{name: mesh, port: 15008, protocol: HBONE}}]}}")
            for s in range(svcs):
                app = f"svc{s}"
                for v in ("v1", "v2"):
                    docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {app}-{v}, "
                                f"namespace: {ns}}}\nspec: {{replicas: 1, selector: {{matchLabels: {{app: {app}, version: {v}}}}}, "
                                f"template: {{metadata: {{labels: "
                                f"{{app: {app}, version: {v}}}}}, spec: {{serviceAccountName: {app}, "
                                f"containers: [{{name: c, image: c, ports: [{{containerPort: 8080}}]}}]}}}}}}")
                for name in (app, app + "-v1", app + "-v2"):
                    sel = f"{{app: {app}}}" if name == app else \
                        f"{{app: {app}, version: {name[-2:]}}}"
                    docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\n"
                                f"spec: {{selector: {sel}, ports: [{{name: http, port: 80, targetPort: 8080}}]}}")
                w2 = 50 if (version == "new" and n == 1 and s == 1) else 10
                docs.append(f"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: "
                            f"{{name: {app}, namespace: {ns}}}\nspec:\n  parentRefs: [{{kind: Service, "
                            f"group: \"\", name: {app}}}]\n  rules:\n  - matches: [{{path: {{type: PathPrefix, "
                            f"value: /api}}}}]\n    backendRefs: [{{name: {app}-v1, port: 80, weight: {100 - w2}}}, "
                            f"{{name: {app}-v2, port: 80, weight: {w2}}}]\n  - backendRefs: [{{name: {app}-v1, port: 80}}]")
        # Policies, round-robin over services until the target count.
        i = 0
        while npol < policies_target:
            n, s = (i // svcs) % nss, i % svcs
            ns, app = f"ns{n}", f"svc{s}"
            kind = (i // (nss * svcs)) % 3
            tgt = f"targetRefs: [{{kind: Service, group: \"\", name: {app}}}]"
            if kind == 0:
                principal = "cluster.local/ns/client/sa/curl"
                if version == "new" and n == 2 and s == 2:
                    principal = "cluster.local/ns/client/sa/crul"
                docs.append(f"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: "
                            f"{{name: allow-{app}, namespace: {ns}}}\nspec:\n  {tgt}\n  action: ALLOW\n"
                            f"  rules:\n  - from: [{{source: {{principals: [{principal}, "
                            f"cluster.local/ns/{ns}/sa/{app}]}}}}]")
            elif kind == 1:
                if not (version == "new" and n == 4 and s == 4):
                    docs.append(f"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: "
                                f"{{name: deny-admin-{app}, namespace: {ns}}}\nspec:\n  {tgt}\n  action: DENY\n"
                                f"  rules:\n  - to: [{{operation: {{methods: [POST, DELETE], paths: [/admin*]}}}}]")
            else:
                paths = "[/api*]" if (version == "new" and n == 5 and s == 5) else "[/api]"
                docs.append(f"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: "
                            f"{{name: allow-api-{app}, namespace: {ns}}}\nspec:\n  {tgt}\n  action: ALLOW\n"
                            f"  rules:\n  - to: [{{operation: {{paths: {paths}}}}}]")
            npol += 1
            i += 1
        with open(os.path.join(md, "mesh.yaml"), "w") as f:
            f.write("\n---\n".join(docs) + "\n")
        with open(os.path.join(out, version, "scenario.yaml"), "w") as f:
            f.write(f"name: diff bench ({version})\nistio: {{version: \"1.31\"}}\nclusters:\n"
                    "  - name: east\n    nodes: 4\n    manifests: [manifests/]\ntraffic: []\n")


if __name__ == "__main__":
    main()
