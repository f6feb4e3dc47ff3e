#!/usr/bin/env python3
"""Writes data/schemas/istio.json and data/schemas/gateway-api.json: the
OpenAPI v3 schemas of the custom resources meshsim reads, taken from the
published CRDs, so manifests can be checked the way
`kubectl apply --validate=strict` checks them (data/schemas/README.md).

  scripts/refresh-schemas.py \\
      --istio istio/manifests/charts/base/files/crd-all.gen.yaml \\
      --gateway-api gateway-api/config/crd/experimental --out data/schemas

Inputs are local files of clones at release tags. The Istio version is
read with `git describe --tags --exact-match` next to the file unless
--istio-version is given; the Gateway API version is the CRDs'
gateway.networking.k8s.io/bundle-version annotation. Every Gateway API kind
is taken from the experimental channel; `standard` and `standard_versions`
say whether (and which served versions of) the kind are in the standard
channel, read from the sibling directory ../standard unless
--gateway-api-standard is given.

Only `description` keys are removed from the schemas (long prose);
everything else is kept. A kind's `schema` is the one of its storage
version; `schemas` maps each other served version whose schema differs
(descriptions aside) to its schema.

Needs PyYAML (Debian 12: python3-yaml). Output is deterministic: JSON with
sorted keys, no whitespace, one trailing newline.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import yaml

ISTIO_ORIGIN = "https://github.com/istio/istio"
ISTIO_SOURCE = "manifests/charts/base/files/crd-all.gen.yaml"
GATEWAY_API_ORIGIN = "https://github.com/kubernetes-sigs/gateway-api"
BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version"
GENERATED_BY = "scripts/refresh-schemas.py"

# The kinds kept, by group. meshsim reads most of them; the others are kept
# for work that will read them.
ISTIO_KINDS = {
    "networking.istio.io": {"WorkloadEntry", "ServiceEntry", "DestinationRule",
                            "VirtualService", "Gateway", "Sidecar"},
    "security.istio.io": {"AuthorizationPolicy", "PeerAuthentication",
                          "RequestAuthentication"},
    "telemetry.istio.io": {"Telemetry"},
    "extensions.istio.io": {"WasmPlugin"},
}
GATEWAY_API_KINDS = {
    "gateway.networking.k8s.io": {"Gateway", "GatewayClass", "HTTPRoute",
                                  "GRPCRoute", "TCPRoute", "TLSRoute",
                                  "ReferenceGrant"},
}

# Schema keywords whose value is a schema, a list of schemas, or a map of
# name to schema. Every other keyword is data (enum, default, required,
# x-kubernetes-validations, ...) and is copied as it is, so a property or a
# default that happens to be named "description" is kept.
SCHEMA_VALUED = {"items", "additionalProperties", "not"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
SCHEMA_MAPS = {"properties", "patternProperties", "definitions"}


def strip(schema):
    """A copy of schema without its `description` keys."""
    if not isinstance(schema, dict):
        return schema  # additionalProperties: false
    out = {}
    for key, value in schema.items():
        if key == "description":
            continue
        if key in SCHEMA_VALUED:
            out[key] = ([strip(s) for s in value] if isinstance(value, list)
                        else strip(value))
        elif key in SCHEMA_LISTS:
            out[key] = [strip(s) for s in value]
        elif key in SCHEMA_MAPS:
            out[key] = {name: strip(s) for name, s in value.items()}
        else:
            out[key] = value
    return out


def load_crds(path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        for doc in yaml.load_all(f, Loader=loader):
            if doc and doc.get("kind") == "CustomResourceDefinition":
                yield doc


def kind_entry(crd):
    spec = crd["spec"]
    served = [v for v in spec["versions"] if v.get("served")]
    storage = [v for v in spec["versions"] if v.get("storage")]
    if len(storage) != 1:
        sys.exit(f"{spec['names']['kind']}: {len(storage)} storage versions")
    storage = storage[0]
    schemas = {v["name"]: strip(v["schema"]["openAPIV3Schema"]) for v in served}
    entry = {
        "group": spec["group"],
        "kind": spec["names"]["kind"],
        "versions": [v["name"] for v in served],
        "deprecated": [v["name"] for v in served if v.get("deprecated")],
        "storage": storage["name"],
        "schema": schemas[storage["name"]],
    }
    differing = {name: s for name, s in schemas.items()
                 if name != storage["name"] and s != entry["schema"]}
    if differing:
        entry["schemas"] = differing
    return entry


def select(crds, wanted):
    """The entries of the wanted kinds, sorted by group then kind; exits if
    one is missing or appears twice."""
    entries = {}
    for crd in crds:
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        if kind not in wanted.get(group, ()):
            continue
        if (group, kind) in entries:
            sys.exit(f"{group} {kind}: defined twice")
        entries[(group, kind)] = kind_entry(crd)
    missing = [f"{g} {k}" for g, ks in wanted.items() for k in sorted(ks)
               if (g, k) not in entries]
    if missing:
        sys.exit("missing kinds: " + ", ".join(missing))
    return [entries[key] for key in sorted(entries)]


def git(path, *args):
    """Output of git in the directory of path, or None unless path is a
    file tracked by a clone (an unpacked archive inside another clone has
    no version of its own)."""
    path = os.path.abspath(path)
    try:
        run = lambda *a: subprocess.run(
            ["git", "-C", os.path.dirname(path), *a],
            check=True, capture_output=True, text=True).stdout.strip()
        run("ls-files", "--error-unmatch", os.path.basename(path))
        return run(*args)
    except (OSError, subprocess.CalledProcessError):
        return None


def write(path, document):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=None, separators=(",", ":"),
                  sort_keys=True)
        f.write("\n")
    print(f"{path}: {len(document['kinds'])} kinds, "
          f"{os.path.getsize(path)} bytes")


def istio(args):
    version = args.istio_version or git(args.istio, "describe", "--tags",
                                        "--exact-match")
    if not version:
        sys.exit("--istio-version is needed: no git tag at " + args.istio)
    commit = args.istio_commit or git(args.istio, "rev-parse", "HEAD")
    document = {
        "origin": ISTIO_ORIGIN,
        "source": [ISTIO_SOURCE],
        "version": version,
        "generated_by": GENERATED_BY,
        "kinds": select(load_crds(args.istio), ISTIO_KINDS),
    }
    if commit:
        document["commit"] = commit
    write(os.path.join(args.out, "istio.json"), document)


def gateway_api(args):
    experimental = args.gateway_api
    standard = args.gateway_api_standard or os.path.join(
        experimental, os.pardir, "standard")
    files = sorted(glob.glob(os.path.join(experimental, "*.yaml")))
    crds, versions, sources = [], set(), []
    for path in files:
        found = list(load_crds(path))
        for crd in found:
            versions.add(crd["metadata"]["annotations"].get(BUNDLE_VERSION))
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            if kind in GATEWAY_API_KINDS.get(group, ()):
                sources.append("config/crd/experimental/" + os.path.basename(path))
        crds += found
    if len(versions) != 1:
        sys.exit(f"{experimental}: bundle versions {sorted(map(str, versions))}")
    version = versions.pop()
    standard_served = {}
    for path in sorted(glob.glob(os.path.join(standard, "*.yaml"))):
        for crd in load_crds(path):
            if crd["metadata"]["annotations"].get(BUNDLE_VERSION) != version:
                sys.exit(f"{path}: not bundle version {version}")
            key = (crd["spec"]["group"], crd["spec"]["names"]["kind"])
            standard_served[key] = [v["name"] for v in crd["spec"]["versions"]
                                    if v.get("served")]
    if not standard_served:
        sys.exit(f"{standard}: no standard-channel CRDs")
    kinds = select(crds, GATEWAY_API_KINDS)
    for entry in kinds:
        served = standard_served.get((entry["group"], entry["kind"]), [])
        entry["standard"] = bool(served)
        entry["standard_versions"] = served
    document = {
        "origin": GATEWAY_API_ORIGIN,
        "source": sorted(sources),
        "version": version,
        "generated_by": GENERATED_BY,
        "kinds": kinds,
    }
    commit = args.gateway_api_commit or git(files[0], "rev-parse", "HEAD")
    if commit:
        document["commit"] = commit
    write(os.path.join(args.out, "gateway-api.json"), document)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--istio", required=True,
                   help="istio/istio's " + ISTIO_SOURCE)
    p.add_argument("--istio-version",
                   help="release tag (default: git describe at --istio)")
    p.add_argument("--istio-commit",
                   help="commit (default: git rev-parse HEAD at --istio)")
    p.add_argument("--gateway-api", required=True,
                   help="gateway-api's config/crd/experimental directory")
    p.add_argument("--gateway-api-standard",
                   help="config/crd/standard (default: sibling of --gateway-api)")
    p.add_argument("--gateway-api-commit",
                   help="commit (default: git rev-parse HEAD at --gateway-api)")
    p.add_argument("--out", required=True, help="output directory")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    istio(args)
    gateway_api(args)


if __name__ == "__main__":
    main()
