-- Duty time and funds (issue 17). Money is BIGINT fen everywhere, never a
-- floating type. Office-less rows (office_id NULL) are the district's own.

-- How long a meeting lasted, entered with its record: duty time counts it.
ALTER TABLE activities ADD COLUMN duration_minutes INTEGER;
ALTER TABLE consultations ADD COLUMN duration_minutes INTEGER;

-- 规范性文件: the committee's duty rules, one row per version; the version in
-- force on a day is the latest whose effective_from is on or before it.
CREATE TABLE duty_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    title TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    effective_from DATE NOT NULL,
    body TEXT NOT NULL,
    duty_days INTEGER NOT NULL,
    fund_uses TEXT NOT NULL,
    leave_clause TEXT NOT NULL,
    letter_prefix TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX duty_rules_in_force ON duty_rules (committee_id, effective_from);

CREATE TABLE budgets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    year INTEGER NOT NULL,
    line TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX budgets_line ON budgets (committee_id, COALESCE(office_id, 0), year, line);

-- Expenses: corrections are reversing rows (reverses_id), never edits of an
-- approved amount. voucher_no numbers an office's expenses per year for the
-- receipts' binder.
CREATE TABLE expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    year INTEGER NOT NULL,
    voucher_no INTEGER NOT NULL,
    line TEXT NOT NULL,
    spent_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL,
    payee TEXT NOT NULL,
    purpose TEXT NOT NULL,
    for_kind TEXT NOT NULL,
    activity_id BIGINT REFERENCES activities(id),
    consultation_id BIGINT REFERENCES consultations(id),
    home_id BIGINT REFERENCES members_homes(id),
    status TEXT NOT NULL,
    reverses_id BIGINT REFERENCES expenses(id),
    entered_by BIGINT NOT NULL REFERENCES users(id),
    entered_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMP,
    return_reason TEXT NOT NULL DEFAULT '',
    paid_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX expenses_voucher ON expenses (committee_id, COALESCE(office_id, 0), year, voucher_no);
CREATE INDEX expenses_line ON expenses (committee_id, office_id, year, line, status);
CREATE UNIQUE INDEX expenses_reversed_once ON expenses (reverses_id);

CREATE TABLE expense_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    expense_id BIGINT NOT NULL REFERENCES expenses(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX expense_files_expense ON expense_files (expense_id);

-- 委员经费: a member's allocation for a year and what was spent of it, each
-- use one the rules in force allow.
CREATE TABLE member_funds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    year INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX member_funds_year ON member_funds (member_id, year);

CREATE TABLE member_fund_uses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    year INTEGER NOT NULL,
    spent_on DATE NOT NULL,
    fund_use TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    note TEXT NOT NULL,
    rule_id BIGINT NOT NULL REFERENCES duty_rules(id),
    reverses_id BIGINT REFERENCES member_fund_uses(id),
    entered_by BIGINT NOT NULL REFERENCES users(id),
    entered_at TIMESTAMP NOT NULL
);
CREATE INDEX member_fund_uses_member ON member_fund_uses (member_id, year);
CREATE UNIQUE INDEX member_fund_uses_reversed_once ON member_fund_uses (reverses_id);

-- 履职积分: the district's points per item and year; missing items score
-- their default.
CREATE TABLE score_points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    year INTEGER NOT NULL,
    item TEXT NOT NULL,
    points INTEGER NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX score_points_item ON score_points (committee_id, year, item);

-- 请假函: numbered per committee and Beijing year; the letter's text is kept
-- as issued (the archive must not change when the roster does).
CREATE TABLE leave_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id BIGINT NOT NULL REFERENCES committees(id),
    office_id BIGINT REFERENCES offices(id),
    year INTEGER NOT NULL,
    serial INTEGER NOT NULL,
    number TEXT NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members(id),
    activity_id BIGINT REFERENCES activities(id),
    consultation_id BIGINT REFERENCES consultations(id),
    rule_id BIGINT NOT NULL REFERENCES duty_rules(id),
    employer TEXT NOT NULL,
    body TEXT NOT NULL,
    issued_by BIGINT NOT NULL REFERENCES users(id),
    issued_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX leave_letters_number ON leave_letters (committee_id, year, serial);
CREATE INDEX leave_letters_member ON leave_letters (member_id, activity_id, consultation_id);
