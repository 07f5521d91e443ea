#!/usr/bin/env bash
# Builds libkcapi's `kcapi-enc` (not packaged for bookworm) against the installed libkcapi (libkcapi-dev) and
# prints its path. The source is Debian's libkcapi source package, fetched with a PRIVATE deb-src list (the
# system's apt sources and lists are not touched); source and binary are cached under
# /var/cache/swift-kcapi/kcapi-enc (KCAPI_ENC_CACHE) and never enter the repository.
#
#   bench-kcapi-enc.sh            → prints /var/cache/swift-kcapi/kcapi-enc/kcapi-enc-<version>
#   bench-kcapi-enc.sh kcapi-dgst → the same for libkcapi's kcapi-dgst (apps/kcapi-dgst.c)
set -euo pipefail
app="${1:-kcapi-enc}"
case "$app" in kcapi-enc|kcapi-dgst) ;; *) echo "usage: ${0##*/} [kcapi-enc|kcapi-dgst]" >&2; exit 64 ;; esac
KCAPI_LOG_TAG=$app
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cache="${KCAPI_ENC_CACHE:-/var/cache/swift-kcapi/kcapi-enc}"
version="$(dpkg-query -W -f='${Version}' libkcapi-dev 2>/dev/null | sed 's/-[^-]*$//')"
[[ -n "$version" ]] || die "libkcapi-dev is not installed (Scripts/lib/common.sh ensure_build_deps installs it)"
binary="$cache/$app-$version"
if [[ -x "$binary" ]]; then echo "$binary"; exit 0; fi

ensure_packages dpkg-dev xz-utils gcc libc6-dev
as_root mkdir -p "$cache"
tarball="$cache/libkcapi_$version.orig.tar.xz"
if [[ ! -s "$tarball" ]]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/lists/partial" "$work/src"
    # Private source list: the same archive as the system's sources, deb-src only, bookworm main.
    echo "deb-src http://deb.debian.org/debian bookworm main" >"$work/sources.list"
    apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
              -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
    info "fetching libkcapi $version source (private deb-src list)"
    quietly apt-get "${apt_opts[@]}" update || die "apt-get update (private deb-src list) failed"
    # apt checks each file against the signed Sources index as it arrives. Only the orig tarball is needed: the
    # mirror may lack the .asc / debian.tar.xz (404), which makes apt-get exit non-zero after fetching it.
    (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "libkcapi=$version-1" >"$work/log" 2>&1) \
        || true
    found="$work/src/libkcapi_$version.orig.tar.xz"
    if [[ ! -s "$found" ]]; then tail -n 20 "$work/log" >&2; die "apt-get source did not fetch ${found##*/}"; fi
    # Cross-check with the .dsc's checksum (the .dsc itself was verified against the Sources index).
    want="$(awk '/^Checksums-Sha256:/ {f=1; next} f && /orig\.tar\.xz$/ {print $1; exit}' "$work"/src/*.dsc)"
    [[ -n "$want" && "$(sha256sum <"$found" | cut -d' ' -f1)" == "$want" ]] || die "${found##*/}: checksum mismatch"
    as_root cp "$found" "$tarball"
fi

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
tar -xJf "$tarball" -C "$build" --wildcards "*/apps/$app.c" '*/apps/app-internal.c' '*/apps/app-internal.h' \
    || die "$tarball lacks apps/$app.c"
apps="$(echo "$build"/*/apps)"
info "building $app $version against the installed libkcapi"
# app-internal.c wants the build's config macros; the installed library provides the API (kcapi.h).
quietly gcc -O2 -D_GNU_SOURCE -DKCAPI_MAJVERSION="${version%%.*}" -I"$apps" -o "$build/$app" \
    "$apps/$app.c" "$apps/app-internal.c" -lkcapi || die "$app did not build"
as_root install -m 0755 "$build/$app" "$binary"
echo "$binary"
