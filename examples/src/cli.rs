//! Value parsers that the binaries' command lines share: their `clap`
//! derives name these functions in `value_parser`, and `clap` puts the
//! message of an `Err` after the value and the flag it was given to.

/// A count (`--workers N`, `--connections C`, …): a whole number above 0.
///
/// ```
/// use taskcell_examples::cli::count;
///
/// assert_eq!(count("4"), Ok(4));
/// assert!(count("0").is_err());
/// assert!(count("2.5").is_err());
/// ```
///
/// # Errors
///
/// A message, if `value` is not a whole number above 0.
pub fn count(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a whole number above 0".to_owned()),
    }
}

/// A port on 127.0.0.1, 0–65535 (0: any free port).
///
/// ```
/// use taskcell_examples::cli::port;
///
/// assert_eq!(port("8080"), Ok(8080));
/// assert_eq!(port("0"), Ok(0));
/// assert!(port("99999").is_err());
/// assert!(port("http").is_err());
/// ```
///
/// # Errors
///
/// A message, if `value` is not a whole number from 0 to 65535.
pub fn port(value: &str) -> Result<u16, String> {
    value
        .parse::<u16>()
        .map_err(|_| "the port must be 0–65535".to_owned())
}
