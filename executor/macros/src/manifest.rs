//! The name the crate being compiled gives `taskcell-executor`, read from
//! its `Cargo.toml`, so that the code the attributes write names the
//! runtime by the path that resolves there: a port that keeps its tokio
//! spelling with `tokio = { package = "taskcell-executor", .. }` gets
//! `::tokio::..`, with no `crate = "tokio"` argument.
//!
//! A proc macro has no `$crate`. `CARGO_MANIFEST_DIR` names the manifest
//! of the crate whose code is being expanded (cargo sets it for every
//! crate it builds), and its dependency tables say what the runtime is
//! called there. Anything unexpected (no such variable, an unreadable or
//! malformed manifest, no entry for the runtime) gives `None`, and the
//! attributes write `::taskcell_executor`, as before.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

/// The package the attributes' code calls into.
const RUNTIME: &str = "taskcell-executor";

/// The dependency tables of a manifest, at its root or under a target.
const TABLES: [&str; 5] = [
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
];

/// The name, as a Rust identifier, under which the crate being compiled
/// depends on `taskcell-executor`, when it is renamed; `None` when it is
/// not (or cannot be found, or the crate is the runtime itself).
pub(crate) fn renamed_runtime() -> Option<String> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let manifest = read(&dir.join("Cargo.toml"))?;
    renamed_in(&manifest, || workspace_root(&dir, &manifest))
}

/// [`renamed_runtime`] over a parsed manifest; `workspace` gives the
/// workspace root's manifest, asked for only when an entry inherits from it
/// (`tokio = { workspace = true }`, whose `package` is set there).
fn renamed_in(manifest: &Table, workspace: impl FnOnce() -> Option<Table>) -> Option<String> {
    let package_name = manifest
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(Value::as_str);
    if package_name == Some(RUNTIME) {
        // Its own tests and doc tests see it as `taskcell_executor`.
        return None;
    }
    let targets = manifest
        .get("target")
        .and_then(Value::as_table)
        .into_iter()
        .flat_map(|targets| targets.values().filter_map(Value::as_table));
    let entries = std::iter::once(manifest)
        .chain(targets)
        .flat_map(|table| TABLES.iter().filter_map(|name| table.get(*name)))
        .filter_map(Value::as_table)
        .flat_map(|deps| deps.iter());
    let mut workspace = Some(workspace);
    let mut inherited: Option<Option<Table>> = None;
    let mut renamed = None;
    for (key, entry) in entries {
        let package = match entry.get("package").and_then(Value::as_str) {
            Some(package) => Some(package.to_owned()),
            None if entry.get("workspace").and_then(Value::as_bool) == Some(true) => {
                let root = inherited.get_or_insert_with(|| workspace.take().and_then(|f| f()));
                root.as_ref().map(|root| {
                    root.get("workspace")
                        .and_then(|w| w.get("dependencies"))
                        .and_then(|deps| deps.get(key.as_str()))
                        .and_then(|dep| dep.get("package"))
                        .and_then(Value::as_str)
                        .unwrap_or(key)
                        .to_owned()
                })
            }
            None => Some(key.clone()),
        };
        if package.as_deref() != Some(RUNTIME) {
            continue;
        }
        if key == RUNTIME {
            // Under its own name as well: `::taskcell_executor` resolves.
            return None;
        }
        renamed.get_or_insert_with(|| key.replace('-', "_"));
    }
    renamed
}

/// The manifest of the workspace `dir` belongs to: the nearest manifest,
/// from `dir` up, with a `[workspace]` table.
fn workspace_root(dir: &Path, manifest: &Table) -> Option<Table> {
    if manifest.contains_key("workspace") {
        return Some(manifest.clone());
    }
    dir.ancestors().skip(1).find_map(|dir| {
        let manifest = read(&dir.join("Cargo.toml"))?;
        manifest.contains_key("workspace").then_some(manifest)
    })
}

fn read(path: &Path) -> Option<Table> {
    std::fs::read_to_string(path).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed(manifest: &str, workspace: Option<&str>) -> Option<String> {
        let manifest: Table = manifest.parse().unwrap();
        renamed_in(&manifest, || workspace.map(|w| w.parse().unwrap()))
    }

    #[test]
    fn a_dependency_under_its_own_name_is_not_renamed() {
        let manifest = r#"
            [package]
            name = "app"
            [dependencies]
            taskcell-executor = { path = "../executor" }
        "#;
        assert_eq!(renamed(manifest, None), None);
    }

    #[test]
    fn a_renamed_dependency_gives_its_key_as_an_identifier() {
        let manifest = r#"
            [package]
            name = "app"
            [dependencies]
            serde = "1"
            tokio = { package = "taskcell-executor", version = "0.1", features = ["full"] }
        "#;
        assert_eq!(renamed(manifest, None).as_deref(), Some("tokio"));
        let dashed = r#"
            [dev-dependencies.my-rt]
            package = "taskcell-executor"
            path = "x"
        "#;
        assert_eq!(renamed(dashed, None).as_deref(), Some("my_rt"));
    }

    #[test]
    fn target_tables_and_dev_dependencies_are_searched() {
        let manifest = r#"
            [package]
            name = "app"
            [target.'cfg(unix)'.dev-dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
        "#;
        assert_eq!(renamed(manifest, None).as_deref(), Some("tokio"));
    }

    #[test]
    fn the_own_name_wins_over_a_rename() {
        let manifest = r#"
            [dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
            [dev-dependencies]
            taskcell-executor = { path = "x" }
        "#;
        assert_eq!(renamed(manifest, None), None);
    }

    #[test]
    fn an_inherited_entry_takes_its_package_from_the_workspace() {
        let manifest = r#"
            [package]
            name = "app"
            [dependencies]
            tokio = { workspace = true, features = ["full"] }
        "#;
        let renaming = r#"
            [workspace]
            members = ["app"]
            [workspace.dependencies]
            tokio = { package = "taskcell-executor", path = "executor" }
        "#;
        assert_eq!(renamed(manifest, Some(renaming)).as_deref(), Some("tokio"));
        let real_tokio = r#"
            [workspace]
            [workspace.dependencies]
            tokio = "1"
        "#;
        assert_eq!(renamed(manifest, Some(real_tokio)), None);
        assert_eq!(renamed(manifest, None), None, "no workspace found");
    }

    #[test]
    fn the_runtime_itself_and_other_packages_give_none() {
        let runtime = r#"
            [package]
            name = "taskcell-executor"
            [dev-dependencies]
            tokio = "1"
        "#;
        assert_eq!(renamed(runtime, None), None);
        let unrelated = r#"
            [package]
            name = "app"
            [dependencies]
            tokio = { version = "1", features = ["full"] }
        "#;
        assert_eq!(renamed(unrelated, None), None);
    }
}
