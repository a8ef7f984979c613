use panoptes_db::{DbError, User};
use panoptes_domain::TenantId;

use super::*;

fn user(id: &str, tenant: &str) -> User {
    User {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        username: format!("{id}@{tenant}"),
        display_name: id.into(),
        password_hash: Some("$argon2id$stub".into()),
        failed_attempts: 0,
        locked_until_ns: 0,
        instance_admin: false,
    }
}

#[tokio::test]
async fn tenants_are_created_renamed_and_deleted_with_their_rows() {
    for (db, _dir) in backends().await {
        assert_eq!(db.migrations().await.expect("migrations"), vec![1, 2, 3, 4, 5, 6, 7, 8]);
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        let duplicate = panoptes_db::insert_tenant(&mut conn, &Tenant { id: TenantId::new("c"), ..tenant("a") }).await;
        assert!(matches!(duplicate, Err(DbError::Conflict(_))), "{duplicate:?}");
        let mut a = panoptes_db::tenant(&mut conn, &TenantId::new("a")).await.expect("a");
        a.name = "Contoso".into();
        a.capabilities.push("vulnerabilityManagement".into());
        a.external_tenant_id = Some("6f1c2a4e-entra".into());
        panoptes_db::update_tenant(&mut conn, &a).await.expect("update");
        let a = panoptes_db::tenant(&mut conn, &TenantId::new("a")).await.expect("a");
        assert_eq!(a.name, "Contoso");
        assert_eq!(a.external_tenant_id.as_deref(), Some("6f1c2a4e-entra"));
        assert!(a.has_capability("VulnerabilityManagement"));
        panoptes_db::insert_user(&mut conn, &user("u1", "a"), 1).await.expect("user");
        panoptes_db::insert_user(&mut conn, &user("u2", "b"), 1).await.expect("user");
        panoptes_db::delete_tenant(&mut conn, &TenantId::new("a")).await.expect("delete");
        assert!(matches!(panoptes_db::tenant(&mut conn, &TenantId::new("a")).await, Err(DbError::NotFound(_))));
        assert!(matches!(panoptes_db::user_by_id(&mut conn, "u1").await, Err(DbError::NotFound(_))));
        assert!(panoptes_db::user_by_id(&mut conn, "u2").await.is_ok(), "another tenant's user stays");
        let names: Vec<String> =
            panoptes_db::all_tenants(&mut conn).await.expect("all").into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["Tenant b"]);
    }
}

#[tokio::test]
async fn sign_in_failures_lock_the_account() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a"]).await;
        let mut conn = db.conn().await.expect("conn");
        panoptes_db::insert_user(&mut conn, &user("u1", "a"), 1).await.expect("user");
        for expected in 1..=2 {
            let n = panoptes_db::record_sign_in_failure(&mut conn, "u1", 3, 500).await.expect("failure");
            assert_eq!(n, expected);
        }
        assert_eq!(panoptes_db::user_by_id(&mut conn, "u1").await.expect("u").locked_until_ns, 0);
        panoptes_db::record_sign_in_failure(&mut conn, "u1", 3, 500).await.expect("failure");
        let locked = panoptes_db::user_by_username(&mut conn, "u1@a").await.expect("lookup").expect("exists");
        assert_eq!(locked.locked_until_ns, 500);
        assert_eq!(locked.failed_attempts, 0, "the count restarts after a lock");
        assert!(panoptes_db::user_by_username(&mut conn, "nobody").await.expect("lookup").is_none());
    }
}

#[tokio::test]
async fn sessions_and_tokens_are_found_by_hash_and_revoked_in_their_tenant_only() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        panoptes_db::insert_user(&mut conn, &user("u1", "a"), 1).await.expect("user");
        let session = panoptes_db::Session {
            token_hash: "h1".into(),
            tenant_id: TenantId::new("a"),
            user_id: "u1".into(),
            csrf_token: "c".into(),
            created_ns: 1,
            last_seen_ns: 1,
        };
        panoptes_db::insert_session(&mut conn, &session).await.expect("session");
        panoptes_db::touch_session(&mut conn, "h1", 9).await.expect("touch");
        let found = panoptes_db::session_by_hash(&mut conn, "h1").await.expect("get").expect("exists");
        assert_eq!(found.last_seen_ns, 9);
        panoptes_db::delete_sessions_of_user(&mut conn, "u1").await.expect("delete");
        assert!(panoptes_db::session_by_hash(&mut conn, "h1").await.expect("get").is_none());

        let token = panoptes_db::ApiToken {
            id: "t1".into(),
            tenant_id: TenantId::new("a"),
            principal_kind: panoptes_db::PrincipalKind::User,
            principal_id: "u1".into(),
            token_hash: "th".into(),
            scopes: "hunting.run".into(),
            expires_ns: 100,
            revoked: false,
        };
        let wrong = panoptes_db::insert_api_token(&mut conn, &scope("b"), &token, 1).await;
        assert!(matches!(wrong, Err(DbError::NotFound(_))), "a token is stored only in its owner's tenant");
        panoptes_db::insert_api_token(&mut conn, &scope("a"), &token, 1).await.expect("token");
        let other = panoptes_db::revoke_api_token(&mut conn, &scope("b"), "t1").await;
        assert!(matches!(other, Err(DbError::NotFound(_))), "another tenant cannot revoke it");
        assert!(!panoptes_db::api_token_by_hash(&mut conn, "th").await.expect("get").expect("exists").revoked);
        panoptes_db::revoke_api_token(&mut conn, &scope("a"), "t1").await.expect("revoke");
        assert!(panoptes_db::api_token_by_hash(&mut conn, "th").await.expect("get").expect("exists").revoked);
        assert_eq!(panoptes_db::tokens_of(&mut conn, &scope("b")).await.expect("list").len(), 0);
    }
}

#[tokio::test]
async fn a_connection_released_inside_a_transaction_does_not_keep_the_write_lock() {
    // What a request cancelled during `BEGIN IMMEDIATE` leaves behind: a pooled connection
    // still inside its transaction. Every writer after it would wait out the busy timeout and fail.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open_sqlite(&dir.path().join("ops.db")).await.expect("sqlite");
    for _ in 0..4 {
        let mut conn = db.conn().await.expect("conn");
        sqlx::Executor::execute(&mut *conn, "BEGIN IMMEDIATE").await.expect("begin");
        drop(conn);
    }
    let started = std::time::Instant::now();
    with_tenants(&db, &["a"]).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "a writer waited on a leaked transaction");
}
