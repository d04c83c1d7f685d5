//! The size hints a cell records at the end of each poll of its stream or
//! body, so that `&self` hint methods have an answer when the owner check
//! refuses them.
//!
//! A record is only ever *written* through `&mut TaskCell` (the
//! `Pin<&mut Self>` of a poll) or by the constructors `new_body` and
//! `new_stream`, when no `&self` reader can exist, so it is plain data: no
//! atomic, no lock, never a torn pair. Whether it still describes the value
//! is a bit of the cell's owner word (`RECORDED`, see `cell.rs`): a poll's
//! end or the constructor sets it, and every access that may change the
//! value clears it — `get_mut`, a poll (before it calls the inner one, so a
//! poll that unwinds leaves no record behind), and the first `&self` access
//! by the owner after the record, which the bit sends off the fast path
//! once. A reader that finds the
//! bit clear answers "unknown", which is always true; so a recorded size
//! never outlives the state it describes, and cannot become a wrong
//! `content-length`. The accesses' fast path pays nothing for it. Sixteen
//! bytes: a kind tag and the end-of-stream flag share the word of the lower
//! bound.

/// The last hints a poll recorded; `Recorded::NONE` before the first poll
/// and after any access that may have changed the value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// Bits 0–60: the lower bound, saturated at [`LOWER_MAX`]. Bit 61: end
    /// of stream (bodies only). Bits 62–63: the kind, [`NONE`], [`STREAM`] or
    /// [`BODY`].
    word: u64,
    /// The upper bound; `u64::MAX` means none.
    upper: u64,
}

const KIND_SHIFT: u32 = 62;
const NONE: u64 = 0;
#[cfg(feature = "stream")]
const STREAM: u64 = 1;
#[cfg(feature = "http-body")]
const BODY: u64 = 2;
const END: u64 = 1 << 61;
/// Larger lower bounds are recorded as this: a smaller lower bound is still
/// a true one.
const LOWER_MAX: u64 = END - 1;
const NO_UPPER: u64 = u64::MAX;

impl Recorded {
    pub(crate) const NONE: Recorded = Recorded {
        word: NONE << KIND_SHIFT,
        upper: NO_UPPER,
    };

    /// Widening only: the lower bound may shrink (beyond 2^61) and the upper
    /// bound may be dropped (`u64::MAX`), so what is read back is always a
    /// true bound of what was recorded.
    fn new(kind: u64, end: bool, lower: u64, upper: Option<u64>) -> Recorded {
        Recorded {
            word: kind << KIND_SHIFT | if end { END } else { 0 } | lower.min(LOWER_MAX),
            upper: upper.unwrap_or(NO_UPPER),
        }
    }

    fn kind(self) -> u64 {
        self.word >> KIND_SHIFT
    }

    fn lower(self) -> u64 {
        self.word & LOWER_MAX
    }

    fn upper(self) -> Option<u64> {
        (self.upper != NO_UPPER).then_some(self.upper)
    }

    #[cfg(feature = "stream")]
    pub(crate) fn stream((lower, upper): (usize, Option<usize>)) -> Recorded {
        // `usize` → `u64` is lossless on every platform Rust supports.
        Recorded::new(STREAM, false, lower as u64, upper.map(|u| u as u64))
    }

    /// The recorded `Stream::size_hint`, or `(0, None)` if the last poll was
    /// not a stream poll.
    #[cfg(feature = "stream")]
    pub(crate) fn stream_hint(self) -> (usize, Option<usize>) {
        if self.kind() != STREAM {
            return (0, None);
        }
        let lower = usize::try_from(self.lower()).unwrap_or(usize::MAX);
        (lower, self.upper().and_then(|u| usize::try_from(u).ok()))
    }

    #[cfg(feature = "http-body")]
    pub(crate) fn body(end: bool, hint: &http_body::SizeHint) -> Recorded {
        Recorded::new(BODY, end, hint.lower(), hint.upper())
    }

    /// The recorded `Body::is_end_stream`, or `false` (always a true answer)
    /// if the last poll was not a body poll.
    #[cfg(feature = "http-body")]
    pub(crate) fn body_end(self) -> bool {
        self.kind() == BODY && self.word & END != 0
    }

    /// The recorded `Body::size_hint`, or the unknown hint if the last poll
    /// was not a body poll.
    #[cfg(feature = "http-body")]
    pub(crate) fn body_hint(self) -> http_body::SizeHint {
        let mut hint = http_body::SizeHint::new();
        if self.kind() == BODY {
            // Recorded from a valid `SizeHint`, so `lower ≤ upper` (the lower
            // bound can only have shrunk): `set_upper` cannot panic.
            hint.set_lower(self.lower());
            if let Some(upper) = self.upper() {
                hint.set_upper(upper);
            }
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_recorded_answers_unknown() {
        assert_eq!(Recorded::NONE.kind(), NONE);
        #[cfg(feature = "stream")]
        assert_eq!(Recorded::NONE.stream_hint(), (0, None));
        #[cfg(feature = "http-body")]
        {
            assert!(!Recorded::NONE.body_end());
            let hint = Recorded::NONE.body_hint();
            assert_eq!((hint.lower(), hint.upper()), (0, None));
        }
    }

    #[cfg(feature = "stream")]
    #[test]
    fn stream_hints_round_trip() {
        for hint in [
            (0, None),
            (3, Some(3)),
            (2, Some(9)),
            (0, Some(usize::MAX - 1)),
        ] {
            assert_eq!(Recorded::stream(hint).stream_hint(), hint);
        }
        // Beyond 2^61 the lower bound shrinks, which keeps it true.
        assert_eq!(
            Recorded::stream((usize::MAX, None)).stream_hint(),
            (usize::try_from(LOWER_MAX).unwrap_or(usize::MAX), None)
        );
        // An upper bound of `usize::MAX` says nothing; it reads back as none.
        assert_eq!(
            Recorded::stream((1, Some(usize::MAX))).stream_hint(),
            (1, None)
        );
    }

    #[cfg(feature = "http-body")]
    #[test]
    fn body_hints_round_trip_and_only_widen() {
        let read = |end, hint: http_body::SizeHint| {
            let recorded = Recorded::body(end, &hint);
            let back = recorded.body_hint();
            (recorded.body_end(), back.lower(), back.upper())
        };
        assert_eq!(
            read(false, http_body::SizeHint::with_exact(42)),
            (false, 42, Some(42))
        );
        assert_eq!(
            read(true, http_body::SizeHint::with_exact(0)),
            (true, 0, Some(0))
        );
        let mut range = http_body::SizeHint::new();
        range.set_lower(5);
        range.set_upper(1 << 40);
        assert_eq!(read(false, range), (false, 5, Some(1 << 40)));
        // Beyond 2^61 the lower bound shrinks, which keeps it true.
        let huge = http_body::SizeHint::with_exact(u64::MAX - 1);
        assert_eq!(read(false, huge), (false, LOWER_MAX, Some(u64::MAX - 1)));
        // One kind's record is never read as the other's.
        #[cfg(feature = "stream")]
        {
            let body = Recorded::body(true, &http_body::SizeHint::with_exact(7));
            assert_eq!(body.stream_hint(), (0, None));
            let stream = Recorded::stream((7, Some(7)));
            assert!(!stream.body_end());
            assert_eq!(stream.body_hint().upper(), None);
        }
    }
}
