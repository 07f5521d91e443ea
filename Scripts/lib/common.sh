# shellcheck shell=bash
# Shared helpers for the Scripts/ entry points. Source it; do not execute it.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Repository root (the directory that holds Package.swift).
KCAPI_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"


# ---- logging --------------------------------------------------------------------------------------------------
# All log output goes to stderr so that scripts can keep stdout for real results.
_kcapi_tag="${KCAPI_LOG_TAG:-$(basename "${0:-kcapi}")}"
if [[ -t 2 && -z "${NO_COLOR:-}" && "${CI:-}" != "true" ]]; then
    _c_red=$'\e[31m' _c_yel=$'\e[33m' _c_grn=$'\e[32m' _c_bold=$'\e[1m' _c_off=$'\e[0m'
else
    _c_red='' _c_yel='' _c_grn='' _c_bold='' _c_off=''
fi
log()  { printf '%s[%s]%s %s\n' "$_c_bold" "$_kcapi_tag" "$_c_off" "$*" >&2; }
info() { log "$@"; }
ok()   { printf '%s[%s] %s%s\n' "$_c_grn" "$_kcapi_tag" "$*" "$_c_off" >&2; }
warn() { printf '%s[%s] WARNING: %s%s\n' "$_c_yel" "$_kcapi_tag" "$*" "$_c_off" >&2; }
err()  { printf '%s[%s] ERROR: %s%s\n' "$_c_red" "$_kcapi_tag" "$*" "$_c_off" >&2; }
die()  { err "$@"; exit 1; }
# Run a command only printing its output when it fails.
quietly() {
    local out rc=0
    out="$(mktemp)"
    "$@" >"$out" 2>&1 || rc=$?
    if (( rc != 0 )); then
        err "command failed (exit $rc): $*"
        tail -n 60 "$out" >&2
    fi
    rm -f "$out"
    return "$rc"
}

# ---- privilege ------------------------------------------------------------------------------------------------
as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n -- "$@" || sudo -- "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# ---- apt ------------------------------------------------------------------------------------------------------
_kcapi_apt_updated=0
apt_update_once() {
    (( _kcapi_apt_updated )) && return 0
    info "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 \
        || warn "apt-get update failed (continuing with the existing package lists)"
    _kcapi_apt_updated=1
}

# True when a Debian package is installed (status "install ok installed").
pkg_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_packages pkg… : install only the packages that are missing. apt-get update runs once, only when needed.
ensure_packages() {
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    (( ${#missing[@]} == 0 )) && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get to install them"
    info "installing: ${missing[*]}"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null 2>&1; then
        apt_update_once
        quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" || die "could not install: ${missing[*]}"
    fi
}

# True when apt knows a package (with a candidate version). Runs apt-get update once if it doesn't.
apt_has_package() {
    local cand
    cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [[ -z "$cand" || "$cand" == "(none)" ]]; then
        apt_update_once
        cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    fi
    [[ -n "$cand" && "$cand" != "(none)" ]]
}

# ---- toolchain ------------------------------------------------------------------------------------------------
# Puts a Swift toolchain on PATH (PATH, then /opt/swift, then /usr/share/swift) or dies.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        local d
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
            if [[ -x "$d/swift" ]]; then PATH="$d:$PATH"; export PATH; break; fi
        done
    fi
    command -v swift >/dev/null 2>&1 || die "no Swift toolchain found (need Swift 6; looked on PATH and /opt/swift)"
}

# Build dependencies of the package itself (system libraries used by CKCAPI and CLibCrypto).
ensure_build_deps() {
    ensure_swift
    ensure_packages libkcapi-dev libssl-dev pkg-config
}

# Packages the kernel VM runner needs (keyutils: the keyring-key tests run `keyctl` inside the VM, which sees this
# machine's root).
ensure_vm_packages() {
    ensure_packages qemu-system-x86 busybox-static kmod cpio xz-utils zstd keyutils
}

# libkcapi's kcapi-enc and kcapi-dgst (not packaged for bookworm), built from Debian's libkcapi source against the
# installed libkcapi (Scripts/lib/bench-kcapi-enc.sh), linked as kcapi-enc and kcapi-dgst in one directory, which
# is exported as KCAPI_APPS_DIR (AFALGPasswordCompatibilityTests compare kcrypto's password options with them).
ensure_kcapi_apps() {
    ensure_build_deps
    local here enc dgst dir
    here="$(dirname "${BASH_SOURCE[0]}")"
    enc="$("$here/bench-kcapi-enc.sh" kcapi-enc)" || die "cannot build kcapi-enc"
    dgst="$("$here/bench-kcapi-enc.sh" kcapi-dgst)" || die "cannot build kcapi-dgst"
    dir="$(dirname "$enc")/apps-${enc##*-}"
    as_root mkdir -p "$dir"
    as_root ln -sfn "$enc" "$dir/kcapi-enc"
    as_root ln -sfn "$dgst" "$dir/kcapi-dgst"
    export KCAPI_APPS_DIR="$dir"
}

# Seconds since the epoch with decimals, and a pretty duration.
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1fs", b - a }'; }
