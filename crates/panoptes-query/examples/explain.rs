//! Prints the logical plan of a KQL query (a development aid): `cargo run --release --example explain -- "<query>"`.
fn main() {
    let query = std::env::args().nth(1).unwrap_or_default();
    match panoptes_query::Engine::default().plan(&query, &panoptes_query::SchemaCatalog, 0) {
        Ok(planned) => println!("{}", planned.plan.display_indent_schema()),
        Err(e) => eprintln!("{e}"),
    }
}
