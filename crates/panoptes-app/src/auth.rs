//! Sign-in with argon2id passwords and lockout, cookie sessions with idle and absolute expiry
//! and a CSRF token, API tokens (hashed, scoped, expiring, revocable), and turning any of them
//! into a [`Caller`] with its grants read fresh for the request.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use panoptes_db::{ApiToken, PrincipalKind, Session};
use panoptes_rbac::{Access, PermissionSet};

use crate::{App, AppError, Caller, Result, hash_secret, random_secret};

/// A new session: the cookie value and the CSRF token, each shown once.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session cookie's value.
    pub session: String,
    /// The token state-changing requests must send in `X-CSRF-Token`.
    pub csrf_token: String,
    /// Who signed in.
    pub caller: Caller,
}

/// A token just issued: its secret is shown once, only its hash is kept.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewToken {
    /// The token's id.
    pub id: String,
    /// The bearer secret.
    pub secret: String,
    /// Expiry (Unix ns).
    pub expires_ns: i64,
}

/// How stale a session's last-seen time may get before a request refreshes it.
const TOUCH_EVERY_NS: i64 = 60_000_000_000;

const SIGN_IN_FAILED: &str =
    "sign-in failed: wrong user name or password, or the account is locked after repeated failures (try again later)";

/// argon2id with the parameters SPEC §7 asks for (m = 19 MiB, t = 2, p = 1).
fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of a password.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 12 {
        return Err(AppError::BadRequest("a password needs at least 12 characters".into()));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("random source: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(argon2()?.hash_password(password.as_bytes(), &salt).map_err(|e| AppError::Internal(e.to_string()))?.to_string())
}

/// Checks a password against its PHC string off the async threads: argon2 takes a good part
/// of a second of CPU by design, and must not stall other requests meanwhile.
async fn password_matches(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    let check = move || {
        let Ok(parsed) = PasswordHash::new(&phc) else { return false };
        argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
    };
    tokio::task::spawn_blocking(check).await.unwrap_or(false)
}

impl App {
    /// Signs a user in with a password; a new session each time (no fixation).
    pub async fn sign_in(&self, username: &str, password: &str, request_id: &str) -> Result<SignedIn> {
        let now = self.now_ns();
        let mut conn = self.db.conn().await?;
        let found = panoptes_db::user_by_username(&mut conn, username.trim()).await?;
        // No pooled connection waits on the password check.
        drop(conn);
        let Some(user) = found else {
            // Same work as a real check, so timing does not tell which names exist.
            let _ = password_matches(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            )
            .await;
            return Err(AppError::Unauthenticated(SIGN_IN_FAILED.into()));
        };
        let hash_ok = match user.password_hash.as_deref() {
            Some(hash) => password_matches(password, hash).await,
            None => false,
        };
        let mut conn = self.db.conn().await?;
        if user.locked_until_ns > now {
            tracing::warn!(user = %user.id, "sign-in to a locked account");
            return Err(AppError::Unauthenticated(SIGN_IN_FAILED.into()));
        }
        if !hash_ok {
            let lock_until = now + i64::try_from(self.security.lockout.as_nanos()).unwrap_or(i64::MAX);
            let attempts =
                panoptes_db::record_sign_in_failure(&mut conn, &user.id, self.security.max_failed_sign_ins, lock_until)
                    .await?;
            tracing::warn!(user = %user.id, attempts, "sign-in failed");
            return Err(AppError::Unauthenticated(SIGN_IN_FAILED.into()));
        }
        panoptes_db::reset_sign_in_failures(&mut conn, &user.id).await?;
        drop(conn);
        self.open_session(&user, request_id).await
    }

    /// A new session for a user whose identity has been proven (password or federation).
    pub(crate) async fn open_session(&self, user: &panoptes_db::User, request_id: &str) -> Result<SignedIn> {
        let now = self.now_ns();
        let session = random_secret()?;
        let csrf_token = random_secret()?;
        let row = Session {
            token_hash: hash_secret(&session),
            tenant_id: user.tenant_id.clone(),
            user_id: user.id.clone(),
            csrf_token: csrf_token.clone(),
            created_ns: now,
            last_seen_ns: now,
        };
        let mut conn = self.db.conn().await?;
        panoptes_db::insert_session(&mut conn, &row).await?;
        drop(conn);
        let caller = self.caller(PrincipalKind::User, &user.id, None, request_id).await?;
        Ok(SignedIn { session, csrf_token, caller })
    }

    /// The caller behind a session cookie, and the session's CSRF token; expired sessions end.
    pub async fn authenticate_session(&self, session: &str, request_id: &str) -> Result<(Caller, String)> {
        let now = self.now_ns();
        let hash = hash_secret(session);
        let mut conn = self.db.conn().await?;
        let Some(row) = panoptes_db::session_by_hash(&mut conn, &hash).await? else {
            return Err(AppError::Unauthenticated("not signed in".into()));
        };
        let idle = i64::try_from(self.security.session_idle.as_nanos()).unwrap_or(i64::MAX);
        let absolute = i64::try_from(self.security.session_absolute.as_nanos()).unwrap_or(i64::MAX);
        if now - row.last_seen_ns > idle || now - row.created_ns > absolute {
            panoptes_db::delete_session(&mut conn, &hash).await?;
            return Err(AppError::Unauthenticated("the session has expired; sign in again".into()));
        }
        // Idle expiry needs minutes, not nanoseconds: one write a minute per session, not one per request.
        if now - row.last_seen_ns > TOUCH_EVERY_NS {
            panoptes_db::touch_session(&mut conn, &hash, now).await?;
        }
        drop(conn);
        let caller = self.caller(PrincipalKind::User, &row.user_id, None, request_id).await?;
        Ok((caller, row.csrf_token))
    }

    /// Ends a session.
    pub async fn sign_out(&self, session: &str) -> Result<()> {
        let mut conn = self.db.conn().await?;
        panoptes_db::delete_session(&mut conn, &hash_secret(session)).await?;
        Ok(())
    }

    /// The caller behind a bearer token; revoked or expired tokens fail.
    pub async fn authenticate_token(&self, secret: &str, request_id: &str) -> Result<Caller> {
        let now = self.now_ns();
        let mut conn = self.db.conn().await?;
        let token = panoptes_db::api_token_by_hash(&mut conn, &hash_secret(secret)).await?;
        let Some(token) = token.filter(|t| !t.revoked && t.expires_ns > now) else {
            return Err(AppError::Unauthenticated("the token is invalid, expired or revoked".into()));
        };
        drop(conn);
        let scope = PermissionSet::parse_names(&token.scopes).map_err(|e| AppError::Internal(e.to_string()))?;
        let scope = (!scope.is_empty()).then_some(scope);
        self.caller(token.principal_kind, &token.principal_id, scope, request_id).await
    }

    /// Changes the caller's own password, ending all of its sessions.
    pub async fn change_password(&self, caller: &Caller, current: &str, new: &str) -> Result<()> {
        let mut conn = self.db.conn().await?;
        let user = panoptes_db::user_by_id(&mut conn, &caller.id).await?;
        drop(conn);
        let current_ok = match user.password_hash.as_deref() {
            Some(hash) => password_matches(current, hash).await,
            None => false,
        };
        if !current_ok {
            return Err(AppError::Forbidden("the current password is wrong".into()));
        }
        let hash = hash_password(new)?;
        let mut tx = self.db.begin().await?;
        panoptes_db::set_password_hash(&mut tx, &user.id, &hash).await?;
        panoptes_db::delete_sessions_of_user(&mut tx, &user.id).await?;
        self.record(&mut tx, caller, &user.tenant_id, "user.changePassword", &user.id, serde_json::json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Issues an API token to the caller itself, or (with `authorization.manage` in its tenant)
    /// to a service principal; `scopes` narrows what the token may do.
    pub async fn issue_token(
        &self,
        caller: &Caller,
        service_principal: Option<&str>,
        scopes: PermissionSet,
        lifetime: std::time::Duration,
    ) -> Result<NewToken> {
        let (kind, principal_id, tenant) = match service_principal {
            None => (caller.kind, caller.id.clone(), caller.home.clone()),
            Some(id) => {
                let mut conn = self.db.conn().await?;
                let principal = panoptes_db::service_principal(&mut conn, id)
                    .await
                    .map_err(|_| AppError::NotFound(format!("service principal {id}")))?;
                self.authorize(
                    caller,
                    &principal.tenant_id,
                    panoptes_rbac::Permission::AuthorizationManage,
                    "service principal",
                )?;
                (PrincipalKind::ServicePrincipal, principal.id, principal.tenant_id)
            }
        };
        let now = self.now_ns();
        let secret = format!("pnp_{}", random_secret()?);
        let token = ApiToken {
            id: crate::new_id(),
            tenant_id: tenant.clone(),
            principal_kind: kind,
            principal_id,
            token_hash: hash_secret(&secret),
            scopes: scopes.to_names(),
            expires_ns: now.saturating_add(i64::try_from(lifetime.as_nanos()).unwrap_or(i64::MAX)),
            revoked: false,
        };
        let scope = panoptes_domain::TenantScope::authorized([tenant.clone()]);
        let mut tx = self.db.begin().await?;
        panoptes_db::insert_api_token(&mut tx, &scope, &token, now).await?;
        let detail = serde_json::json!({"scopes": token.scopes, "expiresNs": token.expires_ns});
        self.record(&mut tx, caller, &tenant, "token.issue", &token.id, detail).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(NewToken { id: token.id, secret, expires_ns: token.expires_ns })
    }

    /// Revokes a token of the caller's, or of a service principal where the caller manages
    /// authorization; it stops working at once.
    pub async fn revoke_token(
        &self,
        caller: &Caller,
        tenant: &panoptes_domain::TenantId,
        token_id: &str,
    ) -> Result<()> {
        let mut conn = self.db.conn().await?;
        let scope = panoptes_domain::TenantScope::authorized([tenant.clone()]);
        let tokens = panoptes_db::tokens_of(&mut conn, &scope).await?;
        drop(conn);
        let token = tokens.into_iter().find(|t| t.id == token_id);
        let own = token.as_ref().is_some_and(|t| t.principal_id == caller.id);
        if !own {
            self.authorize(caller, tenant, panoptes_rbac::Permission::AuthorizationManage, "token")?;
        }
        let Some(token) = token else { return Err(AppError::NotFound(format!("token {token_id}"))) };
        let mut tx = self.db.begin().await?;
        panoptes_db::revoke_api_token(&mut tx, &scope, &token.id).await?;
        self.record(&mut tx, caller, tenant, "token.revoke", &token.id, serde_json::json!({})).await?;
        tx.commit().await.map_err(panoptes_db::DbError::from)?;
        Ok(())
    }

    /// Loads a principal with its grants as of now.
    pub(crate) async fn caller(
        &self,
        kind: PrincipalKind,
        id: &str,
        token_scope: Option<PermissionSet>,
        request_id: &str,
    ) -> Result<Caller> {
        let mut conn = self.db.conn().await?;
        let (home, name, instance_admin) = match kind {
            PrincipalKind::ServicePrincipal => {
                let principal = panoptes_db::service_principal(&mut conn, id).await?;
                (principal.tenant_id, principal.name, false)
            }
            _ => {
                let user = panoptes_db::user_by_id(&mut conn, id).await?;
                (user.tenant_id, user.username, user.instance_admin)
            }
        };
        let grants = panoptes_db::grants_of(&mut conn, kind, id, &home).await?;
        Ok(Caller {
            kind,
            id: id.to_string(),
            home,
            name,
            instance_admin,
            access: Access::new(grants, token_scope),
            request_id: request_id.to_string(),
        })
    }
}
