//! Five years of the district's liaison activities, planned and recorded through
//! the activities store (`plan`, `set_present`, `record`, `cancel`) at their
//! own moments: every liaison point visited once a quarter by its linked
//! members (听民声、察民情、知民意、解民忧), and a monthly activity at each
//! office's Members' Home (study, training, consultation, research).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::org::Cast;
use crate::activities::model::Kind;
use crate::activities::store::Activities;
use crate::activities::store::activities::{self as store, Plan, Record};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppResult;
use crate::kernel::ids::{ActivityId, LocalityId, MemberId};
use crate::kernel::time::{start_of_local_day, with_clock};
use crate::meetings::store::attendees;

/// One activity as drawn: what is planned, and how it turns out.
pub struct Spec {
    cast: usize,
    office: usize,
    kind: Kind,
    title: String,
    locality: Option<LocalityId>,
    venue: String,
    topic: String,
    held: NaiveDateTime,
    invited: Vec<MemberId>,
    present: Vec<MemberId>,
    minutes: String,
    outcomes: String,
    residents: i32,
    public: bool,
    cancelled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Move {
    Plan(usize),
    Hold(usize),
    Cancel(usize),
}

/// Every activity's moves in time order, and the activities' ids once planned.
#[derive(Default)]
pub struct Agenda {
    specs: Vec<Spec>,
    moves: Vec<(NaiveDateTime, Move)>,
    next: usize,
    ids: Vec<Option<ActivityId>>,
    pub planned: u64,
}

const HOME_KINDS: [(Kind, &str); 4] = [
    (Kind::Study, "委员学习会"),
    (Kind::Training, "委员履职能力培训"),
    (Kind::Consultation, "协商议事会"),
    (Kind::Research, "专题调研"),
];
const TOPICS: [&str; 10] = [
    "老旧小区改造",
    "农村人居环境整治",
    "居家养老服务",
    "校园周边交通安全",
    "农田水利设施管护",
    "垃圾分类",
    "背街小巷路灯",
    "社区卫生服务",
    "物业管理",
    "乡村道路",
];

/// A moment during office hours (Beijing) on `day`, as UTC.
fn at(rng: &mut impl Rng, day: NaiveDate) -> NaiveDateTime {
    start_of_local_day(day) + Duration::minutes(rng.random_range(9 * 60..16 * 60))
}

/// Draws the activities of every committee in `casts` between `start` and `until`.
pub fn agenda(rng: &mut impl Rng, casts: &[Cast], start: NaiveDateTime, until: NaiveDateTime) -> Agenda {
    let mut a = Agenda::default();
    let (first, last) = (start.date(), until.date());
    for (k, cast) in casts.iter().enumerate() {
        for (o, office) in cast.offices.iter().enumerate() {
            // Quarterly visits to each point, by the members linked to it.
            let mut q = NaiveDate::from_ymd_opt(first.year(), (first.month0() / 3) * 3 + 1, 1).unwrap_or(first);
            while q < last {
                for place in &office.places {
                    let day = q + Duration::days(rng.random_range(5..85));
                    if day < first || day >= last {
                        continue;
                    }
                    let invited = if place.members.is_empty() {
                        office.members.choose(rng).copied().into_iter().collect()
                    } else {
                        place.members.clone()
                    };
                    let topic = TOPICS.choose(rng).copied().unwrap_or("");
                    let spec = Spec {
                        cast: k,
                        office: o,
                        kind: Kind::Liaison,
                        title: "听民声、察民情、知民意、解民忧".into(),
                        locality: Some(place.id),
                        venue: format!("{}党群服务中心", place.name),
                        topic: String::new(),
                        held: at(rng, day),
                        present: vec![],
                        invited,
                        minutes: format!(
                            "委员到{}与干部群众座谈，听取了大家对{topic}等方面的意见建议，现场答复了政策咨询，对需要协调的问题作了记录。",
                            place.name
                        ),
                        outcomes: format!(
                            "收集意见建议{}条，其中{}条录入社情民意征集箱。",
                            rng.random_range(2..9),
                            rng.random_range(0..3)
                        ),
                        residents: rng.random_range(8..40),
                        public: rng.random_bool(0.6),
                        cancelled: rng.random_bool(0.03),
                    };
                    a.push(rng, spec);
                }
                q = NaiveDate::from_ymd_opt(q.year() + i32::from(q.month() > 9), (q.month() + 2) % 12 + 1, 1)
                    .unwrap_or(last);
            }
            // A monthly activity at the office's Members' Home.
            let mut m = NaiveDate::from_ymd_opt(first.year(), first.month(), 1).unwrap_or(first);
            while m < last {
                let day = m + Duration::days(rng.random_range(3..26));
                if day >= first && day < last && !office.members.is_empty() {
                    let (kind, name) = HOME_KINDS.choose(rng).copied().unwrap_or(HOME_KINDS[0]);
                    let topic = TOPICS.choose(rng).copied().unwrap_or("");
                    let mut invited = office.members.clone();
                    invited.shuffle(rng);
                    invited.truncate(rng.random_range(4..12).min(invited.len()));
                    let spec = Spec {
                        cast: k,
                        office: o,
                        kind,
                        title: format!("{topic}{name}"),
                        locality: None,
                        venue: "政协委员之家".into(),
                        topic: if kind == Kind::Research { topic.to_string() } else { String::new() },
                        held: at(rng, day),
                        present: vec![],
                        invited,
                        minutes: format!(
                            "围绕{topic}开展{name}，委员们结合走访中听到的群众意见逐一发言，形成了意见建议。"
                        ),
                        outcomes: format!("形成意见建议{}条，报送区政协。", rng.random_range(1..6)),
                        residents: 0,
                        public: rng.random_bool(0.4),
                        cancelled: rng.random_bool(0.02),
                    };
                    a.push(rng, spec);
                }
                m = NaiveDate::from_ymd_opt(m.year() + i32::from(m.month() == 12), m.month() % 12 + 1, 1)
                    .unwrap_or(last);
            }
        }
    }
    a.moves.sort();
    a.ids = vec![None; a.specs.len()];
    a
}

impl Agenda {
    fn push(&mut self, rng: &mut impl Rng, mut s: Spec) {
        let i = self.specs.len();
        // Planned one to two weeks ahead, in office hours; most invited members come.
        let planned = s.held - Duration::days(rng.random_range(7..15));
        s.present = s.invited.iter().copied().filter(|_| rng.random_bool(0.85)).collect();
        self.moves.push((planned, Move::Plan(i)));
        let end = if s.cancelled { Move::Cancel(i) } else { Move::Hold(i) };
        self.moves.push((s.held + Duration::hours(rng.random_range(2..48)), end));
        self.specs.push(s);
    }

    /// When the next move is due.
    pub fn next_at(&self) -> Option<NaiveDateTime> {
        self.moves.get(self.next).map(|m| m.0)
    }

    /// Takes the next move through the store, at its moment.
    pub fn play_next(&mut self, conn: &mut DbConn, casts: &[Cast]) -> AppResult<()> {
        let Some(&(t, mv)) = self.moves.get(self.next) else { return Ok(()) };
        self.next += 1;
        let i = match mv {
            Move::Plan(i) | Move::Hold(i) | Move::Cancel(i) => i,
        };
        let s = &self.specs[i];
        let cast = &casts[s.cast];
        // The township's staff run their own activities.
        let staff = &cast.offices[s.office].staff;
        with_clock(t, || -> AppResult<()> {
            match (mv, self.ids[i]) {
                (Move::Plan(_), _) => {
                    let plan = Plan {
                        office_id: cast.offices[s.office].id,
                        kind: s.kind,
                        title: s.title.clone(),
                        locality_id: s.locality,
                        venue: s.venue.clone(),
                        planned_at: s.held,
                        topic: s.topic.clone(),
                        members: s.invited.clone(),
                    };
                    self.ids[i] = Some(store::plan(conn, staff, &plan)?);
                    self.planned += 1;
                }
                (Move::Hold(_), Some(id)) => {
                    attendees::set_present::<Activities>(conn, staff, id.0, &s.present)?;
                    let record = Record {
                        held_at: Some(s.held),
                        minutes: s.minutes.clone(),
                        outcomes: s.outcomes.clone(),
                        topic: s.topic.clone(),
                        findings: if s.kind == Kind::Research { s.outcomes.clone() } else { String::new() },
                        residents_count: s.residents,
                        duration_minutes: Some(120),
                        other_participants: if s.residents > 0 {
                            "村（社区）干部、群众代表".into()
                        } else {
                            String::new()
                        },
                        public: s.public,
                    };
                    store::record(conn, staff, id, &record)?;
                }
                (Move::Cancel(_), Some(id)) => store::cancel(conn, staff, id)?,
                _ => {}
            }
            Ok(())
        })
    }
}
