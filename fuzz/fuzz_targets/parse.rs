//! Any input either parses or yields a diagnostic whose span lies inside the text; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(diagnostic) = panoptes_kql::parse(text) {
            assert!(diagnostic.span.start <= text.len());
            let _ = diagnostic.render(text);
        }
    }
});
