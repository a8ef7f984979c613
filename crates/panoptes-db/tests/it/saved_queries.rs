use panoptes_db::{DbError, SavedQuery};
use panoptes_domain::TenantId;

use super::{backends, scope, with_tenants};

fn saved(id: &str, tenant: &str, sharing: &str, owner: &str) -> SavedQuery {
    SavedQuery {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        sharing: sharing.into(),
        owner_id: owner.into(),
        owner_name: owner.into(),
        name: format!("query {id}"),
        description: String::new(),
        query: "DeviceInfo | take 1".into(),
        created_ns: 1,
    }
}

#[tokio::test]
async fn saved_queries_are_read_and_deleted_only_inside_their_scope() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        for query in
            [saved("1", "a", "tenant", "u1"), saved("2", "a", "personal", "u1"), saved("3", "b", "tenant", "u2")]
        {
            let tenant = query.tenant_id.to_string();
            panoptes_db::insert_saved_query(&mut conn, &scope(&tenant), &query).await.expect("insert");
        }
        // A row for one tenant cannot be written through another tenant's scope.
        let wrong = panoptes_db::insert_saved_query(&mut conn, &scope("a"), &saved("4", "b", "tenant", "u1")).await;
        assert!(matches!(wrong, Err(DbError::NotFound(_))), "{wrong:?}");

        let ids = |found: Vec<SavedQuery>| found.into_iter().map(|q| q.id).collect::<Vec<_>>();
        let of_u1 = panoptes_db::saved_queries_of(&mut conn, &scope("a"), &scope("a"), "u1").await.expect("list");
        assert_eq!(ids(of_u1), ["1", "2"]);
        let of_u2 = panoptes_db::saved_queries_of(&mut conn, &scope("a"), &scope("a"), "u2").await.expect("list");
        assert_eq!(ids(of_u2), ["1"], "another's personal query leaked");
        let in_b = panoptes_db::saved_queries_of(&mut conn, &scope("b"), &scope("b"), "u1").await.expect("list");
        assert_eq!(ids(in_b), ["3"]);

        assert_eq!(panoptes_db::saved_query_tenant(&mut conn, "3").await.expect("tenant"), Some(TenantId::new("b")));
        let missing = panoptes_db::delete_saved_query(&mut conn, &scope("a"), "3").await;
        assert!(matches!(missing, Err(DbError::NotFound(_))), "{missing:?}");
        panoptes_db::delete_saved_query(&mut conn, &scope("b"), "3").await.expect("delete");
        assert_eq!(panoptes_db::saved_query_tenant(&mut conn, "3").await.expect("gone"), None);
    }
}
