//! Runs every `.slt` file under `test_files/` as its own test (libtest-mimic, so nextest and
//! `cargo test` can list and filter them). `PANOPTES_COMPLETE=1` rewrites expected results.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use panoptes_kql_logictest::KqlDb;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_files");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
            let data = root.join("data");
            Trial::test(name, move || run_file(&file, &data))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
}

fn run_file(file: &Path, data: &Path) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let data = data.to_path_buf();
        let mut runner = sqllogictest::Runner::new(move || {
            let data = data.clone();
            async move { KqlDb::new(&data) }
        });
        runner.with_column_validator(sqllogictest::strict_column_validator);
        if std::env::var_os("PANOPTES_COMPLETE").is_some() {
            runner
                .update_test_file(
                    file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::strict_column_validator,
                )
                .await
                .map_err(|e| Failed::from(e.to_string()))
        } else {
            runner.run_file_async(file).await.map_err(|e| Failed::from(e.display(true).to_string()))
        }
    })
}
