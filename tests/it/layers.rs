//! The library's layers, lowest first (ARCHITECTURE.md, "Layers"): a
//! module may use its own layer and the layers below it, never one above.
//! This test reads `src/` and fails when a `crate::` path crosses upward,
//! naming the file, the line and the two layers.
// See: issue 21

use std::path::{Path, PathBuf};

/// Each layer and its top-level modules (`src/<name>.rs` or `src/<name>/`).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "identifiers, reports and settings",
        &[
            "ident",
            "report",
            "allowlist",
            "teams",
            "config",
            "auth",
            "access",
            "workers",
        ],
    ),
    ("extraction and linking", &["extract", "cluster", "suggest"]),
    ("store and index", &["store", "index", "private"]),
    (
        "engine (use cases)",
        &["engine", "saved", "datadir", "reader", "backup", "export"],
    ),
    ("web", &["server", "api", "ui", "client"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

/// The library's source files (not `main.rs` and `cli/`, the binary's).
fn library_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "cli" {
                library_files(&path, out);
            }
        } else if name.ends_with(".rs") && name != "main.rs" {
            out.push(path);
        }
    }
}

/// The top-level modules a line of code names through `crate::`, with
/// its comment cut off.
fn modules_named(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut named = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let path = rest.strip_prefix("r#").unwrap_or(rest);
        if let Some(group) = path.strip_prefix('{') {
            // `use crate::{a::X, b, c::{..}}`: the names at the group's top level.
            let mut depth = 0;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !word.is_empty() {
                            named.push(std::mem::take(&mut word));
                        }
                        at_start = true;
                    }
                    c if at_start && (c.is_ascii_alphanumeric() || c == '_') => word.push(c),
                    _ if at_start && !word.is_empty() => {
                        named.push(std::mem::take(&mut word));
                        at_start = false;
                    }
                    _ => {}
                }
            }
            if !word.is_empty() {
                named.push(word);
            }
        } else {
            let end = path
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(path.len());
            named.push(path[..end].to_owned());
        }
    }
    named
}

#[test]
fn no_library_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    library_files(&src, &mut files);
    files.sort();
    let mut crossings = Vec::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs");
        if module == "lib" {
            continue;
        }
        let Some(own) = layer_of(module) else {
            unplaced.push(module.to_owned());
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for used in modules_named(line) {
                match layer_of(&used) {
                    Some(theirs) if theirs > own => crossings.push(format!(
                        "src/{}:{}: {module} ({}) uses {used} ({})",
                        rel.display(),
                        n + 1,
                        LAYERS[own].0,
                        LAYERS[theirs].0
                    )),
                    Some(_) => {}
                    None if used == "cli" => crossings.push(format!(
                        "src/{}:{}: the library uses the binary's command line",
                        rel.display(),
                        n + 1
                    )),
                    None => {}
                }
            }
        }
    }
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules with no layer (add them to LAYERS and ARCHITECTURE.md): {unplaced:?}"
    );
    assert!(
        crossings.is_empty(),
        "upward uses:\n{}",
        crossings.join("\n")
    );
}

#[test]
fn the_layer_reader_sees_grouped_and_plain_paths_and_skips_comments() {
    assert_eq!(
        modules_named("use crate::{engine::Engine, store, ui::{a, b}};"),
        ["engine", "store", "ui"]
    );
    assert_eq!(
        modules_named("let x = crate::r#gen::run(crate::index::MAX); // crate::ui"),
        ["gen", "index"]
    );
    assert!(modules_named("/// see `crate::engine`").is_empty());
}
