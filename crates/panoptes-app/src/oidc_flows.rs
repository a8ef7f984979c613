//! OpenID sign-ins in progress, kept in the operational store rather than in one process's
//! memory: a restart between the redirect and the callback (or a second instance behind the
//! same load balancer) still finishes the sign-in. The `state` is stored only as a hash, the
//! PKCE verifier and nonce sealed; a flow works once and for ten minutes.

use panoptes_db::OidcFlow;
use panoptes_domain::TenantScope;

use crate::{App, Result, SignInProvider, hash_secret};

/// How long a started sign-in may take.
const FLOW_LIFETIME_NS: i64 = 600 * 1_000_000_000;

impl App {
    /// Records a sign-in just sent to `provider`.
    pub async fn begin_oidc_flow(
        &self,
        provider: &SignInProvider,
        state: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<()> {
        let now = self.now_ns();
        let flow = OidcFlow {
            state_hash: hash_secret(state),
            tenant_id: provider.tenant_id.clone(),
            provider_id: provider.id.clone(),
            verifier: self.secrets.seal(verifier)?,
            nonce: self.secrets.seal(nonce)?,
            started_ns: now,
        };
        let mut conn = self.db.conn().await?;
        panoptes_db::delete_oidc_flows_before(&mut conn, now - FLOW_LIFETIME_NS).await?;
        panoptes_db::insert_oidc_flow(&mut conn, &TenantScope::authorized([flow.tenant_id.clone()]), &flow).await?;
        Ok(())
    }

    /// The provider id, PKCE verifier and nonce of a sign-in in progress, consuming it; `None`
    /// when the state is unknown, used or older than ten minutes.
    pub async fn take_oidc_flow(&self, state: &str) -> Result<Option<(String, String, String)>> {
        let mut conn = self.db.conn().await?;
        let Some(flow) = panoptes_db::take_oidc_flow(&mut conn, &hash_secret(state)).await? else { return Ok(None) };
        if self.now_ns() - flow.started_ns > FLOW_LIFETIME_NS {
            return Ok(None);
        }
        Ok(Some((flow.provider_id, self.secrets.open(&flow.verifier)?, self.secrets.open(&flow.nonce)?)))
    }
}
