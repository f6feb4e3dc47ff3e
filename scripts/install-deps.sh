#!/usr/bin/env bash
# Installs meshsim's build and test dependencies from Debian 12 packages. Idempotent:
# packages already present are left as they are, and nothing is downloaded outside apt.
set -euo pipefail
pkgs=(cmake g++ make ninja-build ccache clang-format
      libyaml-dev nlohmann-json3-dev libboost-graph-dev libeigen3-dev libz3-dev
      libcli11-dev libgtest-dev libgmock-dev libxml2-utils libre2-dev libssl-dev libmimalloc-dev pkg-config
      clang libclang-rt-14-dev lld chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
