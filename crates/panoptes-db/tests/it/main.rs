//! The operational-store conformance suite: every check runs against SQLite and, when
//! `PANOPTES_TEST_POSTGRES_URL` names a server (CI starts one), against a fresh PostgreSQL
//! database too.

mod audit;
mod federation;
mod grants;
mod incidents;
mod saved_queries;
mod tenants;

use panoptes_db::{Db, Tenant};
use panoptes_domain::{TenantId, TenantScope};

/// A fresh database on each available backend, with the temp dir that holds the SQLite file.
async fn backends() -> Vec<(Db, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = Db::open_sqlite(&dir.path().join("ops.db")).await.expect("sqlite");
    let mut out = vec![(sqlite, Some(dir))];
    let url = std::env::var("PANOPTES_TEST_POSTGRES_URL").ok();
    // CI sets this so the PostgreSQL half can never be skipped silently.
    if url.is_none() && std::env::var_os("PANOPTES_REQUIRE_POSTGRES").is_some() {
        panic!(
            "PANOPTES_REQUIRE_POSTGRES is set but PANOPTES_TEST_POSTGRES_URL is not: start one with dev/start-postgres.sh"
        );
    }
    if let Some(url) = url {
        // A plain connection: the admin database itself is never migrated.
        sqlx::any::install_default_drivers();
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.expect("postgres admin");
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
        out.push((Db::connect(&format!("{base}/{name}")).await.expect("postgres"), None));
    }
    out
}

fn tenant(id: &str) -> Tenant {
    Tenant {
        id: TenantId::new(id),
        name: format!("Tenant {id}"),
        capabilities: vec!["hunting".into(), "detections".into()],
        status: "active".into(),
        retention_days: 30,
        created_ns: 1,
        external_tenant_id: None,
    }
}

fn scope(id: &str) -> TenantScope {
    TenantScope::authorized([TenantId::new(id)])
}

async fn with_tenants(db: &Db, ids: &[&str]) {
    let mut tx = db.begin().await.expect("tx");
    for id in ids {
        panoptes_db::insert_tenant(&mut tx, &tenant(id)).await.expect("insert tenant");
    }
    tx.commit().await.expect("commit");
}
