//! The example binaries' command lines, as a user meets them: `--help`
//! prints the usage and succeeds, and a URL the client cannot fetch is
//! named once in the error.

use std::process::{Command, Output};

fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary).args(args).output().unwrap()
}

#[test]
fn help_prints_the_usage_and_succeeds() {
    for (binary, name) in [
        (env!("CARGO_BIN_EXE_showdown"), "showdown"),
        (env!("CARGO_BIN_EXE_hyper_server"), "hyper_server"),
        (env!("CARGO_BIN_EXE_hyper_client"), "hyper_client"),
    ] {
        for flag in ["--help", "-h"] {
            let out = run(binary, &[flag]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}: {stdout}");
            assert!(
                stdout.starts_with(&format!("usage: {name} ")),
                "{name} {flag}: {stdout}"
            );
            assert!(out.stderr.is_empty(), "{name} {flag}");
        }
    }
}

#[test]
fn a_bad_argument_prints_the_usage_and_fails() {
    for (binary, name) in [
        (env!("CARGO_BIN_EXE_showdown"), "showdown"),
        (env!("CARGO_BIN_EXE_hyper_client"), "hyper_client"),
    ] {
        let out = run(binary, &["--fast"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("unknown argument `--fast`"),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("usage: {name} ")),
            "{name}: {stderr}"
        );
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
