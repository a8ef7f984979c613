use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use crate::{DbError, Result};

/// A connection, for reads and for statements inside a transaction (`&mut *tx`).
pub type Conn = AnyConnection;
/// A transaction: a change and its ledger entry commit together or not at all.
pub type Tx = sqlx::Transaction<'static, Any>;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (the embedded default).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The migrations, in order. The same SQL runs on both backends.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_identity.sql", include_str!("../migrations/0001_identity.sql")),
    (2, "0002_federation.sql", include_str!("../migrations/0002_federation.sql")),
    (3, "0003_custom_roles.sql", include_str!("../migrations/0003_custom_roles.sql")),
    (4, "0004_saved_queries.sql", include_str!("../migrations/0004_saved_queries.sql")),
    (5, "0005_incidents.sql", include_str!("../migrations/0005_incidents.sql")),
    (6, "0006_oidc_flows.sql", include_str!("../migrations/0006_oidc_flows.sql")),
    (7, "0007_provider_domains.sql", include_str!("../migrations/0007_provider_domains.sql")),
    (8, "0008_external_tenant_id.sql", include_str!("../migrations/0008_external_tenant_id.sql")),
];

/// The operational store.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path`, in WAL mode, migrated.
    pub async fn open_sqlite(path: &Path) -> Result<Db> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Db::connect(&url).await
    }

    /// Connects to `sqlite://...` or `postgres://...` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            // SQLite in WAL mode reads concurrently and queues writers on its busy timeout.
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            // sqlx's BEGIN is not cancel-safe on SQLite: a request dropped while `BEGIN
            // IMMEDIATE` waits for the lock can return its connection to the pool inside the
            // transaction, holding the write lock for good. Every released connection is
            // rolled back (an error when none is open, ignored).
            .after_release(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        let _ = conn.execute("ROLLBACK").await;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// The database kind.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for a
    /// concurrent writer and fails with "database is locked" instead.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// The applied migration versions.
    pub async fn migrations(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations ORDER BY version").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            .await?;
        for &(version, name, sql) in MIGRATIONS {
            let done: Option<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *conn)
                .await?;
            if done.is_some() {
                continue;
            }
            let failed = |source| DbError::Migration { version, name, source };
            let mut tx = conn.begin().await.map_err(failed)?;
            tx.execute(sqlx::raw_sql(sql)).await.map_err(failed)?;
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                .bind(version)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            tx.commit().await.map_err(failed)?;
            tracing::info!(version, name, "migration applied");
        }
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
