//! Saved hunting queries: personal ones (only their owner sees them), and queries shared in a
//! tenant with everyone who may hunt there (shared in the provider's own tenant, they are the
//! MSSP team's). Sharing in a tenant needs `hunting.run` there and is written to its ledger;
//! deleting a shared query takes its owner or a `settings.manage` holder of the tenant.

use panoptes_db::SavedQuery;
use panoptes_domain::{TenantId, TenantScope};
use panoptes_rbac::Permission;
use serde::Serialize;
use serde_json::json;

use crate::{App, AppError, Caller, Result, new_id};

/// What saving a query takes.
#[derive(Debug, Clone)]
pub struct NewSavedQuery {
    /// Its name.
    pub name: String,
    /// What it looks for.
    pub description: String,
    /// The KQL.
    pub query: String,
    /// `None`: personal; a tenant: shared with everyone who may hunt in it.
    pub shared_in: Option<TenantId>,
}

/// A saved query as listed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedQueryView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it looks for.
    pub description: String,
    /// The KQL.
    pub query: String,
    /// `personal` or `tenant`.
    pub sharing: String,
    /// The tenant it is shared in (the owner's home tenant when personal).
    pub tenant_id: String,
    /// Who saved it.
    pub owner_name: String,
    /// Saved by the caller.
    pub mine: bool,
    /// When, ISO 8601.
    pub created_date_time: String,
}

impl App {
    /// The caller's personal queries and those shared in every tenant where it may hunt.
    pub async fn saved_queries(&self, caller: &Caller) -> Result<Vec<SavedQueryView>> {
        let hunting = self.authorize_everywhere(caller, Permission::HuntingRun);
        let personal = TenantScope::authorized([caller.home.clone()]);
        let mut conn = self.db.conn().await?;
        let found = panoptes_db::saved_queries_of(&mut conn, &hunting, &personal, &caller.id).await?;
        Ok(found.into_iter().map(|q| view(caller, q)).collect())
    }

    /// Saves a query, personal or shared in a tenant.
    pub async fn save_query(&self, caller: &Caller, new: NewSavedQuery) -> Result<SavedQueryView> {
        let name = new.name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(AppError::BadRequest("a saved query needs a name of 1 to 200 characters".into()));
        }
        if new.query.trim().is_empty() {
            return Err(AppError::BadRequest("`query` is empty: save the KQL text".into()));
        }
        let (scope, tenant, sharing) = match &new.shared_in {
            Some(tenant) => {
                (self.authorize(caller, tenant, Permission::HuntingRun, "tenant")?, tenant.clone(), "tenant")
            }
            None => (TenantScope::authorized([caller.home.clone()]), caller.home.clone(), "personal"),
        };
        let saved = SavedQuery {
            id: new_id(),
            tenant_id: tenant.clone(),
            sharing: sharing.into(),
            owner_id: caller.id.clone(),
            owner_name: caller.name.clone(),
            name: name.to_string(),
            description: new.description.trim().to_string(),
            query: new.query,
            created_ns: self.now_ns(),
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_saved_query(&mut tx, &scope, &saved).await?;
        if sharing == "tenant" {
            self.record(&mut tx, caller, &tenant, "savedQuery.create", name, json!({"id": saved.id})).await?;
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(view(caller, saved))
    }

    /// Deletes a saved query: the caller's own, or one shared in a tenant it manages.
    pub async fn delete_saved_query(&self, caller: &Caller, id: &str) -> Result<()> {
        let missing = || AppError::NotFound(format!("saved query {id}"));
        let mut tx = self.db.begin().await?;
        let tenant = panoptes_db::saved_query_tenant(&mut tx, id).await?.ok_or_else(missing)?;
        let now = self.now_ns();
        let own_home = tenant == caller.home;
        let hunts_there = caller.access.authorize(&tenant, Permission::HuntingRun, now).is_ok();
        if !own_home && !hunts_there {
            return Err(missing());
        }
        let scope = TenantScope::authorized([tenant.clone()]);
        let saved = panoptes_db::saved_query(&mut tx, &scope, id).await?;
        let visible = if saved.sharing == "personal" { saved.owner_id == caller.id } else { hunts_there };
        if !visible {
            return Err(missing());
        }
        let manages = caller.access.authorize(&tenant, Permission::SettingsManage, now).is_ok();
        if saved.owner_id != caller.id && !manages {
            return Err(AppError::Forbidden(format!(
                "`{}` was saved by {}; only they or a settings manager of the tenant may delete it",
                saved.name, saved.owner_name
            )));
        }
        panoptes_db::delete_saved_query(&mut tx, &scope, id).await?;
        if saved.sharing == "tenant" {
            self.record(&mut tx, caller, &tenant, "savedQuery.delete", &saved.name, json!({"id": id})).await?;
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }
}

fn view(caller: &Caller, saved: SavedQuery) -> SavedQueryView {
    SavedQueryView {
        mine: saved.owner_id == caller.id,
        created_date_time: panoptes_query::format::datetime(saved.created_ns),
        id: saved.id,
        name: saved.name,
        description: saved.description,
        query: saved.query,
        sharing: saved.sharing,
        tenant_id: saved.tenant_id.to_string(),
        owner_name: saved.owner_name,
    }
}
