use panoptes_domain::TenantId;
use proptest::prelude::*;

use crate::*;

#[track_caller]
fn check_role(role: &str, expected: &[&str]) {
    let role = BuiltInRole::parse(role).expect("role");
    let names: Vec<&str> = role.permissions().permissions().into_iter().map(Permission::name).collect();
    assert_eq!(names, expected);
}

#[test]
fn built_in_roles_match_the_spec() {
    check_role("reader", &["securityData.read", "vulnerability.read", "settings.read"]);
    check_role(
        "Analyst",
        &[
            "securityData.read",
            "hunting.run",
            "alerts.manage",
            "response.manage",
            "vulnerability.read",
            "settings.read",
        ],
    );
    check_role(
        "detectionEngineer",
        &[
            "securityData.read",
            "hunting.run",
            "alerts.manage",
            "response.manage",
            "detections.manage",
            "content.manage",
            "vulnerability.read",
            "settings.read",
        ],
    );
    check_role("auditor", &["settings.read", "authorization.read", "audit.read"]);
    let admin = BuiltInRole::Administrator.permissions();
    assert!(!admin.contains(Permission::CrossTenantAnalytics), "cross-tenant analytics is granted only explicitly");
    assert_eq!(admin.permissions().len(), Permission::ALL.len() - 1);
}

#[test]
fn names_round_trip_and_unknown_names_say_what_is_accepted() {
    let set = PermissionSet::of(&[Permission::HuntingRun, Permission::AuditRead]);
    assert_eq!(PermissionSet::parse_names(&set.to_names()), Ok(set));
    let error = Permission::parse("hunting.write").expect_err("unknown");
    assert!(error.to_string().contains("hunting.run"), "{error}");
    assert!(BuiltInRole::parse("owner").is_err());
}

fn grant(tenant: &str, role: BuiltInRole, expires_ns: Option<i64>) -> Grant {
    Grant { tenant: TenantId::new(tenant), permissions: role.permissions(), source: GrantSource::Guest, expires_ns }
}

#[test]
fn an_expired_delegation_ends_access_at_once() {
    let access = Access::new(vec![grant("c", BuiltInRole::Analyst, Some(100))], None);
    let c = TenantId::new("c");
    assert_eq!(access.authorize(&c, Permission::HuntingRun, 99), Ok(()));
    assert_eq!(access.authorize(&c, Permission::HuntingRun, 100), Err(Denied::Expired));
    assert_eq!(access.authorize(&TenantId::new("d"), Permission::HuntingRun, 0), Err(Denied::NotVisible));
    assert_eq!(
        access.authorize(&c, Permission::DetectionsManage, 0),
        Err(Denied::Missing(Permission::DetectionsManage))
    );
}

#[test]
fn a_scoped_token_narrows_what_grants_allow_and_never_widens_it() {
    let scope = PermissionSet::of(&[Permission::SecurityDataRead, Permission::DetectionsManage]);
    let access = Access::new(vec![grant("a", BuiltInRole::Analyst, None)], Some(scope));
    let a = TenantId::new("a");
    assert_eq!(access.authorize(&a, Permission::SecurityDataRead, 0), Ok(()));
    assert!(access.authorize(&a, Permission::HuntingRun, 0).is_err(), "outside the token's scope");
    assert!(access.authorize(&a, Permission::DetectionsManage, 0).is_err(), "outside the grants");
}

#[test]
fn requested_tenants_only_narrow() {
    let access = Access::new(vec![grant("a", BuiltInRole::Reader, None), grant("b", BuiltInRole::Analyst, None)], None);
    let all = access.tenants_with(None, Permission::HuntingRun, 0);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].outcome, Err(Denied::Missing(Permission::HuntingRun)));
    assert_eq!(all[1].outcome, Ok(()));
    let asked = [TenantId::new("b"), TenantId::new("zzz")];
    let decisions = access.tenants_with(Some(&asked), Permission::HuntingRun, 0);
    assert_eq!(decisions[0].outcome, Ok(()));
    assert_eq!(decisions[1].outcome, Err(Denied::NotVisible), "a tenant without a grant is never added");
}

/// The model the policy must agree with: allowed exactly when some live grant in the tenant
/// holds the permission and the token scope (if any) includes it.
fn model_allows(grants: &[Grant], scope: Option<PermissionSet>, tenant: &TenantId, p: Permission, now: i64) -> bool {
    scope.is_none_or(|s| s.contains(p))
        && grants
            .iter()
            .any(|g| &g.tenant == tenant && g.expires_ns.is_none_or(|e| now < e) && g.permissions.contains(p))
}

fn arb_grant() -> impl Strategy<Value = Grant> {
    (0..5u8, 0..5usize, proptest::option::of(0..200i64), any::<u32>()).prop_map(|(t, r, expires_ns, extra)| Grant {
        tenant: TenantId::new(format!("t{t}")),
        permissions: BuiltInRole::ALL[r]
            .permissions()
            .union(PermissionSet::of(&[Permission::ALL[extra as usize % Permission::ALL.len()]])),
        source: GrantSource::Member,
        expires_ns,
    })
}

proptest! {
    #[test]
    fn authorize_agrees_with_the_model(
        grants in proptest::collection::vec(arb_grant(), 0..6),
        scope_bits in proptest::option::of(proptest::collection::vec(0..15usize, 0..5)),
        tenant in 0..6u8,
        permission in 0..15usize,
        now in 0..250i64,
    ) {
        let scope = scope_bits.map(|bits| PermissionSet::of(&bits.iter().map(|b| Permission::ALL[*b]).collect::<Vec<_>>()));
        let tenant = TenantId::new(format!("t{tenant}"));
        let permission = Permission::ALL[permission];
        let access = Access::new(grants.clone(), scope);
        let allowed = access.authorize(&tenant, permission, now).is_ok();
        prop_assert_eq!(allowed, model_allows(&grants, scope, &tenant, permission, now));
        let listed = access.tenants_with(None, permission, now);
        for decision in listed {
            prop_assert!(grants.iter().any(|g| g.tenant == decision.tenant), "listed a tenant without a grant");
        }
    }
}
