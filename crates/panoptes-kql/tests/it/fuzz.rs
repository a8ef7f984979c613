use proptest::prelude::*;

const PIECES: &[&str] = &[
    "T",
    "|",
    "where",
    "project",
    "summarize",
    "by",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "let",
    "=",
    "==",
    "has",
    "!in~",
    "'s",
    "\"x",
    "1",
    "1.5",
    "2d",
    "datetime(2020-01-01)",
    "dynamic(",
    "join",
    "on",
    "$left",
    ".",
    "mv-expand",
    "parse",
    "with",
    "*",
    "-",
    "+",
    "/",
    "between",
    "..",
    "extend",
    "x",
    "@'",
    "```",
    "make-series",
    "step",
    "from",
    "to",
    "range",
    "print",
    "datatable",
    ":",
    "long",
    "scan",
    "declare",
    "=>",
    "evaluate",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn token_soup_never_panics(indices in proptest::collection::vec(0..PIECES.len(), 0..40)) {
        let query: Vec<&str> = indices.iter().map(|&i| PIECES[i]).collect();
        let query = query.join(" ");
        if let Err(diagnostic) = panoptes_kql::parse(&query) {
            // Spans always point inside the text, so the caret excerpt renders.
            prop_assert!(diagnostic.span.start <= query.len());
            let _ = diagnostic.render(&query);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(query in "\\PC{0,80}") {
        let _ = panoptes_kql::parse(&query);
    }
}
