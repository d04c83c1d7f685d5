//! The example binaries' command lines, as a user meets them: clap's
//! conventions (`--help` and `--version` print to stdout and succeed; a bad
//! argument is named on stderr with the usage, and exits with 2), and a URL
//! the client cannot fetch is named once in the error.

use std::process::{Command, Output};

fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary).args(args).output().unwrap()
}

/// The binaries whose command lines clap parses, and their names.
const BINARIES: [(&str, &str); 5] = [
    (env!("CARGO_BIN_EXE_showdown"), "showdown"),
    (env!("CARGO_BIN_EXE_hyper_server"), "hyper_server"),
    (env!("CARGO_BIN_EXE_http_load"), "http_load"),
    (env!("CARGO_BIN_EXE_hyper_client"), "hyper_client"),
    (env!("CARGO_BIN_EXE_axum_server"), "axum_server"),
];

#[test]
fn help_prints_the_usage_and_succeeds() {
    for (binary, name) in BINARIES {
        for flag in ["--help", "-h"] {
            let out = run(binary, &[flag]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}: {stdout}");
            assert!(
                stdout.contains(&format!("\nUsage: {name} ")),
                "{name} {flag}: {stdout}"
            );
            assert!(stdout.contains("\nOptions:\n"), "{name} {flag}: {stdout}");
            assert!(out.stderr.is_empty(), "{name} {flag}");
        }
    }
}

#[test]
fn version_prints_the_name_and_version_and_succeeds() {
    for (binary, name) in BINARIES {
        let out = run(binary, &["--version"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {stdout}");
        assert_eq!(
            stdout,
            format!("{name} {}\n", env!("CARGO_PKG_VERSION")),
            "{name}"
        );
        assert!(out.stderr.is_empty(), "{name}");
    }
}

#[test]
fn a_bad_argument_prints_the_usage_and_fails() {
    for (binary, name) in BINARIES {
        let out = run(binary, &["--fast"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.starts_with("error: unexpected argument '--fast'"),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("\nUsage: {name} ")),
            "{name}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{name}");
    }
}

#[test]
fn the_client_names_an_https_url_once() {
    let url = "https://127.0.0.1:1/x";
    let out = run(env!("CARGO_BIN_EXE_hyper_client"), &[url]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!("{url}: only plain http:// URLs are supported (no TLS)")
    );
}
