use panoptes_db::{Alert, CompareOp, DbError, Filter, FilterValue, Incident, ListQuery};
use panoptes_domain::{TenantId, TenantScope};

use super::{backends, scope, with_tenants};

fn incident(id: &str, tenant: &str, severity_rank: i64, tags: &str) -> Incident {
    Incident {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        display_name: format!("Incident {id}"),
        description: String::new(),
        status: "active".into(),
        severity: "high".into(),
        severity_rank,
        classification: None,
        determination: None,
        assigned_to: None,
        custom_tags: tags.into(),
        system_tags: "[]".into(),
        categories: "[]".into(),
        service_sources: "[]".into(),
        detection_sources: "[]".into(),
        impacted_assets: "[]".into(),
        active_alerts: 1,
        alert_count: 1,
        redirect_incident_id: None,
        created_ns: 1,
        last_update_ns: severity_rank,
        first_activity_ns: 1,
        last_activity_ns: 1,
    }
}

fn alert(id: &str, tenant: &str, incident: &str, key: &str) -> Alert {
    Alert {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        incident_id: incident.into(),
        detector_id: "rule".into(),
        dedup_key: key.into(),
        status: "new".into(),
        severity: "high".into(),
        severity_rank: 3,
        classification: None,
        determination: None,
        assigned_to: None,
        service_source: "microsoftDefenderForEndpoint".into(),
        detection_source: "customDetection".into(),
        title: "t".into(),
        description: String::new(),
        recommended_actions: String::new(),
        category: "Execution".into(),
        mitre_techniques: "[]".into(),
        evidence: "[]".into(),
        system_tags: "[]".into(),
        created_ns: 1,
        last_update_ns: 1,
        resolved_ns: None,
        first_activity_ns: 100,
        last_activity_ns: 100,
    }
}

#[tokio::test]
async fn incidents_list_filter_and_page_inside_the_scope_only() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        assert_eq!(panoptes_db::next_incident_id(&mut conn).await.expect("id"), "1");
        assert_eq!(panoptes_db::next_incident_id(&mut conn).await.expect("id"), "2");
        for (id, tenant, rank, tags) in
            [("1", "a", 3, r#"["vip"]"#), ("2", "a", 1, "[]"), ("3", "b", 3, r#"["vip","50%_off"]"#)]
        {
            panoptes_db::insert_incident(&mut conn, &scope(tenant), &incident(id, tenant, rank, tags))
                .await
                .expect("insert");
        }
        let wrong = panoptes_db::insert_incident(&mut conn, &scope("a"), &incident("9", "b", 1, "[]")).await;
        assert!(matches!(wrong, Err(DbError::NotFound(_))), "{wrong:?}");
        let both = TenantScope::authorized([TenantId::new("a"), TenantId::new("b")]);
        let list = |filter: Option<Filter>, top: i64, skip: i64| ListQuery {
            filter,
            order_by: vec![("severity_rank", true), ("last_update_ns", false)],
            top,
            skip,
        };
        let ids = |(found, total): (Vec<Incident>, i64)| (found.into_iter().map(|i| i.id).collect::<Vec<_>>(), total);
        let all = panoptes_db::list_incidents(&mut conn, &both, &list(None, 10, 0)).await.expect("list");
        assert_eq!(ids(all), (vec!["1".to_string(), "3".into(), "2".into()], 3));
        let page = panoptes_db::list_incidents(&mut conn, &both, &list(None, 1, 1)).await.expect("list");
        assert_eq!(ids(page), (vec!["3".to_string()], 3));
        let only_a = panoptes_db::list_incidents(&mut conn, &scope("a"), &list(None, 10, 0)).await.expect("list");
        assert_eq!(ids(only_a), (vec!["1".to_string(), "2".into()], 2));
        // LIKE wildcards in a value match only themselves.
        let tagged = Filter::ListHas { column: "custom_tags", value: "50%_off".into() };
        let found = panoptes_db::list_incidents(&mut conn, &both, &list(Some(tagged), 10, 0)).await.expect("list");
        assert_eq!(ids(found), (vec!["3".to_string()], 1));
        let high_vip = Filter::And(vec![
            Filter::Compare { column: "severity_rank", op: CompareOp::Ge, value: FilterValue::Int(2) },
            Filter::ListHas { column: "custom_tags", value: "vip".into() },
            Filter::Not(Box::new(Filter::StartsWith { column: "display_name", value: "INCIDENT 3".into() })),
            Filter::Compare { column: "assigned_to", op: CompareOp::Ne, value: FilterValue::Text("x".into()) },
        ]);
        let found = panoptes_db::list_incidents(&mut conn, &both, &list(Some(high_vip), 10, 0)).await.expect("list");
        assert_eq!(ids(found), (vec!["1".to_string()], 1));
        let none = TenantScope::authorized(Vec::<TenantId>::new());
        let empty = panoptes_db::list_incidents(&mut conn, &none, &list(None, 10, 0)).await.expect("list");
        assert_eq!(ids(empty), (Vec::new(), 0));
    }
}

#[tokio::test]
async fn alerts_deduplicate_and_correlate_inside_their_tenant() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        for tenant in ["a", "b"] {
            let open = incident(&format!("{tenant}1"), tenant, 3, "[]");
            panoptes_db::insert_incident(&mut conn, &scope(tenant), &open).await.expect("incident");
            let first = alert(&format!("{tenant}-x"), tenant, &open.id, "k1");
            assert!(panoptes_db::insert_alert(&mut conn, &scope(tenant), &first).await.expect("insert"));
            let entities = [("ip".to_string(), "203.0.113.9".to_string())];
            panoptes_db::insert_alert_entities(&mut conn, &scope(tenant), &first, &entities).await.expect("entities");
        }
        // The same detector and key again is a no-op.
        let again = alert("a-y", "a", "a1", "k1");
        assert!(!panoptes_db::insert_alert(&mut conn, &scope("a"), &again).await.expect("insert"));
        let entities = [("ip".to_string(), "203.0.113.9".to_string())];
        let joined = panoptes_db::correlated_incident(&mut conn, &scope("a"), &entities, 50).await.expect("correlate");
        assert_eq!(joined.as_deref(), Some("a1"), "the same IP in tenant b must not be found");
        let too_old =
            panoptes_db::correlated_incident(&mut conn, &scope("a"), &entities, 101).await.expect("correlate");
        assert_eq!(too_old, None);
        let alerts = panoptes_db::alerts_of_incident(&mut conn, &scope("a"), "a1").await.expect("alerts");
        assert_eq!(alerts.len(), 1);
    }
}
