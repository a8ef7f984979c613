//! Property-based isolation: random grants of provider users in customer tenants, random API
//! calls across tenants, and a checker that nothing outside the grants is ever returned. The
//! checker itself is shown to catch a broken answer.

use panoptes_rbac::{BuiltInRole, Permission};
use proptest::prelude::*;

use super::*;

const TENANTS: usize = 3;
const USERS: usize = 2;

/// grants[user][tenant]: the built-in role the user holds there as a guest, if any.
type Grants = Vec<Vec<Option<BuiltInRole>>>;

#[derive(Debug, Clone)]
enum Call {
    Tenant(usize),
    Users(usize),
    Audit(usize),
    Hunt(Vec<usize>),
    List,
}

fn allows(grants: &Grants, user: usize, tenant: usize, permission: Permission) -> Option<bool> {
    grants[user][tenant].map(|role| role.permissions().contains(permission))
}

/// Checks one answer against the grants; `ids` maps tenant indexes to ids.
fn check(
    grants: &Grants,
    ids: &[String],
    user: usize,
    call: &Call,
    status: StatusCode,
    body: &Value,
) -> Result<(), String> {
    let index_of = |id: &str| ids.iter().position(|t| t == id);
    let expect = |tenant: usize, permission: Option<Permission>| -> Result<(), String> {
        let wanted = match (grants[user][tenant], permission) {
            (None, _) => StatusCode::NOT_FOUND,
            (Some(_), None) => StatusCode::OK,
            (Some(role), Some(p)) if role.permissions().contains(p) => StatusCode::OK,
            (Some(_), Some(_)) => StatusCode::FORBIDDEN,
        };
        if status == wanted { Ok(()) } else { Err(format!("{call:?}: status {status}, expected {wanted}: {body}")) }
    };
    match call {
        Call::Tenant(t) => expect(*t, None),
        Call::Users(t) => expect(*t, Some(Permission::AuthorizationRead)),
        Call::Audit(t) => expect(*t, Some(Permission::AuditRead)),
        Call::List => {
            for listed in body["value"].as_array().into_iter().flatten() {
                let id = listed["tenantId"].as_str().unwrap_or_default();
                if index_of(id).is_some_and(|t| grants[user][t].is_none()) {
                    return Err(format!("listed tenant {id} without a grant"));
                }
            }
            Ok(())
        }
        Call::Hunt(_) => {
            for row in body["results"].as_array().into_iter().flatten() {
                let id = row["TenantId"].as_str().unwrap_or_default();
                let allowed = index_of(id).and_then(|t| allows(grants, user, t, Permission::HuntingRun));
                if allowed != Some(true) {
                    return Err(format!("a row of tenant {id} came back without hunting.run there"));
                }
            }
            for s in body["tenantStatus"].as_array().into_iter().flatten() {
                let id = s["tenantId"].as_str().unwrap_or_default();
                let allowed = index_of(id).and_then(|t| allows(grants, user, t, Permission::HuntingRun));
                if s["status"] == "ok" && allowed != Some(true) {
                    return Err(format!("tenant {id} reported ok without hunting.run"));
                }
            }
            Ok(())
        }
    }
}

#[test]
fn the_checker_catches_answers_that_cross_tenants() {
    let grants: Grants = vec![vec![Some(BuiltInRole::Analyst), None, Some(BuiltInRole::Reader)]];
    let ids: Vec<String> = ["t0", "t1", "t2"].map(String::from).to_vec();
    let leaked = json!({"results": [{"TenantId": "t0"}, {"TenantId": "t1"}], "tenantStatus": []});
    assert!(check(&grants, &ids, 0, &Call::Hunt(vec![0, 1]), StatusCode::OK, &leaked).is_err());
    let no_hunting = json!({"results": [{"TenantId": "t2"}], "tenantStatus": []});
    assert!(check(&grants, &ids, 0, &Call::Hunt(vec![2]), StatusCode::OK, &no_hunting).is_err(), "reader cannot hunt");
    assert!(check(&grants, &ids, 0, &Call::Tenant(1), StatusCode::OK, &json!({})).is_err(), "a 200 with no grant");
    assert!(
        check(&grants, &ids, 0, &Call::Tenant(1), StatusCode::FORBIDDEN, &json!({})).is_err(),
        "403 leaks existence"
    );
    assert!(
        check(&grants, &ids, 0, &Call::Users(0), StatusCode::OK, &json!({})).is_err(),
        "analyst lacks authorization.read"
    );
    let listed = json!({"value": [{"tenantId": "t1"}]});
    assert!(check(&grants, &ids, 0, &Call::List, StatusCode::OK, &listed).is_err());
    let fine = json!({"results": [{"TenantId": "t0"}], "tenantStatus": [{"tenantId": "t1", "status": "noPermission"}]});
    assert_eq!(check(&grants, &ids, 0, &Call::Hunt(vec![0, 1]), StatusCode::OK, &fine), Ok(()));
}

fn arb_role() -> impl Strategy<Value = Option<BuiltInRole>> {
    prop_oneof![Just(None), (0..BuiltInRole::ALL.len()).prop_map(|i| Some(BuiltInRole::ALL[i]))]
}

fn arb_call() -> impl Strategy<Value = Call> {
    prop_oneof![
        (0..TENANTS).prop_map(Call::Tenant),
        (0..TENANTS).prop_map(Call::Users),
        (0..TENANTS).prop_map(Call::Audit),
        proptest::collection::vec(0..TENANTS, 0..=TENANTS).prop_map(Call::Hunt),
        Just(Call::List),
    ]
}

async fn run_case(grants: Grants, calls: Vec<(usize, Call)>) -> Result<(), String> {
    let instance = instance().await;
    let admin = Client::sign_in(&instance.router, "admin@provider", ADMIN_PASSWORD).await;
    let mut ids = Vec::new();
    let mut admins = Vec::new();
    for t in 0..TENANTS {
        let (id, tenant_admin) = tenant_with_events(&instance, &admin, &format!("t{t}"), &[&format!("t{t}.exe")]).await;
        ids.push(id);
        admins.push(tenant_admin);
    }
    let mut users = Vec::new();
    for (u, row) in grants.iter().enumerate() {
        let name = format!("u{u}@provider");
        provider_user(&admin, &name, &[]).await;
        for (t, role) in row.iter().enumerate() {
            if let Some(role) = role {
                make_guest(&instance, &admins[t], &ids[t], &name, &[role.name()]).await;
            }
        }
        users.push(Client::sign_in(&instance.router, &name, PASSWORD).await);
    }
    for (user, call) in calls {
        let answer = match &call {
            Call::Tenant(t) => users[user].get(&format!("/api/v1/tenants/{}", ids[*t])).await,
            Call::Users(t) => users[user].get(&format!("/api/v1/tenants/{}/users", ids[*t])).await,
            Call::Audit(t) => users[user].get(&format!("/api/v1/tenants/{}/audit", ids[*t])).await,
            Call::List => users[user].get("/api/v1/tenants").await,
            Call::Hunt(ts) => {
                let tenant_ids: Vec<&String> = ts.iter().map(|t| &ids[*t]).collect();
                let body = if ts.is_empty() {
                    json!({"Query": "DeviceProcessEvents"})
                } else {
                    json!({"Query": "DeviceProcessEvents", "tenantIds": tenant_ids})
                };
                users[user].post("/api/v1/security/runHuntingQuery", body).await
            }
        };
        check(&grants, &ids, user, &call, answer.status, &answer.body)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn no_call_returns_anything_outside_the_callers_grants(
        grants in proptest::collection::vec(proptest::collection::vec(arb_role(), TENANTS), USERS),
        calls in proptest::collection::vec((0..USERS, arb_call()), 12),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let outcome = runtime.block_on(run_case(grants, calls));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
