//! The embedded console and the endpoints its KQL editor uses.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::{ADMIN_PASSWORD, Client, PASSWORD, instance, make_guest, provider_user, tenant_with_events};

#[tokio::test]
async fn the_console_is_served_at_the_root_and_for_its_own_routes_but_not_for_api_paths() {
    let instance = instance().await;
    let anonymous = Client::anonymous(&instance.router);
    let page = anonymous.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().expect("html text").to_string();
    assert!(html.contains("<div id=\"root\">"), "{html}");
    let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("script-src") || csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe-inline'"), "scripts must stay same-origin: {csp}");
    assert_eq!(page.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-cache"));

    // A deep link reloads the same page; the script it names is served with a long cache life.
    let deep = anonymous.get("/settings/tenants").await;
    assert_eq!(deep.body.as_str(), Some(html.as_str()));
    let script = html.split("src=\"").nth(1).and_then(|s| s.split('"').next()).expect("a script tag");
    let asset = anonymous.get(script).await;
    assert_eq!(asset.status, StatusCode::OK, "{script}");
    let content_type = asset.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/javascript"), "{content_type}");
    assert!(asset.headers[header::CACHE_CONTROL].to_str().unwrap_or_default().contains("immutable"));

    assert_eq!(anonymous.get("/assets/no-such-file.js").await.status, StatusCode::NOT_FOUND);
    let api = anonymous.get("/api/v1/no-such-route").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.body["error"]["code"], "NotFound");
}

#[tokio::test]
async fn sign_in_hands_the_csrf_token_to_the_console_in_a_readable_cookie() {
    let instance = instance().await;
    let anonymous = Client::anonymous(&instance.router);
    let answer =
        anonymous.post("/api/v1/auth/signIn", json!({"username": "admin@provider", "password": ADMIN_PASSWORD})).await;
    let cookies: Vec<&str> =
        answer.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    let session = cookies.iter().find(|c| c.starts_with("panoptes_session=")).expect("session cookie");
    let csrf = cookies.iter().find(|c| c.starts_with("panoptes_csrf=")).expect("csrf cookie");
    assert!(session.contains("HttpOnly") && !csrf.contains("HttpOnly"), "{cookies:?}");
    assert!(csrf.contains("SameSite=Strict"), "{csrf}");
    let token = csrf.trim_start_matches("panoptes_csrf=").split(';').next().unwrap_or_default();
    assert_eq!(Some(token), answer.body["csrfToken"].as_str());

    // After a reload the console has only the cookies: the cookie's token must pass the check.
    let session_pair = session.split(';').next().unwrap_or_default().to_string();
    let reloaded = Client { cookie: Some(session_pair.clone()), csrf: Some(token.into()), ..anonymous.clone() };
    assert_eq!(
        reloaded.post("/api/v1/me/tenantGroups", json!({"displayName": "g", "tenantIds": []})).await.status.as_u16()
            / 100,
        2
    );
    let forged = Client { cookie: Some(session_pair), csrf: Some("forged".into()), ..anonymous.clone() };
    assert_eq!(
        forged.post("/api/v1/me/tenantGroups", json!({"displayName": "h", "tenantIds": []})).await.status,
        StatusCode::FORBIDDEN
    );

    let out = reloaded.post("/api/v1/auth/signOut", json!({})).await;
    let cleared: Vec<&str> = out.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cleared.iter().any(|c| c.starts_with("panoptes_csrf=;") && c.contains("Max-Age=0")), "{cleared:?}");
}

#[tokio::test]
async fn check_answers_diagnostics_with_editor_offsets_or_the_result_columns() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let check = |query: &str| admin.post("/api/v1/security/checkHuntingQuery", json!({"Query": query}));

    let syntax = check("DeviceProcessEvents | where FileName hass 'x'").await;
    assert_eq!(syntax.status, StatusCode::OK);
    let diagnostic = &syntax.body["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!((diagnostic["start"].as_u64(), diagnostic["end"].as_u64()), (Some(37), Some(41)), "{diagnostic}");

    // Offsets count UTF-16 units, as the browser's editor does: `é` is one unit, two bytes.
    let accented = check("print s = 'é' | where NoSuchColumn == 1").await;
    let diagnostic = &accented.body["diagnostics"][0];
    let start = diagnostic["start"].as_u64().expect("start") as usize;
    assert_eq!(
        &"print s = 'é' | where NoSuchColumn == 1".chars().skip(start).take(12).collect::<String>(),
        "NoSuchColumn"
    );
    assert!(diagnostic["help"].is_array());

    let fine = check("DeviceProcessEvents | summarize Events = count() by DeviceName").await;
    assert_eq!(fine.body["diagnostics"], json!([]));
    assert_eq!(
        fine.body["columns"],
        json!([{"name": "DeviceName", "type": "string"}, {"name": "Events", "type": "long"}])
    );

    let missing = admin.post("/api/v1/security/checkHuntingQuery", json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let anonymous = Client::anonymous(&instance.router);
    let refused = anonymous.post("/api/v1/security/checkHuntingQuery", json!({"Query": "print 1"})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_schema_names_only_tenants_the_caller_may_hunt_in() {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let (contoso, contoso_admin) = tenant_with_events(&instance, &admin, "contoso", &["cmd.exe"]).await;
    let (fabrikam, _) = tenant_with_events(&instance, &admin, "fabrikam", &["powershell.exe"]).await;
    provider_user(&admin, "hunter@provider", &["reader"]).await;
    make_guest(&instance, &contoso_admin, &contoso, "hunter@provider", &["analyst"]).await;
    let hunter = Client::sign_in(&instance.router, "hunter@provider", PASSWORD).await;

    let schema = hunter.get("/api/v1/security/huntingSchema").await;
    assert_eq!(schema.status, StatusCode::OK);
    let tables = schema.body["value"].as_array().expect("tables");
    let processes = tables.iter().find(|t| t["name"] == "DeviceProcessEvents").expect("DeviceProcessEvents");
    assert!(
        processes["columns"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["name"] == "ProcessCommandLine" && c["type"] == "string"))
    );
    assert_eq!(processes["tenantsWithData"], json!([contoso]));
    assert!(!schema.body.to_string().contains(&fabrikam), "another tenant's id leaked into the schema");
    let network = tables.iter().find(|t| t["name"] == "DeviceNetworkEvents").expect("DeviceNetworkEvents");
    assert_eq!(network["tenantsWithData"], json!([]));
}
