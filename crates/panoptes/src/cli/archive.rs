//! Telemetry as analysts download it: `.zip` and `.tar.gz` archives of JSON files (the OTRF
//! datasets ship so). Each member file is read whole and ingested like a file of its own.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// Is `file` an archive `members` reads?
pub(crate) fn is_archive(file: &Path) -> bool {
    let name = file.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".zip") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The archive's regular files as (name, text), in archive order. A `.tar.gz` whose gzip
/// stream is cut short after its last member (some published datasets are) keeps the members
/// read before the damage, with a warning.
pub(crate) fn members(file: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let open = || std::fs::File::open(file).with_context(|| format!("opening {}", file.display()));
    let mut out = Vec::new();
    if file.to_string_lossy().to_ascii_lowercase().ends_with(".zip") {
        let mut archive = zip::ZipArchive::new(open()?)
            .with_context(|| format!("{} is not a readable .zip archive", file.display()))?;
        for index in 0..archive.len() {
            let mut member = archive.by_index(index).with_context(|| format!("{} member {index}", file.display()))?;
            if !member.is_file() {
                continue;
            }
            let name = member.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("member {index}"));
            let mut text = String::new();
            member
                .read_to_string(&mut text)
                .with_context(|| format!("{} member {name}: not UTF-8 text", file.display()))?;
            out.push((name, text));
        }
        return Ok(out);
    }
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(open()?));
    let entries = archive.entries().with_context(|| format!("{} is not a readable .tar.gz archive", file.display()))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) if !out.is_empty() => {
                eprintln!(
                    "{}: the archive is damaged after its last complete member ({e}); kept what was read",
                    file.display()
                );
                break;
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .with_context(|| format!("{} member {name}: not complete UTF-8 text", file.display()))?;
        out.push((name, text));
    }
    Ok(out)
}
