#!/usr/bin/env bash
# Assembles the seed corpora of the fuzz targets from the repository's own
# inputs (scenarios/ and tests/data/) into OUT/<target>/, so that nothing is
# copied into fuzz/ by hand:
#
#   fuzz/seeds.sh build-fuzz/seeds
#
#   manifest  every manifest file (.yaml, .yml, .json) of scenarios/ and
#             tests/data/
#   scenario  every scenario file, with its `manifests:` entries inlined as
#             `resources:` (fuzz_scenario.cc reads no files)
#   policy    manifests holding an AuthorizationPolicy, plus a request
#   route     manifests holding an HTTPRoute, plus a request
#   verify    a few scenario seeds with waypoints of every kind
#   shard     the shard files of tests/data/fuzz-seeds/shard/
#   writers   hostile names (workflow commands, escapes, markup, bad UTF-8)
#             as NUL-separated fields (fuzz_writers.cc)
#   yaml_block  the manifest seeds: YAML the block parser takes, to be
#             mutated into what it must decline or read as libyaml does
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: fuzz/seeds.sh OUT_DIR}
rm -rf "$out"
mkdir -p "$out"/{manifest,scenario,policy,route}

# A file name for a seed: its path with slashes flattened.
seed_name() { echo "${1//\//_}"; }

manifests=$(find scenarios tests/data -type f \
  \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
  -not -name 'scenario.yaml' -not -path 'tests/data/errors/*.yaml' \
  -not -path 'tests/data/warnings/*' -not -path 'tests/data/cli/*' \
  -not -path '*/expected/*' | sort)
requests=(
  $'method GET\npath /productpage\nhost productpage.default.svc.cluster.local\nprincipal cluster.local/ns/default/sa/curl\nheader x-user=alice\nport 9080'
  $'method POST\npath /api/v1/items?debug=1\nhost reviews:9080\nprincipal cluster.local/ns/bookinfo/sa/bookinfo-productpage\nheader end-user=jason\nsourceip 10.1.0.7\ndestip 10.2.0.9\nport 80'
)
for f in $manifests; do
  cp "$f" "$out/manifest/$(seed_name "$f")"
  for kind in AuthorizationPolicy HTTPRoute; do
    grep -q "kind: *\"\?$kind" "$f" || continue
    target=policy
    [ "$kind" = HTTPRoute ] && target=route
    i=0
    for req in "${requests[@]}"; do
      { cat "$f"; printf '\n---request\n%s\n' "$req"; } \
        >"$out/$target/$(seed_name "$f").$i"
      i=$((i + 1))
    done
  done
done

# Prints the documents of manifest file $1 as list items indented by $2.
inline_file() {
  awk -v ind="$2" '
    function flush() {
      if (n > 0) {
        print ind "- " doc[1]
        for (k = 2; k <= n; k++) print ind "  " doc[k]
      }
      n = 0
    }
    /^---/ { flush(); next }
    n == 0 && (/^[ \t]*#/ || /^[ \t]*$/) { next }
    { doc[++n] = $0 }
    END { flush() }' "$1"
}

# Prints manifest entry $2 (file or folder, relative to folder $1) inlined.
inline_entry() {
  local p="$1/$2"
  if [ -d "$p" ]; then
    find "$p" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort |
      while read -r f; do inline_file "$f" "$3"; done
  elif [ -f "$p" ] && [[ "$p" != *.json ]]; then
    inline_file "$p" "$3"
  fi
}

scenarios=$(find scenarios tests/data -name '*.yaml' \
  \( -name 'scenario.yaml' -o -path 'tests/data/errors/*' \
     -o -path 'tests/data/warnings/*' -o -path 'tests/data/cli/*' \) | sort)
for s in $scenarios; do
  dir=$(dirname "$s")
  {
    block_indent=""
    while IFS= read -r line || [ -n "$line" ]; do
      if [ -n "$block_indent" ]; then
        if [[ "$line" =~ ^${block_indent}\ +-\ *(.*)$ ]]; then
          inline_entry "$dir" "${BASH_REMATCH[1]}" "$block_indent  "
          continue
        fi
        block_indent=""
      fi
      if [[ "$line" =~ ^(\ *)manifests:\ *\[(.*)\]\ *$ ]]; then
        ind=${BASH_REMATCH[1]}
        echo "${ind}resources:"
        IFS=',' read -ra entries <<<"${BASH_REMATCH[2]}"
        for e in "${entries[@]}"; do
          e=${e## }; e=${e%% }
          inline_entry "$dir" "$e" "$ind  "
        done
      elif [[ "$line" =~ ^(\ *)manifests:\ *$ ]]; then
        block_indent=${BASH_REMATCH[1]}
        echo "${block_indent}resources:"
      else
        printf '%s\n' "$line"
      fi
    done <"$s"
  } | sed 's/manifests/manifest-files/g' >"$out/scenario/$(seed_name "$s")"
done
# verify: the scenario seeds of a few meshes with waypoints of every kind
# (a verify run is slow under the sanitizers). shard: shard
# files meshsim wrote (tests/data/fuzz-seeds/shard/, made with
# `meshsim check|run|verify ... --shard I/N --shard-out FILE`).
mkdir -p "$out/verify" "$out/shard"
for s in bookinfo service-waypoint namespace-waypoint workload-waypoint \
    waypoint-guard waypoint-no-guard ingress-use-waypoint \
    multicluster-waypoints peering_a-f-and-x; do
  cp "$out/scenario/scenarios_${s}_scenario.yaml" "$out/verify/"
done
cp tests/data/fuzz-seeds/shard/*.json "$out/shard/"
# writers: file, scenario name, expectation, expected, actual, warning,
# finding.
mkdir -p "$out/writers"
printf '::warning::x.yaml\0name\n::error file=a::pwned\0  ::add-mask::s\0<img src=x>\0]]></failure>\0\033]0;title\007\0\xff\xfe bad' \
  >"$out/writers/commands"
printf 'scenarios/a.yaml\0caf\xc3\xa9\0\t::stop-commands::t\0&amp;\0`code`|cell|\0\r\n::notice::n\0%%0A::error::x' \
  >"$out/writers/mixed"
cp -r "$out/manifest" "$out/yaml_block"
for t in manifest scenario policy route verify shard writers yaml_block; do
  echo "$t: $(ls "$out/$t" | wc -l) seeds"
done
