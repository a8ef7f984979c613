//! OpenID Connect relying party: authorization code with PKCE (S256), state bound to the
//! browser by a short-lived cookie, nonce, and the ID token verified (issuer, audience,
//! signature from the provider's JWKS, expiry) by `openidconnect`. What the token proves goes
//! to `App::sign_in_federated`, which decides who that is in Panoptes.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use panoptes_app::{AppError, FederatedIdentity, SignInProvider};

/// How long a started sign-in may take.
const PENDING_FOR: Duration = Duration::from_secs(600);

/// A sign-in between the redirect to the provider and its callback.
#[derive(Debug)]
struct Pending {
    provider_id: String,
    verifier: String,
    nonce: String,
    started: Instant,
}

/// Sign-ins in progress, keyed by their `state`.
#[derive(Debug, Default)]
pub(crate) struct Flows {
    pending: Mutex<HashMap<String, Pending>>,
    /// One HTTP client (and its connection pool) for every provider, made at first use.
    http: OnceLock<reqwest::Client>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("OpenID sign-in: {what}: {e}"))
}

/// Our client at a provider, from its discovery document; also the scopes beyond `openid`
/// it offers that we ask for (so the username claim is in the ID token).
async fn client_for(
    provider: &SignInProvider,
    redirect: &str,
    http: &reqwest::Client,
) -> Result<(CoreProviderClient, Vec<String>), AppError> {
    let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| failed("issuer URL", e))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http).await.map_err(|e| {
        AppError::Unavailable(format!("the identity provider at {} did not answer discovery: {e}", provider.issuer))
    })?;
    let scopes = ["email", "profile"]
        .into_iter()
        .filter(|s| metadata.scopes_supported().is_some_and(|all| all.iter().any(|x| x.as_str() == *s)))
        .map(str::to_string)
        .collect();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect.to_string()).map_err(|e| failed("redirect URL", e))?);
    Ok((client, scopes))
}

/// What `CoreClient::from_provider_metadata` gives, with a redirect URI set.
type CoreProviderClient =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

impl Flows {
    fn http(&self) -> Result<&reqwest::Client, AppError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        // No redirects: the token endpoint must answer itself (an SSRF guard openidconnect asks for).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))?;
        Ok(self.http.get_or_init(|| http))
    }

    /// The provider's authorization URL for a new sign-in, and the `state` the browser must
    /// bring back.
    pub(crate) async fn start(&self, provider: &SignInProvider, redirect: &str) -> Result<(String, String), AppError> {
        let (client, scopes) = client_for(provider, redirect, self.http()?).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(Scope::new(scope));
        }
        let (url, state, nonce) = request.url();
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|_, p| p.started.elapsed() < PENDING_FOR);
        pending.insert(
            state.secret().clone(),
            Pending {
                provider_id: provider.id.clone(),
                verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                started: Instant::now(),
            },
        );
        Ok((url.to_string(), state.secret().clone()))
    }

    /// The provider id of a pending sign-in, consuming it (a state works once).
    pub(crate) fn take(&self, state: &str) -> Option<(String, String, String)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let found = pending.remove(state)?;
        (found.started.elapsed() < PENDING_FOR).then_some((found.provider_id, found.verifier, found.nonce))
    }

    /// Redeems the code and verifies the ID token; returns who it proves.
    pub(crate) async fn finish(
        &self,
        provider: &SignInProvider,
        redirect: &str,
        code: &str,
        verifier: String,
        nonce: String,
    ) -> Result<FederatedIdentity, AppError> {
        let (client, _) = client_for(provider, redirect, self.http()?).await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| failed("provider metadata", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(self.http()?)
            .await
            .map_err(|e| AppError::Unauthenticated(format!("the identity provider refused the code: {e}")))?;
        let id_token = token.id_token().ok_or_else(|| failed("token response", "no ID token"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce))
            .map_err(|e| AppError::Unauthenticated(format!("the ID token did not verify: {e}")))?;
        let username = match provider.username_claim.as_str() {
            "email" => claims.email().map(|e| e.as_str().to_string()),
            "preferred_username" => claims.preferred_username().map(|u| u.as_str().to_string()),
            _ => Some(claims.subject().as_str().to_string()),
        };
        Ok(FederatedIdentity {
            provider_id: provider.id.clone(),
            subject: claims.subject().as_str().to_string(),
            username,
        })
    }
}
