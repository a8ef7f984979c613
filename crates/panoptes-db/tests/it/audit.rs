use panoptes_db::NewAuditEntry;

use super::*;

fn entry(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        at_ns: 5,
        actor_id: "ana".into(),
        actor_tenant_id: TenantId::new("mssp"),
        via: "guest".into(),
        action: action.into(),
        target: "tenant a".into(),
        request_id: "req-1".into(),
        detail: "{}".into(),
    }
}

#[tokio::test]
async fn the_ledger_is_a_hash_chain_per_tenant_and_tampering_is_found() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut tx = db.begin().await.expect("tx");
        for action in ["one", "two", "three"] {
            panoptes_db::append_audit(&mut tx, &scope("a"), entry(action)).await.expect("append");
        }
        panoptes_db::append_audit(&mut tx, &scope("b"), entry("b-one")).await.expect("append");
        tx.commit().await.expect("commit");
        // A rolled-back change leaves no entry.
        let mut tx = db.begin().await.expect("tx");
        panoptes_db::append_audit(&mut tx, &scope("a"), entry("rolled back")).await.expect("append");
        tx.rollback().await.expect("rollback");

        let mut conn = db.conn().await.expect("conn");
        let a = panoptes_db::list_audit(&mut conn, &scope("a")).await.expect("list");
        assert_eq!(a.iter().map(|e| e.entry.action.as_str()).collect::<Vec<_>>(), ["one", "two", "three"]);
        assert_eq!(a[1].prev_hash, a[0].hash);
        assert_eq!(panoptes_db::list_audit(&mut conn, &scope("b")).await.expect("list").len(), 1);
        let both = TenantScope::authorized([TenantId::new("a"), TenantId::new("b")]);
        assert_eq!(panoptes_db::verify_audit(&mut conn, &both).await.expect("verify"), None);

        sqlx::query("UPDATE audit_entries SET target = 'forged' WHERE tenant_id = 'a' AND seq = 2")
            .execute(&mut *conn)
            .await
            .expect("tamper");
        assert_eq!(panoptes_db::verify_audit(&mut conn, &both).await.expect("verify"), Some((TenantId::new("a"), 2)));
        sqlx::query("UPDATE audit_entries SET target = 'tenant a' WHERE tenant_id = 'a' AND seq = 2")
            .execute(&mut *conn)
            .await
            .expect("restore");
        sqlx::query("DELETE FROM audit_entries WHERE tenant_id = 'a' AND seq = 2")
            .execute(&mut *conn)
            .await
            .expect("cut");
        assert_eq!(panoptes_db::verify_audit(&mut conn, &both).await.expect("verify"), Some((TenantId::new("a"), 3)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_keep_one_unbroken_chain() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a"]).await;
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin().await.expect("tx");
                    panoptes_db::append_audit(&mut tx, &scope("a"), entry(&format!("write {i}")))
                        .await
                        .expect("append");
                    tx.commit().await.expect("commit");
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer");
        }
        let mut conn = db.conn().await.expect("conn");
        assert_eq!(panoptes_db::list_audit(&mut conn, &scope("a")).await.expect("list").len(), 8);
        assert_eq!(panoptes_db::verify_audit(&mut conn, &scope("a")).await.expect("verify"), None);
    }
}
