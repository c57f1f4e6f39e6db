#!/usr/bin/env bash
# Installs the Debian mail clients the interop tests drive (swaks with its TLS
# module, curl, fetchmail, getmail6, and for IMAP mbsync from isync and
# offlineimap3) and the Chromium the browser tests drive through Playwright
# (tests/browser/), and Dovecot's IMAP server, the reference the differential tests
# compare against (tests/imap/test_dovecot_differential.py), if they are missing.
# The benchmarks install what else they need (bench/pop3_retr.py: dovecot-pop3d).
# Idempotent and quiet when everything is there; needs root (or sudo) otherwise.
set -euo pipefail
packages=()
command -v swaks >/dev/null 2>&1 || packages+=(swaks)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v fetchmail >/dev/null 2>&1 || packages+=(fetchmail)
command -v getmail >/dev/null 2>&1 || packages+=(getmail6)
command -v mbsync >/dev/null 2>&1 || packages+=(isync)
command -v offlineimap >/dev/null 2>&1 || packages+=(offlineimap3)
# Playwright drives Debian's Chromium: its own browser download cannot work offline.
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[ -x /usr/lib/dovecot/imap ] || packages+=(dovecot-imapd)
# swaks only recommends its TLS module; without it every swaks TLS test fails.
perl -MNet::SSLeay -e1 >/dev/null 2>&1 || packages+=(libnet-ssleay-perl)
[ ${#packages[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "need root to install: ${packages[*]}" >&2; exit 1; fi
fi
echo "installing Debian packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
