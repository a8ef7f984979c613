//! `panoptes demo` as a user starts it: a real process, real sockets, real HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// One HTTP/1.1 request; returns the status, the `Set-Cookie` header and the JSON body.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> (u16, String, Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, payload) = response.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_string();
    // Bodies are small and unchunked unless streamed; take the JSON part.
    let start = payload.find(['{', '[']).unwrap_or(0);
    let end = payload.rfind(['}', ']']).map_or(payload.len(), |e| e + 1);
    (status, cookie, serde_json::from_str(&payload[start..end]).unwrap_or(Value::Null))
}

#[test]
fn demo_starts_prints_sign_ins_and_serves_the_api_over_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args(["demo", "--listen", "127.0.0.1:0", "--tenants", "4", "--devices", "3", "--days", "1", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        let done = line.contains("read-only auditor");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let port: u16 = text
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no URL in:\n{text}"));
    assert!(text.contains("analyst@mssp") && text.contains("admin@mssp") && text.contains("auditor@"), "{text}");

    let sign_in = json!({"username": "analyst@mssp", "password": "panoptes-demo"});
    let (status, cookie, body) = http(port, "POST", "/api/v1/auth/signIn", &[], Some(&sign_in));
    assert_eq!(status, 200, "{body}");
    let csrf = body["csrfToken"].as_str().expect("csrf").to_string();
    let (status, _, tenants) = http(port, "GET", "/api/v1/tenants", &[("Cookie", &cookie)], None);
    assert_eq!(status, 200);
    let names: Vec<&str> =
        tenants["value"].as_array().expect("tenants").iter().filter_map(|t| t["tenantName"].as_str()).collect();
    assert_eq!(names.len(), 3, "the MSSP tenant and two of the four customers: {names:?}");

    let hunt = json!({"Query": "DeviceProcessEvents | summarize count() by TenantId"});
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];
    let (status, _, answer) = http(port, "POST", "/api/v1/security/runHuntingQuery", &headers, Some(&hunt));
    assert_eq!(status, 200, "{answer}");
    let hunted: Vec<&str> =
        answer["results"].as_array().expect("rows").iter().filter_map(|r| r["TenantName"].as_str()).collect();
    assert_eq!(hunted.len(), 2, "rows from exactly the two reachable customers: {answer}");

    // Ctrl-C ends it cleanly.
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}");
}

/// `panoptes serve --config`: the file's settings apply, a flag wins over the file, and a
/// misspelt key is refused with the file and key named.
#[test]
fn serve_reads_its_config_file_and_flags_win() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("panoptes.toml");
    let data = dir.path().join("data");
    let text = format!(
        "data = {:?}\nlisten = \"127.0.0.1:1\"\nmax-body-bytes = 2048\nprovider = \"Fabrikam MSSP\"\n",
        data.display().to_string()
    );
    std::fs::write(&config, text).expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args(["serve", "--listen", "127.0.0.1:0", "--admin-user", "root@fabrikam", "--config"])
        .arg(&config)
        .env("PANOPTES_ADMIN_PASSWORD", "a-long-enough-password")
        .env_remove("PANOPTES_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut port = None;
    let mut printed = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("Panoptes is listening on http://127.0.0.1:") {
            port = rest.trim_end_matches('/').parse::<u16>().ok();
            break;
        }
        printed.push(line);
    }
    let port = port.unwrap_or_else(|| panic!("no listening line (the --listen flag wins over the file): {printed:?}"));
    assert!(printed.iter().any(|l| l.contains("Fabrikam MSSP")), "the provider name came from the file: {printed:?}");
    assert!(data.join("ops.db").exists(), "the data directory came from the file");
    let sign_in = json!({"username": "root@fabrikam", "password": "a-long-enough-password"});
    let (status, _, _) = http(port, "POST", "/api/v1/auth/signIn", &[], Some(&sign_in));
    assert_eq!(status, 200);
    let big = json!({"username": "x".repeat(4096), "password": "y"});
    let (status, _, body) = http(port, "POST", "/api/v1/auth/signIn", &[], Some(&big));
    // Under the default 1 MiB limit this body would be a failed sign-in (401).
    assert!(status == 413 || status == 400, "max-body-bytes from the file applies: {status} {body}");
    assert!(body.to_string().contains("over the size limit"), "{body}");
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let _ = child.wait();

    std::fs::write(&config, "lisen = \"127.0.0.1:0\"\n").expect("config");
    let output = Command::new(env!("CARGO_BIN_EXE_panoptes"))
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("PANOPTES_DATA")
        .output()
        .expect("serve runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("panoptes.toml") && error.contains("lisen"), "{error}");
}
