use panoptes_db::{Assignment, Delegation, DelegationState, Group, Guest, PrincipalKind, User};
use panoptes_rbac::{BuiltInRole, GrantSource};

use super::*;

async fn user(conn: &mut panoptes_db::Conn, id: &str, tenant: &str) {
    let user = User {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        username: id.into(),
        display_name: id.into(),
        password_hash: None,
        failed_attempts: 0,
        locked_until_ns: 0,
        instance_admin: false,
    };
    panoptes_db::insert_user(conn, &user, 1).await.expect("user");
}

fn assignment(id: &str, tenant: &str, kind: PrincipalKind, principal: &str, role: BuiltInRole) -> Assignment {
    Assignment {
        id: id.into(),
        tenant_id: TenantId::new(tenant),
        principal_kind: kind,
        principal_id: principal.into(),
        role: role.name().into(),
        permissions: role.permissions(),
    }
}

#[tokio::test]
async fn grants_come_from_membership_groups_accepted_guest_accounts_and_active_delegations() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["mssp", "c1", "c2", "c3"]).await;
        let mut conn = db.conn().await.expect("conn");
        user(&mut conn, "ana", "mssp").await;
        user(&mut conn, "bob", "c1").await;
        let s = scope("mssp");
        let a = |id, t, k, p, r| assignment(id, t, k, p, r);
        panoptes_db::assign_role(&mut conn, &s, &a("r1", "mssp", PrincipalKind::User, "ana", BuiltInRole::Reader), 1)
            .await
            .expect("home role");
        // A role in c1 before any guest account exists there grants nothing.
        let c1 = scope("c1");
        panoptes_db::assign_role(&mut conn, &c1, &a("r2", "c1", PrincipalKind::User, "ana", BuiltInRole::Analyst), 1)
            .await
            .expect("guest role");
        let guest = Guest {
            id: "g1".into(),
            tenant_id: TenantId::new("c1"),
            user_id: "ana".into(),
            home_tenant_id: TenantId::new("mssp"),
            state: "invited".into(),
        };
        panoptes_db::insert_guest(&mut conn, &c1, &guest, 1).await.expect("invite");
        let tenants_of = |grants: &[panoptes_rbac::Grant]| {
            let mut t: Vec<String> = grants.iter().map(|g| g.tenant.to_string()).collect();
            t.sort();
            t
        };
        let home = TenantId::new("mssp");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        assert_eq!(tenants_of(&grants), ["mssp"], "an invitation not yet accepted grants nothing");
        panoptes_db::set_guest_state(&mut conn, "g1", "bob", "accepted").await.expect_err("only the invitee accepts");
        panoptes_db::set_guest_state(&mut conn, "g1", "ana", "accepted").await.expect("accept");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        assert_eq!(tenants_of(&grants), ["c1", "mssp"]);
        assert!(grants.iter().any(|g| g.tenant.as_str() == "c1" && g.source == GrantSource::Guest));

        // A delegation: the partner's group gets roles in c2 once c2 approves.
        let group = Group { id: "soc".into(), tenant_id: TenantId::new("mssp"), name: "SOC".into() };
        panoptes_db::insert_group(&mut conn, &s, &group).await.expect("group");
        panoptes_db::add_group_member(&mut conn, &s, "soc", "ana").await.expect("member");
        let cross = panoptes_db::add_group_member(&mut conn, &s, "soc", "bob").await;
        assert!(cross.is_err(), "a group holds only its own tenant's users");
        let mut request = Delegation {
            id: "d1".into(),
            tenant_id: TenantId::new("c2"),
            partner_tenant_id: TenantId::new("mssp"),
            group_id: "soc".into(),
            roles: vec!["analyst".into()],
            permissions: BuiltInRole::Analyst.permissions(),
            state: DelegationState::Requested,
            duration_ns: 1000,
            starts_ns: None,
            ends_ns: None,
        };
        let foreign = panoptes_db::insert_delegation(&mut conn, &scope("c3"), &request, 1).await;
        assert!(foreign.is_err(), "only the partner asks, for its own group");
        panoptes_db::insert_delegation(&mut conn, &s, &request, 1).await.expect("request");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        assert_eq!(tenants_of(&grants), ["c1", "mssp"], "a request grants nothing");
        request.state = DelegationState::Active;
        request.starts_ns = Some(10);
        request.ends_ns = Some(1010);
        panoptes_db::set_delegation(&mut conn, &scope("c3"), &request).await.expect_err("c3 is not a party");
        panoptes_db::set_delegation(&mut conn, &scope("c2"), &request).await.expect("approve");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        let delegated = grants.iter().find(|g| g.tenant.as_str() == "c2").expect("c2 grant");
        assert_eq!(delegated.expires_ns, Some(1010));
        assert_eq!(delegated.source, GrantSource::Delegation { relationship: "d1".into() });
        assert_eq!(panoptes_db::delegations_of(&mut conn, &s).await.expect("partner side").len(), 1);
        assert_eq!(panoptes_db::delegations_of(&mut conn, &scope("c2")).await.expect("customer side").len(), 1);
        assert_eq!(panoptes_db::delegations_of(&mut conn, &scope("c3")).await.expect("outsider").len(), 0);
        request.state = DelegationState::Revoked;
        panoptes_db::set_delegation(&mut conn, &scope("c2"), &request).await.expect("revoke");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        assert_eq!(tenants_of(&grants), ["c1", "mssp"], "revocation ends access at once");

        // Removing the guest removes its roles there.
        panoptes_db::remove_guest(&mut conn, &scope("c2"), "g1").await.expect_err("c2 does not own the guest");
        panoptes_db::remove_guest(&mut conn, &c1, "g1").await.expect("remove guest");
        let grants = panoptes_db::grants_of(&mut conn, PrincipalKind::User, "ana", &home).await.expect("grants");
        assert_eq!(tenants_of(&grants), ["mssp"]);
        assert_eq!(panoptes_db::list_assignments(&mut conn, &c1).await.expect("list").len(), 0);
    }
}

#[tokio::test]
async fn assignments_are_read_and_removed_only_within_their_tenant() {
    for (db, _dir) in backends().await {
        with_tenants(&db, &["a", "b"]).await;
        let mut conn = db.conn().await.expect("conn");
        user(&mut conn, "u", "a").await;
        let role = assignment("r1", "a", PrincipalKind::User, "u", BuiltInRole::Administrator);
        let wrong = panoptes_db::assign_role(&mut conn, &scope("b"), &role, 1).await;
        assert!(wrong.is_err(), "a row is written only into its scope's tenant");
        panoptes_db::assign_role(&mut conn, &scope("a"), &role, 1).await.expect("assign");
        assert_eq!(panoptes_db::list_assignments(&mut conn, &scope("b")).await.expect("b").len(), 0);
        panoptes_db::remove_assignment(&mut conn, &scope("b"), "r1").await.expect_err("not b's");
        let listed = panoptes_db::list_assignments(&mut conn, &scope("a")).await.expect("a");
        assert_eq!(listed, vec![role]);
        panoptes_db::remove_assignment(&mut conn, &scope("a"), "r1").await.expect("remove");
    }
}
