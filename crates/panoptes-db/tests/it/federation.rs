use panoptes_db::{DbError, IdentityProvider, User};
use panoptes_domain::{TenantId, TenantScope};

use super::{backends, with_tenants};

fn provider(id: &str, tenant: &str) -> IdentityProvider {
    IdentityProvider {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        display_name: format!("IdP {id}"),
        issuer: "https://idp.example.org".into(),
        client_id: "panoptes".into(),
        client_secret: "secret".into(),
        username_claim: "email".into(),
        enabled: true,
        created_ns: 1,
    }
}

#[tokio::test]
async fn providers_stay_in_their_tenant_and_a_subject_binds_one_user() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        let scope_a = TenantScope::local_operator([TenantId::new("a")]);
        let scope_b = TenantScope::local_operator([TenantId::new("b")]);
        for (id, tenant) in [("alice", "a"), ("amy", "a")] {
            let user = User {
                id: id.into(),
                tenant_id: TenantId::new(tenant),
                username: format!("{id}@example.org"),
                display_name: id.into(),
                password_hash: None,
                failed_attempts: 0,
                locked_until_ns: 0,
                instance_admin: false,
            };
            panoptes_db::insert_user(&mut conn, &user, 1).await.expect("user");
        }
        let idp = provider("p1", "a");
        let refused = panoptes_db::insert_identity_provider(&mut conn, &scope_b, &idp).await;
        assert!(matches!(refused, Err(DbError::NotFound(_))), "another tenant's scope writes nothing: {refused:?}");
        panoptes_db::insert_identity_provider(&mut conn, &scope_a, &idp).await.expect("insert");
        assert_eq!(
            panoptes_db::identity_providers_of(&mut conn, &scope_a).await.expect("list"),
            std::slice::from_ref(&idp)
        );
        assert!(panoptes_db::identity_providers_of(&mut conn, &scope_b).await.expect("list").is_empty());
        assert_eq!(panoptes_db::identity_provider(&mut conn, "p1").await.expect("get"), Some(idp.clone()));

        panoptes_db::bind_identity(&mut conn, &idp, "sub-1", "alice").await.expect("bind");
        assert_eq!(panoptes_db::bound_user(&mut conn, &idp, "sub-1").await.expect("bound").as_deref(), Some("alice"));
        assert!(panoptes_db::bind_identity(&mut conn, &idp, "sub-1", "amy").await.is_err(), "a subject binds once");
        assert!(panoptes_db::bind_identity(&mut conn, &idp, "sub-2", "alice").await.is_err(), "a user binds once");

        let wrong = panoptes_db::delete_identity_provider(&mut conn, &scope_b, "p1").await;
        assert!(matches!(wrong, Err(DbError::NotFound(_))), "{wrong:?}");
        panoptes_db::delete_identity_provider(&mut conn, &scope_a, "p1").await.expect("delete");
        assert_eq!(panoptes_db::identity_provider(&mut conn, "p1").await.expect("get"), None);
        assert_eq!(panoptes_db::bound_user(&mut conn, &idp, "sub-1").await.expect("bound"), None);
    }
}
