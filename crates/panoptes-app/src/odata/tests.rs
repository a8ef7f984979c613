use super::*;

fn status(text: &str) -> std::result::Result<&'static str, String> {
    panoptes_detect::IncidentStatus::parse(text).map(|s| s.as_str()).map_err(|e| e.to_string())
}

const FIELDS: &[Field] = &[
    Field { name: "status", column: "status", kind: FieldKind::Enum(status) },
    Field { name: "severity", column: "severity_rank", kind: FieldKind::Severity },
    Field { name: "displayName", column: "display_name", kind: FieldKind::Text },
    Field { name: "createdDateTime", column: "created_ns", kind: FieldKind::DateTime },
    Field { name: "customTags", column: "custom_tags", kind: FieldKind::TextList },
    Field { name: "assignedTo", column: "assigned_to", kind: FieldKind::Text },
];

#[track_caller]
fn check(text: &str, expect: Filter) {
    match parse_filter(text, FIELDS) {
        Ok(filter) => assert_eq!(filter, expect, "{text}"),
        Err(error) => panic!("{text}: {error}"),
    }
}

#[track_caller]
fn check_error(text: &str, fragment: &str) {
    match parse_filter(text, FIELDS) {
        Ok(filter) => panic!("{text} parsed as {filter:?}"),
        Err(error) => assert!(error.to_string().contains(fragment), "{text}: {error}"),
    }
}

fn text(value: &str) -> FilterValue {
    FilterValue::Text(value.into())
}

#[test]
fn comparisons_combine_with_and_or_not() {
    check("status eq 'active'", Filter::Compare { column: "status", op: CompareOp::Eq, value: text("active") });
    check(
        "severity ge 'medium' and not (status eq 'resolved' or assignedTo eq null)",
        Filter::And(vec![
            Filter::Compare { column: "severity_rank", op: CompareOp::Ge, value: FilterValue::Int(2) },
            Filter::Not(Box::new(Filter::Or(vec![
                Filter::Compare { column: "status", op: CompareOp::Eq, value: text("resolved") },
                Filter::IsNull { column: "assigned_to", negated: false },
            ]))),
        ]),
    );
    check(
        "createdDateTime gt 2026-01-01T00:00:00Z",
        Filter::Compare { column: "created_ns", op: CompareOp::Gt, value: FilterValue::Int(1_767_225_600_000_000_000) },
    );
}

#[test]
fn in_lists_functions_and_any() {
    check(
        "status in ('new', 'inProgress')",
        Filter::In { column: "status", values: vec![text("active"), text("inProgress")] },
    );
    check("startswith(displayName, 'Sus')", Filter::StartsWith { column: "display_name", value: "Sus".into() });
    check("contains(displayName, 'it''s')", Filter::Contains { column: "display_name", value: "it's".into() });
    check("customTags/any(t: t eq 'vip')", Filter::ListHas { column: "custom_tags", value: "vip".into() });
}

#[test]
fn mistakes_are_named() {
    check_error("status eq 'open'", "`open` is not a valid `status`");
    check_error("tenantName eq 'x'", "`tenantName` cannot be filtered");
    check_error("status eq 'active' status eq 'x'", "unexpected `status` at character 20");
    check_error("displayName eq 'open", "not closed");
    check_error("customTags eq 'x'", "customTags/any(t: t eq 'value')");
    check_error("severity gt 3", "compares with a quoted severity");
    check_error("startswith(status, 'a')", "works on text fields");
    check_error(&"(".repeat(100), "nests too deeply");
}

#[test]
fn order_and_paging_are_checked() {
    let options = ListOptions { order_by: Some("severity desc, createdDateTime".into()), ..ListOptions::default() };
    let query = list_query(&options, FIELDS, &[]).unwrap();
    assert_eq!(query.order_by, [("severity_rank", true), ("created_ns", false)]);
    assert_eq!((query.top, query.skip), (DEFAULT_TOP, 0));
    let options = ListOptions { top: Some(5000), ..ListOptions::default() };
    assert!(list_query(&options, FIELDS, &[]).is_err());
    let options = ListOptions { order_by: Some("customTags".into()), ..ListOptions::default() };
    assert!(list_query(&options, FIELDS, &[]).is_err());
}
