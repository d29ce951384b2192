//! Five years of opinion cases, replayed in time order through the real store
//! (`public::file` and `cases::enter`, `act`, `public::rate`,
//! `auto_close_unscoped`, extensions, `set_public`) with the kernel clock set to
//! each step's moment.
//!
//! Each case's fate is drawn when it arrives (accepted or rejected, merged as a
//! duplicate, returned, extended, sent back, rated 满意/基本满意/不满意 and
//! reopened, closed unrated, made public) as a plan of timed moves. Each
//! committee is a [`Stream`]: its arrivals, its own random generator and its
//! cases' moves in time order, touching nothing of another committee's. A
//! [`Replay`] plays several streams merged in time order on one connection, so
//! ids, events and the audit log follow the calendar as they would in service
//! (across all committees on SQLite's one writer; across each connection's
//! committees when PostgreSQL's are split over several). A committee's data
//! depends only on the seed, never on how the streams were split. What would
//! happen after `until` does not happen, which leaves the last weeks' cases
//! open.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::activities::Agenda;
use super::org::Cast;
use super::{names, text};
use crate::kernel::auth::Actor;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::jobs;
use crate::kernel::error::{AppError, AppResult};
use crate::kernel::ids::{JobId, OpinionId};
use crate::kernel::personal::Vault;
use crate::kernel::time::with_clock;
use crate::opinions::model::{Action, Assignee, Rating, Source};
use crate::opinions::store::cases::{self, NewOpinion, Step};
use crate::opinions::store::{extensions, public};

/// Share of web submissions that leave a name and phone (encrypted). Kept small:
/// each public step of such a case queues a push job (dropped again, see
/// `drop_replayed_jobs`).
const WITH_PHONE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Dept(usize),
    Office(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rater {
    Resident,
    /// Staff record the rating from a phone callback (回访).
    Callback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Accept,
    Reject,
    Merge(OpinionId),
    Assign(Handler),
    Return,
    Sign,
    AskMoreTime,
    DecideMoreTime(bool),
    Answer,
    SendBack,
    Approve,
    Rate(Rating, Rater),
    AutoClose,
    Publish,
}

struct Case {
    office: Option<usize>,
    id: OpinionId,
    code: String,
    /// The township's staff dispatch it, or else the district.
    office_dispatches: bool,
    handler: Option<Handler>,
    plan: VecDeque<(NaiveDateTime, Move)>,
}

/// A case a later duplicate may copy and be merged into: (id, subclass code, body).
type Recent = (OpinionId, &'static str, String);

/// How many of each thing happened, and the time the store took for each kind
/// of step (where a replay spends its time).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub submitted: u64,
    pub steps: u64,
    pub by_kind: BTreeMap<&'static str, (u64, std::time::Duration)>,
}

impl Tally {
    fn add(&mut self, kind: &'static str, took: std::time::Duration) {
        let e = self.by_kind.entry(kind).or_default();
        e.0 += 1;
        e.1 += took;
    }
}

impl Move {
    fn kind(self) -> &'static str {
        match self {
            Move::Accept => "accept",
            Move::Reject => "reject",
            Move::Merge(_) => "merge",
            Move::Assign(_) => "assign",
            Move::Return => "return",
            Move::Sign => "sign",
            Move::AskMoreTime => "ask_more_time",
            Move::DecideMoreTime(_) => "decide_more_time",
            Move::Answer => "answer",
            Move::SendBack => "send_back",
            Move::Approve => "approve",
            Move::Rate(_, Rater::Resident) => "rate",
            Move::Rate(_, Rater::Callback) => "rate_callback",
            Move::AutoClose => "auto_close",
            Move::Publish => "publish",
        }
    }
}

/// One committee's history: its arrivals (each with the seed of its tracking
/// code), its random generator, and the moves of its cases under way.
pub struct Stream {
    cast: usize,
    rng: StdRng,
    arrivals: Vec<(NaiveDateTime, u64)>,
    next_arrival: usize,
    queue: BinaryHeap<Reverse<(NaiveDateTime, u64, usize)>>,
    seq: u64,
    cases: Vec<Option<Case>>,
    free: Vec<usize>,
    /// Recent cases per office that a duplicate may be merged into.
    recent: HashMap<Option<usize>, VecDeque<Recent>>,
}

impl Stream {
    /// Committee `cast`'s stream: `arrivals` (time, code seed) in time order.
    pub fn new(cast: usize, rng: StdRng, arrivals: Vec<(NaiveDateTime, u64)>) -> Stream {
        Stream {
            cast,
            rng,
            arrivals,
            next_arrival: 0,
            queue: BinaryHeap::new(),
            seq: 0,
            cases: vec![],
            free: vec![],
            recent: HashMap::new(),
        }
    }

    /// How many cases it will receive.
    pub fn len(&self) -> usize {
        self.arrivals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.arrivals.is_empty()
    }

    /// Its next moment and what happens then (0: an arrival, 1: a case's move;
    /// an arrival first on a tie), if before `until`.
    fn next(&self, until: NaiveDateTime) -> Option<(NaiveDateTime, u8)> {
        let arrival = self.arrivals.get(self.next_arrival).map(|a| (a.0, 0));
        let step = self.queue.peek().map(|Reverse((t, _, _))| (*t, 1));
        [arrival, step].into_iter().flatten().filter(|(t, _)| *t < until).min()
    }
}

/// Plays committees' streams (and the district's activities) merged in time
/// order on one connection.
pub struct Replay<'a> {
    casts: &'a [Cast],
    vault: &'a Vault,
    streams: Vec<Stream>,
    /// Each stream's next moment: (time, kind, stream), one entry per stream
    /// with anything left before `until`.
    heads: BinaryHeap<Reverse<(NaiveDateTime, u8, usize)>>,
    until: NaiveDateTime,
    arrived: usize,
    /// Liaison activities, played in the same time order (district only).
    agenda: Agenda,
    pub tally: Tally,
}

/// When residents write (Beijing hours, weights): evenings and mornings.
const HOURS: [u32; 24] = [1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 9, 8, 6, 5, 6, 7, 7, 6, 6, 8, 9, 8, 5, 2];

/// `n` arrival times in [start, until), sorted, more in later years (the box is
/// used more once people know it), each with the committee it goes to (by
/// the number of its places).
pub fn arrivals(
    rng: &mut impl Rng,
    n: usize,
    start: NaiveDateTime,
    until: NaiveDateTime,
    casts: &[Cast],
) -> Vec<(NaiveDateTime, usize)> {
    let days = (until - start).num_days().max(1);
    let growth = 1.0_f64;
    let weights: Vec<usize> =
        casts.iter().map(|c| 1 + c.offices.iter().map(|o| o.places.len()).sum::<usize>()).collect();
    let total: usize = weights.iter().sum();
    let hour_total: u32 = HOURS.iter().sum();
    let mut out: Vec<(NaiveDateTime, usize)> = (0..n)
        .map(|_| {
            // Inverse CDF of a density rising linearly by `growth` over the span.
            let u: f64 = rng.random();
            let x = ((1.0 + 2.0 * growth * u * (1.0 + growth / 2.0)).sqrt() - 1.0) / growth;
            let day = ((x * days as f64) as i64).min(days - 1);
            let mut h = rng.random_range(0..hour_total);
            let hour = HOURS
                .iter()
                .position(|w| {
                    if h < *w {
                        true
                    } else {
                        h -= w;
                        false
                    }
                })
                .unwrap_or(12) as i64;
            // `start` is midnight in Beijing; hours count from there.
            let t = start + Duration::days(day) + Duration::hours(hour) + Duration::seconds(rng.random_range(0..3600));
            let mut w = rng.random_range(0..total);
            let cast = weights
                .iter()
                .position(|x| {
                    if w < *x {
                        true
                    } else {
                        w -= x;
                        false
                    }
                })
                .unwrap_or(0);
            (t.min(until - Duration::seconds(1)), cast)
        })
        .collect();
    out.sort_unstable();
    out
}

/// splitmix64's finaliser over `a` and `b`: well-spread seeds for the streams
/// and the tracking codes from the one `--seed`.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_add(b.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Each committee's stream from `arrivals` (time, committee; in time order):
/// its own generator and its cases' code seeds, all from `seed`.
///
/// Each case's tracking code comes from its own seed (`model::seeded_codes`
/// around its submit), since committees replayed on several connections draw
/// codes in no fixed order. A seed whose code an earlier case already has is
/// passed over here (rare: 31^10 codes), so no submit meets a taken code and
/// retries in an order that would depend on timing.
pub fn streams(seed: u64, arrivals: &[(NaiveDateTime, usize)], committees: usize) -> Vec<Stream> {
    let mut by_cast: Vec<Vec<(NaiveDateTime, u64)>> = vec![vec![]; committees];
    let mut taken = std::collections::HashSet::with_capacity(arrivals.len());
    let codes = mix(seed, 0xC0DE);
    for &(t, k) in arrivals {
        let i = by_cast[k].len() as u64;
        let mut salt = 0;
        let code_seed = loop {
            let s = mix(mix(codes, k as u64), i | (salt << 40));
            let code = {
                let _seeded = crate::opinions::model::seeded_codes(s);
                crate::opinions::model::new_tracking_code()
            };
            if taken.insert(code) {
                break s;
            }
            salt += 1;
        };
        by_cast[k].push((t, code_seed));
    }
    let streams = mix(seed, 0x5743);
    by_cast
        .into_iter()
        .enumerate()
        .map(|(k, a)| Stream::new(k, StdRng::seed_from_u64(mix(streams, k as u64)), a))
        .collect()
}

fn hours(rng: &mut impl Rng, lo: f64, hi: f64) -> Duration {
    Duration::seconds((rng.random_range(lo..hi) * 3600.0) as i64)
}

/// Staff work 8:00–18:00 Beijing time: a move that would fall outside waits
/// for the next morning.
fn office_hours(t: NaiveDateTime) -> NaiveDateTime {
    let local = t + Duration::hours(8);
    let h = local.hour();
    let shifted = if h < 8 {
        local.date().and_hms_opt(8, local.minute(), local.second())
    } else if h >= 18 {
        (local.date() + Duration::days(1)).and_hms_opt(8, local.minute(), local.second())
    } else {
        Some(local)
    };
    shifted.unwrap_or(local) - Duration::hours(8)
}

/// A case's plan as it is drawn: moves with their moments.
struct Planner {
    t: NaiveDateTime,
    plan: Vec<(NaiveDateTime, Move)>,
}

impl Planner {
    /// A staff move `lo`–`hi` hours after the previous one, in office hours.
    fn staff(&mut self, rng: &mut impl Rng, lo: f64, hi: f64, m: Move) {
        self.t = office_hours(self.t + hours(rng, lo, hi));
        self.plan.push((self.t, m));
    }
    /// A move at any hour (a resident, the hourly sweep), `after` the previous one.
    fn any_time(&mut self, after: Duration, m: Move) {
        self.t += after;
        self.plan.push((self.t, m));
    }
}

/// A case's fate as timed moves from its arrival `t0`: `dept` is the unit the
/// routing table gives, `office` the township whose staff may handle it.
fn fate(
    rng: &mut impl Rng,
    t0: NaiveDateTime,
    merge_into: Option<OpinionId>,
    office: Option<usize>,
    dept: usize,
    depts: usize,
) -> Vec<(NaiveDateTime, Move)> {
    let mut p = Planner { t: t0, plan: vec![] };
    if let Some(master) = merge_into {
        p.staff(rng, 2.0, 48.0, Move::Merge(master));
        return p.plan;
    }
    if rng.random_bool(0.04) {
        p.staff(rng, 4.0, 72.0, Move::Reject);
        return p.plan;
    }
    p.staff(rng, 1.0, 72.0, Move::Accept);
    let handler = match office {
        Some(o) if rng.random_bool(0.15) => Handler::Office(o),
        _ => Handler::Dept(dept),
    };
    p.staff(rng, 1.0, 48.0, Move::Assign(handler));
    if depts > 1 && rng.random_bool(0.03) {
        // Misrouted: the handler returns it and staff assign another unit.
        p.staff(rng, 2.0, 30.0, Move::Return);
        let other = (dept + rng.random_range(1..depts)) % depts;
        p.staff(rng, 2.0, 24.0, Move::Assign(Handler::Dept(other)));
    }
    let late_sign = rng.random_bool(0.08);
    p.staff(rng, 1.0, if late_sign { 72.0 } else { 24.0 }, Move::Sign);
    if rng.random_bool(0.05) {
        p.staff(rng, 24.0, 96.0, Move::AskMoreTime);
        let approve = rng.random_bool(0.8);
        p.staff(rng, 2.0, 24.0, Move::DecideMoreTime(approve));
    }
    let late = rng.random_bool(0.1);
    p.staff(rng, 48.0, if late { 600.0 } else { 336.0 }, Move::Answer);
    if rng.random_bool(0.08) {
        p.staff(rng, 4.0, 48.0, Move::SendBack);
        p.staff(rng, 48.0, 144.0, Move::Answer);
    }
    p.staff(rng, 2.0, 48.0, Move::Approve);
    let mut reopened = false;
    loop {
        let rater = match rng.random_range(0..100) {
            0..=54 => Rater::Resident,
            55..=74 => Rater::Callback,
            _ => {
                // Unrated: the hourly sweep closes it 15 days after the answer.
                let wait = Duration::days(15) + hours(rng, 0.0, 1.0);
                p.any_time(wait, Move::AutoClose);
                return p.plan;
            }
        };
        let rating = match (reopened, rng.random_range(0..100)) {
            (false, 0..=69) | (true, 0..=49) => Rating::Satisfied,
            (false, 70..=89) | (true, 50..=79) => Rating::Basic,
            _ => Rating::Unsatisfied,
        };
        match rater {
            Rater::Resident => {
                let wait = hours(rng, 2.0, 240.0);
                p.any_time(wait, Move::Rate(rating, rater));
            }
            Rater::Callback => p.staff(rng, 72.0, 240.0, Move::Rate(rating, rater)),
        }
        if rating == Rating::Unsatisfied && !reopened {
            // 不满意 reopens once, with the same handler.
            reopened = true;
            p.staff(rng, 72.0, 240.0, Move::Answer);
            p.staff(rng, 2.0, 48.0, Move::Approve);
            continue;
        }
        if rating != Rating::Unsatisfied && rng.random_bool(0.15) {
            p.staff(rng, 24.0, 168.0, Move::Publish);
        }
        return p.plan;
    }
}

impl<'a> Replay<'a> {
    pub fn new(
        casts: &'a [Cast],
        vault: &'a Vault,
        streams: Vec<Stream>,
        agenda: Agenda,
        until: NaiveDateTime,
    ) -> Replay<'a> {
        let mut heads = BinaryHeap::new();
        for (i, s) in streams.iter().enumerate() {
            if let Some((t, kind)) = s.next(until) {
                heads.push(Reverse((t, kind, i)));
            }
        }
        Replay { casts, vault, streams, heads, until, arrived: 0, agenda, tally: Tally::default() }
    }

    /// How many cases have arrived so far (the progress bar's position).
    pub fn arrived(&self) -> usize {
        self.arrived
    }

    /// Plays up to `max` arrivals and moves, in time order, on `conn` (the
    /// caller's transaction). Returns whether anything is left.
    pub fn play(&mut self, conn: &mut DbConn, max: usize) -> AppResult<bool> {
        for _ in 0..max {
            // The earliest of the streams' next moments and the next activity
            // move (a case first on a tie).
            let case = self.heads.peek().map(|Reverse((t, _, _))| *t);
            let activity = self.agenda.next_at().filter(|t| *t < self.until);
            match (case, activity) {
                (None, None) => return Ok(false),
                (Some(c), a) if a.is_none_or(|a| c <= a) => {
                    let Some(Reverse((_, kind, i))) = self.heads.pop() else { return Ok(false) };
                    if kind == 0 {
                        self.arrive(conn, i)?;
                    } else {
                        self.step(conn, i)?;
                    }
                    if let Some((t, kind)) = self.streams[i].next(self.until) {
                        self.heads.push(Reverse((t, kind, i)));
                    }
                }
                _ => {
                    let clock = std::time::Instant::now();
                    self.agenda.play_next(conn, self.casts)?;
                    self.tally.add("activity", clock.elapsed());
                }
            }
        }
        Ok(true)
    }
}

impl Stream {
    fn schedule(&mut self, slot: usize) {
        if let Some(Some(case)) = self.cases.get(slot)
            && let Some((t, _)) = case.plan.front()
        {
            self.seq += 1;
            self.queue.push(Reverse((*t, self.seq, slot)));
        } else if let Some(c) = self.cases.get_mut(slot) {
            *c = None;
            self.free.push(slot);
        }
    }
}

impl Replay<'_> {
    fn arrive(&mut self, conn: &mut DbConn, i: usize) -> AppResult<()> {
        let s = &mut self.streams[i];
        let (t, code_seed) = s.arrivals[s.next_arrival];
        s.next_arrival += 1;
        self.arrived += 1;
        let cast = &self.casts[s.cast];
        let rng = &mut s.rng;
        let office = if rng.random_bool(0.92) { Some(rng.random_range(0..cast.offices.len())) } else { None };
        let place = office.and_then(|o| cast.offices[o].places.choose(rng).filter(|_| rng.random_bool(0.85)));
        let rural = place.map_or_else(|| rng.random_bool(0.3), |p| p.rural);
        // A duplicate: another resident writes about what a recent case raised.
        let key = office;
        let master = s
            .recent
            .get(&key)
            .filter(|r| !r.is_empty() && rng.random_bool(0.03))
            .and_then(|r| r.get(rng.random_range(0..r.len())))
            .map(|(id, code, body)| (*id, *code, text::near_copy(rng, body)));
        let (code, body, merge_into) = match master {
            Some((id, code, body)) => (code, body, Some(id)),
            None => {
                let (code, body) = text::opinion(rng, place.map(|p| p.name.as_str()), rural);
                (code, body, None)
            }
        };
        let heard_by = office.and_then(|o| cast.offices[o].members.choose(rng).copied());
        let source = match rng.random_range(0..100) {
            0..=69 => Source::Web,
            70..=84 => Source::Paper,
            _ if heard_by.is_some() => Source::Activity,
            _ => Source::Paper,
        };
        let office_dispatches = office.is_some() && rng.random_bool(0.5);
        let (name_enc, phone_enc, phone_index) = if source == Source::Web && rng.random_bool(WITH_PHONE) {
            let (name, _) = names::person(rng);
            let phone = format!("1{}{:09}", rng.random_range(3..=9), rng.random_range(0..1_000_000_000u32));
            (Some(self.vault.encrypt(&name)), Some(self.vault.encrypt(&phone)), Some(self.vault.blind_index(&phone)))
        } else {
            (None, None, None)
        };
        let new = NewOpinion {
            office_id: office.map(|o| cast.offices[o].id),
            locality_id: place.map(|p| p.id),
            category_id: cast.categories.get(code).copied(),
            source: Some(source),
            heard_by: heard_by.filter(|_| source == Source::Activity),
            body,
            name_enc,
            phone_enc,
            phone_index,
            ..NewOpinion::default()
        };
        // Paper slips and what members heard are entered by staff.
        let by = match (source, office) {
            (Source::Web, _) => None,
            (_, Some(o)) if office_dispatches => Some(&cast.offices[o].staff),
            _ => Some(&cast.admin),
        };
        let clock = std::time::Instant::now();
        // The code the store draws comes from this case's own seed (unique, see `code_seeds`).
        let (id, tracking) = with_clock(t, || {
            let _codes = crate::opinions::model::seeded_codes(code_seed);
            match by {
                Some(staff) => cases::enter(conn, staff, &new),
                None => public::file(conn, cast.committee, &new),
            }
        })?;
        self.tally.add("submit", clock.elapsed());
        self.tally.submitted += 1;
        let plan = fate(&mut s.rng, t, merge_into, office, cast.dept_for(code), cast.depts.len());
        // Duplicates are merged into cases that stay open to them (not rejected).
        if merge_into.is_none() && !plan.iter().any(|(_, m)| *m == Move::Reject) {
            let recent = s.recent.entry(key).or_default();
            if recent.len() >= 20 {
                recent.pop_front();
            }
            recent.push_back((id, code, new.body));
        }
        let case = Case { office, id, code: tracking, office_dispatches, handler: None, plan: plan.into() };
        let slot = match s.free.pop() {
            Some(f) => {
                s.cases[f] = Some(case);
                f
            }
            None => {
                s.cases.push(Some(case));
                s.cases.len() - 1
            }
        };
        s.schedule(slot);
        Ok(())
    }

    fn step(&mut self, conn: &mut DbConn, i: usize) -> AppResult<()> {
        let s = &mut self.streams[i];
        let Some(Reverse((t, _, slot))) = s.queue.pop() else { return Ok(()) };
        let Some(case) = s.cases.get_mut(slot).and_then(Option::as_mut) else { return Ok(()) };
        let Some((_, mv)) = case.plan.pop_front() else { return Ok(()) };
        if let Move::Assign(h) = mv {
            case.handler = Some(h);
        }
        let cast = &self.casts[s.cast];
        let dispatcher: &Actor = match case.office {
            Some(o) if case.office_dispatches => &cast.offices[o].staff,
            _ => &cast.admin,
        };
        let handler: &Actor = match case.handler {
            Some(Handler::Office(o)) => &cast.offices[o].staff,
            Some(Handler::Dept(d)) => &cast.depts[d].staff,
            None => dispatcher,
        };
        let rng = &mut s.rng;
        let (id, code) = (case.id, case.code.clone());
        let clock = std::time::Instant::now();
        let done = with_clock(t, || -> AppResult<()> {
            match mv {
                Move::Accept => act(conn, dispatcher, id, Step::new(Action::Accept)),
                Move::Reject => act(conn, dispatcher, id, note(Action::Reject, text::reject_reason(rng))),
                Move::Merge(into) => {
                    act(conn, dispatcher, id, Step { merge_into: Some(into), ..Step::new(Action::MergeInto) })
                }
                Move::Assign(h) => {
                    let assignee = match h {
                        Handler::Dept(d) => Assignee::Department(cast.depts[d].id),
                        Handler::Office(o) => Assignee::Office(cast.offices[o].id),
                    };
                    act(conn, dispatcher, id, Step { assignee: Some(assignee), ..Step::new(Action::Assign) })
                }
                Move::Return => act(conn, handler, id, note(Action::Return, text::return_reason(rng))),
                Move::Sign => act(conn, handler, id, Step::new(Action::Sign)),
                Move::AskMoreTime => {
                    extensions::request(conn, handler, id, rng.random_range(5..=15), text::extension_reason(rng))
                }
                Move::DecideMoreTime(approve) => extensions::decide(conn, dispatcher, id, approve),
                Move::Answer => {
                    let unit = match case.handler {
                        Some(Handler::Dept(d)) => cast.depts[d].name.as_str(),
                        _ => "",
                    };
                    act(conn, handler, id, note(Action::Answer, &text::answer(rng, unit)))
                }
                Move::SendBack => act(conn, dispatcher, id, note(Action::SendBack, text::send_back_reason(rng))),
                Move::Approve => act(conn, dispatcher, id, Step::new(Action::ApproveAnswer)),
                Move::Rate(rating, rater) => {
                    let comment = text::rating_comment(rng, rating != Rating::Unsatisfied);
                    let step = note(Action::Rate(rating), comment);
                    match rater {
                        Rater::Resident => public::rate(conn, &code, &step).map(|_| ()),
                        Rater::Callback => act(conn, dispatcher, id, step),
                    }
                }
                Move::AutoClose => cases::auto_close_unscoped(conn, id).map(|_| ()),
                Move::Publish => cases::set_public(conn, dispatcher, id, true),
            }
        });
        done.map_err(|e| AppError::Internal(anyhow::anyhow!("gen: {mv:?} on case {id} at {t} failed: {e:?}")))?;
        self.tally.add(mv.kind(), clock.elapsed());
        self.tally.steps += 1;
        s.schedule(slot);
        Ok(())
    }
}

fn note(action: Action, text: &str) -> Step {
    Step { note: text.to_string(), ..Step::new(action) }
}

fn act(conn: &mut DbConn, actor: &Actor, id: OpinionId, step: Step) -> AppResult<()> {
    cases::act(conn, actor, id, &step).map(|_| ())
}

/// The newest job id before the replay: jobs after it were queued by replayed steps.
pub fn last_job(conn: &mut DbConn) -> AppResult<JobId> {
    Ok(jobs::table.select(diesel::dsl::max(jobs::id)).first::<Option<JobId>>(conn)?.unwrap_or(JobId(0)))
}

/// Drops the jobs the replay queued: pushes to residents about events years ago
/// (never to be sent) and `search.sync` triggers (the generator runs the sync
/// itself at the end). Run in each batch's transaction, so the queue never
/// holds more than one batch's worth.
pub fn drop_replayed_jobs(conn: &mut DbConn, after: JobId) -> AppResult<usize> {
    use crate::kernel::jobs::model::JobStatus;
    Ok(diesel::delete(
        jobs::table
            .filter(jobs::id.gt(after))
            .filter(jobs::status.eq(JobStatus::Queued))
            .filter(jobs::kind.eq_any([crate::kernel::search::SYNC_JOB, crate::opinions::jobs::NOTIFY_RESIDENT])),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rand::SeedableRng;

    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 5, 6).and_then(|d| d.and_hms_opt(h, 30, 0)).expect("valid")
    }

    #[test]
    fn staff_work_office_hours() {
        // UTC 01:30 is 09:30 in Beijing: kept. UTC 12:30 is 20:30: next morning 08:30.
        assert_eq!(office_hours(at(1)), at(1));
        assert_eq!(
            office_hours(at(12)),
            NaiveDate::from_ymd_opt(2024, 5, 7).and_then(|d| d.and_hms_opt(0, 30, 0)).expect("valid")
        );
        // UTC 22:30 is 06:30 the next day in Beijing: 08:30 that day.
        assert_eq!(
            office_hours(at(22)),
            NaiveDate::from_ymd_opt(2024, 5, 7).and_then(|d| d.and_hms_opt(0, 30, 0)).expect("valid")
        );
    }

    #[test]
    fn fates_are_valid_walks_of_the_loop() {
        use crate::opinions::model::{Party, Status, next};
        let mut rng = StdRng::seed_from_u64(9);
        let mut finals = HashMap::new();
        for i in 0..3000 {
            let merge = (i % 50 == 0).then_some(OpinionId(1));
            let plan = fate(&mut rng, at(3), merge, Some(0), 2, 10);
            let mut s = Status::Submitted;
            let mut reopened = false;
            let mut last = at(3);
            for (t, mv) in &plan {
                assert!(*t >= last, "moves in time order");
                last = *t;
                let (action, party) = match mv {
                    Move::Accept => (Action::Accept, Party::Dispatcher),
                    Move::Reject => (Action::Reject, Party::Dispatcher),
                    Move::Merge(_) => (Action::MergeInto, Party::Dispatcher),
                    Move::Assign(_) => (Action::Assign, Party::Dispatcher),
                    Move::Return => (Action::Return, Party::Handler),
                    Move::Sign => (Action::Sign, Party::Handler),
                    Move::Answer => (Action::Answer, Party::Handler),
                    Move::SendBack => (Action::SendBack, Party::Dispatcher),
                    Move::Approve => (Action::ApproveAnswer, Party::Dispatcher),
                    Move::Rate(r, Rater::Resident) => (Action::Rate(*r), Party::Resident),
                    Move::Rate(r, Rater::Callback) => (Action::Rate(*r), Party::Dispatcher),
                    Move::AutoClose => (Action::AutoClose, Party::System),
                    Move::AskMoreTime | Move::DecideMoreTime(_) => {
                        assert!(s.deadline_runs());
                        continue;
                    }
                    Move::Publish => {
                        assert_eq!(s, Status::Closed);
                        continue;
                    }
                };
                let to = next(s, action, party, reopened).unwrap_or_else(|e| panic!("{mv:?} from {s:?}: {e:?}"));
                if s == Status::Answered && to == Status::InProgress {
                    reopened = true;
                }
                s = to;
            }
            *finals.entry(s).or_insert(0) += 1;
        }
        for s in [Status::Closed, Status::Rejected, Status::Merged] {
            assert!(finals.get(&s).copied().unwrap_or(0) > 0, "{s:?} among {finals:?}");
        }
        assert_eq!(finals.len(), 3, "every plan runs to a final state: {finals:?}");
    }
}
