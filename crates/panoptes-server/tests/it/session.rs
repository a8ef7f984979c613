use std::time::Duration;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sets_a_fresh_http_only_session_and_writes_need_the_csrf_token() {
    let instance = instance().await;
    let anonymous = Client::anonymous(&instance.router);
    let wrong = anonymous.post("/api/v1/auth/signIn", json!({"username": "admin@provider", "password": "nope"})).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"]["code"], "Unauthenticated");
    assert!(wrong.body["error"]["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    let unknown = anonymous.post("/api/v1/auth/signIn", json!({"username": "ghost", "password": "nope"})).await;
    assert_eq!(unknown.body["error"]["message"], wrong.body["error"]["message"], "no hint which names exist");

    let first = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    // Session fixation: signing in while presenting a session gets a new one.
    let second_answer = first
        .send("POST", "/api/v1/auth/signIn", Some(json!({"username": "admin@provider", "password": ADMIN_PASSWORD})))
        .await;
    let set_cookie = second_answer.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(!set_cookie.starts_with(first.cookie.as_deref().expect("cookie")), "a new session id at each sign-in");
    assert_eq!(second_answer.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    assert!(second_answer.headers.get("content-security-policy").is_some());

    let me = first.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["instanceAdmin"], true);
    let no_csrf = Client { csrf: None, ..first.clone() };
    let home = me.body["homeTenantId"].as_str().expect("home");
    let change = no_csrf.send("PATCH", &format!("/api/v1/tenants/{home}"), Some(json!({"displayName": "X"}))).await;
    assert_eq!(change.status, StatusCode::FORBIDDEN, "a cookie write without the CSRF token is refused");
    assert!(change.body["error"]["message"].as_str().expect("message").contains("CSRF"));
    let wrong_csrf = Client { csrf: Some("0".repeat(64)), ..first.clone() };
    let change = wrong_csrf.send("PATCH", &format!("/api/v1/tenants/{home}"), Some(json!({"displayName": "X"}))).await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    let change = first.send("PATCH", &format!("/api/v1/tenants/{home}"), Some(json!({"displayName": "MSSP"}))).await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.body);

    let out = first.post("/api/v1/auth/signOut", json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(first.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "the session ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_are_argon2id_with_the_required_parameters_and_repeated_failures_lock_the_account() {
    let instance = instance().await;
    let mut conn = instance.app.db().conn().await.expect("conn");
    let admin = panoptes_db::user_by_username(&mut conn, "admin@provider").await.expect("lookup").expect("admin");
    drop(conn);
    let hash = admin.password_hash.expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");

    let anonymous = Client::anonymous(&instance.router);
    for _ in 0..5 {
        let answer =
            anonymous.post("/api/v1/auth/signIn", json!({"username": "admin@provider", "password": "guess"})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let right = json!({"username": "admin@provider", "password": ADMIN_PASSWORD});
    let locked = anonymous.post("/api/v1/auth/signIn", right.clone()).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "locked even with the right password");
    instance.clock.advance(Duration::from_secs(16 * 60));
    assert_eq!(anonymous.post("/api/v1/auth/signIn", right).await.status, StatusCode::OK, "the lock ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_password_changes_end_them() {
    let instance = instance().await;
    let session = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    instance.clock.advance(Duration::from_secs(50 * 60));
    assert_eq!(session.get("/api/v1/me").await.status, StatusCode::OK);
    // Activity keeps it alive: 100 minutes old, but used 50 minutes ago.
    instance.clock.advance(Duration::from_secs(50 * 60));
    assert_eq!(session.get("/api/v1/me").await.status, StatusCode::OK, "a used session is not idle");
    instance.clock.advance(Duration::from_secs(61 * 60));
    let expired = session.get("/api/v1/me").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "idle for more than an hour");
    assert!(expired.body["error"]["message"].as_str().expect("message").contains("expired"));

    let session = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let other = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let change = json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "short"});
    assert_eq!(session.post("/api/v1/me/password", change).await.status, StatusCode::BAD_REQUEST);
    let change = json!({"currentPassword": ADMIN_PASSWORD, "newPassword": "a-much-longer-password"});
    assert_eq!(session.post("/api/v1/me/password", change).await.status, StatusCode::OK);
    assert_eq!(other.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "every session ended");
    Client::sign_in(&instance.router, "admin@provider", "a-much-longer-password").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_routes_the_router_serves() {
    let instance = instance().await;
    let anonymous = Client::anonymous(&instance.router);
    let document = anonymous.get("/api/v1/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    let paths = document.body["paths"].as_object().expect("paths");
    assert_eq!(
        paths.values().map(|p| p.as_object().map_or(0, |o| o.len())).sum::<usize>(),
        panoptes_server::ROUTES.len()
    );
    for (method, path, _, _) in panoptes_server::ROUTES {
        let concrete = path.replace("{tenantId}", "t1").replace("{id}", "x1");
        let answer = anonymous.send(&method.to_uppercase(), &concrete, Some(json!({}))).await;
        let fallback = answer.body["error"]["message"].as_str().is_some_and(|m| m.starts_with("no such API route"));
        assert!(!fallback && answer.status != StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", answer.status);
    }
    let missing = anonymous.get("/api/v1/nothing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_and_malformed_bodies_get_problem_answers() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let huge = "x".repeat(2 << 20);
    let answer = admin.post("/api/v1/security/runHuntingQuery", json!({"Query": huge})).await;
    assert!(
        answer.status == StatusCode::BAD_REQUEST || answer.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.status
    );
    let answer = admin.post("/api/v1/security/runHuntingQuery", json!({"Query": 5})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body["error"]["message"].as_str().expect("message").contains("`Query` must be a string"));
    let answer = admin.post("/api/v1/tenants", json!({"capabilities": ["hunting"]})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body["error"]["message"].as_str().expect("message").contains("displayName"), "{}", answer.body);
}
