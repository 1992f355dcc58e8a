#!/usr/bin/env bash
# Host packages for virgl-webgpu on Debian 12 (bookworm), run as root. Idempotent and quiet when done.
# Mesa 25 comes from bookworm-backports: Dawn's Vulkan backend finds no adapter on bookworm's Mesa 22.3.
# libegl-dev: Dawn's OpenGL ES backend (the compatibility fallback) dlopens the unversioned libEGL.so.
set -euo pipefail

BACKPORTS_PKGS=(mesa-vulkan-drivers libgl1-mesa-dri libegl-mesa0 libglx-mesa0 libgbm1)
BOOKWORM_PKGS=(xvfb x11-apps x11-utils mesa-utils mesa-utils-bin vulkan-tools libvulkan-dev virgl-server piglit libegl1 libgles2 libegl-dev)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host: must run as root (it installs Debian packages)" >&2; exit 1
fi
if ! grep -q 'bookworm' /etc/os-release 2>/dev/null; then
  echo "setup-host: this script targets Debian 12 (bookworm); install Mesa >= 25, Xvfb, mesa-utils, vulkan-tools and virgl-server by hand" >&2
  exit 1
fi

mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
missing=()
for p in "${BOOKWORM_PKGS[@]}" "${BACKPORTS_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
case "$(mesa_version)" in 25.*|26.*|27.*) ;; *) missing+=(mesa-vulkan-drivers) ;; esac
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup-host: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > "$list" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${BACKPORTS_PKGS[@]}" >/dev/null
apt-get install -y -qq --no-install-recommends "${BOOKWORM_PKGS[@]}" >/dev/null
# piglit and friends may have pulled bookworm's Mesa back in; backports must win.
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${BACKPORTS_PKGS[@]}" >/dev/null
case "$(mesa_version)" in
  25.*|26.*|27.*) echo "setup-host: Mesa $(mesa_version) installed" ;;
  *) echo "setup-host: expected Mesa >= 25 from bookworm-backports, got '$(mesa_version)'" >&2; exit 1 ;;
esac
