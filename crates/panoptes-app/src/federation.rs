//! Federated sign-in: a tenant's administrators register OpenID providers; a user whose
//! identity such a provider has proven (the protocol itself runs at the HTTP edge) gets a
//! session as the Panoptes user of that tenant named by the configured claim. The provider's
//! subject is bound to that user at the first sign-in and decides every later one.

use panoptes_db::IdentityProvider;
use panoptes_domain::TenantId;
use panoptes_rbac::Permission;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AppError, Caller, Result, SignedIn, new_id};

/// A provider to add.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewIdentityProvider {
    /// Shown on the sign-in page.
    pub display_name: String,
    /// The issuer URL.
    pub issuer: String,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider.
    pub client_secret: String,
    /// The claim naming the user (default `email`).
    #[serde(default)]
    pub username_claim: Option<String>,
    /// E-mail domains whose users the sign-in page sends to this provider.
    #[serde(default)]
    pub email_domains: Vec<String>,
}

/// A provider as its tenant's administrators see it (never the secret).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    /// Its id.
    pub id: String,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Shown name.
    pub display_name: String,
    /// Issuer URL.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// The claim naming the user.
    pub username_claim: String,
    /// Whether it signs anyone in.
    pub enabled: bool,
    /// E-mail domains the sign-in page sends to it.
    pub email_domains: Vec<String>,
}

/// The provider home-realm discovery offers for an address: what the sign-in page shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredProvider {
    /// Its id (the sign-in URL is `/api/v1/auth/oidc/<id>/start`).
    pub id: String,
    /// Its name.
    pub display_name: String,
    /// The name of the tenant it signs users in to, so a user sees where they are going.
    pub tenant_name: String,
}

/// What the HTTP edge needs to run the protocol with a provider.
#[derive(Debug, Clone)]
pub struct SignInProvider {
    /// Its id.
    pub id: String,
    /// The tenant whose users it signs in.
    pub tenant_id: TenantId,
    /// Issuer URL.
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The claim naming the user.
    pub username_claim: String,
}

/// An identity a provider has proven (its ID token verified: issuer, audience, signature,
/// expiry, nonce).
#[derive(Debug, Clone)]
pub struct FederatedIdentity {
    /// The provider that proved it.
    pub provider_id: String,
    /// The provider's stable subject id.
    pub subject: String,
    /// The value of the provider's username claim, when the token had it.
    pub username: Option<String>,
}

fn view(provider: IdentityProvider, email_domains: Vec<String>) -> ProviderView {
    ProviderView {
        id: provider.id,
        tenant_id: provider.tenant_id,
        display_name: provider.display_name,
        issuer: provider.issuer,
        client_id: provider.client_id,
        username_claim: provider.username_claim,
        enabled: provider.enabled,
        email_domains,
    }
}

/// Lower-cased, de-duplicated domains; one that is not a host name is refused by name.
fn email_domains(given: &[String]) -> Result<Vec<String>> {
    let mut domains = Vec::new();
    for domain in given {
        let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
        let label_ok =
            |l: &str| !l.is_empty() && !l.starts_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !domain.contains('.') || !domain.split('.').all(label_ok) || domain.len() > 253 {
            return Err(AppError::BadRequest(format!(
                "`{domain}` is not an e-mail domain; give domains like contoso.com"
            )));
        }
        if !domains.contains(&domain) {
            domains.push(domain);
        }
    }
    Ok(domains)
}

/// The domain part of an e-mail address, lower-cased.
fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    (!domain.is_empty()).then(|| domain.to_ascii_lowercase())
}

const FEDERATED_SIGN_IN_FAILED: &str = "sign-in through the identity provider failed: no Panoptes user of this tenant \
     matches the account (an administrator must add the user with the name the provider sends)";

impl App {
    /// Registers an OpenID provider for the tenant's users.
    pub async fn add_identity_provider(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        new: NewIdentityProvider,
    ) -> Result<ProviderView> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let issuer = new.issuer.trim().trim_end_matches('/').to_string();
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(AppError::BadRequest(format!("issuer `{issuer}` must be an http(s) URL")));
        }
        if new.client_id.trim().is_empty() || new.client_secret.is_empty() {
            return Err(AppError::BadRequest("clientId and clientSecret are required".into()));
        }
        let domains = email_domains(&new.email_domains)?;
        let provider = IdentityProvider {
            id: new_id(),
            tenant_id: tenant.clone(),
            display_name: new.display_name.trim().to_string(),
            issuer,
            client_id: new.client_id.trim().to_string(),
            client_secret: self.secrets.seal(&new.client_secret)?,
            username_claim: new.username_claim.unwrap_or_else(|| "email".into()),
            enabled: true,
            created_ns: self.now_ns(),
        };
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_identity_provider(&mut tx, &scope, &provider).await?;
        panoptes_db::claim_provider_domains(&mut tx, &scope, &provider, &domains).await?;
        let details = json!({"issuer": provider.issuer, "clientId": provider.client_id, "emailDomains": domains});
        self.record(&mut tx, caller, tenant, "identityProvider.create", &provider.display_name, details).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(view(provider, domains))
    }

    /// The tenant's providers.
    pub async fn identity_providers(&self, caller: &Caller, tenant: &TenantId) -> Result<Vec<ProviderView>> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationRead, "tenant")?;
        let mut conn = self.db.conn().await?;
        let claims = panoptes_db::provider_domains_of(&mut conn, &scope).await?;
        let providers = panoptes_db::identity_providers_of(&mut conn, &scope).await?;
        Ok(providers
            .into_iter()
            .map(|p| {
                let domains = claims.iter().filter(|(id, _)| *id == p.id).map(|(_, d)| d.clone()).collect();
                view(p, domains)
            })
            .collect())
    }

    /// Removes a provider; users it signed in keep their sessions until they end.
    pub async fn remove_identity_provider(&self, caller: &Caller, tenant: &TenantId, id: &str) -> Result<()> {
        let scope = self.authorize(caller, tenant, Permission::AuthorizationManage, "tenant")?;
        let mut tx = self.db.begin().await?;
        panoptes_db::delete_identity_provider(&mut tx, &scope, id).await?;
        self.record(&mut tx, caller, tenant, "identityProvider.delete", id, json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Home-realm discovery: the enabled provider that signs in `address`'s domain, if any.
    pub async fn discover_provider(&self, address: &str) -> Result<Option<DiscoveredProvider>> {
        let Some(domain) = domain_of(address) else { return Ok(None) };
        let mut conn = self.db.conn().await?;
        let Some(provider) = panoptes_db::provider_for_domain(&mut conn, &domain).await? else { return Ok(None) };
        let tenant = panoptes_db::tenant(&mut conn, &provider.tenant_id).await?;
        Ok(Some(DiscoveredProvider { id: provider.id, display_name: provider.display_name, tenant_name: tenant.name }))
    }

    /// An enabled provider, to start or finish a sign-in with; unknown and disabled ones are
    /// the same not-found.
    pub async fn sign_in_provider(&self, id: &str) -> Result<SignInProvider> {
        let mut conn = self.db.conn().await?;
        match panoptes_db::identity_provider(&mut conn, id).await? {
            Some(p) if p.enabled => Ok(SignInProvider {
                client_secret: self.secrets.open(&p.client_secret)?,
                id: p.id,
                tenant_id: p.tenant_id,
                issuer: p.issuer,
                client_id: p.client_id,
                username_claim: p.username_claim,
            }),
            _ => Err(AppError::NotFound(format!("identity provider {id}"))),
        }
    }

    /// A session for the user a provider has proven: the one bound to the subject, or at the
    /// first sign-in the user of the provider's tenant named by the username claim.
    pub async fn sign_in_federated(&self, identity: &FederatedIdentity, request_id: &str) -> Result<SignedIn> {
        let mut tx = self.db.begin().await?;
        let Some(provider) = panoptes_db::identity_provider(&mut tx, &identity.provider_id).await? else {
            return Err(AppError::NotFound(format!("identity provider {}", identity.provider_id)));
        };
        let refuse = || AppError::Unauthenticated(FEDERATED_SIGN_IN_FAILED.into());
        let user = match panoptes_db::bound_user(&mut tx, &provider, &identity.subject).await? {
            Some(user_id) => panoptes_db::user_by_id(&mut tx, &user_id).await?,
            None => {
                let name = identity.username.as_deref().ok_or_else(refuse)?;
                let user = panoptes_db::user_by_username(&mut tx, name).await?.ok_or_else(refuse)?;
                if user.tenant_id != provider.tenant_id {
                    // A provider vouches only for its own tenant's users.
                    tracing::warn!(provider = %provider.id, user = %user.id, "federated sign-in for another tenant's user");
                    return Err(refuse());
                }
                // Fails when the user is already bound to another subject of this provider.
                panoptes_db::bind_identity(&mut tx, &provider, &identity.subject, &user.id)
                    .await
                    .map_err(|_| refuse())?;
                user
            }
        };
        if user.tenant_id != provider.tenant_id {
            return Err(refuse());
        }
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        self.open_session(&user, request_id).await
    }
}
