//! The REST API through the real router (no sockets): real SQLite operational store, real event
//! store on disk, real argon2 and real KQL. Each test builds its own instance.

mod access;
mod bulk;
mod console;
mod cross_tenant;
mod detections;
mod discovery;
mod ingest;
mod isolation;
mod oidc;
mod roles;
mod saved_queries;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use panoptes_app::{App, ManualClock, SecurityConfig, bootstrap_instance};
use panoptes_db::Db;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_eventstore::ingest::{Format, IngestOptions, convert_records, split_records};
use panoptes_eventstore::{EventStore, StoreConfig};
use panoptes_query::{Engine, QueryLimits};
use serde_json::{Value, json};
use tower::ServiceExt;

/// 2026-11-20T00:00:00Z.
const START_NS: i64 = 1_795_132_800_000_000_000;
const ADMIN_PASSWORD: &str = "admin-password-1";
const PASSWORD: &str = "user-password-12";

struct Instance {
    router: Router,
    app: App,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

/// One query runtime for every test instance: a runtime may not be dropped inside async code.
fn query_runtime() -> tokio::runtime::Handle {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
        })
        .handle()
        .clone()
}

/// An instance with a provider tenant and its administrator.
async fn instance() -> Instance {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open_sqlite(&dir.path().join("ops.db")).await.expect("db");
    let (store, _) = EventStore::open(&dir.path().join("events"), StoreConfig::default()).expect("store");
    let clock = ManualClock::at(START_NS);
    let app = App::new(
        db,
        Arc::new(store),
        Engine::new(QueryLimits::default()),
        Arc::new(clock.clone()),
        SecurityConfig::default(),
        query_runtime(),
    );
    bootstrap_instance(&app, "Provider", "admin@provider", ADMIN_PASSWORD).await.expect("bootstrap");
    let router = panoptes_server::router(app.clone(), panoptes_server::ServerConfig::default());
    Instance { router, app, clock, _dir: dir }
}

/// A signed-in session (or a bearer token) talking to the router.
#[derive(Clone)]
struct Client {
    router: Router,
    cookie: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

struct Answer {
    status: StatusCode,
    body: Value,
    headers: axum::http::HeaderMap,
}

impl Client {
    fn anonymous(router: &Router) -> Client {
        Client { router: router.clone(), cookie: None, csrf: None, bearer: None }
    }

    fn bearer(router: &Router, token: &str) -> Client {
        Client { bearer: Some(token.into()), ..Client::anonymous(router) }
    }

    async fn sign_in(router: &Router, username: &str, password: &str) -> Client {
        let anonymous = Client::anonymous(router);
        let answer = anonymous
            .send("POST", "/api/v1/auth/signIn", Some(json!({"username": username, "password": password})))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "sign-in of {username}: {}", answer.body);
        let cookie = answer.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cookie");
        let cookie = cookie.split(';').next().expect("pair").to_string();
        let csrf = answer.body["csrfToken"].as_str().map(str::to_string);
        Client { cookie: Some(cookie), csrf, ..anonymous }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.send_with(method, path, body, &[]).await
    }

    async fn send_with(&self, method: &str, path: &str, body: Option<Value>, extra: &[(&str, &str)]) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let request = match body {
            Some(body) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        let response = self.router.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Answer { status, body, headers }
    }

    /// Posts a text body (NDJSON telemetry) as it is.
    async fn post_text(&self, path: &str, text: &str) -> Answer {
        let mut request =
            Request::builder().method("POST").uri(path).header(header::CONTENT_TYPE, "application/x-ndjson");
        if let Some(token) = &self.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let (Some(cookie), Some(csrf)) = (&self.cookie, &self.csrf) {
            request = request.header(header::COOKIE, cookie).header("x-csrf-token", csrf);
        }
        let response = self.router.clone().oneshot(request.body(Body::from(text.to_string())).expect("request"));
        let response = response.await.expect("response");
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Answer { status, body, headers }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(body)).await
    }
}

/// Creates a tenant (with its administrator `admin@<name>`) through the API and stores
/// `processes` (file names) as its process events; returns its id and its administrator.
async fn tenant_with_events(instance: &Instance, admin: &Client, name: &str, processes: &[&str]) -> (String, Client) {
    let body = json!({"displayName": name, "capabilities": ["hunting", "detections"],
        "administrator": {"username": format!("admin@{name}"), "password": PASSWORD}});
    let answer = admin.post("/api/v1/tenants", body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let id = answer.body["id"].as_str().expect("id").to_string();
    let lines: String = processes
        .iter()
        .map(|p| {
            let row = json!({"Timestamp": "2026-11-19T10:00:00Z", "DeviceName": format!("{name}-pc"),
                "FileName": p, "ProcessCommandLine": p});
            format!("{row}\n")
        })
        .collect();
    let options = IngestOptions {
        format: Format::Native,
        table: Some("DeviceProcessEvents".into()),
        external_tenant_id: None,
        received_ns: START_NS,
        tenant: id.clone(),
    };
    let converted = convert_records(split_records(&lines), &options).expect("convert");
    let batches: Vec<(&str, _)> = converted.batches.iter().map(|(t, b)| (t.as_str(), b.clone())).collect();
    let scope = TenantScope::local_operator([TenantId::new(id.clone())]);
    instance.app.events().append(&scope, &batches).expect("append");
    let tenant_admin = Client::sign_in(&instance.router, &format!("admin@{name}"), PASSWORD).await;
    (id, tenant_admin)
}

/// Creates a user of the provider tenant; returns its id.
async fn provider_user(admin: &Client, username: &str, roles: &[&str]) -> String {
    let me = admin.get("/api/v1/me").await;
    let home = me.body["homeTenantId"].as_str().expect("home").to_string();
    let answer = admin
        .post(
            &format!("/api/v1/tenants/{home}/users"),
            json!({"username": username, "password": PASSWORD, "roles": roles}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["id"].as_str().expect("id").to_string()
}

/// Makes `username` a guest of `tenant` with `roles` and accepts the invitation as that user.
async fn make_guest(instance: &Instance, tenant_admin: &Client, tenant: &str, username: &str, roles: &[&str]) {
    let path = format!("/api/v1/tenants/{tenant}/guests");
    let answer = tenant_admin.post(&path, json!({"username": username, "roles": roles})).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let guest = Client::sign_in(&instance.router, username, PASSWORD).await;
    let invitation = answer.body["id"].as_str().expect("id");
    let accepted = guest.post(&format!("/api/v1/me/invitations/{invitation}/accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
}
