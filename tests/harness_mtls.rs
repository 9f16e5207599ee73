//! mTLS: a participant's server that demands a client certificate. The harness, configured by a
//! target.toml with the certificate, key and the server's CA, gets through; without the certificate
//! the handshake is refused and the scenario fails with the transport error, not a pass.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use finsandbox::harness::report::Status;
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

struct Pki {
    ca_pem: String,
    server: (CertificateDer<'static>, PrivateKeyDer<'static>),
    ca_der: CertificateDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(vec!["tpp.example".to_string()]).unwrap();
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params.signed_by(&client_key, &ca).unwrap();

    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server: (
            server_cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        ),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// An HTTPS server on 127.0.0.1 that requires a client certificate signed by the test CA and
/// answers `{"ok": true}` to anything.
async fn mtls_server(pki: &Pki) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server.0.clone()], pki.server.1.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = tokio::select! {
                a = listener.accept() => match a { Ok(x) => x, Err(_) => continue },
                _ = &mut rx => break,
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client without a certificate fails here, which is the point.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(|_req: Request<hyper::body::Incoming>| async {
                    let mut r = Response::new(Full::new(Bytes::from_static(b"{\"ok\": true}")));
                    r.headers_mut()
                        .insert("content-type", "application/json".parse().unwrap());
                    Ok::<_, Infallible>(r)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, tx)
}

const FEATURE: &str = "Feature: a bank behind mTLS
  Scenario: the gateway answers over mutual TLS
    When I GET \"/open-banking/ping\" without a token
    Then the status is 200
    And the field \"ok\" is \"true\"
";

async fn run_with(dir: &std::path::Path, tls: &str) -> finsandbox::harness::report::RunReport {
    let (addr, stop) = mtls_server(&pki_cached()).await;
    std::fs::write(
        dir.join("target.toml"),
        format!("name = \"bank behind mTLS\"\nbase-url = \"https://{addr}\"\n{tls}"),
    )
    .unwrap();
    let report = harness::run(&CheckOptions {
        target: TargetChoice::Config(dir.join("target.toml")),
        features_dir: Some(dir.join("features")),
        ..CheckOptions::default()
    })
    .await
    .expect("harness runs");
    let _ = stop.send(());
    report
}

fn pki_cached() -> Arc<Pki> {
    static PKI: std::sync::OnceLock<Arc<Pki>> = std::sync::OnceLock::new();
    PKI.get_or_init(|| Arc::new(pki())).clone()
}

fn workspace(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("finsandbox-mtls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("features")).unwrap();
    std::fs::create_dir_all(dir.join("certs")).unwrap();
    std::fs::write(dir.join("features/mtls.feature"), FEATURE).unwrap();
    let pki = pki_cached();
    std::fs::write(dir.join("certs/ca.pem"), &pki.ca_pem).unwrap();
    std::fs::write(dir.join("certs/client.pem"), &pki.client_cert_pem).unwrap();
    std::fs::write(dir.join("certs/client.key"), &pki.client_key_pem).unwrap();
    dir
}

#[tokio::test]
async fn harness_presents_the_client_certificate_from_target_toml() {
    let dir = workspace("with-cert");
    // Paths are relative to target.toml, as users write them.
    let report = run_with(
        &dir,
        "[tls]\nclient-cert = \"certs/client.pem\"\nclient-key = \"certs/client.key\"\nca-cert = \"certs/ca.pem\"\n",
    )
    .await;
    std::fs::remove_dir_all(&dir).unwrap();
    let summary = harness::report::console::summary(&report, false);
    assert!(report.passed(), "{summary}");
    assert_eq!(report.counts().passed, 1, "{summary}");
}

#[tokio::test]
async fn without_the_client_certificate_the_scenario_fails() {
    let dir = workspace("without-cert");
    let report = run_with(&dir, "[tls]\nca-cert = \"certs/ca.pem\"\n").await;
    std::fs::remove_dir_all(&dir).unwrap();
    let scenario = &report.features[0].scenarios[0];
    assert_eq!(scenario.status, Status::Failed);
    let message = scenario
        .steps
        .iter()
        .find_map(|s| s.failure.as_ref())
        .map(|f| f.message.clone())
        .unwrap_or_default();
    assert!(message.contains("GET https://127.0.0.1"), "{message}");
}
