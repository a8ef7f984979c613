//! Federated sign-in against a real OpenID provider (Debian's glewlwyd, started by
//! `dev/start-oidc-provider.sh`; `.ci/run` starts it and sets PANOPTES_TEST_OIDC_ISSUER). The
//! test plays the browser: it follows Panoptes to the provider, signs in there, and brings
//! the provider's redirect back.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::{ADMIN_PASSWORD, Answer, Client, instance, provider_user};

fn issuer() -> Option<String> {
    match std::env::var("PANOPTES_TEST_OIDC_ISSUER") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PANOPTES_REQUIRE_OIDC").is_err(),
                "PANOPTES_REQUIRE_OIDC is set but PANOPTES_TEST_OIDC_ISSUER is not: run dev/start-oidc-provider.sh"
            );
            eprintln!("skipped: set PANOPTES_TEST_OIDC_ISSUER (dev/start-oidc-provider.sh prints it)");
            None
        }
    }
}

fn set_cookie(answer: &Answer, name: &str) -> Option<String> {
    answer.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?;
        pair.starts_with(&format!("{name}=")).then(|| pair.to_string())
    })
}

/// The provider side of a browser: signs `user` in at the provider and follows the
/// authorization URL to the provider's redirect back to Panoptes (path and query).
async fn at_provider(issuer: &str, authorize: &str, user: &str) -> String {
    let base = issuer.trim_end_matches("/api/oidc");
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = browser
        .post(format!("{base}/api/auth/"))
        .json(&json!({"username": user, "password": format!("{user}-password")}))
        .send()
        .await
        .expect("provider sign-in");
    assert!(login.status().is_success(), "provider sign-in of {user}: {}", login.status());
    let scope = url_param(authorize, "scope").unwrap_or_else(|| "openid".into());
    let grant = browser
        .put(format!("{base}/api/auth/grant/panoptes"))
        .json(&json!({"scope": scope.replace('+', " ")}))
        .send()
        .await
        .expect("consent");
    assert!(grant.status().is_success(), "consent: {}", grant.status());
    // `g_continue` is what the provider's own login page adds when the user goes on.
    let answer = browser.get(format!("{authorize}&g_continue")).send().await.expect("authorize");
    let location = answer.headers().get("location").and_then(|l| l.to_str().ok()).expect("redirect").to_string();
    let back = location.split_once("/api/v1/").map(|(_, rest)| format!("/api/v1/{rest}")).expect("back to Panoptes");
    assert!(back.starts_with("/api/v1/auth/oidc/callback?"), "{location}");
    back
}

fn url_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.replace("%20", " "))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_user_signs_in_through_the_tenants_openid_provider() {
    let Some(issuer) = issuer() else { return };
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let home = admin.get("/api/v1/me").await.body["homeTenantId"].as_str().expect("home").to_string();
    let alice = provider_user(&admin, "alice@example.org", &["reader"]).await;
    let added = admin
        .post(
            &format!("/api/v1/tenants/{home}/identityProviders"),
            json!({"displayName": "Glewlwyd", "issuer": issuer, "clientId": "panoptes",
                   "clientSecret": "panoptes-oidc-secret", "usernameClaim": "email"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let start = added.body["signInUrl"].as_str().expect("sign-in URL").to_string();
    assert!(added.body["provider"].get("clientSecret").is_none(), "the secret is never shown");

    let browser = Client::anonymous(&instance.router);
    let started = browser.get(&start).await;
    assert!(started.status.is_redirection(), "{} {}", started.status, started.body);
    let authorize = started.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).expect("location").to_string();
    assert!(authorize.starts_with(&issuer), "{authorize}");
    assert_eq!(url_param(&authorize, "code_challenge_method").as_deref(), Some("S256"), "PKCE");
    let flow = set_cookie(&started, "panoptes_oidc").expect("flow cookie");

    let back = at_provider(&issuer, &authorize, "alice").await;
    // Without the browser's flow cookie (login CSRF), the answer is refused.
    assert_eq!(browser.get(&back).await.status, StatusCode::UNAUTHORIZED);
    let with_flow = Client { cookie: Some(flow.clone()), ..browser.clone() };
    let done = with_flow.get(&back).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let session = set_cookie(&done, "panoptes_session").expect("session cookie");
    let signed_in = Client { cookie: Some(session), ..browser.clone() };
    let me = signed_in.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["id"], alice);
    assert_eq!(me.body["name"], "alice@example.org");
    // A state works once.
    assert_eq!(with_flow.get(&back).await.status, StatusCode::UNAUTHORIZED);

    // A provider account with no Panoptes user of the tenant gets no session.
    let started = browser.get(&start).await;
    let authorize = started.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).expect("location").to_string();
    let flow = set_cookie(&started, "panoptes_oidc").expect("flow cookie");
    let back = at_provider(&issuer, &authorize, "mallory").await;
    let refused = Client { cookie: Some(flow), ..browser.clone() }.get(&back).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(set_cookie(&refused, "panoptes_session").is_none());

    // A forged code does not verify at the provider.
    let started = browser.get(&start).await;
    let authorize = started.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).expect("location").to_string();
    let state = url_param(&authorize, "state").expect("state");
    let flow = set_cookie(&started, "panoptes_oidc").expect("flow cookie");
    let forged = format!("/api/v1/auth/oidc/callback?state={state}&code=forged");
    assert_eq!(Client { cookie: Some(flow), ..browser.clone() }.get(&forged).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_providers_belong_to_their_tenant() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (other, other_admin) = super::tenant_with_events(&instance, &admin, "Contoso", &[]).await;
    let home = admin.get("/api/v1/me").await.body["homeTenantId"].as_str().expect("home").to_string();
    let body = json!({"displayName": "IdP", "issuer": "https://idp.example.org", "clientId": "c", "clientSecret": "s"});
    let added = other_admin.post(&format!("/api/v1/tenants/{other}/identityProviders"), body.clone()).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let id = added.body["provider"]["id"].as_str().expect("id").to_string();
    // The provider tenant's administrator has no role in Contoso: its providers are 404.
    let path = format!("/api/v1/tenants/{other}/identityProviders");
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.post(&path, body.clone()).await.status, StatusCode::NOT_FOUND);
    let removal = admin.send("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(removal.status, StatusCode::NOT_FOUND);
    // Nor can Contoso's administrator reach it through the provider tenant's path.
    let cross = other_admin.send("DELETE", &format!("/api/v1/tenants/{home}/identityProviders/{id}"), None).await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);
    let listed = other_admin.get(&path).await;
    assert_eq!(listed.body["value"].as_array().map(Vec::len), Some(1));
    let bad = other_admin
        .post(&path, json!({"displayName": "x", "issuer": "ftp://x", "clientId": "c", "clientSecret": "s"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The client secret is sealed in the database, and a sign-in in progress lives in the database
/// (so a restarted server finishes it), works once, and ends after ten minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_secrets_are_sealed_and_sign_ins_in_progress_outlive_the_process() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (tenant, tenant_admin) = super::tenant_with_events(&instance, &admin, "Contoso", &[]).await;
    let body = json!({"displayName": "IdP", "issuer": "https://idp.example.org", "clientId": "c",
        "clientSecret": "very-secret-client-secret"});
    let added = tenant_admin.post(&format!("/api/v1/tenants/{tenant}/identityProviders"), body).await;
    let id = added.body["provider"]["id"].as_str().expect("id").to_string();
    let mut conn = instance.app.db().conn().await.expect("conn");
    let stored = panoptes_db::identity_provider(&mut conn, &id).await.expect("read").expect("row");
    assert!(stored.client_secret.starts_with("sealed:v1:"), "{}", stored.client_secret);
    assert!(!stored.client_secret.contains("very-secret"), "{}", stored.client_secret);
    let provider = instance.app.sign_in_provider(&id).await.expect("provider");
    assert_eq!(provider.client_secret, "very-secret-client-secret");

    // Two app processes over one database and one key: the second finishes what the first began.
    let key = [9u8; 32];
    let first = instance.app.clone().with_secrets(panoptes_app::SecretBox::new(key));
    let second = instance.app.clone().with_secrets(panoptes_app::SecretBox::new(key));
    first.begin_oidc_flow(&provider, "state-1", "verifier-1", "nonce-1").await.expect("begin");
    first.begin_oidc_flow(&provider, "state-2", "verifier-2", "nonce-2").await.expect("begin");
    let taken = second.take_oidc_flow("state-1").await.expect("take");
    assert_eq!(taken, Some((id.clone(), "verifier-1".into(), "nonce-1".into())));
    assert_eq!(second.take_oidc_flow("state-1").await.expect("take"), None, "a state works once");
    assert_eq!(second.take_oidc_flow("forged").await.expect("take"), None);
    // A key other than the one that sealed it cannot open it.
    first.begin_oidc_flow(&provider, "state-3", "verifier-3", "nonce-3").await.expect("begin");
    assert!(
        instance
            .app
            .clone()
            .with_secrets(panoptes_app::SecretBox::new([1; 32]))
            .take_oidc_flow("state-3")
            .await
            .is_err()
    );
    instance.clock.advance(std::time::Duration::from_secs(601));
    assert_eq!(second.take_oidc_flow("state-2").await.expect("take"), None, "ten minutes at most");
}
