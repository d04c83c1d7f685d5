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

/// The tables a crate's code sees its dependencies in, by the kind of
/// crate: a build script sees its build-dependencies; anything else its
/// dependencies, and, if it is a test, example or bench, its
/// dev-dependencies too. Each at the manifest's root or under a target.
const NORMAL: [&str; 1] = ["dependencies"];
const DEV: [&str; 2] = ["dev-dependencies", "dev_dependencies"];
const BUILD: [&str; 2] = ["build-dependencies", "build_dependencies"];

/// The name, as a Rust identifier, under which the crate being compiled
/// depends on `taskcell-executor`, when it is renamed; `None` when it is
/// not (or cannot be found, or the crate is the runtime itself).
pub(crate) fn renamed_runtime() -> Option<String> {
    let path = match std::env::var_os("CARGO_MANIFEST_PATH") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?).join("Cargo.toml"),
    };
    let manifest = read(&path)?;
    let build_script =
        std::env::var("CARGO_CRATE_NAME").is_ok_and(|name| name.starts_with("build_script_"));
    let dir = path.parent()?;
    renamed_in(&manifest, build_script, || workspace_root(dir, &manifest))
}

/// [`renamed_runtime`] over a parsed manifest, for a build script or not;
/// `workspace` gives the workspace root's manifest, asked for only when an
/// entry inherits from it (`tokio = { workspace = true }`, whose `package`
/// is set there).
///
/// The dependencies rank first: a library or binary sees only them, and
/// its tests see them too, so a name found there resolves everywhere but
/// in a build script. The dev-dependencies are looked at only when the
/// dependencies name no runtime. Within a rank, the runtime's own name wins
/// over a rename.
fn renamed_in(
    manifest: &Table,
    build_script: bool,
    workspace: impl FnOnce() -> Option<Table>,
) -> Option<String> {
    let package_name = manifest
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(Value::as_str);
    if package_name == Some(RUNTIME) {
        // Its own tests and doc tests see it as `taskcell_executor`.
        return None;
    }
    let mut workspace = Some(workspace);
    let mut root: Option<Option<Table>> = None;
    let ranks: &[&[&str]] = if build_script {
        &[&BUILD]
    } else {
        &[&NORMAL, &DEV]
    };
    for names in ranks {
        let targets = manifest
            .get("target")
            .and_then(Value::as_table)
            .into_iter()
            .flat_map(|targets| targets.values().filter_map(Value::as_table));
        let entries = std::iter::once(manifest)
            .chain(targets)
            .flat_map(|table| names.iter().filter_map(|name| table.get(*name)))
            .filter_map(Value::as_table)
            .flat_map(|deps| deps.iter());
        let mut renamed = None;
        for (key, entry) in entries {
            let package = match entry.get("package").and_then(Value::as_str) {
                Some(package) => package.to_owned(),
                None if entry.get("workspace").and_then(Value::as_bool) == Some(true) => {
                    let root = root.get_or_insert_with(|| workspace.take().and_then(|f| f()));
                    // With no root found, the key is taken as the package.
                    root.as_ref()
                        .and_then(|root| root.get("workspace"))
                        .and_then(|w| w.get("dependencies"))
                        .and_then(|deps| deps.get(key.as_str()))
                        .and_then(|dep| dep.get("package"))
                        .and_then(Value::as_str)
                        .unwrap_or(key)
                        .to_owned()
                }
                None => key.clone(),
            };
            if package != RUNTIME {
                continue;
            }
            if key == RUNTIME {
                // Under its own name: `::taskcell_executor` resolves.
                return None;
            }
            renamed.get_or_insert_with(|| key.replace('-', "_"));
        }
        if renamed.is_some() {
            return renamed;
        }
    }
    None
}

/// The manifest of the workspace `dir` belongs to: the one its
/// `package.workspace` names, or else the nearest manifest, from `dir` up,
/// with a `[workspace]` table.
fn workspace_root(dir: &Path, manifest: &Table) -> Option<Table> {
    if manifest.contains_key("workspace") {
        return Some(manifest.clone());
    }
    // `package.workspace` names the root when it is not an ancestor.
    if let Some(root) = manifest
        .get("package")
        .and_then(|package| package.get("workspace"))
        .and_then(Value::as_str)
    {
        return read(&dir.join(root).join("Cargo.toml"));
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
        renamed_in(&manifest, false, || workspace.map(|w| w.parse().unwrap()))
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
    fn the_dependencies_rank_before_the_dev_dependencies() {
        // The library sees only `tokio`; its tests see both.
        let manifest = r#"
            [dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
            [dev-dependencies]
            taskcell-executor = { path = "x", features = ["test-util"] }
        "#;
        assert_eq!(renamed(manifest, None).as_deref(), Some("tokio"));
        let targeted = r#"
            [target.'cfg(unix)'.dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
            [dev-dependencies]
            rt = { package = "taskcell-executor", path = "x" }
        "#;
        assert_eq!(renamed(targeted, None).as_deref(), Some("tokio"));
        let dev_only = r#"
            [dependencies]
            serde = "1"
            [dev-dependencies]
            rt = { package = "taskcell-executor", path = "x" }
        "#;
        assert_eq!(renamed(dev_only, None).as_deref(), Some("rt"));
    }

    #[test]
    fn within_a_rank_the_own_name_wins() {
        let manifest = r#"
            [dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
            taskcell-executor = { path = "x" }
        "#;
        assert_eq!(renamed(manifest, None), None);
    }

    #[test]
    fn a_build_script_looks_in_its_build_dependencies_only() {
        let manifest: Table = r#"
            [dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
            [build-dependencies]
            rt = { package = "taskcell-executor", path = "x" }
        "#
        .parse()
        .unwrap();
        assert_eq!(renamed_in(&manifest, true, || None).as_deref(), Some("rt"));
        assert_eq!(
            renamed_in(&manifest, false, || None).as_deref(),
            Some("tokio")
        );
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
        let own_name_inherited = r#"
            [dependencies]
            taskcell-executor = { workspace = true }
            [dev-dependencies]
            tokio = { package = "taskcell-executor", path = "x" }
        "#;
        assert_eq!(
            renamed(own_name_inherited, None),
            None,
            "with no root found, an inherited key is the package's own name"
        );
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
