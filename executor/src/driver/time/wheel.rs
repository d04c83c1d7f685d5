//! Hierarchical timing wheel used by the time driver to track pending timers.
//!
//! # Time
//!
//! The wheel measures time in ticks of one millisecond, counted from the
//! start of the driver. It has no clock of its own: the driver converts
//! instants to ticks and calls [`Wheel::advance`] with the current tick.
//! [`Wheel::elapsed`] is the tick the wheel has been advanced to so far.
//!
//! # Storage
//!
//! Entries live in a slab owned by the wheel (`Vec<Slot<T>>` plus a free
//! list). A [`Key`] is the index of an entry in that slab; the space of a
//! removed entry is reused by a later insertion, so the slab only grows to
//! the largest number of entries stored at once. Every list the wheel keeps
//! is an intrusive doubly-linked list threaded through the slab by index
//! (`prev` / `next` fields of type `u32`, with [`NIL`] as the end marker), so
//! linking and unlinking an entry is O(1) and never allocates.
//!
//! # Levels and slots
//!
//! The wheel has six levels of 64 slots each. A slot of level `L` covers
//! `64^L` ticks and the whole level covers `64^(L + 1)` ticks, so level 0
//! has one-tick slots and level 5 spans `64^6 = 2^36` ticks (about 2.2
//! years). A pending entry is stored at the level of the highest 6-bit group
//! in which its deadline differs from `elapsed`, in the slot given by the
//! deadline's bits in that group. An entry on level `L < 5` therefore shares
//! its `64^(L + 1)`-tick block with `elapsed` and sits in a slot strictly
//! after the current one, and an entry on level 0 sits in a slot holding
//! only entries with that exact deadline.
//!
//! Each level keeps a `u64` bitmask of its non-empty slots. The next slot to
//! process on a level is found by rotating the mask so that the slot after
//! the current position comes first and taking `trailing_zeros`. Its
//! processing tick is the first tick after `elapsed` that starts that slot;
//! that tick is never later than the deadline of any entry in the slot.
//!
//! # Advancing
//!
//! [`Wheel::advance`] repeatedly takes the slot with the earliest processing
//! tick that is not after `now`, moves `elapsed` to that tick and empties the
//! slot: entries whose deadline has been reached fire, the others are linked
//! again relative to the new `elapsed`, which places them on a finer level
//! ("cascading"). Since every slot is processed no later than the deadlines
//! it holds and slots are processed in tick order, entries fire in
//! non-decreasing deadline order, never before their deadline, and all
//! entries due by `now` fire within the call. The cost of a call is
//! proportional to the number of non-empty slots passed, not to the number
//! of ticks.
//!
//! Entries inserted (or reset) with a deadline that is not after `elapsed`
//! are kept in a separate *due* list sorted by deadline; the next call to
//! `advance` fires them first, before anything stored on the levels.
//!
//! # Far deadlines
//!
//! Deadlines `2^36` or more ticks past `elapsed` cannot be represented
//! exactly; they are stored on the top level in the slot given by their bits
//! 30..36, which makes the top level a ring that the wheel goes round again
//! and again. When such a slot comes up before the deadline, the entry is
//! simply linked again (usually into the same top-level slot, one rotation
//! later), so it never fires early. Going round the ring costs one step per
//! rotation; when a single `advance` call would have to go round it at least
//! once without firing anything, the wheel instead re-links every pending
//! entry relative to the last tick before the earliest pending deadline (or
//! `now`, if earlier), so that advancing to a tick as large as `u64::MAX`
//! stays cheap.
//!
//! The design follows tokio's timing wheel
//! (`runtime/time/wheel/{mod,level}.rs`): the same six levels of 64 slots,
//! the same level selection and occupancy bitmasks. It differs in keeping
//! the entries in its own slab addressed by `u32` keys instead of in
//! externally owned nodes, and in keeping already-due entries in the wheel.

use std::fmt;

/// Number of levels in the wheel.
const NUM_LEVELS: usize = 6;

/// Base-2 logarithm of the number of slots per level.
const SLOT_BITS: u32 = 6;

/// Number of slots per level.
const SLOTS: usize = 1 << SLOT_BITS;

/// Mask selecting a slot index from a tick shifted right by a level's shift.
const SLOT_MASK: u64 = SLOTS as u64 - 1;

/// Index of the top (coarsest) level.
const TOP: usize = NUM_LEVELS - 1;

/// Number of ticks one rotation of the top level spans: `64^6 = 2^36`.
const TOP_RANGE: u64 = level_range(TOP);

/// Link value meaning "no entry", used as the end marker of every list and
/// of the free list.
const NIL: u32 = u32::MAX;

/// Number of low bits of a tick that lie inside one slot of `level`.
const fn slot_shift(level: usize) -> u32 {
    SLOT_BITS * level as u32
}

/// Number of ticks one rotation of `level` spans: `64^(level + 1)`.
const fn level_range(level: usize) -> u64 {
    1 << slot_shift(level + 1)
}

/// The level and slot at which an entry with `deadline` is stored while the
/// wheel is at `elapsed`. Requires `deadline > elapsed`.
///
/// The level is the one of the highest 6-bit group in which `deadline`
/// differs from `elapsed`, clamped to the top level for deadlines that lie
/// beyond the range of the wheel.
fn position(elapsed: u64, deadline: u64) -> (usize, usize) {
    debug_assert!(deadline > elapsed);
    let masked = (elapsed ^ deadline) | SLOT_MASK;
    let significant = u64::BITS - 1 - masked.leading_zeros();
    let level = ((significant / SLOT_BITS) as usize).min(TOP);
    let slot = ((deadline >> slot_shift(level)) & SLOT_MASK) as usize;
    (level, slot)
}

/// The tick at which slot `slot` of `level` is next processed while the
/// wheel is at `elapsed`: the first tick after `elapsed` that starts that
/// slot.
///
/// Only called for non-empty slots. A non-empty slot at or before the
/// current position exists only on the top level and only holds deadlines
/// at least one rotation away, so the result never exceeds the deadlines it
/// stands for and cannot overflow.
fn slot_time(elapsed: u64, level: usize, slot: usize) -> u64 {
    let range = level_range(level);
    let start = (elapsed & !(range - 1)) + ((slot as u64) << slot_shift(level));
    if start > elapsed {
        start
    } else {
        start + range
    }
}

/// Handle to an entry of a [`Wheel`]: the entry's index in the slab.
///
/// A key stays valid until the entry is removed; after that the index may be
/// handed out again for a new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(u32);

/// Which list a pending entry is linked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListId {
    /// The list of entries whose deadline is not after `elapsed`.
    Due,
    /// A slot of a level.
    Level {
        /// The level, `0..NUM_LEVELS`.
        level: u8,
        /// The slot within the level, `0..SLOTS`.
        slot: u8,
    },
}

/// State of a stored entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for its deadline, linked into the given list.
    Pending(ListId),
    /// Its deadline was reached and it fired; it is in no list.
    Fired,
}

/// A stored entry.
struct Entry<T> {
    /// The value the caller stored.
    value: T,
    /// The tick at or after which the entry fires.
    deadline: u64,
    /// Previous entry in the list it is linked into, or [`NIL`].
    prev: u32,
    /// Next entry in the list it is linked into, or [`NIL`].
    next: u32,
    /// Whether the entry is pending (and where) or fired.
    state: State,
}

/// One element of the slab.
enum Slot<T> {
    /// Unused space, linked into the free list.
    Vacant {
        /// Next vacant slot of the free list, or [`NIL`].
        next_free: u32,
    },
    /// A stored entry.
    Occupied(Entry<T>),
}

/// Head and tail of an intrusive list threaded through the slab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct List {
    /// First entry, or [`NIL`] when the list is empty.
    head: u32,
    /// Last entry, or [`NIL`] when the list is empty.
    tail: u32,
}

impl List {
    /// The empty list.
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };
}

/// One level of the wheel: 64 slots and the bitmask of the non-empty ones.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// Bit `i` is set when slot `i` holds at least one entry.
    occupied: u64,
    /// The entries of each slot.
    lists: [List; SLOTS],
}

impl Level {
    /// A level with every slot empty.
    const EMPTY: Level = Level {
        occupied: 0,
        lists: [List::EMPTY; SLOTS],
    };
}

/// The next slot of the wheel to process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Expiration {
    /// Level of the slot.
    level: usize,
    /// Index of the slot within its level.
    slot: usize,
    /// Tick at which the slot is processed.
    tick: u64,
}

/// Hierarchical timing wheel holding values of type `T` until their
/// deadlines; see the module documentation for the design.
pub(crate) struct Wheel<T> {
    /// Storage of all entries, pending and fired.
    slab: Vec<Slot<T>>,
    /// First vacant element of `slab`, or [`NIL`].
    free_head: u32,
    /// Number of occupied elements of `slab`.
    len: usize,
    /// Tick the wheel has been advanced to.
    elapsed: u64,
    /// Pending entries whose deadline is not after `elapsed`, sorted by
    /// deadline (entries with equal deadlines in insertion order).
    due: List,
    /// The levels, finest first.
    levels: [Level; NUM_LEVELS],
}

impl<T> Wheel<T> {
    /// Creates an empty wheel at tick 0.
    pub(crate) fn new() -> Wheel<T> {
        Wheel {
            slab: Vec::new(),
            free_head: NIL,
            len: 0,
            elapsed: 0,
            due: List::EMPTY,
            levels: [Level::EMPTY; NUM_LEVELS],
        }
    }

    /// The tick the wheel has been advanced to.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Number of stored entries, pending and fired.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the wheel stores no entry at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value`, pending until `deadline`, and returns its key.
    ///
    /// A deadline `<= elapsed()` is already due: the next `advance` (with any
    /// `now`) fires it. Panics if the wheel already holds `u32::MAX` entries.
    pub(crate) fn insert(&mut self, deadline: u64, value: T) -> Key {
        let entry = Entry {
            value,
            deadline,
            prev: NIL,
            next: NIL,
            state: State::Fired,
        };
        let idx = if self.free_head != NIL {
            let idx = self.free_head;
            let slot = &mut self.slab[idx as usize];
            match slot {
                Slot::Vacant { next_free } => self.free_head = *next_free,
                Slot::Occupied(_) => unreachable!("free list links an occupied slot"),
            }
            *slot = Slot::Occupied(entry);
            idx
        } else {
            assert!(self.slab.len() < NIL as usize, "timer wheel is full");
            self.slab.push(Slot::Occupied(entry));
            (self.slab.len() - 1) as u32
        };
        self.len += 1;
        self.schedule(idx);
        Key(idx)
    }

    /// Removes the entry (pending or fired), frees its space and returns its
    /// value. Panics if `key` does not refer to a stored entry.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        if let State::Pending(_) = self.entry(key.0).state {
            self.unlink(key.0);
        }
        let vacant = Slot::Vacant {
            next_free: self.free_head,
        };
        let Slot::Occupied(entry) = std::mem::replace(&mut self.slab[key.0 as usize], vacant)
        else {
            unreachable!("entry was checked to be occupied");
        };
        self.free_head = key.0;
        self.len -= 1;
        entry.value
    }

    /// The value of the entry. Panics if `key` does not refer to a stored
    /// entry.
    pub(crate) fn get(&self, key: Key) -> &T {
        &self.entry(key.0).value
    }

    /// The value of the entry, mutably. Panics if `key` does not refer to a
    /// stored entry.
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        &mut self.entry_mut(key.0).value
    }

    /// The deadline the entry was last armed with. Panics if `key` does not
    /// refer to a stored entry.
    pub(crate) fn deadline(&self, key: Key) -> u64 {
        self.entry(key.0).deadline
    }

    /// Whether the entry has fired (and was not re-armed since). Panics if
    /// `key` does not refer to a stored entry.
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        self.entry(key.0).state == State::Fired
    }

    /// Re-arms the entry at a new deadline, keeping its key: unlinks it if it
    /// is pending, clears its fired state and links it again. A deadline
    /// `<= elapsed()` is due at the next `advance`. Panics if `key` does not
    /// refer to a stored entry.
    pub(crate) fn reset(&mut self, key: Key, deadline: u64) {
        if let State::Pending(_) = self.entry(key.0).state {
            self.unlink(key.0);
        }
        self.entry_mut(key.0).deadline = deadline;
        self.schedule(key.0);
    }

    /// The earliest tick at which [`advance`](Wheel::advance) may fire or
    /// cascade something, or `None` when nothing is pending.
    ///
    /// The result is never later than the earliest pending deadline. It may
    /// be earlier when that entry sits on a coarse level: advancing to it
    /// then only moves entries to finer levels. It is `<= elapsed()` when an
    /// entry is already due and `> elapsed()` otherwise.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if self.due.head != NIL {
            return Some(self.entry(self.due.head).deadline);
        }
        self.next_expiration().map(|expiration| expiration.tick)
    }

    /// Moves `elapsed()` to `max(elapsed(), now)` and fires every pending
    /// entry whose deadline is `<= now` (or `<= elapsed()`).
    ///
    /// Each fired entry becomes fired and `fire` is called once with its key
    /// and value, in non-decreasing deadline order. Entries with a later
    /// deadline stay pending; those in slots the wheel passes are moved to
    /// finer levels. No entry fires before its deadline.
    pub(crate) fn advance(&mut self, now: u64, mut fire: impl FnMut(Key, &mut T)) {
        while self.due.head != NIL {
            let idx = self.due.head;
            self.unlink(idx);
            self.fire_entry(idx, &mut fire);
        }
        while let Some(expiration) = self.next_expiration() {
            if expiration.tick > now {
                break;
            }
            if expiration.level == TOP && now - self.elapsed >= TOP_RANGE {
                // Processing the top level slot by slot would go round it at
                // least once. If nothing is due for a whole rotation, jump
                // straight to the last tick before the earliest deadline.
                let earliest = self.earliest_pending().unwrap_or(u64::MAX);
                let target = now.min(earliest - 1);
                if target - self.elapsed >= TOP_RANGE {
                    self.fast_forward(target);
                    continue;
                }
            }
            self.process(expiration, &mut fire);
        }
        self.elapsed = self.elapsed.max(now);
    }

    /// The stored entry at `idx`. Panics if there is none.
    fn entry(&self, idx: u32) -> &Entry<T> {
        match self.slab.get(idx as usize) {
            Some(Slot::Occupied(entry)) => entry,
            _ => panic!("invalid timer wheel key {idx}"),
        }
    }

    /// The stored entry at `idx`, mutably. Panics if there is none.
    fn entry_mut(&mut self, idx: u32) -> &mut Entry<T> {
        match self.slab.get_mut(idx as usize) {
            Some(Slot::Occupied(entry)) => entry,
            _ => panic!("invalid timer wheel key {idx}"),
        }
    }

    /// The list identified by `id`.
    fn list(&self, id: ListId) -> &List {
        match id {
            ListId::Due => &self.due,
            ListId::Level { level, slot } => &self.levels[level as usize].lists[slot as usize],
        }
    }

    /// The list identified by `id`, mutably.
    fn list_mut(&mut self, id: ListId) -> &mut List {
        match id {
            ListId::Due => &mut self.due,
            ListId::Level { level, slot } => &mut self.levels[level as usize].lists[slot as usize],
        }
    }

    /// Links the unlinked entry `idx` into the list its deadline belongs to
    /// at the current `elapsed`: the due list (keeping it sorted) when the
    /// deadline is not after `elapsed`, otherwise the end of a level slot.
    ///
    /// Finding the place in the due list walks back from its tail past the
    /// entries with later deadlines, which is O(1) when entries become due
    /// in deadline order.
    fn schedule(&mut self, idx: u32) {
        let deadline = self.entry(idx).deadline;
        if deadline <= self.elapsed {
            let mut after = self.due.tail;
            while after != NIL && self.entry(after).deadline > deadline {
                after = self.entry(after).prev;
            }
            self.link_after(idx, ListId::Due, after);
        } else {
            let (level, slot) = position(self.elapsed, deadline);
            let id = ListId::Level {
                level: level as u8,
                slot: slot as u8,
            };
            let tail = self.list(id).tail;
            self.link_after(idx, id, tail);
        }
    }

    /// Links the unlinked entry `idx` into list `id` right after entry
    /// `after`, or at the front when `after` is [`NIL`], and marks it pending
    /// there.
    fn link_after(&mut self, idx: u32, id: ListId, after: u32) {
        let next = if after == NIL {
            self.list(id).head
        } else {
            self.entry(after).next
        };
        let entry = self.entry_mut(idx);
        entry.prev = after;
        entry.next = next;
        entry.state = State::Pending(id);
        if after == NIL {
            self.list_mut(id).head = idx;
        } else {
            self.entry_mut(after).next = idx;
        }
        if next == NIL {
            self.list_mut(id).tail = idx;
        } else {
            self.entry_mut(next).prev = idx;
        }
        if let ListId::Level { level, slot } = id {
            self.levels[level as usize].occupied |= 1 << slot;
        }
    }

    /// Unlinks the pending entry `idx` from its list. Its state still names
    /// that list; the caller sets the new one.
    fn unlink(&mut self, idx: u32) {
        let entry = self.entry_mut(idx);
        let State::Pending(id) = entry.state else {
            unreachable!("unlinking an entry that is not pending");
        };
        let (prev, next) = (entry.prev, entry.next);
        entry.prev = NIL;
        entry.next = NIL;
        if prev == NIL {
            self.list_mut(id).head = next;
        } else {
            self.entry_mut(prev).next = next;
        }
        if next == NIL {
            self.list_mut(id).tail = prev;
        } else {
            self.entry_mut(next).prev = prev;
        }
        if let ListId::Level { level, slot } = id {
            if self.list(id).head == NIL {
                self.levels[level as usize].occupied &= !(1 << slot);
            }
        }
    }

    /// Marks the unlinked entry `idx` fired and calls `fire` with it.
    fn fire_entry(&mut self, idx: u32, fire: &mut impl FnMut(Key, &mut T)) {
        let entry = self.entry_mut(idx);
        entry.state = State::Fired;
        fire(Key(idx), &mut entry.value);
    }

    /// The next slot to process on `level`, if the level has a non-empty
    /// slot: the first one at or after the slot following the current
    /// position, going round the level.
    fn next_slot(&self, level: usize) -> Option<usize> {
        let occupied = self.levels[level].occupied;
        if occupied == 0 {
            return None;
        }
        let first = ((self.elapsed >> slot_shift(level)) + 1) & SLOT_MASK;
        let offset = u64::from(occupied.rotate_right(first as u32).trailing_zeros());
        Some(((first + offset) & SLOT_MASK) as usize)
    }

    /// The non-empty level slot with the earliest processing tick, if any
    /// (the finest level on a tie).
    fn next_expiration(&self) -> Option<Expiration> {
        let mut best: Option<Expiration> = None;
        for level in 0..NUM_LEVELS {
            let Some(slot) = self.next_slot(level) else {
                continue;
            };
            let tick = slot_time(self.elapsed, level, slot);
            match best {
                Some(found) if found.tick <= tick => {}
                _ => best = Some(Expiration { level, slot, tick }),
            }
        }
        best
    }

    /// Processes a slot: moves `elapsed` to its tick, fires the entries whose
    /// deadline is reached and links the others again relative to the new
    /// `elapsed`, which places them on finer levels.
    fn process(&mut self, expiration: Expiration, fire: &mut impl FnMut(Key, &mut T)) {
        let Expiration { level, slot, tick } = expiration;
        debug_assert!(tick > self.elapsed);
        self.elapsed = tick;
        let slots = &mut self.levels[level];
        slots.occupied &= !(1 << slot);
        let list = std::mem::replace(&mut slots.lists[slot], List::EMPTY);
        let mut idx = list.head;
        while idx != NIL {
            let entry = self.entry(idx);
            let next = entry.next;
            if entry.deadline <= tick {
                self.fire_entry(idx, fire);
            } else {
                self.schedule(idx);
            }
            idx = next;
        }
    }

    /// The earliest deadline among the entries stored on the levels.
    fn earliest_pending(&self) -> Option<u64> {
        let mut earliest: Option<u64> = None;
        for level in &self.levels {
            let mut occupied = level.occupied;
            while occupied != 0 {
                let slot = occupied.trailing_zeros() as usize;
                occupied &= occupied - 1;
                let mut idx = level.lists[slot].head;
                while idx != NIL {
                    let entry = self.entry(idx);
                    earliest = Some(earliest.map_or(entry.deadline, |e| e.min(entry.deadline)));
                    idx = entry.next;
                }
            }
        }
        earliest
    }

    /// Moves `elapsed` to `target` and links every entry stored on the levels
    /// again relative to it. Requires the due list to be empty and every
    /// deadline on the levels to be after `target`.
    fn fast_forward(&mut self, target: u64) {
        debug_assert!(self.due.head == NIL);
        debug_assert!(target >= self.elapsed);
        let mut chain = List::EMPTY;
        for level in 0..NUM_LEVELS {
            let mut occupied = std::mem::take(&mut self.levels[level].occupied);
            while occupied != 0 {
                let slot = occupied.trailing_zeros() as usize;
                occupied &= occupied - 1;
                let list = std::mem::replace(&mut self.levels[level].lists[slot], List::EMPTY);
                if chain.head == NIL {
                    chain = list;
                } else {
                    self.entry_mut(chain.tail).next = list.head;
                    chain.tail = list.tail;
                }
            }
        }
        self.elapsed = target;
        let mut idx = chain.head;
        while idx != NIL {
            let entry = self.entry(idx);
            let next = entry.next;
            debug_assert!(entry.deadline > target);
            self.schedule(idx);
            idx = next;
        }
    }

    /// Number of elements of the slab, vacant ones included.
    #[cfg(test)]
    fn slab_len(&self) -> usize {
        self.slab.len()
    }

    /// Capacity of the slab's vector.
    #[cfg(test)]
    fn slab_capacity(&self) -> usize {
        self.slab.capacity()
    }

    /// Checks every structural invariant of the wheel, panicking on the
    /// first violation.
    #[cfg(test)]
    fn check_invariants(&self) {
        let occupied = self
            .slab
            .iter()
            .filter(|slot| matches!(slot, Slot::Occupied(_)))
            .count();
        assert_eq!(occupied, self.len, "len");
        let mut free = 0;
        let mut idx = self.free_head;
        while idx != NIL {
            let Slot::Vacant { next_free } = self.slab[idx as usize] else {
                panic!("free list links occupied slot {idx}");
            };
            free += 1;
            assert!(free <= self.slab.len(), "free list has a cycle");
            idx = next_free;
        }
        assert_eq!(free + self.len, self.slab.len(), "free list length");

        let mut linked = 0;
        let mut check_list = |id: ListId, list: &List| -> Vec<u64> {
            let mut deadlines = Vec::new();
            let mut prev = NIL;
            let mut idx = list.head;
            while idx != NIL {
                let entry = self.entry(idx);
                assert_eq!(entry.state, State::Pending(id), "state of {idx}");
                assert_eq!(entry.prev, prev, "prev link of {idx}");
                deadlines.push(entry.deadline);
                linked += 1;
                assert!(linked <= self.len, "list has a cycle");
                prev = idx;
                idx = entry.next;
            }
            assert_eq!(list.tail, prev, "tail of {id:?}");
            deadlines
        };

        let due = check_list(ListId::Due, &self.due);
        assert!(due.windows(2).all(|w| w[0] <= w[1]), "due list order");
        assert!(due.iter().all(|&d| d <= self.elapsed), "due list deadline");

        for (level, lists) in self.levels.iter().enumerate() {
            for (slot, list) in lists.lists.iter().enumerate() {
                let id = ListId::Level {
                    level: level as u8,
                    slot: slot as u8,
                };
                let deadlines = check_list(id, list);
                let bit = lists.occupied & (1 << slot) != 0;
                assert_eq!(bit, !deadlines.is_empty(), "occupied bit {level}/{slot}");
                if deadlines.is_empty() {
                    continue;
                }
                let tick = slot_time(self.elapsed, level, slot);
                assert!(tick > self.elapsed, "slot {level}/{slot} is behind");
                for &deadline in &deadlines {
                    assert!(deadline > self.elapsed, "stale deadline on a level");
                    assert!(tick <= deadline, "slot {level}/{slot} after deadline");
                    if level < TOP {
                        let width = 1u64 << slot_shift(level);
                        assert!(deadline - tick < width, "deadline outside slot");
                    }
                }
            }
        }

        let fired = self
            .slab
            .iter()
            .filter(|slot| matches!(slot, Slot::Occupied(e) if e.state == State::Fired))
            .count();
        assert_eq!(linked + fired, self.len, "every entry is linked or fired");
    }
}

impl<T> Default for Wheel<T> {
    /// Creates an empty wheel at tick 0.
    fn default() -> Wheel<T> {
        Wheel::new()
    }
}

impl<T> fmt::Debug for Wheel<T> {
    /// Prints the tick the wheel is at and the number of stored entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len)
            .finish()
    }
}
