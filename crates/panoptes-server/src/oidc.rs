//! OpenID Connect relying party: authorization code with PKCE (S256), state bound to the
//! browser by a short-lived cookie, nonce, and the ID token verified (issuer, audience,
//! signature from the provider's JWKS, expiry) by `openidconnect`. What the token proves goes
//! to `App::sign_in_federated`, which decides who that is in Panoptes. The sign-in's state,
//! PKCE verifier and nonce are kept by the app (`App::begin_oidc_flow`), not here.

use std::sync::OnceLock;
use std::time::Duration;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use panoptes_app::{AppError, FederatedIdentity, SignInProvider};

/// The relying party's side of sign-ins: one HTTP client (and its connection pool) for every
/// provider, made at first use.
#[derive(Debug, Default)]
pub(crate) struct Flows {
    http: OnceLock<reqwest::Client>,
}

/// A sign-in just started: where to send the browser, and what the callback will need.
pub(crate) struct Started {
    /// The provider's authorization URL.
    pub(crate) url: String,
    /// The `state` the browser brings back.
    pub(crate) state: String,
    /// The PKCE verifier.
    pub(crate) verifier: String,
    /// The ID token's expected nonce.
    pub(crate) nonce: String,
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

    /// A new sign-in at `provider`.
    pub(crate) async fn start(&self, provider: &SignInProvider, redirect: &str) -> Result<Started, AppError> {
        let (client, scopes) = client_for(provider, redirect, self.http()?).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(Scope::new(scope));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
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
