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
//! (`prev` / `next` fields of type `u32`, with `NIL` as the end marker), so
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
//! it holds and slots are processed in tick order, the entries stored on the
//! levels fire in non-decreasing deadline order, never before their
//! deadline, and all entries due by `now` fire within the call.
//!
//! [`Wheel::advance`] keeps fired entries stored, marked fired, until they
//! are removed or reset. [`Wheel::advance_take`] instead asks the caller
//! about each entry that comes due: fire it (the entry is removed and its
//! value handed over) or file it again at a later deadline (a deadline that
//! was moved later without re-filing the entry: see `driver/time/mod.rs`). The cost of a call is
//! proportional to the number of non-empty slots passed, not to the number
//! of ticks.
//!
//! Entries inserted (or reset) with a deadline that is not after `elapsed`
//! are appended to a separate *due* list; the next call to `advance` fires
//! them first, in the order they became due, before anything stored on the
//! levels (whose deadlines are all after `elapsed`). The list is not kept
//! sorted: every entry on it is already due, so their order does not
//! matter, and appending keeps every insertion and reset O(1) however many
//! entries are made due at once.
//!
//! # Far deadlines
//!
//! A deadline beyond the `2^36`-tick block that holds `elapsed` cannot be
//! represented exactly. It is clamped into the top level, in the slot given
//! by its bits 30..36, which makes the top level a ring that the wheel goes
//! round again and again. When such a slot comes up before the deadline, the
//! entry is simply linked again (usually into the same top-level slot, one
//! rotation later), so it never fires early. Going round the ring costs one step per
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
/// current position exists only on the top level, and it only holds clamped
/// deadlines that are at or after the start of that slot one rotation
/// later, so the result never exceeds the deadlines it stands for and
/// cannot overflow.
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

/// What [`Wheel::advance_take`] does with an entry that came due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// Fire it: remove it and hand its value over.
    Fire,
    /// Keep it pending, with this later deadline.
    Refile(u64),
}

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
    /// Pending entries whose deadline is not after `elapsed`, in the order
    /// they became due.
    due: List,
    /// While `due` is not empty: no later than the earliest deadline on it.
    due_min: u64,
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
            due_min: u64::MAX,
            levels: [Level::EMPTY; NUM_LEVELS],
        }
    }

    /// The tick the wheel has been advanced to.
    #[cfg(test)]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Number of stored entries, pending and fired.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the wheel stores no entry at all.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores `value`, pending until `deadline`, and returns its key.
    ///
    /// A deadline `<= elapsed()` is already due: the next `advance` (with any
    /// `now`) fires it. Panics if the wheel already holds `u32::MAX` entries.
    pub(crate) fn insert(&mut self, deadline: u64, value: T) -> Key {
        // Linked at the back of its list as it is stored: one look at the
        // list and one at its old tail.
        let id = self.list_for(deadline);
        let tail = self.list(id).tail;
        let entry = Entry {
            value,
            deadline,
            prev: tail,
            next: NIL,
            state: State::Pending(id),
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
        self.attach(idx, id, tail);
        Key(idx)
    }

    /// Removes the entry (pending or fired), frees its space and returns its
    /// value. Panics if `key` does not refer to a stored entry.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        let vacant = Slot::Vacant {
            next_free: self.free_head,
        };
        let entry = match self.slab.get_mut(key.0 as usize) {
            Some(slot @ Slot::Occupied(_)) => match std::mem::replace(slot, vacant) {
                Slot::Occupied(entry) => entry,
                Slot::Vacant { .. } => unreachable!("the slot was just seen occupied"),
            },
            _ => panic!("invalid timer wheel key {}", key.0),
        };
        if let State::Pending(id) = entry.state {
            self.splice_out(id, entry.prev, entry.next);
        }
        self.free_head = key.0;
        self.len -= 1;
        entry.value
    }

    /// The value of the entry. Panics if `key` does not refer to a stored
    /// entry.
    #[cfg(test)]
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
    #[cfg(test)]
    pub(crate) fn deadline(&self, key: Key) -> u64 {
        self.entry(key.0).deadline
    }

    /// Whether the entry has fired (and was not re-armed since). Panics if
    /// `key` does not refer to a stored entry.
    #[cfg(test)]
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
            return Some(self.due_min);
        }
        self.next_expiration().map(|expiration| expiration.tick)
    }

    /// Moves `elapsed()` to `max(elapsed(), now)` and fires every pending
    /// entry whose deadline is `<= now` (or `<= elapsed()`).
    ///
    /// Each fired entry becomes fired and `fire` is called once with its key
    /// and value: first the entries that were already due, in the order
    /// they became due, then the others in non-decreasing deadline order.
    /// Entries with a later deadline stay pending; those in slots the wheel
    /// passes are moved to finer levels. No entry fires before its deadline.
    #[cfg(test)]
    pub(crate) fn advance(&mut self, now: u64, mut fire: impl FnMut(Key, &mut T)) {
        self.advance_by(now, |wheel, idx| wheel.fire_entry(idx, &mut fire));
    }

    /// [`advance`](Wheel::advance), asking `expire` about each entry that
    /// comes due, in the same order: [`Expired::Fire`] removes the entry and
    /// hands its value to `take`; [`Expired::Refile`] keeps it pending with
    /// a new deadline, which must be later than `now`.
    pub(crate) fn advance_take(
        &mut self,
        now: u64,
        mut expire: impl FnMut(&mut T) -> Expired,
        mut take: impl FnMut(Key, T),
    ) {
        self.advance_by(now, |wheel, idx| {
            match expire(&mut wheel.entry_mut(idx).value) {
                Expired::Fire => {
                    // Unlinked already: marked fired so that `remove` does not
                    // unlink it again.
                    wheel.entry_mut(idx).state = State::Fired;
                    take(Key(idx), wheel.remove(Key(idx)));
                }
                Expired::Refile(deadline) => {
                    debug_assert!(deadline > now, "refiled at {deadline}, not after {now}");
                    wheel.entry_mut(idx).deadline = deadline;
                    wheel.schedule(idx);
                }
            }
        });
    }

    /// The walk behind both advances: `due` gets each entry that comes due,
    /// already unlinked, and must fire, remove or link it again.
    fn advance_by(&mut self, now: u64, mut due: impl FnMut(&mut Self, u32)) {
        // Taken whole: entries that `due` links again (only after `now`)
        // land on the levels, not on this list.
        let mut idx = std::mem::replace(&mut self.due, List::EMPTY).head;
        while idx != NIL {
            let next = self.entry(idx).next;
            self.detach(idx);
            due(self, idx);
            idx = next;
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
            self.process(expiration, &mut due);
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

    /// The list an entry with `deadline` belongs to at the current
    /// `elapsed`: the due list when the deadline is not after `elapsed`
    /// (whose `due_min` it then counts in), otherwise a level slot.
    #[inline]
    fn list_for(&mut self, deadline: u64) -> ListId {
        if deadline <= self.elapsed {
            if self.due.head == NIL {
                self.due_min = deadline;
            } else {
                self.due_min = self.due_min.min(deadline);
            }
            ListId::Due
        } else {
            let (level, slot) = position(self.elapsed, deadline);
            ListId::Level {
                level: level as u8,
                slot: slot as u8,
            }
        }
    }

    /// Links the unlinked entry `idx` at the end of the list its deadline
    /// belongs to at the current `elapsed` (see `list_for`). O(1).
    fn schedule(&mut self, idx: u32) {
        let deadline = self.entry(idx).deadline;
        let id = self.list_for(deadline);
        let tail = self.list(id).tail;
        let entry = self.entry_mut(idx);
        entry.prev = tail;
        entry.next = NIL;
        entry.state = State::Pending(id);
        self.attach(idx, id, tail);
    }

    /// The list side of linking entry `idx` at the end of list `id`, whose
    /// tail was `tail`: the entry's own links and state are already set.
    #[inline]
    fn attach(&mut self, idx: u32, id: ListId, tail: u32) {
        if tail != NIL {
            self.entry_mut(tail).next = idx;
        }
        let list = self.list_mut(id);
        if tail == NIL {
            list.head = idx;
        }
        list.tail = idx;
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
        self.splice_out(id, prev, next);
    }

    /// The list side of unlinking an entry of list `id` that sat between
    /// `prev` and `next`: its neighbours, or the list's ends, now link past
    /// it, and an emptied level slot is marked empty.
    #[inline]
    fn splice_out(&mut self, id: ListId, prev: u32, next: u32) {
        if prev != NIL {
            self.entry_mut(prev).next = next;
        }
        if next != NIL {
            self.entry_mut(next).prev = prev;
        }
        let list = self.list_mut(id);
        if prev == NIL {
            list.head = next;
        }
        if next == NIL {
            list.tail = prev;
        }
        if let ListId::Level { level, slot } = id {
            if prev == NIL && next == NIL {
                self.levels[level as usize].occupied &= !(1 << slot);
            }
        }
    }

    /// Marks the unlinked entry `idx` fired and calls `fire` with it.
    #[cfg(test)]
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
    fn process(&mut self, expiration: Expiration, due: &mut impl FnMut(&mut Self, u32)) {
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
            let is_due = entry.deadline <= tick;
            self.detach(idx);
            if is_due {
                due(self, idx);
            } else {
                self.schedule(idx);
            }
            idx = next;
        }
    }

    /// Clears the links of entry `idx`, whose list was taken whole.
    fn detach(&mut self, idx: u32) {
        let entry = self.entry_mut(idx);
        entry.prev = NIL;
        entry.next = NIL;
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

    /// Walks list `id`, checking the links and states of its entries, adding
    /// their number to `linked` and passing each deadline to `check`.
    #[cfg(test)]
    fn check_list(&self, id: ListId, list: List, linked: &mut usize, mut check: impl FnMut(u64)) {
        let mut prev = NIL;
        let mut idx = list.head;
        while idx != NIL {
            let entry = self.entry(idx);
            assert_eq!(entry.state, State::Pending(id), "state of {idx}");
            assert_eq!(entry.prev, prev, "prev link of {idx}");
            check(entry.deadline);
            *linked += 1;
            assert!(*linked <= self.len, "list has a cycle");
            prev = idx;
            idx = entry.next;
        }
        assert_eq!(list.tail, prev, "tail of {id:?}");
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
        self.check_list(ListId::Due, self.due, &mut linked, |deadline| {
            assert!(deadline <= self.elapsed, "due list deadline");
        });

        for (level, lists) in self.levels.iter().enumerate() {
            for (slot, list) in lists.lists.iter().enumerate() {
                if lists.occupied & (1 << slot) == 0 {
                    assert!(
                        list.head == NIL && list.tail == NIL,
                        "empty slot {level}/{slot}"
                    );
                    continue;
                }
                assert_ne!(list.head, NIL, "occupied bit {level}/{slot}");
                let tick = slot_time(self.elapsed, level, slot);
                assert!(tick > self.elapsed, "slot {level}/{slot} is behind");
                let id = ListId::Level {
                    level: level as u8,
                    slot: slot as u8,
                };
                self.check_list(id, *list, &mut linked, |deadline| {
                    assert!(deadline > self.elapsed, "stale deadline on a level");
                    assert!(tick <= deadline, "slot {level}/{slot} after deadline");
                    if level < TOP {
                        let width = 1u64 << slot_shift(level);
                        assert!(deadline - tick < width, "deadline outside slot");
                    }
                });
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

/// Tests of the wheel, including a randomized comparison with a reference
/// model.
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Deterministic xorshift64* generator.
    struct Rng(u64);

    impl Rng {
        /// A generator with the given seed (any value, zero included).
        fn new(seed: u64) -> Rng {
            Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
        }

        /// The next 64 random bits.
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// A value in `0..n`; `n` must not be zero.
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// `normal` normally, `miri` when running under Miri.
    fn count(normal: usize, miri: usize) -> usize {
        if cfg!(miri) {
            miri
        } else {
            normal
        }
    }

    /// Advances `wheel` to `now` and returns what fired, in firing order.
    fn advance_collect<T: Copy>(wheel: &mut Wheel<T>, now: u64) -> Vec<(Key, T)> {
        let mut fired = Vec::new();
        wheel.advance(now, |key, value| fired.push((key, *value)));
        fired
    }

    /// Whether `values` is sorted in non-decreasing order.
    fn is_sorted(values: &[u64]) -> bool {
        values.windows(2).all(|pair| pair[0] <= pair[1])
    }

    /// A new or default wheel is at tick 0 and holds nothing.
    #[test]
    fn new_wheel_is_empty() {
        let wheel: Wheel<u8> = Wheel::new();
        assert_eq!(wheel.elapsed(), 0);
        assert_eq!(wheel.len(), 0);
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_deadline(), None);
        let wheel: Wheel<u8> = Wheel::default();
        assert_eq!(wheel.elapsed(), 0);
        assert!(wheel.is_empty());
        wheel.check_invariants();
    }

    /// `Debug` prints the tick and the number of entries, without `T: Debug`.
    #[test]
    fn debug_prints_elapsed_and_len() {
        /// A value type without a `Debug` implementation.
        struct NotDebug;
        let mut wheel = Wheel::new();
        wheel.insert(5, NotDebug);
        wheel.advance(3, |_, _| {});
        assert_eq!(format!("{wheel:?}"), "Wheel { elapsed: 3, len: 1 }");
    }

    /// `get`, `get_mut`, `deadline` and `is_fired` see the stored entry, and
    /// `fire` can modify the value.
    #[test]
    fn accessors_and_get_mut() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, String::from("a"));
        let b = wheel.insert(20, String::from("b"));
        assert_ne!(a, b);
        assert_eq!(wheel.len(), 2);
        assert_eq!(wheel.get(a), "a");
        assert_eq!(wheel.deadline(b), 20);
        wheel.get_mut(b).push('!');
        assert_eq!(wheel.get(b), "b!");
        assert!(!wheel.is_fired(a));
        let mut fired = Vec::new();
        wheel.advance(15, |key, value| {
            value.push('?');
            fired.push(key);
        });
        assert_eq!(fired, vec![a]);
        assert!(wheel.is_fired(a));
        assert!(!wheel.is_fired(b));
        assert_eq!(wheel.get(a), "a?");
        assert_eq!(wheel.len(), 2);
        wheel.check_invariants();
    }

    /// After every advance, exactly the entries with a deadline not after `now`
    /// have fired, each exactly once.
    #[test]
    fn fires_exactly_the_entries_due() {
        let ranges = [64, 5_000, 1 << 20, 1 << 40];
        for (round, &range) in ranges.iter().enumerate() {
            let mut rng = Rng::new(round as u64);
            let n = count(2_000, 30);
            let mut wheel = Wheel::new();
            let entries: Vec<(Key, u64)> = (0..n)
                .map(|i| {
                    let deadline = rng.below(range);
                    (wheel.insert(deadline, i), deadline)
                })
                .collect();
            let mut fire_counts = vec![0u32; n];
            let mut now = 0;
            while now < range {
                let (_, target) = entries[rng.below(n as u64) as usize];
                now = match rng.below(4) {
                    // Just before, or exactly at, some entry's deadline.
                    0 => now.max(target.saturating_sub(1)),
                    1 => now.max(target),
                    2 => now + rng.below(4),
                    _ => now + 1 + rng.below(range / 16),
                };
                wheel.advance(now, |key, &mut i| {
                    assert_eq!(entries[i].0, key);
                    fire_counts[i] += 1;
                });
                assert_eq!(wheel.elapsed(), now);
                for (i, &(key, deadline)) in entries.iter().enumerate() {
                    let due = deadline <= now;
                    assert_eq!(
                        fire_counts[i],
                        u32::from(due),
                        "deadline {deadline}, now {now}"
                    );
                    assert_eq!(wheel.is_fired(key), due);
                }
            }
            wheel.check_invariants();
            assert_eq!(wheel.next_deadline(), None);
            assert_eq!(wheel.len(), n);
        }
    }

    /// One large advance fires the due entries in deadline order and leaves the
    /// others pending.
    #[test]
    fn fires_in_deadline_order_in_one_big_advance() {
        let mut rng = Rng::new(7);
        let mut wheel = Wheel::new();
        let n = count(5_000, 100);
        let mut expected = Vec::new();
        for _ in 0..n {
            let deadline = match rng.below(4) {
                0 => rng.below(64),
                1 => rng.below(5_000),
                2 => rng.below(20_000_000),
                _ => 64u64.pow(1 + rng.below(4) as u32) * (1 + rng.below(3)),
            };
            wheel.insert(deadline, deadline);
            if deadline <= 10_000_000 {
                expected.push(deadline);
            }
        }
        let fired: Vec<u64> = advance_collect(&mut wheel, 10_000_000)
            .into_iter()
            .map(|(_, deadline)| deadline)
            .collect();
        assert!(is_sorted(&fired));
        expected.sort_unstable();
        assert_eq!(fired, expected);
        wheel.check_invariants();

        let rest: Vec<u64> = advance_collect(&mut wheel, u64::MAX)
            .into_iter()
            .map(|(_, deadline)| deadline)
            .collect();
        assert!(is_sorted(&rest));
        assert_eq!(fired.len() + rest.len(), n);
        assert!(rest.iter().all(|&deadline| deadline > 10_000_000));
        assert_eq!(wheel.next_deadline(), None);
    }

    /// A single jump across entries on every level cascades them correctly.
    #[test]
    fn large_jump_cascades_every_level() {
        let mut wheel = Wheel::new();
        let mut deadlines = Vec::new();
        for level in 0..NUM_LEVELS as u32 {
            let width = 64u64.pow(level);
            for slot in [1, 2, 31, 63] {
                for offset in [0, 1, width / 2, width - 1] {
                    deadlines.push(slot * width + offset);
                }
            }
        }
        deadlines.extend([9_999_999, 10_000_000, 10_000_001, 1 << 36, (1 << 36) + 5]);
        for &deadline in &deadlines {
            wheel.insert(deadline, deadline);
        }
        let fired: Vec<u64> = advance_collect(&mut wheel, 10_000_000)
            .into_iter()
            .map(|(_, deadline)| deadline)
            .collect();
        let mut expected: Vec<u64> = deadlines
            .iter()
            .copied()
            .filter(|&deadline| deadline <= 10_000_000)
            .collect();
        expected.sort_unstable();
        assert_eq!(fired, expected);
        assert_eq!(wheel.elapsed(), 10_000_000);
        wheel.check_invariants();

        let earliest = deadlines
            .iter()
            .copied()
            .filter(|&deadline| deadline > 10_000_000)
            .min()
            .unwrap();
        let next = wheel.next_deadline().unwrap();
        assert!(next > 10_000_000 && next <= earliest);
        assert!(advance_collect(&mut wheel, earliest - 1).is_empty());
        assert_eq!(advance_collect(&mut wheel, earliest).len(), 1);
    }

    /// Many small advances fire every entry in deadline order, neither early
    /// nor late.
    #[test]
    fn fires_in_deadline_order_across_small_advances() {
        let mut rng = Rng::new(99);
        let mut wheel = Wheel::new();
        let n = count(3_000, 100);
        let range = count(200_000, 20_000) as u64;
        for _ in 0..n {
            let deadline = 1 + rng.below(range);
            wheel.insert(deadline, deadline);
        }
        let mut now = 0;
        let mut last = 0;
        let mut total = 0;
        while wheel.next_deadline().is_some() {
            let before = now;
            now += rng.below(300);
            for (key, deadline) in advance_collect(&mut wheel, now) {
                assert!(deadline > before, "late: {deadline} fired at {now}");
                assert!(deadline <= now, "early: {deadline} fired at {now}");
                assert!(deadline >= last, "out of order");
                assert_eq!(wheel.deadline(key), deadline);
                last = deadline;
                total += 1;
            }
        }
        assert_eq!(total, n);
        wheel.check_invariants();
    }

    /// Deadlines on, just before and just after slot boundaries of every level
    /// fire exactly on time.
    #[test]
    fn deadlines_on_slot_boundaries() {
        let starts: &[u64] = if cfg!(miri) {
            &[4_095]
        } else {
            &[0, 1, 63, 64, 4_095, 100_000]
        };
        for &start in starts {
            for level in 1..=NUM_LEVELS as u32 {
                let width = 64u64.pow(level);
                let next_boundary = (start / width + 1) * width;
                for deadline in [
                    width - 1,
                    width,
                    width + 1,
                    2 * width,
                    start + width,
                    next_boundary - 1,
                    next_boundary,
                    next_boundary + 1,
                ] {
                    if deadline <= start {
                        continue;
                    }
                    let mut wheel = Wheel::new();
                    wheel.advance(start, |_, _: &mut u64| panic!("nothing to fire"));
                    let key = wheel.insert(deadline, deadline);
                    assert!(advance_collect(&mut wheel, deadline - 1).is_empty());
                    assert!(!wheel.is_fired(key));
                    wheel.check_invariants();
                    assert_eq!(advance_collect(&mut wheel, deadline), vec![(key, deadline)]);
                    assert!(wheel.is_fired(key));
                }
            }
        }
    }

    /// Advancing to `next_deadline` again and again, as the driver does, never
    /// skips a deadline and finishes in few steps.
    #[test]
    fn stepping_through_next_deadline_reaches_each_deadline() {
        let mut rng = Rng::new(11);
        let mut wheel = Wheel::new();
        let mut pending = BTreeSet::new();
        let n = count(300, 30);
        for i in 0..n {
            let deadline = match i % 4 {
                0 => rng.below(1 << 40),
                1 => 64u64.pow(rng.below(7) as u32),
                _ => rng.below(100_000),
            };
            let key = wheel.insert(deadline, deadline);
            pending.insert((deadline, key.0));
        }
        let mut steps = 0;
        while let Some(next) = wheel.next_deadline() {
            let &(earliest, _) = pending.first().unwrap();
            assert!(next <= earliest);
            if earliest > wheel.elapsed() {
                assert!(next > wheel.elapsed());
            }
            for (key, deadline) in advance_collect(&mut wheel, next) {
                assert!(deadline <= next);
                assert!(pending.remove(&(deadline, key.0)));
            }
            steps += 1;
            assert!(steps <= 7 * n + 64, "too many steps");
        }
        assert!(pending.is_empty());
    }

    /// Entries inserted with a past deadline fire on the next advance, in
    /// the order they became due, even when `now < elapsed()`.
    #[test]
    fn past_deadlines_fire_on_next_advance_in_order() {
        let mut wheel = Wheel::new();
        wheel.advance(1_000, |_, _: &mut u64| panic!("nothing to fire"));
        let keys: Vec<Key> = [500, 10, 1_000, 10, 700, 0]
            .into_iter()
            .map(|deadline| wheel.insert(deadline, deadline))
            .collect();
        let later = wheel.insert(1_001, 1_001);
        wheel.check_invariants();
        assert_eq!(wheel.next_deadline(), Some(0));
        // Going backwards does not move the wheel but fires what is due.
        let fired = advance_collect(&mut wheel, 3);
        let deadlines: Vec<u64> = fired.iter().map(|&(_, deadline)| deadline).collect();
        assert_eq!(deadlines, vec![500, 10, 1_000, 10, 700, 0]);
        let order: Vec<Key> = fired.iter().map(|&(key, _)| key).collect();
        assert_eq!(order, keys);
        assert_eq!(wheel.elapsed(), 1_000);
        assert!(keys.iter().all(|&key| wheel.is_fired(key)));
        assert!(!wheel.is_fired(later));
        assert_eq!(wheel.next_deadline(), Some(1_001));

        // Due entries fire before those on the levels.
        wheel.insert(999, 999);
        let deadlines: Vec<u64> = advance_collect(&mut wheel, 5_000)
            .into_iter()
            .map(|(_, deadline)| deadline)
            .collect();
        assert_eq!(deadlines, vec![999, 1_001]);
        assert!(advance_collect(&mut wheel, 5_000).is_empty());
        wheel.check_invariants();
    }

    /// Advancing to an earlier tick neither moves the wheel nor fires pending
    /// entries.
    #[test]
    fn advance_backwards_is_a_no_op() {
        let mut wheel = Wheel::new();
        let key = wheel.insert(150, ());
        wheel.advance(100, |_, _| panic!("nothing to fire"));
        wheel.advance(20, |_, _| panic!("nothing to fire"));
        assert_eq!(wheel.elapsed(), 100);
        assert!(!wheel.is_fired(key));
        assert_eq!(advance_collect(&mut wheel, 150), vec![(key, ())]);
    }

    /// `reset` moves pending entries later or earlier, re-arms fired ones and
    /// accepts past deadlines.
    #[test]
    fn reset_rearms_entries() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(100, 'a');
        let b = wheel.insert(5_000, 'b');

        // Later, then earlier than before.
        wheel.reset(a, 300_000);
        wheel.reset(b, 50);
        assert_eq!(wheel.deadline(b), 50);
        wheel.check_invariants();
        assert_eq!(advance_collect(&mut wheel, 299_999), vec![(b, 'b')]);
        assert!(!wheel.is_fired(a));

        // A fired entry is re-armed under the same key.
        wheel.reset(b, 300_010);
        assert!(!wheel.is_fired(b));
        assert_eq!(wheel.len(), 2);
        assert_eq!(
            advance_collect(&mut wheel, 400_000),
            vec![(a, 'a'), (b, 'b')]
        );

        // A deadline in the past is due at the next advance.
        wheel.reset(a, 7);
        assert!(!wheel.is_fired(a));
        assert_eq!(wheel.next_deadline(), Some(7));
        assert_eq!(advance_collect(&mut wheel, 0), vec![(a, 'a')]);

        // Resetting a pending entry twice keeps a single registration.
        wheel.reset(b, 500_000);
        wheel.reset(b, 450_000);
        wheel.check_invariants();
        assert_eq!(advance_collect(&mut wheel, 1_000_000), vec![(b, 'b')]);
        assert_eq!(wheel.next_deadline(), None);
    }

    /// Deadlines up to `u64::MAX` are clamped without overflow and fire only
    /// when reached.
    #[test]
    fn max_deadline_is_clamped_and_fires_only_at_max() {
        let mut wheel = Wheel::new();
        let max = wheel.insert(u64::MAX, u64::MAX);
        let almost = wheel.insert(u64::MAX - 1, u64::MAX - 1);
        let half = wheel.insert(1 << 63, 1 << 63);
        let far = wheel.insert(1 << 40, 1 << 40);
        wheel.check_invariants();
        let next = wheel.next_deadline().unwrap();
        assert!(next > 0 && next <= 1 << 40);

        for now in [1 << 36, (1 << 40) - 1] {
            assert!(advance_collect(&mut wheel, now).is_empty());
            wheel.check_invariants();
        }
        assert_eq!(advance_collect(&mut wheel, 1 << 40), vec![(far, 1 << 40)]);
        assert!(advance_collect(&mut wheel, (1 << 63) - 1).is_empty());
        assert_eq!(
            advance_collect(&mut wheel, u64::MAX - 2),
            vec![(half, 1 << 63)]
        );
        wheel.check_invariants();
        assert!(wheel.next_deadline().unwrap() < u64::MAX);
        assert_eq!(
            advance_collect(&mut wheel, u64::MAX - 1),
            vec![(almost, u64::MAX - 1)]
        );
        assert_eq!(wheel.next_deadline(), Some(u64::MAX));
        assert_eq!(advance_collect(&mut wheel, u64::MAX), vec![(max, u64::MAX)]);
        assert_eq!(wheel.elapsed(), u64::MAX);
        assert_eq!(wheel.next_deadline(), None);

        // At the end of time everything is due.
        let key = wheel.insert(u64::MAX, 0);
        assert_eq!(wheel.next_deadline(), Some(u64::MAX));
        assert_eq!(advance_collect(&mut wheel, 0), vec![(key, 0)]);
        wheel.check_invariants();
    }

    /// Advancing straight to `u64::MAX` over far deadlines fires all of them,
    /// in order, quickly.
    #[test]
    fn jump_to_the_end_of_time_fires_everything_in_order() {
        let mut rng = Rng::new(5);
        let mut wheel = Wheel::new();
        let n = count(500, 40);
        for _ in 0..n {
            let deadline = match rng.below(3) {
                0 => rng.next(),
                1 => u64::MAX - rng.below(1 << 40),
                _ => rng.below(1 << 45),
            };
            wheel.insert(deadline, deadline);
        }
        let fired: Vec<u64> = advance_collect(&mut wheel, u64::MAX)
            .into_iter()
            .map(|(_, deadline)| deadline)
            .collect();
        assert_eq!(fired.len(), n);
        assert!(is_sorted(&fired));
        assert_eq!(wheel.next_deadline(), None);
        wheel.check_invariants();
    }

    /// Removing every entry empties the wheel, and inserting as many again
    /// reuses the space without growing the slab.
    #[test]
    fn remove_frees_slab_space() {
        let mut rng = Rng::new(3);
        let n = count(10_000, 200);
        let mut wheel = Wheel::new();
        let mut keys: Vec<(Key, usize)> = (0..n)
            .map(|i| (wheel.insert(rng.below(1 << 30), i), i))
            .collect();
        assert_eq!(wheel.len(), n);
        let slab_len = wheel.slab_len();
        let capacity = wheel.slab_capacity();
        assert_eq!(slab_len, n);

        // Remove a mix of fired and pending entries in a shuffled order.
        wheel.advance(1 << 29, |_, _| {});
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for (key, value) in keys {
            assert_eq!(wheel.remove(key), value);
        }
        assert_eq!(wheel.len(), 0);
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_deadline(), None);
        wheel.check_invariants();

        for i in 0..n {
            wheel.insert(wheel.elapsed() + rng.below(1 << 30), i);
        }
        assert_eq!(wheel.len(), n);
        assert_eq!(wheel.slab_len(), slab_len);
        assert_eq!(wheel.slab_capacity(), capacity);
        wheel.check_invariants();
    }

    /// Pending and fired entries can be removed; a removed pending entry never
    /// fires.
    #[test]
    fn remove_pending_and_fired_entries() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, 1);
        let b = wheel.insert(10, 2);
        let c = wheel.insert(20, 3);
        assert_eq!(wheel.remove(b), 2);
        assert_eq!(advance_collect(&mut wheel, 15), vec![(a, 1)]);
        assert_eq!(wheel.remove(a), 1);
        assert_eq!(wheel.len(), 1);
        // The freed space is reused.
        let d = wheel.insert(12, 4);
        assert!(d == a || d == b);
        assert_eq!(wheel.len(), 2);
        wheel.check_invariants();
        assert_eq!(advance_collect(&mut wheel, 25), vec![(d, 4), (c, 3)]);
    }

    /// Using the key of a removed entry panics.
    #[test]
    #[should_panic(expected = "invalid timer wheel key")]
    fn remove_of_a_removed_key_panics() {
        let mut wheel = Wheel::new();
        let key = wheel.insert(10, ());
        wheel.remove(key);
        wheel.remove(key);
    }

    /// `next_deadline` is `None` on an empty wheel and once everything has
    /// fired.
    #[test]
    fn next_deadline_is_none_when_empty_or_all_fired() {
        let mut wheel = Wheel::new();
        assert_eq!(wheel.next_deadline(), None);
        wheel.advance(100, |_, _: &mut ()| panic!("nothing to fire"));
        assert_eq!(wheel.next_deadline(), None);

        let keys = [
            wheel.insert(150, ()),
            wheel.insert(5_000, ()),
            wheel.insert(1 << 40, ()),
        ];
        let next = wheel.next_deadline().unwrap();
        assert!(next > 100 && next <= 150);
        wheel.advance(1 << 41, |_, _| {});
        assert_eq!(wheel.next_deadline(), None);
        assert_eq!(wheel.len(), 3);
        for key in keys {
            wheel.remove(key);
        }
        assert_eq!(wheel.next_deadline(), None);
    }

    /// A deadline for the model test: past, present, near, on a slot
    /// boundary, beyond the wheel's range, or anywhere.
    fn model_deadline(rng: &mut Rng, elapsed: u64) -> u64 {
        match rng.below(12) {
            0 => elapsed.saturating_sub(rng.below(1_000)),
            1 => elapsed,
            2..=4 => elapsed.saturating_add(1 + rng.below(64)),
            5 | 6 => elapsed.saturating_add(rng.below(100_000)),
            7 => {
                let width = 64u64.pow(1 + rng.below(6) as u32);
                (elapsed / width + 1 + rng.below(3)).saturating_mul(width)
            }
            8 => elapsed.saturating_add(rng.below(1 << 40)),
            9 => elapsed.saturating_add(TOP_RANGE - 1 + rng.below(3)),
            10 => u64::MAX,
            _ => rng.next(),
        }
    }

    /// A target tick for the model test: backwards, small, large, at or just
    /// before the next deadline, or (rarely) anywhere up to `u64::MAX`.
    fn model_now(rng: &mut Rng, elapsed: u64, next: Option<u64>) -> u64 {
        match rng.below(20) {
            0 => elapsed.saturating_sub(rng.below(100)),
            1..=8 => elapsed.saturating_add(rng.below(64)),
            9..=12 => elapsed.saturating_add(rng.below(10_000)),
            13 | 14 => elapsed.saturating_add(rng.below(1 << 38)),
            15..=17 => next.unwrap_or(elapsed).max(elapsed),
            18 => next.map_or(elapsed, |next| next.saturating_sub(1)),
            _ if rng.below(20) == 0 && elapsed < u64::MAX => {
                elapsed + rng.below(u64::MAX - elapsed)
            }
            _ => elapsed.saturating_add(rng.below(1 << 20)),
        }
    }

    /// Runs `ops` random operations on a wheel and on a reference model and
    /// compares them after each one. Advances are [`Wheel::advance`] or
    /// [`Wheel::advance_take`], the latter refiling some entries later and
    /// removing the rest.
    fn run_model(seed: u64, ops: usize) {
        let mut rng = Rng::new(seed);
        let mut wheel = Wheel::new();
        // id -> (key, deadline, fired)
        let mut stored: BTreeMap<u64, (Key, u64, bool)> = BTreeMap::new();
        // (deadline, id) of every pending entry
        let mut pending: BTreeSet<(u64, u64)> = BTreeSet::new();
        // ids of the entries that were already due when (re)armed, in order
        let mut due_order: Vec<u64> = Vec::new();
        let mut ids: Vec<u64> = Vec::new();
        let mut next_id = 0;
        let mut elapsed = 0;
        for op in 0..ops {
            let roll = rng.below(100);
            if roll < 35 || ids.is_empty() {
                let deadline = model_deadline(&mut rng, elapsed);
                let key = wheel.insert(deadline, next_id);
                stored.insert(next_id, (key, deadline, false));
                pending.insert((deadline, next_id));
                if deadline <= elapsed {
                    due_order.push(next_id);
                }
                ids.push(next_id);
                next_id += 1;
            } else if roll < 50 {
                let id = ids.swap_remove(rng.below(ids.len() as u64) as usize);
                let (key, deadline, _) = stored.remove(&id).unwrap();
                pending.remove(&(deadline, id));
                due_order.retain(|&due| due != id);
                assert_eq!(wheel.remove(key), id);
            } else if roll < 65 {
                let id = ids[rng.below(ids.len() as u64) as usize];
                let deadline = model_deadline(&mut rng, elapsed);
                let entry = stored.get_mut(&id).unwrap();
                pending.remove(&(entry.1, id));
                wheel.reset(entry.0, deadline);
                *entry = (entry.0, deadline, false);
                pending.insert((deadline, id));
                due_order.retain(|&due| due != id);
                if deadline <= elapsed {
                    due_order.push(id);
                }
            } else {
                let now = model_now(&mut rng, elapsed, wheel.next_deadline());
                let take = rng.below(2) == 0;
                // (id, refiled at) for each entry, in the order it came due.
                let mut came_due: Vec<(u64, Option<u64>)> = Vec::new();
                let mut taken: Vec<(Key, u64)> = Vec::new();
                if take {
                    let later = now.max(elapsed);
                    wheel.advance_take(
                        now,
                        |&mut id| {
                            let refile = (later < u64::MAX && rng.below(3) == 0)
                                .then(|| later + 1 + rng.below((u64::MAX - later).min(5_000)));
                            came_due.push((id, refile));
                            match refile {
                                Some(deadline) => Expired::Refile(deadline),
                                None => Expired::Fire,
                            }
                        },
                        |key, id| taken.push((key, id)),
                    );
                } else {
                    for (key, id) in advance_collect(&mut wheel, now) {
                        came_due.push((id, None));
                        taken.push((key, id));
                    }
                }
                elapsed = elapsed.max(now);
                assert_eq!(wheel.elapsed(), elapsed);
                // Already-due entries first, in order; then deadline order.
                let due_ids: Vec<u64> = came_due.iter().map(|&(id, _)| id).collect();
                assert_eq!(
                    &due_ids[..due_order.len()],
                    &due_order[..],
                    "seed {seed} op {op}: due order"
                );
                let deadlines: Vec<u64> = due_ids[due_order.len()..]
                    .iter()
                    .map(|id| stored[id].1)
                    .collect();
                assert!(is_sorted(&deadlines), "seed {seed} op {op}: order");
                due_order.clear();
                let mut came_ids = due_ids.clone();
                came_ids.sort_unstable();
                let mut expected: Vec<u64> = pending
                    .range(..=(elapsed, u64::MAX))
                    .map(|&(_, id)| id)
                    .collect();
                expected.sort_unstable();
                assert_eq!(came_ids, expected, "seed {seed} op {op}: fired set");
                let fired: Vec<u64> = came_due
                    .iter()
                    .filter(|(_, refile)| refile.is_none())
                    .map(|&(id, _)| id)
                    .collect();
                assert_eq!(taken.len(), fired.len());
                for ((key, id), &expected_id) in taken.into_iter().zip(&fired) {
                    assert_eq!(id, expected_id);
                    let entry = stored.get_mut(&id).unwrap();
                    assert_eq!(entry.0, key);
                    pending.remove(&(entry.1, id));
                    if take {
                        stored.remove(&id);
                        ids.retain(|&kept| kept != id);
                    } else {
                        entry.2 = true;
                    }
                }
                for (id, refile) in came_due {
                    if let Some(deadline) = refile {
                        let entry = stored.get_mut(&id).unwrap();
                        pending.remove(&(entry.1, id));
                        entry.1 = deadline;
                        pending.insert((deadline, id));
                    }
                }
            }

            assert_eq!(wheel.len(), stored.len());
            assert_eq!(wheel.is_empty(), stored.is_empty());
            match (pending.first(), wheel.next_deadline()) {
                (None, None) => {}
                (Some(&(earliest, _)), Some(next)) => {
                    assert!(next <= earliest, "seed {seed} op {op}: next deadline");
                    assert_eq!(next <= elapsed, earliest <= elapsed);
                }
                (earliest, next) => {
                    panic!("seed {seed} op {op}: earliest {earliest:?}, next {next:?}")
                }
            }
            if !ids.is_empty() {
                let id = ids[rng.below(ids.len() as u64) as usize];
                let (key, deadline, fired) = stored[&id];
                assert_eq!(*wheel.get(key), id);
                assert_eq!(wheel.deadline(key), deadline);
                assert_eq!(wheel.is_fired(key), fired);
            }
            // Full checks are slow under Miri; there, check every few steps.
            if !cfg!(miri) || op % 4 == 0 {
                wheel.check_invariants();
            }
        }

        let fired = advance_collect(&mut wheel, u64::MAX);
        assert_eq!(fired.len(), pending.len());
        let deadlines: Vec<u64> = fired[due_order.len()..]
            .iter()
            .map(|(_, id)| stored[id].1)
            .collect();
        assert!(is_sorted(&deadlines));
        assert_eq!(wheel.next_deadline(), None);
        wheel.check_invariants();
    }

    /// Resetting many armed entries to past deadlines, each earlier than the
    /// last, costs O(1) each: they land on the due list in the order they
    /// were reset, and all fire at the next advance.
    #[test]
    fn resets_to_ever_earlier_past_deadlines_are_cheap() {
        let n = count(40_000, 200) as u64;
        let mut wheel = Wheel::new();
        wheel.advance(10 * n, |_, _: &mut u64| {});
        let keys: Vec<Key> = (0..2 * n).map(|i| wheel.insert(20 * n + i, i)).collect();
        // Each reset is earlier than the one before: a sorted list would be
        // walked from its tail every time (quadratic).
        for (i, &key) in keys.iter().enumerate() {
            wheel.reset(key, 2 * n - i as u64);
        }
        assert_eq!(wheel.next_deadline(), Some(1));
        let fired: Vec<u64> = advance_collect(&mut wheel, 0)
            .into_iter()
            .map(|(_, value)| value)
            .collect();
        assert_eq!(fired, (0..2 * n).collect::<Vec<_>>());
        wheel.check_invariants();
    }

    /// Random operations agree with a `BTreeMap` reference model, for several
    /// seeds.
    #[test]
    fn matches_a_reference_model() {
        let seeds = [1, 0xdead_beef, 0x1234_5678_9abc_def0, 42, 7_777];
        let runs = count(seeds.len(), 2);
        let ops = count(4_000, 100);
        for &seed in &seeds[..runs] {
            run_model(seed, ops);
        }
    }
}
