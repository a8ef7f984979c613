use std::process::Command;

fn panoptes(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_panoptes")).args(args).output().expect("binary runs")
}

#[test]
fn run_prints_a_table() {
    let out = panoptes(&["kql", "run", "datatable(a:long, s:string)[1, 'x', 2, 'y'] | where a > 1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("a | s") && text.contains("2 | y") && text.contains("(1 rows)"), "{text}");
}

#[test]
fn run_formats_json_and_csv() {
    let json = panoptes(&["kql", "run", "--format", "json", "print a = 1, b = 'x,y'"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json output");
    assert_eq!(value, serde_json::json!([{"a": 1, "b": "x,y"}]));
    let csv = panoptes(&["kql", "run", "--format", "csv", "print a = 1, b = 'x,y'"]);
    assert_eq!(String::from_utf8_lossy(&csv.stdout), "a,b\n1,\"x,y\"\n");
}

#[test]
fn errors_show_a_caret_and_a_hint() {
    let out = panoptes(&["kql", "run", "DeviceInfo\n| where DeviceNme == 'x'"]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("--> 2:9"), "{text}");
    assert!(text.contains("^^^^^^^^^"), "{text}");
    assert!(text.contains("did you mean `DeviceName`?"), "{text}");
}

#[test]
fn batch_answers_every_record_even_bad_ones() {
    let dir = std::env::temp_dir().join(format!("panoptes-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"ok\", \"query\": \"print x = datetime(2020-01-01), t = 1h\"}\nnot json\n{\"id\": \"bad\", \"query\": \"print (\"}\n",
    )
    .expect("write input");
    let out = panoptes(&["kql", "batch", "--input", input.to_str().unwrap_or_default()]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["rows"], serde_json::json!([["2020-01-01T00:00:00.0000000Z", "01:00:00"]]));
    assert_eq!(lines[0]["columns"][0]["type"], "datetime");
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["stage"], "parse");
}

#[test]
fn check_reports_plan_errors_against_the_defender_schema() {
    let dir = std::env::temp_dir().join(format!("panoptes-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("good.kql");
    std::fs::write(&good, "DeviceProcessEvents | where FileName =~ 'x.exe' | take 1").expect("write");
    assert!(panoptes(&["kql", "check", good.to_str().unwrap_or_default()]).status.success());
    let bad = dir.join("bad.kql");
    std::fs::write(&bad, "DeviceProcessEvent | take 1").expect("write");
    let out = panoptes(&["kql", "check", bad.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `DeviceProcessEvents`?"));
}

#[test]
fn tenant_user_and_token_commands_administer_an_instance_through_its_use_cases() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let admin = |args: &[&str]| {
        let mut all = vec![args[0], "--data", data, "--as", "root@provider", "--as-password", "root-password-1"];
        all.extend_from_slice(&args[1..]);
        panoptes(&all)
    };
    let init = admin(&["tenant", "init", "--provider", "Provider"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let again = admin(&["tenant", "init"]);
    assert!(!again.status.success(), "a second init is refused");
    let created = admin(&[
        "tenant",
        "create",
        "--name",
        "Contoso",
        "--admin-user",
        "boss@contoso",
        "--admin-password",
        "boss-password-1",
    ]);
    let text = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success() && text.starts_with("created tenant"), "{text}");
    let id = text.split_whitespace().nth(2).expect("id").to_string();
    let listed = admin(&["tenant", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Contoso"));
    // The provider's administrator holds no role in Contoso: creating users there is refused.
    let refused =
        admin(&["user", "create", "--tenant", &id, "--username", "x@contoso", "--password", "x-password-123"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let boss = |args: &[&str]| {
        let mut all = vec![args[0], "--data", data, "--as", "boss@contoso", "--as-password", "boss-password-1"];
        all.extend_from_slice(&args[1..]);
        panoptes(&all)
    };
    let user = boss(&[
        "user",
        "create",
        "--tenant",
        &id,
        "--username",
        "ann@contoso",
        "--password",
        "ann-password-12",
        "--roles",
        "analyst",
    ]);
    assert!(user.status.success(), "{}", String::from_utf8_lossy(&user.stderr));
    let entra = "8d3f6c1a-0b7e-4f0e-9c43-5c2d2b9f1e77";
    let updated = boss(&["tenant", "update", &id, "--external-tenant-id", entra, "--retention-days", "90"]);
    let text = String::from_utf8_lossy(&updated.stdout);
    assert!(text.contains(&format!("external id {entra}")) && text.contains("retention 90 days"), "{text}");
    let ann = panoptes(
        &["tenant", "--data", data, "--as", "ann@contoso", "--as-password", "ann-password-12"]
            .into_iter()
            .chain(["update", id.as_str(), "--retention-days", "1"])
            .collect::<Vec<_>>(),
    );
    let refusal = String::from_utf8_lossy(&ann.stderr);
    assert!(!ann.status.success() && refusal.contains("settings.manage"), "an analyst may not: {refusal}");
    let token = boss(&["token", "issue", "--scopes", "securityData.read", "--days", "7"]);
    let text = String::from_utf8_lossy(&token.stdout);
    assert!(token.status.success() && text.contains("pnp_"), "{text}");
    let wrong =
        panoptes(&["tenant", "list", "--data", data, "--as", "boss@contoso", "--as-password", "wrong-password"]);
    assert!(!wrong.status.success(), "a wrong password is refused");
}
