"""A throwaway certificate authority for one local cluster, made with the openssl command.

One CA signs the apiserver's serving certificate and an admin client certificate in `system:masters`;
a separate RSA key signs service-account tokens. Everything lives in `<dir>/pki` and is reused on the next `up`.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVING_NAMES = (
    "IP:127.0.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "IP:10.96.0.1",
)


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def serving_cert(self) -> Path:
        return self.dir / "apiserver.crt"

    @property
    def serving_key(self) -> Path:
        return self.dir / "apiserver.key"

    @property
    def admin_cert(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.dir / "admin.key"

    @property
    def service_account_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def service_account_public_key(self) -> Path:
        return self.dir / "sa.pub"


def ensure_pki(directory: Path) -> Pki:
    """Create the CA and leaf certificates unless a complete set already exists."""
    pki = Pki(directory)
    files = (
        pki.ca_cert,
        pki.serving_cert,
        pki.serving_key,
        pki.admin_cert,
        pki.admin_key,
        pki.service_account_key,
        pki.service_account_public_key,
    )
    if all(path.is_file() for path in files):
        return pki
    if shutil.which("openssl") is None:
        raise RuntimeError(
            "the openssl command is needed to make the local cluster's certificates (Debian: apt-get install openssl)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        directory,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=rollouts-local-ca",
    )
    (directory / "serving.ext").write_text(f"subjectAltName={','.join(SERVING_NAMES)}\nextendedKeyUsage=serverAuth\n")
    _leaf(directory, "apiserver", "/CN=kube-apiserver", "serving.ext")
    (directory / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    _leaf(directory, "admin", "/O=system:masters/CN=admin", "client.ext")
    _openssl(directory, "genrsa", "-out", "sa.key", "2048")
    _openssl(directory, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    return pki


def _leaf(directory: Path, name: str, subject: str, extensions: str) -> None:
    _openssl(
        directory,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        subject,
    )
    _openssl(
        directory,
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "3650",
        "-out",
        f"{name}.crt",
        "-extfile",
        extensions,
    )


def _openssl(directory: Path, *args: str) -> None:
    result = subprocess.run(["openssl", *args], cwd=directory, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")
