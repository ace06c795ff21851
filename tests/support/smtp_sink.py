"""SMTP sink for the delivery tests (aiosmtpd), bound to 127.0.0.1.

    smtp_sink.py gen-cert DIR                      write DIR/ca.pem, DIR/cert.pem, DIR/key.pem (localhost, 127.0.0.1)
    smtp_sink.py serve PORT OUTDIR [--starttls CERT KEY | --implicit CERT KEY]

Each received mail is written to OUTDIR/NNNN.eml (raw) and OUTDIR/NNNN.json (envelope and
decoded headers and body), atomically. Prints READY when listening. Stops on SIGTERM.
"""
import datetime
import json
import os
import signal
import ssl
import sys
import threading
from email import policy
from email.parser import BytesParser


def gen_cert(d):
    """A throwaway CA (DIR/ca.pem, what the client trusts) and a server certificate for
    localhost and 127.0.0.1 signed by it (DIR/cert.pem, DIR/key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "commandpost test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    with open(os.path.join(d, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(os.path.join(d, "cert.pem"), "wb") as f:
        f.write(leaf.public_bytes(pem))
    with open(os.path.join(d, "key.pem"), "wb") as f:
        f.write(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            n = self.n
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "in_reply_to": str(msg["in-reply-to"]),
            "references": str(msg["references"]),
            "content_type": msg.get_content_type(),
            "body": msg.get_content(),
        }
        base = os.path.join(self.outdir, "%04d" % n)
        for ext, data in ((".eml", raw), (".json", json.dumps(summary).encode())):
            with open(base + ext + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + ext + ".tmp", base + ext)
        return "250 OK"


def serve(port, outdir, mode, cert, key):
    from aiosmtpd.controller import Controller

    kwargs = {}
    if mode:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        if mode == "--starttls":
            kwargs = {"tls_context": ctx, "require_starttls": True}
        else:
            kwargs = {"ssl_context": ctx}
    c = Controller(Sink(outdir), hostname="127.0.0.1", port=port, **kwargs)
    c.start()
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    c.stop()


if __name__ == "__main__":
    if sys.argv[1] == "gen-cert":
        gen_cert(sys.argv[2])
    else:
        mode = sys.argv[4] if len(sys.argv) > 4 else None
        serve(int(sys.argv[2]), sys.argv[3], mode, *(sys.argv[5:7] if mode else (None, None)))
