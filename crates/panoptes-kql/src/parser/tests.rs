use crate::ast::{ExprKind, Operator, Statement};
use crate::parse;

#[track_caller]
fn check_ok(query: &str) {
    if let Err(d) = parse(query) {
        panic!("{query}\n{}", d.render(query));
    }
}

#[track_caller]
fn check_err(query: &str, expected_message_part: &str) {
    match parse(query) {
        Ok(ast) => panic!("expected an error for {query}, got {ast:?}"),
        Err(d) => assert!(
            d.message.contains(expected_message_part),
            "{query}: message {:?} lacks {expected_message_part:?}",
            d.message
        ),
    }
}

#[test]
fn parses_common_shapes() {
    check_ok("T | where a has 'x' and b !contains_cs \"y\" | project a, b = c * 2");
    check_ok("let x = 5; let T = datatable(a:long, s:string)[1, 'a', 2, 'b']; T | where a > x");
    check_ok("T | summarize count(), dcount(b) by bin(Timestamp, 1h), c | sort by count_ desc nulls last");
    check_ok("T | join kind=leftouter (R | where x == 1) on $left.a == $right.b, c");
    check_ok("T | mv-expand with_itemindex=i x = d.items to typeof(string) limit 10");
    check_ok("let f = (a:string, b:long = 5) { a }; print f('x')");
    check_ok("range x from 1 to 10 step 1 | extend y = x % 3");
    check_ok("T | parse kind=regex s with \"a=\" v:long \" b=\" * ");
    check_ok("T | make-series c = count() default = 0 on t from ago(1d) to now() step 1h by k");
    check_ok("T | where d['a'].b[0] in~ ('x', 'y') and x between (1 .. 5)");
    check_ok("union withsource=Src Device*, (T | take 1)");
    check_ok("T | evaluate bag_unpack(d) : (a:string, b:long)");
    check_ok("print datetime(2020-01-01 10:00), timespan(1.02:03:04), 1.5h, dynamic({\"a\":[1, 2.5, null]})");
    check_ok("T | project-away Col*, X | project-reorder A asc, B");
    check_ok("T | top-nested 3 of A by count(), top-nested 2 of B by sum(x)");
}

#[test]
fn statements_and_pipes_shape() {
    let query = parse("let a = 1; T | take a").unwrap();
    assert_eq!(query.statements.len(), 2);
    let Statement::Expr(expr) = &query.statements[1] else { panic!("no expr") };
    let ExprKind::Pipe(input, op) = &expr.kind else { panic!("no pipe") };
    assert_eq!(input.as_name(), Some("T"));
    assert!(matches!(**op, Operator::Take(_)));
}

#[test]
fn reports_errors_with_position() {
    check_err("T | where", "expected an expression");
    check_err("T | summarise count()", "unknown tabular operator");
    check_err("T | where s == 'abc", "unterminated string");
    check_err("let x = 5;", "no tabular expression");
    let err = parse("T\n| projct a").unwrap_err();
    assert_eq!(err.line_column("T\n| projct a"), (2, 3));
    assert!(err.help.iter().any(|h| h.contains("project")), "{:?}", err.help);
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let query = format!("print {}1{}", "(".repeat(5000), ")".repeat(5000));
    check_err(&query, "nests too deeply");
}
