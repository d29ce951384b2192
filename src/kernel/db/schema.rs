//! Diesel's view of the tables. Kept by hand in step with `migrations/`; the
//! `schema` integration test checks both backends against each other and against it
//! (types, nullability, defaults, indexes).

diesel::table! {
    committees (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        public_phone -> Nullable<Text>,
    }
}

diesel::table! {
    offices (id) {
        id -> BigInt,
        committee_id -> BigInt,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        address -> Nullable<Text>,
        established_on -> Nullable<Date>,
        convener_id -> Nullable<BigInt>,
        convener_post -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        disabled -> Bool,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        department_id -> Nullable<BigInt>,
        phone_enc -> Nullable<Text>,
        phone_index -> Nullable<Text>,
        phone_verified_at -> Nullable<Timestamp>,
        totp_secret_enc -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        password_changed_at -> Timestamp,
    }
}

// One-time recovery codes for two-factor sign-in (kernel::auth::two_factor).
diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

// Six-digit codes for a forgotten password (kernel::auth::reset).
diesel::table! {
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        attempts -> Integer,
        expires_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

// Failed sign-ins (kernel::auth::sign_in).
diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        ip -> Text,
        login -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        data -> Text,
        expiry_date -> Timestamp,
        user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        committee_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        hash_alg -> Nullable<Text>,
        prev_hash -> Nullable<Text>,
        row_hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_settings (id) {
        id -> BigInt,
        hash_alg -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        dedupe_key -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sectors (id) {
        id -> BigInt,
        committee_id -> BigInt,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    members (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        sector_id -> Nullable<BigInt>,
        name -> Text,
        gender -> Text,
        ethnicity -> Text,
        birth_date -> Nullable<Date>,
        party -> Text,
        employer -> Text,
        post -> Text,
        phone -> Text,
        term -> Text,
        status -> Text,
        left_on -> Nullable<Date>,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        public_name -> Bool,
        birth_month_only -> Bool,
    }
}

diesel::table! {
    office_staffers (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        name -> Text,
        phone -> Text,
        employment -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    localities (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        name -> Text,
        kind -> Text,
        address -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    liaisons (id) {
        id -> BigInt,
        committee_id -> BigInt,
        member_id -> BigInt,
        locality_id -> BigInt,
        start_on -> Date,
        end_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    members_homes (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        name -> Text,
        address -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    home_items (id) {
        id -> BigInt,
        committee_id -> BigInt,
        home_id -> BigInt,
        item -> Text,
        status -> Text,
        note -> Text,
        checked_by -> Nullable<BigInt>,
        checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    files (id) {
        id -> BigInt,
        committee_id -> BigInt,
        sha256 -> Text,
        content_type -> Text,
        size -> BigInt,
        original_name -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    home_evidence (id) {
        id -> BigInt,
        committee_id -> BigInt,
        home_item_id -> BigInt,
        file_id -> Nullable<BigInt>,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        committee_id -> BigInt,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opinion_categories (id) {
        id -> BigInt,
        committee_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        code -> Text,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    opinion_routes (id) {
        id -> BigInt,
        committee_id -> BigInt,
        category_id -> BigInt,
        office_id -> Nullable<BigInt>,
        assignee_kind -> Text,
        assignee_id -> BigInt,
        answer_days -> Integer,
    }
}

diesel::table! {
    opinions (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        locality_id -> Nullable<BigInt>,
        category_id -> Nullable<BigInt>,
        code -> Text,
        source -> Text,
        heard_by -> Nullable<BigInt>,
        body -> Text,
        status -> Text,
        submitter_name -> Nullable<Text>,
        submitter_phone -> Nullable<Text>,
        phone_index -> Nullable<Text>,
        merged_into -> Nullable<BigInt>,
        assignee_kind -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        assigned_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        reopened -> Bool,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        rating -> Nullable<Text>,
        rating_comment -> Nullable<Text>,
        reject_reason -> Nullable<Text>,
        public -> Bool,
        escalated_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        urgent -> Bool,
    }
}

diesel::table! {
    opinion_events (id) {
        id -> BigInt,
        committee_id -> BigInt,
        opinion_id -> BigInt,
        kind -> Text,
        status -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        public -> Bool,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    opinion_files (id) {
        id -> BigInt,
        opinion_id -> BigInt,
        file_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
        public -> Bool,
    }
}

diesel::table! {
    rate_limits (key, window_secs, window_start) {
        key -> Text,
        window_secs -> Integer,
        window_start -> Timestamp,
        count -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (id) {
        id -> BigInt,
        committee_id -> BigInt,
        day -> Date,
        kind -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        committee_id -> BigInt,
        channel -> Text,
        recipient -> Text,
        recipient_masked -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        dedupe_key -> Nullable<Text>,
        job_id -> Nullable<BigInt>,
    }
}

// search_docs.tsv (generated; a tsvector on PostgreSQL) is left out: only the
// search module's raw SQL reads it.
diesel::table! {
    search_docs (id) {
        id -> BigInt,
        committee_id -> BigInt,
        kind -> Text,
        ref_id -> BigInt,
        terms -> Text,
        simhash -> BigInt,
        band0 -> Integer,
        band1 -> Integer,
        band2 -> Integer,
        band3 -> Integer,
    }
}

diesel::table! {
    search_pending (doc_id) {
        doc_id -> BigInt,
    }
}

diesel::joinable!(offices -> committees (committee_id));
diesel::joinable!(users -> committees (committee_id));
diesel::joinable!(users -> offices (office_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(sign_in_failures -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(members -> sectors (sector_id));
diesel::joinable!(localities -> offices (office_id));
diesel::joinable!(liaisons -> members (member_id));
diesel::joinable!(liaisons -> localities (locality_id));
diesel::joinable!(members_homes -> offices (office_id));
diesel::joinable!(home_items -> members_homes (home_id));
diesel::joinable!(home_evidence -> home_items (home_item_id));
diesel::joinable!(home_evidence -> files (file_id));
diesel::joinable!(office_staffers -> offices (office_id));
diesel::joinable!(opinion_events -> opinions (opinion_id));
diesel::joinable!(opinion_files -> opinions (opinion_id));
diesel::joinable!(opinion_files -> files (file_id));

diesel::allow_tables_to_appear_in_same_query!(
    committees,
    offices,
    users,
    sessions,
    audit_log,
    audit_settings,
    jobs,
    sectors,
    members,
    office_staffers,
    localities,
    liaisons,
    members_homes,
    home_items,
    files,
    home_evidence,
    departments,
    opinion_categories,
    opinion_routes,
    opinions,
    opinion_events,
    opinion_files,
    rate_limits,
    calendar_days,
    search_docs,
    search_pending,
    activities,
    activity_members,
    activity_files,
    activity_speakers,
    activity_opinions,
    consultations,
    consultation_sectors,
    consultation_localities,
    consultation_members,
    consultation_departments,
    consultation_speakers,
    consultation_files,
    consultation_opinions,
    consultation_items,
    consultation_item_notes,
    password_resets,
    sign_in_failures,
    recovery_codes,
);

// 社情民意信息 reports (opinions::reports).
diesel::table! {
    opinion_reports (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        title -> Text,
        situation -> Text,
        analysis -> Text,
        suggestion -> Text,
        reporter_member_id -> Nullable<BigInt>,
        reporter_name -> Text,
        status -> Text,
        sent_to -> Nullable<Text>,
        adopted_level -> Nullable<Text>,
        instruction -> Nullable<Text>,
        instruction_by -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        report_to -> Text,
        deliver_to -> Text,
        copy_to -> Text,
    }
}

diesel::table! {
    opinion_report_settings (committee_id) {
        committee_id -> BigInt,
        report_to -> Text,
        deliver_to -> Text,
        copy_to -> Text,
        issuer -> Text,
        total_before -> Nullable<BigInt>,
    }
}

diesel::table! {
    opinion_report_cases (report_id, opinion_id) {
        report_id -> BigInt,
        opinion_id -> BigInt,
    }
}

diesel::joinable!(opinion_report_cases -> opinion_reports (report_id));
diesel::allow_tables_to_appear_in_same_query!(opinion_reports, opinion_report_cases);

// Figures of the opinion loop (opinions::stats).
diesel::table! {
    opinion_stats (committee_id, month, office_id, category_id, measure) {
        committee_id -> BigInt,
        month -> Text,
        office_id -> BigInt,
        category_id -> BigInt,
        measure -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    opinion_event_units (event_id) {
        event_id -> BigInt,
        committee_id -> BigInt,
        opinion_id -> BigInt,
        assignee_kind -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        due_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(opinion_event_units, opinion_events);

// A handler's request for more time on a case's current assignment (opinions::store::extensions).
diesel::table! {
    opinion_extensions (opinion_id) {
        opinion_id -> BigInt,
        state -> Text,
        days -> Nullable<Integer>,
    }
}

diesel::joinable!(opinion_extensions -> opinions (opinion_id));
diesel::allow_tables_to_appear_in_same_query!(opinion_extensions, opinions);

// Liaison activities (activities::).
diesel::table! {
    activities (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        kind -> Text,
        title -> Text,
        locality_id -> Nullable<BigInt>,
        home_id -> Nullable<BigInt>,
        venue -> Text,
        planned_at -> Timestamp,
        held_at -> Nullable<Timestamp>,
        status -> Text,
        topic -> Text,
        findings -> Text,
        minutes -> Text,
        outcomes -> Text,
        residents_count -> Integer,
        other_participants -> Text,
        public -> Bool,
        signin_token -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        duration_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    activity_members (id) {
        id -> BigInt,
        committee_id -> BigInt,
        activity_id -> BigInt,
        member_id -> BigInt,
        invited -> Bool,
        reply -> Text,
        reply_note -> Text,
        attended -> Bool,
        signed_in_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
    }
}

diesel::table! {
    activity_files (id) {
        id -> BigInt,
        committee_id -> BigInt,
        activity_id -> BigInt,
        file_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    activity_speakers (id) {
        id -> BigInt,
        activity_id -> BigInt,
        name -> Text,
        points -> Text,
        created_at -> Timestamp,
    }
}
diesel::table! {
    activity_opinions (id) {
        id -> BigInt,
        activity_id -> BigInt,
        opinion_id -> BigInt,
    }
}

diesel::joinable!(activity_members -> activities (activity_id));
diesel::joinable!(activity_members -> members (member_id));
diesel::joinable!(activity_files -> activities (activity_id));
diesel::joinable!(activity_files -> files (file_id));
diesel::joinable!(activity_speakers -> activities (activity_id));
diesel::joinable!(activity_opinions -> activities (activity_id));
diesel::joinable!(activity_opinions -> opinions (opinion_id));
diesel::joinable!(activities -> offices (office_id));

// Consultations (consultations::).
diesel::table! {
    consultations (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        title -> Text,
        background -> Text,
        status -> Text,
        proposer_kind -> Text,
        proposed_by -> Nullable<BigInt>,
        decision_note -> Text,
        format -> Text,
        planned_at -> Nullable<Timestamp>,
        place -> Text,
        host -> Text,
        residents -> Text,
        materials -> Text,
        held_at -> Nullable<Timestamp>,
        record -> Text,
        residents_count -> Integer,
        results -> Text,
        closed_at -> Nullable<Timestamp>,
        signin_token -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        duration_minutes -> Nullable<Integer>,
    }
}

diesel::table! {
    consultation_sectors (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        sector_id -> BigInt,
    }
}

diesel::table! {
    consultation_localities (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        locality_id -> BigInt,
    }
}

diesel::table! {
    consultation_members (id) {
        id -> BigInt,
        committee_id -> BigInt,
        consultation_id -> BigInt,
        member_id -> BigInt,
        invited -> Bool,
        reply -> Text,
        attended -> Bool,
        signed_in_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
        reply_note -> Text,
    }
}

diesel::table! {
    consultation_departments (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        department_id -> BigInt,
        reply -> Text,
        reply_note -> Text,
    }
}

diesel::table! {
    consultation_speakers (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        name -> Text,
        points -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consultation_files (id) {
        id -> BigInt,
        committee_id -> BigInt,
        consultation_id -> BigInt,
        file_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consultation_opinions (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        opinion_id -> BigInt,
    }
}

diesel::table! {
    consultation_items (id) {
        id -> BigInt,
        committee_id -> BigInt,
        consultation_id -> BigInt,
        body -> Text,
        owner_department_id -> Nullable<BigInt>,
        owner_office_id -> Nullable<BigInt>,
        deadline -> Date,
        status -> Text,
        explanation -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consultation_item_notes (id) {
        id -> BigInt,
        item_id -> BigInt,
        note -> Text,
        file_id -> Nullable<BigInt>,
        author -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(consultation_sectors -> consultations (consultation_id));
diesel::joinable!(consultation_sectors -> sectors (sector_id));
diesel::joinable!(consultation_localities -> consultations (consultation_id));
diesel::joinable!(consultation_localities -> localities (locality_id));
diesel::joinable!(consultation_members -> consultations (consultation_id));
diesel::joinable!(consultation_members -> members (member_id));
diesel::joinable!(consultation_departments -> consultations (consultation_id));
diesel::joinable!(consultation_departments -> departments (department_id));
diesel::joinable!(consultation_speakers -> consultations (consultation_id));
diesel::joinable!(consultation_files -> consultations (consultation_id));
diesel::joinable!(consultation_files -> files (file_id));
diesel::joinable!(consultation_opinions -> consultations (consultation_id));
diesel::joinable!(consultation_opinions -> opinions (opinion_id));
diesel::joinable!(consultation_items -> consultations (consultation_id));
diesel::joinable!(consultation_item_notes -> consultation_items (item_id));
diesel::joinable!(consultations -> offices (office_id));

// Duty time and funds (funds::, duty::score).
diesel::table! {
    duty_rules (id) {
        id -> BigInt,
        committee_id -> BigInt,
        title -> Text,
        doc_number -> Text,
        effective_from -> Date,
        body -> Text,
        duty_days -> Integer,
        fund_uses -> Text,
        leave_clause -> Text,
        letter_prefix -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    budgets (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        year -> Integer,
        line -> Text,
        amount_fen -> BigInt,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    expenses (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        year -> Integer,
        voucher_no -> Integer,
        line -> Text,
        spent_on -> Date,
        amount_fen -> BigInt,
        payee -> Text,
        purpose -> Text,
        for_kind -> Text,
        activity_id -> Nullable<BigInt>,
        consultation_id -> Nullable<BigInt>,
        home_id -> Nullable<BigInt>,
        status -> Text,
        reverses_id -> Nullable<BigInt>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        return_reason -> Text,
        paid_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    expense_files (id) {
        id -> BigInt,
        expense_id -> BigInt,
        file_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    member_funds (id) {
        id -> BigInt,
        committee_id -> BigInt,
        member_id -> BigInt,
        year -> Integer,
        amount_fen -> BigInt,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    member_fund_uses (id) {
        id -> BigInt,
        committee_id -> BigInt,
        member_id -> BigInt,
        year -> Integer,
        spent_on -> Date,
        fund_use -> Text,
        amount_fen -> BigInt,
        note -> Text,
        rule_id -> BigInt,
        reverses_id -> Nullable<BigInt>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    score_points (id) {
        id -> BigInt,
        committee_id -> BigInt,
        year -> Integer,
        item -> Text,
        points -> Integer,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leave_letters (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        year -> Integer,
        serial -> Integer,
        number -> Text,
        member_id -> BigInt,
        activity_id -> Nullable<BigInt>,
        consultation_id -> Nullable<BigInt>,
        rule_id -> BigInt,
        employer -> Text,
        body -> Text,
        issued_by -> BigInt,
        issued_at -> Timestamp,
    }
}

diesel::joinable!(expense_files -> expenses (expense_id));
diesel::joinable!(expense_files -> files (file_id));
diesel::joinable!(expenses -> offices (office_id));
diesel::joinable!(budgets -> offices (office_id));
diesel::joinable!(member_funds -> members (member_id));
diesel::joinable!(member_fund_uses -> members (member_id));
diesel::joinable!(member_fund_uses -> duty_rules (rule_id));
diesel::joinable!(leave_letters -> members (member_id));
// Pairs only: a list would repeat pairs of older tables declared above.
diesel::allow_tables_to_appear_in_same_query!(expense_files, expenses);
diesel::allow_tables_to_appear_in_same_query!(expense_files, files);
diesel::allow_tables_to_appear_in_same_query!(expenses, offices);
diesel::allow_tables_to_appear_in_same_query!(expenses, budgets);
diesel::allow_tables_to_appear_in_same_query!(budgets, offices);
diesel::allow_tables_to_appear_in_same_query!(expenses, activities);
diesel::allow_tables_to_appear_in_same_query!(expenses, consultations);
diesel::allow_tables_to_appear_in_same_query!(member_funds, members);
diesel::allow_tables_to_appear_in_same_query!(member_fund_uses, members);
diesel::allow_tables_to_appear_in_same_query!(member_fund_uses, duty_rules);
diesel::allow_tables_to_appear_in_same_query!(member_funds, member_fund_uses);
diesel::allow_tables_to_appear_in_same_query!(leave_letters, members);
diesel::allow_tables_to_appear_in_same_query!(leave_letters, activities);
diesel::allow_tables_to_appear_in_same_query!(leave_letters, consultations);
diesel::allow_tables_to_appear_in_same_query!(leave_letters, duty_rules);

diesel::table! {
    notices (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        public -> Bool,
        title -> Text,
        body -> Text,
        audience -> Text,
        reply_by -> Nullable<Date>,
        texted -> Bool,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notice_recipients (id) {
        id -> BigInt,
        committee_id -> BigInt,
        notice_id -> BigInt,
        unit -> Text,
        unit_name -> Text,
        read_at -> Nullable<Timestamp>,
        read_by -> Nullable<BigInt>,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        replied_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    notice_files (id) {
        id -> BigInt,
        notice_id -> BigInt,
        file_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(notice_recipients -> notices (notice_id));
diesel::joinable!(notice_files -> notices (notice_id));
diesel::joinable!(notice_files -> files (file_id));
diesel::joinable!(notices -> offices (office_id));
diesel::allow_tables_to_appear_in_same_query!(notice_recipients, notices);
diesel::allow_tables_to_appear_in_same_query!(notice_files, notices);
diesel::allow_tables_to_appear_in_same_query!(notice_files, files);
diesel::allow_tables_to_appear_in_same_query!(notices, offices);

diesel::table! {
    inspection_checklist (id) {
        id -> BigInt,
        committee_id -> BigInt,
        label -> Text,
        sort_order -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        planned_on -> Date,
        inspectors -> Text,
        status -> Text,
        inspected_on -> Nullable<Date>,
        score -> Nullable<Integer>,
        summary -> Text,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_findings (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        label -> Text,
        result -> Text,
        note -> Text,
    }
}

diesel::table! {
    rectifications (id) {
        id -> BigInt,
        committee_id -> BigInt,
        inspection_id -> BigInt,
        office_id -> BigInt,
        body -> Text,
        deadline -> Date,
        status -> Text,
        evidence -> Text,
        done_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(inspections -> offices (office_id));
diesel::joinable!(inspection_findings -> inspections (inspection_id));
diesel::joinable!(rectifications -> inspections (inspection_id));
diesel::joinable!(rectifications -> offices (office_id));
diesel::allow_tables_to_appear_in_same_query!(inspections, offices);
diesel::allow_tables_to_appear_in_same_query!(inspection_findings, inspections);
diesel::allow_tables_to_appear_in_same_query!(rectifications, inspections);
diesel::allow_tables_to_appear_in_same_query!(rectifications, offices);

diesel::table! {
    rectification_files (id) {
        id -> BigInt,
        committee_id -> BigInt,
        rectification_id -> BigInt,
        file_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(rectification_files -> rectifications (rectification_id));
diesel::joinable!(rectification_files -> files (file_id));
diesel::allow_tables_to_appear_in_same_query!(rectification_files, rectifications);
diesel::allow_tables_to_appear_in_same_query!(rectification_files, files);
diesel::allow_tables_to_appear_in_same_query!(rectifications, files);

diesel::table! {
    archive_bundles (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> BigInt,
        year -> Integer,
        status -> Text,
        files_done -> Integer,
        files_total -> Integer,
        pieces -> Integer,
        sha256 -> Nullable<Text>,
        size -> Nullable<BigInt>,
        error -> Nullable<Text>,
        requested_by -> BigInt,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(archive_bundles -> offices (office_id));
diesel::allow_tables_to_appear_in_same_query!(archive_bundles, offices);

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        committee_id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        scopes -> Text,
        per_minute -> Integer,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(api_tokens, users);

diesel::table! {
    opinion_links (id) {
        id -> BigInt,
        committee_id -> BigInt,
        opinion_id -> BigInt,
        system -> Text,
        external_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(opinion_links -> opinions (opinion_id));
diesel::allow_tables_to_appear_in_same_query!(opinion_links, opinions);

diesel::table! {
    robots (id) {
        id -> BigInt,
        committee_id -> BigInt,
        unit -> Text,
        kind -> Text,
        name -> Text,
        webhook_enc -> Text,
        secret_enc -> Nullable<Text>,
        active -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

// Online consultations (网络议政, consultations::online).
diesel::table! {
    online_consultations (id) {
        id -> BigInt,
        committee_id -> BigInt,
        consultation_id -> BigInt,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        residents_open -> Bool,
        summary -> Text,
        summary_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    online_members (id) {
        id -> BigInt,
        online_id -> BigInt,
        member_id -> BigInt,
    }
}

diesel::table! {
    online_comments (id) {
        id -> BigInt,
        committee_id -> BigInt,
        online_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author -> Text,
        member_id -> Nullable<BigInt>,
        name_enc -> Nullable<Text>,
        phone_enc -> Nullable<Text>,
        phone_index -> Nullable<Text>,
        body -> Text,
        status -> Text,
        reason -> Text,
        moderated_by -> Nullable<BigInt>,
        moderated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(online_consultations -> consultations (consultation_id));
diesel::joinable!(online_members -> online_consultations (online_id));
diesel::joinable!(online_members -> members (member_id));
diesel::joinable!(online_comments -> online_consultations (online_id));
diesel::joinable!(online_comments -> members (member_id));
diesel::allow_tables_to_appear_in_same_query!(online_consultations, online_members, online_comments);
diesel::allow_tables_to_appear_in_same_query!(online_consultations, consultations);
diesel::allow_tables_to_appear_in_same_query!(online_consultations, offices);
diesel::allow_tables_to_appear_in_same_query!(online_members, members);
diesel::allow_tables_to_appear_in_same_query!(online_members, consultations);
diesel::allow_tables_to_appear_in_same_query!(online_comments, members);
diesel::allow_tables_to_appear_in_same_query!(online_comments, sectors);
diesel::allow_tables_to_appear_in_same_query!(online_comments, consultations);
diesel::allow_tables_to_appear_in_same_query!(online_members, sectors);

// Proposals (提案, proposals::).
diesel::table! {
    proposal_sessions (id) {
        id -> BigInt,
        committee_id -> BigInt,
        name -> Text,
        year -> Integer,
        opens_on -> Date,
        closes_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposals (id) {
        id -> BigInt,
        committee_id -> BigInt,
        session_id -> BigInt,
        number -> Nullable<Integer>,
        kind -> Text,
        title -> Text,
        grounds -> Text,
        suggestions -> Text,
        member_id -> BigInt,
        sector_id -> Nullable<BigInt>,
        in_session -> Bool,
        status -> Text,
        source_kind -> Nullable<Text>,
        source_ref -> Nullable<Text>,
        reason -> Text,
        merged_into -> Nullable<BigInt>,
        opinion_id -> Nullable<BigInt>,
        lead_department_id -> Nullable<BigInt>,
        deadline -> Nullable<Date>,
        assigned_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        returned -> Bool,
        reopened -> Bool,
        answer -> Text,
        answered_at -> Nullable<Timestamp>,
        rating -> Nullable<Text>,
        key_proposal -> Bool,
        key_leader_id -> Nullable<BigInt>,
        public -> Bool,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    proposal_signers (id) {
        id -> BigInt,
        proposal_id -> BigInt,
        member_id -> BigInt,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_units (id) {
        id -> BigInt,
        proposal_id -> BigInt,
        department_id -> BigInt,
        opinion -> Text,
        signed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_events (id) {
        id -> BigInt,
        proposal_id -> BigInt,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        actor_name -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_files (id) {
        id -> BigInt,
        committee_id -> BigInt,
        proposal_id -> BigInt,
        file_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(proposals -> proposal_sessions (session_id));
diesel::joinable!(proposals -> members (member_id));
diesel::joinable!(proposals -> departments (lead_department_id));
diesel::joinable!(proposal_signers -> proposals (proposal_id));
diesel::joinable!(proposal_signers -> members (member_id));
diesel::joinable!(proposal_units -> proposals (proposal_id));
diesel::joinable!(proposal_units -> departments (department_id));
diesel::joinable!(proposal_events -> proposals (proposal_id));
diesel::joinable!(proposal_files -> proposals (proposal_id));
diesel::joinable!(proposal_files -> files (file_id));
diesel::allow_tables_to_appear_in_same_query!(
    proposal_sessions,
    proposals,
    proposal_signers,
    proposal_units,
    proposal_events,
    proposal_files
);
diesel::allow_tables_to_appear_in_same_query!(proposals, members);
diesel::allow_tables_to_appear_in_same_query!(proposals, departments);
diesel::allow_tables_to_appear_in_same_query!(proposals, sectors);
diesel::allow_tables_to_appear_in_same_query!(proposal_signers, members);
diesel::allow_tables_to_appear_in_same_query!(proposal_units, departments);
diesel::allow_tables_to_appear_in_same_query!(proposal_files, files);
