//! The showdown end to end, as a smoke run: `--quick --workers 2` with the
//! `http` and `timers` groups writes JSON of the documented shape, with
//! every figure a positive number. No figure is checked against another:
//! the numbers belong in benchmarks, not in tests.

use std::process::Command;

#[test]
fn quick_http_and_timers_write_json_with_the_worker_count() {
    let path = std::env::temp_dir().join(format!("showdown-smoke-{}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_showdown"))
        .args([
            "--quick",
            "--workers",
            "2",
            "--only",
            "http",
            "--only",
            "timers",
        ])
        .arg("--json")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("2 workers per runtime"), "{stderr}");

    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["machine"]["workers"], 2, "{text}");
    assert!(doc["machine"]["cpus"].as_u64().unwrap() >= 1, "{text}");

    let results = doc["results"].as_array().unwrap();
    let in_group = |group: &str| results.iter().filter(|r| r["group"] == group).count();
    // Per route (`/hello`, 1 MiB): time per request, p50, p99.
    assert_eq!(in_group("http"), 6, "{text}");
    // Sleeps set and fired; timeouts set and cancelled.
    assert_eq!(in_group("timers"), 2, "{text}");
    assert_eq!(results.len(), 8, "{text}");
    for result in results {
        assert_eq!(result["workers"], 2, "{result}");
        assert_eq!(result["ours"], "taskcell-executor", "{result}");
        for key in ["ours_ns", "theirs_ns", "ratio"] {
            let value = result[key].as_f64().unwrap_or(f64::NAN);
            assert!(value > 0.0 && value.is_finite(), "{key}: {result}");
        }
        assert!(result["workload"].as_str().is_some_and(|w| !w.is_empty()));
    }
}

#[test]
fn a_bad_worker_count_is_named_and_fails() {
    for (args, error) in [
        (
            &["--workers", "0"][..],
            "error: invalid value '0' for '--workers <N>': the worker count must be a whole number above 0",
        ),
        (
            &["--workers", "abc"],
            "error: invalid value 'abc' for '--workers <N>': the worker count must be a whole number above 0",
        ),
        (
            &["--workers"],
            "error: a value is required for '--workers <N>' but none was supplied",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_showdown"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(error), "{args:?}: {stderr}");
        assert!(stderr.contains("'--help'"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
