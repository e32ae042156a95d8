#!/usr/bin/env bash
# Builds an offline release tarball, dist/impacteval-<version>-linux-<arch>.tar.gz:
#   bin/impact       the command-line tool, with the Swift runtime and Foundation linked in statically
#   Examples/ Datasets/ Notebooks/ Schemas/ README.md
#   INSTALL.txt      how to install it where there is no network, and the runtime packages it needs
# The machine that runs it needs only Debian's BLAS/LAPACK, ReadStat and zlib runtime libraries (no Swift,
# no compiler, no network). Scripts/check_offline_package.sh installs it in a fresh Debian root and runs
# the example there with the network cut off.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(sed -n 's/.*string = "\(.*\)".*/\1/p' Sources/ImpactRun/ImpactEvalVersion.swift)"
arch="$(uname -m)"
name="impacteval-$version-linux-$arch"
build="${BUILD_PATH:-.build-static}"

swift build -c release --static-swift-stdlib --product impact --build-path "$build"

stage="$(mktemp -d)"
root="$stage/$name"
mkdir -p "$root/bin"
cp "$build/release/impact" "$root/bin/impact"
strip "$root/bin/impact"
cp -R Examples Datasets Notebooks Schemas README.md "$root/"
rm -rf "$root"/Notebooks/*/impact-results

# The shared libraries the binary needs, and the Debian packages that provide them.
libraries="$(ldd "$root/bin/impact" | awk '/=>/ {print $1}' | sort)"
packages="$(for l in $libraries; do dpkg -S "*/$l" 2>/dev/null | head -1 | cut -d: -f1; done | sort -u | tr '\n' ' ')"
cat > "$root/INSTALL.txt" <<TXT
ImpactEval $version for Linux ($arch), built $(date -u +%Y-%m-%d) on $(. /etc/os-release && echo "$PRETTY_NAME").

What it needs on the machine that runs it: Debian's (or Ubuntu's) runtime libraries for BLAS/LAPACK,
ReadStat, zlib and OpenSSL (libcrypto); no Swift toolchain, no compiler and no network. On Debian 12:

    apt-get install libopenblas0 liblapacke libreadstat1 zlib1g libssl3

(inside a secure environment without a package mirror, carry in those .deb files too: on a connected
machine of the same release, \`apt-get install --download-only\` them into /var/cache/apt/archives/).
The libraries the binary loads, and the packages they came from where it was built:

    $(echo $libraries | tr '\n' ' ')
    $packages
(libblas.so.3 and liblapack.so.3 come through Debian's alternatives, from libopenblas0-pthread or libblas3/liblapack3.)

Install: unpack anywhere and put bin/ on the PATH, e.g.

    tar -xzf $name.tar.gz -C /opt
    export PATH=/opt/$name/bin:\$PATH
    impact run /opt/$name/Examples/mhst_study.yaml --out ~/impact-results/mhst_study
    impact verify ~/impact-results/mhst_study

Check the tarball's SHA-256 against the one published with it before carrying it in.
TXT

mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
rm -rf "$stage"
(cd dist && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1)), SHA-256 $(cut -d' ' -f1 "dist/$name.tar.gz.sha256")"
